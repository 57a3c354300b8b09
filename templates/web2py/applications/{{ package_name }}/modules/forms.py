"""web2py's forms without inline styles, so that pages keep to their Content-Security-Policy.

The policy (security.HEADERS) allows the site's own stylesheet and no inline style, but web2py's
FORM puts its hidden fields (the form key and the form's name) in a <div style="display:none;">,
which the browser refuses and reports. Importing this module makes every form (SQLFORM and
Auth's forms included, and `form.custom.end` in a view that draws a form piece by piece) put
them in a <div class="hidden-fields"> instead, which static/css/style.css hides.
"""

from gluon.html import DIV, FORM, INPUT


def hidden_fields(form: FORM) -> DIV:
    """The inputs that carry the form's hidden values, its form key and its name."""
    values = form.attributes.get("hidden") or {}
    inputs = [INPUT(_type="hidden", _name=name, _value=value) for name, value in values.items()]
    for name in ("formkey", "formname"):
        if getattr(form, name, None):
            inputs.append(INPUT(_type="hidden", _name=f"_{name}", _value=getattr(form, name)))
    return DIV(*inputs, _class="hidden-fields")


FORM.hidden_fields = hidden_fields

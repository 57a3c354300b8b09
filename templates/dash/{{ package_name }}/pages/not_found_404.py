"""What Dash shows for a path no page has (the server answers it with status 404)."""

import dash
from dash import dcc, html

from .. import PROJECT_NAME

dash.register_page(__name__, title=f"Page not found · {PROJECT_NAME}")

layout = html.Div(
    [
        html.H1("404 Not Found"),
        html.P("There is no page at this address.", className="lead"),
        html.P(dcc.Link("Back to the home page", href="/")),
    ]
)

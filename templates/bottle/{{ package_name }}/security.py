"""Response headers that every page gets."""

from __future__ import annotations

from bottle import response

# The pages load nothing from other origins, so the policy can be strict.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def add_security_headers() -> None:
    """An after_request hook: add HEADERS to the response."""
    for name, value in HEADERS.items():
        response.set_header(name, value)

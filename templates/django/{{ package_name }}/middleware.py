"""Middleware of the project's own."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import views


def health_check(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Answer /health whatever the Host header, and before any other middleware.

    Container health checks and load balancers ask for /health by the server's address, which
    is not in ALLOWED_HOSTS, and over plain HTTP: the rest of the site refuses both. The answer
    sets no cookie and reads nothing from the request but its path and method.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path_info == "/health":
            return views.health(request)
        return get_response(request)

    return middleware

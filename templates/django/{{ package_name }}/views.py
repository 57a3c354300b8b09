"""The site's own pages: the home page, the health check and the favicon."""

from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The home page."""
    return render(request, "home.html")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on pages that name no icon (JSON, the admin)."""
    return redirect(static("favicon.svg"), permanent=True)


@never_cache
@require_GET
@transaction.non_atomic_requests
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness: 200 while the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from apps.accounts.urls import app_api_urlpatterns, desk_api_urlpatterns
from apps.core import health, metrics
from apps.droids.urls import app_api_urlpatterns as droids_app_api_urlpatterns
from apps.indexer.urls import chain_api_urlpatterns, devbe_urlpatterns
from apps.trades.urls import app_api_urlpatterns as trades_app_api_urlpatterns
from apps.trades.urls import desk_api_urlpatterns as trades_desk_api_urlpatterns


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico on pages without the layout's icon link (admin, API docs).
    The address is looked up per request: the static manifest may not exist at import time."""

    permanent = True

    def get_redirect_url(self, *args: object, **kwargs: object) -> str:
        return static("favicon.svg")


urlpatterns = [
    path("favicon.ico", FaviconView.as_view()),
    path("health", health.LivenessView.as_view()),
    path("health/ready", health.ReadinessView.as_view()),
    path("health/sidecar", health.SidecarView.as_view()),
    path("metrics", metrics.metrics, name="prometheus-django-metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from a URL, not inline: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    # Redoc styles itself at run time (styled-components inserts <style> elements), which a strict
    # style-src stops ("Something went wrong"), and searches in a worker it builds from a blob: its
    # page alone allows both; scripts stay 'self'. Its footer's logo from cdn.redoc.ly stays blocked.
    path(
        "api/redoc/",
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
            SpectacularRedocView.as_view(url_name="schema")
        ),
        name="redoc",
    ),
    # Seed 004's chain reads come first: /api/v1/health is theirs (the desk has /health).
    path("api/v1/", include(chain_api_urlpatterns)),
    path("api/v1/", include(desk_api_urlpatterns)),
    path("api/v1/", include("apps.jobs.urls")),
    path("api/v1/", include("apps.tee.urls")),
    path("api/v1/", include("apps.exchanges.urls")),
    path("api/v1/", include(trades_desk_api_urlpatterns)),
    path("api/v1/", include("apps.journal.urls")),
    path("api/", include(trades_app_api_urlpatterns)),
    path("api/", include(droids_app_api_urlpatterns)),
    path("api/", include(app_api_urlpatterns)),
    path("api/", include(devbe_urlpatterns)),
    # The admin signs in and out through the platform's own session, like every other page.
    path("admin/login/", RedirectView.as_view(url="/login?next=/admin/", query_string=False)),
    path("admin/logout/", RedirectView.as_view(url="/logout", query_string=False)),
    path("admin/", admin.site.urls),
    path("", include("apps.jobs.page_urls")),
    path("", include("apps.indexer.page_urls")),
    path("", include("apps.accounts.page_urls")),
    path("", include("apps.exchanges.page_urls")),
    path("", include("apps.trades.page_urls")),
    path("", include("apps.journal.page_urls")),
    path("", include("apps.droids.page_urls")),
]

# 403.html and 404.html render in the layout through Django's own handlers; the 500 page must
# render even when what failed is the session or the database (see apps/core/error_pages.py).
handler500 = "apps.core.error_pages.server_error"

"""The site's URLs plus a page and an API path that fail, for the error page tests."""

from django.urls import include, path

from config.urls import handler500  # noqa: F401 - Django reads the handler from the URLconf


def failing_view(request):
    raise RuntimeError("secret internals")


urlpatterns = [
    path("broken-page", failing_view),
    path("api/broken", failing_view),
    path("", include("config.urls")),
]

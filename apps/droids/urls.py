from apps.droids.api import urlpatterns as app_api_urlpatterns

__all__ = ["app_api_urlpatterns"]

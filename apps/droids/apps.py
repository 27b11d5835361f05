from django.apps import AppConfig


class DroidsConfig(AppConfig):
    name = "apps.droids"
    label = "droids"
    verbose_name = "Droids"

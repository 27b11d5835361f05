from django.apps import AppConfig


class TeeConfig(AppConfig):
    name = "apps.tee"
    label = "tee"
    verbose_name = "TEE gateway"

    def ready(self) -> None:
        from django.conf import settings

        from apps.core.probes import register_readiness_check
        from apps.tee import signals  # noqa: F401 -- registers the Snapshot receiver
        from apps.tee.gateway_client import readiness_check

        # Replaces core's bare URL probe of the same name: this one also reports the attestation type.
        if settings.TEE_GATEWAY_URL:
            register_readiness_check("tee_gateway", readiness_check)

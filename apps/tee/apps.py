from django.apps import AppConfig


class TeeConfig(AppConfig):
    name = "apps.tee"
    label = "tee"
    verbose_name = "TEE gateway"

    def ready(self) -> None:
        from django.conf import settings

        from apps.core.probes import register_readiness_check
        from apps.jobs.hooks import on_job_page_tee_status, on_snapshot_recorded
        from apps.tee.gateway_client import readiness_check
        from apps.tee.selectors import tee_panel
        from apps.tee.services import attach_balance_report

        # The follower records the Snapshot rows; the report this backend polled joins them.
        on_snapshot_recorded(attach_balance_report)
        on_job_page_tee_status(tee_panel)

        # Replaces core's bare URL probe of the same name: this one also reports the attestation type.
        if settings.TEE_GATEWAY_URL:
            register_readiness_check("tee_gateway", readiness_check)

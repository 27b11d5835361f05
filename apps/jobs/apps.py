from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "apps.jobs"
    label = "jobs"
    verbose_name = "Agent jobs"

    def ready(self) -> None:
        from apps.indexer.consumers import register_log_consumer
        from apps.jobs.consumer import CURSOR_NAME, aacp_consumer

        register_log_consumer(CURSOR_NAME, aacp_consumer)

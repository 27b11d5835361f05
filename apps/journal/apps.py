from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "apps.journal"
    label = "journal"
    verbose_name = "Journal"

    def ready(self) -> None:
        from apps.journal.services.updates import enqueue_journal_update
        from apps.trades.hooks import on_fills_recorded

        on_fills_recorded(enqueue_journal_update)

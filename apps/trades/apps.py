from django.apps import AppConfig


class TradesConfig(AppConfig):
    name = "apps.trades"
    label = "trades"
    verbose_name = "Trading"

    def ready(self) -> None:
        from apps.exchanges.hooks import on_account_added, on_account_removal
        from apps.trades.services.imports import import_new_account_history
        from apps.trades.services.removal import refuse_removal_with_open_trades

        on_account_added(import_new_account_history)
        on_account_removal(refuse_removal_with_open_trades)

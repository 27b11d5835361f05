from django.apps import AppConfig


class ExchangesConfig(AppConfig):
    name = "apps.exchanges"
    label = "exchanges"
    verbose_name = "Exchanges"

    def ready(self) -> None:
        from apps.accounts.hooks import on_user_activated
        from apps.exchanges.services.accounts import open_paper_account_on_approval

        on_user_activated(open_paper_account_on_approval)

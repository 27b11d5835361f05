from __future__ import annotations

import factory

from apps.exchanges.crypto import seal
from apps.exchanges.models import AccountKind, ExchangeAccount
from tests.accounts.factories import UserFactory


class ExchangeAccountFactory(factory.django.DjangoModelFactory):
    """A paper-exchange account (unfunded: call `fund_account` from the paper engine to fund it)."""

    class Meta:
        model = ExchangeAccount

    user = factory.SubFactory(UserFactory)
    exchange_name = "paper"
    kind = AccountKind.PAPER
    label = "Paper"


class ApiKeyAccountFactory(ExchangeAccountFactory):
    exchange_name = "binance"
    kind = AccountKind.API_KEY
    label = "Binance"
    key_hint = "KEY1"
    credentials = factory.LazyFunction(lambda: seal({"api_key": "test-api-key-KEY1", "secret": "test-secret"}))


class FundedPaperAccountFactory(ExchangeAccountFactory):
    """A paper account holding the paper exchange's starting balance in every quote asset."""

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def funded(obj, create, extracted, **kwargs):
        if create:
            from apps.exchanges.paper.engine import fund_account

            fund_account(account=obj)

from __future__ import annotations

import factory
from eth_account import Account

from apps.accounts.models import Role, Status, User
from apps.accounts.services import ClientInfo, IssuedTokens, start_session

PASSWORD = "correct-horse-battery-staple-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"trader{n}@example.com")
    role = Role.OPERATOR
    status = Status.ACTIVE
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def wallet() -> Account:
    return Account.create()


def sign_in(user: User, *, kind: str = "WEB") -> IssuedTokens:
    return start_session(user=user, kind=kind, method="password", client=ClientInfo(user_agent="pytest"))


def bearer(tokens: IssuedTokens) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {tokens.access_token}"}

import pytest

from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def attempt(api, email, password):
    return api.post("/api/auth/login", {"email": email, "password": password}, format="json")


def test_repeated_wrong_passwords_lock_the_account_for_a_while(api, settings):
    settings.LOGIN_LOCKOUT_THRESHOLD = 3
    UserFactory(email="trader@example.com")
    for _ in range(3):
        assert attempt(api, "trader@example.com", "wrong-password-x").status_code == 401
    locked = attempt(api, "trader@example.com", PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.json()["error"]
    assert int(locked["Retry-After"]) > 0


def test_a_lockout_looks_the_same_for_an_email_with_no_account(api, settings):
    settings.LOGIN_LOCKOUT_THRESHOLD = 3
    UserFactory(email="trader@example.com")
    for email in ("trader@example.com", "ghost@example.com"):
        for _ in range(3):
            attempt(api, email, "wrong-password-x")
    real, ghost = attempt(api, "trader@example.com", "x-x-x-x-x"), attempt(api, "ghost@example.com", "x-x-x-x-x")
    assert real.status_code == ghost.status_code == 429
    assert real.json() == ghost.json()


def test_a_successful_sign_in_resets_the_count(api, settings):
    settings.LOGIN_LOCKOUT_THRESHOLD = 3
    UserFactory(email="trader@example.com")
    attempt(api, "trader@example.com", "wrong-password-x")
    attempt(api, "trader@example.com", "wrong-password-x")
    assert attempt(api, "trader@example.com", PASSWORD).status_code == 200
    attempt(api, "trader@example.com", "wrong-password-x")
    attempt(api, "trader@example.com", "wrong-password-x")
    assert attempt(api, "trader@example.com", PASSWORD).status_code == 200


def test_login_is_rate_limited_per_client(api, throttle_rates):
    throttle_rates(login="3/min")
    codes = [attempt(api, f"user{i}@example.com", "wrong-password-x").status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]


@pytest.mark.parametrize(
    ("path", "scope", "method"),
    [
        ("/api/auth/register", "register", "post"),
        ("/api/v1/auth/nonce", "nonce", "get"),
        ("/api/v1/auth/extension-pair", "pairing", "post"),
    ],
)
def test_register_nonce_and_pairing_are_rate_limited(api, throttle_rates, path, scope, method):
    throttle_rates(**{scope: "2/min"})
    codes = [getattr(api, method)(path, {}, format="json").status_code for _ in range(3)]
    assert codes[-1] == 429
    assert 429 not in codes[:2]

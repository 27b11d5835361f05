import threading

import pytest

from apps.accounts.models import User
from tests.accounts.factories import PASSWORD, UserFactory
from tests.core.threaded_wsgi import post_together, threaded_wsgi_server

pytestmark = pytest.mark.django_db


def attempt(api, email, password, **extra):
    return api.post("/api/auth/login", {"email": email, "password": password}, format="json", **extra)


@pytest.fixture
def password_checks(monkeypatch):
    """How many times a password was hashed and compared, counted across threads."""
    checked = {"count": 0}
    lock = threading.Lock()
    real_check = User.check_password

    def counting_check(self, raw_password):
        with lock:
            checked["count"] += 1
        return real_check(self, raw_password)

    monkeypatch.setattr(User, "check_password", counting_check)
    return checked


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


@pytest.mark.django_db(transaction=True)
def test_fifty_racing_wrong_passwords_check_exactly_the_threshold(settings, throttle_rates, password_checks):
    throttle_rates(login="1000/min")
    settings.LOGIN_LOCKOUT_THRESHOLD = 5
    UserFactory(email="trader@example.com")
    bodies = [{"email": "trader@example.com", "password": f"wrong-password-{i}"} for i in range(50)]
    with threaded_wsgi_server() as base_url:
        responses = post_together(f"{base_url}/api/auth/login", bodies)
    assert sorted(r.status_code for r in responses) == [401] * 5 + [429] * 45
    assert password_checks["count"] == 5
    locked = next(r for r in responses if r.status_code == 429)
    assert locked.json()["error"].startswith("Too many failed sign-in attempts.")


def test_a_locked_out_attempt_hashes_no_password(api, settings, password_checks):
    settings.LOGIN_LOCKOUT_THRESHOLD = 2
    UserFactory(email="trader@example.com")
    for _ in range(2):
        attempt(api, "trader@example.com", "wrong-password-x")
    assert password_checks["count"] == 2
    assert attempt(api, "trader@example.com", PASSWORD).status_code == 429
    assert password_checks["count"] == 2


def test_an_attacker_elsewhere_cannot_lock_the_owner_out_of_their_own_address(api, settings):
    settings.LOGIN_LOCKOUT_THRESHOLD = 3
    UserFactory(email="trader@example.com")
    attacker, owner = {"REMOTE_ADDR": "203.0.113.9"}, {"REMOTE_ADDR": "198.51.100.7"}
    for _ in range(3):
        assert attempt(api, "trader@example.com", "wrong-password-x", **attacker).status_code == 401
    assert attempt(api, "trader@example.com", PASSWORD, **attacker).status_code == 429
    assert attempt(api, "trader@example.com", PASSWORD, **owner).status_code == 200


def test_past_the_per_email_ceiling_every_address_is_locked(api, settings):
    settings.LOGIN_LOCKOUT_THRESHOLD = 3
    settings.LOGIN_LOCKOUT_EMAIL_THRESHOLD = 6
    UserFactory(email="trader@example.com")
    for i in range(6):
        address = {"REMOTE_ADDR": f"203.0.113.{i % 3}"}
        assert attempt(api, "trader@example.com", "wrong-password-x", **address).status_code == 401
    owner = attempt(api, "trader@example.com", PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert owner.status_code == 429
    assert int(owner["Retry-After"]) > 0


def test_behind_a_trusted_proxy_the_lockout_follows_the_forwarded_address(api, settings):
    settings.LOGIN_LOCKOUT_THRESHOLD = 3
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    UserFactory(email="trader@example.com")
    for _ in range(3):
        attempt(api, "trader@example.com", "wrong-password-x", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert attempt(api, "trader@example.com", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    assert attempt(api, "trader@example.com", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 200


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(api, settings):
    settings.LOGIN_LOCKOUT_THRESHOLD = 3
    UserFactory(email="trader@example.com")
    for i in range(3):
        attempt(api, "trader@example.com", "wrong-password-x", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    assert attempt(api, "trader@example.com", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429


@pytest.mark.django_db(transaction=True)
def test_fifty_racing_pairing_guesses_look_up_exactly_the_allowed_few(settings, throttle_rates):
    throttle_rates(pairing="1000/min")
    settings.PAIRING_MAX_FAILURES = 5
    bodies = [{"code": f"{i:06d}"} for i in range(50)]  # no code was issued: every guess is wrong
    with threaded_wsgi_server() as base_url:
        responses = post_together(f"{base_url}/api/v1/auth/extension-pair", bodies)
    assert sorted(r.status_code for r in responses) == [401] * 5 + [429] * 45
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 429} == {"TOO_MANY_ATTEMPTS"}


def test_the_owners_sign_in_neither_counts_toward_nor_clears_the_per_email_ceiling(api, settings):
    settings.LOGIN_LOCKOUT_THRESHOLD = 5
    settings.LOGIN_LOCKOUT_EMAIL_THRESHOLD = 3
    UserFactory(email="trader@example.com")
    for address in ("203.0.113.1", "203.0.113.2"):
        assert attempt(api, "trader@example.com", "wrong-password-x", REMOTE_ADDR=address).status_code == 401
    assert attempt(api, "trader@example.com", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 200
    assert attempt(api, "trader@example.com", "wrong-password-x", REMOTE_ADDR="203.0.113.3").status_code == 401
    assert attempt(api, "trader@example.com", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 429

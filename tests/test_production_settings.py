"""Production settings: `check --deploy` is clean, and missing secrets stop start-up loudly."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL"}}
    env.update(
        DEBUG="0",
        SECRET_KEY="Zk3!q9-" + Fernet.generate_key().decode() + "x7#Lm2@Pw",
        ALLOWED_HOSTS="desk.example.com",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DATABASE_URL="postgres://app@127.0.0.1:5432/app",
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        SIWE_DOMAIN="desk.example.com",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_prints_no_warning_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "DATABASE_URL", "REDIS_URL"]
)
def test_production_refuses_to_start_without_a_required_setting(missing):
    env = production_env()
    env.pop(missing)
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_check_deploy_stays_clean_with_every_security_setting_configured():
    env = production_env(
        CSRF_TRUSTED_ORIGINS="https://app.example.com",
        NUM_PROXIES="1",
        METRICS_TOKEN="m" * 32,
        METRICS_ALLOWED_NETWORKS="10.0.0.0/8,fd00::/8",
        CSP_REPORT_URI="https://desk.example.com/csp-reports",
    )
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


PRINT_SECURITY_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "proxy_ssl_header": settings.SECURE_PROXY_SSL_HEADER,
    "hsts": [settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD],
    "cookies": [settings.AUTH_COOKIE_SECURE, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "csrf_cookie_httponly": settings.CSRF_COOKIE_HTTPONLY,
    "csp": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
    "metrics": [settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS],
    "middleware": settings.MIDDLEWARE,
}))
"""


def test_production_defaults_are_the_safe_ones():
    result = manage("shell", "-c", PRINT_SECURITY_SETTINGS, env=production_env())
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["ssl_redirect"] is True
    assert values["proxy_ssl_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["hsts"] == [31536000, True, True]
    assert values["cookies"] == [True, True, True]
    # The pages' scripts send the CSRF token they read from the cookie (apps/accounts/csrf.py).
    assert values["csrf_cookie_httponly"] is False
    assert values["csp"]["script-src"] == ["'self'"] and values["csp"]["style-src"] == ["'self'"]
    assert values["csp"]["frame-ancestors"] == ["'none'"] and values["csp"]["object-src"] == ["'none'"]
    assert "apps.core.csp.ContentSecurityPolicyMiddleware" in values["middleware"]
    # Metrics are shown to nobody until a token or a network is configured.
    assert values["metrics"] == ["", []]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("METRICS_ALLOWED_NETWORKS", "10.0.0.0/33", "METRICS_ALLOWED_NETWORKS: '10.0.0.0/33' is not a network"),
        ("METRICS_ALLOWED_NETWORKS", "office", "METRICS_ALLOWED_NETWORKS: 'office' is not a network"),
        ("METRICS_TOKEN", "short", "METRICS_TOKEN must be at least 24 characters"),
    ],
)
def test_production_refuses_a_malformed_metrics_setting(name, value, message):
    result = manage("check", env=production_env(**{name: value}))
    assert result.returncode != 0
    assert message in result.stderr

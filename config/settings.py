"""All settings, read from the environment in this one module (through the readers of config/env.py).

DEBUG on means a developer machine: every value has a safe local default. DEBUG off means
production: the values below marked `required` refuse to start without their variable.
"""

from __future__ import annotations

import os
import warnings
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.api_schema import SPECTACULAR_SETTINGS as API_SCHEMA
from config.beat_schedule import BEAT_SCHEDULE
from config.env import env, networks, price_routes, required, required_list
from config.redis_layers import cache_settings, channel_layer_settings

# siwe's grammar redefines core ABNF rules on import; abnf warns about it every time.
warnings.filterwarnings("ignore", message=r"rule '.*' redefines", module=r"abnf\.")

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = required("SECRET_KEY", "dev-only-insecure-secret-key-never-use-in-production-0123456789")
PORT = env.int("PORT", default=8080)
WS_PORT = env.int("WS_PORT", default=4000)
# Where pages open their WebSocket; empty: ws(s)://<the page's hostname>:<WS_PORT>/ws.
WS_PUBLIC_URL = env.str("WS_PUBLIC_URL", default="")
ALLOWED_HOSTS = required_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A refused form post answers the site's own page (in the layout), or the API envelope.
CSRF_FAILURE_VIEW = "apps.core.error_pages.csrf_failure"

# Fernet keys, newest first; the exchange credentials of later issues are encrypted with them.
FIELD_ENCRYPTION_KEYS = required_list("FIELD_ENCRYPTION_KEYS", ["ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc="])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_celery_beat",
    "django_prometheus",
    "csp",
    "apps.core",
    "apps.accounts",
    "apps.indexer",
    "apps.jobs",
    "apps.exchanges",
    "apps.trades",
    "apps.journal",
    "apps.tee",
    "apps.droids",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "apps.core.middleware.ApiErrorEnvelopeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "apps.core.csp.ContentSecurityPolicyMiddleware",
    "apps.core.middleware.ApiRequestBodyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "apps.accounts.middleware.TokenAuthenticationMiddleware",
    "apps.core.middleware.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.accounts.context_processors.trading_powers",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if not DEBUG and not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured("DATABASE_URL must be set in the environment when DEBUG is off")
# Persistent connections: opening one costs more than the query an authenticated request makes
# (tests/bench measured auth/me at a third of its throughput with CONN_MAX_AGE=0).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, ws, worker, beat) share the file in the quick start: WAL and
    # IMMEDIATE transactions turn "database is locked" errors into short waits.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
    # A file, not memory, so servers started by tests in other processes see the test data;
    # one per test run, so two runs on one machine never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- redis: cache, channel layer, celery ----------------------------------------------------
# The quick start runs an embedded Redis on this port when REDIS_URL is unset.
REDIS_URL = required("REDIS_URL", "redis://127.0.0.1:16379/0")

CACHES = cache_settings(REDIS_URL)
CHANNEL_LAYERS = channel_layer_settings(REDIS_URL)

CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
# A task is acknowledged only once it has run, and a worker that dies mid-task hands it back.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)


# Synced into django-celery-beat's tables when beat starts; editable in the admin from then on.
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE

# --- auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login"
ACCESS_TOKEN_TTL = timedelta(seconds=env.int("ACCESS_TOKEN_TTL_SECONDS", default=15 * 60))
REFRESH_TOKEN_TTL = timedelta(seconds=env.int("REFRESH_TOKEN_TTL_SECONDS", default=7 * 24 * 3600))
# How long a process may answer a read for a session and its user from memory instead of the
# database (0: never; writes always read the database). The services that revoke a session or
# change a user tell every process at once (apps/accounts/auth_cache.py); only a change made
# straight to the tables waits this long.
AUTH_CACHE_SECONDS = env.int("AUTH_CACHE_SECONDS", default=60)
# Seed 003 asks for Secure cookies; browsers accept them on http://localhost, so only a
# deployment without TLS would ever turn this off.
AUTH_COOKIE_SECURE = env.bool("AUTH_COOKIE_SECURE", default=True)
# Wrong passwords are counted per (email, client address) and, with a higher ceiling, per email
# from anywhere: a stranger locks only their own address out, and a spread-out guesser still
# stops at the ceiling. Either lock lasts LOGIN_LOCKOUT_SECONDS.
LOGIN_LOCKOUT_THRESHOLD = env.int("LOGIN_LOCKOUT_THRESHOLD", default=5)
LOGIN_LOCKOUT_EMAIL_THRESHOLD = env.int("LOGIN_LOCKOUT_EMAIL_THRESHOLD", default=50)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)
PAIRING_CODE_TTL = timedelta(seconds=env.int("PAIRING_CODE_TTL_SECONDS", default=5 * 60))
PAIRING_MAX_FAILURES = env.int("PAIRING_MAX_FAILURES", default=5)

CHAIN_ID = env.int("CHAIN_ID", default=31337)
RPC_URL = env.str("RPC_URL", default="http://127.0.0.1:8545")
# What /api/v1/config tells wallets to use; the node as browsers reach it.
PUBLIC_RPC_URL = env.str("PUBLIC_RPC_URL", default=RPC_URL)
RPC_TIMEOUT_SECONDS = env.float("RPC_TIMEOUT_SECONDS", default=10.0)
# Blocks that must sit on top of a block before it is indexed; reorgs above are rolled back.
CHAIN_CONFIRMATIONS = env.int("CHAIN_CONFIRMATIONS", default=0)
INDEXER_BATCH_SIZE = env.int("INDEXER_BATCH_SIZE", default=500)
# Whole-block ingestion (apps/indexer/ingest). Confirmations default to the follower's (0 for
# the local chain: anvil mines on demand, so a block waiting for confirmations would wait for the
# next transaction; a reorg above is rolled back anyway). Public chains set e.g. 12 here.
INDEXER_CONFIRMATIONS = env.int("INDEXER_CONFIRMATIONS", default=CHAIN_CONFIRMATIONS)
INDEXER_START_BLOCK = env.int("INDEXER_START_BLOCK", default=0)
INDEXER_BATCH_BLOCKS = env.int("INDEXER_BATCH_BLOCKS", default=100)  # blocks per ingest transaction
INDEXER_RPC_BATCH_CALLS = env.int("INDEXER_RPC_BATCH_CALLS", default=100)  # calls per POST, at most
INDEXER_MAX_IN_FLIGHT = env.int("INDEXER_MAX_IN_FLIGHT", default=4)  # POSTs at once
INDEXER_BACKFILL_CHUNK = env.int("INDEXER_BACKFILL_CHUNK", default=10_000)  # blocks per backfill task
# USD prices read on-chain (apps/indexer/prices.py): see config/env.price_routes.
PRICE_ROUTES, PRICE_USD_ANCHORS, PRICE_NATIVE_TOKEN = price_routes()
# The account that sends expire() for overdue jobs; empty means the node's first unlocked
# account (anvil's), and none at all means expiry waits for someone else to send it.
JOBS_KEEPER_ADDRESS = env.str("JOBS_KEEPER_ADDRESS", default="")
SIWE_DOMAINS = required_list("SIWE_DOMAIN", [f"localhost:{PORT}", f"127.0.0.1:{PORT}"])
SIWE_CHAIN_IDS = [int(c) for c in env.list("SIWE_CHAIN_IDS", default=[str(CHAIN_ID), "1"])]
SIWE_NONCE_TTL = timedelta(seconds=env.int("SIWE_NONCE_TTL_SECONDS", default=10 * 60))
# How far a message's issued-at may lie in the future (clock skew) or in the past.
SIWE_CLOCK_SKEW = timedelta(seconds=env.int("SIWE_CLOCK_SKEW_SECONDS", default=60))
SIWE_MAX_AGE = timedelta(seconds=env.int("SIWE_MAX_AGE_SECONDS", default=10 * 60))

TEE_GATEWAY_URL = env.str("TEE_GATEWAY_URL", default="")
# --- TEE gateway proxy (apps/tee) ------------------------------------------------------------------
# Every call to the gateway is bounded by these (no retries): a dead gateway is a 502 within the
# connect timeout, a stuck one a 504 within the read timeout.
TEE_GATEWAY_CONNECT_TIMEOUT_SECONDS = env.float("TEE_GATEWAY_CONNECT_TIMEOUT_SECONDS", default=2.0)
TEE_GATEWAY_TIMEOUT_SECONDS = env.float("TEE_GATEWAY_TIMEOUT_SECONDS", default=10.0)
# Attested snapshots (apps/tee/services.py): the account the node signs reportSnapshot with (must be
# ACPCore's reporter; empty: the node's first account, as the jobs keeper), and how often beat polls
# (read in config/beat_schedule.py, which this module imports; shown here for the code to read).
TEE_SNAPSHOT_REPORTER = env.str("TEE_SNAPSHOT_REPORTER", default="")
TEE_SNAPSHOT_SECONDS = int(BEAT_SCHEDULE["poll-tee-snapshots"]["schedule"].total_seconds())
# Hardware quotes (apps/tee/quotes.py) are verified against the collateral of a PCCS (Intel's PCS,
# or a caching PCCS); empty: quotes are parsed and checked for their key binding, and reported
# unverifiable rather than fetched from outside (the platform may run offline).
TEE_PCCS_URL = env.str("TEE_PCCS_URL", default="")
TEE_PCCS_TIMEOUT_SECONDS = env.float("TEE_PCCS_TIMEOUT_SECONDS", default=5.0)
SIDECAR_URL = env.str("SIDECAR_URL", default="")
# The prover asked for a proof once evaluate() is indexed; empty leaves proofs NOT_CONFIGURED.
PROVER_URL = env.str("PROVER_URL", default="")
PROVER_TIMEOUT_SECONDS = env.float("PROVER_TIMEOUT_SECONDS", default=10.0)
# --- trading ------------------------------------------------------------------------------------
# Where a venue's REST API lives, when not at the exchange's own address: `binance=http://...`.
# Tests point ccxt at a local server this way; nothing else should need it.
EXCHANGE_BASE_URLS = env.dict("EXCHANGE_BASE_URLS", default={})
EXCHANGE_TIMEOUT_SECONDS = env.float("EXCHANGE_TIMEOUT_SECONDS", default=10.0)
HYPERLIQUID_API_URL = env.str("HYPERLIQUID_API_URL", default="https://api.hyperliquid.xyz")
# A ccxt exchange id whose public data feeds ticker/trade/depth streams of the symbols that are not
# paper markets (the Procfile's `feed` process); empty: only the paper feed publishes.
MARKET_FEED_EXCHANGE = env.str("MARKET_FEED_EXCHANGE", default="")
# Symbols the paper exchange quotes (and the market feed publishes), with their opening prices.
PAPER_MARKETS = env.dict(
    "PAPER_MARKETS",
    default={"BTC_USDT": "50000", "ETH_USDT": "3000", "SOL_USDT": "150", "ETH_USDC": "3000"},
)
PAPER_STARTING_BALANCE = env.str("PAPER_STARTING_BALANCE", default="100000")
PAPER_FEE_RATE = env.str("PAPER_FEE_RATE", default="0.0004")
# Open a funded paper account for every user the moment they are approved, so both order APIs
# work at once. On by default in development; off by default in production, where the paper
# account would be the trader's oldest, the one an order without an account id goes to.
PAPER_ACCOUNT_ON_APPROVAL = env.bool("PAPER_ACCOUNT_ON_APPROVAL", default=DEBUG)
PROBE_TIMEOUT_SECONDS = env.float("PROBE_TIMEOUT_SECONDS", default=2.0)

# --- droids (apps/droids/engine) ----------------------------------------------------------------
# A droid is paused after this many failed runs in a row; beat runs every running droid every
# DROID_RUN_SECONDS (read in config/beat_schedule.py, shown here for the code to read).
DROID_MAX_FAILURES = env.int("DROID_MAX_FAILURES", default=3)
DROID_RUN_SECONDS = int(BEAT_SCHEDULE["run-droids"]["schedule"].total_seconds())
# How far (basis points) a mint's amounts may fall short of the plan's before it reverts.
DROID_MINT_SLIPPAGE_BPS = env.int("DROID_MINT_SLIPPAGE_BPS", default=100)
DROID_RECEIPT_TIMEOUT_SECONDS = env.float("DROID_RECEIPT_TIMEOUT_SECONDS", default=60.0)

# --- request bodies -------------------------------------------------------------------------
# The most a request may send: bytes of body (file parts of multipart excepted), form fields,
# files. Django answers a page past them 400; the API answers 413 in its family's envelope, and
# refuses a declared Content-Length past the byte limit before reading a byte of the body.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=1000)
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("DATA_UPLOAD_MAX_NUMBER_FILES", default=100)

# --- journal images -------------------------------------------------------------------------
# The largest image a trader may upload, in bytes; the whole request must also fit in
# DATA_UPLOAD_MAX_MEMORY_SIZE, so raise both together. And the bytes each trader may store.
JOURNAL_IMAGE_MAX_BYTES = env.int("JOURNAL_IMAGE_MAX_BYTES", default=2_000_000)
JOURNAL_STORAGE_QUOTA_BYTES = env.int("JOURNAL_STORAGE_QUOTA_BYTES", default=100 * 1024 * 1024)
# A trades CSV import (POST /api/v1/journal/trades/import): the largest file and the most rows.
JOURNAL_IMPORT_MAX_BYTES = env.int("JOURNAL_IMPORT_MAX_BYTES", default=2_000_000)
JOURNAL_IMPORT_MAX_ROWS = env.int("JOURNAL_IMPORT_MAX_ROWS", default=10_000)

# --- REST -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.accounts.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["apps.accounts.permissions.IsActiveAccount"],
    # DRF's JSONRenderer's bytes, encoded by orjson (apps/core/renderers.py); no browsable API.
    "DEFAULT_RENDERER_CLASSES": ["apps.core.renderers.ORJSONRenderer"],
    # apps.core.parsers: a hostile body (deep nesting, NUL, 1e400) is a 400, never a 500.
    "DEFAULT_PARSER_CLASSES": ["apps.core.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "apps.core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # How many reverse proxies stand in front: 0 trusts no X-Forwarded-For for client addresses.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    # Counted atomically in Redis; a view throttles by naming a `throttle_scope` with a rate here.
    "DEFAULT_THROTTLE_CLASSES": ["apps.core.throttling.AtomicScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("THROTTLE_LOGIN", default="20/min"),
        "register": env.str("THROTTLE_REGISTER", default="10/min"),
        "nonce": env.str("THROTTLE_NONCE", default="60/min"),
        "pairing": env.str("THROTTLE_PAIRING", default="10/min"),
    },
}
# drf-spectacular's are constants, nothing read from the environment: kept in config/api_schema.py.
SPECTACULAR_SETTINGS = API_SCHEMA

# --- security -------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health", r"^metrics"]
if env.bool("TRUST_X_FORWARDED_PROTO", default=not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# The pages' scripts read the csrftoken cookie to send it back as X-CSRFToken on API writes;
# cookie-authenticated API writes need it (apps/accounts/csrf.py), bearer requests do not.
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# 'self' only: no inline script or style, vendored libraries served from /static. The page's
# WebSocket origin joins connect-src per request (apps/core/csp.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        **({"report-uri": [env.str("CSP_REPORT_URI")]} if env.str("CSP_REPORT_URI", default="") else {}),
    }
}

# --- metrics --------------------------------------------------------------------------------
# /metrics answers a scraper from METRICS_ALLOWED_NETWORKS (CIDRs; the client address honours
# NUM_PROXIES) or one sending `Authorization: Bearer <METRICS_TOKEN>`; with neither set, DEBUG
# allows loopback only and production nobody (apps/core/metrics.py).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
if METRICS_TOKEN and len(METRICS_TOKEN) < 24:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 24 characters long")


METRICS_ALLOWED_NETWORKS = networks("METRICS_ALLOWED_NETWORKS")

# --- i18n, static ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (journal images) go through Django's storage API: files under MEDIA_ROOT by
# default, or any storage class with its options, e.g. django-storages' S3 backend
# (README, "Journal images"). MEDIA_ROOT is never served as static files: images are served to
# their owner only, by the API.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {
        "BACKEND": env.str("DEFAULT_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env.json("DEFAULT_STORAGE_OPTIONS", default={}),
    },
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Never echo request bodies or query strings of auth calls into logs.
        "django.request": {"level": "ERROR"},
        # ccxt's debug log prints request headers, which carry exchange API keys.
        "ccxt": {"level": "INFO"},
        # Beat sends a task every 2 s and the worker logs each one twice at INFO: left at INFO they
        # bury everything else (start-up, warnings, errors). TASK_LOG_LEVEL=INFO brings them back.
        **{
            name: {"level": env.str("TASK_LOG_LEVEL", default="WARNING")}
            for name in ("celery.beat", "celery.app.trace", "celery.worker.strategy")
        },
    },
}

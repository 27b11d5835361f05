"""drf-spectacular's settings (config/settings.py imports them): the OpenAPI document's title,
the vendored Swagger UI and Redoc, and the names of the choice sets the seeds share."""

SPECTACULAR_SETTINGS = {
    "TITLE": "HavenCap trading and agent-jobs platform",
    "DESCRIPTION": "Every endpoint of the five seed documents, each family in its own envelope.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api",
    # Swagger UI and Redoc from drf-spectacular-sidecar's pinned copies, served by WhiteNoise.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several seeds name different choice sets `side` and `status`: name each one here.
    "ENUM_NAME_OVERRIDES": {
        "UserStatusEnum": "apps.accounts.models.Status",
        "UserRoleEnum": "apps.accounts.models.Role",
        # Seed 004's user objects: a pending user's role reads PENDING.
        "AppUserRoleEnum": ["ADMIN", "OPERATOR", "VIEWER", "PENDING"],
        "AgentWalletStatusEnum": "apps.exchanges.models.AgentWalletStatus",
        "OrderSideEnum": [("BUY", "BUY"), ("SELL", "SELL")],
        # Seed 004's chain reads: a transaction's receipt status and the indexer's health.
        "ChainTransactionStatusEnum": ["success", "failed"],
        "ChainHealthStatusEnum": ["ok", "degraded"],
        # A job's Groth16 proof request (apps.jobs.models.ProofState's values: a change there brings
        # the collision warning back, which `check --deploy` fails on) and a TEE task (seed 000).
        "ProofStateEnum": ["NOT_CONFIGURED", "PENDING", "PROVING", "READY", "FAILED"],
        "TeeTaskStateEnum": ["running", "closed"],
    },
}

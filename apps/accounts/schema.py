"""How TokenAuthentication appears in the OpenAPI schema (loaded in AccountsConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

COOKIE_WRITES = (
    "The browser's session cookie. A POST, PUT, PATCH or DELETE it authenticates must also send a "
    "same-origin `Origin` (or `Referer`) and the `csrftoken` cookie's value in `X-CSRFToken`; "
    "otherwise 403 `ORIGIN_MISMATCH` or `CSRF_FAILED`."
)


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.authentication.TokenAuthentication"
    name = ["bearerAuth", "accessTokenCookie", "authTokenCookie"]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "description": "An access token (JWT) or a personal API token (hc_live_...).",
            },
            {"type": "apiKey", "in": "cookie", "name": "access_token", "description": COOKIE_WRITES},
            {"type": "apiKey", "in": "cookie", "name": "auth_token", "description": COOKIE_WRITES},
        ]

    def get_security_requirement(self, auto_schema):
        # Any one of them is enough: alternatives, not a combination.
        return [{name: []} for name in self.name]

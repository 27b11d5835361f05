"""How TokenAuthentication appears in the OpenAPI schema (loaded in AccountsConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


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
            {"type": "apiKey", "in": "cookie", "name": "access_token"},
            {"type": "apiKey", "in": "cookie", "name": "auth_token"},
        ]

    def get_security_requirement(self, auto_schema):
        # Any one of them is enough: alternatives, not a combination.
        return [{name: []} for name in self.name]

"""The internal control streams of accounts: an event on one closes the sockets it names."""

from __future__ import annotations

from apps.accounts.selectors import Principal
from apps.core.streams import control_stream


def session_stream(session_id: object) -> str:
    return control_stream("session", session_id)


def user_stream(user_id: object) -> str:
    return control_stream("user", user_id)


def api_token_stream(token_id: object) -> str:
    return control_stream("apitoken", token_id)


def control_streams_for(principal: Principal) -> list[str]:
    """Where the death of this principal's credential is announced: its session or API token
    (revoked, replaced) and its user (no longer ACTIVE)."""
    streams = [user_stream(principal.user.id)]
    if principal.session is not None:
        streams.append(session_stream(principal.session.id))
    if principal.api_token is not None:
        streams.append(api_token_stream(principal.api_token.id))
    return streams

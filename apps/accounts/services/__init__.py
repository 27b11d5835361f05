"""Every write of the accounts app. Views, tasks, pages and the admin call these."""

from apps.accounts.services.api_tokens import create_api_token, revoke_api_token
from apps.accounts.services.pairing import claim_pairing_code, create_pairing_code
from apps.accounts.services.password import sign_in_with_password
from apps.accounts.services.registration import (
    RegistrationResult,
    approve_user,
    check_access_change,
    register_user,
    set_user_access,
    suspend_user,
)
from apps.accounts.services.sessions import (
    ClientInfo,
    IssuedTokens,
    refresh_session,
    revoke_all_sessions,
    revoke_session,
    start_session,
)
from apps.accounts.services.siwe import issue_siwe_nonce, sign_in_with_ethereum

__all__ = [
    "ClientInfo",
    "IssuedTokens",
    "RegistrationResult",
    "approve_user",
    "check_access_change",
    "claim_pairing_code",
    "create_api_token",
    "create_pairing_code",
    "issue_siwe_nonce",
    "refresh_session",
    "register_user",
    "revoke_all_sessions",
    "revoke_api_token",
    "revoke_session",
    "set_user_access",
    "sign_in_with_ethereum",
    "sign_in_with_password",
    "start_session",
    "suspend_user",
]

"""What the wallet-signed offer tests share: the seeded chain as the API's node, the chain's
provider as a known agent, an open job and signed headers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from eth_account import Account

from apps.jobs.chain import ownership
from apps.jobs.models import ContractDeployment, JobStatus
from tests.core.wallet_signing import json_bytes, wallet_headers
from tests.jobs.api.factories import USDC, AgentFactory, JobFactory
from tests.jobs.conftest import CONTRACT_FIELDS, PROVIDER_ID

JOB_ID = 41


@pytest.fixture
def onchain(chain, settings, monkeypatch):
    """The API reads the seeded eth-tester chain: its contracts are recorded as deployed on its
    chain id. Only the transport is swapped (the node client returns the in-process chain's
    Web3 instead of an HTTP one); the registry and its ownerOf are the real contract."""
    settings.CHAIN_ID = chain.w3.eth.chain_id
    ContractDeployment.objects.bulk_create(
        ContractDeployment(chain_id=settings.CHAIN_ID, name=name, address=getattr(chain, field).address, block_number=1)
        for field, name in CONTRACT_FIELDS.items()
    )
    monkeypatch.setattr(ownership, "chain_client", lambda: chain.w3)
    return chain


def account_of(chain, address):
    """The eth-tester account's key, so tests can sign as the chain's agent owners."""
    index = chain.w3.eth.accounts.index(address)
    return Account.from_key(chain.tester.backend.account_keys[index].to_bytes())


def signed(account, job_id=JOB_ID):
    """The seed's bare `AACP:offers:<jobId>:<timestamp_ms>`, which the offer submit accepts."""
    return wallet_headers(account, scope="offers", job_id=str(job_id))


def signed_call(api, account, method, path, body, *, job_id=JOB_ID, timestamp=None):
    """`method` `path` with a JSON body, signed as a wallet client signs: the bound message."""
    raw = json_bytes(body)
    headers = wallet_headers(
        account, scope="offers", job_id=str(job_id), method=method, path=path, body=raw, timestamp=timestamp
    )
    return api.generic(method, path, raw, content_type="application/json", **headers)


@pytest.fixture
def provider(onchain):
    """Agent 2 as the projection would have it: the chain's provider, score 80, 500 USDC staked."""
    return AgentFactory(
        agent_id=PROVIDER_ID, owner_address=onchain.provider, reputation_score=80, stake_available=Decimal(500 * USDC)
    )


@pytest.fixture
def job():
    return JobFactory(job_id=JOB_ID, status=JobStatus.OPEN)

"""What the wallet-signed offer tests share: the seeded chain as the API's node, the chain's
provider as a known agent, an open job and signed headers."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from apps.core.wallet_auth import wallet_message
from apps.jobs.chain import ownership
from apps.jobs.models import ContractDeployment, JobStatus
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
    timestamp = int(time.time() * 1000)
    message = wallet_message(scope="offers", job_id=str(job_id), timestamp_ms=timestamp)
    signature = account.sign_message(encode_defunct(text=message)).signature.hex()
    return {
        "HTTP_X_WALLET_ADDRESS": account.address,
        "HTTP_X_WALLET_SIGNATURE": "0x" + signature.removeprefix("0x"),
        "HTTP_X_WALLET_TIMESTAMP": str(timestamp),
    }


@pytest.fixture
def provider(onchain):
    """Agent 2 as the projection would have it: the chain's provider, score 80, 500 USDC staked."""
    return AgentFactory(
        agent_id=PROVIDER_ID, owner_address=onchain.provider, reputation_score=80, stake_available=Decimal(500 * USDC)
    )


@pytest.fixture
def job():
    return JobFactory(job_id=JOB_ID, status=JobStatus.OPEN)

"""Deploying the contracts once per chain, and /api/v1/config telling clients where they are."""

import pytest
from eth_tester import EthereumTester, PyEVMBackend
from web3 import EthereumTesterProvider, Web3

from apps.jobs.models import ContractDeployment
from apps.jobs.services import ensure_contracts_deployed

pytestmark = pytest.mark.django_db

NAMES = {"ACPCore", "MockUSDC", "AgentRegistry", "Staking", "Reputation"}


@pytest.fixture
def fresh_chain():
    return Web3(EthereumTesterProvider(EthereumTester(PyEVMBackend())))


def deploy(w3):
    owner = w3.eth.accounts[0]
    return ensure_contracts_deployed(w3=w3, deployer=owner, treasury=owner, arbiter=owner, reporter=owner)


def test_it_deploys_every_contract_and_records_where(fresh_chain):
    addresses = deploy(fresh_chain)
    assert set(addresses) == NAMES
    assert all(fresh_chain.eth.get_code(a) for a in addresses.values())
    recorded = dict(ContractDeployment.objects.values_list("name", "address"))
    assert recorded == addresses


def test_deploying_again_reuses_the_live_deployment(fresh_chain):
    first = deploy(fresh_chain)
    block = fresh_chain.eth.block_number
    assert deploy(fresh_chain) == first
    assert fresh_chain.eth.block_number == block  # no transaction was sent


def test_a_chain_that_lost_the_code_gets_a_new_deployment(fresh_chain):
    deploy(fresh_chain)
    ContractDeployment.objects.update(address="0x" + "11" * 20)  # as if the node were reset
    again = deploy(fresh_chain)
    assert all(fresh_chain.eth.get_code(a) for a in again.values())
    assert ContractDeployment.objects.count() == len(NAMES)


def test_config_names_the_contracts_and_the_chain(api, fresh_chain, settings):
    settings.CHAIN_ID = fresh_chain.eth.chain_id
    addresses = deploy(fresh_chain)
    response = api.get("/api/v1/config")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["data"]["contracts"] == addresses
    assert body["data"]["chainId"] == fresh_chain.eth.chain_id
    assert body["data"]["minProviderStake"] == "100000000"


def test_config_before_any_deployment_is_a_503_in_the_jobs_envelope(api):
    response = api.get("/api/v1/config")
    assert response.status_code == 503
    assert response.json() == {
        "success": False,
        "error": {
            "code": "CONTRACTS_NOT_DEPLOYED",
            "message": "The agent-jobs contracts are not deployed on chain 31337 yet.",
        },
    }

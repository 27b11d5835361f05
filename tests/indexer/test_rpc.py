import pytest

from apps.indexer.rpc import chain_client


@pytest.fixture
def fresh_client(settings):
    chain_client.cache_clear()
    settings.RPC_URL = "http://127.0.0.1:1"
    settings.RPC_TIMEOUT_SECONDS = 0.5
    yield
    chain_client.cache_clear()


def test_the_client_reports_an_unreachable_node_instead_of_hanging(fresh_client):
    assert chain_client().is_connected() is False

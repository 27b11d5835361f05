from django.apps import AppConfig
from django.conf import settings


class IndexerConfig(AppConfig):
    name = "apps.indexer"
    label = "indexer"
    verbose_name = "Chain indexer"

    def ready(self) -> None:
        from apps.core.probes import register_readiness_check
        from apps.indexer.readiness import chain_node_check

        # The jobs API is only as fresh as the node lets the follower be: no node, not ready.
        if settings.RPC_URL:
            register_readiness_check("chain_node", chain_node_check)

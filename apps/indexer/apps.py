from django.apps import AppConfig


class IndexerConfig(AppConfig):
    name = "apps.indexer"
    label = "indexer"
    verbose_name = "Chain indexer"

"""Whole-block ingestion (issue 12): blocks, transactions with receipts, token transfers, token
metadata and prices, by batched JSON-RPC; a head follower with reorg rollback and backfill
ranges run as Celery tasks."""

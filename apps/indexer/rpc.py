"""The one client of the chain node: URL, timeouts and retries live here."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any

import requests
from django.conf import settings
from web3 import HTTPProvider, Web3
from web3.exceptions import ProviderConnectionError, Web3RPCError
from web3.providers.rpc.utils import ExceptionRetryConfiguration


class RpcError(Exception):
    """One call's JSON-RPC error (a revert, an unknown method), or a malformed answer."""

    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(f"{code}: {message}" if code is not None else message)
        self.code = code
        self.message = message


# What a node that is down, unreachable, overloaded or answering garbage raises through web3
# (requests' errors are OSErrors; a proxy's HTML page fails to decode as JSON).
NODE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    json.JSONDecodeError,
    ProviderConnectionError,
    Web3RPCError,
    RpcError,
)


@dataclass(frozen=True)
class Head:
    number: int
    timestamp: int  # unix seconds


def describe_node_error(exc: BaseException) -> str:
    """A one-line reason that never includes the node's URL (hosted nodes put their key in it)."""
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.ConnectionError):
        return "connection refused or dropped"
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, Web3RPCError | RpcError):
        return f"RPC error: {str(exc)[:120]}"
    return type(exc).__name__


@cache
def chain_client() -> Web3:
    """A Web3 client for RPC_URL, retrying transient failures with back-off."""
    provider = HTTPProvider(
        settings.RPC_URL,
        request_kwargs={"timeout": settings.RPC_TIMEOUT_SECONDS},
        exception_retry_configuration=ExceptionRetryConfiguration(
            errors=(requests.ConnectionError, requests.Timeout), retries=3, backoff_factor=0.5
        ),
    )
    return Web3(provider)


def node_head() -> Head:
    """The node's latest block, asked once with the probes' short timeout and no retry: a probe
    reports the node as it is now. Raises one of NODE_ERRORS when the node does not answer."""
    provider = HTTPProvider(
        settings.RPC_URL,
        request_kwargs={"timeout": settings.PROBE_TIMEOUT_SECONDS},
        exception_retry_configuration=None,
    )
    block = Web3(provider).eth.get_block("latest")
    return Head(number=block["number"], timestamp=block["timestamp"])


# --- Batched JSON-RPC, for whole-block ingestion ----------------------------------------------
# web3's batch support sends one request per call under the hood on HTTP; ingestion needs many
# calls per POST, several POSTs in flight, and a batch size that adapts to what the node accepts.

# How nodes say a batch is too big: geth "batch too large", erigon/nethermind "limit exceeded",
# hosted gateways "too many requests in batch" (or an HTTP 413).
_REFUSALS = ("batch too large", "limit exceeded", "too many", "batch size", "request entity too large")


class BatchRefused(Exception):
    """The node refused a batch for its size (HTTP 413, a limit error, a timeout)."""


def _refusal(message: str) -> bool:
    lowered = message.lower()
    return any(words in lowered for words in _REFUSALS)


class BatchRpc:
    """JSON-RPC calls sent many to a POST, at most `max_in_flight` POSTs at a time.

    `batch_size` starts at `max_batch`; a refused batch is split in halves (and the size for
    later batches halved), and after a run of accepted full batches it grows back by a quarter.
    `call_many` returns each call's result, or its RpcError, in the order asked."""

    GROW_AFTER = 8  # accepted batches before growing again

    def __init__(self, url: str, *, timeout: float, max_batch: int = 100, max_in_flight: int = 4) -> None:
        self._url = url  # never logged: hosted nodes put their key in it
        self._timeout = timeout
        self._session = requests.Session()
        self._pool = ThreadPoolExecutor(max_workers=max(1, max_in_flight), thread_name_prefix="rpc")
        self._lock = threading.Lock()
        self._accepted = 0
        self.max_batch = max(1, max_batch)
        self.batch_size = self.max_batch
        self.refusals = 0
        # Learned once: False when the node lacks eth_getBlockReceipts (then receipts go per tx).
        self.has_block_receipts = True

    def call(self, method: str, params: list[Any]) -> Any:
        """One call's result; raises its RpcError."""
        (result,) = self.call_many([(method, params)])
        if isinstance(result, RpcError):
            raise result
        return result

    def call_many(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        size = self.batch_size
        chunks = [list(calls[i : i + size]) for i in range(0, len(calls), size)]
        if len(chunks) == 1:
            return self._send(chunks[0])
        results: list[Any] = []
        for answered in self._pool.map(self._send, chunks):
            results.extend(answered)
        return results

    def _send(self, chunk: list[tuple[str, list[Any]]]) -> list[Any]:
        try:
            answered = self._post(chunk)
        except BatchRefused:
            if len(chunk) == 1:
                raise RpcError(None, "the node refused a single call") from None
            self._shrink(len(chunk) // 2)
            # The size is read again for every piece: a piece refused below shrinks the rest.
            results: list[Any] = []
            while len(results) < len(chunk):
                size = min(self.batch_size, len(chunk) // 2)
                results.extend(self._send(chunk[len(results) : len(results) + size]))
            return results
        self._grow(len(chunk))
        return answered

    def _shrink(self, size: int) -> None:
        with self._lock:
            self.refusals += 1
            self._accepted = 0
            self.batch_size = max(1, min(self.batch_size, size))

    def _grow(self, sent: int) -> None:
        with self._lock:
            if sent < self.batch_size or self.batch_size >= self.max_batch:
                return
            self._accepted += 1
            if self._accepted >= self.GROW_AFTER:
                self._accepted = 0
                self.batch_size = min(self.max_batch, self.batch_size + max(1, self.batch_size // 4))

    def _post(self, chunk: list[tuple[str, list[Any]]]) -> list[Any]:
        payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(chunk)]
        try:
            response = self._session.post(self._url, json=payload, timeout=self._timeout)
        except requests.Timeout:
            if len(chunk) > 1:
                raise BatchRefused from None
            raise
        if response.status_code == 413:
            raise BatchRefused
        response.raise_for_status()
        body = response.json()
        if isinstance(body, dict):  # one error for the whole batch
            error = body.get("error") or {}
            message = str(error.get("message", "malformed answer"))
            if _refusal(message):
                raise BatchRefused
            raise RpcError(error.get("code"), message)
        by_id = {item.get("id"): item for item in body if isinstance(item, dict)}
        results: list[Any] = []
        for i in range(len(chunk)):
            item = by_id.get(i)
            if item is None:
                results.append(RpcError(None, "no answer for this call"))
            elif "error" in item and item["error"] is not None:
                error = item["error"]
                message = str(error.get("message", ""))
                if _refusal(message):
                    raise BatchRefused
                results.append(RpcError(error.get("code"), message))
            else:
                results.append(item.get("result"))
        return results


@cache
def batch_rpc() -> BatchRpc:
    """The batched client of RPC_URL, one per process (its pool and learned batch size)."""
    return BatchRpc(
        settings.RPC_URL,
        timeout=settings.RPC_TIMEOUT_SECONDS,
        max_batch=settings.INDEXER_RPC_BATCH_CALLS,
        max_in_flight=settings.INDEXER_MAX_IN_FLIGHT,
    )

"""Whole-block ingestion on anvil: this indexer (fetch, decode, write to the database) against
(a) the bare batched RPC fetch of the same blocks and receipts, and (b) ethereum-etl exporting
the same range from the same node (blocks and transactions, receipts and logs, token transfers).

The chain (at least 5,000 blocks: ERC-20 transfers, ETH transfers, ERC-721 mints, a few empty
blocks) is built once per run on a fresh anvil. Each side then reads blocks 0..head; the
indexer writes into empty chain tables (DATABASE_URL, or var/bench-chain.sqlite3). ethereum-etl
runs in its own virtualenv (var/ethetl-venv, made with uv on a Python <= 3.10: its pinned
parsimonious needs inspect.getargspec), with the same batch size and workers as the indexer;
its commands run in one process of that virtualenv, timed once imported.

    python -m tests.bench chain_ingest [--blocks N] [--batch-blocks B] [--rpc-batch C] [--workers W]
"""

from __future__ import annotations

import argparse
import csv
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from tests.bench.auth_me import ROOT, VAR_DIR, server_environment

SQLITE_PATH = VAR_DIR / "bench-chain.sqlite3"
ETL_VENV = VAR_DIR / "ethetl-venv"
ETL = ETL_VENV / "bin" / "ethereumetl"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench chain_ingest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--blocks", type=int, default=5000, help="blocks to build, at least (5000)")
    parser.add_argument("--batch-blocks", type=int, default=100, help="blocks per ingest batch (100)")
    parser.add_argument("--rpc-batch", type=int, default=50, help="JSON-RPC calls per POST (50)")
    parser.add_argument("--workers", type=int, default=4, help="POSTs in flight / ethereum-etl workers (4)")
    parser.add_argument("--skip-etl", action="store_true", help="do not run ethereum-etl")
    args = parser.parse_args(argv)
    if min(args.blocks, args.batch_blocks, args.rpc_batch, args.workers) < 1:
        parser.error("counts must be positive")
    return args


# --- the chain ------------------------------------------------------------------------------


def build_chain(url: str, blocks: int) -> int:
    """ERC-20 transfers, ETH transfers and ERC-721 mints, one per block (anvil automines each),
    and an empty block in twenty. Returns the head."""
    from apps.indexer.rpc import BatchRpc, RpcError
    from tests.indexer.contracts.chain import deploy, web3_for

    w3 = web3_for(url)
    alice, bob, carol = w3.eth.accounts[:3]
    usd = deploy(w3, "Token20", "Bench Dollar", "BUSD", 6)
    things = deploy(w3, "Token721")
    w3.eth.wait_for_transaction_receipt(usd.functions.mint(alice, 10**30).transact())
    rpc = BatchRpc(url, timeout=60, max_batch=1, max_in_flight=1)  # one by one: batched sends stall anvil
    calls = []
    for n in range(blocks):
        kind = n % 20
        if kind == 19:
            calls.append(("evm_mine", []))  # an empty block
            continue
        if kind % 3 == 0:
            tx = {"from": alice, "to": usd.address, "data": usd.encode_abi("transfer", args=[bob, n + 1])}
        elif kind % 3 == 1:
            tx = {"from": alice, "to": carol, "value": hex(n + 1)}
        else:
            tx = {"from": alice, "to": things.address, "data": things.encode_abi("mint", args=[carol, n])}
        calls.append(("eth_sendTransaction", [{**tx, "gas": hex(200_000)}]))
    for answer in rpc.call_many(calls):
        if isinstance(answer, RpcError):
            raise SystemExit(f"building the chain failed: {answer}")
    while (missing := blocks - 1 - w3.eth.block_number) > 0:  # anvil may put two sends in one block
        rpc.call_many([("evm_mine", [])] * missing)
    return w3.eth.block_number


# --- the three sides ------------------------------------------------------------------------


def run_bare(url: str, head: int, args: argparse.Namespace) -> tuple[float, int]:
    """The same calls ingestion makes (blocks with transactions, then block receipts), batched
    the same way, and nothing else."""
    from apps.indexer.rpc import BatchRpc

    rpc = BatchRpc(url, timeout=60, max_batch=args.rpc_batch, max_in_flight=args.workers)
    began = time.perf_counter()
    txs = 0
    for start in range(0, head + 1, args.batch_blocks):
        numbers = range(start, min(head, start + args.batch_blocks - 1) + 1)
        blocks = rpc.call_many([("eth_getBlockByNumber", [hex(n), True]) for n in numbers])
        with_txs = [b["hash"] for b in blocks if b["transactions"]]
        receipts = rpc.call_many([("eth_getBlockReceipts", [h]) for h in with_txs])
        txs += sum(len(r) for r in receipts)
    return time.perf_counter() - began, txs


def run_indexer(url: str, head: int, args: argparse.Namespace) -> tuple[float, int]:
    """One backfill range over the whole chain, as a Celery task runs it (the next batch read
    while this one is written), into empty chain tables."""
    import logging

    from web3 import HTTPProvider, Web3

    from apps.indexer.ingest.backfill import create_backfill_ranges, run_backfill_range
    from apps.indexer.models import BackfillRange, Block, Token, TokenTransfer
    from apps.indexer.rpc import BatchRpc

    logging.getLogger("apps.indexer").setLevel(logging.WARNING)  # not a line per batch here
    Block.objects.all().delete()
    Token.objects.all().delete()
    BackfillRange.objects.all().delete()
    rpc = BatchRpc(url, timeout=60, max_batch=args.rpc_batch, max_in_flight=args.workers)
    w3 = Web3(HTTPProvider(url))
    (backfill,) = create_backfill_ranges(start=0, end=head, chunk=head + 1)
    began = time.perf_counter()
    done = run_backfill_range(range_id=backfill.pk, rpc=rpc, w3=w3, batch_size=args.batch_blocks)
    seconds = time.perf_counter() - began
    if done.state != BackfillRange.DONE or Block.objects.count() != head + 1:
        raise SystemExit(f"the backfill did not store every block: {done.state} {done.error}")
    return seconds, TokenTransfer.objects.count()


def ensure_etl() -> str:
    """ethereum-etl's command, its virtualenv made first if missing; '' when it cannot be."""
    if ETL.exists():
        return str(ETL)
    python = shutil.which("python3.10") or next(
        iter(sorted(glob.glob("/root/.pyenv/versions/3.10*/bin/python3.10"))), ""
    )
    uv = shutil.which("uv") or str(ROOT / ".venv" / "bin" / "uv")
    if not python or not os.path.exists(uv):
        return ""
    print("Installing ethereum-etl into var/ethetl-venv (once) ...", flush=True)
    subprocess.run([uv, "venv", "-q", str(ETL_VENV), "--python", python], check=True)
    # setuptools < 81: its pinned web3 5 imports pkg_resources.
    subprocess.run([uv, "pip", "install", "-q", "--python", str(ETL_VENV / "bin" / "python"), "ethereum-etl",
                    "setuptools<81"], check=True)  # fmt: skip
    return str(ETL) if ETL.exists() else ""


# Runs in ethereum-etl's virtualenv: its commands in one process, timed once imported (the
# CLI's imports take seconds on this machine and are not what is compared).
ETL_RUNNER = """
import json, sys, time, warnings
warnings.filterwarnings("ignore")
from ethereumetl.cli import cli
steps = json.loads(sys.argv[1])
began = time.perf_counter()
for step in steps:
    cli.main(args=step, standalone_mode=False)
print(json.dumps(time.perf_counter() - began))
"""


def run_etl(etl: str, url: str, head: int, args: argparse.Namespace) -> tuple[float, int]:
    """ethereum-etl's export of blocks and transactions, receipts and logs, and token transfers
    of the same range: its time (imports excluded) and its transfer count."""
    python = str(Path(etl).parent / "python")
    with tempfile.TemporaryDirectory(prefix="bench-etl-") as tmp:
        out = Path(tmp)
        steps = [
            ["export_blocks_and_transactions", "-s", "0", "-e", str(head), "-b", str(args.batch_blocks), "-p", url,
             "-w", str(args.workers), "--blocks-output", str(out / "blocks.csv"),
             "--transactions-output", str(out / "txs.csv")],
            ["extract_csv_column", "-i", str(out / "txs.csv"), "-c", "hash", "-o", str(out / "hashes.txt")],
            ["export_receipts_and_logs", "-t", str(out / "hashes.txt"), "-p", url, "-b", str(args.rpc_batch),
             "-w", str(args.workers), "--receipts-output", str(out / "receipts.csv"),
             "--logs-output", str(out / "logs.csv")],
            ["extract_token_transfers", "-l", str(out / "logs.csv"), "-w", str(args.workers),
             "-o", str(out / "transfers.csv")],
        ]  # fmt: skip
        done = subprocess.run([python, "-c", ETL_RUNNER, json.dumps(steps)], check=True, capture_output=True, text=True)
        seconds = float(done.stdout.strip().splitlines()[-1])
        with open(out / "transfers.csv") as f:
            transfers = sum(1 for _ in csv.DictReader(f))
    return seconds, transfers


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env, own_db = server_environment()
    if own_db:
        VAR_DIR.mkdir(exist_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    os.environ.update(env)
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django

    django.setup()
    from django.core.management import call_command

    from scripts.local_chain import ANVIL, anvil_node
    from tests.core.servers import free_port

    if not ANVIL.exists():
        print("skipped: anvil is missing (npm install)")
        return 0
    call_command("migrate", verbosity=0, interactive=False)
    etl = "" if args.skip_etl else ensure_etl()
    with anvil_node(port=free_port(), wait=30) as url:
        print(f"Building a chain of {args.blocks} blocks on anvil ...", flush=True)
        began = time.perf_counter()
        head = build_chain(url, args.blocks)
        print(f"  {head + 1} blocks in {time.perf_counter() - began:.1f}s", flush=True)
        blocks = head + 1
        rows = []
        bare, txs = run_bare(url, head, args)
        rows.append(("bare batched RPC fetch", bare, None))
        indexer, transfers = run_indexer(url, head, args)
        rows.append(("this indexer (to the DB)", indexer, transfers))
        if etl:
            etl_seconds, etl_transfers = run_etl(etl, url, head, args)
            rows.append(("ethereum-etl (to CSV)", etl_seconds, etl_transfers))
    database = os.environ["DATABASE_URL"].split(":")[0]
    print(f"\n{blocks} blocks, {txs} transactions; batches of {args.batch_blocks} blocks, "
          f"{args.rpc_batch} calls per POST, {args.workers} in flight; database {database}")  # fmt: skip
    print(f"{'side':<28}{'seconds':>9}{'blocks/s':>11}{'transfers/s':>13}{'transfers':>11}")
    for name, seconds, count in rows:
        per_s = f"{count / seconds:>13.0f}" if count is not None else f"{transfers / seconds:>13.0f}"
        shown = count if count is not None else "-"
        print(f"{name:<28}{seconds:>9.2f}{blocks / seconds:>11.0f}{per_s}{shown!s:>11}")
    print(f"\nratio (indexer ÷ bare fetch) blocks/s: {bare / indexer:.2f}")
    if etl:
        print(f"ratio (indexer ÷ ethereum-etl) blocks/s: {etl_seconds / indexer:.2f}")
        if etl_transfers != transfers:
            print(f"note: ethereum-etl found {etl_transfers} transfers, the indexer {transfers}", file=sys.stderr)
    elif not args.skip_etl:
        print("ethereum-etl not run: no Python 3.10 or uv to make its virtualenv with")
    return 0

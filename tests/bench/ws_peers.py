"""The two peers of the ws_fanout bench, each run in a process of its own by the runner.

    python -m tests.bench.ws_peers clients --url ws://... --count 500 --events 1020 --warmup 20 --latencies F
    python -m tests.bench.ws_peers publish --side platform --events 1020 --rate 5

`clients` opens `--count` WebSockets (`--concurrency` at a time), sends each one SUBSCRIBE frame
and waits for its reply, prints one JSON line (`ready`), then waits for a line on stdin:
`published <idle> <drain>`. Every socket reads until it has every sequence number; the process
stops waiting once all have, once no event arrived for `idle` seconds, or `drain` seconds after
that line, whichever comes first. It writes the delivery latencies (receive time minus the
publisher's `ts`, warm-up events left out) to `--latencies` as doubles and prints its counts as
its last JSON line.

`publish` sends `--events` ticker events at `--rate` per second, each carrying its sequence number
`seq` and its send time `ts` (wall clock: the same machine's), through the platform's
`apps.core.streams.publish` (`--side platform`, as the market feed does) or through a raw
channels-redis `group_send` to the bare consumers' group (`--side bare`).
"""

from __future__ import annotations

import argparse
import array
import asyncio
import json
import os
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

STREAM = "ticker.BTC_USDT"
SUBSCRIBED = {"result": None, "id": 1}


def raise_fd_limit(wanted: int) -> int:
    """Raise this process's open-file limit towards `wanted` (children inherit it); the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return max(soft, target)


# --- clients ----------------------------------------------------------------------------------


class Tally:
    """What one socket received: every sequence number once and in order, or not."""

    def __init__(self, total: int) -> None:
        self.seen = bytearray(total)
        self.distinct = self.duplicates = self.out_of_order = 0
        self.last = -1
        self.closed = ""  # close code and reason, when the server closed it before the end

    def record(self, seq: int) -> None:
        if self.seen[seq]:
            self.duplicates += 1
            return
        self.seen[seq] = 1
        self.distinct += 1
        if seq < self.last:
            self.out_of_order += 1
        self.last = seq


class Fleet:
    """The sockets of this process, their tallies, their latencies and when the last event came."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.latencies = array.array("d")
        self.last_at = self.published_at = 0.0  # wall clock
        self.errors: Counter[str] = Counter()

    async def open(self, gate: asyncio.Semaphore) -> Any:
        from websockets.asyncio.client import connect

        async with gate:
            socket = await connect(self.args.url, open_timeout=60, proxy=None, max_size=None)
            await socket.send(json.dumps({"method": "SUBSCRIBE", "params": [STREAM], "id": 1}))
            reply = json.loads(await asyncio.wait_for(socket.recv(), timeout=60))
            if reply != SUBSCRIBED:
                await socket.close()
                raise RuntimeError(f"SUBSCRIBE answered {reply!r}")
            return socket

    async def open_all(self) -> list[Any]:
        gate = asyncio.Semaphore(self.args.concurrency)
        opening = [asyncio.create_task(self.open(gate)) for _ in range(self.args.count)]
        _, late = await asyncio.wait(opening, timeout=self.args.subscribe_timeout)
        for task in late:
            task.cancel()
        sockets = []
        for outcome in await asyncio.gather(*opening, return_exceptions=True):
            if isinstance(outcome, asyncio.CancelledError):
                self.errors[f"not subscribed within {self.args.subscribe_timeout:.0f}s"] += 1
            elif isinstance(outcome, BaseException):
                self.errors[f"{type(outcome).__name__}: {outcome}"[:200]] += 1
            else:
                sockets.append(outcome)
        return sockets

    async def read(self, socket: Any, tally: Tally) -> None:
        total, warmup, loads, now = self.args.events, self.args.warmup, json.loads, time.time
        try:
            async for message in socket:
                received = now()
                event = loads(message)
                data = event.get("data")
                if event.get("stream") != STREAM or not isinstance(data, dict):
                    continue
                tally.record(data["seq"])
                if data["seq"] >= warmup:
                    self.latencies.append(received - data["ts"])
                self.last_at = received
                if tally.distinct == total:
                    return
        finally:
            if tally.distinct < total and socket.close_code is not None:
                tally.closed = f"{socket.close_code} {socket.close_reason}".strip()

    async def settle(self, readers: list[asyncio.Task[None]], idle: float, drain: float) -> None:
        """Until every reader is done, no event came for `idle` seconds, or `drain` seconds passed."""
        deadline = time.monotonic() + drain
        while readers and time.monotonic() < deadline:
            done, _ = await asyncio.wait(readers, timeout=1)
            readers = [r for r in readers if r not in done]
            if time.time() - max(self.last_at, self.published_at) > idle:
                break

    async def run(self) -> dict[str, Any]:
        started = time.perf_counter()
        sockets = await self.open_all()
        tallies = [Tally(self.args.events) for _ in sockets]
        readers = [asyncio.create_task(self.read(s, t)) for s, t in zip(sockets, tallies, strict=True)]
        ready = {"ready": len(sockets), "seconds": time.perf_counter() - started, "errors": dict(self.errors)}
        print(json.dumps(ready), flush=True)
        line = (await asyncio.to_thread(sys.stdin.readline)).split()
        self.published_at = time.time()
        if line and line[0] == "published":
            await self.settle(readers, idle=float(line[1]), drain=float(line[2]))
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
        with open(self.args.latencies, "wb") as out:
            self.latencies.tofile(out)
        return {
            "received": sum(t.distinct for t in tallies),
            "complete": sum(1 for t in tallies if t.distinct == self.args.events and not t.out_of_order),
            "duplicates": sum(t.duplicates for t in tallies),
            "out_of_order": sum(t.out_of_order for t in tallies),
            "closed": dict(Counter(t.closed for t in tallies if t.closed)),
            "last_at": self.last_at,
            "cpu": time.process_time(),
        }


# --- publisher --------------------------------------------------------------------------------


def event_data(seq: int) -> dict[str, Any]:
    # A ticker as the market feed sends it (prices as strings), plus what the bench measures.
    ticker = {"e": "ticker", "s": "BTC_USDT", "c": "64000.5", "b": "64000.4", "a": "64000.6"}
    return {**ticker, "seq": seq, "ts": time.time()}


class Pace:
    """Sequence numbers 0..events-1, each at its slot of a steady `rate` per second (0: at once)."""

    def __init__(self, events: int, rate: float) -> None:
        self.events, self.rate = events, rate
        self.first_at = 0.0  # wall clock of the first slot

    def __iter__(self) -> Iterator[int]:
        self.first_at, start = time.time(), time.perf_counter()
        for seq in range(self.events):
            delay = start + seq / self.rate - time.perf_counter() if self.rate else 0
            if delay > 0:
                time.sleep(delay)
            yield seq


def publish_platform(pace: Pace) -> int:
    import django

    django.setup()
    from apps.core.streams import publish

    return sum(1 for seq in pace if not publish(STREAM, event_data(seq)))


def publish_bare(pace: Pace) -> int:
    from tests.bench.ws_asgi import BARE_GROUP, raw_layer

    async def send_all() -> int:
        layer, failed = raw_layer(), 0
        for seq in pace:
            try:
                await layer.group_send(BARE_GROUP, {"type": "stream.event", "stream": STREAM, "data": event_data(seq)})
            except Exception:
                failed += 1
        return failed

    return asyncio.run(send_all())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.ws_peers")
    peers = parser.add_subparsers(dest="peer", required=True)
    clients = peers.add_parser("clients")
    clients.add_argument("--url", required=True)
    clients.add_argument("--count", type=int, required=True)
    clients.add_argument("--events", type=int, required=True, help="every sequence number, warm-up included")
    clients.add_argument("--warmup", type=int, default=0)
    clients.add_argument("--concurrency", type=int, default=100, help="sockets opening at once")
    clients.add_argument("--subscribe-timeout", type=float, default=120, help="seconds for every socket to subscribe")
    clients.add_argument("--latencies", required=True, help="file for the latencies (doubles, seconds)")
    publisher = peers.add_parser("publish")
    publisher.add_argument("--side", choices=("platform", "bare"), required=True)
    publisher.add_argument("--events", type=int, required=True)
    publisher.add_argument("--rate", type=float, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if args.peer == "clients":
        raise_fd_limit(args.count + 256)
        print(json.dumps(asyncio.run(Fleet(args).run())), flush=True)
        return 0
    send: Callable[[Pace], int] = publish_platform if args.side == "platform" else publish_bare
    pace = Pace(args.events, args.rate)
    failed = send(pace)
    sent = {"published": args.events - failed, "seconds": time.time() - pace.first_at, "first_at": pace.first_at}
    print(json.dumps(sent), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

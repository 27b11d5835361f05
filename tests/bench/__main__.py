"""`python -m tests.bench [NAME [OPTIONS]]`: every benchmark in turn, or the one named.

python -m tests.bench                       # every one in turn (journal: PostgreSQL only), with defaults
python -m tests.bench auth_me --rounds 2    # one benchmark, with its own options
python -m tests.bench jobs --help
"""

from __future__ import annotations

import sys
from collections.abc import Callable


def _auth_me(argv: list[str]) -> int:
    from tests.bench.auth_me import main

    return main(argv)


def _jobs(argv: list[str]) -> int:
    from tests.bench.jobs_api import main

    return main(argv)


def _decision(argv: list[str]) -> int:
    from tests.bench.decision import main

    return main(argv)


def _trades(argv: list[str]) -> int:
    from tests.bench.trades_api import main

    return main(argv)


def _journal(argv: list[str]) -> int:
    from tests.bench.journal import main

    return main(argv)


def _ws_fanout(argv: list[str]) -> int:
    from tests.bench.ws_fanout import main

    return main(argv)


def _chain_ingest(argv: list[str]) -> int:
    from tests.bench.chain_ingest import main

    return main(argv)


def _groth16(argv: list[str]) -> int:
    from tests.bench.groth16 import main

    return main(argv)


BENCHES: dict[str, Callable[[list[str]], int]] = {
    "auth_me": _auth_me,
    "jobs": _jobs,
    "decision": _decision,
    "trades": _trades,
    "journal": _journal,
    "ws_fanout": _ws_fanout,
    "chain_ingest": _chain_ingest,
    "groth16": _groth16,
}


def main(argv: list[str]) -> int:
    if argv and argv[0] in BENCHES:
        return BENCHES[argv[0]](argv[1:])
    if argv:
        usage = f"usage: python -m tests.bench [{{{','.join(BENCHES)}}} [OPTIONS]]"
        if argv[0] in ("-h", "--help"):
            print(f"{usage}\n\n{__doc__}")
            return 0
        print(f"{usage}\noptions go after a benchmark's name: python -m tests.bench NAME --help", file=sys.stderr)
        return 2
    failed = []
    for index, (name, bench) in enumerate(BENCHES.items()):
        if index:
            print()
        print(f"=== {name} ===", flush=True)
        if bench([]) != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


sys.exit(main(sys.argv[1:]))

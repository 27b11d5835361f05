"""`make run`: the whole platform on one machine with embedded defaults.

SQLite unless DATABASE_URL is set, an embedded Redis unless REDIS_URL is set, a local anvil
chain unless RPC_URL is set; migrates, creates the demo users (printed with their passwords),
deploys the agent-jobs contracts and Uniswap v3 with a WETH/USDC pool (once per chain), sends
the chain demo's transactions, starts a demo liquidity droid, makes the Groth16 circuits' local
trusted setup (once), then runs web, ws, worker, beat, the dev TEE gateway (tee) and the Groth16
prover (prover) from the Procfile until interrupted. Once the pages answer, it prints
where they are and how to sign in again, so the demo logins do not scroll away under the
workers' logs.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import urllib.request
from pathlib import Path
from subprocess import PIPE, run

from embedded_redis import environment_with_redis, redis_url_for
from honcho.environ import parse_procfile
from honcho.manager import Manager
from local_chain import rpc_url_for

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PROCESSES = ("web", "ws", "worker", "beat", "tee", "prover")
DEFAULTS = {
    "DEBUG": "1",
    "HOST": "127.0.0.1",
    "PORT": "8080",
    "WS_PORT": "4000",
    "TEE_GATEWAY_PORT": "7300",
    "PROVER_PORT": "7400",
    # Small swaps on the local pool every half minute, so the demo droid has prices to follow.
    "DROID_DEMO_SWAP_SECONDS": "30",
}
# What honcho's `start` would do on Ctrl-C or SIGTERM: the platform was stopped on purpose.
STOPPED_BY_SIGNAL = {130, 143}


def platform_environment(environ: dict[str, str]) -> dict[str, str]:
    """The environment every process gets: the caller's, with the README's defaults filled in.

    PORT is set here, explicitly, because a process manager that finds no PORT hands each process
    one of its own (honcho counts from 5000), and the web process would then not be where the
    README and the banner say it is.
    """
    env = dict(environ)
    for name, value in DEFAULTS.items():
        env.setdefault(name, value)
    # The backend talks to the dev TEE gateway the Procfile's `tee` starts, unless told otherwise.
    env.setdefault("TEE_GATEWAY_URL", f"http://127.0.0.1:{env['TEE_GATEWAY_PORT']}")
    # And to the Groth16 prover the Procfile's `prover` starts.
    env.setdefault("PROVER_URL", f"http://127.0.0.1:{env['PROVER_PORT']}")
    env["PATH"] = f"{Path(PYTHON).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def process_table(procfile: str, env: dict[str, str], names: tuple[str, ...] = PROCESSES) -> dict[str, tuple]:
    """Each Procfile process to start, with its command and exactly `env` (no per-process PORT)."""
    processes = parse_procfile(procfile).processes
    return {name: (processes[name], dict(env)) for name in names}


def announce_when_ready(base_url: str, logins: str, ws_port: str, deadline_seconds: float = 300) -> None:
    """Prints the addresses and demo logins once /health answers (in a thread: honcho owns the
    main thread's loop)."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        time.sleep(1)
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
    else:
        return
    line = "=" * 72
    print(
        f"\n{line}\nHavenCap is up.\n"
        f"  Pages and API: {base_url}/   (desk: {base_url}/trade, admin: {base_url}/admin/)\n"
        f"  WebSocket:     ws://localhost:{ws_port}/\n"
        f"{logins.rstrip()}\n"
        f"Stop with Ctrl-C; `make clean` removes the venv and var/ (database, chain state).\n{line}",
        flush=True,
    )


def main() -> int:
    with redis_url_for(dict(os.environ)) as url, rpc_url_for(dict(os.environ)) as rpc_url:
        env = platform_environment(environment_with_redis(url))
        env["RPC_URL"] = rpc_url
        manage = [PYTHON, str(ROOT / "manage.py")]
        run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
        demo = run([*manage, "seed_demo"], env=env, check=True, cwd=ROOT, stdout=PIPE, text=True)
        print(demo.stdout, end="", flush=True)
        run([*manage, "seed_trading_demo"], env=env, check=True, cwd=ROOT)
        run([*manage, "seed_journal_demo"], env=env, check=True, cwd=ROOT)
        print("Groth16 circuits and their development trusted setup (made once, kept in var/groth16):", flush=True)
        run([*manage, "groth16_setup"], env=env, check=True, cwd=ROOT)
        print("Agent-jobs contracts:", flush=True)
        run([*manage, "deploy_contracts"], env=env, check=True, cwd=ROOT)
        print("Demo agents and jobs on the chain:", flush=True)
        run([*manage, "seed_chain_demo"], env=env, check=True, cwd=ROOT)
        print("Uniswap v3 (a WETH/USDC pool for on-chain prices):", flush=True)
        run([*manage, "deploy_uniswap"], env=env, check=True, cwd=ROOT)
        print("Demo transfers and swaps for the explorer:", flush=True)
        run([*manage, "seed_chain_explorer_demo"], env=env, check=True, cwd=ROOT)
        print("A demo liquidity droid on the pool:", flush=True)
        run([*manage, "seed_droid_demo"], env=env, check=True, cwd=ROOT)

        manager = Manager()
        for name, (command, process_env) in process_table((ROOT / "Procfile").read_text(), env).items():
            manager.add_process(name, command, env=process_env, cwd=str(ROOT))
        base_url = f"http://localhost:{env['PORT']}"
        threading.Thread(target=announce_when_ready, args=(base_url, demo.stdout, env["WS_PORT"]), daemon=True).start()
        manager.loop()
        if manager.returncode in STOPPED_BY_SIGNAL:
            print("HavenCap stopped.", flush=True)
            return 0
        return manager.returncode or 0


if __name__ == "__main__":
    sys.exit(main())

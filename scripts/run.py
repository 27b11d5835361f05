"""`make run`: the whole platform on one machine with embedded defaults.

SQLite unless DATABASE_URL is set, an embedded Redis unless REDIS_URL is set, a local anvil
chain unless RPC_URL is set; migrates, creates the demo users (printed with their passwords),
deploys the agent-jobs contracts (once per chain), then runs web, ws, worker and beat from the
Procfile under honcho until interrupted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from embedded_redis import environment_with_redis, redis_url_for
from local_chain import rpc_url_for

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def main() -> int:
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("HOST", "127.0.0.1")
    with redis_url_for(dict(os.environ)) as url, rpc_url_for(dict(os.environ)) as rpc_url:
        env = environment_with_redis(url)
        env["RPC_URL"] = rpc_url
        env["PATH"] = f"{Path(PYTHON).parent}{os.pathsep}{env.get('PATH', '')}"
        manage = [PYTHON, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
        subprocess.run([*manage, "seed_demo"], env=env, check=True, cwd=ROOT)
        subprocess.run([*manage, "seed_trading_demo"], env=env, check=True, cwd=ROOT)
        print("Agent-jobs contracts:", flush=True)
        subprocess.run([*manage, "deploy_contracts"], env=env, check=True, cwd=ROOT)
        print("Demo agents and jobs on the chain:", flush=True)
        subprocess.run([*manage, "seed_chain_demo"], env=env, check=True, cwd=ROOT)
        port, ws_port = env.get("PORT", "8080"), env.get("WS_PORT", "4000")
        print(f"Pages and API: http://localhost:{port}/   WebSocket: ws://localhost:{ws_port}/", flush=True)
        honcho = [PYTHON, "-m", "honcho", "-f", str(ROOT / "Procfile"), "start", "web", "ws", "worker", "beat"]
        proc = subprocess.Popen(honcho, env=env, cwd=ROOT)
        signal.signal(signal.SIGTERM, lambda *_: proc.send_signal(signal.SIGINT))
        try:
            return proc.wait()
        except KeyboardInterrupt:
            return proc.wait()


if __name__ == "__main__":
    sys.exit(main())

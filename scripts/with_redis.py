"""Run a command with REDIS_URL set, starting an embedded Redis when it is unset.

python scripts/with_redis.py python -m pytest
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from embedded_redis import environment_with_redis, redis_url_for


def main(argv: list[str]) -> int:
    with redis_url_for(dict(os.environ)) as url:
        proc = subprocess.Popen(argv, env=environment_with_redis(url))
        signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            return proc.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

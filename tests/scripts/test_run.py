"""`make run`'s process environment: every process is where the README says it is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
PROCFILE = (SCRIPTS.parent / "Procfile").read_text()


@pytest.fixture(scope="module")
def run_script():
    sys.path.insert(0, str(SCRIPTS))
    try:
        import run

        yield run
    finally:
        sys.path.remove(str(SCRIPTS))


def expanded(command: str, env: dict[str, str]) -> str:
    """The command line as the process manager's shell runs it."""
    return subprocess.run(["sh", "-c", f"echo {command}"], env=env, capture_output=True, text=True, check=True).stdout


def test_with_no_variables_set_the_pages_are_on_8080_and_the_websocket_on_4000(run_script):
    env = run_script.platform_environment({"PATH": "/usr/bin:/bin"})
    table = run_script.process_table(PROCFILE, env)

    assert set(table) == {"web", "ws", "worker", "beat", "tee", "prover"}
    web_command, web_env = table["web"]
    ws_command, ws_env = table["ws"]
    assert "--bind 127.0.0.1:8080 " in expanded(web_command, web_env)
    assert "--port 4000 " in expanded(ws_command, ws_env)


def test_every_process_gets_the_same_port_variables(run_script):
    # A process manager numbering ports per process (honcho: 5000, 5100, ...) would put the web
    # process where nobody looks, and give each process another SIWE domain.
    env = run_script.platform_environment({"PATH": "/usr/bin:/bin"})
    ports = {
        (process_env["PORT"], process_env["WS_PORT"])
        for _, process_env in run_script.process_table(PROCFILE, env).values()
    }
    assert ports == {("8080", "4000")}


def test_the_ports_a_user_sets_are_kept(run_script):
    env = run_script.platform_environment({"PATH": "/usr/bin:/bin", "PORT": "9090", "WS_PORT": "9091"})
    table = run_script.process_table(PROCFILE, env)

    assert ":9090 " in expanded(*table["web"])
    assert "--port 9091 " in expanded(*table["ws"])


def test_the_backend_is_pointed_at_the_dev_tee_gateway_it_starts(run_script):
    env = run_script.platform_environment({"PATH": "/usr/bin:/bin"})
    table = run_script.process_table(PROCFILE, env)

    assert table["tee"][0] == "python -m tee_gateway"
    assert table["web"][1]["TEE_GATEWAY_URL"] == "http://127.0.0.1:7300"
    assert table["tee"][1]["TEE_GATEWAY_PORT"] == "7300"


def test_the_backend_is_pointed_at_the_prover_it_starts(run_script):
    env = run_script.platform_environment({"PATH": "/usr/bin:/bin"})
    table = run_script.process_table(PROCFILE, env)

    assert table["prover"][0] == "python -m prover"
    assert table["worker"][1]["PROVER_URL"] == "http://127.0.0.1:7400"
    assert table["prover"][1]["PROVER_PORT"] == "7400"


def test_a_tee_gateway_url_the_user_sets_is_kept(run_script):
    env = run_script.platform_environment({"PATH": "/usr/bin:/bin", "TEE_GATEWAY_URL": "https://tee.example"})

    assert env["TEE_GATEWAY_URL"] == "https://tee.example"

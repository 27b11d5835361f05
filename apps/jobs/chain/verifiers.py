"""The Groth16 verifiers ACPCore calls: snarkjs's Solidity export of each circuit's verification
key (prover/ceremony.py), compiled with solcjs from npm and deployed with the other contracts.

The setup is made first if it is missing (`manage.py groth16_setup` does the same, once), so the
verifier always matches the keys the prover proves with. The compiled contract is kept next to
its source in the build dir (var/groth16), a generated file like the keys themselves.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

from eth_typing import ChecksumAddress

from prover.ceremony import ROOT, Artifacts, setup_circuit

COMPILE_SCRIPT = ROOT / "prover" / "compile_verifier.cjs"
# ACPCore's constructor takes them in this order.
VERIFIED_CIRCUITS = ("cex_capital", "deliverable")


def compiled_verifier(circuit: str) -> dict[str, Any]:
    """{"abi", "bytecode"} of the circuit's verifier, compiled once per setup."""
    built: Artifacts = setup_circuit(circuit)[0]
    compiled = built.directory / "Verifier.json"
    if not compiled.is_file():
        result = subprocess.run(  # noqa: S603 - our own script on our own build output
            ["node", str(COMPILE_SCRIPT), str(built.verifier_sol)],  # noqa: S607 - node from PATH, as the prover's
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"solcjs could not compile {built.verifier_sol}: {result.stderr[-2000:]}")
        partial = compiled.with_suffix(".json.partial")
        partial.write_text(result.stdout)
        partial.replace(compiled)
    return json.loads(compiled.read_text())


def deploy_verifiers(deploy: Callable[[dict[str, Any]], ChecksumAddress]) -> list[ChecksumAddress]:
    """Each circuit's verifier deployed by `deploy(compiled)`, in ACPCore's constructor order."""
    return [deploy(compiled_verifier(circuit)) for circuit in VERIFIED_CIRCUITS]

"""Compile the Vyper contracts in apps/jobs/contracts in-process; build output is never committed.

`python -m apps.jobs.chain.artifacts var/abi` writes each contract's ABI to var/abi/<Name>.json.
"""

from __future__ import annotations

import functools
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vyper
from web3 import Web3
from web3.contract import Contract

CONTRACTS_DIR = Path(__file__).resolve().parent.parent / "contracts"
CONTRACT_NAMES = ("MockUSDC", "AgentRegistry", "Staking", "Reputation", "ACPCore")


@dataclass(frozen=True)
class Artifact:
    name: str
    abi_json: str
    bytecode: str

    @property
    def abi(self) -> list[dict[str, Any]]:
        # A fresh list each time: the compiled artifact is shared through the cache.
        return json.loads(self.abi_json)


def source_path(name: str) -> Path:
    if name not in CONTRACT_NAMES:
        raise ValueError(f"unknown contract {name!r}; expected one of {', '.join(CONTRACT_NAMES)}")
    return CONTRACTS_DIR / f"{name}.vy"


def load_artifact(name: str) -> Artifact:
    """The compiled contract, compiled at most once per process for a given source text."""
    path = source_path(name)
    return _compile(name, path.read_text())


@functools.cache
def _compile(name: str, source: str) -> Artifact:
    # Keyed by the source text, so an edited .vy file is recompiled in a long-running process.
    output = vyper.compile_code(source, contract_path=f"{name}.vy", output_formats=["abi", "bytecode"])
    return Artifact(name=name, abi_json=json.dumps(output["abi"]), bytecode=output["bytecode"])


def contract_at(w3: Web3, name: str, address: str) -> Contract:
    """A web3 contract object for the deployed `name` at `address`."""
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=load_artifact(name).abi)


def write_abis(directory: Path) -> list[Path]:
    """Write each contract's ABI to `directory`/<Name>.json, for frontends and other tools."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in CONTRACT_NAMES:
        path = directory / f"{name}.json"
        path.write_text(json.dumps(load_artifact(name).abi, indent=2) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m apps.jobs.chain.artifacts OUTPUT_DIR")
    for written_path in write_abis(Path(sys.argv[1])):
        print(written_path)

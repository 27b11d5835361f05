"""Contract artifacts: Uniswap v3 from the npm packages' build output (node_modules, pinned in
package-lock.json), WETH9 compiled from Vyper here (the packages ship only its interface)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import vyper

from apps.jobs.chain.artifacts import Artifact

ROOT = Path(__file__).resolve().parents[3]
NODE_MODULES = ROOT / "node_modules" / "@uniswap"
WETH9_SOURCE = Path(__file__).resolve().parent / "contracts" / "WETH9.vy"

# name -> path under node_modules/@uniswap of the Hardhat artifact
NPM_ARTIFACTS = {
    "UniswapV3Factory": "v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json",
    "UniswapV3Pool": "v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json",
    "NonfungiblePositionManager": (
        "v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json"
    ),
    "SwapRouter": "v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json",
}


class ArtifactMissing(RuntimeError):
    """The npm packages are not installed (`npm ci` installs them)."""


def installed() -> bool:
    return all((NODE_MODULES / path).exists() for path in NPM_ARTIFACTS.values())


def load(name: str) -> Artifact:
    """The ABI and creation bytecode of `name` (an NPM_ARTIFACTS key or "WETH9")."""
    if name == "WETH9":
        return _compile_weth9(WETH9_SOURCE.read_text())
    if name not in NPM_ARTIFACTS:
        raise ValueError(f"unknown contract {name!r}")
    return _read_npm(name)


@functools.cache
def _read_npm(name: str) -> Artifact:
    path = NODE_MODULES / NPM_ARTIFACTS[name]
    if not path.exists():
        raise ArtifactMissing(f"{path} is missing: run `npm ci` (make run does)")
    data = json.loads(path.read_text())
    return Artifact(name=name, abi_json=json.dumps(data["abi"]), bytecode=data["bytecode"])


@functools.cache
def _compile_weth9(source: str) -> Artifact:
    output = vyper.compile_code(source, contract_path="WETH9.vy", output_formats=["abi", "bytecode"])
    return Artifact(name="WETH9", abi_json=json.dumps(output["abi"]), bytecode=output["bytecode"])

"""The circuits' build and the development trusted setup, run once by `manage.py groth16_setup`.

For each circuit under circuits/: compile with circom2 (r1cs + wasm), then Groth16 setup over a
local powers of tau, then one phase-2 contribution with fresh entropy, then export the
verification key and the Solidity verifier. Outputs go to `<build dir>/<circuit>/<digest>/`, the
digest covering the circuit's source, everything it includes and the tool versions, so a changed
circuit builds anew and an unchanged one is skipped. A directory appears only once complete (it is
built aside and renamed), so a setup interrupted half-way is redone, never half-used.

This ceremony is for development only: whoever ran it knows the toxic waste it could have kept.
Production takes a published powers-of-tau file (`GROTH16_PTAU`, e.g. a Perpetual Powers of Tau
or Hermez file of at least 2^12 constraints) and a phase 2 with several independent contributors
and a random beacon (`snarkjs zkey contribute` / `zkey beacon`), then `zkey verify` against the
r1cs and that ptau; see README.md ("Groth16 proofs").
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CIRCUITS_DIR = ROOT / "circuits"
NODE_MODULES = ROOT / "node_modules"
SNARKJS = NODE_MODULES / ".bin" / "snarkjs"
CIRCOM = NODE_MODULES / ".bin" / "circom2"
CIRCUITS = ("cex_capital", "deliverable")
# 2^12 constraints covers both circuits (about 1.6k and 2.4k); a bigger circuit needs a bigger one.
PTAU_POWER = 12
_INCLUDE = re.compile(r'^\s*include\s+"([^"]+)"\s*;', re.MULTILINE)


class CeremonyError(Exception):
    pass


@dataclass(frozen=True)
class Artifacts:
    """One circuit's setup outputs."""

    name: str
    directory: Path

    @property
    def wasm(self) -> Path:
        return self.directory / f"{self.name}.wasm"

    @property
    def zkey(self) -> Path:
        return self.directory / f"{self.name}.zkey"

    @property
    def verification_key(self) -> Path:
        return self.directory / "verification_key.json"

    @property
    def verifier_sol(self) -> Path:
        return self.directory / "Verifier.sol"

    def complete(self) -> bool:
        return all(p.is_file() for p in (self.wasm, self.zkey, self.verification_key, self.verifier_sol))


def default_build_dir() -> Path:
    return Path(os.environ.get("GROTH16_BUILD_DIR") or ROOT / "var" / "groth16")


def _resolve_include(name: str, base: Path) -> Path:
    for candidate in (base / name, NODE_MODULES / name):
        if candidate.is_file():
            return candidate
    raise CeremonyError(f"include {name!r} not found next to {base} or in node_modules")


def circuit_digest(name: str) -> str:
    """sha256 over the circuit's source, every file it includes (recursively) and the tool versions."""
    digest = hashlib.sha256()
    seen: set[Path] = set()
    pending = [CIRCUITS_DIR / f"{name}.circom"]
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        source = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + source)
        pending.extend(_resolve_include(inc, path.parent) for inc in _INCLUDE.findall(source.decode()))
    for package in ("circom2", "snarkjs", "circomlib"):
        digest.update(json.loads((NODE_MODULES / package / "package.json").read_text())["version"].encode())
    digest.update(f"ptau-{PTAU_POWER}".encode())
    return digest.hexdigest()[:16]


def artifacts(name: str, build_dir: Path | None = None) -> Artifacts:
    """Where the setup of the circuit as it is now lives (complete or not)."""
    return Artifacts(name=name, directory=(build_dir or default_build_dir()) / name / circuit_digest(name))


def _run(*args: str | Path, cwd: Path | None = None) -> None:
    if not Path(str(args[0])).exists():
        raise CeremonyError(f"{args[0]} is missing: run `npm ci` (package.json pins circom2 and snarkjs)")
    result = subprocess.run(  # noqa: S603 - our own tools from node_modules, arguments we built
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=1800, check=False
    )
    if result.returncode != 0:
        raise CeremonyError(f"{Path(str(args[0])).name} {args[1]} failed: {(result.stderr or result.stdout)[-2000:]}")


def _entropy() -> str:
    return secrets.token_hex(32)


def powers_of_tau(build_dir: Path) -> Path:
    """The phase-2-ready ptau: `GROTH16_PTAU` when set (production), else a local one made once."""
    published = os.environ.get("GROTH16_PTAU")
    if published:
        path = Path(published)
        if not path.is_file():
            raise CeremonyError(f"GROTH16_PTAU={published} is not a file")
        return path
    final = build_dir / "ptau" / f"local_{PTAU_POWER}.ptau"
    if final.is_file():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    work = final.parent / f".work-{secrets.token_hex(4)}"
    work.mkdir()
    try:
        _run(SNARKJS, "powersoftau", "new", "bn128", str(PTAU_POWER), work / "0.ptau")
        _run(SNARKJS, "powersoftau", "contribute", work / "0.ptau", work / "1.ptau", "--name=local", f"-e={_entropy()}")
        _run(SNARKJS, "powersoftau", "prepare", "phase2", work / "1.ptau", work / "final.ptau")
        (work / "final.ptau").rename(final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def setup_circuit(name: str, build_dir: Path | None = None) -> tuple[Artifacts, bool]:
    """Builds one circuit's artifacts unless they exist; returns them and whether they were built."""
    build_dir = build_dir or default_build_dir()
    target = artifacts(name, build_dir)
    if target.complete():
        return target, False
    ptau = powers_of_tau(build_dir)
    work = target.directory.with_name(f".work-{secrets.token_hex(4)}")
    work.mkdir(parents=True)
    try:
        _run(CIRCOM, CIRCUITS_DIR / f"{name}.circom", "--r1cs", "--wasm", "-l", NODE_MODULES, "-o", work)
        (work / f"{name}_js" / f"{name}.wasm").rename(work / f"{name}.wasm")
        _run(SNARKJS, "groth16", "setup", work / f"{name}.r1cs", ptau, work / "0.zkey")
        _run(SNARKJS, "zkey", "contribute", work / "0.zkey", work / f"{name}.zkey", "--name=local", f"-e={_entropy()}")
        _run(SNARKJS, "zkey", "export", "verificationkey", work / f"{name}.zkey", work / "verification_key.json")
        _run(SNARKJS, "zkey", "export", "solidityverifier", work / f"{name}.zkey", work / "Verifier.sol")
        (work / "0.zkey").unlink()
        shutil.rmtree(work / f"{name}_js")
        if target.directory.exists() and not target.complete():  # left by an older layout
            shutil.rmtree(target.directory)
        try:
            work.rename(target.directory)
        except OSError:
            if not target.complete():
                raise
            shutil.rmtree(work)  # another setup finished the same circuit first: keep its keys
            return target, False
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return target, True


def setup_all(build_dir: Path | None = None) -> list[tuple[Artifacts, bool]]:
    return [setup_circuit(name, build_dir) for name in CIRCUITS]

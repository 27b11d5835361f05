"""`manage.py groth16_setup`: the circuits' development trusted setup, made once per circuit source."""

from __future__ import annotations

import json
import shutil
from io import StringIO

import pytest
from django.core.management import call_command

from prover import ceremony


def test_the_setup_is_skipped_when_outputs_exist_for_the_same_circuit(groth16_setup):
    out = StringIO()

    call_command("groth16_setup", stdout=out)

    assert out.getvalue().count("already set up") == len(ceremony.CIRCUITS)


def test_the_setup_exports_a_verification_key_and_a_solidity_verifier(groth16_setup):
    built = ceremony.artifacts("cex_capital")

    key = json.loads(built.verification_key.read_text())
    assert key["protocol"] == "groth16"
    assert key["nPublic"] == 13  # the passed output and twelve public inputs
    assert "function verifyProof(uint[2] calldata _pA" in built.verifier_sol.read_text()


def test_a_changed_circuit_gets_new_outputs_and_its_own_fresh_keys(groth16_setup, tmp_path, monkeypatch):
    original = json.loads(ceremony.artifacts("deliverable").verification_key.read_text())
    circuits = tmp_path / "circuits"
    shutil.copytree(ceremony.CIRCUITS_DIR, circuits)
    monkeypatch.setattr(ceremony, "CIRCUITS_DIR", circuits)
    build = tmp_path / "build"
    shutil.copytree(ceremony.default_build_dir() / "ptau", build / "ptau")  # the slow, shared part
    before = ceremony.artifacts("deliverable", build)
    source = circuits / "deliverable.circom"
    source.write_text(source.read_text() + "\n// changed\n")

    after, made = ceremony.setup_circuit("deliverable", build)

    assert made
    assert after.directory != before.directory
    assert after.complete()
    # A fresh phase-2 contribution: not the key of the setup made before.
    assert json.loads(after.verification_key.read_text())["vk_delta_2"] != original["vk_delta_2"]


def test_a_missing_tool_is_named_with_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr(ceremony, "SNARKJS", tmp_path / "no-snarkjs")

    with pytest.raises(ceremony.CeremonyError, match="npm ci"):
        ceremony.powers_of_tau(tmp_path / "build")

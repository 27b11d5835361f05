from __future__ import annotations

import pytest

from prover.ceremony import setup_all
from tests.conftest import require_binary
from tests.prover.support import prover_process


@pytest.fixture(scope="session")
def groth16_setup() -> None:
    """The circuits' trusted setup, made once and cached in var/groth16 by circuit digest (the
    first run makes a local powers of tau: a couple of minutes; later runs reuse it)."""
    require_binary("node")
    setup_all()


@pytest.fixture
def prover(groth16_setup, tmp_path):
    with prover_process(tmp_path / "prover") as running:
        yield running

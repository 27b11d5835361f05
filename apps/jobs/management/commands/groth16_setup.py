from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from prover.ceremony import CIRCUITS, CeremonyError, default_build_dir, setup_circuit


class Command(BaseCommand):
    help = (
        "Compile the Groth16 circuits and make their development trusted setup (a local powers of "
        "tau and one phase-2 contribution with fresh entropy), exporting each verification key and "
        "Solidity verifier under GROTH16_BUILD_DIR (var/groth16). Idempotent: a circuit whose "
        "outputs exist for the same source is skipped. Not a production ceremony: see README.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--build-dir", help="where outputs go (default: GROTH16_BUILD_DIR or var/groth16)")

    def handle(self, *args, **options) -> None:
        build_dir = Path(options["build_dir"]) if options["build_dir"] else default_build_dir()
        for name in CIRCUITS:
            started = time.monotonic()
            try:
                built, made = setup_circuit(name, build_dir)
            except CeremonyError as exc:
                raise CommandError(str(exc)) from exc
            how = f"set up in {time.monotonic() - started:.1f} s" if made else "already set up"
            self.stdout.write(f"  {name:<12} {how}: {built.directory}")

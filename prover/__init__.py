"""The Groth16 prover: circuits in circuits/, a local trusted setup (`manage.py groth16_setup`,
prover/ceremony.py), and a small HTTP service that journals each request, proves it with snarkjs
one at a time and verifies the proof before answering READY. Like the TEE gateway it imports
nothing of Django. Run it with `python -m prover` (the Procfile's `prover`); see README.md
("Groth16 proofs")."""

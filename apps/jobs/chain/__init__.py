"""The agent-jobs contracts as seen from Python: compiling them (artifacts) and deploying them (deploy)."""

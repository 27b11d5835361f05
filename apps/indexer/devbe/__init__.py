"""devbe (seed 004): an allow-list of named, typed, read-only queries (`/api/devbe/data/<name>`)
and scripts (`/api/devbe/run/<name>`) for operators. A name is looked up in `registry.REGISTRY`;
there is no eval and no SQL from input, and each entry validates its own parameters."""

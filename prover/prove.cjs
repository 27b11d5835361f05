// Builds the witness and the Groth16 proof with snarkjs, then verifies it before answering.
// Usage: node prove.cjs <circuit.wasm> <circuit.zkey> <verification_key.json>, the circuit's
// input as JSON on stdin; prints {"proof", "publicSignals", "calldata", "verified"} on stdout.
// A witness that breaks a constraint fails here, with snarkjs's message on stderr.
"use strict";
const fs = require("fs");
const snarkjs = require("snarkjs");

async function main() {
  const [wasm, zkey, vkeyPath] = process.argv.slice(2);
  const input = JSON.parse(fs.readFileSync(0, "utf8"));
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, wasm, zkey);
  const vkey = JSON.parse(fs.readFileSync(vkeyPath, "utf8"));
  const verified = await snarkjs.groth16.verify(vkey, publicSignals, proof);
  const calldata = JSON.parse("[" + (await snarkjs.groth16.exportSolidityCallData(proof, publicSignals)) + "]");
  process.stdout.write(JSON.stringify({ proof, publicSignals, calldata, verified }));
}

// snarkjs keeps worker threads alive; the answer is written, so leave now.
main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(String((err && err.stack) || err));
    process.exit(1);
  },
);

// Verifies a proof in the prover's wire format with snarkjs, independently of the prover.
// Usage: node verify.cjs <verification_key.json> <proof 0x-hex> <publicInputs 0x-hex>; prints true/false.
"use strict";
const fs = require("fs");
const snarkjs = require("snarkjs");

function words(hex) {
  const body = hex.slice(2);
  const out = [];
  for (let i = 0; i < body.length; i += 64) out.push(BigInt("0x" + body.slice(i, i + 64)).toString());
  return out;
}

async function main() {
  const [vkeyPath, proofHex, inputsHex] = process.argv.slice(2);
  const w = words(proofHex);
  // The wire format is the Solidity verifier's order, b's coordinates swapped: swap them back.
  const proof = {
    pi_a: [w[0], w[1], "1"],
    pi_b: [[w[3], w[2]], [w[5], w[4]], ["1", "0"]],
    pi_c: [w[6], w[7], "1"],
    protocol: "groth16",
    curve: "bn128",
  };
  const vkey = JSON.parse(fs.readFileSync(vkeyPath, "utf8"));
  process.stdout.write(String(await snarkjs.groth16.verify(vkey, words(inputsHex), proof, { info() {}, debug() {}, warn() {}, error() {} })));
}

main().then(() => process.exit(0), (err) => { process.stderr.write(String(err)); process.exit(1); });

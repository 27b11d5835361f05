pragma circom 2.1.0;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";

// PROGRAM, RUBRIC and HYBRID evaluations: the deliverable hash the evaluator checked (private) is
// the one the provider submitted on the chain, for this job and its program and rubric. It proves
// no verdict (a rubric's judgement is not arithmetic), so one proof serves complete() and reject().
// 256-bit hashes are public inputs in 128-bit halves, range-checked so each has exactly one
// encoding. `claim` is the Poseidon hash of everything the proof speaks for, one field element a
// record can be keyed by.
template Deliverable() {
    signal input jobId;
    signal input strategyType;       // 0 PROGRAM, 1 RUBRIC, 2 HYBRID
    signal input deliverableHash[2]; // on the chain: high, low
    signal input programHash[2];
    signal input rubricHash[2];
    signal input checkedHash[2];     // private: what the evaluator checked
    signal output claim;

    component jobBits = Num2Bits(64);
    jobBits.in <== jobId;
    component strategyBits = Num2Bits(2);
    strategyBits.in <== strategyType;
    strategyBits.out[0] * strategyBits.out[1] === 0;  // not 3 (CEX_CAPITAL has its own circuit)

    component halves[8];
    for (var i = 0; i < 8; i++) {
        halves[i] = Num2Bits(128);
    }
    for (var i = 0; i < 2; i++) {
        halves[i].in <== deliverableHash[i];
        halves[2 + i].in <== programHash[i];
        halves[4 + i].in <== rubricHash[i];
        halves[6 + i].in <== checkedHash[i];
        checkedHash[i] === deliverableHash[i];
    }

    component hash = Poseidon(8);
    hash.inputs[0] <== jobId;
    hash.inputs[1] <== strategyType;
    for (var i = 0; i < 2; i++) {
        hash.inputs[2 + i] <== deliverableHash[i];
        hash.inputs[4 + i] <== programHash[i];
        hash.inputs[6 + i] <== rubricHash[i];
    }
    claim <== hash.out;
}

component main {public [jobId, strategyType, deliverableHash, programHash, rubricHash]} = Deliverable();

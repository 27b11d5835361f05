pragma circom 2.1.0;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// A CEX_CAPITAL evaluation: the attested end equity against the funded capital meets (passed = 1)
// or misses (passed = 0) the target return, and the lowest attested equity never crossed the
// stop-loss. Amounts are raw USDC units (6 decimals). The gateway closes a task when equity falls
// to or below capital * (1 - stopLoss), so "never crossed" is strictly above that line.
//
// The snapshot report hash (keccak256 of the enclave-signed report) and the enclave's public key
// are public inputs in 128-bit halves, range-checked so each 256-bit value has exactly one
// encoding: a proof is only valid for that report signed by that key.
template CexCapital() {
    signal input jobId;
    signal input capital;
    signal input stopLossBps;
    signal input targetReturnBps;
    signal input endEquity;
    signal input minEquity;
    signal input reportHash[2];   // high, low
    signal input enclaveKey[4];   // x high, x low, y high, y low (uncompressed secp256k1 point)
    signal output passed;

    component jobBits = Num2Bits(64);
    jobBits.in <== jobId;
    component amountBits[3];
    var amounts[3] = [capital, endEquity, minEquity];
    for (var i = 0; i < 3; i++) {
        amountBits[i] = Num2Bits(96);
        amountBits[i].in <== amounts[i];
    }
    component targetBits = Num2Bits(32);
    targetBits.in <== targetReturnBps;
    component stopLossInRange = LessEqThan(14);
    stopLossInRange.in[0] <== stopLossBps;
    stopLossInRange.in[1] <== 10000;
    stopLossInRange.out === 1;
    component halves[6];
    for (var i = 0; i < 6; i++) {
        halves[i] = Num2Bits(128);
        halves[i].in <== i < 2 ? reportHash[i] : enclaveKey[i - 2];
    }

    // The end is one of the attested values, so the lowest cannot be above it.
    component minAtMostEnd = LessEqThan(96);
    minAtMostEnd.in[0] <== minEquity;
    minAtMostEnd.in[1] <== endEquity;
    minAtMostEnd.out === 1;

    // Cross-multiplied by 10000 so nothing rounds: below 2^96 * 2^33.
    signal targetLine <== capital * (10000 + targetReturnBps);
    signal stopLine <== capital * (10000 - stopLossBps);
    component targetMet = GreaterEqThan(130);
    targetMet.in[0] <== endEquity * 10000;
    targetMet.in[1] <== targetLine;
    component aboveStopLoss = GreaterThan(130);
    aboveStopLoss.in[0] <== minEquity * 10000;
    aboveStopLoss.in[1] <== stopLine;

    passed <== targetMet.out * aboveStopLoss.out;
}

component main {public [jobId, capital, stopLossBps, targetReturnBps, endEquity, minEquity, reportHash, enclaveKey]} = CexCapital();

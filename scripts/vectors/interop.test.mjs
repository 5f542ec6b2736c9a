// JavaScript interop, with node's test runner and circomlibjs only, following docs/protocol.md
// (§3 keys and signatures, §4 packing, §9.1 the message M, §9.2 JSON) and nothing of zkpay's
// code: (1) sign a transfer, submit it to a running node over HTTP and see it included; (2) a
// transfer signed by zkpay-client verifies here. Run by `cargo test --test js_interop`, which
// starts the node and passes:
//   NODE_URL, CHAIN_ID, ROLLUP, JS_KEY (32-byte hex L2 key), JS_ACCOUNT, TO, SDK_TX (tx JSON)
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildEddsa, buildPoseidon } from "circomlibjs";

const env = (k) => {
    const v = process.env[k];
    if (!v) throw new Error(`${k} is not set (this test is started by cargo test --test js_interop)`);
    return v;
};

const hexToBytes = (h) => Buffer.from(h.replace(/^0x/, ""), "hex");
const big = (h) => BigInt(h.startsWith("0x") ? h : "0x" + h);

// §4: the canonical packing (mantissa << 5) | exponent, smallest exponent.
function pack(value, mantissaBits) {
    for (let e = 0n; e <= 31n; e++) {
        const p = 10n ** e;
        if (value % p !== 0n) break;
        const m = value / p;
        if (m < 1n << BigInt(mantissaBits)) return (m << 5n) | e;
    }
    throw new Error(`${value} is not packable`);
}

// §9.1: M = H(e0, e1, e2, e3) of a Transfer's JSON (§9.2).
function transferMessage(poseidon, tx, chainId, rollup) {
    assert.equal(tx.type, "Transfer");
    const e0 =
        (5n << 136n) |
        (BigInt(tx.accountId) << 104n) |
        (BigInt(tx.token) << 88n) |
        (BigInt(tx.nonce) << 56n) |
        (pack(BigInt(tx.amount), 35) << 16n) |
        pack(BigInt(tx.fee), 11);
    const e1 = big(tx.to);
    const e2 = (BigInt(tx.timeRange.validFrom) << 64n) | BigInt(tx.timeRange.validUntil);
    const e3 = (BigInt(chainId) << 160n) | big(rollup);
    return poseidon.F.toObject(poseidon([e0, e1, e2, e3]));
}

const hash32 = (m) => "0x" + m.toString(16).padStart(64, "0");

test("a transfer signed with circomlibjs is accepted and included by the node", async () => {
    const [eddsa, poseidon] = await Promise.all([buildEddsa(), buildPoseidon()]);
    const F = eddsa.babyJub.F;
    const prv = hexToBytes(env("JS_KEY"));
    const A = eddsa.prv2pub(prv);
    const now = BigInt(Math.floor(Date.now() / 1000));
    const tx = {
        type: "Transfer",
        accountId: Number(env("JS_ACCOUNT")),
        to: env("TO"),
        token: 0,
        amount: "25000000",
        fee: "0",
        nonce: 1,
        timeRange: { validFrom: "0", validUntil: (now + 3600n).toString() },
    };
    const m = transferMessage(poseidon, tx, env("CHAIN_ID"), env("ROLLUP"));
    const sig = eddsa.signPoseidon(prv, F.e(m));
    tx.signature = {
        pubKey: "0x" + Buffer.from(eddsa.babyJub.packPoint(A)).toString("hex"),
        signature: "0x" + Buffer.from(eddsa.packSignature(sig)).toString("hex"),
    };
    const node = env("NODE_URL");
    const res = await fetch(`${node}/v1/txs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(tx),
    });
    const body = await res.json();
    assert.equal(res.status, 202, JSON.stringify(body));
    // The tx hash is M (§9.1): the node computed the same message.
    assert.equal(body.txHashes[0], hash32(m));
    let status;
    for (let i = 0; i < 200; i++) {
        status = (await (await fetch(`${node}/v1/txs/${hash32(m)}`)).json()).status;
        if (status === "included") break;
        await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, "included");
});

test("a transfer signed by zkpay-client verifies in circomlibjs", async () => {
    const [eddsa, poseidon] = await Promise.all([buildEddsa(), buildPoseidon()]);
    const F = eddsa.babyJub.F;
    const tx = JSON.parse(env("SDK_TX"));
    const m = transferMessage(poseidon, tx, env("CHAIN_ID"), env("ROLLUP"));
    const A = eddsa.babyJub.unpackPoint(hexToBytes(tx.signature.pubKey));
    const sig = eddsa.unpackSignature(hexToBytes(tx.signature.signature));
    assert.ok(eddsa.verifyPoseidon(F.e(m), sig, A), "the SDK's signature verifies");
    // And a changed amount does not.
    const other = transferMessage(poseidon, { ...tx, amount: (BigInt(tx.amount) * 10n).toString() }, env("CHAIN_ID"), env("ROLLUP"));
    assert.ok(!eddsa.verifyPoseidon(F.e(other), sig, A), "a signature of another message verifies");
});

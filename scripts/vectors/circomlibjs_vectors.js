// Generates testdata/circomlibjs_vectors.json: Poseidon and EdDSA-Poseidon test vectors computed by
// circomlibjs 0.1.7, an implementation independent of the Rust code, used as a test oracle by
// zkpay-core (core/tests/poseidon_oracle.rs and the EdDSA tests).
//
// Regenerate (from the repository root):
//
//     npm --prefix scripts/vectors ci && node scripts/vectors/circomlibjs_vectors.js
//
// The output is deterministic: private keys, messages and "random" Poseidon inputs are derived from
// SHA-256 of fixed strings, and the JSON is written with a fixed key order, so a rerun yields the
// same bytes. Field elements are decimal strings; byte strings are 0x-prefixed lowercase hex.
//
// Encodings (identical to babyjubjub-rs 0.0.11, checked below against an independent BigInt
// implementation):
//   publicKeyCompressed = babyJub.packPoint(A): A.y as 32 bytes little-endian, bit 0x80 of byte 31
//                         set iff A.x > (p-1)/2;
//   signatureCompressed = eddsa.packSignature(sig): packPoint(R8) (32 bytes) || S (32 bytes LE).

import { buildEddsa, buildPoseidon, buildPoseidonReference } from "circomlibjs";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = resolve(HERE, "../../testdata/circomlibjs_vectors.json");
const CIRCOMLIBJS_VERSION = "0.1.7";

// BN254 scalar field modulus (= Baby Jubjub base field).
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
// Baby Jubjub prime subgroup order l.
const L = 2736030358979909402780800718157159386076813972158567259200215660948447373041n;

function fail(msg) {
    throw new Error(`circomlibjs_vectors: ${msg}`);
}

function sha256(s) {
    return createHash("sha256").update(s, "utf8").digest();
}

function bytesToBigIntBE(b) {
    return BigInt("0x" + Buffer.from(b).toString("hex"));
}

function bytesToBigIntLE(b) {
    return bytesToBigIntBE(Buffer.from(b).reverse());
}

function hex(b) {
    return "0x" + Buffer.from(b).toString("hex");
}

// A field element derived from a label: SHA-256 as a big-endian integer, reduced mod p.
function fieldFromLabel(label) {
    return bytesToBigIntBE(sha256(label)) % P;
}

// Independent reimplementation of packPoint (the babyjubjub-rs `compress` encoding).
function packPointRef(x, y) {
    const out = Buffer.alloc(32);
    let v = y;
    for (let i = 0; i < 32; i++) {
        out[i] = Number(v & 0xffn);
        v >>= 8n;
    }
    if (x > (P - 1n) / 2n) out[31] |= 0x80;
    return out;
}

function le32(v) {
    const out = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) {
        out[i] = Number(v & 0xffn);
        v >>= 8n;
    }
    return out;
}

async function main() {
    const installed = JSON.parse(
        readFileSync(resolve(HERE, "node_modules/circomlibjs/package.json"), "utf8"),
    ).version;
    if (installed !== CIRCOMLIBJS_VERSION) {
        fail(`expected circomlibjs ${CIRCOMLIBJS_VERSION}, found ${installed}; run npm --prefix scripts/vectors ci`);
    }

    const poseidon = await buildPoseidon();
    const poseidonRef = await buildPoseidonReference();
    const eddsa = await buildEddsa();
    const F = poseidon.F;
    const babyJub = eddsa.babyJub;
    const BF = babyJub.F;

    const H = (inputs) => {
        const a = F.toObject(poseidon(inputs));
        const b = poseidonRef.F.toObject(poseidonRef(inputs));
        if (a !== b) fail(`wasm and reference Poseidon disagree on [${inputs}]`);
        return a;
    };

    // Sanity: the protocol's vector H(1, 2).
    const h12 = H([1n, 2n]);
    if (h12 !== 0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189an) {
        fail(`H(1,2) = ${h12.toString(16)}`);
    }

    // ---- Poseidon: up to 6 distinct vectors per arity 1..16 (all 0, all p-1, edge values, 1..n, random) ----
    const edges = [0n, 1n, P - 1n, 2n, P - 2n, (P - 1n) / 2n];
    const poseidonVectors = [];
    const seen = new Set();
    for (let n = 1; n <= 16; n++) {
        const sets = [
            Array(n).fill(0n),
            Array(n).fill(P - 1n),
            Array.from({ length: n }, (_, i) => edges[i % edges.length]),
            Array.from({ length: n }, (_, i) => BigInt(i + 1)),
            Array.from({ length: n }, (_, i) => fieldFromLabel(`zkpay poseidon vector n=${n} k=0 i=${i}`)),
            Array.from({ length: n }, (_, i) => fieldFromLabel(`zkpay poseidon vector n=${n} k=1 i=${i}`)),
        ];
        for (const inputs of sets) {
            const key = inputs.join(",");
            if (seen.has(key)) continue; // e.g. the edge pattern for n = 1 is [0]
            seen.add(key);
            poseidonVectors.push({
                inputs: inputs.map((x) => x.toString()),
                output: H(inputs).toString(),
            });
        }
    }

    // ---- EdDSA-Poseidon: 20 vectors ----
    const messages = [0n, P - 1n, 1n, 2n, (1n << 160n) - 1n, L, L - 1n, (P - 1n) / 2n];
    const N_EDDSA = 20;
    for (let i = messages.length; i < N_EDDSA; i++) {
        messages.push(fieldFromLabel(`zkpay eddsa vector message ${i}`));
    }
    const eddsaVectors = [];
    for (let i = 0; i < N_EDDSA; i++) {
        const prv = sha256(`zkpay eddsa vector private key ${i}`);
        const msg = messages[i];
        const A = eddsa.prv2pub(prv);
        const ax = BF.toObject(A[0]);
        const ay = BF.toObject(A[1]);
        const sig = eddsa.signPoseidon(prv, BF.e(msg));
        if (!eddsa.verifyPoseidon(BF.e(msg), sig, A)) fail(`signature ${i} does not verify`);
        const r8x = BF.toObject(sig.R8[0]);
        const r8y = BF.toObject(sig.R8[1]);
        const s = BigInt(sig.S);
        if (s >= L) fail(`S >= l in vector ${i}`);

        const pkPacked = Buffer.from(babyJub.packPoint(A));
        if (!pkPacked.equals(packPointRef(ax, ay))) fail(`packPoint encoding differs in vector ${i}`);
        const sigPacked = Buffer.from(eddsa.packSignature(sig));
        const sigRef = Buffer.concat([packPointRef(r8x, r8y), le32(s)]);
        if (!sigPacked.equals(sigRef)) fail(`packSignature encoding differs in vector ${i}`);
        const unpacked = eddsa.unpackSignature(Buffer.from(sigPacked));
        if (BigInt(unpacked.S) !== s || BF.toObject(unpacked.R8[0]) !== r8x || BF.toObject(unpacked.R8[1]) !== r8y) {
            fail(`unpackSignature does not round-trip in vector ${i}`);
        }
        if (bytesToBigIntLE(sigPacked.subarray(32)) !== s) fail(`S bytes in vector ${i}`);

        eddsaVectors.push({
            privateKey: hex(prv),
            publicKey: { x: ax.toString(), y: ay.toString() },
            publicKeyCompressed: hex(pkPacked),
            publicKeyPoseidon: H([ax, ay]).toString(),
            message: msg.toString(),
            signature: { r8x: r8x.toString(), r8y: r8y.toString(), s: s.toString() },
            signatureCompressed: hex(sigPacked),
        });
    }

    // ---- State trees (docs/protocol.md §5): quaternary, node = H(c0, c1, c2, c3) ----
    const quad = (levels, emptyLeaf) => {
        const empty = [emptyLeaf];
        for (let h = 0; h < levels; h++) empty.push(H([empty[h], empty[h], empty[h], empty[h]]));
        const node = (leaves, h, idx) => {
            const lo = idx << BigInt(2 * h);
            const hi = (idx + 1n) << BigInt(2 * h);
            if (![...leaves.keys()].some((k) => k >= lo && k < hi)) return empty[h];
            if (h === 0) return leaves.get(lo);
            return H([0n, 1n, 2n, 3n].map((c) => node(leaves, h - 1, 4n * idx + c)));
        };
        const root = (leaves) => node(leaves, levels, 0n);
        // Per level from the leaf up: the other three children of the path node's parent, in order.
        const path = (leaves, index) =>
            Array.from({ length: levels }, (_, h) => {
                const i = index >> BigInt(2 * h);
                return [0n, 1n, 2n, 3n]
                    .filter((k) => k !== (i & 3n))
                    .map((k) => node(leaves, h, (i >> 2n) * 4n + k).toString());
            });
        return { empty, root, path };
    };
    const balanceTree = quad(5, 0n);
    const emptyBalanceRoot = balanceTree.empty[5];
    const accountTree = quad(12, H([0n, 0n, 0n, emptyBalanceRoot]));
    const accountSpecs = [
        { id: 0, nonce: 0, balances: [] },
        { id: 1, nonce: 3, balances: [[0, 10n ** 18n], [1, 500n], [2, 500n], [1023, (1n << 128n) - 1n]] },
        { id: 5, nonce: 0, balances: [[6, 7n]] },
        { id: 77, nonce: 4294967295, balances: [[0, 1n], [4, 2n], [16, 3n], [64, 4n], [256, 5n]] },
        { id: (1 << 24) - 1, nonce: 1, balances: [[3, 42n]] },
    ];
    const accountLeaves = new Map();
    const accounts = accountSpecs.map((a) => {
        const address = sha256(`zkpay tree vector address ${a.id}`).subarray(0, 20);
        const pubkeyHash = a.id === 0 ? Buffer.alloc(20) : sha256(`zkpay tree vector pkh ${a.id}`).subarray(0, 20);
        const leaves = new Map(a.balances.map(([t, v]) => [BigInt(t), v]));
        const balanceRoot = balanceTree.root(leaves);
        const leaf = H([BigInt(a.nonce), bytesToBigIntBE(pubkeyHash), bytesToBigIntBE(address), balanceRoot]);
        accountLeaves.set(BigInt(a.id), leaf);
        return {
            id: a.id,
            nonce: a.nonce,
            pubkeyHash: hex(pubkeyHash),
            address: hex(address),
            balances: a.balances.map(([t, v]) => [t, v.toString()]),
            balanceRoot: balanceRoot.toString(),
            leaf: leaf.toString(),
            balancePath: a.balances.length ? balanceTree.path(leaves, BigInt(a.balances[0][0])) : [],
        };
    });
    const trees = {
        emptyBalanceRoot: emptyBalanceRoot.toString(),
        emptyAccountLeaf: accountTree.empty[0].toString(),
        emptyStateRoot: accountTree.empty[12].toString(),
        accounts,
        stateRoot: accountTree.root(accountLeaves).toString(),
        accountPaths: [0, 1, 2, 77, 78, (1 << 24) - 1].map((id) => ({
            id,
            siblings: accountTree.path(accountLeaves, BigInt(id)),
        })),
    };

    const doc = {
        generator: "scripts/vectors/circomlibjs_vectors.js",
        circomlibjs: CIRCOMLIBJS_VERSION,
        poseidon: poseidonVectors,
        eddsa: eddsaVectors,
        trees,
    };
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, JSON.stringify(doc, null, 2) + "\n");
    console.log(`wrote ${OUT}: ${poseidonVectors.length} poseidon, ${eddsaVectors.length} eddsa vectors, state trees`);
}

main().then(
    () => process.exit(0),
    (err) => {
        console.error(err);
        process.exit(1);
    },
);

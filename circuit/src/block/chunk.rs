//! The universal chunk gadget: one account/balance update per chunk, the phase (op type and chunk
//! index) selecting which rules and effects apply. See the [module docs](super) for the design and
//! docs/protocol.md §8 for the rules; every rule constraint's path starts with `rule`.

use super::layout::{phase_index, phases, BitSource, OpType, Register, CHUNK_BITS};
use super::witness::{chunk_bits, ChunkWitness};
use crate::gadgets::bits::{alloc_bits_le, from_bits_le};
use crate::gadgets::boolean::{AllocatedBit, Boolean};
use crate::gadgets::const_compare::to_bits_le_strict;
use crate::gadgets::eddsa::eddsa_verify;
use crate::gadgets::equal::{is_equal, is_zero};
use crate::gadgets::float::{unpack_float_bits, unpack_float_bits_unbounded};
use crate::gadgets::merkle::{alloc_siblings, root_from_path};
use crate::gadgets::num::Num;
use crate::gadgets::poseidon::{poseidon_hash, poseidon_hash2};
use crate::gadgets::range::enforce_less_than_pow2;
use crate::{Engine, Fr};
use bellman_ce::pairing::ff::Field;
use bellman_ce::{ConstraintSystem, SynthesisError};
use zkpay_core::field::{fr_from_u128, fr_from_u64};
use zkpay_core::packing::{AMOUNT_FLOAT, FEE_FLOAT};
use zkpay_core::params::{ACCOUNT_ID_BITS, ACCOUNT_TREE_LEVELS, BALANCE_TREE_LEVELS, FEE_SLOTS, MAX_DEPOSIT};

/// Bits of a pubkey hash: the low 160 bits of `H(A.x, A.y)`.
const PKH_BITS: usize = 160;

/// Bits of a deposit amount: MAX_DEPOSIT = 2^104 − 1.
const DEPOSIT_BITS: usize = 104;
const _: () = assert!(MAX_DEPOSIT == (1u128 << DEPOSIT_BITS) - 1);

/// `2^k` as a field element.
pub(crate) fn pow2(k: usize) -> Fr {
    super::witness::shl(Fr::one(), k)
}

/// `Σ parts[i].0 · 2^parts[i].1 + c` (free).
fn shifted_sum(parts: &[(&Num, usize)], c: Fr) -> Num {
    parts.iter().fold(Num::constant(c), |acc, (n, k)| acc.add_mul_const(n, &pow2(*k)))
}

/// Enforce `a · b = 0`.
fn enforce_zero_product<CS: ConstraintSystem<Engine>>(cs: &mut CS, name: &str, a: &Num, b: &Num) {
    cs.enforce(|| name, |_| a.lc(), |_| b.lc(), |lc| lc);
}

/// Enforce `a = b`.
fn enforce_eq<CS: ConstraintSystem<Engine>>(cs: &mut CS, name: &str, a: &Num, b: &Num) {
    cs.enforce(|| name, |_| a.sub(b).lc(), |lc| lc + CS::one(), |lc| lc);
}

/// Enforce `x ≠ 0` when `flag` (a 0/1 value) is 1, as `x · inv = flag` (one constraint).
fn enforce_nonzero_if<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    name: &str,
    x: &Num,
    flag: &Num,
) -> Result<(), SynthesisError> {
    let inv = match (x.value(), flag.value()) {
        (Some(x), Some(f)) if !f.is_zero() => Some(x.inverse().unwrap_or_else(Fr::zero)),
        (Some(_), Some(_)) => Some(Fr::zero()),
        _ => None,
    };
    let inv = Num::alloc(cs.namespace(|| "inv"), inv)?;
    cs.enforce(|| name, |_| x.lc(), |_| inv.lc(), |_| flag.lc());
    Ok(())
}

/// What a chunk leaves for the next one and for the block.
pub(crate) struct ChunkOut {
    /// The phase selectors (one-hot over [`phases`]).
    pub sel: Vec<Boolean>,
    /// The registers (in [`Register::ALL`] order).
    pub regs: Vec<Num>,
    /// State root after the chunk.
    pub new_root: Num,
    /// The chunk's 80 pubdata bits, most significant first.
    pub pubdata: Vec<Boolean>,
    /// Its onchain-bitmap bit.
    pub onchain: Boolean,
    /// The fee it pays into each slot.
    pub fee_to_slot: [Num; FEE_SLOTS],
}

/// What the chunk gadget needs from the block.
pub(crate) struct BlockContextVars<'a> {
    /// Block timestamp.
    pub timestamp: &'a Num,
    /// `domain = chain_id · 2^160 + rollup`, the message's e3.
    pub domain: &'a Num,
    /// The fee slots' tokens.
    pub slot_tokens: &'a [Num; FEE_SLOTS],
    /// Each op type's pubdata bit sources, in [`OpType::ALL`] order.
    pub sources: &'a [Vec<BitSource>],
}

/// Synthesize chunk `i` of `n`. `prev` is the previous chunk (None for the first); `prev_root` the
/// root the chunk starts from (the header's old root for the first chunk).
pub(crate) fn synthesize_chunk<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    i: usize,
    n: usize,
    w: Option<&ChunkWitness>,
    prev: Option<&ChunkOut>,
    prev_root: &Num,
    ctx: &BlockContextVars,
) -> Result<ChunkOut, SynthesisError> {
    let op = w.map(|w| &w.op);
    let all_phases = phases();

    // --- Phase: which op and which of its chunks. One-hot over the 33 phases; the transition
    // rules make the sequence of phases a sequence of whole ops.
    let sel = all_phases
        .iter()
        .map(|p| {
            let v = w.map(|w| w.op.op_type == p.op && w.k == p.k);
            Boolean::alloc(cs.namespace(|| format!("phase {:?} {}", p.op, p.k)), v)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let s = |op: OpType, k: usize| sel[phase_index(op, k)].to_num();
    let ty = |op: OpType| (0..op.chunks()).fold(Num::zero(), |acc, k| acc.add(&s(op, k)));
    let sum = |ps: &mut dyn Iterator<Item = Num>| ps.fold(Num::zero(), |acc, x| acc.add(&x));
    let total = sum(&mut sel.iter().map(|b| b.to_num()));
    enforce_eq(&mut cs, "one phase", &total, &Num::one());
    let first = sum(&mut OpType::ALL.iter().map(|&t| s(t, 0)));
    let cont = Num::one().sub(&first);
    match prev {
        None => enforce_eq(&mut cs, "the block starts with an op", &first, &Num::one()),
        Some(p) => {
            for ph in all_phases.iter().filter(|ph| ph.k > 0) {
                let before = p.sel[phase_index(ph.op, ph.k - 1)].to_num();
                enforce_eq(
                    &mut cs,
                    &format!("{:?} chunk {} follows chunk {}", ph.op, ph.k, ph.k - 1),
                    &s(ph.op, ph.k),
                    &before,
                );
            }
        }
    }
    if i + 1 == n {
        let last = sum(&mut OpType::ALL.iter().map(|&t| s(t, t.chunks() - 1)));
        enforce_eq(&mut cs, "the block ends with a whole op", &last, &Num::one());
    }

    // --- Registers: the op's fields, decomposed (which is also their range check), equal in every
    // chunk of the op.
    let mut reg_bits = Vec::with_capacity(Register::ALL.len());
    let mut regs = Vec::with_capacity(Register::ALL.len());
    for r in Register::ALL {
        let bits = alloc_bits_le(
            cs.namespace(|| format!("register {}", r.name())),
            op.map(|o| o.register(r)),
            r.value_bits(),
        )?;
        let value = from_bits_le(&bits);
        if let Some(p) = prev {
            let d = value.sub(&p.regs[r.index()]);
            cs.enforce(|| format!("carry {}", r.name()), |_| cont.lc(), |_| d.lc(), |lc| lc);
        }
        reg_bits.push(bits);
        regs.push(value);
    }
    let reg = |r: Register| &regs[r.index()];
    let bits_of = |r: Register| &reg_bits[r.index()];

    // --- Pubdata: the chunk's 80 bits equal the slice of its op's pubdata its phase selects.
    let pubdata_values = w.map(|w| chunk_bits(&w.pubdata));
    let pubdata = (0..CHUNK_BITS)
        .map(|m| Boolean::alloc(cs.namespace(|| format!("pubdata bit {m}")), pubdata_values.map(|b| b[m])))
        .collect::<Result<Vec<_>, _>>()?;
    let weight = |m: usize| pow2(CHUNK_BITS - 1 - m);
    let packed = pubdata.iter().enumerate().fold(Num::zero(), |acc, (m, b)| acc.add_mul_const(&b.to_num(), &weight(m)));
    for (c, ph) in all_phases.iter().enumerate() {
        let src = &ctx.sources[OpType::ALL.iter().position(|t| *t == ph.op).expect("listed")];
        let expected =
            src[ph.k * CHUNK_BITS..(ph.k + 1) * CHUNK_BITS].iter().enumerate().fold(Num::zero(), |acc, (m, bit)| {
                match *bit {
                    BitSource::Const(false) => acc,
                    BitSource::Const(true) => acc.add_constant(&weight(m)),
                    BitSource::Reg(r, j) => acc.add_mul_const(&bits_of(r)[j].to_num(), &weight(m)),
                }
            });
        let sel_c = sel[c].to_num();
        cs.enforce(
            || format!("pubdata of {:?} chunk {}", ph.op, ph.k),
            |_| sel_c.lc(),
            |_| expected.sub(&packed).lc(),
            |lc| lc,
        );
    }
    let onchain = Boolean::alloc(cs.namespace(|| "onchain bit"), w.map(|w| w.onchain))?;
    let onchain_expected = sum(&mut OpType::ALL.iter().filter(|t| t.is_onchain()).map(|&t| s(t, 0)));
    enforce_eq(&mut cs, "onchain bit of the phase", &onchain.to_num(), &onchain_expected);

    // --- The leaf before: (id, token) = (A or B, Token), proven under the previous root.
    let leaf = w.map(|w| &w.leaf);
    let old_nonce = Num::alloc(cs.namespace(|| "old nonce"), leaf.map(|l| fr_from_u64(l.nonce as u64)))?;
    let old_pkh = Num::alloc(cs.namespace(|| "old pkh"), leaf.map(|l| l.pkh.to_fr()))?;
    let old_address = Num::alloc(cs.namespace(|| "old address"), leaf.map(|l| l.address.to_fr()))?;
    let old_balance = Num::alloc(cs.namespace(|| "old balance"), leaf.map(|l| fr_from_u128(l.balance)))?;
    let balance_siblings =
        alloc_siblings(cs.namespace(|| "balance path"), BALANCE_TREE_LEVELS, |i| leaf.map(|l| l.balance_path[i]))?;
    let account_siblings =
        alloc_siblings(cs.namespace(|| "account path"), ACCOUNT_TREE_LEVELS, |i| leaf.map(|l| l.account_path[i]))?;
    let use_b = s(OpType::Transfer, 1).add(&s(OpType::TransferToNew, 1)).add(&s(OpType::ForcedExit, 1));
    let mut index_bits = Vec::with_capacity(ACCOUNT_ID_BITS);
    for h in 0..ACCOUNT_ID_BITS {
        let (a, b) = (&bits_of(Register::A)[h], &bits_of(Register::B)[h]);
        let v = match (use_b.value(), a.value(), b.value()) {
            (Some(u), Some(a), Some(b)) => Some(if u.is_zero() { a } else { b }),
            _ => None,
        };
        // bit = a + use_b · (b − a): a boolean because a, b and use_b are.
        let bit = AllocatedBit::alloc_unconstrained(cs.namespace(|| format!("leaf index bit {h}")), v)?;
        let bit = Boolean::Is(bit);
        let (an, bn, bitn) = (a.to_num(), b.to_num(), bit.to_num());
        cs.enforce(
            || format!("leaf index bit {h} selects"),
            |_| use_b.lc(),
            |_| bn.sub(&an).lc(),
            |_| bitn.sub(&an).lc(),
        );
        index_bits.push(bit);
    }
    let token_bits = bits_of(Register::Token);
    let old_balance_root =
        root_from_path(cs.namespace(|| "old balance root"), &old_balance, token_bits, &balance_siblings)?;
    let old_leaf = poseidon_hash(
        cs.namespace(|| "old leaf"),
        &[old_nonce.clone(), old_pkh.clone(), old_address.clone(), old_balance_root],
    )?;
    let old_root = root_from_path(cs.namespace(|| "old root"), &old_leaf, &index_bits, &account_siblings)?;
    enforce_eq(&mut cs, "old root continues the chain", &old_root, prev_root);

    // --- Rules. Flags are linear in the phase selectors.
    let sig_chunk = sum(&mut OpType::ALL.iter().filter(|t| t.is_l2()).map(|&t| s(t, 0)));
    let cpk0 = s(OpType::ChangePubKey, 0);
    let old_address_is_zero = is_zero(cs.namespace(|| "old address is zero"), &old_address)?;
    let old_address_zero = old_address_is_zero.to_num();

    // Signer checks (docs/protocol.md §8.1), for the first chunk of an L2 tx.
    enforce_zero_product(&mut cs, "rule signer account exists", &sig_chunk, &old_address_zero);
    enforce_nonzero_if(cs.namespace(|| "signer key"), "rule signer has a key", &old_pkh, &sig_chunk.sub(&cpk0))?;
    let nonce = reg(Register::Nonce);
    cs.enforce(|| "rule nonce matches the account", |_| sig_chunk.lc(), |_| nonce.sub(&old_nonce).lc(), |lc| lc);
    let max_nonce = Num::constant(fr_from_u64(u32::MAX as u64));
    enforce_nonzero_if(
        cs.namespace(|| "nonce exhausted"),
        "rule nonce not exhausted",
        &nonce.sub(&max_nonce),
        &sig_chunk,
    )?;
    let timestamp = ctx.timestamp;
    let since = sig_chunk.mul(cs.namespace(|| "timestamp - valid_from"), &timestamp.sub(reg(Register::ValidFrom)))?;
    enforce_less_than_pow2(cs.namespace(|| "rule not yet valid"), &since, 64)?;
    let left = sig_chunk.mul(cs.namespace(|| "valid_until - timestamp"), &reg(Register::ValidUntil).sub(timestamp))?;
    enforce_less_than_pow2(cs.namespace(|| "rule expired"), &left, 64)?;

    // The signed message M (docs/protocol.md §9.1) and the signature.
    let (a, token, pa, pf) =
        (reg(Register::A), reg(Register::Token), reg(Register::PackedAmount), reg(Register::PackedFee));
    let (amount, address, pkh) = (reg(Register::Amount), reg(Register::Address), reg(Register::Pkh));
    let transfer_like = ty(OpType::Transfer).add(&ty(OpType::TransferToNew));
    let e0_transfer = shifted_sum(
        &[(a, 104), (token, 88), (nonce, 56), (pa, 16), (pf, 0)],
        pow2(136).mul_by(OpType::Transfer.opcode()),
    );
    let e0_withdraw = shifted_sum(
        &[(a, 192), (token, 176), (nonce, 144), (pf, 128), (amount, 0)],
        pow2(224).mul_by(OpType::Withdraw.opcode()),
    );
    let e0_short =
        shifted_sum(&[(a, 64), (token, 48), (nonce, 16), (pf, 0)], pow2(96).mul_by(OpType::ChangePubKey.opcode()));
    let e0 = transfer_like
        .mul(cs.namespace(|| "e0 transfer"), &e0_transfer)?
        .add(&ty(OpType::Withdraw).mul(cs.namespace(|| "e0 withdraw"), &e0_withdraw)?)
        .add(&ty(OpType::ChangePubKey).add(&ty(OpType::ForcedExit)).mul(cs.namespace(|| "e0 short"), &e0_short)?)
        // ForcedExit's type byte is ChangePubKey's plus one.
        .add_mul_const(&ty(OpType::ForcedExit), &pow2(96));
    let e1 = address.add(&ty(OpType::ChangePubKey).mul(cs.namespace(|| "e1"), &pkh.sub(address))?);
    let e2 = shifted_sum(&[(reg(Register::ValidFrom), 64), (reg(Register::ValidUntil), 0)], Fr::zero());
    let msg = poseidon_hash(cs.namespace(|| "message"), &[e0, e1, e2, ctx.domain.clone()])?;
    let sig = op.map(|o| o.sig);
    let ax = Num::alloc(cs.namespace(|| "A.x"), sig.map(|s| s.pk.x))?;
    let ay = Num::alloc(cs.namespace(|| "A.y"), sig.map(|s| s.pk.y))?;
    let rx = Num::alloc(cs.namespace(|| "R8.x"), sig.map(|s| s.r8.x))?;
    let ry = Num::alloc(cs.namespace(|| "R8.y"), sig.map(|s| s.r8.y))?;
    let ss = Num::alloc(cs.namespace(|| "S"), sig.map(|s| s.s))?;
    let valid = eddsa_verify(cs.namespace(|| "signature"), (&ax, &ay), (&rx, &ry), &ss, &msg)?;
    cs.enforce(|| "rule signature valid", |_| sig_chunk.lc(), |_| Num::one().sub(&valid.to_num()).lc(), |lc| lc);
    let key_hash = poseidon_hash2(cs.namespace(|| "key hash"), &ax, &ay)?;
    let key_hash_bits = to_bits_le_strict(cs.namespace(|| "key hash bits"), &key_hash)?;
    let key_pkh = from_bits_le(&key_hash_bits[..PKH_BITS]);
    // ChangePubKey is signed by the key it installs, every other tx by the account's key.
    let pkh_change = cpk0.mul(cs.namespace(|| "pkh change"), &pkh.sub(&old_pkh))?;
    let signer_pkh = old_pkh.add(&pkh_change);
    cs.enforce(
        || "rule signer key matches the account",
        |_| sig_chunk.lc(),
        |_| key_pkh.sub(&signer_pkh).lc(),
        |lc| lc,
    );

    // Amounts and fees.
    let fee = unpack_float_bits(cs.namespace(|| "fee"), bits_of(Register::PackedFee), &FEE_FLOAT)?;
    let unpacked =
        unpack_float_bits_unbounded(cs.namespace(|| "packed amount"), bits_of(Register::PackedAmount), &AMOUNT_FLOAT)?;
    cs.enforce(
        || "rule transfer amount is the packed amount",
        |_| transfer_like.lc(),
        |_| amount.sub(&unpacked).lc(),
        |lc| lc,
    );

    // Op rules (docs/protocol.md §8.2–§8.7).
    let needs_address = ty(OpType::Deposit)
        .add(&ty(OpType::TransferToNew))
        .add(&ty(OpType::Transfer))
        .add(&ty(OpType::Withdraw))
        .add(&ty(OpType::ChangePubKey));
    enforce_nonzero_if(cs.namespace(|| "address nonzero"), "rule address is not zero", address, &needs_address)?;
    let dep0 = s(OpType::Deposit, 0);
    let own_or_empty = old_address.mul(cs.namespace(|| "deposit target"), &old_address.sub(address))?;
    enforce_zero_product(&mut cs, "rule deposit into an empty or own account", &dep0, &own_or_empty);
    let high_bits = bits_of(Register::Amount)[DEPOSIT_BITS..].iter().fold(Num::zero(), |acc, b| acc.add(&b.to_num()));
    enforce_zero_product(&mut cs, "rule deposit at most MAX_DEPOSIT", &dep0, &high_bits);
    enforce_nonzero_if(cs.namespace(|| "deposit nonzero"), "rule deposit not zero", amount, &dep0)?;
    enforce_zero_product(&mut cs, "rule recipient address matches", &s(OpType::Transfer, 1), &old_address.sub(address));
    enforce_zero_product(
        &mut cs,
        "rule new account leaf is empty",
        &s(OpType::TransferToNew, 1),
        &Num::one().sub(&old_address_zero),
    );
    enforce_zero_product(&mut cs, "rule change pubkey account address", &cpk0, &old_address.sub(address));
    let owner_matches = is_equal(cs.namespace(|| "owner matches"), &old_address, address)?;
    let pays = Boolean::and(cs.namespace(|| "full exit pays"), &owner_matches, &old_address_is_zero.not())?;
    let full_exit_amount = pays.to_num().mul(cs.namespace(|| "full exit amount"), &old_balance)?;
    enforce_zero_product(&mut cs, "rule full exit amount", &s(OpType::FullExit, 0), &amount.sub(&full_exit_amount));
    let fx1 = s(OpType::ForcedExit, 1);
    enforce_zero_product(&mut cs, "rule forced exit target exists", &fx1, &old_address_zero);
    enforce_zero_product(&mut cs, "rule forced exit target address", &fx1, &old_address.sub(address));
    enforce_zero_product(&mut cs, "rule forced exit target has no key", &fx1, &old_pkh);
    enforce_zero_product(&mut cs, "rule forced exit amount is the target balance", &fx1, &amount.sub(&old_balance));

    // Fee slot: the first chunk of an L2 tx puts its fee into exactly one slot of its token.
    let slot_values: Vec<Option<bool>> =
        (0..FEE_SLOTS).map(|k| w.map(|w| w.k == 0 && w.op.op_type.is_l2() && w.op.fee_slot == Some(k))).collect();
    let mut fee_to_slot: [Num; FEE_SLOTS] = std::array::from_fn(|_| Num::zero());
    let mut slots_taken = Num::zero();
    for (k, v) in slot_values.into_iter().enumerate() {
        let bit = Boolean::alloc(cs.namespace(|| format!("fee slot {k}")), v)?.to_num();
        enforce_zero_product(&mut cs, &format!("rule fee slot {k} token"), &bit, &ctx.slot_tokens[k].sub(token));
        fee_to_slot[k] = bit.mul(cs.namespace(|| format!("fee to slot {k}")), &fee)?;
        slots_taken = slots_taken.add(&bit);
    }
    enforce_eq(&mut cs, "rule fee takes one slot", &slots_taken, &sig_chunk);

    // --- Effects.
    let plus = s(OpType::Deposit, 0).add(&s(OpType::Transfer, 1)).add(&s(OpType::TransferToNew, 1));
    let minus = s(OpType::Transfer, 0)
        .add(&s(OpType::TransferToNew, 0))
        .add(&s(OpType::Withdraw, 0))
        .add(&s(OpType::FullExit, 0))
        .add(&fx1);
    let amount_delta = plus.sub(&minus).mul(cs.namespace(|| "amount delta"), amount)?;
    let fee_delta = sig_chunk.mul(cs.namespace(|| "fee delta"), &fee)?;
    let new_balance = old_balance.add(&amount_delta).sub(&fee_delta);
    enforce_less_than_pow2(cs.namespace(|| "rule balance stays in u128"), &new_balance, 128)?;
    let new_nonce = old_nonce.add(&sig_chunk);
    let new_pkh = signer_pkh;
    let sets_address = dep0.add(&s(OpType::TransferToNew, 1));
    let new_address =
        old_address.add(&sets_address.mul(cs.namespace(|| "address change"), &address.sub(&old_address))?);
    let new_balance_root =
        root_from_path(cs.namespace(|| "new balance root"), &new_balance, token_bits, &balance_siblings)?;
    let new_leaf = poseidon_hash(cs.namespace(|| "new leaf"), &[new_nonce, new_pkh, new_address, new_balance_root])?;
    let new_root = root_from_path(cs.namespace(|| "new root"), &new_leaf, &index_bits, &account_siblings)?;

    Ok(ChunkOut { sel, regs, new_root, pubdata, onchain, fee_to_slot })
}

/// Small helper: multiply a field constant by a small integer.
trait MulBy {
    fn mul_by(self, k: u8) -> Fr;
}

impl MulBy for Fr {
    fn mul_by(mut self, k: u8) -> Fr {
        self.mul_assign(&fr_from_u64(k as u64));
        self
    }
}

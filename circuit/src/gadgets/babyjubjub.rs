//! Baby Jubjub (EIP-2494) point arithmetic in the circuit, equal to `zkpay_core::babyjubjub`.
//!
//! Points are affine twisted-Edwards coordinates held as [`Num`]s. Because `d` is a non-square
//! (and `a` a square), the addition law is complete for points on the curve: the denominators
//! `1 ± d·x1x2y1y2` never vanish, so no identity/doubling/negation special cases are needed, and the
//! identity `(0, 1)` can sit in look-up tables like any other point. Divisions allocate the quotient
//! and constrain `q · den = num` (one constraint); for points on the curve `den ≠ 0`, so the
//! quotient is unique.
//!
//! Costs: [`PointVar::add`] 6 constraints (3 if one operand is constant), [`PointVar::double`] 5,
//! [`PointVar::enforce_on_curve`] 3, [`PointVar::mul_bits_le`] (variable base, 2-bit windows)
//! 11 + 22 per window after the first, [`FixedBaseTable::mul`] (3-bit windows of constants)
//! 3 per window + 6 per addition.
//!
//! Every gadget here assumes its input points are on the curve (callers enforce it once, with
//! [`PointVar::enforce_on_curve`], on points that come from outside): the doubling formula uses the
//! curve equation, and off the curve the divisions may have no or many solutions.

use super::boolean::Boolean;
use super::equal::is_equal;
use super::num::Num;
use super::select::select;
use crate::{Engine, Fr};
use bellman_ce::pairing::ff::Field;
use bellman_ce::{ConstraintSystem, SynthesisError};
use zkpay_core::babyjubjub::{ExtendedPoint, Point, A_COEFF, D_COEFF};
use zkpay_core::field::fr_from_u64;

fn coeff_a() -> Fr {
    fr_from_u64(A_COEFF)
}

fn coeff_d() -> Fr {
    fr_from_u64(D_COEFF)
}

/// `num / den` as a new variable `q` with `q · den = num` (one constraint); both constant: a
/// constant. A zero denominator (impossible for points on the curve) gets the witness 0, which
/// satisfies the constraint only if `num = 0` too.
fn div<CS: ConstraintSystem<Engine>>(mut cs: CS, num: &Num, den: &Num) -> Result<Num, SynthesisError> {
    let quotient = |n: Fr, d: Fr| {
        d.inverse().map_or_else(Fr::zero, |inv| {
            let mut q = n;
            q.mul_assign(&inv);
            q
        })
    };
    if let (Some(n), Some(d)) = (num.constant_value(), den.constant_value()) {
        return Ok(Num::constant(quotient(n, d)));
    }
    let value = num.value().zip(den.value()).map(|(n, d)| quotient(n, d));
    let q = Num::alloc(cs.namespace(|| "quotient"), value)?;
    cs.enforce(|| "q*den=num", |_| q.lc(), |_| den.lc(), |_| num.lc());
    Ok(q)
}

/// A Baby Jubjub point in the circuit (affine coordinates).
#[derive(Clone, Debug)]
pub struct PointVar {
    /// The x coordinate.
    pub x: Num,
    /// The y coordinate.
    pub y: Num,
}

impl PointVar {
    /// The point with the given coordinates (no constraint; see [`PointVar::enforce_on_curve`]).
    pub fn new(x: Num, y: Num) -> PointVar {
        PointVar { x, y }
    }

    /// A constant point (no variables).
    pub fn constant(p: &Point) -> PointVar {
        PointVar { x: Num::constant(p.x), y: Num::constant(p.y) }
    }

    /// The identity `(0, 1)`, as a constant.
    pub fn identity() -> PointVar {
        PointVar::constant(&Point::identity())
    }

    /// Two new private variables holding `value`'s coordinates, with no constraint.
    pub fn alloc<CS: ConstraintSystem<Engine>>(mut cs: CS, value: Option<Point>) -> Result<PointVar, SynthesisError> {
        Ok(PointVar {
            x: Num::alloc(cs.namespace(|| "x"), value.map(|p| p.x))?,
            y: Num::alloc(cs.namespace(|| "y"), value.map(|p| p.y))?,
        })
    }

    /// The witness value.
    pub fn value(&self) -> Option<Point> {
        Some(Point { x: self.x.value()?, y: self.y.value()? })
    }

    /// The point if both coordinates are constants.
    pub fn constant_value(&self) -> Option<Point> {
        Some(Point { x: self.x.constant_value()?, y: self.y.constant_value()? })
    }

    /// Enforce the curve equation `a·x² + y² = 1 + d·x²·y²` (3 constraints: x², y² and
    /// `(d·x²)·y² = a·x² + y² − 1`). Does not check subgroup membership.
    pub fn enforce_on_curve<CS: ConstraintSystem<Engine>>(&self, mut cs: CS) -> Result<(), SynthesisError> {
        let xx = self.x.square(cs.namespace(|| "x^2"))?;
        let yy = self.y.square(cs.namespace(|| "y^2"))?;
        let rhs = xx.scale(&coeff_a()).add(&yy).sub(&Num::one());
        cs.enforce(|| "d*x^2*y^2=a*x^2+y^2-1", |_| xx.scale(&coeff_d()).lc(), |_| yy.lc(), |_| rhs.lc());
        Ok(())
    }

    /// `self + other` with the complete affine law (6 constraints, 3 if one operand is constant,
    /// none if both are):
    /// β = x1·y2, γ = y1·x2, δ = (y1 − a·x1)·(x2 + y2), τ = β·γ,
    /// x3 = (β + γ)/(1 + d·τ), y3 = (δ + a·β − γ)/(1 − d·τ).
    pub fn add<CS: ConstraintSystem<Engine>>(&self, mut cs: CS, other: &PointVar) -> Result<PointVar, SynthesisError> {
        if let (Some(p), Some(q)) = (self.constant_value(), other.constant_value()) {
            return Ok(PointVar::constant(&p.to_extended().add(&q.to_extended()).to_affine()));
        }
        let (a, d) = (coeff_a(), coeff_d());
        let beta = self.x.mul(cs.namespace(|| "x1*y2"), &other.y)?;
        let gamma = self.y.mul(cs.namespace(|| "y1*x2"), &other.x)?;
        let delta = self.y.sub(&self.x.scale(&a)).mul(cs.namespace(|| "(y1-a*x1)*(x2+y2)"), &other.x.add(&other.y))?;
        let tau = beta.mul(cs.namespace(|| "beta*gamma"), &gamma)?;
        let d_tau = tau.scale(&d);
        let x = div(cs.namespace(|| "x3"), &beta.add(&gamma), &Num::one().add(&d_tau))?;
        let y = div(cs.namespace(|| "y3"), &delta.add_mul_const(&beta, &a).sub(&gamma), &Num::one().sub(&d_tau))?;
        Ok(PointVar { x, y })
    }

    /// `2·self` (5 constraints, none for a constant). On the curve `1 + d·x²y² = a·x² + y²`, so
    /// x3 = 2xy/(a·x² + y²) and y3 = (y² − a·x²)/(2 − a·x² − y²): three products instead of
    /// the four of a general addition. Correct only for points on the curve.
    pub fn double<CS: ConstraintSystem<Engine>>(&self, mut cs: CS) -> Result<PointVar, SynthesisError> {
        if let Some(p) = self.constant_value() {
            return Ok(PointVar::constant(&p.to_extended().double().to_affine()));
        }
        let a = coeff_a();
        let two = fr_from_u64(2);
        let xy = self.x.mul(cs.namespace(|| "x*y"), &self.y)?;
        let xx = self.x.square(cs.namespace(|| "x^2"))?;
        let yy = self.y.square(cs.namespace(|| "y^2"))?;
        let axx = xx.scale(&a);
        let x = div(cs.namespace(|| "x3"), &xy.scale(&two), &axx.add(&yy))?;
        let y = div(cs.namespace(|| "y3"), &yy.sub(&axx), &Num::constant(two).sub(&axx).sub(&yy))?;
        Ok(PointVar { x, y })
    }

    /// `cond ? a : b` (2 constraints, none for a constant condition).
    pub fn select<CS: ConstraintSystem<Engine>>(
        mut cs: CS,
        cond: &Boolean,
        a: &PointVar,
        b: &PointVar,
    ) -> Result<PointVar, SynthesisError> {
        Ok(PointVar {
            x: select(cs.namespace(|| "x"), cond, &a.x, &b.x)?,
            y: select(cs.namespace(|| "y"), cond, &a.y, &b.y)?,
        })
    }

    /// Enforce `self == other` (2 constraints).
    pub fn enforce_equal<CS: ConstraintSystem<Engine>>(&self, mut cs: CS, other: &PointVar) {
        self.x.enforce_equal(cs.namespace(|| "x"), &other.x);
        self.y.enforce_equal(cs.namespace(|| "y"), &other.y);
    }

    /// The flag `self == other` (5 constraints: two equality flags and their AND).
    pub fn is_equal<CS: ConstraintSystem<Engine>>(
        &self,
        mut cs: CS,
        other: &PointVar,
    ) -> Result<Boolean, SynthesisError> {
        let ex = is_equal(cs.namespace(|| "x"), &self.x, &other.x)?;
        let ey = is_equal(cs.namespace(|| "y"), &self.y, &other.y)?;
        Boolean::and(cs.namespace(|| "x and y"), &ex, &ey)
    }

    /// `k·self` for `k = Σ 2^i·bits[i]` (any number of bits; `self` on the curve), most significant
    /// 2-bit window first: `acc ← 4·acc + T[w]` with the table `T = [O, P, 2P, 3P]` (2P and 3P cost
    /// 11 constraints) and a 2-level select per window (6). Each window after the first costs
    /// 2 doublings + 1 addition + the look-up = 22 constraints, 11 per bit, against 13 for plain
    /// double-and-add (a 3-bit window would cost 35 per 3 bits: 14 selects for 8 variable entries).
    pub fn mul_bits_le<CS: ConstraintSystem<Engine>>(
        &self,
        mut cs: CS,
        bits: &[Boolean],
    ) -> Result<PointVar, SynthesisError> {
        if bits.is_empty() {
            return Ok(PointVar::identity());
        }
        let p2 = self.double(cs.namespace(|| "2P"))?;
        let p3 = p2.add(cs.namespace(|| "3P"), self)?;
        let table = [PointVar::identity(), self.clone(), p2, p3];
        let zero = Boolean::Constant(false);
        let mut acc: Option<PointVar> = None;
        for (j, w) in bits.chunks(2).enumerate().rev() {
            let mut cs = cs.namespace(|| format!("window {j}"));
            let (b0, b1) = (&w[0], w.get(1).unwrap_or(&zero));
            let lo = PointVar::select(cs.namespace(|| "T0 or T1"), b0, &table[1], &table[0])?;
            let hi = PointVar::select(cs.namespace(|| "T2 or T3"), b0, &table[3], &table[2])?;
            let t = PointVar::select(cs.namespace(|| "lo or hi"), b1, &hi, &lo)?;
            acc = Some(match acc {
                None => t,
                Some(acc) => {
                    let acc = acc.double(cs.namespace(|| "2acc"))?.double(cs.namespace(|| "4acc"))?;
                    acc.add(cs.namespace(|| "4acc+T"), &t)?
                }
            });
        }
        Ok(acc.expect("at least one window"))
    }
}

/// Precomputed multiples of a constant base point for [`FixedBaseTable::mul`]: window `j` holds
/// `k·8^j·B` for k = 0..8.
#[derive(Clone, Debug)]
pub struct FixedBaseTable {
    windows: Vec<[Point; 8]>,
}

impl FixedBaseTable {
    /// The table for scalars of up to `bits` bits (⌈bits/3⌉ windows; natively, 8 additions and one
    /// inversion per entry).
    pub fn new(base: &Point, bits: usize) -> FixedBaseTable {
        let mut b = base.to_extended();
        let windows = (0..bits.div_ceil(3))
            .map(|_| {
                let mut row = [ExtendedPoint::identity(); 8];
                for k in 1..8 {
                    row[k] = row[k - 1].add(&b);
                }
                b = row[7].add(&b);
                row.map(|p| p.to_affine())
            })
            .collect();
        FixedBaseTable { windows }
    }

    /// The number of scalar bits the table covers.
    pub fn max_bits(&self) -> usize {
        3 * self.windows.len()
    }

    /// `k·B` for `k = Σ 2^i·bits[i]` (at most [`FixedBaseTable::max_bits`] bits): per 3-bit window
    /// one AND (`b0·b1`) makes each coordinate of the constant look-up `g(b0, b1) + b2·(h − g)` with
    /// g, h linear, one constraint each; the window points are then summed (6 constraints per
    /// addition). 9 constraints per window, 3 per bit.
    pub fn mul<CS: ConstraintSystem<Engine>>(&self, mut cs: CS, bits: &[Boolean]) -> Result<PointVar, SynthesisError> {
        assert!(bits.len() <= self.max_bits(), "{} bits exceed the table's {}", bits.len(), self.max_bits());
        let zero = Boolean::Constant(false);
        let mut acc: Option<PointVar> = None;
        for (j, w) in bits.chunks(3).enumerate() {
            let mut cs = cs.namespace(|| format!("window {j}"));
            let b = [&w[0], w.get(1).unwrap_or(&zero), w.get(2).unwrap_or(&zero)];
            let t = lookup3(cs.namespace(|| "lookup"), b, &self.windows[j])?;
            acc = Some(match acc {
                None => t,
                Some(acc) => acc.add(cs.namespace(|| "acc+T"), &t)?,
            });
        }
        Ok(acc.unwrap_or_else(PointVar::identity))
    }
}

/// `table[b0 + 2·b1 + 4·b2]` for constant points (3 constraints, fewer with constant bits).
fn lookup3<CS: ConstraintSystem<Engine>>(
    mut cs: CS,
    b: [&Boolean; 3],
    table: &[Point; 8],
) -> Result<PointVar, SynthesisError> {
    let b0 = b[0].to_num();
    let b1 = b[1].to_num();
    let b01 = Boolean::and(cs.namespace(|| "b0*b1"), b[0], b[1])?.to_num();
    // The multilinear interpolation of four constants in (b0, b1): linear once b0·b1 is known.
    let interp = |c: [Fr; 4]| {
        let sub = |x: Fr, y: &Fr| {
            let mut r = x;
            r.sub_assign(y);
            r
        };
        let mut c11 = sub(sub(c[3], &c[2]), &c[1]);
        c11.add_assign(&c[0]);
        Num::constant(c[0])
            .add_mul_const(&b0, &sub(c[1], &c[0]))
            .add_mul_const(&b1, &sub(c[2], &c[0]))
            .add_mul_const(&b01, &c11)
    };
    let mut coord = |name: &str, f: fn(&Point) -> Fr| -> Result<Num, SynthesisError> {
        let g = interp([f(&table[0]), f(&table[1]), f(&table[2]), f(&table[3])]);
        let h = interp([f(&table[4]), f(&table[5]), f(&table[6]), f(&table[7])]);
        Ok(g.add(&b[2].to_num().mul(cs.namespace(|| name.to_string()), &h.sub(&g))?))
    };
    let x = coord("x", |p| p.x)?;
    let y = coord("y", |p| p.y)?;
    Ok(PointVar { x, y })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_cs::TestConstraintSystem;
    use crate::test_util::{random_fr, rng};
    use rand::Rng;
    use zkpay_core::babyjubjub::SUBGROUP_ORDER;
    use zkpay_core::field::fr_to_limbs;

    fn random_point<R: Rng>(r: &mut R) -> Point {
        let k: [u64; 4] = [r.gen(), r.gen(), r.gen(), r.gen::<u64>() >> 4];
        Point::b8().mul_scalar(&k)
    }

    fn native_add(p: &Point, q: &Point) -> Point {
        p.to_extended().add(&q.to_extended()).to_affine()
    }

    fn alloc_point(cs: &mut TestConstraintSystem, name: &str, p: Point) -> PointVar {
        PointVar::alloc(cs.namespace(|| name.to_string()), Some(p)).unwrap()
    }

    fn alloc_bits(cs: &mut TestConstraintSystem, name: &str, k: &[u64; 4], n: usize) -> Vec<Boolean> {
        (0..n)
            .map(|i| {
                Boolean::alloc(cs.namespace(|| format!("{name} {i}")), Some((k[i / 64] >> (i % 64)) & 1 == 1)).unwrap()
            })
            .collect()
    }

    #[test]
    fn add_double_and_on_curve_match_core_with_counts() {
        let mut r = rng(20);
        // Random subgroup points, the identity, a point and its negation, a point plus itself, and
        // points outside the subgroup (adding the order-2 point (0, −1)).
        let mut minus_one = Fr::one();
        minus_one.negate();
        let t2 = Point { x: Fr::zero(), y: minus_one };
        assert!(t2.is_on_curve());
        let mut cases = vec![];
        for _ in 0..8 {
            let (p, q) = (random_point(&mut r), random_point(&mut r));
            cases.push((p, q));
            cases.push((p, p));
            cases.push((p, p.neg()));
            cases.push((p, Point::identity()));
            cases.push((native_add(&p, &t2), q));
        }
        for (p, q) in cases {
            let mut cs = TestConstraintSystem::new();
            let pv = alloc_point(&mut cs, "p", p);
            let qv = alloc_point(&mut cs, "q", q);
            pv.enforce_on_curve(cs.namespace(|| "p on curve")).unwrap();
            assert_eq!(cs.num_constraints(), 3);
            let sum = pv.add(cs.namespace(|| "p+q"), &qv).unwrap();
            assert_eq!(cs.num_constraints(), 9);
            let dbl = pv.double(cs.namespace(|| "2p")).unwrap();
            assert_eq!(cs.num_constraints(), 14);
            let with_const = pv.add(cs.namespace(|| "p+const q"), &PointVar::constant(&q)).unwrap();
            // τ = β·γ is free too when γ = y1·0 (adding the constant identity).
            assert_eq!(cs.num_constraints(), if q.x == Fr::zero() { 16 } else { 17 });
            assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
            assert_eq!(sum.value(), Some(native_add(&p, &q)));
            assert_eq!(with_const.value(), Some(native_add(&p, &q)));
            assert_eq!(dbl.value(), Some(p.to_extended().double().to_affine()));
            // A wrong result coordinate is caught.
            cs.set("p+q/x3/quotient/num", random_fr(&mut r));
            assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("p+q/x3/q*den=num"));
        }
        // Constants stay constants.
        let mut cs = TestConstraintSystem::new();
        let (p, q) = (random_point(&mut r), random_point(&mut r));
        let s = PointVar::constant(&p).add(cs.namespace(|| "c"), &PointVar::constant(&q)).unwrap();
        assert_eq!(s.constant_value(), Some(native_add(&p, &q)));
        assert_eq!(cs.num_constraints(), 0);
    }

    #[test]
    fn off_curve_points_fail_the_curve_check() {
        let mut r = rng(21);
        let p = random_point(&mut r);
        let mut y = p.y;
        y.add_assign(&Fr::one());
        let mut cs = TestConstraintSystem::new();
        let pv = alloc_point(&mut cs, "p", Point { x: p.x, y });
        pv.enforce_on_curve(cs.namespace(|| "on curve")).unwrap();
        assert_eq!(cs.which_is_unsatisfied().as_deref(), Some("on curve/d*x^2*y^2=a*x^2+y^2-1"));
    }

    #[test]
    fn variable_base_multiplication_matches_core() {
        let mut r = rng(22);
        let mut ks: Vec<[u64; 4]> = (0..6).map(|_| [r.gen(), r.gen(), r.gen(), r.gen::<u64>() >> 2]).collect();
        ks.push([0; 4]);
        ks.push([1, 0, 0, 0]);
        ks.push(SUBGROUP_ORDER);
        ks.push(fr_to_limbs(&{
            let mut m = Fr::one();
            m.negate();
            m
        }));
        for (i, k) in ks.iter().enumerate() {
            let mut p = random_point(&mut r);
            if i % 2 == 1 {
                // Also a point with a small-order component.
                let mut minus_one = Fr::one();
                minus_one.negate();
                p = native_add(&p, &Point { x: Fr::zero(), y: minus_one });
            }
            let mut cs = TestConstraintSystem::new();
            let pv = alloc_point(&mut cs, "p", p);
            let bits = alloc_bits(&mut cs, "k", k, 254);
            let before = cs.num_constraints();
            let out = pv.mul_bits_le(cs.namespace(|| "k*P"), &bits).unwrap();
            // 11 for the table, 6 for the first window, 22 for each of the other 126.
            assert_eq!(cs.num_constraints() - before, 11 + 6 + 22 * 126);
            assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
            assert_eq!(out.value(), Some(p.mul_scalar(k)), "k #{i}");
        }
        // Odd bit counts pad the top window with a constant zero.
        let p = random_point(&mut r);
        let mut cs = TestConstraintSystem::new();
        let pv = alloc_point(&mut cs, "p", p);
        let bits = alloc_bits(&mut cs, "k", &[0b10111, 0, 0, 0], 5);
        let out = pv.mul_bits_le(cs.namespace(|| "k*P"), &bits).unwrap();
        assert!(cs.is_satisfied());
        assert_eq!(out.value(), Some(p.mul_scalar(&[23, 0, 0, 0])));
    }

    #[test]
    fn fixed_base_multiplication_matches_core() {
        let mut r = rng(23);
        let b8 = Point::b8();
        let table = FixedBaseTable::new(&b8, 251);
        assert_eq!(table.max_bits(), 252);
        let mut ks: Vec<[u64; 4]> = (0..8).map(|_| [r.gen(), r.gen(), r.gen(), r.gen::<u64>() >> 5]).collect();
        ks.push([0; 4]);
        ks.push([7, 0, 0, 0]);
        let mut l_minus_1 = SUBGROUP_ORDER;
        l_minus_1[0] -= 1;
        ks.push(l_minus_1);
        ks.push([u64::MAX, u64::MAX, u64::MAX, (1 << 59) - 1]); // 2^251 − 1
        for k in &ks {
            let mut cs = TestConstraintSystem::new();
            let bits = alloc_bits(&mut cs, "k", k, 251);
            let before = cs.num_constraints();
            let out = table.mul(cs.namespace(|| "k*B8"), &bits).unwrap();
            // 83 full windows (3 + 6 after the first) and a last one of 2 bits, whose third bit
            // is the constant 0 (look-up 1 + addition 6).
            assert_eq!(cs.num_constraints() - before, 3 + 82 * 9 + 7);
            assert!(cs.is_satisfied(), "{:?}", cs.which_is_unsatisfied());
            assert_eq!(out.value(), Some(b8.mul_scalar(k)));
            assert_eq!(out.value(), Some(zkpay_core::babyjubjub::mul_base(k).to_affine()));
        }
        // A flipped bit after synthesis breaks a look-up or an addition downstream of it: pin the
        // result and check.
        let k = ks[0];
        let mut cs = TestConstraintSystem::new();
        let bits = alloc_bits(&mut cs, "k", &k, 251);
        let out = table.mul(cs.namespace(|| "k*B8"), &bits).unwrap();
        out.enforce_equal(cs.namespace(|| "pinned"), &PointVar::constant(&b8.mul_scalar(&k)));
        assert!(cs.is_satisfied());
        let flipped = if cs.get("k 100/bit/value") == Fr::zero() { Fr::one() } else { Fr::zero() };
        cs.set("k 100/bit/value", flipped);
        assert!(!cs.is_satisfied());
    }

    #[test]
    fn select_and_equality_flags() {
        let mut r = rng(24);
        let (p, q) = (random_point(&mut r), random_point(&mut r));
        for c in [false, true] {
            let mut cs = TestConstraintSystem::new();
            let cond = Boolean::alloc(cs.namespace(|| "c"), Some(c)).unwrap();
            let pv = alloc_point(&mut cs, "p", p);
            let qv = alloc_point(&mut cs, "q", q);
            let s = PointVar::select(cs.namespace(|| "sel"), &cond, &pv, &qv).unwrap();
            assert_eq!(s.value(), Some(if c { p } else { q }));
            let eq_p = s.is_equal(cs.namespace(|| "s==p"), &pv).unwrap();
            let eq_q = s.is_equal(cs.namespace(|| "s==q"), &qv).unwrap();
            // The negation shares y but not x.
            let eq_neg = pv.is_equal(cs.namespace(|| "p==-p"), &PointVar::constant(&p.neg())).unwrap();
            assert_eq!((eq_p.value(), eq_q.value(), eq_neg.value()), (Some(c), Some(!c), Some(false)));
            assert_eq!(cs.num_constraints(), 1 + 2 + 3 * 5);
            assert!(cs.is_satisfied());
        }
    }
}

//! Deterministic random streams and small sampling helpers.
//!
//! Every independent piece of the simulation (region layout, manipulation
//! choice, each school-year) draws from its own [`ChaCha8Rng`] stream derived
//! from the user seed with a SplitMix64 hash, so the output never depends on
//! iteration order or on how many numbers another part consumed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// The generator used everywhere in the simulator.
pub type SimRng = ChaCha8Rng;

/// What a stream is used for; part of the stream key.
#[derive(Clone, Copy, Debug)]
pub enum Purpose {
    /// Test blueprints (fixed, independent of the user seed).
    Blueprint = 1,
    /// Municipalities and schools.
    Region = 2,
    /// Which schools manipulate and how they tend to do it.
    SchoolPlan = 3,
    /// Pupils, choices and honest results of one school in one year.
    SchoolYear = 4,
    /// Manipulations applied to one school in one year.
    Manipulation = 5,
    /// The re-scorer's noise in one cell.
    Recheck = 6,
    /// Departures of honest schools from the model (`--misspecified`).
    Misspecification = 7,
    /// Which further schools manipulate across procedures and years.
    ProcedurePlan = 8,
    /// Those schools' manipulations in one year.
    ProcedureManipulation = 9,
    /// The medals of one school's graduates in one year.
    Medals = 10,
    /// The abilities of one school's cohort, the same every year
    /// (`--persistent-codes`).
    Cohort = 11,
}

/// SplitMix64 finaliser: a cheap, well-mixing 64-bit hash.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An independent stream for `(seed, purpose, a, b)`.
pub fn stream(seed: u64, purpose: Purpose, a: u64, b: u64) -> SimRng {
    let p = purpose as u64;
    let key = mix(mix(mix(seed ^ mix(p)) ^ a.wrapping_mul(0xA24B_AED4_963E_E407)) ^ b);
    let mut rng = ChaCha8Rng::seed_from_u64(key);
    rng.set_stream(p);
    rng
}

/// A standard normal draw.
pub fn normal(rng: &mut SimRng) -> f64 {
    rng.sample(StandardNormal)
}

/// A uniform draw in `[0, 1)`.
pub fn unit(rng: &mut SimRng) -> f64 {
    rng.random::<f64>()
}

/// The logistic function.
pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// An index drawn with probability proportional to `weights` (all >= 0,
/// at least one > 0). Falls back to the last positive weight on rounding.
pub fn weighted(rng: &mut SimRng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = unit(rng) * total;
    let mut last = 0;
    for (i, &w) in weights.iter().enumerate() {
        if w <= 0.0 {
            continue;
        }
        last = i;
        if u < w {
            return i;
        }
        u -= w;
    }
    last
}

/// Draws `k` distinct indices with probabilities proportional to `weights`
/// (Efraimidis–Spirakis keys); returned in descending key order.
pub fn weighted_distinct(rng: &mut SimRng, weights: &[f64], k: usize) -> Vec<usize> {
    let mut keys: Vec<(f64, usize)> = weights
        .iter()
        .enumerate()
        .filter(|(_, w)| **w > 0.0)
        .map(|(i, &w)| {
            // ln(u)/w is a monotone transform of u^(1/w); avoids underflow.
            let u = unit(rng).max(f64::MIN_POSITIVE);
            (u.ln() / w, i)
        })
        .collect();
    keys.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
    keys.into_iter().take(k).map(|(_, i)| i).collect()
}

/// Inverse of the standard normal CDF (Acklam's rational approximation,
/// relative error below 1.2e-9).
pub fn probit(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    let lo = 0.02425;
    if p < lo {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - lo {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

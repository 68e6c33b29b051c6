//! Statistical building blocks shared by the signs, one file per method, each
//! with known-answer tests whose expected values were computed with SciPy
//! (the call is written beside each literal).

pub mod agreement;
pub mod betabinom;
pub mod bunching;
pub mod conditional;
pub mod empirical_null;
pub mod identical;
pub mod linked;
pub mod multiple;
pub mod nested;
pub mod profile;
pub mod random_effects;
pub mod random_intercept;
pub mod simes;

use statrs::distribution::{ContinuousCDF, DiscreteCDF, Normal, Poisson};

/// A score rounded to a whole number the way `f32::round` does (halves away
/// from zero), 0 for a negative score or NaN, saturating: `trunc(x)` plus one
/// when the fraction, `x − trunc(x)` (exact in floating point), is at least ½.
/// Without a libm call: the signs round every task score of every work.
pub fn whole_score(x: f32) -> u32 {
    let t = x as u32;
    t.saturating_add(u32::from(x - t as f32 >= 0.5))
}

/// Upper tail of the standard normal, P(Z ≥ z).
pub fn normal_sf(z: f64) -> f64 {
    Normal::standard().sf(z)
}

/// P(X ≥ k) for X ~ Poisson(mean); 1 when k = 0.
pub fn poisson_sf(k: u64, mean: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if mean <= 0.0 {
        return 0.0;
    }
    match Poisson::new(mean) {
        Ok(p) => p.sf(k - 1),
        Err(_) => 1.0,
    }
}

/// Šidák's combination of the smallest of `k` p-values: 1 − (1 − min)^k.
/// Valid for independent and for positively dependent tests (Šidák Z. (1967)
/// Rectangular confidence regions for the means of multivariate normal
/// distributions, JASA 62); unlike the capped Bonferroni min(1, k·min) it has
/// no point mass at 1, so a sign's p-values stay spread over (0, 1] and its
/// empirical null ([`empirical_null`]) is fitted on them, not on a pile at 1.
pub fn sidak_min(p: &[f64]) -> f64 {
    let m = p.iter().copied().fold(1.0_f64, f64::min).clamp(0.0, 1.0);
    -((p.len() as f64) * (-m).ln_1p()).exp_m1()
}

/// Counts of each distinct finite value, sorted by value.
pub fn histogram(values: impl Iterator<Item = f32>) -> Vec<(f32, u64)> {
    let mut v: Vec<f32> = values.filter(|x| x.is_finite()).collect();
    v.sort_by(f32::total_cmp);
    let mut out: Vec<(f32, u64)> = Vec::new();
    for x in v {
        match out.last_mut() {
            Some((y, n)) if *y == x => *n += 1,
            _ => out.push((x, 1)),
        }
    }
    out
}

/// Median of the finite values (None when there are none).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_scores_round_like_the_standard_library() {
        let mut xs = vec![
            0.0f32, 0.5, 1.5, 2.5, 0.49999997, 0.50000006, 99.5, 100.0, 1e6,
        ];
        xs.extend((0..2000).map(|i| i as f32 * 0.0625));
        for x in xs {
            assert_eq!(whole_score(x), x.round() as u32, "{x}");
        }
        for x in [-0.3f32, -2.5, f32::NAN, f32::NEG_INFINITY] {
            assert_eq!(whole_score(x), 0, "{x}");
        }
        assert_eq!(whole_score(f32::INFINITY), u32::MAX);
    }

    #[test]
    fn tails_match_scipy() {
        // scipy.stats.norm.sf(2.3) = 0.010724110021675809
        assert!((normal_sf(2.3) - 0.010724110021675809).abs() < 1e-12);
        // scipy.stats.poisson.sf(3, 0.8) = P(X >= 4) = 0.009079857800153985
        assert!((poisson_sf(4, 0.8) - 0.009079857800153985).abs() < 1e-12);
        assert_eq!(poisson_sf(0, 0.8), 1.0);
        assert_eq!(poisson_sf(2, 0.0), 0.0);
    }

    #[test]
    fn sidak_by_hand() {
        // 1 − 0.99² = 0.0199; 1 − 0.5² = 0.75; 1 − (1 − p)² = 2p − p² exactly
        // for tiny p (no cancellation).
        assert!((sidak_min(&[0.01, 0.3]) - 0.0199).abs() < 1e-15);
        assert!((sidak_min(&[0.5, 0.9]) - 0.75).abs() < 1e-15);
        assert!((sidak_min(&[1e-12, 0.4]) - (2e-12 - 1e-24)).abs() < 1e-27);
        assert_eq!(sidak_min(&[1.0, 1.0]), 1.0);
    }

    #[test]
    fn histogram_counts_distinct_values() {
        let h = histogram([3.0, 1.0, f32::NAN, 3.0, 2.0, 3.0].into_iter());
        assert_eq!(h, [(1.0, 1), (2.0, 1), (3.0, 3)]);
    }

    #[test]
    fn median_even_odd_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[f64::NAN]), None);
    }
}

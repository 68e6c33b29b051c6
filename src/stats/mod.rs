//! Statistical building blocks shared by the signs, one file per method, each
//! with known-answer tests whose expected values were computed with SciPy
//! (the call is written beside each literal).

pub mod agreement;
pub mod betabinom;
pub mod conditional;
pub mod empirical_null;
pub mod identical;
pub mod multiple;
pub mod nested;
pub mod profile;
pub mod random_effects;
pub mod simes;

use statrs::distribution::{ContinuousCDF, DiscreteCDF, Normal, Poisson};

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
    fn tails_match_scipy() {
        // scipy.stats.norm.sf(2.3) = 0.010724110021675809
        assert!((normal_sf(2.3) - 0.010724110021675809).abs() < 1e-12);
        // scipy.stats.poisson.sf(3, 0.8) = P(X >= 4) = 0.009079857800153985
        assert!((poisson_sf(4, 0.8) - 0.009079857800153985).abs() < 1e-12);
        assert_eq!(poisson_sf(0, 0.8), 1.0);
        assert_eq!(poisson_sf(2, 0.0), 0.0);
    }

    #[test]
    fn median_even_odd_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[f64::NAN]), None);
    }
}

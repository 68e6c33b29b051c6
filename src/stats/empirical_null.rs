//! An empirical null for a set of one-sided p-values (Efron 2004).
//!
//! Each p-value becomes z = Φ⁻¹(1 − p), standard normal under the theoretical
//! null. When the model behind the p-values is wrong for the region at hand
//! (overdispersion, heavy-tailed school effects, pupils not independent within a
//! class), the bulk of z over all cells is wider or shifted; Efron's remedy is
//! to fit the null N(δ, σ²) on that bulk and judge each cell against it.
//!
//! Fit: δ = the median of z and σ = IQR(z) / (2 Φ⁻¹(0.75)), a robust version of
//! Efron's central matching (the middle half of the cells decides; a few per cent
//! of manipulated cells in the upper tail move it little). Quantiles are
//! numpy's default (linear, type 7).
//!
//! When more than a quarter of the p-values are 1 (a discrete sign with nothing
//! in its direction in many cells), the lower quartile is −∞ and σ comes from
//! the upper half alone: σ = (Q75 − median) / Φ⁻¹(0.75).
//!
//! Use: the null in force is N(δ, max(σ, 1)²) and the calibrated p-value is
//! max(1 − Φ((z − δ)/σ), p): never below the sign's own p-value, so the
//! calibration can only make a sign more cautious, never bolder (a narrow bulk
//! of conservative p-values does not make it bolder either: σ is at least 1).
//! The centre is the fitted one, also below 0. A discrete sign whose p-values
//! sit above uniform (many near 1) has its bulk low (δ < 0) *and* wide (σ > 1)
//! for one reason, the mass near p = 1; its upper tail is lighter than
//! N(0, 1) (S8 on VPR: δ = −0.94, σ = 1.49, the 99th percentile of z 1.96,
//! not 2.33). Judging it against N(0, σ²), as until stop 24, took the width of
//! a bulk centred at δ without its centre and counted that mass twice
//! (p = 8·10⁻¹⁰ became 2.6·10⁻⁵); against N(δ, σ²) it becomes 1.4·10⁻⁶, still
//! above the sign's own. Where misfit widens a sign (δ ≥ 0, σ > 1) nothing
//! changes. Better still is to fit on p-values without steps: the evidence
//! stage hands a counting sign's p-values in randomized (uniform under its
//! model), and the bulk is then N(0, 1) unless the region departs from the
//! model ([`crate::evidence`]). Fewer than `min_cells` p-values, or a median that is not finite
//! (half of the p-values are 1), leave the theoretical null in force.
//!
//! Efron B. (2004) Large-scale simultaneous hypothesis testing: the choice of a
//! null hypothesis. JASA 99(465), 96–104. Efron B. (2010) Large-Scale Inference,
//! ch. 6. Cambridge University Press.

use statrs::distribution::{ContinuousCDF, Normal};

/// The fitted null of one group of p-values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NullFit {
    /// How many p-values it was fitted on.
    pub n: usize,
    /// Median and robust SD of z, as fitted (NaN when not fitted).
    pub fitted_center: f64,
    pub fitted_scale: f64,
    /// The null in force: the fitted center, scale ≥ 1; (0, 1) when not fitted.
    pub center: f64,
    pub scale: f64,
    /// Whether the empirical null was fitted (else the theoretical one is used).
    pub fitted: bool,
}

impl NullFit {
    /// The theoretical null N(0, 1).
    pub fn theoretical(n: usize) -> NullFit {
        NullFit {
            n,
            fitted_center: f64::NAN,
            fitted_scale: f64::NAN,
            center: 0.0,
            scale: 1.0,
            fitted: false,
        }
    }

    /// Fits the null on `p` (values outside 0..1 and NaN are ignored).
    pub fn fit(p: &[f64], min_cells: usize) -> NullFit {
        let mut z: Vec<f64> = p
            .iter()
            .filter(|x| (0.0..=1.0).contains(*x))
            .map(|&x| z_of(x))
            .collect();
        let n = z.len();
        if n < min_cells.max(4) {
            return NullFit::theoretical(n);
        }
        z.sort_unstable_by(f64::total_cmp);
        let (q25, med, q75) = (quantile(&z, 0.25), quantile(&z, 0.5), quantile(&z, 0.75));
        if !(q75.is_finite() && med.is_finite()) {
            return NullFit::theoretical(n);
        }
        let half = Normal::standard().inverse_cdf(0.75);
        // A point mass at p = 1 (a discrete sign: no work in its direction)
        // leaves the lower quartile at −∞; the upper half then gives the scale.
        let scale = if q25.is_finite() {
            (q75 - q25) / (2.0 * half)
        } else {
            (q75 - med) / half
        };
        NullFit {
            n,
            fitted_center: med,
            fitted_scale: scale,
            center: med,
            scale: scale.max(1.0),
            fitted: true,
        }
    }

    /// The p-value of `p` against this null.
    pub fn calibrate(&self, p: f64) -> f64 {
        let z = z_of(p.clamp(0.0, 1.0));
        if z == f64::NEG_INFINITY {
            return 1.0;
        }
        Normal::standard()
            .sf((z - self.center) / self.scale)
            .max(p.clamp(0.0, 1.0))
    }
}

/// z = Φ⁻¹(1 − p), computed from the upper tail so that tiny p stay exact.
fn z_of(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::INFINITY;
    }
    if p >= 1.0 {
        return f64::NEG_INFINITY;
    }
    -Normal::standard().inverse_cdf(p)
}

/// Linear-interpolation quantile of sorted values (numpy's default).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    if lo == hi {
        return sorted[lo];
    }
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: [f64; 16] = [
        0.5, 0.2, 0.8, 0.05, 0.6, 0.35, 0.9, 0.01, 0.45, 0.7, 0.3, 0.15, 1e-6, 0.55, 0.25, 0.65,
    ];

    #[test]
    fn fit_matches_numpy() {
        // z = scipy.stats.norm.isf(P); numpy.median(z) = 0.2554909066313209,
        // numpy.percentile(z, [25, 75]) = [-0.2863404439537417, 0.8903242725531331],
        // IQR / (2 norm.ppf(0.75)) = 0.8722628595651789.
        let f = NullFit::fit(&P, 10);
        assert!(f.fitted);
        assert!((f.fitted_center - 0.2554909066313209).abs() < 1e-9);
        assert!((f.fitted_scale - 0.8722628595651789).abs() < 1e-9);
        // In force: center 0.255…, scale floored at 1.
        assert_eq!(f.scale, 1.0);
        // norm.sf(norm.isf(1e-6) - 0.2554909066313209) = 3.4308591361446542e-06
        assert!((f.calibrate(1e-6) / 3.4308591361446542e-06 - 1.0).abs() < 1e-6);
        // norm.sf(norm.isf(0.01) - 0.2554909066313209) = 0.01918608232866608
        assert!((f.calibrate(0.01) - 0.01918608232866608).abs() < 1e-9);
        assert_eq!(f.calibrate(1.0), 1.0);
    }

    #[test]
    fn overdispersion_widens_the_null() {
        // z at the 41 normal scores of N(0.5, 1.5²): p = norm.sf(z). Fitted
        // median 0.5, IQR-SD 1.4575985143819183 (numpy, type-7 quantiles);
        // norm.sf((norm.isf(0.001) - 0.5) / 1.4575985143819183) = 0.03777961933629366.
        let n = 41;
        let p: Vec<f64> = (1..=n)
            .map(|i| {
                let u = (f64::from(i) - 0.5) / f64::from(n);
                let z = 0.5 + 1.5 * Normal::standard().inverse_cdf(u);
                Normal::standard().sf(z)
            })
            .collect();
        let f = NullFit::fit(&p, 10);
        assert!((f.center - 0.5).abs() < 1e-9);
        assert!((f.scale - 1.4575985143819183).abs() < 1e-9);
        assert!((f.calibrate(0.001) - 0.03777961933629366).abs() < 1e-9);
    }

    #[test]
    fn too_few_or_too_discrete_keep_the_theoretical_null() {
        let f = NullFit::fit(&P[..5], 10);
        assert!(!f.fitted);
        assert!((f.calibrate(0.01) - 0.01).abs() < 1e-12);
        let mostly_one = [1.0; 12]
            .iter()
            .chain(&[0.5, 0.1, 0.01])
            .copied()
            .collect::<Vec<_>>();
        assert!(!NullFit::fit(&mostly_one, 10).fitted);
        // A third at p = 1: the upper half decides. z = norm.isf of 5 ones and
        // P[..10]: numpy.median(z) = -0.5244005127080407, numpy.percentile(z, 75)
        // = 0.2554909066313209 (the −∞ values only shift the ranks);
        // σ = (Q75 − median) / norm.ppf(0.75) = 1.1562687485060201.
        let third: Vec<f64> = [1.0; 5].iter().chain(&P[..10]).copied().collect();
        let f = NullFit::fit(&third, 10);
        assert!(f.fitted);
        assert!((f.fitted_center + 0.5244005127080407).abs() < 1e-9, "{f:?}");
        assert!((f.fitted_scale - 1.1562687485060201).abs() < 1e-9, "{f:?}");
        assert_eq!(f.center, f.fitted_center);
        // Judged against N(−0.5244005, 1.1562687²): p = 1e-6 (z = 4.7534243)
        // gives Φ̄((4.7534243 + 0.5244005) / 1.1562687) = Φ̄(4.5645312) =
        // 2.5030583e-6 (Python, 0.5·math.erfc(x/√2)), above its own 1e-6;
        // p = 0.05 (z = 1.6448536) gives Φ̄(1.8760813) = 0.030322 < 0.05, so
        // the sign's own 0.05 stays.
        let got = f.calibrate(1e-6);
        assert!((got / 2.5030583e-6 - 1.0).abs() < 1e-6, "{got}");
        assert_eq!(f.calibrate(0.05), 0.05);
        // A narrow, low bulk (conservative p-values) never makes the null bolder.
        let narrow: Vec<f64> = (0..50).map(|i| 0.6 + 0.004 * f64::from(i)).collect();
        let f = NullFit::fit(&narrow, 10);
        assert!(f.fitted);
        assert_eq!(f.scale, 1.0);
        for p in [0.2, 0.01, 1e-4, 1e-12] {
            assert_eq!(f.calibrate(p), p);
        }
    }
}

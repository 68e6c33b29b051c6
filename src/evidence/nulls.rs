//! Step 1 of [`super`]: the empirical null of each marking sign per exam,
//! fitted on the p-values of its evaluated cells (a stepped p-value made
//! continuous first).

use std::collections::BTreeSet;

use crate::model::Exam;
use crate::signs::{REGISTRY, SignResults};
use crate::stats::empirical_null::NullFit;

use super::SignNull;

/// A number in (0, 1) fixed by the sign and the cell (SplitMix64 of the
/// pair: Steele, Lea & Flood 2014), the same at any thread count and input
/// row order: the randomization of a stepped p-value for the null's fit.
fn uniform(sign: usize, cell: usize) -> f64 {
    let mut z = ((sign as u64) << 40 ^ cell as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// P(T > t) + u · (P(T ≥ t) − P(T > t)): a stepped p-value made continuous
/// for the null's fit (the p-value itself where there are no steps).
fn randomized(p: f64, next: Option<f64>, u: f64) -> f64 {
    next.map_or(p, |next| next + u * (p - next).max(0.0))
}

/// The null of each marking sign per exam present, fitted on the p-values of
/// its evaluated cells; a stepped p-value P(T ≥ t) enters the fit as
/// P(T > t) + U · P(T = t), U uniform (Habiger & Peña 2011): uniform under
/// the sign's model, so that the steps (many p-values of exactly 1, say)
/// neither widen the null nor move its centre, and what is left is the
/// region's departure from the model.
pub(super) fn fit_nulls(
    results: &SignResults,
    exam_of: &[Exam],
    min_cells: usize,
) -> Vec<SignNull> {
    let exams: BTreeSet<Exam> = exam_of.iter().copied().collect();
    let mut out = Vec::new();
    for (s, sign) in REGISTRY.iter().enumerate() {
        if !sign.marks_cell() {
            continue;
        }
        let p_of = |exam: Option<Exam>| -> Vec<f64> {
            (results.findings[s].iter().zip(exam_of).enumerate())
                .filter(|(_, (f, e))| f.evaluated && exam.is_none_or(|x| x == **e))
                .filter_map(|(i, (f, _))| {
                    let p = f.p_value()?;
                    Some(randomized(p, f.p_next(), uniform(s, i)))
                })
                .collect()
        };
        let all = NullFit::fit(&p_of(None), min_cells);
        for &exam in &exams {
            let own = NullFit::fit(&p_of(Some(exam)), min_cells);
            let (fit, source) = if sign.null_of_its_own() {
                (NullFit::theoretical(own.n), "sign")
            } else if own.fitted {
                (own, "exam")
            } else if all.fitted {
                (all, "all exams")
            } else {
                (own, "theoretical")
            };
            out.push(SignNull {
                sign: s,
                exam,
                fit,
                source,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts drawn exactly from Binomial(12, 0.2) (the quantiles of 20 000
    /// evenly spaced levels): their p-values P(X ≥ x) have steps, with a
    /// quarter of them at p ≈ 1 … 0.93. Randomized within each step they are
    /// uniform (Habiger & Peña 2011, Lemma 1), so the fitted null must be
    /// N(0, 1) up to the sampling error of a median and an IQR of 20 000
    /// values (≈ 0.01 and 0.02); the raw p-values give a wide, low bulk.
    #[test]
    fn randomized_steps_fit_the_theoretical_null() {
        use statrs::distribution::{Binomial, DiscreteCDF};
        let b = Binomial::new(0.2, 12).unwrap();
        let sf = |x: u64| if x == 0 { 1.0 } else { b.sf(x - 1) };
        let n = 20_000;
        let counts: Vec<u64> = (0..n)
            .map(|i| b.inverse_cdf((i as f64 + 0.5) / n as f64))
            .collect();
        let raw: Vec<f64> = counts.iter().map(|&x| sf(x)).collect();
        let smooth: Vec<f64> = (counts.iter().enumerate())
            .map(|(i, &x)| randomized(sf(x), Some(sf(x + 1)), uniform(3, i)))
            .collect();
        let fit = NullFit::fit(&smooth, 100);
        assert!(fit.fitted_center.abs() < 0.03, "{fit:?}");
        assert!((fit.fitted_scale - 1.0).abs() < 0.05, "{fit:?}");
        let steps = NullFit::fit(&raw, 100);
        assert!(
            steps.fitted_scale > 1.2 || steps.fitted_center < -0.2,
            "{steps:?}"
        );
        // The U of a sign and a cell is fixed, in (0, 1), and spread evenly.
        assert_eq!(uniform(3, 17), uniform(3, 17));
        let mean = (0..n).map(|i| uniform(5, i)).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.01 && (0..n).all(|i| (0.0..1.0).contains(&uniform(5, i))));
        // No steps: the p-value itself.
        assert_eq!(randomized(0.3, None, 0.9), 0.3);
    }
}

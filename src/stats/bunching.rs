//! Region-wide bunching at the mark cut-offs: how many works a whole region
//! piles on each cut-off score beyond what a smooth distribution would hold —
//! a figure for the region's policy that no list of schools shows.
//!
//! **Counterfactual** (Chetty R., Friedman J.N., Olsen T., Pistaferri L. (2011)
//! Adjustment costs, firm responses, and micro vs. macro labor supply
//! elasticities. QJE 126(2); Kleven H.J. (2016) Bunching. Annual Review of
//! Economics 8; Dee T.S., Dobbie W., Jacob B.A., Rockoff J. (2019) The causes
//! and consequences of test score manipulation. AEJ: Applied 11(3)): the
//! region's counts h_s of works per primary score s = 0..max are fitted by a
//! polynomial of degree 4 in x = 2s/max − 1 by least squares, leaving out the
//! manipulable window of every cut-off c, [c − d, c] with d the cut-off sign's
//! width (works a point or two short lifted onto c), and the floor and ceiling
//! scores (0 and the maximum, where piles are ordinary). The excess at c is B =
//! h_c − ĥ_c: the works on the cut-off beyond the smooth fit.
//!
//! **Interval**: schools, not pupils, decide to lift works, so the uncertainty
//! is that of resampling schools (a cluster bootstrap). B is linear in the
//! counts, B = Σ_k b_k over the test's cells k (b_k = the same contrast computed
//! on cell k's own counts), and the school bootstrap's variance of a sum of K
//! resampled cells is exactly Σ_k (b_k − b̄)²; the interval is B ± 1.96 of its
//! square root (the bootstrap's closed form, so no replicates and no seed).
//! Too few scores outside the windows (fewer than 2 per coefficient) lower the
//! degree; fewer than 4 such scores give nothing.

/// The excess of works on one cut-off of one test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Excess {
    /// The cut-off score.
    pub cut: usize,
    /// Works on the cut-off score.
    pub at: f64,
    /// The smooth fit's count there.
    pub expected: f64,
    /// at − expected.
    pub excess: f64,
    /// Its standard error with schools resampled.
    pub se: f64,
}

impl Excess {
    /// The 95 % interval of the excess.
    pub fn interval(&self) -> (f64, f64) {
        (self.excess - 1.96 * self.se, self.excess + 1.96 * self.se)
    }
}

/// Degree of the counterfactual polynomial.
const DEGREE: usize = 4;

/// Per cut-off (in the order given), the excess at it; `cells` are per-cell
/// counts per score 0..=max (each of length max + 1), `d` the window below a
/// cut-off. None when too few scores remain outside the windows.
pub fn estimate(cells: &[Vec<f64>], cuts: &[usize], d: usize) -> Option<Vec<Excess>> {
    let bins = cells.first()?.len();
    if bins < 2 || cells.iter().any(|c| c.len() != bins) {
        return None;
    }
    let max = bins - 1;
    let excluded = |s: usize| s == 0 || s == max || cuts.iter().any(|&c| s <= c && s + d >= c);
    let fit: Vec<usize> = (0..bins).filter(|&s| !excluded(s)).collect();
    if fit.len() < 4 {
        return None;
    }
    let degree = DEGREE.min(fit.len() / 2 - 1);
    let basis = |s: usize| -> Vec<f64> {
        let x = 2.0 * s as f64 / max as f64 - 1.0;
        (0..=degree).map(|j| x.powi(j as i32)).collect()
    };
    // XᵀX over the fitted scores.
    let k = degree + 1;
    let mut xtx = vec![0.0; k * k];
    for &s in &fit {
        let phi = basis(s);
        for a in 0..k {
            for b in 0..k {
                xtx[a * k + b] += phi[a] * phi[b];
            }
        }
    }
    let total: Vec<f64> = (0..bins)
        .map(|s| cells.iter().map(|c| c[s]).sum())
        .collect();
    cuts.iter()
        .filter(|&&c| c < bins)
        .map(|&c| {
            // ĥ_c = Σ_{s∈fit} a_s h_s with a_s = φ(s)ᵀ (XᵀX)⁻¹ φ(c).
            let g = solve(&xtx, &basis(c), k)?;
            let weights: Vec<(usize, f64)> = (fit.iter())
                .map(|&s| (s, basis(s).iter().zip(&g).map(|(p, q)| p * q).sum()))
                .collect();
            let contrast = |h: &[f64]| h[c] - weights.iter().map(|&(s, a)| a * h[s]).sum::<f64>();
            let excess = contrast(&total);
            let b: Vec<f64> = cells.iter().map(|h| contrast(h)).collect();
            let mean = excess / b.len() as f64;
            let var: f64 = b.iter().map(|x| (x - mean).powi(2)).sum();
            Some(Excess {
                cut: c,
                at: total[c],
                expected: total[c] - excess,
                excess,
                se: var.sqrt(),
            })
        })
        .collect()
}

/// Solves the k × k system `m` x = `v` by Gaussian elimination with partial
/// pivoting; None when singular.
fn solve(m: &[f64], v: &[f64], k: usize) -> Option<Vec<f64>> {
    let mut a: Vec<Vec<f64>> = (0..k)
        .map(|i| {
            let mut row = m[i * k..(i + 1) * k].to_vec();
            row.push(v[i]);
            row
        })
        .collect();
    for col in 0..k {
        let pivot = (col..k).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        let top = a[col].clone();
        for (row, r) in a.iter_mut().enumerate() {
            if row != col {
                let f = r[col] / top[col];
                for (x, t) in r.iter_mut().zip(&top).skip(col) {
                    *x -= f * t;
                }
            }
        }
    }
    Some((0..k).map(|i| a[i][k] / a[i][i]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth count: 100 + 3s − 0.1s² (a quadratic, which the degree-4 fit
    /// reproduces exactly), times `scale`.
    fn smooth(scale: f64) -> Vec<f64> {
        (0..=30)
            .map(|s| scale * (100.0 + 3.0 * s as f64 - 0.1 * (s * s) as f64))
            .collect()
    }

    #[test]
    fn recovers_a_pile_on_a_smooth_count_and_its_school_interval() {
        // Two cells, each half the smooth count; the first also moved 40 works
        // from 13 and 14 (20 each) onto the cut-off 15. Worked by hand: the fit
        // outside [13, 15] (d = 2), 0 and 30 is exactly the quadratic, so
        // ĥ_15 = 100 + 45 − 22.5 = 122.5 and B = 40; per cell b = (40, 0), so
        // the school-bootstrap variance is (40 − 20)² + (0 − 20)² = 800.
        let mut first = smooth(0.5);
        first[15] += 40.0;
        first[14] -= 20.0;
        first[13] -= 20.0;
        let second = smooth(0.5);
        let e = estimate(&[first, second], &[15], 2).unwrap();
        assert_eq!(e.len(), 1);
        let e = e[0];
        assert_eq!(e.cut, 15);
        assert!((e.at - 162.5).abs() < 1e-9, "{e:?}");
        assert!((e.expected - 122.5).abs() < 1e-6, "{e:?}");
        assert!((e.excess - 40.0).abs() < 1e-6, "{e:?}");
        assert!((e.se - 800f64.sqrt()).abs() < 1e-6, "{e:?}");
        let (lo, hi) = e.interval();
        assert!((lo - (40.0 - 1.96 * 800f64.sqrt())).abs() < 1e-6 && hi > lo);
    }

    #[test]
    fn several_cut_offs_are_left_out_together_and_a_smooth_count_has_no_excess() {
        let e = estimate(&[smooth(1.0), smooth(2.0)], &[8, 15, 24], 1).unwrap();
        assert_eq!(e.len(), 3);
        for x in e {
            assert!(x.excess.abs() < 1e-6 && x.se < 1e-6, "{x:?}");
        }
        // Too short a scale: nothing left to fit.
        assert_eq!(estimate(&[vec![1.0; 5]], &[2], 1), None);
        assert_eq!(estimate(&[], &[2], 1), None);
    }

    #[test]
    fn solves_a_small_system() {
        // 2x + y = 5, x + 3y = 10 → x = 1, y = 3.
        let x = solve(&[2.0, 1.0, 1.0, 3.0], &[5.0, 10.0], 2).unwrap();
        assert!((x[0] - 1.0).abs() < 1e-12 && (x[1] - 3.0).abs() < 1e-12);
        assert_eq!(solve(&[1.0, 2.0, 2.0, 4.0], &[1.0, 2.0], 2), None);
    }
}

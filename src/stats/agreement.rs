//! Agreement between two ordinal ratings: quadratic-weighted kappa.
//!
//! Cohen J. (1968) Weighted kappa. Psychological Bulletin 70(4), 213–220.
//! κ_w = 1 − Σ w_ij O_ij / Σ w_ij E_ij with w_ij = (i − j)² / (k − 1)², O the
//! observed and E the expected (independent marginals) contingency tables.

/// Quadratic-weighted kappa of two mark vectors on 2..5 (pairs with a 0 skipped).
/// None when fewer than 2 pairs or when the expected disagreement is 0
/// (all marks equal on one side: kappa is undefined).
pub fn quadratic_kappa(a: &[u8], b: &[u8]) -> Option<f64> {
    const K: usize = 4;
    let mut o = [[0f64; K]; K];
    let mut n = 0f64;
    for (&x, &y) in a.iter().zip(b) {
        if (2..=5).contains(&x) && (2..=5).contains(&y) {
            o[usize::from(x - 2)][usize::from(y - 2)] += 1.0;
            n += 1.0;
        }
    }
    if n < 2.0 {
        return None;
    }
    let rows: Vec<f64> = (0..K).map(|i| o[i].iter().sum()).collect();
    let cols: Vec<f64> = (0..K).map(|j| (0..K).map(|i| o[i][j]).sum()).collect();
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..K {
        for j in 0..K {
            let w = ((i as f64 - j as f64) / (K as f64 - 1.0)).powi(2);
            num += w * o[i][j];
            den += w * rows[i] * cols[j] / n;
        }
    }
    (den > 0.0).then(|| 1.0 - num / den)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer() {
        // numpy by the formula above: a = [2,3,4,5,5,4,3,3], b = [3,3,4,5,4,4,4,3]
        // -> 0.7391304347826086
        let a = [2, 3, 4, 5, 5, 4, 3, 3];
        let b = [3, 3, 4, 5, 4, 4, 4, 3];
        assert!((quadratic_kappa(&a, &b).unwrap() - 0.7391304347826086).abs() < 1e-12);
        assert_eq!(quadratic_kappa(&[4, 4, 4], &[4, 4, 4]), None);
        assert_eq!(quadratic_kappa(&[4], &[5]), None);
    }
}

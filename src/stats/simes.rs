//! Simes' combination of p-values, with the ones that decide it.
//!
//! For m p-values sorted ascending, p_S = min_i m · p_(i) / i. Under the global
//! null it is a valid p-value for independent tests (Simes 1986) and for
//! positively dependent ones (PRDS: Sarkar 1998), such as the cells of one
//! school or the signs read from the same works; it never exceeds the
//! Bonferroni bound m · p_(1) and gains when several p-values are small
//! together. The *decisive* p-values are the i* smallest, i* the largest rank
//! at which the minimum is reached: they carry the combined evidence, and the
//! report names them.
//!
//! Simes R. J. (1986) An improved Bonferroni procedure for multiple tests of
//! significance. Biometrika 73(3), 751–754. Sarkar S. K. (1998) Some
//! probability inequalities for ordered MTP2 random variables: a proof of the
//! Simes conjecture. Annals of Statistics 26(2), 494–504.

/// The combined p-value and the positions (into `p`) of the decisive p-values,
/// smallest first. `None` for an empty list.
pub fn simes(p: &[f64]) -> Option<(f64, Vec<usize>)> {
    if p.is_empty() {
        return None;
    }
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    let m = p.len() as f64;
    let mut best = f64::INFINITY;
    let mut rank = 0;
    for (i, &k) in order.iter().enumerate() {
        let v = m * p[k] / (i + 1) as f64;
        if v <= best {
            best = v;
            rank = i + 1;
        }
    }
    order.truncate(rank);
    Some((best.min(1.0), order))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers_by_hand() {
        // Sorted 0.005, 0.01, 0.03, 0.04, 0.2; m p_(i) / i = 0.025, 0.025, 0.05,
        // 0.05, 0.2: p_S = 0.025, reached last at rank 2 (p = 0.005 at 4, 0.01 at 0).
        let (p, decisive) = simes(&[0.01, 0.04, 0.03, 0.2, 0.005]).unwrap();
        assert!((p - 0.025).abs() < 1e-15);
        assert_eq!(decisive, [4, 0]);
        // One strong p-value among weak ones: Bonferroni, 3 × 0.001.
        let (p, decisive) = simes(&[0.9, 0.001, 0.5]).unwrap();
        assert!((p - 0.003).abs() < 1e-15);
        assert_eq!(decisive, [1]);
        // Many moderate ones together: 4 × 0.02 / 4 = 0.02 beats 4 × 0.01 = 0.04.
        let (p, decisive) = simes(&[0.02, 0.01, 0.015, 0.02]).unwrap();
        assert!((p - 0.02).abs() < 1e-15);
        assert_eq!(decisive.len(), 4);
        // Capped at 1; empty.
        assert_eq!(simes(&[1.0, 1.0]).unwrap().0, 1.0);
        assert!(simes(&[]).is_none());
    }
}

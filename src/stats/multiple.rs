//! Multiple-testing control: Benjamini–Hochberg q-values (adjusted p-values).
//!
//! Benjamini Y., Hochberg Y. (1995) Controlling the false discovery rate.
//! JRSS B 57(1), 289–300. q_(i) = min_{j ≥ i} min(1, m p_(j) / j) over the
//! p-values sorted ascending; the same as R `p.adjust(p, "BH")` and SciPy
//! `false_discovery_control(p, method="bh")`.

/// BH q-values for `p` (None entries are skipped and stay None).
pub fn bh_qvalues(p: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_some()).collect();
    let m = idx.len() as f64;
    // Sort by p, ties by position, so the result does not depend on anything else.
    idx.sort_unstable_by(|&a, &b| {
        p[a].unwrap_or(1.0)
            .total_cmp(&p[b].unwrap_or(1.0))
            .then(a.cmp(&b))
    });
    let mut q = vec![None; p.len()];
    let mut running = 1.0f64;
    for (rank, &i) in idx.iter().enumerate().rev() {
        let v = (p[i].unwrap_or(1.0) * m / (rank as f64 + 1.0)).min(1.0);
        running = running.min(v);
        q[i] = Some(running);
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_scipy() {
        // scipy.stats.false_discovery_control([0.01, 0.04, 0.03, 0.20, 0.005], method='bh')
        // = [0.025, 0.05, 0.05, 0.2, 0.025]
        let p = [
            Some(0.01),
            Some(0.04),
            None,
            Some(0.03),
            Some(0.20),
            Some(0.005),
        ];
        let q = bh_qvalues(&p);
        let want = [
            Some(0.025),
            Some(0.05),
            None,
            Some(0.05),
            Some(0.2),
            Some(0.025),
        ];
        for (a, b) in q.iter().zip(want) {
            match (a, b) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-12, "{a} vs {b}"),
                (a, b) => assert_eq!(*a, b),
            }
        }
        assert!(bh_qvalues(&[]).is_empty());
    }
}

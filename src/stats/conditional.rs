//! The regional conditional mean of a response given an ordered predictor (a
//! mark, a primary score), for residuals "what the region's pupils with the same
//! predictor got".
//!
//! The distinct predictor values are sorted and grouped, from the lowest up,
//! into bins of consecutive values holding at least `min_per_bin` observations
//! (a short last bin is merged into the one before), so a rare value (a mark 2,
//! a top score) borrows its neighbours' mean instead of resting on a handful of
//! pupils. The conditional mean of a bin is the plain mean of its responses, as
//! in a regressogram (Tukey 1961; Härdle W. (1990) Applied Nonparametric
//! Regression, §1.1).

#[derive(Clone, Debug, PartialEq)]
pub struct ConditionalMean {
    /// (largest predictor value of the bin, mean response, number of pairs),
    /// by predictor.
    bins: Vec<(f64, f64, usize)>,
}

impl ConditionalMean {
    /// From (predictor, response) pairs; non-finite pairs are skipped. None
    /// when fewer than `min_per_bin` pairs remain (min_per_bin ≥ 1).
    pub fn build(pairs: &[(f64, f64)], min_per_bin: usize) -> Option<ConditionalMean> {
        let mut v: Vec<(f64, f64)> = pairs
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        let min = min_per_bin.max(1);
        if v.len() < min {
            return None;
        }
        v.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        // (upper value, sum, count) of bins; a bin closes at a change of value.
        let mut bins: Vec<(f64, f64, usize)> = Vec::new();
        let mut open = (f64::NAN, 0.0, 0usize);
        for (i, &(x, y)) in v.iter().enumerate() {
            open = (x, open.1 + y, open.2 + 1);
            let value_ends = v.get(i + 1).is_none_or(|next| next.0 != x);
            if value_ends && open.2 >= min {
                bins.push(open);
                open = (f64::NAN, 0.0, 0);
            }
        }
        if open.2 > 0 {
            // A short last bin joins the previous one (there is one: v.len() >= min).
            let last = bins.last_mut().expect("at least one full bin");
            *last = (open.0, last.1 + open.1, last.2 + open.2);
        }
        Some(ConditionalMean {
            bins: bins
                .into_iter()
                .map(|(x, s, n)| (x, s / n as f64, n))
                .collect(),
        })
    }

    /// The conditional mean at predictor value `x` (the bin holding it; beyond
    /// the largest value seen, the last bin).
    pub fn mean(&self, x: f64) -> f64 {
        self.bins[self.bin(x)].1
    }

    /// The bin holding predictor value `x` (0..n_bins; beyond the largest
    /// value seen, the last).
    pub fn bin(&self, x: f64) -> usize {
        self.bins
            .partition_point(|b| b.0 < x)
            .min(self.bins.len() - 1)
    }

    /// The mean response of bin `b` and its number of pairs.
    pub fn bin_mean(&self, b: usize) -> (f64, usize) {
        (self.bins[b].1, self.bins[b].2)
    }

    pub fn n_bins(&self) -> usize {
        self.bins.len()
    }

    /// (largest predictor value, mean response) of each bin, by predictor.
    pub fn bins(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.bins.iter().map(|&(x, m, _)| (x, m))
    }

    /// From published bins (largest predictor value, mean response), sorted
    /// by predictor (another folder's: a region's, from reference.csv); the
    /// numbers of pairs are not known and read as 0. None when empty.
    pub fn of_bins(bins: &[(f64, f64)]) -> Option<ConditionalMean> {
        (!bins.is_empty()).then(|| ConditionalMean {
            bins: bins.iter().map(|&(x, m)| (x, m, 0)).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_pool_sparse_values() {
        // x: 2 (1 pair), 3 (3), 4 (2), 5 (1); min 3 per bin:
        // bin {2, 3}: mean of 1, 2, 4, 6 = 3.25; bin {4, 5}: (8 + 10 + 12) / 3 = 10.
        let pairs = [
            (3.0, 2.0),
            (2.0, 1.0),
            (3.0, 4.0),
            (4.0, 8.0),
            (3.0, 6.0),
            (5.0, 12.0),
            (4.0, 10.0),
        ];
        let c = ConditionalMean::build(&pairs, 3).unwrap();
        assert_eq!(c.n_bins(), 2);
        assert_eq!(c.mean(2.0), 3.25);
        assert_eq!(c.mean(3.0), 3.25);
        assert_eq!(c.mean(4.0), 10.0);
        assert_eq!(c.mean(5.0), 10.0);
        assert_eq!(c.mean(9.0), 10.0); // beyond the range: last bin
        assert_eq!(c.mean(0.0), 3.25); // below: first bin
        // One value per bin when every value is frequent enough.
        let c = ConditionalMean::build(&pairs, 1).unwrap();
        assert_eq!(c.n_bins(), 4);
        assert_eq!(c.mean(3.0), 4.0);
    }

    #[test]
    fn order_does_not_matter_and_edge_cases() {
        let pairs = [(1.0, 5.0), (1.0, 7.0), (2.0, 1.0), (f64::NAN, 3.0)];
        let mut rev = pairs;
        rev.reverse();
        assert_eq!(
            ConditionalMean::build(&pairs, 2),
            ConditionalMean::build(&rev, 2)
        );
        // All responses equal: a constant mean; too few pairs: None.
        let c = ConditionalMean::build(&[(1.0, 3.0), (2.0, 3.0), (3.0, 3.0)], 1).unwrap();
        assert_eq!(c.mean(2.0), 3.0);
        assert_eq!(ConditionalMean::build(&pairs, 4), None);
    }
}

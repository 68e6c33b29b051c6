//! The beta-binomial distribution as the predictive distribution of a count in
//! a cell when the underlying share varies from school to school.
//!
//! A cell's count X of n works (say, works whose exam mark is below the journal
//! mark) is binomial given the school's own share π, and π varies between
//! schools as Beta(α, β). X is then beta-binomial: mean n p, variance
//! n p (1 − p) (1 + (n − 1) ρ) with p = α / (α + β), ρ = 1 / (α + β + 1).
//! Testing a cell against this distribution, rather than against Binomial(n, p),
//! does not flag a school for the ordinary school-to-school variation.
//!
//! Fit: moment estimator (Kleinman 1973; Williams 1975): p̂ = Σx / Σn, and from
//! the Pearson residuals r_i = (x_i − n_i p̂)² / (n_i p̂ (1 − p̂)), whose expectation
//! is 1 + (n_i − 1) ρ, ρ̂ = (Σ r_i − (k − 1)) / Σ (n_i − 1), clamped to
//! [1e-6, 0.5]. Manipulated cells in the fit only widen it (conservative).

use statrs::function::beta::ln_beta;
use statrs::function::factorial::ln_binomial;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BetaBinomial {
    pub alpha: f64,
    pub beta: f64,
}

impl BetaBinomial {
    pub fn pmf(&self, k: u64, n: u64) -> f64 {
        if k > n {
            return 0.0;
        }
        self.ln_pmf(k, n).exp()
    }

    fn ln_pmf(&self, k: u64, n: u64) -> f64 {
        ln_binomial(n, k) + ln_beta(k as f64 + self.alpha, (n - k) as f64 + self.beta)
            - ln_beta(self.alpha, self.beta)
    }

    /// Σ pmf(j) for j in `from..=to` (`to ≤ n`): the first term from the
    /// log-gamma functions, each next one by the ratio of successive terms,
    /// pmf(j + 1) / pmf(j) = (n − j)(j + α) / ((j + 1)(n − j − 1 + β)). The
    /// terms are summed relative to the first (no logarithm and exponential
    /// per term), rescaled when they grow past 10²⁰⁰ on the way up to the
    /// mode, so a first term that underflows alone still sums right.
    fn sum_pmf(&self, from: u64, to: u64, n: u64) -> f64 {
        let mut ln_unit = self.ln_pmf(from, n);
        let (mut term, mut sum) = (1.0f64, 0.0f64);
        let nf = n as f64;
        for j in from..=to {
            sum += term;
            if j < to {
                let j = j as f64;
                term *= (nf - j) * (j + self.alpha) / ((j + 1.0) * (nf - j - 1.0 + self.beta));
                if term > 1e200 {
                    ln_unit += term.ln();
                    sum /= term;
                    term = 1.0;
                }
            }
        }
        // On the log scale: e^ln_unit alone may underflow where the sum does not.
        (sum.ln() + ln_unit).exp()
    }

    /// P(X ≥ k); exactly 1 at k = 0 (a sum of the pmf falls short of 1 by
    /// rounding, and a p-value of 1 − 10⁻¹⁵ would read as z ≈ −8 instead of
    /// "nothing in the sign's direction").
    pub fn sf(&self, k: u64, n: u64) -> f64 {
        if k == 0 {
            return 1.0;
        }
        if k > n {
            return 0.0;
        }
        self.sum_pmf(k, n, n).min(1.0)
    }

    /// P(X ≤ k).
    pub fn cdf(&self, k: u64, n: u64) -> f64 {
        self.sum_pmf(0, k.min(n), n).min(1.0)
    }

    /// The mean share p = α / (α + β).
    pub fn share(&self) -> f64 {
        self.alpha / (self.alpha + self.beta)
    }

    /// The intra-cell correlation ρ = 1 / (α + β + 1).
    pub fn rho(&self) -> f64 {
        1.0 / (self.alpha + self.beta + 1.0)
    }

    /// The distribution with share `p` and spread `rho` (both in (0, 1)).
    pub fn of_share(p: f64, rho: f64) -> BetaBinomial {
        let s = (1.0 - rho) / rho;
        BetaBinomial {
            alpha: p * s,
            beta: (1.0 - p) * s,
        }
    }

    /// The same school-to-school spread (α + β, hence ρ) around another mean:
    /// with `level` = (from, to), the share's logit moved by logit(to) −
    /// logit(from). Puts a fit on a folder's cells (`from` their pooled
    /// share) on a published regional level (`to`), keeping the folder's
    /// relative structure; unchanged without a level or with from = 0.
    pub fn on_level(self, level: Option<(f64, f64)>) -> BetaBinomial {
        let Some((from, to)) = level.filter(|&(from, _)| from > 0.0) else {
            return self;
        };
        self.shifted(logit(to) - logit(from))
    }

    /// The same spread (α + β) around a mean whose logit is moved by `delta`.
    pub fn shifted(self, delta: f64) -> BetaBinomial {
        if delta == 0.0 {
            return self;
        }
        let eta = logit(self.share()) + delta;
        let p = 1.0 / (1.0 + (-eta).exp());
        let s = self.alpha + self.beta;
        BetaBinomial {
            alpha: p * s,
            beta: (1.0 - p) * s,
        }
    }

    /// Moment fit to cells (x, n); None with fewer than 3 usable cells or a
    /// pooled share of 0 or 1.
    pub fn fit(cells: &[(u64, u64)]) -> Option<BetaBinomial> {
        MomentSums::of(cells).fit()
    }
}

/// ln(p / (1 − p)), p kept within [10⁻⁶, 1 − 10⁻⁶].
pub fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

/// Fewest other cells for a cell to be judged without itself.
pub const LOO_MIN_CELLS: usize = 30;

/// The sums behind the moment fit, so that the cell being judged can be left
/// out of its own reference in O(1): a cell's predictive distribution is then
/// that of a new cell given the others (leave-one-out, as a cross-validated
/// predictive check). In a region of hundreds of cells this changes little; in
/// a municipality of ten, a manipulated cell would otherwise widen the spread
/// it is judged against. With s = Σx²/n, p = Σx / Σn, the Pearson sum is
/// Σ (x − n p)² / (n p (1 − p)) = (s − 2 p Σx + p² Σn) / (p (1 − p)).
///
/// With few cells the spread estimated from the others is too noisy for a
/// new cell's predictive (ρ̂ near 0 by chance makes it binomial): measured on
/// municipalities analysed alone (`notes/municipal_measure.py`, seeds 3–5),
/// leaving the cell out with any number of others raised the honest cells
/// marked from 1 to 33 of 32 437; so the cell is left out only where at
/// least [`LOO_MIN_CELLS`] others remain, and otherwise stays in (the
/// conservative choice: an outlying cell widens its own reference).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MomentSums {
    k: f64,
    sx: f64,
    sn: f64,
    sx2n: f64,
    sn1: f64,
    sn2: f64,
}

impl MomentSums {
    /// Sums over the cells with at least 2 trials.
    pub fn of(cells: &[(u64, u64)]) -> MomentSums {
        cells
            .iter()
            .fold(MomentSums::default(), |s, &c| s.with(c, 1.0))
    }

    fn with(self, (x, n): (u64, u64), sign: f64) -> MomentSums {
        if n < 2 {
            return self;
        }
        let (x, n) = (x as f64, n as f64);
        MomentSums {
            k: self.k + sign,
            sx: self.sx + sign * x,
            sn: self.sn + sign * n,
            sx2n: self.sx2n + sign * x * x / n,
            sn1: self.sn1 + sign * (n - 1.0),
            sn2: self.sn2 + sign * n * n,
        }
    }

    /// The sums without `cell` (which must be one of the cells summed).
    pub fn without(self, cell: (u64, u64)) -> MomentSums {
        self.with(cell, -1.0)
    }

    /// The fit for `cell`, from the first of `sums` (a peer group, then the
    /// whole test) that gives one: without the cell where at least
    /// [`LOO_MIN_CELLS`] others remain; else, with a `pooled` spread (see
    /// [`SpreadPool`]), the others' share with that spread, widened for the
    /// share's own uncertainty ([`MomentSums::fit_pooled`]); else with the cell.
    pub fn fit_without(
        sums: &[Option<MomentSums>],
        cell: (u64, u64),
        pooled: Option<f64>,
    ) -> Option<BetaBinomial> {
        (sums.iter().flatten()).find_map(|s| s.without(cell).fit_given(s, cell.1, pooled))
    }

    /// The fit of a cell of `n` trials from `self`, the other cells of its
    /// group (`with` holds the cell too, or is `self` when the cell is in no
    /// sum): `self`'s own where it has at least [`LOO_MIN_CELLS`] cells, else
    /// with the `pooled` spread, else `with`'s (the cell kept in: the
    /// conservative choice).
    fn fit_given(&self, with: &MomentSums, n: u64, pooled: Option<f64>) -> Option<BetaBinomial> {
        if self.cells() >= LOO_MIN_CELLS {
            self.fit()
        } else {
            pooled
                .and_then(|rho| self.fit_pooled(rho, n))
                .or_else(|| with.fit())
        }
    }

    /// The fit for a cell of `n` trials that is in none of `sums` (a cell
    /// below a sign's minimum): as [`MomentSums::fit_without`] with nothing to
    /// leave out — the group's own fit where it has at least
    /// [`LOO_MIN_CELLS`] cells, else the pooled spread's, else its own.
    pub fn fit_new(
        sums: &[Option<MomentSums>],
        n: u64,
        pooled: Option<f64>,
    ) -> Option<BetaBinomial> {
        (sums.iter().flatten()).find_map(|s| s.fit_given(s, n, pooled))
    }

    /// The predictive distribution of a new cell of `n` trials given these
    /// cells, with the school-to-school spread `rho` known from elsewhere: the
    /// share p̂ = Σx / Σn, and the spread widened so that the variance is that
    /// of X − n p̂, not of X alone: Var X = n p q (1 + (n − 1) ρ) and Var p̂ = p q
    /// Σ nᵢ (1 + (nᵢ − 1) ρ) / (Σn)², so ρ′ = ρ + n Σ nᵢ (1 + (nᵢ − 1) ρ) /
    /// ((n − 1) (Σn)²) (a moment-matched predictive, as the plug-in would be
    /// too narrow for a share read from a handful of cells). None with fewer
    /// than 3 cells or a share of 0 or 1.
    pub fn fit_pooled(&self, rho: f64, n: u64) -> Option<BetaBinomial> {
        if self.cells() < 3 || self.sn <= 0.0 {
            return None;
        }
        let p = self.sx / self.sn;
        if p <= 1e-12 || p >= 1.0 - 1e-12 {
            return None;
        }
        let n = n as f64;
        let widen = if n >= 2.0 {
            n * (self.sn + rho * (self.sn2 - self.sn)) / ((n - 1.0) * self.sn * self.sn)
        } else {
            0.0
        };
        let rho = (rho + widen).clamp(1e-6, 0.9);
        let s = (1.0 - rho) / rho;
        Some(BetaBinomial {
            alpha: p * s,
            beta: (1.0 - p) * s,
        })
    }

    /// The Pearson sum's excess over its expectation without spread, and
    /// Σ (n − 1): the numerator and denominator of ρ̂ (None with fewer than 2
    /// cells or a pooled share of 0 or 1).
    fn excess(&self) -> Option<(f64, f64)> {
        if self.cells() < 2 || self.sn1 <= 0.0 {
            return None;
        }
        let p = self.sx / self.sn;
        if p <= 1e-12 || p >= 1.0 - 1e-12 {
            return None;
        }
        let r = (self.sx2n - 2.0 * p * self.sx + p * p * self.sn) / (p * (1.0 - p));
        Some((r - (self.k - 1.0), self.sn1))
    }

    /// The number of cells summed.
    pub fn cells(&self) -> usize {
        self.k.round() as usize
    }

    /// (cells, trials, Σ trials²) summed.
    pub fn size(&self) -> (f64, f64, f64) {
        (self.k, self.sn, self.sn2)
    }

    /// The moment fit; None with fewer than 3 cells or a pooled share of 0 or 1.
    pub fn fit(&self) -> Option<BetaBinomial> {
        if self.cells() < 3 || self.sn <= 0.0 {
            return None;
        }
        let p = self.sx / self.sn;
        if p <= 1e-12 || p >= 1.0 - 1e-12 {
            return None;
        }
        let r = (self.sx2n - 2.0 * p * self.sx + p * p * self.sn) / (p * (1.0 - p));
        let rho = ((r - (self.k - 1.0)) / self.sn1).clamp(1e-6, 0.5);
        Some(BetaBinomial::of_share(p, rho))
    }

    /// The sums of `cells` cells of `works` trials (each of at least 2)
    /// whose moment fit is (`p`, `rho`): a region's published group, from
    /// which a municipality leaves its own cell out as the region's analysis
    /// does. Σ(n − 1) = works − cells; the Pearson sum R = ρ Σ(n − 1) + k − 1,
    /// and Σx²/n from R = (Σx²/n − 2 p Σx + p² Σn) / (p (1 − p)); Σn² as
    /// given (`works2`). Exact where ρ was not clamped.
    pub fn of_fit(p: f64, rho: f64, cells: f64, works: f64, works2: f64) -> MomentSums {
        let sn1 = works - cells;
        let r = rho * sn1 + cells - 1.0;
        MomentSums {
            k: cells,
            sx: p * works,
            sn: works,
            sx2n: r * p * (1.0 - p) + p * p * works,
            sn1,
            sn2: works2,
        }
    }

    /// The null these cells give a cell from elsewhere (another folder's, a
    /// municipality's): their own fit where they are at least
    /// [`LOO_MIN_CELLS`], else their share with the `pooled` spread, else
    /// their own fit — [`MomentSums::fit_new`] without the widening for a
    /// share read from few cells, which a region's groups of tens of cells
    /// and thousands of works do not need.
    pub fn fit_published(&self, pooled: Option<f64>) -> Option<BetaBinomial> {
        let own = self.fit();
        match pooled {
            Some(rho) if self.cells() < LOO_MIN_CELLS => {
                own.map(|bb| BetaBinomial::of_share(bb.share(), rho))
            }
            _ => own,
        }
    }
}

/// The school-to-school spread ρ pooled over many groups of cells, each with
/// its own share: the moment estimator of [`MomentSums::fit`] with the
/// numerators and denominators summed over the groups, ρ̂ = Σ_g (R_g − (k_g −
/// 1)) / Σ_g Σ (nᵢ − 1) (Williams 1982's pooled Pearson estimator, each group
/// losing one degree of freedom for its share).
///
/// Why: a municipality has 2–30 cells per test; the spread read from them is
/// noise, and a manipulated cell among them widens it so much that it hides
/// itself (measured: cut-off lifts of moderate strength found in 55 % of cells
/// by the whole region's analysis, 5 % by its municipalities alone). The
/// spread of a count is much alike across the tests of one exam (it is the
/// schools' way of marking, not the test), so a group too small to give it is
/// given the pool of all the folder's groups of the same exam and the same
/// count, which holds hundreds of cells. Used where fewer than
/// [`LOO_MIN_CELLS`] other cells give the share (see
/// [`MomentSums::fit_without`]); a pool of fewer than [`LOO_MIN_CELLS`] cells
/// gives nothing.
///
/// Williams D.A. (1982) Extra-binomial variation in logistic linear models.
/// Applied Statistics 31(2), 144–148.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SpreadPool {
    excess: f64,
    sn1: f64,
    cells: usize,
}

impl SpreadPool {
    /// Adds one group of cells (nothing with fewer than 2 cells or a share of 0 or 1).
    pub fn add(&mut self, group: &MomentSums) {
        if let Some((excess, sn1)) = group.excess() {
            self.excess += excess;
            self.sn1 += sn1;
            self.cells += group.cells();
        }
    }

    /// The pooled ρ̂, clamped to [1e-6, 0.5]; None below [`LOO_MIN_CELLS`] cells.
    pub fn rho(&self) -> Option<f64> {
        (self.cells >= LOO_MIN_CELLS && self.sn1 > 0.0)
            .then(|| (self.excess / self.sn1).clamp(1e-6, 0.5))
    }
}

/// P(X ≥ x) from a pmf over 0..: exactly 1 at x = 0 (see [`BetaBinomial::sf`]).
pub fn upper_tail(pmf: &[f64], x: u64) -> f64 {
    if x == 0 {
        return 1.0;
    }
    pmf.iter().skip(x as usize).sum::<f64>().min(1.0)
}

/// The distribution of a sum of independent beta-binomial counts, each
/// (distribution, number of trials): its pmf over 0..=Σn, by direct convolution.
pub fn convolve(parts: &[(BetaBinomial, u64)]) -> Vec<f64> {
    let mut dist = vec![1.0];
    for &(bb, n) in parts {
        let pmf: Vec<f64> = (0..=n).map(|k| bb.pmf(k, n)).collect();
        let mut next = vec![0.0; dist.len() + pmf.len() - 1];
        for (i, a) in dist.iter().enumerate() {
            for (j, b) in pmf.iter().enumerate() {
                next[i + j] += a * b;
            }
        }
        dist = next;
    }
    dist
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn convolution_of_two_binomial_like_parts() {
        // Nearly binomial parts (alpha + beta huge): Bin(1, .5) + Bin(1, .5) = [.25, .5, .25].
        let bb = BetaBinomial {
            alpha: 5e6,
            beta: 5e6,
        };
        let d = convolve(&[(bb, 1), (bb, 1)]);
        assert_eq!(d.len(), 3);
        for (a, b) in d.iter().zip([0.25, 0.5, 0.25]) {
            assert!((a - b).abs() < 1e-6);
        }
        // numpy.convolve(scipy.stats.betabinom.pmf(range(4), 3, 2, 3),
        //                scipy.stats.betabinom.pmf(range(3), 2, 1, 1))
        let want = [
            0.09523809523809523,
            0.20952380952380958,
            0.29523809523809535,
            0.23809523809523822,
            0.12380952380952387,
            0.038095238095238106,
        ];
        let a = BetaBinomial {
            alpha: 2.0,
            beta: 3.0,
        };
        let b = BetaBinomial {
            alpha: 1.0,
            beta: 1.0,
        };
        let d = convolve(&[(a, 3), (b, 2)]);
        assert_eq!(d.len(), want.len());
        for (x, y) in d.iter().zip(want) {
            assert!((x - y).abs() < 1e-12, "{x} vs {y}");
        }
    }

    #[test]
    fn tails_by_ratios_match_the_sum_of_the_pmf() {
        // The recurrence against each term from the log-gamma functions, over
        // spreads from nearly binomial to very wide, cells up to 400 works.
        for (alpha, beta) in [
            (2.5, 7.5),
            (0.05, 0.4),
            (40.0, 3.0),
            (5e5, 5e5),
            (0.9, 90.0),
        ] {
            let d = BetaBinomial { alpha, beta };
            for n in [1u64, 7, 30, 400] {
                for k in 0..=n {
                    let direct_sf: f64 = (k..=n).map(|j| d.pmf(j, n)).sum::<f64>().min(1.0);
                    let direct_cdf: f64 = (0..=k).map(|j| d.pmf(j, n)).sum::<f64>().min(1.0);
                    let sf = d.sf(k, n);
                    let cdf = d.cdf(k, n);
                    let close = |a: f64, b: f64| (a - b).abs() <= 1e-8 * b.max(1e-300) + 1e-300;
                    assert!(
                        k == 0 || close(sf, direct_sf),
                        "sf {alpha} {beta} {n} {k}: {sf} {direct_sf}"
                    );
                    assert!(
                        close(cdf, direct_cdf),
                        "cdf {alpha} {beta} {n} {k}: {cdf} {direct_cdf}"
                    );
                }
            }
        }
    }

    #[test]
    fn tails_match_scipy() {
        let d = BetaBinomial {
            alpha: 2.5,
            beta: 7.5,
        };
        // scipy.stats.betabinom.pmf(3, 20, 2.5, 7.5) = 0.12403809297510354
        assert!((d.pmf(3, 20) - 0.12403809297510354).abs() < 1e-10);
        // scipy.stats.betabinom.sf(5, 20, 2.5, 7.5) = P(X >= 6) = 0.3939061806740928
        assert!((d.sf(6, 20) - 0.3939061806740928).abs() < 1e-10);
        // scipy.stats.betabinom.cdf(1, 20, 2.5, 7.5) = 0.13206792741507065
        assert!((d.cdf(1, 20) - 0.13206792741507065).abs() < 1e-10);
        assert!((d.sf(0, 20) - 1.0).abs() < 1e-12);
        // Long sums, a tail far below the first term's range, a climb to the
        // mode from a first term of 10⁻⁹³ (SciPy 1.17):
        // betabinom.sf(59, 400, 2.5, 60.0) = 0.00240576763718936
        // betabinom.cdf(2, 2000, 50.0, 5.0) = 5.433062444503733e-93
        // betabinom.sf(1499, 3000, 40.0, 45.0) = 0.2964510269055006
        let close = |got: f64, want: f64| (got / want - 1.0).abs() < 1e-9;
        let of = |alpha, beta| BetaBinomial { alpha, beta };
        assert!(close(of(2.5, 60.0).sf(60, 400), 0.00240576763718936));
        assert!(close(of(50.0, 5.0).cdf(2, 2000), 5.433062444503733e-93));
        assert!(close(of(40.0, 45.0).sf(1500, 3000), 0.2964510269055006));
    }

    #[test]
    fn sums_give_the_direct_fit_and_leave_a_cell_out() {
        let cells = [(3, 20), (9, 25), (1, 18), (12, 30), (6, 22)];
        let direct = |c: &[(u64, u64)]| {
            // The moment estimator written out, as in the module docs.
            let (sx, sn) = c
                .iter()
                .fold((0.0, 0.0), |(a, b), &(x, n)| (a + x as f64, b + n as f64));
            let p = sx / sn;
            let r: f64 = c
                .iter()
                .map(|&(x, n)| (x as f64 - n as f64 * p).powi(2) / (n as f64 * p * (1.0 - p)))
                .sum();
            let dn: f64 = c.iter().map(|&(_, n)| n as f64 - 1.0).sum();
            (p, ((r - (c.len() as f64 - 1.0)) / dn).clamp(1e-6, 0.5))
        };
        let rho = |b: BetaBinomial| 1.0 / (b.alpha + b.beta + 1.0);
        let all = MomentSums::of(&cells);
        let (p, r) = direct(&cells);
        let fit = all.fit().unwrap();
        assert!((fit.share() - p).abs() < 1e-12 && (rho(fit) - r).abs() < 1e-12);
        // Leaving out cell 3 = fitting the other four.
        let loo = all.without(cells[3]).fit().unwrap();
        let rest = [cells[0], cells[1], cells[2], cells[4]];
        let (p, r) = direct(&rest);
        assert!((loo.share() - p).abs() < 1e-12 && (rho(loo) - r).abs() < 1e-12);
        assert_eq!(all.without(cells[3]).cells(), 4);
        // A one-trial cell is not summed, so leaving it out changes nothing.
        assert_eq!(MomentSums::of(&[(1, 1)]).cells(), 0);
        assert_eq!(all.without((1, 1)), all);
        // The sums rebuilt from the published fit (share, spread, 5 cells,
        // 115 trials, Σn²) leave cell 3 out as the sums themselves do (the spread
        // here is inside the clamp: r = 0.0479 by `direct`).
        let (p, r) = direct(&cells);
        assert!(r > 1e-6 && r < 0.5, "{r}");
        // Σn² = 400 + 625 + 324 + 900 + 484 = 2733.
        assert_eq!(all.size(), (5.0, 115.0, 2733.0));
        let again = MomentSums::of_fit(p, r, 5.0, 115.0, 2733.0);
        let loo = again.without(cells[3]).fit().unwrap();
        let (p, r) = direct(&rest);
        assert!((loo.share() - p).abs() < 1e-12 && (rho(loo) - r).abs() < 1e-12);
        assert!((BetaBinomial::of_share(0.3, 0.05).rho() - 0.05).abs() < 1e-15);
    }

    #[test]
    fn a_cell_is_left_out_only_where_enough_others_remain() {
        let honest: Vec<(u64, u64)> = (0..LOO_MIN_CELLS as u64).map(|i| (2 + i % 3, 20)).collect();
        let odd = (15, 20);
        let mut many = honest.clone();
        many.push(odd);
        let sums = MomentSums::of(&many);
        // 30 others: judged against them alone.
        assert_eq!(
            MomentSums::fit_without(&[Some(sums)], odd, None),
            BetaBinomial::fit(&honest)
        );
        // 4 others: the cell stays in its reference.
        let few = [honest[0], honest[1], honest[2], honest[3], odd];
        let sums = MomentSums::of(&few);
        assert_eq!(
            MomentSums::fit_without(&[None, Some(sums)], odd, None),
            BetaBinomial::fit(&few)
        );
    }

    #[test]
    fn pooled_spread_sums_the_groups_moment_equations() {
        // 10 groups of 3 cells, each group with its own share. Known answer
        // from a direct Python computation of Σ_g (R_g − (k_g − 1)) / Σ_g Σ (n − 1):
        //   groups = [[((g*7+j*5)%11+1, 20+(g+j)%7) for j in range(3)] for g in range(10)]
        //   → 0.051652646136551204
        let mut pool = SpreadPool::default();
        for g in 0..10u64 {
            let cells: Vec<(u64, u64)> = (0..3u64)
                .map(|j| ((g * 7 + j * 5) % 11 + 1, 20 + (g + j) % 7))
                .collect();
            pool.add(&MomentSums::of(&cells));
        }
        let rho = pool.rho().expect("30 cells pooled");
        assert!((rho - 0.051652646136551204).abs() < 1e-12, "{rho}");
        // A one-cell group and a group with a share of 0 add nothing.
        let before = pool;
        pool.add(&MomentSums::of(&[(3, 20)]));
        pool.add(&MomentSums::of(&[(0, 20), (0, 25)]));
        assert_eq!(pool, before);
        // Fewer than LOO_MIN_CELLS cells pooled: no spread.
        let mut small = SpreadPool::default();
        small.add(&MomentSums::of(&[(3, 20), (9, 25), (1, 18)]));
        assert_eq!(small.rho(), None);
    }

    #[test]
    fn pooled_fit_has_the_variance_of_the_cell_minus_its_predicted_count() {
        let others = [(3, 20), (9, 25), (1, 18), (12, 30)];
        let sums = MomentSums::of(&others);
        let (rho, n) = (0.05, 24u64);
        let bb = sums.fit_pooled(rho, n).unwrap();
        // Written out independently: p̂ = 25/93; Var(X − n p̂) = n p q (1 + (n −
        // 1) ρ) + n² p q Σ nᵢ (1 + (nᵢ − 1) ρ) / (Σn)².
        let p = 25.0 / 93.0;
        let q = 1.0 - p;
        let nf = n as f64;
        let var_p: f64 = others
            .iter()
            .map(|&(_, m)| m as f64 * (1.0 + (m as f64 - 1.0) * rho))
            .sum::<f64>()
            * p
            * q
            / (93.0 * 93.0);
        let want = nf * p * q * (1.0 + (nf - 1.0) * rho) + nf * nf * var_p;
        // The beta-binomial's variance n α β (α + β + n) / ((α + β)² (α + β + 1)).
        let (a, b) = (bb.alpha, bb.beta);
        let got = nf * a * b * (a + b + nf) / ((a + b).powi(2) * (a + b + 1.0));
        assert!((bb.share() - p).abs() < 1e-12);
        assert!((got - want).abs() < 1e-9 * want, "{got} vs {want}");
        // Too few cells, or a share of 0: no fit.
        assert_eq!(MomentSums::of(&others[..2]).fit_pooled(rho, n), None);
        assert_eq!(
            MomentSums::of(&[(0, 9), (0, 8), (0, 7)]).fit_pooled(rho, n),
            None
        );
        // With a pool and few others, the fit is the pooled one (the cell
        // left out); without a pool, the cell stays in.
        let odd = (15, 24);
        let mut few = others.to_vec();
        few.push(odd);
        let with = MomentSums::of(&few);
        assert_eq!(
            MomentSums::fit_without(&[Some(with)], odd, Some(rho)),
            Some(bb)
        );
        assert_eq!(
            MomentSums::fit_without(&[Some(with)], odd, None),
            BetaBinomial::fit(&few)
        );
        // A cell in none of the sums: nothing is left out.
        assert_eq!(MomentSums::fit_new(&[Some(sums)], n, Some(rho)), Some(bb));
        assert_eq!(
            MomentSums::fit_new(&[None, Some(sums)], n, None),
            sums.fit()
        );
    }

    #[test]
    fn recentring_moves_the_mean_and_keeps_the_spread() {
        let bb = BetaBinomial {
            alpha: 2.0,
            beta: 6.0,
        }; // p = 0.25
        // From a folder pooled at 0.25 to a region at 0.4: the same share moves
        // exactly there; α + β = 8 stays.
        let r = bb.on_level(Some((0.25, 0.4)));
        assert!((r.share() - 0.4).abs() < 1e-12);
        assert!((r.alpha + r.beta - 8.0).abs() < 1e-12);
        // A group above the folder's pool stays above the region by the same
        // log-odds: logit(0.25) + logit(0.2) − logit(0.1) = −0.2877…,
        // expit = 0.42857… (= 3/7: odds 1/3 · (1/4) / (1/9) = 3/4).
        let r = bb.on_level(Some((0.1, 0.2)));
        assert!((r.share() - 3.0 / 7.0).abs() < 1e-12);
        // No shift without a level, with a folder share of 0, or when the
        // region equals the folder.
        assert_eq!(bb.on_level(None), bb);
        assert_eq!(bb.on_level(Some((0.0, 0.5))), bb);
        assert!((bb.on_level(Some((0.3, 0.3))).share() - bb.share()).abs() < 1e-15);
    }

    #[test]
    fn moment_fit_by_hand() {
        // x = 2, 5, 8 of n = 10: p = 0.5, residuals 3.6, 0, 3.6,
        // rho = (7.2 - 2) / 27 = 0.19259..., alpha = beta = 0.5 (1 - rho) / rho = 2.0961538...
        let d = BetaBinomial::fit(&[(2, 10), (5, 10), (8, 10)]).unwrap();
        assert!((d.alpha - 2.096153846153846).abs() < 1e-12);
        assert!((d.beta - 2.096153846153846).abs() < 1e-12);
        // scipy.stats.betabinom.sf(7, 10, 2.0961538, 2.0961538) = 0.19837740152568206
        assert!((d.sf(8, 10) - 0.19837740152568206).abs() < 1e-9);
        assert_eq!(BetaBinomial::fit(&[(0, 10), (0, 10), (0, 12)]), None);
        assert_eq!(BetaBinomial::fit(&[(1, 10), (2, 10)]), None);
    }

    #[test]
    fn no_overdispersion_clamps_to_nearly_binomial() {
        let d = BetaBinomial::fit(&[(5, 10), (5, 10), (5, 10), (5, 10)]).unwrap();
        assert!(d.alpha + d.beta > 1e5);
    }
}

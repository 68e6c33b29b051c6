//! Pupils followed from one result to the next by their participant codes
//! (S9's cohorts, [`crate::signs`]).
//!
//! Where a region keeps its pupils' codes from year to year, a cohort's two
//! results share their pupils, and the same pupils can be compared with
//! themselves: in an independently generated honest region whose pupils stay
//! in their cohort (notes/honest_regions/gen.py) the pairs' squared residuals
//! around S9's line averaged 0.015 while the variance of two independent
//! draws of pupils was 0.071 (notes/signs-power.md, stop 33).
//!
//! * **Matching**: a code that occurs exactly once in each cell is one
//!   pupil; a code twice in a cell (pupils numbered again in every class) is
//!   matched to nobody. The moments of the matched pupils' scores
//!   ([`Matched`]): their number, means, and cross-products.
//! * **Whether codes persist**: the matched pupils' two scores correlate. A
//!   pair is *linked* when at least [`MIN_MATCHED`] pupils are matched, they
//!   are at least half of the smaller cell, and Fisher's test of Pearson's
//!   r > 0 is significant at one-sided 1 % (atanh r · √(m − 3) > 2.326).
//!   Codes issued anew every year (10001, 10002, … in each school) match
//!   different pupils; their r is about 0 and the pair stays unlinked.
//! * **Pooled correlation** ([`pooled`]): Σ sᵢⱼ / √(Σ sᵢᵢ Σ sⱼⱼ) over many
//!   pairs' within-pair cross-products.
//!
//! Fisher R. A. (1915) Biometrika 10(4), 507–521 (the z-transformation).

/// Fewest matched pupils for a pair to be linked.
pub const MIN_MATCHED: usize = 10;

/// Fisher's z for a one-sided 1 % test.
const Z_99: f64 = 2.326_347_874_040_841;

/// The moments of the pupils matched across K cells: their number, their
/// mean score in each cell, and the sums of squares and cross-products of
/// their scores around those means.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Matched<const K: usize> {
    pub m: usize,
    pub mean: [f64; K],
    pub cp: [[f64; K]; K],
}

impl<const K: usize> Default for Matched<K> {
    fn default() -> Self {
        Matched {
            m: 0,
            mean: [0.0; K],
            cp: [[0.0; K]; K],
        }
    }
}

/// The works of a cell whose code occurs once in it, sorted by code.
fn unique<'a>(cell: &mut [(&'a str, f64)]) -> Vec<(&'a str, f64)> {
    cell.sort_unstable_by(|x, y| x.0.cmp(y.0).then(x.1.total_cmp(&y.1)));
    cell.chunk_by(|x, y| x.0 == y.0)
        .filter(|run| run.len() == 1)
        .map(|run| run[0])
        .collect()
}

impl<const K: usize> Matched<K> {
    /// Matches the works of K cells, each given as (code, score), by code: a
    /// pupil is a code found exactly once in every cell. Sorts the slices;
    /// the result does not depend on their order.
    pub fn of(cells: [&mut [(&str, f64)]; K]) -> Matched<K> {
        let lists: Vec<Vec<(&str, f64)>> = cells.into_iter().map(|c| unique(c)).collect();
        let mut at = [0usize; K];
        let mut rows: Vec<[f64; K]> = Vec::new();
        'merge: loop {
            let mut top = "";
            for (k, list) in lists.iter().enumerate() {
                let Some(w) = list.get(at[k]) else {
                    break 'merge;
                };
                top = top.max(w.0);
            }
            let mut all = true;
            for (k, list) in lists.iter().enumerate() {
                while list.get(at[k]).is_some_and(|w| w.0 < top) {
                    at[k] += 1;
                }
                all &= list.get(at[k]).is_some_and(|w| w.0 == top);
            }
            if all {
                let mut row = [0.0; K];
                for k in 0..K {
                    row[k] = lists[k][at[k]].1;
                    at[k] += 1;
                }
                rows.push(row);
            }
        }
        Matched::from_rows(&rows)
    }

    fn from_rows(rows: &[[f64; K]]) -> Matched<K> {
        let mut out = Matched {
            m: rows.len(),
            ..Matched::default()
        };
        if rows.is_empty() {
            return out;
        }
        let n = rows.len() as f64;
        for k in 0..K {
            out.mean[k] = rows.iter().map(|r| r[k]).sum::<f64>() / n;
        }
        for r in rows {
            for i in 0..K {
                for j in 0..K {
                    out.cp[i][j] += (r[i] - out.mean[i]) * (r[j] - out.mean[j]);
                }
            }
        }
        out
    }

    /// Pearson's r of the matched pupils' scores in cells i and j (None
    /// below 3 pupils or with a constant score).
    pub fn r(&self, i: usize, j: usize) -> Option<f64> {
        let (a, b) = (self.cp[i][i], self.cp[j][j]);
        (self.m >= 3 && a > 0.0 && b > 0.0)
            .then(|| (self.cp[i][j] / (a * b).sqrt()).clamp(-1.0, 1.0))
    }

    /// The variance of one pupil's Σ cₖ xₖ among the matched pupils:
    /// cᵀ S c / (m − 1), S the cross-products (None below 2 pupils).
    pub fn variance_of(&self, c: &[f64; K]) -> Option<f64> {
        if self.m < 2 {
            return None;
        }
        let mut v = 0.0;
        for i in 0..K {
            for j in 0..K {
                v += c[i] * c[j] * self.cp[i][j];
            }
        }
        Some(v / (self.m - 1) as f64)
    }
}

impl Matched<2> {
    /// Whether the two cells share their pupils (see the module docs): at
    /// least [`MIN_MATCHED`] matched, at least half of the smaller cell, and
    /// r above 0 at one-sided 1 %.
    pub fn linked(&self, n: usize, n_next: usize) -> bool {
        let Some(r) = self.r(0, 1) else { return false };
        self.m >= MIN_MATCHED
            && 2 * self.m >= n.min(n_next)
            && r.atanh() * ((self.m - 3) as f64).sqrt() > Z_99
    }
}

/// The pooled within-pair correlation of the scores in cells i and j over
/// several matchings: Σ sᵢⱼ / √(Σ sᵢᵢ · Σ sⱼⱼ) (None when not defined).
pub fn pooled<'a, const K: usize>(
    matched: impl IntoIterator<Item = &'a Matched<K>>,
    i: usize,
    j: usize,
) -> Option<f64> {
    let (mut a, mut b, mut ab) = (0.0, 0.0, 0.0);
    for p in matched {
        a += p.cp[i][i];
        b += p.cp[j][j];
        ab += p.cp[i][j];
    }
    (a > 0.0 && b > 0.0).then(|| (ab / (a * b).sqrt()).clamp(-1.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_once_and_in_any_order() {
        // «b» twice in the second cell: matched to nobody; «z» only in one.
        let mut a = [("c", 3.0), ("a", 1.0), ("b", 2.0), ("z", 9.0)];
        let mut b = [("b", 5.0), ("a", 2.0), ("b", 1.0), ("c", 7.0)];
        let m = Matched::of([&mut a[..], &mut b[..]]);
        // Pairs (1, 2) and (3, 7): means 2 and 4.5; sxx = 2, syy = 12.5, sxy = 5.
        assert_eq!(m.m, 2);
        assert_eq!(m.mean, [2.0, 4.5]);
        assert_eq!(m.cp, [[2.0, 5.0], [5.0, 12.5]]);
        let mut a2 = [("z", 9.0), ("b", 2.0), ("a", 1.0), ("c", 3.0)];
        let mut b2 = [("c", 7.0), ("b", 1.0), ("a", 2.0), ("b", 5.0)];
        assert_eq!(Matched::of([&mut a2[..], &mut b2[..]]), m);
        // Three cells: only «a» and «c» are in all three.
        let mut c = [("c", 0.0), ("a", 4.0), ("q", 1.0)];
        let t = Matched::of([&mut a[..], &mut b[..], &mut c[..]]);
        assert_eq!(t.m, 2);
        assert_eq!(t.mean, [2.0, 4.5, 2.0]);
        // (3 − 2)(0 − 2) + (1 − 2)(4 − 2) = −4.
        assert_eq!(t.cp[0][2], -4.0);
        // Var of x₂ − x₁ over the two pupils: ((7 − 3) − (2 − 1))² … around
        // the mean: differences 1 and 4, mean 2.5, Σ (d − 2.5)² / 1 = 4.5.
        assert_eq!(m.variance_of(&[-1.0, 1.0]), Some(4.5));
    }

    #[test]
    fn linkage_by_fisher_z() {
        // r = 0.6 over 20 pupils: atanh 0.6 = 0.6931472, × √17 = 2.8579 >
        // 2.326 (linked); over 12: × 3 = 2.0794 (not).
        let with = |m: usize, r: f64| Matched::<2> {
            m,
            mean: [0.0; 2],
            cp: [[1.0, r], [r, 1.0]],
        };
        assert!(with(20, 0.6).linked(25, 30));
        assert!(!with(12, 0.6).linked(20, 24));
        // Fewer than half the smaller cell, or fewer than 10: not linked.
        assert!(!with(20, 0.9).linked(41, 60));
        assert!(!with(9, 0.99).linked(9, 9));
        assert!(!with(20, -0.6).linked(25, 25));
    }

    #[test]
    fn pooled_correlation_by_hand() {
        let a = Matched::<2> {
            m: 10,
            mean: [0.0; 2],
            cp: [[4.0, 3.0], [3.0, 9.0]],
        };
        let b = Matched::<2> {
            m: 20,
            mean: [0.0; 2],
            cp: [[12.0, 6.0], [6.0, 7.0]],
        };
        // 9 / √(16 · 16) = 0.5625.
        assert!((pooled([&a, &b], 0, 1).unwrap() - 0.5625).abs() < 1e-12);
        assert_eq!(pooled::<2>([], 0, 1), None);
    }
}

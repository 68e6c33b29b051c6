//! Identical task-score vectors in a cell (signs of copied works).
//!
//! # Idea
//!
//! In an honest class two pupils rarely hand in exactly the same vector of
//! task scores, unless the vector is trivial (almost nothing or almost
//! everything solved) or very common. Copying (or a teacher dictating the
//! answers) creates groups of identical vectors. The test compares the number
//! of identical pairs in a *cell* (the works of one school within one test)
//! with the number expected from the whole region.
//!
//! The comparison is made **conditionally on the total score and the number of
//! tasks below their maximum** (and on the variant of the paper when it is
//! known). Two pupils with the same total have similar ability, and for such
//! pupils identical vectors are much more likely than for a random pair; this
//! honest ability similarity is what the regional collision rate of works
//! with equal totals explains. The number of tasks below their maximum (the
//! "misses", m) tells how the points were lost: near the top of a test,
//! losing 5 points on the two hardest tasks is one of few vectors, losing
//! them on five easy tasks one of many — and a strong school's pupils lose
//! them the first way far more often than the region's pupils of the same
//! total ([`stratum`]). Only the excess over the region's rate counts as
//! evidence. This follows the classical answer-copying literature, where the
//! similarity of two answer sheets is judged against what is expected of
//! examinees of the same score level.
//!
//! # Statistic
//!
//! * A work's total `t` is the sum of its scores (scores are rounded to
//!   integers), its misses `m` the number of its tasks scored below the
//!   task's maximum. A work is **trivial** when `t <= 1` or
//!   `t >= sum(max) - 1`; trivial works are ignored everywhere: neither
//!   counted in a cell nor used in the regional reference (they only enter
//!   the denominator of the share).
//! * Works are grouped by `(t, m, v)`, where `v` is the variant of the paper;
//!   `v = 0` means "unknown", and works of unknown variant form their own
//!   group `v = 0` (when the variants are unknown for the whole test, all works
//!   of a stratum form one group). Two works can only collide within a group
//!   (identical vectors have the same total and misses).
//! * **Regional collision probability** `c(t, m, v)`: the probability that two
//!   works from *different* schools in the group have identical vectors. With
//!   `N` works in the group, `N_s` of them in school `s`, `n_x` with vector `x`
//!   and `n_{x,s}` with vector `x` in school `s`:
//!   `P_all = (N² − Σ_s N_s²) / 2` cross-school pairs,
//!   `I = Σ_x (n_x² − Σ_s n_{x,s}²) / 2` identical cross-school pairs, and
//!   `c = (I + 0.5) / (P_all + 1)`. The `+0.5 / +1` is a continuity
//!   correction (a Jeffreys-like half count) so that `c` is never 0, which
//!   would make any single collision infinitely significant; for large groups
//!   it is negligible. Pairs within one school are excluded from the reference
//!   so that copying does not raise its own baseline.
//! * For a cell: the observed count `O = Σ_x C(m_x, 2)` of identical
//!   non-trivial pairs (`m_x` = number of the cell's works with vector `x` and
//!   the same variant group) and the expected count
//!   `E = Σ_g C(k_g, 2) · c_g` (`k_g` = the cell's works in the group g).
//!
//! # Null hypothesis and rule
//!
//! H0: no copying, the cell's pairs collide at the regional rate of their
//! `(t, v)` group; then `O` is approximately `Poisson(E)` (a sum of many rare,
//! weakly dependent pair indicators). The p-value is the upper tail
//! `P(Poisson(E) >= O)`, which is 1 when `O = 0`. This module only computes
//! the p-value and the effect sizes; the caller applies the
//! Benjamini–Hochberg q-values over all cells and a minimum effect (e.g. a
//! minimum [`IdenticalResult::share_in_groups`]) before flagging a cell, and
//! also applies the minimum sample (number of works in a cell, caller's
//! choice) below which the test is not reported.
//!
//! Effect sizes: the share of the cell's works (all works, trivial included in
//! the denominator) that belong to a group of at least two identical
//! non-trivial vectors, and the size of the largest group of identical
//! non-trivial vectors.
//!
//! # Edge cases
//!
//! * All works of the cell trivial (or no tasks): `O = 0`, `E = 0`, p = 1,
//!   share 0, largest group 0.
//! * A cell of one work (or an empty cell): no pairs, p = 1, share 0.
//! * Zero variance (every work of the test has the same vector): `c ≈ 1`, so
//!   `E ≈ O` and the p-value is unremarkable.
//! * `P_all = 0` (a group present in one school only, or a single work): by
//!   the same formula `c = 0.5 / 1 = 0.5`, a conservative (large) rate. A
//!   group missing from the reference altogether is treated the same way.
//! * `E <= 0` cannot happen with `O > 0` (every `c` is positive); it is
//!   guarded anyway (p = 1 for `O = 0`, otherwise 0, the exact tail of the
//!   degenerate Poisson(0)).
//!
//! The results are deterministic: groups are formed by sorting, not by
//! iterating hash maps. `build` sorts the works by a fixed hash of their
//! vectors (vectors are compared only where hashes are equal, so the counts
//! are exact), O(works · tasks + works · log works) time and O(works · tasks)
//! memory; a cell costs O(m · tasks · log m) for m works.
//!
//! # Limitations
//!
//! The Poisson law treats the identical pairs as independent, but three
//! identical vectors make three pairs at once. When the vectors of a total are
//! concentrated on a few patterns (short tests, few score levels) such clumps
//! are more frequent than the pair rate implies and the far tail is liberal.
//! In simulations of honest regions (60 schools × 25 pupils, independent
//! logistic ability model, 1000 regions) the share of cells with p below
//! 1e-4 was 0.0022 with 6 tasks, 0.00013 with 12 tasks, 0.00003 with 16 tasks
//! and 0 with 20 tasks (below 1e-5: 0.0009, 0.00007, 0, 0). At the
//! 0.05 level it is conservative from 12 tasks on (O is discrete and mostly
//! 0). Common teaching in one
//! school may also legitimately raise within-school collisions over the
//! cross-school rate. Both are reasons why the caller combines the p-value
//! with a minimum effect.
//!
//! # References
//!
//! * Angoff W.H. (1974). The development of statistical indices for detecting
//!   cheaters. *Journal of the American Statistical Association*, 69(345),
//!   44–49.
//! * Wollack J.A. (2003). Comparison of answer copying indices with real data.
//!   *Journal of Educational Measurement*, 40(3), 189–205.

use std::collections::BTreeMap;
use std::ops::Range;

use ndarray::{ArrayView1, ArrayView2};
use rayon::slice::ParallelSliceMut;
use statrs::distribution::{DiscreteCDF, Poisson};

/// Continuity correction added to the identical cross-school pairs; the
/// denominator gets twice this amount.
const CONTINUITY: f64 = 0.5;

/// A non-trivial work while the reference is built: one integer to sort by,
/// ([`stratum`], variant, 48 bits of the [`vector_hash`] of its rounded task
/// scores, school) from the highest bits down, and its index among the
/// non-trivial works (its vector in `flat`).
struct Item {
    key: u128,
    at: u32,
}

impl Item {
    fn new(stratum: u32, variant: u16, hash: u64, school: u32, at: u32) -> Item {
        let key = (u128::from(stratum) << 96)
            | (u128::from(variant) << 80)
            | (u128::from(hash >> 16) << 32)
            | u128::from(school);
        Item { key, at }
    }

    /// (stratum, variant).
    fn group(&self) -> u64 {
        (self.key >> 80) as u64
    }

    /// (stratum, variant, hash).
    fn hashed(&self) -> u128 {
        self.key >> 32
    }

    fn school(&self) -> u32 {
        self.key as u32
    }
}

/// A fixed (seedless, so deterministic) 64-bit hash of a score vector; equal
/// vectors have equal hashes, and unequal ones are told apart by comparing them.
fn vector_hash(v: &[u16]) -> u64 {
    v.iter().fold(0xcbf2_9ce4_8422_2325, |h: u64, &x| {
        (h.rotate_left(5) ^ u64::from(x)).wrapping_mul(0x517c_c1b7_2722_0a95)
    })
}

/// A work's stratum: its total and the number of its tasks below their
/// maximum ("misses"), one integer (the total in the high 24 bits, the misses,
/// at most 255, in the low 8). Works are compared, and the region's collision
/// rates estimated, within a stratum and variant.
///
/// Why the misses: the total is not all a vector's chance to repeat depends
/// on. A pupil of a strong school who loses 5 points on the two hardest tasks
/// and a pupil of a weak one who loses them on five easy tasks have the same
/// total; the first kind of vector is one of few and repeats often, the second
/// one of many. By the total alone a strong honest school's pupils, most of
/// whom solve every basic task, collided far above the region's rate: in 50
/// honest regions written by an independent generator (graded-response tasks,
/// schools up to +2.6 SD), 0.67 % of honest cells had p ≤ 0.001 and 13 of
/// 2 984 cells p ≤ 10⁻⁴ with 10 % of their works in identical groups; with
/// the misses in the stratum 0.07 % and 1, while copied works (identical in
/// every task, hence in both numbers) lost nothing in the project's
/// simulated regions (notes/signs-power.md).
pub fn stratum(total: u32, misses: u32) -> u32 {
    (total.min((1 << 24) - 1) << 8) | misses.min(255)
}

/// The total of a [`stratum`].
pub fn stratum_total(stratum: u32) -> u32 {
    stratum >> 8
}

/// The misses of a [`stratum`].
pub fn stratum_misses(stratum: u32) -> u32 {
    stratum & 0xff
}

/// A test's works rounded once ([`encode_row`]) and hashed: the reference and
/// every cell's test read them instead of rounding each work twice.
#[derive(Clone, Debug)]
pub struct Encoded {
    /// The rounded scores, works × tasks row by row.
    flat: Vec<u16>,
    tasks: usize,
    /// Each work's [`stratum`].
    strata: Vec<u32>,
    hashes: Vec<u64>,
    max_total: i64,
}

impl Encoded {
    /// Encodes every work of `scores` (`max`: the task maxima).
    pub fn of(scores: ArrayView2<'_, f32>, max: &[f32]) -> Encoded {
        Encoded::hashed(scores, max, vector_hash)
    }

    fn hashed(scores: ArrayView2<'_, f32>, max: &[f32], hash: impl Fn(&[u16]) -> u64) -> Encoded {
        let (works, tasks) = scores.dim();
        assert_eq!(max.len(), tasks, "max: one entry per task");
        let mut e = Encoded {
            flat: Vec::with_capacity(works * tasks),
            tasks,
            strata: Vec::with_capacity(works),
            hashes: Vec::with_capacity(works),
            max_total: max_total(max),
        };
        let whole_max: Vec<u16> = (max.iter())
            .map(|&m| u16::try_from(super::whole_score(m)).unwrap_or(u16::MAX))
            .collect();
        let mut buf: Vec<u16> = Vec::with_capacity(tasks);
        for row in scores.rows() {
            let total = encode_row(row, &mut buf);
            let misses = (buf.iter().zip(&whole_max)).filter(|(x, m)| x < m).count();
            e.strata.push(stratum(total, misses as u32));
            e.hashes.push(hash(&buf));
            e.flat.extend_from_slice(&buf);
        }
        e
    }

    fn works(&self) -> usize {
        self.strata.len()
    }

    fn vector(&self, i: usize) -> &[u16] {
        &self.flat[i * self.tasks..(i + 1) * self.tasks]
    }

    fn trivial(&self, i: usize) -> bool {
        is_trivial(stratum_total(self.strata[i]), self.max_total)
    }
}

/// Per `(stratum, variant)` group: (identical cross-school pairs `I`,
/// cross-school pairs `P_all`).
pub type PairCounts = BTreeMap<(u32, u16), (u64, u64)>;

/// Regional reference of one test: the collision probability `c(t, v)` of
/// two works from different schools with the same total and variant.
#[derive(Clone, Debug)]
pub struct CollisionReference {
    /// `(I, P_all)` for every `(stratum, variant)` group that has non-trivial works.
    pairs: PairCounts,
}

impl CollisionReference {
    /// Builds the reference from the whole test.
    ///
    /// `scores` is works × tasks, `max` the task maxima, `school` the school of
    /// each work and `variant` the variant of each work (0 = unknown); an empty
    /// `variant` slice means "all unknown". Works need not be sorted by school.
    ///
    /// # Panics
    ///
    /// When the lengths of `max`, `school` or `variant` do not match `scores`.
    pub fn build(
        scores: ArrayView2<'_, f32>,
        max: &[f32],
        school: &[u32],
        variant: &[u16],
    ) -> CollisionReference {
        CollisionReference::of(&Encoded::of(scores, max), school, variant)
    }

    /// [`CollisionReference::build`] from the test's encoded works.
    pub fn of(works: &Encoded, school: &[u32], variant: &[u16]) -> CollisionReference {
        let n = works.works();
        assert_eq!(school.len(), n, "school: one entry per work");
        assert!(
            variant.is_empty() || variant.len() == n,
            "variant: one entry per work, or empty for unknown"
        );

        // Non-trivial works: their group, school and the hash of their
        // vector (`at`: the work's row).
        let mut items: Vec<Item> = (0..n)
            .filter(|&i| !works.trivial(i))
            .map(|i| {
                let at = u32::try_from(i).expect("fewer than 2^32 works in a test");
                Item::new(
                    works.strata[i],
                    variant_of(variant, i),
                    works.hashes[i],
                    school[i],
                    at,
                )
            })
            .collect();
        let vector = |w: &Item| works.vector(w.at as usize);
        let same_group = |a: &Item, b: &Item| a.group() == b.group();
        let group_key = |w: &Item| ((w.group() >> 16) as u32, w.group() as u16);

        // Pass 1: sorted by (group, vector hash, school) -> identical
        // cross-school pairs I per group (the order of equal keys does not
        // change the counts). A run of equal hashes whose vectors differ (a
        // hash collision) is sorted by the vectors themselves.
        items.par_sort_unstable_by_key(|w| w.key);
        // (group, N, I)
        let mut groups: Vec<((u32, u16), u64, u64)> = Vec::new();
        for g in items.chunk_by_mut(same_group) {
            let mut sum_nx2 = 0u64;
            let mut sum_nxs2 = 0u64;
            for h in g.chunk_by_mut(|a, b| a.hashed() == b.hashed()) {
                let mixed = h.len() > 1 && h.iter().any(|w| vector(w) != vector(&h[0]));
                if mixed {
                    h.sort_unstable_by(|a, b| {
                        vector(a)
                            .cmp(vector(b))
                            .then_with(|| a.school().cmp(&b.school()))
                    });
                }
                for x in h.chunk_by(|a, b| !mixed || vector(a) == vector(b)) {
                    sum_nx2 += square(x.len());
                    for s in x.chunk_by(|a, b| a.school() == b.school()) {
                        sum_nxs2 += square(s.len());
                    }
                }
            }
            groups.push((group_key(&g[0]), g.len() as u64, (sum_nx2 - sum_nxs2) / 2));
        }

        // Pass 2: sorted by (group, school) -> cross-school pairs P_all.
        let mut by_school: Vec<u128> = (items.iter())
            .map(|w| (u128::from(w.group()) << 32) | u128::from(w.school()))
            .collect();
        drop(items);
        by_school.par_sort_unstable();
        let mut counts = PairCounts::new();
        let groups_of = by_school.chunk_by(|a, b| a >> 32 == b >> 32);
        for (g, &(key, n, identical)) in groups_of.zip(&groups) {
            let sum_ns2: u64 = g.chunk_by(|a, b| a == b).map(|s| square(s.len())).sum();
            counts.insert(key, (identical, (n * n - sum_ns2) / 2));
        }
        CollisionReference { pairs: counts }
    }

    /// The reference from another folder's counts (the region's, published in
    /// reference.csv by `obektiv reference`): a municipality's cells are then
    /// judged against the collision rates of the whole region, which its own
    /// few cross-school pairs estimate poorly (a group of 10 works in two
    /// schools has 25 pairs: `c ≥ 0.5 / 26` where the region's is 10⁻⁴).
    pub fn from_pairs(pairs: PairCounts) -> CollisionReference {
        CollisionReference { pairs }
    }

    /// `(I, P_all)` per `(stratum, variant)` group, for reference.csv.
    pub fn pairs(&self) -> &PairCounts {
        &self.pairs
    }

    /// Whether `self` has a rate for every group of `other` (the folder's own
    /// reference): the region's counts are used only where they do.
    pub fn covers(&self, other: &CollisionReference) -> bool {
        other.pairs.keys().all(|k| self.pairs.contains_key(k))
    }

    /// Collision probability `c(t, v) = (I + 0.5) / (P_all + 1)` for
    /// `(stratum, variant)`. A group without cross-school pairs, or absent from
    /// the test (including trivial totals), gets `0.5`, the value of the
    /// formula for `P_all = 0`.
    pub fn collision(&self, stratum: u32, variant: u16) -> f64 {
        let (identical, pairs) = self
            .pairs
            .get(&(stratum, variant))
            .copied()
            .unwrap_or((0, 0));
        (identical as f64 + CONTINUITY) / (pairs as f64 + 2.0 * CONTINUITY)
    }
}

/// Result of the identical-vector test for one cell.
#[derive(Clone, Debug, PartialEq)]
pub struct IdenticalResult {
    /// `O`: pairs of the cell's non-trivial works with identical vectors (and
    /// the same variant group).
    pub observed_pairs: u64,
    /// `E`: expected identical pairs from the regional collision rates.
    pub expected_pairs: f64,
    /// `P(Poisson(E) >= O)`; 1 when `O = 0`.
    pub p_value: f64,
    /// Share of the cell's works (trivial ones included in the denominator)
    /// that belong to a group of at least two identical non-trivial vectors.
    pub share_in_groups: f64,
    /// Size of the largest group of identical non-trivial vectors (1 when all
    /// are distinct, 0 when the cell has no non-trivial work).
    pub largest_group: usize,
    /// Number of works in the cell (trivial ones included).
    pub works: usize,
}

/// The test for one cell: rows `cell_rows` (a range into the test's arrays,
/// the same arrays `reference` was built from). An empty `variant` slice
/// means "all unknown".
///
/// # Panics
///
/// When `cell_rows` is out of bounds or the lengths of `max`/`variant` do not
/// match `scores`.
pub fn identical_test(
    reference: &CollisionReference,
    scores: ArrayView2<'_, f32>,
    max: &[f32],
    variant: &[u16],
    cell_rows: Range<usize>,
) -> IdenticalResult {
    let rows = scores.nrows();
    check_shapes(scores, max, variant);
    assert!(
        cell_rows.start <= cell_rows.end && cell_rows.end <= rows,
        "cell_rows {cell_rows:?} out of 0..{rows}"
    );
    let cell = scores.slice(ndarray::s![cell_rows.clone(), ..]);
    let variant = variant.get(cell_rows.clone()).unwrap_or(&[]);
    identical_test_of(
        reference,
        &Encoded::of(cell, max),
        variant,
        0..cell_rows.len(),
    )
}

/// [`identical_test`] on the test's encoded works (`variant` as there).
pub fn identical_test_of(
    reference: &CollisionReference,
    works: &Encoded,
    variant: &[u16],
    cell_rows: Range<usize>,
) -> IdenticalResult {
    let n_works = cell_rows.len();

    // As in the reference: one integer key per work (group, vector hash, its
    // row), vectors compared only within a run of equal hashes.
    let mut items: Vec<Item> = Vec::with_capacity(n_works);
    for i in cell_rows.filter(|&i| !works.trivial(i)) {
        let at = i as u32;
        items.push(Item::new(
            works.strata[i],
            variant_of(variant, i),
            works.hashes[i],
            at,
            at,
        ));
    }
    let vector = |w: &Item| works.vector(w.at as usize);
    items.sort_unstable_by_key(|w| w.key);

    let mut observed = 0u64;
    let mut expected = 0.0f64;
    let mut in_groups = 0usize;
    let mut largest = 0usize;
    for g in items.chunk_by_mut(|a, b| a.group() == b.group()) {
        let group = g[0].group();
        let (stratum, v) = ((group >> 16) as u32, group as u16);
        expected += pairs(g.len()) as f64 * reference.collision(stratum, v);
        for h in g.chunk_by_mut(|a, b| a.hashed() == b.hashed()) {
            let mixed = h.len() > 1 && h.iter().any(|w| vector(w) != vector(&h[0]));
            if mixed {
                h.sort_unstable_by(|a, b| vector(a).cmp(vector(b)));
            }
            for x in h.chunk_by(|a, b| !mixed || vector(a) == vector(b)) {
                observed += pairs(x.len());
                if x.len() >= 2 {
                    in_groups += x.len();
                }
                largest = largest.max(x.len());
            }
        }
    }

    IdenticalResult {
        observed_pairs: observed,
        expected_pairs: expected,
        p_value: poisson_upper_tail(observed, expected),
        share_in_groups: if n_works == 0 {
            0.0
        } else {
            in_groups as f64 / n_works as f64
        },
        largest_group: largest,
        works: n_works,
    }
}

/// For each row of `cell_rows`, the size of its group of identical
/// non-trivial vectors within the same variant group: 1 for a work alone, 0
/// for a trivial work (the same grouping as [`identical_test`]).
pub fn group_sizes(
    scores: ArrayView2<'_, f32>,
    max: &[f32],
    variant: &[u16],
    cell_rows: Range<usize>,
) -> Vec<usize> {
    check_shapes(scores, max, variant);
    let tasks = scores.ncols();
    let max_total = max_total(max);
    let start = cell_rows.start;
    let mut sizes = vec![0usize; cell_rows.len()];
    let mut keyed: Vec<(u32, u16, Vec<u16>, usize)> = Vec::new();
    let mut buf: Vec<u16> = Vec::with_capacity(tasks);
    for i in cell_rows {
        let total = encode_row(scores.row(i), &mut buf);
        if !is_trivial(total, max_total) {
            keyed.push((total, variant_of(variant, i), buf.clone(), i - start));
        }
    }
    keyed.sort_unstable();
    for g in keyed.chunk_by(|a, b| (a.0, a.1, &a.2) == (b.0, b.1, &b.2)) {
        for x in g {
            sizes[x.3] = g.len();
        }
    }
    sizes
}

/// `P(Poisson(expected) >= observed)`.
fn poisson_upper_tail(observed: u64, expected: f64) -> f64 {
    if observed == 0 {
        return 1.0;
    }
    if expected.is_nan() || expected <= 0.0 {
        // Poisson(0) is degenerate at 0.
        return 0.0;
    }
    match Poisson::new(expected) {
        Ok(d) => d.sf(observed - 1).clamp(0.0, 1.0),
        Err(_) => 1.0,
    }
}

fn check_shapes(scores: ArrayView2<'_, f32>, max: &[f32], variant: &[u16]) {
    let (works, tasks) = scores.dim();
    assert_eq!(max.len(), tasks, "max: one entry per task");
    assert!(
        variant.is_empty() || variant.len() == works,
        "variant: one entry per work, or empty for unknown"
    );
}

fn variant_of(variant: &[u16], i: usize) -> u16 {
    variant.get(i).copied().unwrap_or(0)
}

/// Sum of the task maxima, rounded to an integer.
fn max_total(max: &[f32]) -> i64 {
    max.iter().map(|&m| f64::from(m)).sum::<f64>().round() as i64
}

fn is_trivial(total: u32, max_total: i64) -> bool {
    let t = i64::from(total);
    t <= 1 || t >= max_total - 1
}

/// Rounds the row's scores to integers into `out` (cleared first) and returns
/// their total. Negative or NaN scores become 0 (saturating cast).
fn encode_row(row: ArrayView1<'_, f32>, out: &mut Vec<u16>) -> u32 {
    out.clear();
    let mut total = 0u32;
    for &x in row {
        let s = u16::try_from(super::whole_score(x)).unwrap_or(u16::MAX);
        out.push(s);
        total = total.saturating_add(u32::from(s));
    }
    total
}

fn square(n: usize) -> u64 {
    (n as u64) * (n as u64)
}

fn pairs(n: usize) -> u64 {
    let n = n as u64;
    n * n.saturating_sub(1) / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    use ndarray::Array2;
    #[test]
    fn group_sizes_by_hand() {
        // Rows 1..5 of a 3-task test (max 2 each, total max 6): rows 1 and 3
        // share [1,1,0] (variant 1); row 2 has the same vector in variant 2
        // (another group); row 4 is trivial (total 0).
        let s = ndarray::array![
            [2.0f32, 2.0, 2.0],
            [1.0, 1.0, 0.0],
            [1.0, 1.0, 0.0],
            [1.0, 1.0, 0.0],
            [0.0, 0.0, 0.0],
        ];
        let sizes = group_sizes(s.view(), &[2.0, 2.0, 2.0], &[1, 1, 2, 1, 1], 1..5);
        assert_eq!(sizes, vec![2, 1, 2, 0]);
    }

    fn matrix(rows: &[[f32; 3]]) -> Array2<f32> {
        Array2::from_shape_fn((rows.len(), 3), |(i, j)| rows[i][j])
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300)
    }

    /// 3 tasks with maximum 2 (total 6: trivial when t <= 1 or t >= 5),
    /// 3 schools. Each work's (total t, tasks below the maximum m) in the
    /// comments.
    fn hand_data() -> (Array2<f32>, Vec<f32>, Vec<u32>) {
        let rows = [
            // school 10, rows 0..7
            [1., 1., 0.], // t 2, m 3
            [1., 1., 0.],
            [1., 1., 0.],
            [2., 0., 0.], // t 2, m 2
            [1., 1., 1.], // t 3, m 3
            [1., 1., 1.],
            [0., 0., 1.], // trivial (t = 1)
            // school 20, rows 7..12
            [1., 1., 0.],
            [0., 1., 1.], // t 2, m 3
            [1., 1., 1.],
            [2., 1., 0.], // t 3, m 2
            [2., 2., 2.], // trivial (t = 6)
            // school 30, rows 12..17
            [1., 1., 0.],
            [2., 0., 0.],
            [1., 1., 1.],
            [0., 2., 1.], // t 3, m 2
            [0., 0., 0.], // trivial (t = 0)
        ];
        let mut school = vec![10; 7];
        school.extend([20; 5]);
        school.extend([30; 5]);
        (matrix(&rows), vec![2.0; 3], school)
    }

    #[test]
    fn strata_hold_the_total_and_the_misses() {
        assert_eq!(stratum(2, 3), 2 * 256 + 3);
        assert_eq!(
            (
                stratum_total(stratum(47, 1)),
                stratum_misses(stratum(47, 1))
            ),
            (47, 1)
        );
        // Beyond the fields: capped, never spilling into the other.
        assert_eq!(stratum_misses(stratum(5, 999)), 255);
        assert_eq!(stratum_total(stratum(u32::MAX, 0)), (1 << 24) - 1);
    }

    #[test]
    fn hand_computed_example() {
        let (scores, max, school) = hand_data();
        let variant = vec![0u16; scores.nrows()];
        let r = CollisionReference::build(scores.view(), &max, &school, &variant);
        let c = |t, m| r.collision(stratum(t, m), 0);
        // (t 2, m 3): schools 10: [110]x3; 20: [110],[011]; 30: [110].
        // N = 6, P_all = (36 - 9 - 4 - 1)/2 = 11; [110]: n = 5 (3,1,1) ->
        // (25 - 9 - 1 - 1)/2 = 7; c = 7.5 / 12.
        assert!(close(c(2, 3), 7.5 / 12.0, 1e-12));
        // (2, 2): [200] in schools 10 and 30: P_all = 1, I = 1, c = 1.5 / 2.
        assert!(close(c(2, 2), 0.75, 1e-12));
        // (3, 3): [111] x2, x1, x1: P_all = (16 - 4 - 1 - 1)/2 = 5 = I;
        // c = 5.5 / 6.
        assert!(close(c(3, 3), 5.5 / 6.0, 1e-12));
        // (3, 2): [210] and [021]: P_all = 1, I = 0, c = 0.5 / 2.
        assert!(close(c(3, 2), 0.25, 1e-12));
        // Trivial / absent strata: P_all = 0 -> 0.5.
        assert_eq!(c(1, 2), 0.5);
        assert_eq!(c(4, 1), 0.5);

        let res = identical_test(&r, scores.view(), &max, &variant, 0..7);
        // O = C(3,2) + C(2,2) = 4; E = C(3,2)·7.5/12 + C(2,2)·5.5/6 (the
        // [200] is alone in its stratum).
        assert_eq!(res.observed_pairs, 4);
        let e = 3.0 * 7.5 / 12.0 + 5.5 / 6.0;
        assert!(close(res.expected_pairs, e, 1e-12));
        // python3 -c "import math; l = 3*7.5/12 + 5.5/6; \
        //   print(repr(1 - math.exp(-l)*(1 + l + l*l/2 + l**3/6)))"
        // -> 0.3062090960711318 (P(Poisson(l) >= 4))
        assert!(close(res.p_value, 0.3062090960711318, 1e-9));
        assert!(close(res.share_in_groups, 5.0 / 7.0, 1e-12));
        assert_eq!(res.largest_group, 3);
        assert_eq!(res.works, 7);

        // School 20: no identical pair; E = C(2,2)·c(2, 3), its t = 3
        // works each alone in a stratum.
        let res = identical_test(&r, scores.view(), &max, &variant, 7..12);
        assert_eq!(res.observed_pairs, 0);
        assert!(close(res.expected_pairs, 7.5 / 12.0, 1e-12));
        assert_eq!(res.p_value, 1.0);
        assert_eq!(res.share_in_groups, 0.0);
        assert_eq!(res.largest_group, 1);

        // The counts behind the rates, by hand as above; the reference
        // rebuilt from them (as from reference.csv) gives the same test. A
        // folder holding school 30 alone has the same four strata (and no
        // cross-school pair): covered.
        let counts: Vec<_> = r.pairs().iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(
            counts,
            [
                ((stratum(2, 2), 0), (1, 1)),
                ((stratum(2, 3), 0), (7, 11)),
                ((stratum(3, 2), 0), (0, 1)),
                ((stratum(3, 3), 0), (5, 5))
            ]
        );
        let again = CollisionReference::from_pairs(r.pairs().clone());
        assert_eq!(
            identical_test(&again, scores.view(), &max, &variant, 0..7),
            identical_test(&r, scores.view(), &max, &variant, 0..7)
        );
        let alone = CollisionReference::build(
            scores.slice(ndarray::s![12..17, ..]),
            &max,
            &school[12..17],
            &variant[12..17],
        );
        assert_eq!(alone.pairs()[&(stratum(2, 3), 0)], (0, 0));
        assert!(again.covers(&alone));
        // A stratum the region lacks is not covered.
        let mut fewer = r.pairs().clone();
        fewer.remove(&(stratum(3, 3), 0));
        assert!(!CollisionReference::from_pairs(fewer).covers(&alone));

        // An empty variant slice means "all unknown".
        let r0 = CollisionReference::build(scores.view(), &max, &school, &[]);
        assert_eq!(
            identical_test(&r0, scores.view(), &max, &[], 0..7),
            identical_test(&r, scores.view(), &max, &variant, 0..7)
        );
    }

    #[test]
    fn known_variants_change_the_grouping() {
        let (scores, max, school) = hand_data();
        let variant: Vec<u16> = vec![1, 2, 1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 2, 1, 1, 1, 1];
        let r = CollisionReference::build(scores.view(), &max, &school, &variant);
        let c = |t, m, v| r.collision(stratum(t, m), v);
        // (t 2, m 3, v 1): schools 10: [110]x2; 20: [110],[011].
        // N = 4, P_all = (16 - 4 - 4)/2 = 4; [110]: n = 3 (2,1) ->
        // (9 - 4 - 1)/2 = 2; c = 2.5 / 5.
        assert!(close(c(2, 3, 1), 0.5, 1e-12));
        // (2, 3, 2): 10: [110]; 30: [110] -> P_all = 1, I = 1, c = 1.5/2.
        assert!(close(c(2, 3, 2), 0.75, 1e-12));
        // (2, 2, 1): [200] in 10 and 30 -> 0.75.
        assert!(close(c(2, 2, 1), 0.75, 1e-12));
        // (3, 3, 1): [111] in 10 and 30; (3, 3, 2): in 10 and 20 -> 0.75.
        assert!(close(c(3, 3, 1), 0.75, 1e-12));
        assert!(close(c(3, 3, 2), 0.75, 1e-12));
        // (3, 2, 1): [210] in 20, [021] in 30 -> P_all = 1, I = 0, 0.25.
        assert!(close(c(3, 2, 1), 0.25, 1e-12));
        // Unknown variant 0 absent here.
        assert_eq!(c(2, 3, 0), 0.5);

        // School 10: [110] v1 x2, [110] v2, [200] v1, [111] v1, [111] v2.
        // O = 1 (only the two [110] of variant 1); every other group has one
        // work, so E = C(2,2)·c(2, 3, 1) = 0.5.
        let res = identical_test(&r, scores.view(), &max, &variant, 0..7);
        assert_eq!(res.observed_pairs, 1);
        assert!(close(res.expected_pairs, 0.5, 1e-12));
        // python3 -c "import math; print(repr(1 - math.exp(-0.5)))"
        // -> 0.3934693402873666 (P(Poisson(0.5) >= 1))
        assert!(close(res.p_value, 0.3934693402873666, 1e-9));
        assert!(close(res.share_in_groups, 2.0 / 7.0, 1e-12));
        assert_eq!(res.largest_group, 2);

        // Unknown variants: the same cell had O = 4.
        let unknown = identical_test(
            &CollisionReference::build(scores.view(), &max, &school, &[]),
            scores.view(),
            &max,
            &[],
            0..7,
        );
        assert_eq!(unknown.observed_pairs, 4);
    }

    /// A strong honest school: every pupil solves the five easy tasks and the
    /// points are lost on one of two hard ones, so its works at total 7 are
    /// two vectors; other strong schools look the same, while weak schools
    /// reach 7 by many vectors (easy tasks missed, hard ones solved). By the
    /// total alone the rate at 7 mixes both: P_all = (96² − 3·20² − 6·6²)/2 =
    /// 3 900, I = 600 + 6·15 = 690, c = 690.5 / 3 901, E = 190·c = 33.6
    /// against O = 90, p = 6.7·10⁻¹⁶ (python3, the Poisson tail summed from
    /// 90). With the misses the strong school's works are compared with the
    /// strong schools' (m = 1 against m = 2): c ≈ 0.5, nothing unusual.
    #[test]
    fn a_strong_school_losing_points_on_the_same_hard_tasks_is_not_copying() {
        let strong_a = [1., 1., 1., 1., 1., 2., 0.];
        let strong_b = [1., 1., 1., 1., 1., 0., 2.];
        let weak = [
            [0., 1., 1., 0., 1., 2., 2.],
            [1., 0., 0., 1., 1., 2., 2.],
            [1., 1., 0., 0., 1., 2., 2.],
            [0., 0., 1., 1., 1., 2., 2.],
            [1., 0., 1., 0., 1., 2., 2.],
            [0., 1., 0., 1., 1., 2., 2.],
        ];
        let mut rows: Vec<[f32; 7]> = Vec::new();
        let mut school = Vec::new();
        // Three strong schools of 20 works, half and half.
        for s in 0..3u32 {
            for i in 0..20 {
                rows.push(if i % 2 == 0 { strong_a } else { strong_b });
                school.push(s);
            }
        }
        // Six weak schools, each vector once per school (shifted).
        for s in 0..6u32 {
            for k in 0..6 {
                rows.push(weak[(k + s as usize) % 6]);
                school.push(10 + s);
            }
        }
        let scores = Array2::from_shape_fn((rows.len(), 7), |(i, j)| rows[i][j]);
        let max = [1., 1., 1., 1., 1., 2., 2.];
        let r = CollisionReference::build(scores.view(), &max, &school, &[]);
        // (7, 1): 60 works, 20 per school: P_all = (3600 − 3·400)/2 = 1200;
        // each vector 30 (10 per school): I = 2·(900 − 300)/2 = 600.
        assert!(close(r.collision(stratum(7, 1), 0), 600.5 / 1201.0, 1e-12));
        let res = identical_test(&r, scores.view(), &max, &[], 0..20);
        // O = 2·C(10, 2) = 90; E = C(20, 2)·600.5/1201 = 95.
        assert_eq!(res.observed_pairs, 90);
        assert!(close(res.expected_pairs, 190.0 * 600.5 / 1201.0, 1e-12));
        assert!(res.p_value > 0.5, "{}", res.p_value);
    }

    #[test]
    fn all_trivial_cell() {
        let scores = matrix(&[
            [0., 0., 0.],
            [0., 0., 0.],
            [1., 0., 0.],
            [2., 2., 2.],
            [2., 2., 1.],
            [2., 2., 1.],
            // another school, non-trivial
            [1., 1., 0.],
            [1., 1., 0.],
        ]);
        let max = [2.0; 3];
        let school = [1, 1, 1, 1, 1, 1, 2, 2];
        let r = CollisionReference::build(scores.view(), &max, &school, &[]);
        let res = identical_test(&r, scores.view(), &max, &[], 0..6);
        assert_eq!(
            res,
            IdenticalResult {
                observed_pairs: 0,
                expected_pairs: 0.0,
                p_value: 1.0,
                share_in_groups: 0.0,
                largest_group: 0,
                works: 6,
            }
        );
        // The other school: one pair, only within a school -> P_all = 0, c = 0.5.
        let res = identical_test(&r, scores.view(), &max, &[], 6..8);
        assert_eq!(res.observed_pairs, 1);
        assert_eq!(res.expected_pairs, 0.5);
        // python3 -c "from scipy.stats import poisson; print(repr(poisson.sf(0, 0.5)))"
        // -> 0.3934693402873666
        assert!(close(res.p_value, 0.3934693402873666, 1e-9));
        assert_eq!(res.share_in_groups, 1.0);
        assert_eq!(res.largest_group, 2);
    }

    #[test]
    fn single_work_and_empty_cells() {
        let (scores, max, school) = hand_data();
        let r = CollisionReference::build(scores.view(), &max, &school, &[]);
        let res = identical_test(&r, scores.view(), &max, &[], 3..4);
        assert_eq!(res.observed_pairs, 0);
        assert_eq!(res.expected_pairs, 0.0);
        assert_eq!(res.p_value, 1.0);
        assert_eq!(res.share_in_groups, 0.0);
        assert_eq!(res.largest_group, 1);
        assert_eq!(res.works, 1);
        let res = identical_test(&r, scores.view(), &max, &[], 5..5);
        assert_eq!(res.works, 0);
        assert_eq!(res.p_value, 1.0);
        assert_eq!(res.share_in_groups, 0.0);
    }

    #[test]
    fn zero_variance_test() {
        // Every work of the test has the same non-trivial vector.
        let scores = Array2::from_elem((12, 3), 1.0f32);
        let max = [2.0; 3];
        let school = [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3];
        let r = CollisionReference::build(scores.view(), &max, &school, &[]);
        // t 3, m 3: N = 12, P_all = (144 - 48)/2 = 48 = I; c = 48.5 / 49.
        assert!(close(r.collision(stratum(3, 3), 0), 48.5 / 49.0, 1e-12));
        let res = identical_test(&r, scores.view(), &max, &[], 0..4);
        assert_eq!(res.observed_pairs, 6);
        assert!(close(res.expected_pairs, 6.0 * 48.5 / 49.0, 1e-12));
        assert!(res.p_value > 0.3);
        assert_eq!(res.share_in_groups, 1.0);
        assert_eq!(res.largest_group, 4);
    }

    #[test]
    fn poisson_tail_guards() {
        assert_eq!(poisson_upper_tail(0, 0.0), 1.0);
        assert_eq!(poisson_upper_tail(0, 3.0), 1.0);
        assert_eq!(poisson_upper_tail(2, 0.0), 0.0);
        assert_eq!(poisson_upper_tail(2, f64::NAN), 0.0);
        // python3 -c "from scipy.stats import poisson; print(repr(poisson.sf(9, 0.3)))"
        // -> 1.2392013383169973e-12
        assert!(close(
            poisson_upper_tail(10, 0.3),
            1.2392013383169973e-12,
            1e-6
        ));
    }

    /// Tiny deterministic LCG (Numerical Recipes constants), uniform in [0, 1).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
        /// Approximately standard normal (sum of 12 uniforms − 6).
        fn normal(&mut self) -> f64 {
            (0..12).map(|_| self.next()).sum::<f64>() - 6.0
        }
    }

    #[test]
    fn simulation_honest_and_copied() {
        const SCHOOLS: usize = 60;
        const PUPILS: usize = 25;
        // 12 tasks: 8 of maximum 1, 4 of maximum 2 (total 16), difficulties
        // spread evenly over [-1.5, 1.5]. A short test, so that honest cells
        // do have collisions.
        const TASKS: usize = 12;
        let max: Vec<f32> = (0..TASKS).map(|j| if j < 8 { 1.0 } else { 2.0 }).collect();
        let difficulty: Vec<f64> = (0..TASKS)
            .map(|j| -1.5 + 3.0 * j as f64 / (TASKS - 1) as f64)
            .collect();
        let mut rng = Lcg(20240607);
        let n = SCHOOLS * PUPILS;
        let mut scores = Array2::<f32>::zeros((n, max.len()));
        let mut school = Vec::with_capacity(n);
        for s in 0..SCHOOLS {
            for p in 0..PUPILS {
                let i = s * PUPILS + p;
                school.push(1000 + s as u32);
                let ability = rng.normal();
                for (j, (&m, &d)) in max.iter().zip(&difficulty).enumerate() {
                    // Each score point is earned independently with a logistic
                    // probability.
                    let prob = 1.0 / (1.0 + (d - ability).exp());
                    let points = (0..m as usize).filter(|_| rng.next() < prob).count();
                    scores[[i, j]] = points as f32;
                }
            }
        }
        // The last school: 10 of 25 pupils hand in one copied strong vector
        // (total 11 of 16, not trivial).
        let copied: [f32; TASKS] = [1., 1., 1., 1., 1., 1., 0., 0., 2., 1., 2., 1.];
        let cheat = SCHOOLS - 1;
        for p in 0..10 {
            let i = cheat * PUPILS + p;
            for (j, &x) in copied.iter().enumerate() {
                scores[[i, j]] = x;
            }
        }

        let r = CollisionReference::build(scores.view(), &max, &school, &[]);
        let mut min_p = 1.0f64;
        let mut small = 0;
        let mut with_pairs = 0;
        for s in 0..cheat {
            let res = identical_test(&r, scores.view(), &max, &[], s * PUPILS..(s + 1) * PUPILS);
            assert_eq!(res.works, PUPILS);
            assert!(res.p_value > 0.0 && res.p_value <= 1.0);
            min_p = min_p.min(res.p_value);
            if res.p_value < 0.01 {
                small += 1;
            }
            if res.observed_pairs > 0 {
                with_pairs += 1;
            }
        }
        // The honest check is not vacuous: many cells have identical pairs.
        assert!(with_pairs >= 5, "{with_pairs} honest cells with pairs");
        // Nominal: about 0.6 of 59 cells below 0.01 (fewer: O is discrete).
        assert!(small <= 3, "{small} honest cells with p < 0.01");
        // Here the smallest honest p is 5.8e-5 (a cell with a triple and a
        // pair, O = 4, E = 0.2): with 12 tasks the Poisson tail is liberal
        // (see the limitations), so the bound is 1e-5, not 1e-4.
        assert!(min_p > 1e-5, "smallest honest p = {min_p}");

        let res = identical_test(
            &r,
            scores.view(),
            &max,
            &[],
            cheat * PUPILS..(cheat + 1) * PUPILS,
        );
        assert!(res.p_value < 1e-6, "{res:?}");
        assert!(res.share_in_groups >= 0.4, "{res:?}");
        assert!(res.largest_group >= 10, "{res:?}");
        assert!(res.observed_pairs >= 45, "{res:?}");

        // Determinism and independence of row order inside the region: the
        // reference does not depend on the order of the works.
        let r2 = CollisionReference::build(scores.view(), &max, &school, &[]);
        assert_eq!(r.pairs, r2.pairs);
        let mut rev = scores.clone();
        rev.invert_axis(ndarray::Axis(0));
        let rev_school: Vec<u32> = school.iter().rev().copied().collect();
        let r3 = CollisionReference::build(rev.view(), &max, &rev_school, &[]);
        assert_eq!(r.pairs, r3.pairs);
        // Hash collisions: with every vector given the same hash the works
        // are told apart by their vectors, and every rate is the same.
        let hashed = |f: fn(&[u16]) -> u64| Encoded::hashed(scores.view(), &max, f);
        let r4 = CollisionReference::of(&hashed(|_| 7), &school, &[]);
        assert_eq!(r.pairs, r4.pairs);
        let r5 = CollisionReference::of(&hashed(|v| u64::from(v[0])), &school, &[]);
        assert_eq!(r.pairs, r5.pairs);
    }
}

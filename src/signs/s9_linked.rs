//! S9 where pupils' codes persist from year to year: the cohort judged on
//! the same pupils in both years.
//!
//! S9 ([`super::s9_cohort`]) compares a cohort's cell means as if its two
//! years were independent draws of pupils. Where a region keeps its pupils'
//! codes, the same pupils are found again ([`crate::stats::linked`]: a code
//! once in each cell, the pair *linked* when the matched pupils' scores
//! correlate), and the cohort is judged on them alone:
//!
//! * **Statistic**: the matched pupils' mean standardized scores x̄ and ȳ
//!   (the tests' means and SDs as in S9), the shortfall d = a + b x̄ − ȳ on
//!   S9's line, Z = d / √(τ² + V/m). Pupils who joined or left the cohort do
//!   not enter: a change of who sits the test is not a change of result.
//! * **Sampling variance**: V the variance of one pupil's b x − y, the
//!   larger of its kind's pooled b² w + w′ − 2 b ρ √(w w′) (w, w′ the tests'
//!   pooled within-cell variances, ρ the pooled within-pair correlation of
//!   every linked pair of the same exam, subject and grade) and the pair's
//!   own among its m pupils.
//! * **A year earlier too**: the rise u = x̄ − (a + b w̄) over the cohort's
//!   earlier result; with both neighbours the spike u + d = (1 + b) x̄ − b w̄
//!   − v̄ over the pupils found in all three years, V the variance of one
//!   pupil's (1 + b) x − b w − v (pooled: the three variances and three
//!   pooled correlations; or its own, the larger), τ² of both pairs.
//! * **Spread τ²**: around S9's line (fitted on the cell means as before),
//!   from the linked pairs' squared residuals less their sampling variances:
//!   the largest of (1) all linked pairs' (with the large schools' intercept
//!   where sizes differ, [`super::s9_cohort::spread`]), (2) the pairs of the
//!   same exam, subject and grade (≥ [`KIND_PAIRS`] of them), and (3) the
//!   pairs in the same band of the earlier result ([`Bands`]). Measured this
//!   precisely, what the line misses shows, and it is not the same
//!   everywhere: in independently generated honest regions the spread came
//!   from transitions whose tests weigh two abilities differently (one
//!   grade's mathematics against the next's) and from cells near a test's
//!   floor (49 % of one weak school's works on the lowest score one year, 28
//!   % the next: z fell from −1.8 to −2.6 against −1.8 on the line).
//!
//! A kind's pairs are linked only where codes persist: a quarter or more of
//! its pairs that share enough codes are linked (codes issued anew each year,
//! 10001, 10002, … in every school, link about 1 % of them by chance: 32
//! pairs of the simulated sample, whose codes do not persist). The cohorts
//! whose pupils are not found keep S9's school-level judgement.

use std::collections::BTreeMap;

use crate::model::{Dataset, Exam};
use crate::stats::linked::{MIN_MATCHED, Matched, pooled};
use crate::stats::normal_sf;

use super::dec1;
use super::s9_cohort::{Fit, PerCell, Place, Standardized, spread};
use super::{Finding, SignsConfig};

/// The share of a cell's works on its test's lowest score from which the
/// cell is not linked (it keeps S9's school-level judgement): its mean bends
/// with the test's difficulty at the floor, which the same pupils' precise
/// comparison would read as a change (an honest boarding school 3 SD below
/// its region, in a year of a harder test: Z 5.5 on its pupils, listed;
/// notes/signs-power.md, stop 33). Not the ceiling: raised results pile
/// there, and a spike would unlink itself (planted spikes of 0.6 SD: p ≤
/// 0.001 in 28 of 35 cells with no rule, 16 with the ceiling in it).
const LINKED_FLOOR: f64 = 0.2;

/// Fewest linked pairs of a kind for the kind's own spread, and in a band.
const KIND_PAIRS: usize = 50;

/// A linked pair: the cell and its cohort a year later, on the pupils found
/// in both.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Link {
    pub matched: Matched<2>,
    /// The two tests' pooled within-cell variances.
    pub w: [f64; 2],
    /// The pooled within-pair correlation of the pair's kind.
    pub rho: f64,
    /// The pair's kind: its earlier test's exam, subject and grade (an index
    /// of [`Spread::kinds`]).
    pub kind: usize,
}

impl Link {
    /// The variance of one pupil's b x − y ([`Matched::variance_of`] for its own).
    fn pupil_variance(&self, b: f64) -> f64 {
        let [w0, w1] = self.w;
        let pooled = b * b * w0 + w1 - 2.0 * b * self.rho * (w0 * w1).sqrt();
        let own = self.matched.variance_of(&[b, -1.0]).unwrap_or(0.0);
        pooled.max(own)
    }

    /// The sampling variance of b x̄ − ȳ.
    pub fn sampling(&self, b: f64) -> f64 {
        self.pupil_variance(b) / self.matched.m as f64
    }

    /// a + b x̄ − ȳ.
    pub fn shortfall(&self, fit: &Fit) -> f64 {
        fit.a + fit.b * self.matched.mean[0] - self.matched.mean[1]
    }
}

/// A cohort found in three years: a year earlier, the cell, a year later.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Triple {
    pub matched: Matched<3>,
    /// The three tests' pooled within-cell variances.
    pub w: [f64; 3],
    /// Pooled correlations: earlier–cell, cell–later (the two pairs' kinds),
    /// earlier–later (the kind two years apart).
    pub rho: [f64; 3],
    /// The kinds of the earlier and of the later pair.
    pub kinds: [usize; 2],
}

impl Triple {
    /// (1 + b) x̄ − b w̄ − v̄: the rise over the year before plus the
    /// shortfall a year later (the line's a cancels).
    pub fn spike(&self, b: f64) -> f64 {
        let m = self.matched.mean;
        (1.0 + b) * m[1] - b * m[0] - m[2]
    }

    /// The sampling variance of [`Triple::spike`].
    pub fn sampling(&self, b: f64) -> f64 {
        let c = [-b, 1.0 + b, -1.0];
        let [w0, w1, w2] = self.w;
        let [r01, r12, r02] = self.rho;
        let pooled = c[0] * c[0] * w0
            + c[1] * c[1] * w1
            + c[2] * c[2] * w2
            + 2.0 * c[0] * c[1] * r01 * (w0 * w1).sqrt()
            + 2.0 * c[1] * c[2] * r12 * (w1 * w2).sqrt()
            + 2.0 * c[0] * c[2] * r02 * (w0 * w2).sqrt();
        let own = self.matched.variance_of(&c).unwrap_or(0.0);
        pooled.max(own) / self.matched.m as f64
    }
}

/// The spread of the linked pairs around S9's line (see the module docs).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Spread {
    pub all: f64,
    /// Per kind (NaN where too few pairs).
    pub kinds: Vec<f64>,
    pub bands: Bands,
    /// Linked pairs it was read from.
    pub pairs: usize,
}

impl Spread {
    /// τ² for a pair of `kind` whose earlier result is `z`.
    pub fn tau2(&self, kind: usize, z: f64) -> f64 {
        let k = self.kinds.get(kind).copied().filter(|t| !t.is_nan());
        self.all.max(k.unwrap_or(0.0)).max(self.bands.tau2(z))
    }
}

/// The spread of linked pairs in bands of their earlier result: edges at the
/// 5th, 20th, 80th and 95th percentiles with at least [`KIND_PAIRS`] pairs in
/// each band, else at the 20th and 80th, else one band; each band's τ² =
/// max(0, ȳ − v̄).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bands {
    /// Upper edges of the bands but the last (+∞ where unused).
    pub upper: [f64; 4],
    pub tau2: [f64; 5],
}

impl Default for Bands {
    fn default() -> Self {
        Bands {
            upper: [f64::INFINITY; 4],
            tau2: [0.0; 5],
        }
    }
}

impl Bands {
    /// The τ² of the band of an earlier result z.
    pub fn tau2(&self, z: f64) -> f64 {
        let i = self.upper.iter().take_while(|&&u| z > u).count();
        self.tau2[i]
    }

    /// The bands of pairs whose earlier results are `z`, squared residuals
    /// `y` and sampling variances `v`.
    pub fn new(z: &[f64], y: &[f64], v: &[f64]) -> Bands {
        let n = z.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&i, &j| z[i].total_cmp(&z[j]).then(i.cmp(&j)));
        let cuts: &[f64] = if n * 5 / 100 >= KIND_PAIRS {
            &[0.05, 0.2, 0.8, 0.95]
        } else if n / 5 >= KIND_PAIRS {
            &[0.2, 0.8]
        } else {
            &[]
        };
        let mut out = Bands::default();
        if n == 0 {
            return out;
        }
        let mut start = 0;
        let ends = cuts.iter().map(|q| (q * n as f64) as usize).chain([n]);
        for (b, end) in ends.enumerate() {
            let band = &order[start..end];
            if b < cuts.len() {
                out.upper[b] = z[order[end - 1]];
            }
            let k = band.len() as f64;
            let ym = band.iter().map(|&i| y[i]).sum::<f64>() / k;
            let vm = band.iter().map(|&i| v[i]).sum::<f64>() / k;
            out.tau2[b] = (ym - vm).max(0.0);
            start = end;
        }
        out
    }
}

/// Every linked pair and triple of the folder, and their spread.
#[derive(Clone, Debug, Default)]
pub struct Linked {
    /// Per test, per cell: the link of the cell and its cohort a year later.
    pub links: PerCell<Option<Link>>,
    /// Per test, per cell: the link of the cohort a year earlier and the cell
    /// (VPR grades 5–8).
    pub earlier: PerCell<Option<Link>>,
    /// Per test, per cell: the cohort found a year earlier, here and a year
    /// later (where both pairs are linked).
    pub triples: PerCell<Option<Triple>>,
    /// None where no pair is linked.
    pub spread: Option<Spread>,
}

impl Linked {
    /// `neighbours`: per test, per cell, the cohort's cell a year later and
    /// a year earlier ([`super::s9_cohort`]).
    pub fn new(
        data: &Dataset,
        st: &Standardized<'_>,
        neighbours: [&PerCell<Option<Place>>; 2],
        fit: Option<&Fit>,
        min_works: usize,
    ) -> Linked {
        use rayon::prelude::*;
        let z = &st.z;
        let [next, prev] = neighbours;
        let scores: Vec<std::borrow::Cow<'_, ndarray::Array1<f32>>> =
            data.tests.par_iter().map(|b| b.level_scores()).collect();
        let cell = |(t, c): Place| -> Vec<(&str, f64)> {
            let Some((mean, sd)) = st.scale[t] else {
                return Vec::new();
            };
            let block = &data.tests[t];
            let range = block.cells[c].range();
            let scores = scores[t].as_slice().expect("a column is contiguous");
            (scores[range.clone()].iter())
                .zip(&block.student[range])
                .filter(|(p, _)| !p.is_nan())
                .map(|(&p, &code)| (data.codes.get(code), (f64::from(p) - mean) / sd))
                .collect()
        };
        let n = |(t, c): Place| z[t][c].map_or(0, |(_, n)| n);
        let off_floor = |(t, c): Place| st.floor_share[t][c] < LINKED_FLOOR;
        // Kinds: the earlier test's exam, subject and grade.
        let mut kinds: BTreeMap<(Exam, &str, u8), usize> = BTreeMap::new();
        for b in &data.tests {
            let k = (b.key.exam, b.key.subject.as_str(), b.key.grade);
            let len = kinds.len();
            kinds.entry(k).or_insert(len);
        }
        let kind = |t: usize| {
            let k = &data.tests[t].key;
            kinds[&(k.exam, k.subject.as_str(), k.grade)]
        };
        // Every pair's matched pupils, whether it is linked, and per kind
        // the pairs that could be (enough codes in common) and those linked.
        let matched: PerCell<Option<(Matched<2>, bool)>> = (next.par_iter().enumerate())
            .map(|(t, cells)| {
                (cells.iter().enumerate())
                    .map(|(c, after)| {
                        let b = (*after)?;
                        let m = Matched::of([&mut cell((t, c))[..], &mut cell(b)[..]]);
                        let inside = off_floor((t, c)) && off_floor(b);
                        Some((m, inside && m.linked(n((t, c)), n(b))))
                    })
                    .collect()
            })
            .collect();
        let mut counts = vec![(0usize, 0usize); kinds.len()];
        for (t, cells) in matched.iter().enumerate() {
            for (c, x) in cells.iter().enumerate() {
                let (Some((m, linked)), Some(b)) = (x, next[t][c]) else {
                    continue;
                };
                if m.m >= MIN_MATCHED && 2 * m.m >= n((t, c)).min(n(b)) {
                    counts[kind(t)].0 += 1;
                    counts[kind(t)].1 += usize::from(*linked);
                }
            }
        }
        // Codes persist for a kind when a quarter of its pairs that share
        // enough codes are linked; codes issued anew link about 1 % by chance.
        let persist: Vec<bool> = (counts.iter())
            .map(|&(could, linked)| could > 0 && 4 * linked >= could)
            .collect();
        let pairs: PerCell<Option<Matched<2>>> = (matched.iter().enumerate())
            .map(|(t, cells)| {
                (cells.iter())
                    .map(|x| {
                        x.filter(|&(_, linked)| linked && persist[kind(t)])
                            .map(|(m, _)| m)
                    })
                    .collect()
            })
            .collect();
        let rho = pooled_by_kind(
            (pairs.iter().enumerate())
                .flat_map(|(t, cells)| cells.iter().flatten().map(move |m| (t, m))),
            kinds.len(),
            kind,
            (0, 1),
        );
        let links: PerCell<Option<Link>> = (pairs.iter().enumerate())
            .map(|(t, cells)| {
                (cells.iter().enumerate())
                    .map(|(c, m)| {
                        let matched = (*m)?;
                        let (t1, _) = next[t][c]?;
                        let w = [st.within[t], st.within[t1]];
                        let link = Link {
                            matched,
                            w,
                            rho: rho[kind(t)]?.max(0.0),
                            kind: kind(t),
                        };
                        w.iter().all(|x| x.is_finite()).then_some(link)
                    })
                    .collect()
            })
            .collect();
        // Cohorts linked on both sides: the pupils found in all three years.
        let three: PerCell<Option<(Matched<3>, Place, Place)>> = (prev.par_iter().enumerate())
            .map(|(t, cells)| {
                (cells.iter().enumerate())
                    .map(|(c, before)| {
                        let a = (*before)?;
                        let b = next[t][c]?;
                        links[a.0][a.1]?;
                        links[t][c]?;
                        let m = Matched::of([
                            &mut cell(a)[..],
                            &mut cell((t, c))[..],
                            &mut cell(b)[..],
                        ]);
                        (m.m >= MIN_MATCHED).then_some((m, a, b))
                    })
                    .collect()
            })
            .collect();
        let rho2 = pooled_by_kind(
            (three.iter().flatten().flatten()).map(|(m, a, _)| (a.0, m)),
            kinds.len(),
            kind,
            (0, 2),
        );
        let triples: PerCell<Option<Triple>> = (three.iter().enumerate())
            .map(|(t, cells)| {
                (cells.iter().enumerate())
                    .map(|(c, x)| {
                        let (matched, a, b) = x.as_ref()?;
                        let (before, after) = (links[a.0][a.1]?, links[t][c]?);
                        Some(Triple {
                            matched: *matched,
                            w: [st.within[a.0], st.within[t], st.within[b.0]],
                            rho: [before.rho, after.rho, rho2[kind(a.0)]?.max(0.0)],
                            kinds: [before.kind, after.kind],
                        })
                    })
                    .collect()
            })
            .collect();
        let spread = fit.and_then(|f| Spread::new(f, &links, kinds.len(), min_works));
        let earlier = (prev.iter())
            .map(|cells| {
                (cells.iter())
                    .map(|p| p.and_then(|(t0, c0)| links[t0][c0]))
                    .collect()
            })
            .collect();
        Linked {
            links,
            earlier,
            triples,
            spread,
        }
    }
}

/// Per kind, the pooled correlation of cells `i` and `j` ([`pooled`]) over
/// the matchings given with the test whose kind they take.
fn pooled_by_kind<'a, const K: usize>(
    matched: impl Iterator<Item = (usize, &'a Matched<K>)>,
    kinds: usize,
    kind: impl Fn(usize) -> usize,
    (i, j): (usize, usize),
) -> Vec<Option<f64>> {
    let mut by_kind: Vec<Vec<&Matched<K>>> = vec![Vec::new(); kinds];
    for (t, m) in matched {
        by_kind[kind(t)].push(m);
    }
    (by_kind.iter())
        .map(|ms| pooled(ms.iter().copied(), i, j))
        .collect()
}

impl Spread {
    /// The spread of the linked pairs with `min_works` pupils or more.
    fn new(
        fit: &Fit,
        links: &PerCell<Option<Link>>,
        kinds: usize,
        min_works: usize,
    ) -> Option<Spread> {
        let usable: Vec<&Link> = (links.iter().flatten().flatten())
            .filter(|l| l.matched.m >= min_works)
            .collect();
        if usable.is_empty() {
            return None;
        }
        let y: Vec<f64> = usable.iter().map(|l| l.shortfall(fit).powi(2)).collect();
        let v: Vec<f64> = usable.iter().map(|l| l.sampling(fit.b)).collect();
        let z: Vec<f64> = usable.iter().map(|l| l.matched.mean[0]).collect();
        let mut per_kind = vec![f64::NAN; kinds];
        for (k, slot) in per_kind.iter_mut().enumerate() {
            let at: Vec<usize> = (0..usable.len()).filter(|&i| usable[i].kind == k).collect();
            if at.len() >= KIND_PAIRS {
                let yk: Vec<f64> = at.iter().map(|&i| y[i]).collect();
                let vk: Vec<f64> = at.iter().map(|&i| v[i]).collect();
                *slot = spread(&yk, &vk, true);
            }
        }
        Some(Spread {
            all: spread(&y, &v, true),
            kinds: per_kind,
            bands: Bands::new(&z, &y, &v),
            pairs: usable.len(),
        })
    }
}

/// What the note of a cohort judged on its linked pupils says (the
/// methods section counts those cells by it).
pub const FOUND_BY_CODE: &str = "найденные по кодам участников";

/// Where the pupils were found (`years`: «в обоих годах»), for the note.
fn found(m: usize, years: &str) -> String {
    format!(
        "сравниваются только ученики, {FOUND_BY_CODE} {years} ({m}), — те же ученики, поэтому случайный разброс меньше"
    )
}

/// The line's and the linked pairs' spread, for the note.
fn line(fit: &Fit, spread: &Spread, tau2: f64) -> String {
    format!(
        "прямая по {} парам: z′ = {} + {}·z; разброс пар с теми же учениками {} (по {} парам)",
        fit.pairs,
        super::dec(fit.a, 3),
        super::dec(fit.b, 3),
        super::dec(tau2, 4),
        spread.pairs
    )
}

/// A finding of `m` pupils found in `years` («в обоих годах»): Z = `total`
/// / √`variance`, the effect `effect`, the note `what` («…; » or empty),
/// the pupils found and the line; not evaluated below `min_works` pupils.
#[allow(clippy::too_many_arguments)]
fn finding(
    total: f64,
    variance: f64,
    effect: f64,
    reason: String,
    what: &str,
    (m, years): (usize, &str),
    line: String,
    cfg: &SignsConfig,
) -> Finding {
    let z = total / variance.sqrt();
    let mut f = Finding::tested(z, normal_sf(z), effect, reason);
    f.note = format!("{what}{}; {line}", found(m, years));
    if m < cfg.min_works {
        return f.below_minimum(m, &format!("учеников, найденных {years}"), cfg);
    }
    f
}

/// The cohort's shortfall a year later on its linked pupils.
pub fn judge_fall(
    link: &Link,
    next: (Exam, u8),
    fit: &Fit,
    spread: &Spread,
    cfg: &SignsConfig,
) -> Finding {
    let [x, y] = link.matched.mean;
    let tau2 = spread.tau2(link.kind, x);
    let short = link.shortfall(fit);
    let reason = format!(
        "отклонение от среднего по региону у одних и тех же учеников: здесь {} стандартного отклонения, через год ({}, {} класс) {} (ожидалось {})",
        dec1(x),
        next.0.russian(),
        next.1,
        dec1(y),
        dec1(fit.a + fit.b * x)
    );
    let variance = tau2 + link.sampling(fit.b);
    let pupils = (link.matched.m, "в обоих годах");
    let line = line(fit, spread, tau2);
    finding(short, variance, short, reason, "", pupils, line, cfg)
}

/// The cell's rise over the cohort's result a year earlier on its linked
/// pupils (the folder's last year).
pub fn judge_rise(
    before: &Link,
    grade: u8,
    fit: &Fit,
    spread: &Spread,
    cfg: &SignsConfig,
) -> Finding {
    let [x0, x] = before.matched.mean;
    let tau2 = spread.tau2(before.kind, x0);
    let up = -before.shortfall(fit);
    let reason = format!(
        "отклонение от среднего по региону у одних и тех же учеников: здесь {} стандартного отклонения, годом раньше ({} класс) {} (ожидалось здесь {})",
        dec1(x),
        grade - 1,
        dec1(x0),
        dec1(fit.a + fit.b * x0)
    );
    let variance = tau2 + before.sampling(fit.b);
    let pupils = (before.matched.m, "в обоих годах");
    let what = "следующего года нет — только подъём над годом раньше; ";
    let line = line(fit, spread, tau2);
    finding(up, variance, up, reason, what, pupils, line, cfg)
}

/// A one-year spike on the pupils found in all three years.
pub fn judge_spike(
    triple: &Triple,
    grade: u8,
    next: (Exam, u8),
    fit: &Fit,
    spread: &Spread,
    cfg: &SignsConfig,
) -> Finding {
    let [x0, x, x2] = triple.matched.mean;
    let tau2 = spread.tau2(triple.kinds[0], x0) + spread.tau2(triple.kinds[1], x);
    let total = triple.spike(fit.b);
    let reason = format!(
        "отклонение от среднего по региону у одних и тех же учеников: здесь {} стандартного отклонения, годом раньше ({} класс) {} (ожидалось здесь {}), через год ({}, {} класс) {} (ожидалось {})",
        dec1(x),
        grade - 1,
        dec1(x0),
        dec1(fit.a + fit.b * x0),
        next.0.russian(),
        next.1,
        dec1(x2),
        dec1(fit.a + fit.b * x)
    );
    let variance = tau2 + triple.sampling(fit.b);
    let pupils = (triple.matched.m, "во всех трёх годах");
    let what = "подъём над годом раньше и спад через год вместе; ";
    let line = line(fit, spread, tau2 / 2.0);
    finding(
        total,
        variance,
        total / 2.0,
        reason,
        what,
        pupils,
        line,
        cfg,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matched2(m: usize, mean: [f64; 2], cp: [[f64; 2]; 2]) -> Matched<2> {
        Matched { m, mean, cp }
    }

    #[test]
    fn linked_shortfall_and_variance_by_hand() {
        let fit = Fit {
            a: 0.1,
            b: 0.9,
            tau2: 0.05,
            pairs: 100,
        };
        // 20 pupils, means 0.5 and 0.2; their own Σ (x − x̄)² = 19 · 0.8,
        // Σ (y − ȳ)² = 19 · 0.9, Σ (x − x̄)(y − ȳ) = 19 · 0.6; the kind's
        // w = 0.8, w′ = 0.85, ρ = 0.75.
        let link = Link {
            matched: matched2(20, [0.5, 0.2], [[15.2, 11.4], [11.4, 17.1]]),
            w: [0.8, 0.85],
            rho: 0.75,
            kind: 0,
        };
        // d = 0.1 + 0.45 − 0.2 = 0.35.
        assert!((link.shortfall(&fit) - 0.35).abs() < 1e-12);
        // Pooled: 0.81 · 0.8 + 0.85 − 2 · 0.9 · 0.75 · √0.68 = 0.3867741…;
        // own: 0.81 · 0.8 + 0.9 − 2 · 0.9 · 0.6 = 0.468: the larger, / 20.
        assert!((link.sampling(0.9) - 0.468 / 20.0).abs() < 1e-12);
        let pooled = 0.648 + 0.85 - 1.35 * 0.68f64.sqrt();
        let lower = Link {
            matched: matched2(20, [0.5, 0.2], [[15.2, 15.2], [15.2, 17.1]]),
            ..link
        };
        // Own 0.648 + 0.9 − 1.8 · 0.8 = 0.108 < pooled.
        assert!((lower.sampling(0.9) - pooled / 20.0).abs() < 1e-12);
    }

    #[test]
    fn a_spike_of_the_same_pupils_by_hand() {
        // b = 0.9; means 0.1, 0.6, 0.2: (1.9 · 0.6 − 0.9 · 0.1 − 0.2) = 0.85.
        // Pooled with w = (0.8, 0.9, 0.7) and ρ = (0.7, 0.75, 0.6),
        // c = (−0.9, 1.9, −1):
        // 0.81·0.8 + 3.61·0.9 + 0.7 + 2·(−0.9)(1.9)·0.7·√0.72
        // + 2·1.9·(−1)·0.75·√0.63 + 2·(−0.9)(−1)·0.6·√0.56
        // = 0.648 + 3.249 + 0.7 − 2.0309… − 2.2622… + 0.8082… = 1.1121…;
        // its own (cross-products 0 but the diagonal, 12 pupils, each
        // variance 0.5): (0.81 + 3.61 + 1) · 0.5 = 2.71, the larger.
        let t = Triple {
            matched: Matched {
                m: 12,
                mean: [0.1, 0.6, 0.2],
                cp: [[5.5, 0.0, 0.0], [0.0, 5.5, 0.0], [0.0, 0.0, 5.5]],
            },
            w: [0.8, 0.9, 0.7],
            rho: [0.7, 0.75, 0.6],
            kinds: [0, 1],
        };
        assert!((t.spike(0.9) - 0.85).abs() < 1e-12);
        assert!((t.sampling(0.9) - 2.71 / 12.0).abs() < 1e-12);
        let pooled = 0.648 + 3.249 + 0.7
            - 2.0 * 0.9 * 1.9 * 0.7 * 0.72f64.sqrt()
            - 2.0 * 1.9 * 0.75 * 0.63f64.sqrt()
            + 2.0 * 0.9 * 0.6 * 0.56f64.sqrt();
        let tight = Triple {
            matched: Matched {
                cp: [[0.0; 3]; 3],
                ..t.matched
            },
            ..t
        };
        assert!((tight.sampling(0.9) - pooled / 12.0).abs() < 1e-12);
    }

    #[test]
    fn the_spread_by_level_bands() {
        // 1 000 pairs z = 0.000 … 0.999; squared residuals 0.1 below z =
        // 0.05 and 0.01 above, sampling variances 0.005: bands at the 5th,
        // 20th, 80th and 95th percentiles, τ² 0.095 in the lowest, 0.005 in
        // the others.
        let z: Vec<f64> = (0..1000).map(|i| f64::from(i) / 1000.0).collect();
        let y: Vec<f64> = (0..1000).map(|i| if i < 50 { 0.1 } else { 0.01 }).collect();
        let b = Bands::new(&z, &y, &[0.005; 1000]);
        assert_eq!(b.upper, [0.049, 0.199, 0.799, 0.949]);
        assert!((b.tau2(0.03) - 0.095).abs() < 1e-12);
        assert!((b.tau2(0.049) - 0.095).abs() < 1e-12);
        assert!((b.tau2(0.5) - 0.005).abs() < 1e-12);
        assert!((b.tau2(2.0) - 0.005).abs() < 1e-12);
        // 300 pairs: the 20th and 80th percentiles only; 200: one band.
        let b = Bands::new(&z[..300], &y[..300], &[0.005; 300]);
        assert_eq!(b.upper, [0.059, 0.239, f64::INFINITY, f64::INFINITY]);
        let b = Bands::new(&z[..200], &y[..200], &[0.005; 200]);
        assert_eq!(b.upper, [f64::INFINITY; 4]);
        // (50 · 0.1 + 150 · 0.01) / 200 − 0.005 = 0.0275.
        assert!((b.tau2(0.0) - 0.0275).abs() < 1e-12);
        // A pair's τ²: the largest of all pairs', its kind's and its band's.
        let s = Spread {
            all: 0.01,
            kinds: vec![0.02, f64::NAN],
            bands: b,
            pairs: 200,
        };
        assert!((s.tau2(0, 0.0) - 0.0275).abs() < 1e-12);
        let s = Spread { all: 0.03, ..s };
        assert!((s.tau2(1, 0.0) - 0.03).abs() < 1e-12);
    }
}

//! Medals «За особые успехи в учении» of a school's graduates (`medals.csv`).
//!
//! A graduate's final marks follow the teachers' impression of them: general
//! ability and the school's part of it, the school's leniency, and noise
//! (`impression = base + 0.85·g + leniency + 0.3·N(0, 1)`, as the journal
//! marks of [`super::irt::teacher_mark`]). All «5» — impression at least
//! [`ALL_FIVES`] — earns the I degree (gold); a few «4» — within
//! [`FEW_FOURS`] below it — the II degree (silver). From [`RULE_FROM`] a medal
//! also needs EGE results (приказ Минпросвещения России от 29.09.2023 № 730):
//! gold Russian ≥ 70 and ≥ 70 in another subject, silver ≥ 60 and ≥ 60; an
//! honest school gives a gold candidate who falls short of it silver where
//! the silver rule is met, else nothing. About 8 % of the graduates of the
//! simulated regions have a medal.
//!
//! `weak_medals` (planted in the school's EGE Russian cell of the year): the
//! school also gives silver medals to graduates whose impression is up to one
//! SD below the silver line, each with probability 0.3 / 0.5 / 0.8 by
//! intensity; from [`RULE_FROM`] only where the silver rule is met, so every
//! medal passes the rule check and only a statistic can see them.

use super::blueprint::{Exam, Subject};
use super::manipulate::Kind;
use super::rng::{self, Purpose, SimRng};
use super::{CellVisit, SimError, write};

/// The first year in which a medal needs EGE results.
pub const RULE_FROM: u16 = 2024;
/// Impression of a graduate with all «5».
pub const ALL_FIVES: f64 = 2.5;
/// How far below [`ALL_FIVES`] a graduate still has only a few «4».
pub const FEW_FOURS: f64 = 0.25;
/// How far below the silver line a `weak_medals` school reaches.
const WEAK_REACH: f64 = 1.0;

/// One graduate of a school-year: the inputs of the impression and the EGE
/// test scores.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Graduate {
    pub code: u32,
    pub ability: f64,
    pub russian: Option<u8>,
    pub best_other: Option<u8>,
}

impl Graduate {
    fn meets(&self, min: u8) -> bool {
        self.russian.is_some_and(|r| r >= min) && self.best_other.is_some_and(|o| o >= min)
    }
}

/// A medal: gold (I degree) or silver (II degree).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Medal {
    Gold,
    Silver,
}

impl Medal {
    /// Code as written in `medals.csv`.
    pub fn code(self) -> &'static str {
        match self {
            Medal::Gold => "gold",
            Medal::Silver => "silver",
        }
    }
}

/// The medals of a school-year.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Awarded {
    /// (graduate's code, medal), in the graduates' order.
    pub medals: Vec<(u32, Medal)>,
    /// How many of them `weak_medals` gave (0 where not planted).
    pub weak: u32,
}

/// The medals of one school-year's graduates (those who sat EGE Russian), in
/// their order; `weak` is the share of `weak_medals` where planted. One normal
/// draw per graduate and one uniform per graduate within reach of a weak
/// medal, so the draws do not depend on the outcomes.
pub fn award(
    graduates: &[Graduate],
    leniency: f64,
    year: u16,
    weak: Option<f64>,
    rng: &mut SimRng,
) -> Awarded {
    let rule = year >= RULE_FROM;
    let mut out = Awarded::default();
    for g in graduates.iter().filter(|g| g.russian.is_some()) {
        let impression = g.ability + leniency + 0.3 * rng::normal(rng);
        let silver_ok = !rule || g.meets(60);
        let medal = if impression >= ALL_FIVES {
            if !rule || g.meets(70) {
                Some(Medal::Gold)
            } else {
                silver_ok.then_some(Medal::Silver)
            }
        } else if impression >= ALL_FIVES - FEW_FOURS {
            silver_ok.then_some(Medal::Silver)
        } else if impression >= ALL_FIVES - FEW_FOURS - WEAK_REACH {
            let u = rng::unit(rng);
            let lucky = weak.is_some_and(|share| u < share) && silver_ok;
            out.weak += u32::from(lucky);
            lucky.then_some(Medal::Silver)
        } else {
            None
        };
        if let Some(m) = medal {
            out.medals.push((g.code, m));
        }
    }
    out
}

/// The graduates of the school-year being written, gathered from its EGE
/// cells; their medals are written when the next school-year starts (and by
/// [`Gathered::flush`] at the end).
#[derive(Debug, Default)]
pub struct Gathered {
    /// (school index, year index) of the school-year gathered.
    key: Option<(usize, usize)>,
    year: u16,
    school: String,
    leniency: f64,
    weak: Option<f64>,
    /// By pupil index in grade 11.
    graduates: Vec<Graduate>,
}

impl Gathered {
    /// Adds one cell of the replay. When the cell starts a new school-year,
    /// the previous one's medals are written first and how many of them
    /// `weak_medals` gave is returned.
    pub fn add(
        &mut self,
        v: &CellVisit<'_>,
        out: &mut write::Medals,
        seed: u64,
    ) -> Result<Option<u32>, SimError> {
        let mut flushed = None;
        if self.key != Some((v.school_index, v.year_index)) {
            if self.key.is_some() {
                flushed = Some(self.flush(out, seed)?);
            }
            self.key = Some((v.school_index, v.year_index));
            self.year = v.year;
            self.school.clone_from(&v.school.id);
            self.leniency = v.school.leniency;
        }
        if v.test.exam != Exam::Ege {
            return Ok(flushed);
        }
        let grade = &v.school_year.grades[v.cell.grade];
        if self.graduates.is_empty() {
            self.graduates = (grade.pupils.iter())
                .map(|p| Graduate {
                    code: p.code,
                    ability: p.base + 0.85 * p.general,
                    ..Graduate::default()
                })
                .collect();
        }
        for w in &v.works.works {
            let (Some(g), Some(score)) = (
                self.graduates.get_mut(w.pupil as usize),
                v.test.test_score(w.primary),
            ) else {
                continue;
            };
            if v.test.subject == Subject::Ru {
                g.russian = Some(score);
            } else {
                g.best_other = g.best_other.max(Some(score));
            }
        }
        if v.plan.kind == Kind::WeakMedals {
            self.weak = Some(v.plan.intensity.pick([0.3, 0.5, 0.8]));
        }
        Ok(flushed)
    }

    /// Writes the medals of the school-year gathered and starts afresh; how
    /// many of them `weak_medals` gave.
    pub fn flush(&mut self, out: &mut write::Medals, seed: u64) -> Result<u32, SimError> {
        let mut weak = 0;
        if let Some((si, _)) = self.key
            && !self.graduates.is_empty()
        {
            let mut rng = rng::stream(seed, Purpose::Medals, si as u64, u64::from(self.year));
            let awarded = award(
                &self.graduates,
                self.leniency,
                self.year,
                self.weak,
                &mut rng,
            );
            for (code, medal) in awarded.medals {
                out.row(self.year, &self.school, code, medal.code())?;
            }
            weak = awarded.weak;
        }
        self.key = None;
        self.weak = None;
        self.graduates.clear();
        Ok(weak)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::rng::Purpose;

    fn grad(code: u32, ability: f64, russian: u8, other: u8) -> Graduate {
        Graduate {
            code,
            ability,
            russian: Some(russian),
            best_other: Some(other),
        }
    }

    #[test]
    fn the_rule_holds_from_2024_and_weak_medals_only_add_silver() {
        // Strong, middling and weak graduates with varied EGE results.
        let graduates: Vec<Graduate> = (0..4000)
            .map(|i| {
                let ability = -1.0 + 4.0 * (i % 400) as f64 / 400.0;
                let score = (40 + (i * 7) % 60) as u8;
                grad(i as u32, ability, score, (35 + (i * 11) % 65) as u8)
            })
            .collect();
        let of = |year: u16, weak: Option<f64>| {
            let mut rng = rng::stream(1, Purpose::Medals, 0, u64::from(year));
            award(&graduates, 0.0, year, weak, &mut rng)
        };
        for (code, medal) in of(2025, None).medals {
            let g = &graduates[code as usize];
            let min = if medal == Medal::Gold { 70 } else { 60 };
            assert!(g.meets(min), "{medal:?} to {g:?}");
        }
        let honest = of(2023, None);
        assert_eq!(honest.weak, 0);
        let Awarded {
            medals: weak,
            weak: counted,
        } = of(2023, Some(0.8));
        let honest = honest.medals;
        assert!(honest.iter().any(|m| m.1 == Medal::Gold));
        // The same draws: every honest medal stays; the added ones are silver.
        for m in &honest {
            assert!(weak.contains(m), "{m:?}");
        }
        let added: Vec<_> = weak.iter().filter(|m| !honest.contains(m)).collect();
        assert!(
            added.len() > honest.len() / 2,
            "{} {}",
            added.len(),
            honest.len()
        );
        assert!(added.iter().all(|m| m.1 == Medal::Silver));
        // The count truth.csv gets is the medals added.
        assert_eq!(counted as usize, added.len());
        // With the rule every added medal meets the silver minimums.
        for (code, _) in of(2025, Some(0.8)).medals {
            assert!(graduates[code as usize].meets(60));
        }
    }
}

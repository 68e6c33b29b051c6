//! `[sample]` in the TOML configuration.

use std::fmt;

use serde::Deserialize;

/// A stratum size: a number of schools, or a share written as `"10%"`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Size {
    Count(usize),
    /// 0..=1.
    Share(f64),
}

impl Size {
    /// How many of `available` schools to take: a share is rounded up, so
    /// that «15%» of one listed school takes it (rounded, it took none).
    pub fn of(self, available: usize) -> usize {
        match self {
            Size::Count(k) => k.min(available),
            Size::Share(s) => {
                let x = s * available as f64;
                (((x - 1e-9).ceil().max(0.0)) as usize).min(available)
            }
        }
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Size::Count(k) => write!(f, "{k}"),
            Size::Share(s) => write!(f, "{} %", s * 100.0),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SizeRepr {
    Count(u64),
    Text(String),
}

impl TryFrom<SizeRepr> for Size {
    type Error = String;

    fn try_from(r: SizeRepr) -> Result<Size, String> {
        match r {
            SizeRepr::Count(k) => Ok(Size::Count(k as usize)),
            SizeRepr::Text(t) => {
                let bad = || format!("нужно число ОО или доля, например \"10%\", а указано «{t}»");
                let t = t.trim();
                if let Some(p) = t.strip_suffix('%') {
                    let x: f64 = p.trim().replace(',', ".").parse().map_err(|_| bad())?;
                    if !(0.0..=100.0).contains(&x) {
                        return Err(bad());
                    }
                    Ok(Size::Share(x / 100.0))
                } else {
                    t.parse::<usize>().map(Size::Count).map_err(|_| bad())
                }
            }
        }
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Size, D::Error> {
        let r = SizeRepr::deserialize(d)?;
        Size::try_from(r).map_err(serde::de::Error::custom)
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SampleConfig {
    pub seed: u64,
    /// The year to draw from; the last year in the data when absent.
    pub year: Option<u16>,
    pub risk: Size,
    pub high_without_signs: Size,
    pub random: Size,
    pub min_works: usize,
    /// Top share of eligible schools by standardized result counted as "high".
    pub high_share: f64,
    pub works_per_school: usize,
    pub random_works_share: f64,
    /// Re-check: a school's inflation counts as found when the lower 95 %
    /// bound of its mean score drop (share of the maximum) is above 0 and the
    /// mean drop is at least this.
    pub recheck_min_drop: f64,
}

impl Default for SampleConfig {
    fn default() -> Self {
        SampleConfig {
            seed: 1,
            year: None,
            risk: Size::Count(10),
            high_without_signs: Size::Count(5),
            random: Size::Count(10),
            min_works: 20,
            high_share: 0.2,
            works_per_school: 20,
            random_works_share: 0.25,
            recheck_min_drop: 0.02,
        }
    }
}

impl SampleConfig {
    pub fn validate(&self) -> Result<(), String> {
        let share = |x: f64| (0.0..=1.0).contains(&x);
        if !share(self.high_share) || !share(self.random_works_share) {
            return Err("[sample] high_share и random_works_share должны быть от 0 до 1".into());
        }
        if !(0.0..1.0).contains(&self.recheck_min_drop) {
            return Err("[sample] recheck_min_drop должно быть от 0 до 1".into());
        }
        if self.min_works == 0 || self.works_per_school == 0 {
            return Err("[sample] min_works и works_per_school должны быть не меньше 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct W {
        s: Size,
    }

    fn parse(v: &str) -> Result<Size, String> {
        toml::from_str::<W>(&format!("s = {v}"))
            .map(|w| w.s)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn sizes() {
        assert_eq!(parse("12").unwrap(), Size::Count(12));
        assert_eq!(parse("\"12\"").unwrap(), Size::Count(12));
        assert_eq!(parse("\"10%\"").unwrap(), Size::Share(0.1));
        assert_eq!(parse("\"2,5 %\"").unwrap(), Size::Share(0.025));
        assert!(parse("\"abc\"").is_err());
        assert!(parse("\"150%\"").is_err());
        // Shares round up: 2.5 → 3, 0.15 → 1, 3.0 stays 3 (0.1 · 30 is
        // 3.0000000000000004 in floating point), 0 of none.
        assert_eq!(Size::Share(0.1).of(25), 3);
        assert_eq!(Size::Share(0.15).of(1), 1);
        assert_eq!(Size::Share(0.1).of(30), 3);
        assert_eq!(Size::Share(0.15).of(0), 0);
        assert_eq!(Size::Share(0.0).of(10), 0);
        assert_eq!(Size::Count(30).of(7), 7);
        let e = parse("\"abc\"").unwrap_err();
        assert!(e.contains("нужно число ОО или доля"), "{e}");
    }
}

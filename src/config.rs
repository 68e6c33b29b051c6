//! The validated configuration the library runs with, read from TOML.
//! `obektiv config --default` prints [`DEFAULT_TOML`].

use std::path::Path;

use serde::Deserialize;

use crate::error::ConfigError;

/// The default configuration, with comments; parsing it gives [`Config::default`].
pub const DEFAULT_TOML: &str = r#"# obektiv configuration. Every key is optional; missing keys take these values.

[output]
# "plain": UTF-8, comma-separated, decimal point (for scripts and other tools).
# "excel-ru": UTF-8 with BOM, semicolon-separated, decimal comma (opens directly
# in Excel with Russian regional settings).
csv_dialect = "plain"

[signs]
# How the list is chosen (the school-year is the unit that is listed; see the
# methods section of the report and the module doc of src/evidence.rs).
# "fdr": Benjamini-Hochberg over the year's schools at q_max. Guarantee: among
#   the listed schools, the expected share of honest ones is at most q_max.
#   The default, for the published list, where a false listing is costly.
# "fpr": a school is listed when its p-value (divided by its weight) is at most
#   fpr_max. Guarantee: an honest school is listed with probability at most
#   fpr_max, however few schools manipulate. For choosing schools to re-check,
#   where a false listing costs one re-check.
control = "fdr"
q_max = 0.05
fpr_max = 0.01
# Cells with fewer works are not evaluated (evaluated = false, with the reason).
# From this many works on a cell carries its numbers: a small cell adds to its
# school's evidence (pooled over the school's cells) and is marked only as part
# of a listed school; its p-values are exact or small-sample tests.
min_works = 5
# Fewest cells in a peer group for its own regional reference (else the whole test).
min_cells = 10
# Minimum effects (below them a sign's p-value counts as 1): S1 shrunk excess of
# the mean (share of the maximum score), S2 excess hard-task score (share of the
# hard maximum), S3 excess share of works at the cut-offs, S4 excess share of
# marks in the sign's direction, S5 share of works in groups of identical
# answers, S6 departure of the cell's mean residual from its school's usual one
# (in SD of results within a class; 0.2 is a "small" standardized effect,
# Cohen 1988).
high_result_min_effect = 0.05
task_profile_min_effect = 0.10
cutoff_min_effect = 0.10
journal_min_effect = 0.10
identical_min_effect = 0.10
own_marks_min_effect = 0.20
# Fewest evaluated cells (of one exam, else of all exams) to fit a sign's
# empirical null on the region's own cells; with fewer the theoretical null is used.
null_min_cells = 100

[lists]
# Weight of a school that was on the list the previous year (weighted
# Benjamini-Hochberg; the year's weights are rescaled to average 1).
persistence_weight = 2.0
# Objective list: at least this many evaluated cells in every year, and the
# school-year p-value at least objective_p_min in every year.
objective_min_cells = 2
objective_p_min = 0.25

[sample]
# The cross-check sample (recheck_sample.csv, recheck_works.csv), drawn from the
# last year in the data unless `year = 2025` is given. Change the seed for each
# draw (for example to the date of the draw, 20250415) and publish it: the same
# data, configuration and seed redraw the same sample on any machine.
seed = 1
# Stratum sizes: a number of schools, or a share such as "10%" (risk and
# high_without_signs: of the stratum's candidates; random: of all eligible schools).
risk = 10
high_without_signs = 5
random = 10
# Schools with fewer works in the year are not drawn.
min_works = 20
# "High results": S1 fired in a cell, or the school's standardized result is in
# this top share of eligible schools.
high_share = 0.2
# Works to re-check per school, and the share of them drawn at random.
works_per_school = 20
random_works_share = 0.25
# Re-check: inflation is found when the lower 95 % bound of the school's mean
# score drop (share of the maximum) is above 0 and the mean drop is at least this.
recheck_min_drop = 0.02
"#;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum CsvDialect {
    #[default]
    #[serde(rename = "plain")]
    Plain,
    #[serde(rename = "excel-ru")]
    ExcelRu,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutputConfig {
    pub csv_dialect: CsvDialect,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub output: OutputConfig,
    pub signs: crate::signs::SignsConfig,
    pub lists: crate::risk::ListsConfig,
    pub sample: crate::sample::SampleConfig,
}

impl Config {
    /// Parses and validates (every threshold is checked here, once).
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let c: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        c.signs.validate().map_err(|m| ConfigError::Parse {
            path: path.to_owned(),
            message: m,
        })?;
        c.sample.validate().map_err(|m| ConfigError::Parse {
            path: path.to_owned(),
            message: m,
        })?;
        c.lists.validate().map_err(|m| ConfigError::Parse {
            path: path.to_owned(),
            message: m,
        })?;
        Ok(c)
    }

    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_text_is_the_default() {
        assert_eq!(
            Config::from_toml(DEFAULT_TOML, Path::new("d")).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn unknown_key_is_an_error() {
        let e = Config::from_toml("[output]\ncsv_dialekt = 1\n", Path::new("c.toml")).unwrap_err();
        assert!(e.to_string().starts_with("c.toml: "), "{e}");
    }

    #[test]
    fn excel_dialect() {
        let c =
            Config::from_toml("[output]\ncsv_dialect = \"excel-ru\"\n", Path::new("c")).unwrap();
        assert_eq!(c.output.csv_dialect, CsvDialect::ExcelRu);
    }
}

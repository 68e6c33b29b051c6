//! Two-level normal random-effects model, cells within schools: the predictive
//! distribution of one cell given the same school's other cells.
//!
//! A cell's estimate y_i (say, its mean residual) with known sampling variance
//! v_i is y_i = μ + u_s + e_i + ε_i, with u_s ~ N(0, τ²_s) the school's effect
//! (shared by all its cells of the year: its marking habit), e_i ~ N(0, τ²_c) the
//! cell's own departure from it (one teacher, one cohort), ε_i ~ N(0, v_i).
//!
//! **Fit** (moments, in two stages, each a DerSimonian–Laird step):
//! 1. τ²_c from the within-school scatter, where the school effect cancels: per
//!    school with k_s ≥ 2 cells, Q_s = Σ w_i (y_i − ȳ_s)² with w_i = 1/v_i and ȳ_s
//!    the w-weighted mean; E Q_s = (k_s − 1) + τ²_c (Σw − Σw²/Σw), so
//!    τ²_c = max(0, (Σ Q_s − Σ (k_s − 1)) / Σ (Σw − Σw²/Σw)).
//! 2. μ and τ²_s from the school means m_s (weights w*_i = 1/(v_i + τ²_c)) with
//!    variances V_s = 1/Σ w*_i, by DerSimonian–Laird across schools
//!    ([`crate::stats::random_effects`]).
//!
//! **Prediction.** Given the school's other cells O (sums Σ_O w*_o and Σ_O w*_o y_o,
//! so m_O and V_O = 1/Σ_O w*_o), the school effect is N(B (m_O − μ), τ²_s (1 − B))
//! with B = τ²_s / (τ²_s + V_O), and the cell is
//! y_i ~ N(μ + B (m_O − μ), v_i + τ²_c + τ²_s V_O / (τ²_s + V_O)).
//! Without other cells (B = 0) this is the regional predictive N(μ, v_i + τ²_c + τ²_s);
//! with many, the school's own level: a cell is judged against its own school as
//! far as the school's other cells say something about it, and no further.
//!
//! References: DerSimonian R., Laird N. (1986) Controlled Clinical Trials 7;
//! Goldstein H. (2011) Multilevel Statistical Models, 4th ed., ch. 2 (the
//! conditional distribution of one unit given the others of its group).

use super::random_effects::RandomEffects;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Nested {
    pub mu: f64,
    pub tau2_school: f64,
    pub tau2_cell: f64,
}

impl Nested {
    /// Fit to groups (schools) of cells (y, v). None with fewer than 3 groups,
    /// or a variance that is not positive and finite. τ²_c = 0 when no school
    /// has two cells (then it is not identifiable and τ²_s takes all the spread).
    pub fn fit(groups: &[Vec<(f64, f64)>]) -> Option<Nested> {
        let groups: Vec<&Vec<(f64, f64)>> = groups.iter().filter(|g| !g.is_empty()).collect();
        if groups.len() < 3
            || groups
                .iter()
                .flat_map(|g| g.iter())
                .any(|&(y, v)| !(v > 0.0 && v.is_finite() && y.is_finite()))
        {
            return None;
        }
        let (mut q, mut df, mut c) = (0.0, 0.0, 0.0);
        for g in groups.iter().filter(|g| g.len() >= 2) {
            let sw: f64 = g.iter().map(|&(_, v)| 1.0 / v).sum();
            let sw2: f64 = g.iter().map(|&(_, v)| 1.0 / (v * v)).sum();
            let mean = g.iter().map(|&(y, v)| y / v).sum::<f64>() / sw;
            q += g.iter().map(|&(y, v)| (y - mean).powi(2) / v).sum::<f64>();
            df += g.len() as f64 - 1.0;
            c += sw - sw2 / sw;
        }
        let tau2_cell = if c > 0.0 {
            ((q - df) / c).max(0.0)
        } else {
            0.0
        };
        let (means, vars): (Vec<f64>, Vec<f64>) = groups
            .iter()
            .map(|g| {
                let sw: f64 = g.iter().map(|&(_, v)| 1.0 / (v + tau2_cell)).sum();
                let m = g.iter().map(|&(y, v)| y / (v + tau2_cell)).sum::<f64>() / sw;
                (m, 1.0 / sw)
            })
            .unzip();
        let re = RandomEffects::fit(&means, &vars)?;
        Some(Nested {
            mu: re.mu,
            tau2_school: re.tau2,
            tau2_cell,
        })
    }

    /// The weight w* = 1/(v + τ²_c) of a cell in its school's mean.
    pub fn weight(&self, v: f64) -> f64 {
        1.0 / (v + self.tau2_cell)
    }

    /// Predictive (mean, variance) of a cell with sampling variance `v`, given
    /// the school's other cells as Σ w* (`sum_w`) and Σ w* y (`sum_wy`); both 0
    /// when it has none.
    pub fn predict(&self, v: f64, sum_w: f64, sum_wy: f64) -> (f64, f64) {
        let extra = self.tau2_cell + v;
        if sum_w <= 0.0 || self.tau2_school <= 0.0 {
            return (self.mu, extra + self.tau2_school);
        }
        let v_o = 1.0 / sum_w;
        let m_o = sum_wy / sum_w;
        let b = self.tau2_school / (self.tau2_school + v_o);
        (
            self.mu + b * (m_o - self.mu),
            extra + self.tau2_school * v_o / (self.tau2_school + v_o),
        )
    }

    /// Predictive z of a cell (y, v) given its school's other cells.
    pub fn z(&self, y: f64, v: f64, sum_w: f64, sum_wy: f64) -> f64 {
        let (m, var) = self.predict(v, sum_w, sum_wy);
        if var > 0.0 { (y - m) / var.sqrt() } else { 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Vec<Vec<(f64, f64)>> {
        vec![
            vec![(0.3, 0.05), (0.5, 0.04), (0.1, 0.08)],
            vec![(-0.2, 0.05), (-0.4, 0.1)],
            vec![(0.0, 0.05)],
            vec![(0.6, 0.02), (0.2, 0.05), (0.9, 0.05), (0.4, 0.04)],
            vec![(-0.5, 0.06), (-0.1, 0.05)],
        ]
    }

    #[test]
    fn fit_and_prediction_match_numpy_by_formula() {
        // numpy, by the formulas of the module doc on groups():
        //   stage 1: Q = 8.686429512516469, df = 7, c = 149.34123847167325
        //            tau2_cell = (Q - df) / c = 0.011292456991618878
        //   stage 2: DerSimonian-Laird on the school means with V_s = 1/sum(1/(v + tau2_cell))
        //            tau2_school = 0.13203144220317523, mu = 0.08512365386787948
        //   predict for v = 0.05 given group 0 minus its first cell
        //   (others (0.5, 0.04), (0.1, 0.08)):
        //            mean = 0.30212981995945826, var = 0.08759177132765104
        //   z(0.3) = -0.007196332779651429
        let n = Nested::fit(&groups()).unwrap();
        assert!((n.tau2_cell - 0.011292456991618878).abs() < 1e-12, "{n:?}");
        assert!((n.tau2_school - 0.13203144220317523).abs() < 1e-12, "{n:?}");
        assert!((n.mu - 0.08512365386787948).abs() < 1e-12, "{n:?}");
        let (sw, swy) = [(0.5, 0.04), (0.1, 0.08)]
            .iter()
            .fold((0.0, 0.0), |(a, b), &(y, v)| {
                (a + n.weight(v), b + n.weight(v) * y)
            });
        let (m, var) = n.predict(0.05, sw, swy);
        assert!((m - 0.30212981995945826).abs() < 1e-12);
        assert!((var - 0.08759177132765104).abs() < 1e-12);
        assert!((n.z(0.3, 0.05, sw, swy) - -0.007196332779651429).abs() < 1e-10);
    }

    #[test]
    fn without_other_cells_the_prediction_is_regional() {
        let n = Nested {
            mu: 0.1,
            tau2_school: 0.2,
            tau2_cell: 0.05,
        };
        let (m, var) = n.predict(0.04, 0.0, 0.0);
        assert_eq!(m, 0.1);
        assert!((var - 0.29).abs() < 1e-12);
    }

    #[test]
    fn edge_cases() {
        // One cell per school: tau2_cell is not identifiable and is 0.
        let single = vec![vec![(0.1, 0.05)], vec![(0.4, 0.05)], vec![(-0.3, 0.05)]];
        let n = Nested::fit(&single).unwrap();
        assert_eq!(n.tau2_cell, 0.0);
        // Identical cells: no spread at either level.
        let flat = vec![vec![(0.2, 0.05), (0.2, 0.05)]; 4];
        let n = Nested::fit(&flat).unwrap();
        assert_eq!((n.tau2_cell, n.tau2_school), (0.0, 0.0));
        assert!((n.mu - 0.2).abs() < 1e-12);
        // Too few schools, or a zero variance.
        assert_eq!(Nested::fit(&single[..2]), None);
        assert_eq!(
            Nested::fit(&[vec![(0.1, 0.0)], vec![(0.2, 0.1)], vec![(0.3, 0.1)]]),
            None
        );
    }
}

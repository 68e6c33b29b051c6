//! Normal random-effects model for cell means: empirical-Bayes shrinkage and
//! the predictive z of a cell against its peer group.
//!
//! Cell means m_i with sampling variances v_i (σ²_within / n_i) scatter around
//! the group mean μ with between-school variance τ². τ² by the DerSimonian–Laird
//! moment estimator (DerSimonian R., Laird N. (1986) Meta-analysis in clinical
//! trials. Controlled Clinical Trials 7, 177–188): Q = Σ w_i (m_i − m̄_w)²,
//! w_i = 1/v_i, τ² = max(0, (Q − (k − 1)) / (Σw − Σw²/Σw)); μ is the mean
//! weighted by 1/(v_i + τ²).
//!
//! Under the null that the school is an ordinary member of its peer group, its
//! mean is N(μ, τ² + v_i): z_i = (m_i − μ) / √(τ² + v_i). A small cell's v_i is
//! large, so its z stays small: small schools are not flagged on noise. The
//! empirical-Bayes estimate of the school's level is μ + τ²/(τ² + v_i)·(m_i − μ)
//! (Efron B., Morris C. (1975) Data analysis using Stein's estimator. JASA 70).

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RandomEffects {
    pub mu: f64,
    pub tau2: f64,
}

impl RandomEffects {
    /// DerSimonian–Laird fit; None with fewer than 3 cells or a non-positive variance.
    pub fn fit(means: &[f64], variances: &[f64]) -> Option<RandomEffects> {
        if means.len() < 3
            || means.len() != variances.len()
            || variances.iter().any(|&v| v <= 0.0 || !v.is_finite())
        {
            return None;
        }
        let w: Vec<f64> = variances.iter().map(|v| 1.0 / v).collect();
        let sw: f64 = w.iter().sum();
        let mbar = w.iter().zip(means).map(|(w, m)| w * m).sum::<f64>() / sw;
        let q: f64 = w
            .iter()
            .zip(means)
            .map(|(w, m)| w * (m - mbar).powi(2))
            .sum();
        let c = sw - w.iter().map(|w| w * w).sum::<f64>() / sw;
        let tau2 = if c > 0.0 {
            ((q - (means.len() as f64 - 1.0)) / c).max(0.0)
        } else {
            0.0
        };
        let ws: Vec<f64> = variances.iter().map(|v| 1.0 / (v + tau2)).collect();
        let mu = ws.iter().zip(means).map(|(w, m)| w * m).sum::<f64>() / ws.iter().sum::<f64>();
        Some(RandomEffects { mu, tau2 })
    }

    /// Predictive z of a cell mean with sampling variance `v`.
    pub fn z(&self, mean: f64, v: f64) -> f64 {
        let sd = (self.tau2 + v).sqrt();
        if sd > 0.0 { (mean - self.mu) / sd } else { 0.0 }
    }

    /// Empirical-Bayes (shrunk) estimate of the cell's level.
    pub fn shrunk(&self, mean: f64, v: f64) -> f64 {
        if self.tau2 + v <= 0.0 {
            return self.mu;
        }
        self.mu + self.tau2 / (self.tau2 + v) * (mean - self.mu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_numpy_by_formula() {
        // numpy, DerSimonian-Laird by the formulas above on
        // m = [0.50, 0.62, 0.55, 0.71, 0.48], v = [0.004, 0.002, 0.003, 0.0025, 0.005]:
        // tau2 = 0.005463197586726996, mu = 0.5802225733924018,
        // z(m4) = 1.4543047154105124, shrunk(m4) = 0.6692571246681388
        let m = [0.50, 0.62, 0.55, 0.71, 0.48];
        let v = [0.004, 0.002, 0.003, 0.0025, 0.005];
        let re = RandomEffects::fit(&m, &v).unwrap();
        assert!((re.tau2 - 0.005463197586726996).abs() < 1e-12);
        assert!((re.mu - 0.5802225733924018).abs() < 1e-12);
        assert!((re.z(0.71, 0.0025) - 1.4543047154105124).abs() < 1e-10);
        assert!((re.shrunk(0.71, 0.0025) - 0.6692571246681388).abs() < 1e-10);
    }

    #[test]
    fn homogeneous_means_give_zero_tau() {
        let re = RandomEffects::fit(&[0.5, 0.5, 0.5, 0.5], &[0.01; 4]).unwrap();
        assert_eq!(re.tau2, 0.0);
        assert_eq!(RandomEffects::fit(&[0.5, 0.6], &[0.01, 0.01]), None);
        assert_eq!(
            RandomEffects::fit(&[0.5, 0.6, 0.7], &[0.01, 0.0, 0.01]),
            None
        );
    }
}

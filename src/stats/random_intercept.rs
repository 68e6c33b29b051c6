//! A school's count of successes among its pupils when each pupil has a known
//! reference rate and the school moves all of them together on the logit
//! scale: the random-intercept logistic model of clustered binary outcomes
//! (the model behind hospital profiling, Normand, Glickman & Gatsonis 1997;
//! Spiegelhalter 2005).
//!
//! * **Model**: given the school's intercept u ~ N(0, τ²), pupil j succeeds
//!   independently with rate expit(logit r_j + u); the count O is then
//!   Poisson-binomial given u, and P(O ≤ k) = ∫ PB(k | u) φ(z) dz, u = τ z.
//!   A shift on the logit scale moves a school's pupils near the rate's
//!   steep part most — a school's leniency adds few medals among weak
//!   graduates and many among those near the line — which a beta-binomial
//!   with one spread ρ for every share cannot say: on simulated medals its
//!   centre fitted ρ ≈ 0.002 while the variance asked for 0.016.
//! * **Quadrature**: the trapezoidal rule on z ∈ [−6.25, 6.25] with step
//!   0.25 (51 nodes), weights φ(z) normalised to 1; for a smooth integrand
//!   against the normal density the rule converges geometrically (Trefethen
//!   & Weideman 2014: 10⁻⁹ of SciPy's adaptive integration at τ = 2 in the
//!   tests, 6·10⁻⁹ with step 0.4), and the mass beyond ±6.25 is 4·10⁻¹⁰.
//! * **Fit of τ**: each school's randomized probability-integral transform U
//!   (uniform on [F(o − 1), F(o)]) is exactly uniform when the model holds, so
//!   the probability that U lies in [¼, ¾],
//!   w = |[F(o − 1), F(o)] ∩ [¼, ¾]| / (F(o) − F(o − 1)), has mean ½ for
//!   every school whatever its size or rates; τ solves Σ w(τ) = N / 2 (the
//!   interquartile fit of the empirical null, Efron 2004, for a count). A
//!   school's weight is at most 1, so a few schools far in the tail — the
//!   ones a sign is after — move τ a little (a school contributes 0 instead
//!   of ½ on average), where the moment estimator's squared residuals let
//!   five inflating schools of 240 triple the spread. τ = 0 where the
//!   schools are no wider than chance; the search doubles τ from ¼ up to
//!   [`MAX_TAU`] and then closes in by false position (Illinois) to 10⁻⁹ of τ.

use rayon::prelude::*;

/// The largest school-to-school SD on the logit scale the fit returns.
pub const MAX_TAU: f64 = 8.0;

/// Nodes and weights of the normal quadrature.
fn nodes() -> [(f64, f64); 51] {
    let mut out = [(0.0, 0.0); 51];
    let mut total = 0.0;
    for (i, n) in out.iter_mut().enumerate() {
        let z = -6.25 + 0.25 * i as f64;
        *n = (z, (-0.5 * z * z).exp());
        total += n.1;
    }
    for n in &mut out {
        n.1 /= total;
    }
    out
}

/// The odds p / (1 − p), p kept within 10⁻¹² of 0 and 1.
fn odds(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    p / (1.0 - p)
}

fn logit(p: f64) -> f64 {
    odds(p).ln()
}

/// P(O = k) for k ≤ `upto` of the Poisson-binomial with rates `p`, added to
/// `acc` with weight `w`.
fn add_pmf(p: impl Iterator<Item = f64>, upto: usize, w: f64, acc: &mut [f64], buf: &mut Vec<f64>) {
    buf.clear();
    buf.resize(upto + 1, 0.0);
    buf[0] = 1.0;
    let mut reach = 0;
    for pi in p {
        reach = (reach + 1).min(upto);
        for j in (1..=reach).rev() {
            buf[j] = buf[j] * (1.0 - pi) + buf[j - 1] * pi;
        }
        buf[0] *= 1.0 - pi;
    }
    for (a, b) in acc.iter_mut().zip(buf.iter()) {
        *a += w * b;
    }
}

/// P(O = k) for k = 0..=`upto` of the count of a school with reference
/// rates `rates` and school-to-school SD `tau` on the logit scale.
pub fn pmf_upto(rates: &[f64], upto: usize, tau: f64) -> Vec<f64> {
    let mut acc = vec![0.0; upto + 1];
    let mut buf = Vec::new();
    if tau <= 0.0 {
        add_pmf(rates.iter().copied(), upto, 1.0, &mut acc, &mut buf);
        return acc;
    }
    // On the odds scale a shift u is a factor e^u: one exponential per node,
    // not one per pupil and node.
    let odds: Vec<f64> = rates.iter().map(|&r| odds(r)).collect();
    for (z, w) in nodes() {
        let factor = (tau * z).exp();
        let shifted = odds.iter().map(|o| {
            let o = o * factor;
            o / (1.0 + o)
        });
        add_pmf(shifted, upto, w, &mut acc, &mut buf);
    }
    acc
}

/// P(O ≥ o); exactly 1 at o = 0 and 0 above the number of pupils.
pub fn sf(rates: &[f64], o: u64, tau: f64) -> f64 {
    if o == 0 {
        return 1.0;
    }
    if o as usize > rates.len() {
        return 0.0;
    }
    let below: f64 = pmf_upto(rates, o as usize - 1, tau).iter().sum();
    (1.0 - below).clamp(0.0, 1.0)
}

/// The probability that the randomized probability-integral transform of a
/// count `o` lies in [¼, ¾] (module docs).
fn central_weight(rates: &[f64], o: u64, tau: f64) -> f64 {
    let o = (o as usize).min(rates.len());
    let pmf = pmf_upto(rates, o, tau);
    let hi: f64 = pmf.iter().sum::<f64>().min(1.0);
    let lo = (hi - pmf[o]).max(0.0);
    if hi - lo <= 1e-300 {
        // A count the model cannot give: in the tail.
        return 0.0;
    }
    (hi.min(0.75) - lo.max(0.25)).max(0.0) / (hi - lo)
}

/// Σ w over the schools at `tau`, summed in the schools' order (the same
/// figure at any thread count).
fn central_sum(schools: &[(&[f64], u64)], tau: f64) -> f64 {
    let w: Vec<f64> = (schools.par_iter())
        .map(|&(rates, o)| central_weight(rates, o, tau))
        .collect();
    w.iter().sum()
}

/// τ fitted to the schools' (rates, count) by the interquartile equation
/// (module docs); 0 without schools.
pub fn fit_tau(schools: &[(&[f64], u64)]) -> f64 {
    let half = schools.len() as f64 / 2.0;
    let g = |tau: f64| central_sum(schools, tau) - half;
    let mut g_lo = g(0.0);
    if schools.is_empty() || g_lo >= 0.0 {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0, 0.25);
    let mut g_hi = g(hi);
    while g_hi < 0.0 {
        if hi >= MAX_TAU {
            return MAX_TAU;
        }
        (lo, g_lo) = (hi, g_hi);
        hi *= 2.0;
        g_hi = g(hi);
    }
    // The root bracketed, g(lo) < 0 ≤ g(hi): false position with the
    // Illinois modification (Dowell & Jarratt 1971), superlinear where Σ w is
    // smooth, which with many schools it nearly is — a handful of sums where
    // bisection took 24 (each sum is one mixture per school). Every step stays
    // inside the bracket; the bracket end returned, as by bisection, is the
    // smallest τ found with Σ w ≥ N / 2.
    let mut kept = 0i8;
    for _ in 0..100 {
        if hi - lo <= 1e-9 * hi {
            break;
        }
        let mut mid = (lo * g_hi - hi * g_lo) / (g_hi - g_lo);
        if !(mid > lo && mid < hi) {
            mid = 0.5 * (lo + hi);
        }
        let g_mid = g(mid);
        if g_mid >= 0.0 {
            (hi, g_hi) = (mid, g_mid);
            if kept == 1 {
                g_lo *= 0.5;
            }
            kept = 1;
        } else {
            (lo, g_lo) = (mid, g_mid);
            if kept == -1 {
                g_hi *= 0.5;
            }
            kept = -1;
        }
    }
    hi
}

/// A school's reference rates, its count and its covariate.
pub type Leveled<'a> = (&'a [f64], u64, f64);

/// β of rate = expit(logit r_j + β x) by maximum likelihood over the pupils
/// as independent: [`fit_slopes`] with one covariate.
pub fn fit_slope(schools: &[Leveled<'_>]) -> f64 {
    let list: Vec<Covariates<'_, 1>> = schools.iter().map(|&(r, o, x)| (r, o, [x])).collect();
    fit_slopes(&list)[0]
}

/// A school's reference rates, its count and its K covariates.
pub type Covariates<'a, const K: usize> = (&'a [f64], u64, [f64; K]);

/// β of rate = expit(logit r_j + β · x) by maximum likelihood over the pupils
/// as independent (the working model of a marginal fit; Newton's method from
/// 0, the step scaled so that no school's rates move more than
/// [`MAX_SHIFT`] on the logit scale at once): `schools` holds each school's
/// reference rates, its count and its covariates x. The score and
/// information need only the counts: U = Σ x (O − Σ p_j),
/// I = Σ x xᵀ Σ p_j (1 − p_j). A covariate without information (0 in every
/// school, or a copy of another) keeps β = 0. The schools' sums are computed
/// in parallel and added in the schools' order (the same figure at any
/// thread count).
pub fn fit_slopes<const K: usize>(schools: &[Covariates<'_, K>]) -> [f64; K] {
    let logits: Vec<Vec<f64>> = (schools.par_iter())
        .map(|(r, _, _)| r.iter().map(|&p| logit(p)).collect())
        .collect();
    let mut beta = [0.0; K];
    for _ in 0..200 {
        let sums: Vec<(f64, f64)> = (schools.par_iter().zip(&logits))
            .map(|((_, _, x), l)| {
                let shift: f64 = x.iter().zip(&beta).map(|(a, b)| a * b).sum();
                l.iter().fold((0.0, 0.0), |(mean, var), li| {
                    let p = 1.0 / (1.0 + (-(li + shift)).exp());
                    (mean + p, var + p * (1.0 - p))
                })
            })
            .collect();
        let mut score = [0.0; K];
        let mut info = [[0.0; K]; K];
        for ((_, o, x), (mean, var)) in schools.iter().zip(&sums) {
            for a in 0..K {
                score[a] += x[a] * (*o as f64 - mean);
                for b in 0..K {
                    info[a][b] += x[a] * x[b] * var;
                }
            }
        }
        let Some(step) = solve(info, score) else {
            return beta;
        };
        let moved = (schools.iter())
            .map(|(_, _, x)| x.iter().zip(&step).map(|(a, s)| a * s).sum::<f64>().abs())
            .fold(0.0f64, f64::max);
        let scale = if moved > MAX_SHIFT {
            MAX_SHIFT / moved
        } else {
            1.0
        };
        for (b, s) in beta.iter_mut().zip(&step) {
            *b += s * scale;
        }
        if step.iter().all(|s| s.abs() < 1e-12) {
            break;
        }
    }
    beta
}

/// The largest move of a school's rates on the logit scale in one step of
/// [`fit_slopes`].
pub const MAX_SHIFT: f64 = 0.5;

/// x solving a x = b by Gaussian elimination with partial pivoting; a
/// pivot below 10⁻¹² of the matrix's largest entry leaves its unknown at 0
/// (a covariate without information); None for a zero matrix.
fn solve<const K: usize>(mut a: [[f64; K]; K], mut b: [f64; K]) -> Option<[f64; K]> {
    let largest = a.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
    if largest <= 0.0 {
        return None;
    }
    let tiny = 1e-12 * largest;
    let mut used = [false; K];
    for col in 0..K {
        let pivot = (col..K).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() <= tiny {
            continue;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        used[col] = true;
        let (pivot_row, pivot_b) = (a[col], b[col]);
        for row in (0..K).filter(|&r| r != col) {
            let f = a[row][col] / pivot_row[col];
            for (v, p) in a[row].iter_mut().zip(&pivot_row) {
                *v -= f * p;
            }
            b[row] -= f * pivot_b;
        }
    }
    let mut x = [0.0; K];
    for i in 0..K {
        if used[i] {
            x[i] = b[i] / a[i][i];
        }
    }
    Some(x)
}

/// The rates moved on the logit scale by `shift`.
pub fn shifted(rates: &[f64], shift: f64) -> Vec<f64> {
    (rates.iter())
        .map(|&r| 1.0 / (1.0 + (-(logit(r) + shift)).exp()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_spread_the_count_is_poisson_binomial() {
        // By hand: rates 0.5 and 0.2: P(0) = 0.4, P(1) = 0.5, P(2) = 0.1.
        let p = pmf_upto(&[0.5, 0.2], 2, 0.0);
        assert!((p[0] - 0.4).abs() < 1e-15 && (p[1] - 0.5).abs() < 1e-15);
        assert!((sf(&[0.5, 0.2], 2, 0.0) - 0.1).abs() < 1e-15);
        assert_eq!(sf(&[0.5, 0.2], 0, 1.0), 1.0);
        assert_eq!(sf(&[0.5, 0.2], 3, 1.0), 0.0);
    }

    #[test]
    fn the_mixture_matches_an_independent_integration() {
        // SciPy: quad(lambda z: norm.pdf(z) * PB(O >= 3 | expit(logit r + 0.8 z)),
        // -inf, inf) for r = [0.05, 0.1, 0.1, 0.3, 0.6, 0.02, 0.02, 0.2]
        // (PB by the same recursion in NumPy; epsabs 1e-13): 0.1857405266107982;
        // with τ = 2: 0.3139601714729877.
        let r = [0.05, 0.1, 0.1, 0.3, 0.6, 0.02, 0.02, 0.2];
        assert!((sf(&r, 3, 0.8) - 0.185_740_526_610_798).abs() < 1e-9);
        assert!((sf(&r, 3, 2.0) - 0.313_960_171_472_988).abs() < 1e-9);
    }

    #[test]
    fn tau_solves_the_interquartile_equation() {
        // SciPy: brentq(g, 1e-6, 4, xtol=1e-12) on g(τ) = Σ w(τ) − N/2, w from
        // the quad integration above (F(o) and F(o − 1) each by quad), for the
        // schools below: τ = 1.8271991556804252.
        let a = [0.1; 20];
        let b = [0.3; 10];
        let c = [0.05; 40];
        let schools: Vec<(&[f64], u64)> = vec![
            (&a, 0),
            (&a, 6),
            (&b, 3),
            (&b, 7),
            (&c, 0),
            (&c, 5),
            (&a, 2),
            (&b, 1),
        ];
        let tau = fit_tau(&schools);
        assert!((tau - EXPECTED_TAU).abs() < 1e-6, "{tau}");
        // No spread beyond chance: schools at their means.
        let calm: Vec<(&[f64], u64)> = vec![(&a, 2), (&b, 3), (&c, 2), (&a, 2)];
        assert_eq!(fit_tau(&calm), 0.0);
    }

    #[test]
    fn the_slope_maximises_the_likelihood() {
        // SciPy: brentq(score, -5, 5, xtol=1e-14) on the likelihood's score
        // Σ x (O − Σ expit(logit r_j + β x)) for the schools below (the score
        // needs only the counts, whichever pupils succeed): 0.8638874664593388.
        let a = [0.1, 0.2, 0.3, 0.05, 0.1];
        let b = [0.4, 0.3, 0.2, 0.2];
        let c = [0.05; 6];
        let schools: Vec<(&[f64], u64, f64)> = vec![
            (&a, 2, 1.5),
            (&b, 1, -2.0),
            (&c, 0, -0.5),
            (&a, 1, 0.5),
            (&b, 3, 1.0),
        ];
        let beta = fit_slope(&schools);
        assert!((beta - EXPECTED_SLOPE).abs() < 1e-8, "{beta}");
        assert_eq!(fit_slope(&[(&a, 2, 0.0)]), 0.0);
        let moved = shifted(&[0.5, 0.2], (4.0f64).ln());
        // By hand: odds 1 → 4 and 0.25 → 1.
        assert!((moved[0] - 0.8).abs() < 1e-12 && (moved[1] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn two_slopes_solve_both_score_equations() {
        // SciPy: scipy.optimize.root(score, [0, 0], tol=1e-14) on
        // U = Σ (x, l) (O − Σ expit(logit r_j + β x + γ l)) for the schools
        // below: β = 0.45687344, γ = 3.55160913.
        let a = [0.1, 0.2, 0.3, 0.05, 0.1];
        let b = [0.4, 0.3, 0.2, 0.2];
        let c = [0.05; 6];
        let schools: Vec<Covariates<'_, 2>> = vec![
            (&a, 2, [1.5, 0.2]),
            (&b, 1, [-2.0, -0.1]),
            (&c, 0, [-0.5, 0.0]),
            (&a, 1, [0.5, -0.3]),
            (&b, 3, [1.0, 0.4]),
            (&c, 2, [0.3, 0.1]),
        ];
        let [beta, gamma] = fit_slopes(&schools);
        assert!((beta - 0.456_873_44).abs() < 1e-7, "{beta}");
        assert!((gamma - 3.551_609_13).abs() < 1e-7, "{gamma}");
        // A covariate without information keeps 0; the other is the
        // one-covariate fit.
        let one: Vec<Covariates<'_, 2>> = (schools.iter())
            .map(|&(r, o, [x, _])| (r, o, [x, 0.0]))
            .collect();
        let single: Vec<Leveled<'_>> = schools.iter().map(|&(r, o, [x, _])| (r, o, x)).collect();
        let [beta, gamma] = fit_slopes(&one);
        assert_eq!(gamma, 0.0);
        assert!((beta - fit_slope(&single)).abs() < 1e-12);
    }

    const EXPECTED_SLOPE: f64 = 0.863_887_466_459_338_8;

    const EXPECTED_TAU: f64 = 1.827_199_155_680_425;
}

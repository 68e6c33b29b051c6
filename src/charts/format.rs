//! Numbers as a Russian reader expects them: decimal comma, «−» for minus, spaces
//! between thousands, and whole percentages that add up to 100.

/// `v` with `decimals` digits, a decimal comma and a real minus sign: «−1,5»
/// (the справка's own, no «−0»).
pub(crate) use crate::report::html::minus as fmt_num;

/// A count with spaces between thousands: «12 345».
pub(crate) fn fmt_int(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Whole percentages of `counts`, each rounded half up as the справка's
/// text rounds the same shares (4 of 9 is 44 % on the bar as in the
/// sentence beside it; the labels of a bar may add up to 99 or 101).
pub(crate) fn percents(counts: &[u64]) -> Vec<u64> {
    // u128: no overflow for any u64 counts.
    let counts: Vec<u128> = counts.iter().map(|&c| u128::from(c)).collect();
    let total: u128 = counts.iter().sum();
    if total == 0 {
        return vec![0; counts.len()];
    }
    counts
        .iter()
        .map(|c| ((c * 200 + total) / (2 * total)) as u64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_use_comma_and_real_minus() {
        assert_eq!(fmt_num(62.44, 1), "62,4");
        assert_eq!(fmt_num(-1.5, 1), "−1,5");
        assert_eq!(fmt_num(-0.04, 1), "0,0");
        assert_eq!(fmt_num(7.0, 0), "7");
    }

    #[test]
    fn thousands_are_spaced() {
        assert_eq!(fmt_int(0), "0");
        assert_eq!(fmt_int(999), "999");
        assert_eq!(fmt_int(10_498), "10 498");
        assert_eq!(fmt_int(1_234_567), "1 234 567");
    }

    #[test]
    fn percents_round_as_the_text_does() {
        // 1/3 each: 33,33… → 33, 33, 33.
        assert_eq!(percents(&[1, 1, 1]), vec![33, 33, 33]);
        // 3/54 = 5,56; 30/54 = 55,56; 21/54 = 38,89 → 6, 56, 39.
        assert_eq!(percents(&[3, 30, 21]), vec![6, 56, 39]);
        // 3/9, 2/9, 4/9 = 33,3; 22,2; 44,4 → 33, 22, 44 (the text's «44 %»).
        assert_eq!(percents(&[3, 2, 4]), vec![33, 22, 44]);
        // Half rounds up: 1/8 = 12,5 → 13.
        assert_eq!(percents(&[1, 7]), vec![13, 88]);
        assert_eq!(percents(&[0, 0, 0]), vec![0, 0, 0]);
        assert_eq!(percents(&[0, 5, 0]), vec![0, 100, 0]);
        assert_eq!(percents(&[u64::MAX, u64::MAX]), vec![50, 50]);
        assert_eq!(percents(&[]), Vec::<u64>::new());
    }
}

//! How every table, page and CSV file writes a number: about three
//! significant figures, never "-0", a sign on differences, "—" (or an empty
//! cell) for an undefined value. One place, so a number reads the same in the
//! terminal, `report.md`, `index.html` and the CSV files.

/// A number as the tables print it: about three significant figures.
/// Never "-0.000": a value that rounds to zero prints without a sign.
pub fn fmt(v: f64) -> String {
    let s = if v.is_nan() {
        return "—".into();
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else if v.abs() >= 0.1 || v == 0.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    };
    unsigned_zero(s)
}

/// Drops the minus sign of a formatted number that is all zeros ("-0", "-0.00").
fn unsigned_zero(s: String) -> String {
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

/// [`fmt`] with an explicit sign, for differences: "+1.23", "-1.23"; a value
/// that rounds to zero has no sign ("0.00", not "+0.00" or "-0.00").
pub fn signed(v: f64) -> String {
    let s = fmt(v);
    if v > 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("+{s}")
    } else {
        s
    }
}

/// A mean with the half-width of its 95 % interval, "12.3 ± 0.45"; the mean
/// alone when the interval is undefined (fewer than 2 values: a half-width of
/// 0 would claim a certainty one replication cannot give); "—" when the mean
/// is undefined.
pub fn with_interval(mean: f64, ci95: f64, n: u64) -> String {
    if mean.is_nan() {
        "—".into()
    } else if n < 2 || ci95.is_nan() {
        fmt(mean)
    } else {
        format!("{} ± {}", fmt(mean), fmt(ci95))
    }
}

/// A share (0.25) as a whole percentage, "25 %"; "0 %", never "-0 %", for
/// whatever rounds to zero; "—" when undefined.
pub fn percent(share: f64) -> String {
    if share.is_finite() {
        format!("{} %", unsigned_zero(format!("{:.0}", share * 100.0)))
    } else {
        "—".into()
    }
}

/// A cell of `replications.csv`: the shortest exact decimal, empty when undefined.
pub fn csv_number(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        v.to_string()
    }
}

/// A value for JSON or CSV: `None` (null, an empty cell) when undefined.
pub fn defined(v: f64) -> Option<f64> {
    (!v.is_nan()).then_some(v)
}

/// A paired difference, "+1.23 ± 0.45"; the difference alone when its
/// interval is undefined (fewer than 2 pairs). A real difference too small
/// for three decimals is shown in scientific notation, not as "0.000 ± 0.000 *".
pub fn difference(mean: f64, ci95: f64, n: u64, real: bool) -> String {
    let rounds_to_zero = |s: &str| !s.chars().any(|c| c.is_ascii_digit() && c != '0');
    if n < 2 || ci95.is_nan() {
        signed(mean)
    } else if real && rounds_to_zero(&fmt(mean)) {
        format!("{mean:+.2e} ± {ci95:.2e}")
    } else {
        format!("{} ± {}", signed(mean), fmt(ci95))
    }
}

/// A chart tick, a value in a sentence: few significant digits, thousands
/// separated (the table and CSV formats above keep their own precision).
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let a = v.abs();
    let s = if a >= 1000.0 {
        let digits = format!("{:.0}", a);
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        if v < 0.0 { format!("-{out}") } else { out }
    } else {
        let decimals = if a >= 100.0 {
            0
        } else if a >= 10.0 {
            1
        } else if a >= 0.1 {
            2
        } else {
            3
        };
        let mut s = format!("{:.*}", decimals, v);
        if s.contains('.') {
            s = s.trim_end_matches('0').trim_end_matches('.').to_string();
        }
        s
    };
    if s == "-0" { "0".to_string() } else { s }
}

/// A share (0.131) as a percentage to `fmt_num`'s precision, "13.1 %"; "—"
/// when undefined.
pub fn pct(share: f64) -> String {
    if share.is_finite() {
        format!("{} %", fmt_num(share * 100.0))
    } else {
        "—".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_never_prints_with_a_sign() {
        assert_eq!(fmt(-0.0), "0.00");
        assert_eq!(fmt(-0.00001), "0.000");
        assert_eq!(fmt(-0.0004), "0.000");
        assert_eq!(fmt(-0.004), "-0.004");
        assert_eq!(fmt(-0.4), "-0.40");
        assert_eq!(fmt(-140.0), "-140");
        assert_eq!(signed(0.00001), "0.000");
        assert_eq!(signed(-0.00001), "0.000");
        assert_eq!(signed(0.0), "0.00");
        assert_eq!(signed(1.5), "+1.50");
        assert_eq!(signed(-1.5), "-1.50");
        assert_eq!(fmt(f64::NAN), "—");
    }

    #[test]
    fn an_undefined_interval_is_not_printed_as_zero() {
        assert_eq!(with_interval(56.6, 0.0, 1), "56.6");
        assert_eq!(with_interval(56.6, 0.0, 2), "56.6 ± 0.00");
        assert_eq!(with_interval(56.6, 1.25, 5), "56.6 ± 1.25");
        assert_eq!(with_interval(f64::NAN, f64::NAN, 0), "—");
    }

    #[test]
    fn percentages_that_round_to_zero_have_no_sign() {
        assert_eq!(percent(-0.0), "0 %");
        assert_eq!(percent(-0.001), "0 %");
        assert_eq!(percent(0.004), "0 %");
        assert_eq!(percent(0.394), "39 %");
        assert_eq!(percent(-0.25), "-25 %");
        assert_eq!(percent(f64::NAN), "—");
    }

    #[test]
    fn differences_print_honestly() {
        // No interval with one pair, and never "-0.000".
        assert_eq!(difference(-11.2, 0.0, 1, false), "-11.2");
        assert_eq!(difference(-0.00001, 0.000001, 5, false), "0.000 ± 0.000");
        assert_eq!(difference(0.0, 0.0, 3, false), "0.00 ± 0.00");
        assert_eq!(difference(2.78, 0.45, 5, true), "+2.78 ± 0.45");
        assert_eq!(difference(-3e-5, 1e-5, 5, true), "-3.00e-5 ± 1.00e-5");
    }
}

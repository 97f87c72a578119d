//! The ground floor's text helpers, shared by every layer: engineering
//! notation for values and times (`799.8 V`, `1.234 kA`, `12.50 ms`), the
//! natural order of names (`tray2` before `tray10`) and "did you mean"
//! ranking of names by edit distance.
//!
//! Owns number-to-text and name-to-name conversions only. Must not import
//! anything from the rest of the crate, nor know about waveforms, columns
//! or output files.

use std::cmp::Ordering;

/// SI prefixes from pico to giga, indexed by `exponent / 3 + 4`.
const PREFIXES: [&str; 8] = ["p", "n", "µ", "m", "", "k", "M", "G"];
const MIN_EXP3: i32 = -12;
const MAX_EXP3: i32 = 9;

/// Significant digits used by [`eng`]: enough to see a 0.1 % droop on a
/// bus, few enough to keep tables narrow.
pub const DEFAULT_SIGNIFICANT: usize = 4;

/// Formats `value` with an SI prefix and 4 significant digits:
/// `eng(1234.0, "A") == "1.234 kA"`, `eng(135e3, "W") == "135.0 kW"`.
///
/// Zero prints as `0.000 V`; NaN and infinities print as `NaN V` and
/// `inf V`/`-inf V` so that odd data stays visible instead of failing.
/// Magnitudes outside the pico–giga range fall back to scientific notation.
pub fn eng(value: f64, unit: &str) -> String {
    eng_sig(value, unit, DEFAULT_SIGNIFICANT)
}

/// Like [`eng`] with a chosen number of significant digits (at least 1).
pub fn eng_sig(value: f64, unit: &str, significant: usize) -> String {
    let sig = significant.max(1);
    if !value.is_finite() {
        return join(&format!("{value}"), "", unit);
    }
    if value == 0.0 {
        return join(&format!("{:.*}", sig - 1, 0.0), "", unit);
    }
    let (exp3, mantissa) = split_prefix(value, sig);
    if !(MIN_EXP3..=MAX_EXP3).contains(&exp3) {
        return join(&format!("{:.*e}", sig - 1, value), "", unit);
    }
    let decimals = sig.saturating_sub(integer_digits(mantissa));
    join(
        &format!("{mantissa:.decimals$}"),
        prefix_for(exp3).unwrap_or(""),
        unit,
    )
}

/// Below this fraction of the scale it is shown with, a value is round-off.
/// The solver resolves a part in 1e5 of a value (default rtol 1e-5, atol
/// 1e-6); a part in 1e9 is far below that, so no resolved value is hidden.
pub const NOISE_FRACTION: f64 = 1e-9;

/// Whether `value` is zero to the solver's resolution when printed beside
/// values of magnitude `scale` (a column's largest magnitude, or its
/// nominal): its magnitude is below [`NOISE_FRACTION`] of `scale`, and
/// never counts a scale under 1 (volt, ampere, watt): a current column
/// that is all `-1.975e-220 A` is a column of zeros, not of tiny currents.
/// Such values print as `0 A`, never as `-1.975e-220 A`.
pub fn is_noise(value: f64, scale: f64) -> bool {
    value.is_finite() && value.abs() < NOISE_FRACTION * scale.abs().max(1.0)
}

/// Like [`eng_sig`], but a value that [`is_noise`] against `scale` prints
/// as `0 A` (no sign, no digits that were never computed).
pub fn eng_scaled(value: f64, unit: &str, significant: usize, scale: f64) -> String {
    if is_noise(value, scale) {
        join("0", "", unit)
    } else {
        eng_sig(value, unit, significant)
    }
}

/// A rate in 1/s (a mode's real part σ, a growth or decay rate): three
/// significant digits with the unit written out, never an SI prefix on
/// "/s" (`113 p/s` reads as picoseconds); tiny or huge magnitudes in
/// scientific notation: `-113 1/s`, `-0.0500 1/s`, `-1.13e-10 1/s`.
pub fn rate(value: f64) -> String {
    let m = value.abs();
    if value == 0.0 {
        "0 1/s".into()
    } else if !value.is_finite() || !(1e-3..1e6).contains(&m) {
        format!("{value:.2e} 1/s")
    } else {
        let decimals = if m < 1.0 {
            // Leading zeros are not significant: 0.0500 keeps 3 digits.
            3 + (-m.log10()).floor() as usize
        } else {
            3usize.saturating_sub(integer_digits(m))
        };
        format!("{value:.decimals$} 1/s")
    }
}

/// Formats a time in seconds the way an engineer reads a transient:
/// `12.50 ms`, `350.0 µs`, `1.200 s`. Times of 1 s and above stay in
/// seconds (no `ks`), and exactly zero prints as `0 s`.
pub fn eng_time(seconds: f64) -> String {
    if seconds == 0.0 {
        return "0 s".to_string();
    }
    if seconds.is_finite() && seconds.abs() >= 1.0 {
        let digits = integer_digits(seconds.abs());
        let decimals = DEFAULT_SIGNIFICANT.saturating_sub(digits);
        return format!("{seconds:.decimals$} s");
    }
    eng(seconds, "s")
}

/// Three significant digits, as stability tables print them: `142 Hz`,
/// `1.42 kHz`, `3.30 mΩ`; zero prints as `0 Hz`.
pub fn eng3(value: f64, unit: &str) -> String {
    if value == 0.0 {
        return format!("{value} {unit}");
    }
    eng_sig(value, unit, 3)
}

/// The frequency of a resonance (a mode, an impedance peak, a loop's
/// crossover), as every table, text, report and figure names it: three
/// significant digits, `142 Hz`, `1.42 kHz`. One function, so one mode
/// never reads `1.2 kHz` in a figure and `1.234 kHz` in a table.
pub fn frequency(hz: f64) -> String {
    eng3(hz, "Hz")
}

/// A compact engineering label for ticks and annotations: three
/// significant digits without trailing zeros (`1 kHz`, `2.5 kHz`, `50 mΩ`).
pub fn short_eng(value: f64, unit: &str) -> String {
    let text = eng_sig(value, unit, 3);
    let (number, rest) = text.split_once(' ').unwrap_or((&text, ""));
    let number = if number.contains('.') && !number.contains('e') {
        number.trim_end_matches('0').trim_end_matches('.')
    } else {
        number
    };
    if rest.is_empty() {
        number.to_string()
    } else {
        format!("{number} {rest}")
    }
}

/// The prefix exponent (a multiple of 3) that suits a magnitude, clamped to
/// the pico–giga range; used to pick one unit for a whole plot axis.
pub fn prefix_exponent(magnitude: f64) -> i32 {
    if !magnitude.is_finite() || magnitude == 0.0 {
        return 0;
    }
    let exp3 = ((magnitude.abs().log10() / 3.0).floor() as i32).saturating_mul(3);
    exp3.clamp(MIN_EXP3, MAX_EXP3)
}

/// The SI prefix for an exponent that is a multiple of 3 in −12..=9.
pub fn prefix_for(exp3: i32) -> Option<&'static str> {
    if exp3 % 3 != 0 || !(MIN_EXP3..=MAX_EXP3).contains(&exp3) {
        return None;
    }
    usize::try_from(exp3 / 3 + 4)
        .ok()
        .and_then(|i| PREFIXES.get(i).copied())
}

/// Splits `value` into an exponent that is a multiple of 3 and a mantissa
/// already rounded to `sig` significant digits, carrying into the next
/// prefix when rounding reaches 1000 (999.96 → 1.000 k).
fn split_prefix(value: f64, sig: usize) -> (i32, f64) {
    // Rounding through decimal formatting is exact for the printed digits,
    // unlike multiplying by powers of ten.
    let rounded = format!("{:.*e}", sig - 1, value)
        .parse::<f64>()
        .ok()
        .filter(|r| r.is_finite() && *r != 0.0)
        .unwrap_or(value);
    let mut exp3 = ((rounded.abs().log10() / 3.0).floor() as i32).saturating_mul(3);
    let mut mantissa = rounded / 10f64.powi(exp3);
    // log10 of an exact power of 1000 may land a hair below the integer.
    if mantissa.abs() >= 1000.0 {
        exp3 += 3;
        mantissa /= 1000.0;
    } else if mantissa.abs() < 1.0 {
        exp3 -= 3;
        mantissa *= 1000.0;
    }
    (exp3, mantissa)
}

/// Number of digits before the decimal point of a magnitude ≥ 1 (1 for smaller).
fn integer_digits(magnitude: f64) -> usize {
    let m = magnitude.abs();
    if m < 10.0 {
        1
    } else {
        (m.log10().floor() as usize) + 1
    }
}

fn join(number: &str, prefix: &str, unit: &str) -> String {
    if prefix.is_empty() && unit.is_empty() {
        number.to_string()
    } else {
        format!("{number} {prefix}{unit}")
    }
}

/// Name order with digit runs compared as numbers: `tray2` < `tray10`.
/// Ties (such as `a01` and `a1`) fall back to plain string order so the
/// order is total.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a, b);
    loop {
        match (x.chars().next(), y.chars().next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(cx), Some(cy)) if cx.is_ascii_digit() && cy.is_ascii_digit() => {
                let (dx, rx) = split_digits(x);
                let (dy, ry) = split_digits(y);
                let (nx, ny) = (dx.trim_start_matches('0'), dy.trim_start_matches('0'));
                let order = nx.len().cmp(&ny.len()).then_with(|| nx.cmp(ny));
                if order != Ordering::Equal {
                    return order;
                }
                (x, y) = (rx, ry);
            }
            (Some(cx), Some(cy)) => {
                if cx != cy {
                    return cx.cmp(&cy);
                }
                (x, y) = (&x[cx.len_utf8()..], &y[cy.len_utf8()..]);
            }
        }
    }
}

fn split_digits(s: &str) -> (&str, &str) {
    s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()))
}

/// Distinct `candidates` with their Levenshtein distance to `name`,
/// closest first, ties in natural order.
pub fn ranked<'a, I>(name: &str, candidates: I) -> Vec<(usize, &'a str)>
where
    I: IntoIterator<Item = &'a String>,
{
    let mut out: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(name, c), c.as_str()))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| natural_cmp(a.1, b.1)));
    out.dedup_by(|a, b| a.1 == b.1);
    out
}

/// `candidates` joined with commas, closest to `name` first, at most
/// `limit` shown: `alpah, alpha and 1 more`.
pub fn nearest_first(name: &str, candidates: &[String], limit: usize) -> String {
    let ranked = ranked(name, candidates);
    let shown: Vec<&str> = ranked.iter().take(limit).map(|(_, c)| *c).collect();
    let mut out = shown.join(", ");
    if ranked.len() > limit {
        out.push_str(&format!(" and {} more", ranked.len() - limit));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_significant_digits_with_prefixes() {
        assert_eq!(eng(799.84, "V"), "799.8 V");
        assert_eq!(eng(1234.0, "A"), "1.234 kA");
        assert_eq!(eng(135e3, "W"), "135.0 kW");
        assert_eq!(eng(50.0, "V"), "50.00 V");
        assert_eq!(eng(1.5e6, "W"), "1.500 MW");
        assert_eq!(eng(2.2e9, "W"), "2.200 GW");
        assert_eq!(eng(0.0123, "A"), "12.30 mA");
        assert_eq!(eng(4.7e-6, "F"), "4.700 µF");
        assert_eq!(eng(20e-9, "H"), "20.00 nH");
        assert_eq!(eng(3.3e-12, "F"), "3.300 pF");
        assert_eq!(eng(-2.5e3, "A"), "-2.500 kA");
    }

    #[test]
    fn rounding_carries_into_the_next_prefix() {
        assert_eq!(eng(999.96, "V"), "1.000 kV");
        assert_eq!(eng(9.9996, "V"), "10.00 V");
        assert_eq!(eng(99.996e3, "W"), "100.0 kW");
        assert_eq!(eng(1000.0, "V"), "1.000 kV");
        assert_eq!(eng(1e-3, "s"), "1.000 ms");
    }

    #[test]
    fn other_precisions() {
        assert_eq!(eng_sig(799.84, "V", 5), "799.84 V");
        assert_eq!(eng_sig(49.8721, "V", 5), "49.872 V");
        assert_eq!(eng_sig(1234.5, "W", 1), "1 kW");
        assert_eq!(eng_sig(1234.5, "W", 0), "1 kW");
    }

    #[test]
    fn odd_values_do_not_panic() {
        assert_eq!(eng(0.0, "V"), "0.000 V");
        assert_eq!(eng(-0.0, "V"), "0.000 V");
        assert_eq!(eng(f64::NAN, "V"), "NaN V");
        assert_eq!(eng(f64::INFINITY, "A"), "inf A");
        assert_eq!(eng(f64::NEG_INFINITY, "A"), "-inf A");
        assert_eq!(eng(1e-15, "F"), "1.000e-15 F");
        assert_eq!(eng(4e13, "W"), "4.000e13 W");
        assert_eq!(eng(f64::MIN_POSITIVE, ""), "2.225e-308");
        assert_eq!(eng(f64::MAX, "W"), "1.798e308 W");
        assert_eq!(eng(1234.0, ""), "1.234 k");
        assert_eq!(eng_sig(f64::MAX, "W", 1), "2e308 W");
        assert_eq!(eng(5e-324, "V"), "4.941e-324 V");
    }

    #[test]
    fn round_off_against_the_scale_prints_as_zero() {
        assert_eq!(eng_scaled(-1.975e-220, "A", 4, 1234.0), "0 A");
        assert_eq!(eng_scaled(-1.975e-220, "A", 4, 1.975e-220), "0 A");
        assert_eq!(eng_scaled(1e-7, "A", 4, 1234.0), "0 A");
        // A current the solver resolves stays, with its sign.
        assert_eq!(eng_scaled(-2e-3, "A", 4, 1234.0), "-2.000 mA");
        assert_eq!(eng_scaled(0.0, "V", 5, 800.0), "0 V");
        assert!(!is_noise(f64::NAN, 1.0));
    }

    #[test]
    fn one_frequency_format() {
        assert_eq!(frequency(1234.5), "1.23 kHz");
        assert_eq!(frequency(142.0), "142 Hz");
        assert_eq!(frequency(1200.0), "1.20 kHz");
    }

    #[test]
    fn rates_in_one_per_second() {
        assert_eq!(rate(-113.0), "-113 1/s");
        assert_eq!(rate(-1.13e-10), "-1.13e-10 1/s");
        assert_eq!(rate(-0.05), "-0.0500 1/s");
        assert_eq!(rate(-0.123456), "-0.123 1/s");
        assert_eq!(rate(-2.5), "-2.50 1/s");
        assert_eq!(rate(-4.2e7), "-4.20e7 1/s");
        assert_eq!(rate(0.0), "0 1/s");
        assert!(!rate(-113e-12).contains("p/s"));
    }

    #[test]
    fn times() {
        assert_eq!(eng_time(0.0), "0 s");
        assert_eq!(eng_time(0.0125), "12.50 ms");
        assert_eq!(eng_time(350e-6), "350.0 µs");
        assert_eq!(eng_time(1.2), "1.200 s");
        assert_eq!(eng_time(12.0), "12.00 s");
        assert_eq!(eng_time(3600.0), "3600 s");
        assert_eq!(eng_time(36000.0), "36000 s");
        assert_eq!(eng_time(-0.002), "-2.000 ms");
        assert_eq!(eng_time(f64::NAN), "NaN s");
    }

    #[test]
    fn short_labels() {
        assert_eq!(short_eng(1000.0, "Hz"), "1 kHz");
        assert_eq!(short_eng(2500.0, "Hz"), "2.5 kHz");
        assert_eq!(short_eng(0.05, "Ω"), "50 mΩ");
        assert_eq!(short_eng(100.0, "Hz"), "100 Hz");
        assert_eq!(short_eng(0.0, "V"), "0 V");
        assert_eq!(short_eng(-45.0, "°"), "-45 °");
    }

    #[test]
    fn natural_order() {
        let mut names = vec!["tray10", "tray2", "tray1", "a", "tray02"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, ["a", "tray1", "tray02", "tray2", "tray10"]);
    }

    #[test]
    fn suggestions() {
        assert_eq!(strsim::levenshtein("kitten", "sitting"), 3);
        let c = vec!["alpha".to_string(), "beta".to_string(), "alpah".to_string()];
        assert_eq!(nearest_first("alph", &c, 2), "alpah, alpha and 1 more");
    }

    #[test]
    fn axis_prefixes() {
        assert_eq!(prefix_exponent(800.0), 0);
        assert_eq!(prefix_exponent(1000.0), 3);
        assert_eq!(prefix_exponent(135e3), 3);
        assert_eq!(prefix_exponent(2.5e6), 6);
        assert_eq!(prefix_exponent(0.02), -3);
        assert_eq!(prefix_exponent(1e-20), -12);
        assert_eq!(prefix_exponent(1e20), 9);
        assert_eq!(prefix_exponent(0.0), 0);
        assert_eq!(prefix_exponent(f64::NAN), 0);
        assert_eq!(prefix_for(3), Some("k"));
        assert_eq!(prefix_for(-6), Some("µ"));
        assert_eq!(prefix_for(1), None);
        assert_eq!(prefix_for(12), None);
    }
}

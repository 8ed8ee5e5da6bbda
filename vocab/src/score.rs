//! Pacemaker scores: integers clamped to ±1,000,000, where the ends mean infinity.
//!
//! Arithmetic follows Pacemaker's `pcmk__add_scores`: `-INFINITY` wins over everything (so
//! `INFINITY + -INFINITY` is `-INFINITY`), `INFINITY` wins over any finite value, and finite
//! sums saturate at the ends.

use std::fmt;
use std::str::FromStr;

use crate::ValueError;

/// The magnitude Pacemaker treats as infinite (`CRM_SCORE_INFINITY`).
pub const INFINITY: i64 = 1_000_000;

/// A placement or preference score. The field is open for the scheduler's intermediate sums
/// (which may leave the range before being clamped); [`Score::new`] and parsing clamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Score(pub i64);

impl Score {
    /// `INFINITY`.
    pub const INFINITY: Score = Score(INFINITY);
    /// `-INFINITY`.
    pub const MINUS_INFINITY: Score = Score(-INFINITY);
    /// Zero.
    pub const ZERO: Score = Score(0);

    /// A score from an integer, clamped to ±INFINITY.
    pub fn new(value: i64) -> Score {
        Score(value.clamp(-INFINITY, INFINITY))
    }

    /// The integer value.
    pub fn value(self) -> i64 {
        self.0
    }

    /// True for `INFINITY` (or beyond).
    pub fn is_infinite(self) -> bool {
        self.0 >= INFINITY
    }

    /// True for `-INFINITY` (or beyond).
    pub fn is_minus_infinite(self) -> bool {
        self.0 <= -INFINITY
    }

    /// Pacemaker's score addition: -INFINITY dominates, then INFINITY, else a clamped sum.
    /// (Also available as `+`.)
    pub fn saturating_add(self, other: Score) -> Score {
        if self.is_minus_infinite() || other.is_minus_infinite() {
            Score::MINUS_INFINITY
        } else if self.is_infinite() || other.is_infinite() {
            Score::INFINITY
        } else {
            Score::new(self.0.saturating_add(other.0))
        }
    }

    /// Parses a score as Pacemaker's `char2score` does: `INFINITY`, `+INFINITY`, `-INFINITY`
    /// (any case), the node-health colours (`red` is -INFINITY, `yellow` and `green` are 0, the
    /// default health strategy's values) and integers, clamped (very long numbers saturate, as
    /// strtoll and the clamp do). `None` for anything else.
    pub fn parse(text: &str) -> Option<Score> {
        let t = text.trim();
        match t.to_ascii_lowercase().as_str() {
            "infinity" | "+infinity" => return Some(Score::INFINITY),
            "-infinity" | "red" => return Some(Score::MINUS_INFINITY),
            "yellow" | "green" => return Some(Score::ZERO),
            _ => {}
        }
        let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(match t.parse::<i64>() {
            Ok(v) => Score::new(v),
            Err(_) if t.starts_with('-') => Score::MINUS_INFINITY,
            Err(_) => Score::INFINITY,
        })
    }

    /// `char2score` on any text, as the scheduler reads meta attributes such as `priority`:
    /// what [`Score::parse`] accepts, else the leading integer as `strtoll` reads it
    /// (`"2.0"` is 2), else 0.
    pub fn parse_lenient(text: &str) -> Score {
        if let Some(s) = Score::parse(text) {
            return s;
        }
        let t = text.trim_start();
        let sign = usize::from(t.starts_with(['+', '-']));
        let digits = t[sign..].bytes().take_while(u8::is_ascii_digit).count();
        match digits {
            0 => Score::ZERO,
            _ => Score::parse(&t[..sign + digits]).unwrap_or(Score::ZERO),
        }
    }

    /// True when `text` is a score the CIB schema accepts: an integer or (+/-)INFINITY.
    pub fn is_schema_valid(text: &str) -> bool {
        let v = text.trim();
        if matches!(v, "INFINITY" | "+INFINITY" | "-INFINITY") {
            return true;
        }
        let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    }
}

impl std::ops::Add for Score {
    type Output = Score;
    fn add(self, rhs: Score) -> Score {
        self.saturating_add(rhs)
    }
}

impl std::ops::AddAssign for Score {
    fn add_assign(&mut self, rhs: Score) {
        *self = *self + rhs;
    }
}

impl FromStr for Score {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Score, ValueError> {
        Score::parse(s).ok_or_else(|| ValueError::Score(s.to_string()))
    }
}

impl From<i32> for Score {
    fn from(v: i32) -> Score {
        Score::new(i64::from(v))
    }
}

impl fmt::Display for Score {
    /// `INFINITY`, `-INFINITY` or the integer, as Pacemaker prints scores.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_infinite() {
            f.write_str("INFINITY")
        } else if self.is_minus_infinite() {
            f.write_str("-INFINITY")
        } else {
            write!(f, "{}", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_parse_reads_the_leading_integer_as_char2score() {
        assert_eq!(Score::parse_lenient("2.0"), Score::new(2));
        assert_eq!(Score::parse_lenient("-5x"), Score::new(-5));
        assert_eq!(Score::parse_lenient("INFINITY"), Score::INFINITY);
        assert_eq!(Score::parse_lenient("abc"), Score::ZERO);
        assert_eq!(Score::parse_lenient(""), Score::ZERO);
    }

    #[test]
    fn parses_words_and_numbers() {
        let p = |s| Score::parse(s).unwrap();
        assert_eq!(p("INFINITY"), Score::INFINITY);
        assert_eq!(p("+infinity"), Score::INFINITY);
        assert_eq!(p("-INFINITY"), Score::MINUS_INFINITY);
        assert_eq!(p("red"), Score::MINUS_INFINITY);
        assert_eq!(p("Green"), Score::ZERO);
        assert_eq!(p("42").value(), 42);
        assert_eq!(p("+7").value(), 7);
        assert_eq!(p("-3").value(), -3);
        assert_eq!(p("5000000"), Score::INFINITY);
        assert_eq!(p("-99999999999999999999"), Score::MINUS_INFINITY);
        for bad in ["abc", "", "1.5", "inf", "+", "INFINITY!"] {
            assert_eq!(Score::parse(bad), None, "{bad}");
        }
        assert_eq!(
            "x".parse::<Score>(),
            Err(ValueError::Score("x".to_string()))
        );
    }

    #[test]
    fn arithmetic_matches_pacemaker() {
        let (inf, minf) = (Score::INFINITY, Score::MINUS_INFINITY);
        assert_eq!(inf + minf, minf);
        assert_eq!(minf + inf, minf);
        assert_eq!(inf + Score::from(-5), inf);
        assert_eq!(minf + Score::from(500), minf);
        assert_eq!(Score::from(999_999) + Score::from(999_999), inf);
        assert_eq!(Score::from(-999_999) + Score::from(-2), minf);
        assert_eq!(Score::from(3) + Score::from(-5), Score::from(-2));
        let mut s = Score::ZERO;
        s += Score::from(10);
        assert_eq!(s.value(), 10);
    }

    #[test]
    fn displays_like_pacemaker() {
        assert_eq!(Score::INFINITY.to_string(), "INFINITY");
        assert_eq!(Score::MINUS_INFINITY.to_string(), "-INFINITY");
        assert_eq!(Score::from(-12).to_string(), "-12");
    }

    #[test]
    fn schema_validity() {
        assert!(Score::is_schema_valid("-INFINITY"));
        assert!(Score::is_schema_valid("+100"));
        assert!(!Score::is_schema_valid("red"));
        assert!(!Score::is_schema_valid(""));
    }
}

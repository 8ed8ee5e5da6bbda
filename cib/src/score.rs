//! Pacemaker scores: integers clamped to ±1,000,000 where the ends mean "infinity".
//!
//! Arithmetic follows Pacemaker: `-INFINITY` wins over everything (so `INFINITY + -INFINITY`
//! is `-INFINITY`), `INFINITY` wins over any finite value, and finite sums saturate.

use std::fmt;
use std::str::FromStr;

/// The magnitude Pacemaker treats as infinite.
pub const INFINITY: i32 = 1_000_000;

/// A placement or preference score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Score(i32);

/// A string that is not a score.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a valid score")]
pub struct ScoreError(pub String);

impl Score {
    /// `INFINITY`.
    pub const INFINITY: Score = Score(INFINITY);
    /// `-INFINITY`.
    pub const MINUS_INFINITY: Score = Score(-INFINITY);
    /// Zero.
    pub const ZERO: Score = Score(0);

    /// A score from an integer, clamped to ±INFINITY.
    pub fn new(value: i64) -> Score {
        Score(value.clamp(-i64::from(INFINITY), i64::from(INFINITY)) as i32)
    }

    /// The clamped integer value.
    pub fn value(self) -> i32 {
        self.0
    }

    /// True for `INFINITY`.
    pub fn is_infinite(self) -> bool {
        self.0 == INFINITY
    }

    /// True for `-INFINITY`.
    pub fn is_minus_infinite(self) -> bool {
        self.0 == -INFINITY
    }

    /// Pacemaker's score addition: -INFINITY dominates, then INFINITY, else a clamped sum.
    /// (Also available as `+`.)
    pub fn saturating_add(self, other: Score) -> Score {
        if self.is_minus_infinite() || other.is_minus_infinite() {
            Score::MINUS_INFINITY
        } else if self.is_infinite() || other.is_infinite() {
            Score::INFINITY
        } else {
            Score::new(i64::from(self.0) + i64::from(other.0))
        }
    }

    /// Parses a score the way Pacemaker does: `INFINITY`, `+INFINITY`, `-INFINITY` (any case),
    /// `red`/`yellow`/`green` (node-health words) and integers (clamped).
    pub fn parse(s: &str) -> Result<Score, ScoreError> {
        let t = s.trim();
        let err = || ScoreError(s.to_string());
        match t.to_ascii_lowercase().as_str() {
            "infinity" | "+infinity" => return Ok(Score::INFINITY),
            "-infinity" => return Ok(Score::MINUS_INFINITY),
            "red" => return Ok(Score::MINUS_INFINITY),
            "yellow" | "green" => return Ok(Score::ZERO),
            _ => {}
        }
        let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        // Very long numbers saturate rather than failing, as strtoll + clamp does.
        match t.parse::<i64>() {
            Ok(v) => Ok(Score::new(v)),
            Err(_) if t.starts_with('-') => Ok(Score::MINUS_INFINITY),
            Err(_) => Ok(Score::INFINITY),
        }
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
    type Err = ScoreError;
    fn from_str(s: &str) -> Result<Score, ScoreError> {
        Score::parse(s)
    }
}

impl From<i32> for Score {
    fn from(v: i32) -> Score {
        Score::new(i64::from(v))
    }
}

impl fmt::Display for Score {
    /// Writes `INFINITY`, `-INFINITY` or the integer, as Pacemaker prints scores.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            INFINITY => f.write_str("INFINITY"),
            v if v == -INFINITY => f.write_str("-INFINITY"),
            v => write!(f, "{v}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_words_and_numbers() {
        assert_eq!(Score::parse("INFINITY").unwrap(), Score::INFINITY);
        assert_eq!(Score::parse("+infinity").unwrap(), Score::INFINITY);
        assert_eq!(Score::parse("-INFINITY").unwrap(), Score::MINUS_INFINITY);
        assert_eq!(Score::parse("42").unwrap().value(), 42);
        assert_eq!(Score::parse("+7").unwrap().value(), 7);
        assert_eq!(Score::parse("-3").unwrap().value(), -3);
        assert_eq!(Score::parse("5000000").unwrap(), Score::INFINITY);
        assert_eq!(
            Score::parse("-99999999999999999999").unwrap(),
            Score::MINUS_INFINITY
        );
        assert!(Score::parse("abc").is_err());
        assert!(Score::parse("").is_err());
        assert!(Score::parse("1.5").is_err());
    }

    #[test]
    fn arithmetic_matches_pacemaker() {
        let inf = Score::INFINITY;
        let minf = Score::MINUS_INFINITY;
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
}

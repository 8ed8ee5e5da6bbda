//! Pacemaker score arithmetic: integers clamped to ±1,000,000 where -INFINITY wins over +INFINITY.

use std::fmt;

/// The value Pacemaker calls INFINITY.
pub const INFINITY: i64 = 1_000_000;

/// A placement score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Score(pub i64);

impl Score {
    /// +INFINITY.
    pub const INF: Score = Score(INFINITY);
    /// -INFINITY.
    pub const NEG_INF: Score = Score(-INFINITY);
    /// Zero.
    pub const ZERO: Score = Score(0);

    /// Parses `INFINITY`, `+INFINITY`, `-INFINITY` or an integer (clamped); None if malformed.
    pub fn parse(text: &str) -> Option<Score> {
        let t = text.trim();
        match t.to_ascii_lowercase().as_str() {
            "infinity" | "+infinity" | "inf" | "+inf" => return Some(Score::INF),
            "-infinity" | "-inf" => return Some(Score::NEG_INF),
            _ => {}
        }
        let t = t.strip_prefix('+').unwrap_or(t);
        t.parse::<i64>()
            .ok()
            .map(|v| Score(v.clamp(-INFINITY, INFINITY)))
    }

    /// Pacemaker's addition: -INFINITY dominates, then +INFINITY, else a clamped sum.
    #[allow(clippy::should_implement_trait)]
    pub fn add(self, other: Score) -> Score {
        if self.0 <= -INFINITY || other.0 <= -INFINITY {
            Score::NEG_INF
        } else if self.0 >= INFINITY || other.0 >= INFINITY {
            Score::INF
        } else {
            Score((self.0 + other.0).clamp(-INFINITY, INFINITY))
        }
    }

    /// True for +INFINITY.
    pub fn is_inf(self) -> bool {
        self.0 >= INFINITY
    }

    /// True for -INFINITY.
    pub fn is_neg_inf(self) -> bool {
        self.0 <= -INFINITY
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_inf() {
            write!(f, "INFINITY")
        } else if self.is_neg_inf() {
            write!(f, "-INFINITY")
        } else {
            write!(f, "{}", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_infinity_wins() {
        assert_eq!(Score::INF.add(Score::NEG_INF), Score::NEG_INF);
        assert_eq!(Score(999_999).add(Score(5)), Score::INF);
        assert_eq!(Score::parse("-INFINITY"), Some(Score::NEG_INF));
        assert_eq!(Score::parse("+5"), Some(Score(5)));
        assert_eq!(Score::parse("x"), None);
    }
}

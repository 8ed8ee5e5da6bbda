//! Value syntaxes shared by ha.cf directives.

use std::time::Duration;

/// Heartbeat's time syntax: seconds by default (`2`, `1.7`), or with a `ms`, `us` or `s` suffix.
pub fn parse_time(v: &str) -> Option<Duration> {
    let v = v.trim();
    let (num, scale_us) = if let Some(n) = v.strip_suffix("ms") {
        (n, 1_000.0)
    } else if let Some(n) = v.strip_suffix("us") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1_000_000.0)
    } else {
        (v, 1_000_000.0)
    };
    if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let n: f64 = num.parse().ok()?;
    if !n.is_finite() {
        return None;
    }
    Some(Duration::from_micros((n * scale_us).round() as u64))
}

/// Heartbeat's booleans: `true|on|yes|y|1` and `false|off|no|n|0`, any case.
pub fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "y" | "1" => Some(true),
        "false" | "off" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_seconds_or_ms() {
        assert_eq!(parse_time("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_time("1.7"), Some(Duration::from_millis(1700)));
        assert_eq!(parse_time("200ms"), Some(Duration::from_millis(200)));
        assert_eq!(parse_time("two"), None);
        assert_eq!(parse_time("-1"), None);
    }
}

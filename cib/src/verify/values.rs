//! Pacemaker's value syntaxes: booleans, scores, durations.

/// Parses a Pacemaker boolean (`true/false/yes/no/on/off/y/n/1/0`, any case).
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "y" | "1" => Some(true),
        "false" | "no" | "off" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// True when `value` is a boolean that means true.
pub fn is_true(value: Option<&str>) -> bool {
    value.and_then(parse_bool).unwrap_or(false)
}

/// True when `value` is a score the schema accepts: an integer or (+/-)INFINITY.
pub fn is_valid_score(value: &str) -> bool {
    let v = value.trim();
    if matches!(v, "INFINITY" | "+INFINITY" | "-INFINITY") {
        return true;
    }
    let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Parses an interval or timeout into milliseconds: `10`, `10s`, `500ms`, `2min`, `1h` or ISO 8601
/// (`PT10S`). `None` when the text is not a duration.
pub fn parse_duration_ms(value: &str) -> Option<u64> {
    let v = value.trim();
    if let Some(iso) = v.strip_prefix('P') {
        return parse_iso8601_duration(iso);
    }
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (number, unit) = v.split_at(split);
    let n: u64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "" | "s" | "sec" => 1000,
        "ms" | "msec" => 1,
        "us" | "usec" => return Some(n / 1000),
        "m" | "min" => 60_000,
        "h" | "hr" => 3_600_000,
        _ => return None,
    };
    n.checked_mul(factor)
}

fn parse_iso8601_duration(text: &str) -> Option<u64> {
    let mut ms: u64 = 0;
    let mut in_time = false;
    let mut number = String::new();
    let mut seen_field = false;
    for c in text.chars() {
        match c {
            'T' if !in_time && number.is_empty() => in_time = true,
            '0'..='9' | '.' => number.push(c),
            unit => {
                let n: f64 = number.parse().ok()?;
                number.clear();
                seen_field = true;
                let seconds = match (in_time, unit) {
                    (false, 'Y') => 365.0 * 86_400.0,
                    (false, 'M') => 30.0 * 86_400.0,
                    (false, 'W') => 7.0 * 86_400.0,
                    (false, 'D') => 86_400.0,
                    (true, 'H') => 3_600.0,
                    (true, 'M') => 60.0,
                    (_, 'S') => 1.0,
                    // Pacemaker also takes hours without the `T` (`P10S` and `P1H` are common).
                    (false, 'H') => 3_600.0,
                    _ => return None,
                };
                ms += (n * seconds * 1000.0) as u64;
            }
        }
    }
    (number.is_empty() && seen_field).then_some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("10"), Some(10_000));
        assert_eq!(parse_duration_ms("10s"), Some(10_000));
        assert_eq!(parse_duration_ms("500ms"), Some(500));
        assert_eq!(parse_duration_ms("2min"), Some(120_000));
        assert_eq!(parse_duration_ms("PT10S"), Some(10_000));
        assert_eq!(parse_duration_ms("P1DT1M"), Some(86_460_000));
        assert_eq!(parse_duration_ms("P10S"), Some(10_000));
        assert_eq!(parse_duration_ms("ten"), None);
        assert_eq!(parse_duration_ms("10parsecs"), None);
    }

    #[test]
    fn scores_and_booleans() {
        assert!(is_valid_score("-INFINITY"));
        assert!(is_valid_score("+100"));
        assert!(!is_valid_score("abc"));
        assert!(!is_valid_score(""));
        assert_eq!(parse_bool("Yes"), Some(true));
        assert_eq!(parse_bool("maybe"), None);
    }
}

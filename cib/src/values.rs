//! Pacemaker's scalar value types: booleans and durations.

use std::time::Duration;

/// A value that is not a valid boolean or duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Not one of the boolean words.
    #[error("'{0}' is not a valid boolean")]
    Boolean(String),
    /// Not a duration.
    #[error("'{0}' is not a valid duration")]
    Duration(String),
}

/// Parses a boolean: `1 yes y on true` and `0 no n off false`, case-insensitively.
pub fn parse_bool(s: &str) -> Result<bool, ValueError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "y" | "on" | "true" => Ok(true),
        "0" | "no" | "n" | "off" | "false" => Ok(false),
        _ => Err(ValueError::Boolean(s.to_string())),
    }
}

/// Parses a duration: a bare number of seconds, a number with a unit (`us`/`usec`, `ms`/`msec`,
/// `s`/`sec`, `m`/`min`, `h`/`hr`), or an ISO 8601 duration such as `PT5M` or `P1DT2H30M`.
pub fn parse_duration(s: &str) -> Result<Duration, ValueError> {
    let t = s.trim();
    let err = || ValueError::Duration(s.to_string());
    if t.starts_with(['P', 'p']) {
        return parse_iso8601_duration(t).ok_or_else(err);
    }
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: u64 = number.parse().map_err(|_| err())?;
    let micros_per_unit: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "s" | "sec" => 1_000_000,
        "ms" | "msec" => 1_000,
        "us" | "usec" => 1,
        "m" | "min" => 60_000_000,
        "h" | "hr" => 3_600_000_000,
        _ => return Err(err()),
    };
    n.checked_mul(micros_per_unit)
        .map(Duration::from_micros)
        .ok_or_else(err)
}

/// Parses a duration and returns whole milliseconds (Pacemaker passes op timeouts in ms).
pub fn parse_duration_ms(s: &str) -> Result<u64, ValueError> {
    parse_duration(s).map(|d| d.as_millis() as u64)
}

/// `P[nY][nM][nW][nD][T[nH][nM][nS]]`; months count as 30 days and years as 365, as an
/// interval length needs a fixed size.
fn parse_iso8601_duration(s: &str) -> Option<Duration> {
    let body = &s[1..];
    let (date, time) = match body.find(['T', 't']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mut secs: u64 = 0;
    let mut any = false;
    let mut scan = |part: &str, units: &[(char, u64)]| -> Option<()> {
        let mut num = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() {
                num.push(c);
                continue;
            }
            let (_, mult) = units.iter().find(|(u, _)| u.eq_ignore_ascii_case(&c))?;
            let n: u64 = num.parse().ok()?;
            secs = secs.checked_add(n.checked_mul(*mult)?)?;
            num.clear();
            any = true;
        }
        num.is_empty().then_some(())
    };
    scan(
        date,
        &[
            ('Y', 365 * 86_400),
            ('M', 30 * 86_400),
            ('W', 7 * 86_400),
            ('D', 86_400),
        ],
    )?;
    if let Some(time) = time {
        if time.is_empty() {
            return None;
        }
        scan(time, &[('H', 3_600), ('M', 60), ('S', 1)])?;
    }
    any.then(|| Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans() {
        for t in ["1", "yes", "Y", "on", "TRUE", "true"] {
            assert_eq!(parse_bool(t), Ok(true), "{t}");
        }
        for f in ["0", "no", "n", "off", "False"] {
            assert_eq!(parse_bool(f), Ok(false), "{f}");
        }
        assert!(parse_bool("maybe").is_err());
    }

    #[test]
    fn durations() {
        let ms = |s| parse_duration_ms(s).unwrap();
        assert_eq!(ms("20"), 20_000);
        assert_eq!(ms("20s"), 20_000);
        assert_eq!(ms("1500ms"), 1_500);
        assert_eq!(ms("5min"), 300_000);
        assert_eq!(ms("2m"), 120_000);
        assert_eq!(ms("1h"), 3_600_000);
        assert_eq!(ms("PT5M"), 300_000);
        assert_eq!(ms("P1DT2H"), 93_600_000);
        assert_eq!(ms("PT1H30M10S"), 5_410_000);
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("P").is_err());
        assert!(parse_duration("PT").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("-5s").is_err());
    }
}

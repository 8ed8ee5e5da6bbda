//! Durations: Pacemaker's interval and timeout syntax, ISO 8601 durations, and Heartbeat's
//! ha.cf times.

use std::time::Duration;

use crate::ValueError;

/// Parses an interval or timeout as Pacemaker's `crm_get_msec` reads it: a number (a decimal
/// fraction is kept) with an optional unit (`us`/`usec`, `ms`/`msec`, `s`/`sec`/`second`,
/// `m`/`min`/`minute`, `h`/`hr`/`hour`, plurals too, any case; none means seconds), or an ISO
/// 8601 duration such as `PT5M` or `P1DT2H30M` (see [`IsoDuration`]).
pub fn parse_duration(text: &str) -> Result<Duration, ValueError> {
    let t = text.trim();
    let err = || ValueError::Duration(text.to_string());
    if t.starts_with(['P', 'p']) {
        let iso = IsoDuration::parse(t).ok_or_else(err)?;
        return u64::try_from(iso.fixed_seconds())
            .map(Duration::from_secs)
            .map_err(|_| err());
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    if number.is_empty() || number.starts_with('.') {
        return Err(err());
    }
    let n: f64 = number.parse().map_err(|_| err())?;
    let micros_per_unit = unit_micros(unit.trim()).ok_or_else(err)?;
    let micros = (n * micros_per_unit as f64).round();
    if !micros.is_finite() || micros >= u64::MAX as f64 {
        return Err(err());
    }
    Ok(Duration::from_micros(micros as u64))
}

/// [`parse_duration`] in whole milliseconds (Pacemaker passes op intervals and timeouts in ms).
pub fn parse_duration_ms(text: &str) -> Result<u64, ValueError> {
    parse_duration(text).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn unit_micros(unit: &str) -> Option<u64> {
    Some(match unit.to_ascii_lowercase().as_str() {
        "" | "s" | "sec" | "secs" | "second" | "seconds" => 1_000_000,
        "ms" | "msec" | "msecs" => 1_000,
        "us" | "usec" | "usecs" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60_000_000,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600_000_000,
        _ => return None,
    })
}

/// An ISO 8601 duration `P[nY][nM][nW][nD][T[nH][nM][nS]]`, kept in its calendar parts so a
/// date can be moved by whole months. As Pacemaker's parser, hours and seconds may also stand
/// before the `T` (`P10S`); `M` before the `T` means months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IsoDuration {
    /// Years.
    pub years: i64,
    /// Months.
    pub months: i64,
    /// Weeks, days, hours, minutes and seconds, in seconds.
    pub seconds: i64,
}

impl IsoDuration {
    /// Parses the text (leading `P` or `p`); `None` when it is not a duration with at least one
    /// field.
    pub fn parse(text: &str) -> Option<IsoDuration> {
        let body = text.trim().strip_prefix(['P', 'p'])?;
        let mut d = IsoDuration::default();
        let mut in_time = false;
        let mut number = String::new();
        let mut fields = 0;
        for c in body.chars() {
            match c.to_ascii_uppercase() {
                'T' if !in_time && number.is_empty() => in_time = true,
                '0'..='9' => number.push(c),
                unit => {
                    let n: i64 = number.parse().ok()?;
                    number.clear();
                    fields += 1;
                    let secs = |mult: i64| n.checked_mul(mult);
                    match (in_time, unit) {
                        (false, 'Y') => d.years = d.years.checked_add(n)?,
                        (false, 'M') => d.months = d.months.checked_add(n)?,
                        (false, 'W') => d.seconds = d.seconds.checked_add(secs(7 * 86_400)?)?,
                        (false, 'D') => d.seconds = d.seconds.checked_add(secs(86_400)?)?,
                        (_, 'H') => d.seconds = d.seconds.checked_add(secs(3_600)?)?,
                        (true, 'M') => d.seconds = d.seconds.checked_add(secs(60)?)?,
                        (_, 'S') => d.seconds = d.seconds.checked_add(n)?,
                        _ => return None,
                    }
                }
            }
        }
        (fields > 0 && number.is_empty()).then_some(d)
    }

    /// The length in seconds when a year counts as 365 days and a month as 30, as an interval
    /// needs a fixed size.
    pub fn fixed_seconds(&self) -> i64 {
        self.years
            .saturating_mul(365 * 86_400)
            .saturating_add(self.months.saturating_mul(30 * 86_400))
            .saturating_add(self.seconds)
    }
}

/// Heartbeat's ha.cf time syntax (`keepalive`, `deadtime`, ...): seconds by default, with a
/// fraction (`2`, `1.7`), or with a `ms`, `us` or `s` suffix (`200ms`). `None` when malformed.
pub fn parse_heartbeat_time(text: &str) -> Option<Duration> {
    let t = text.trim();
    let (number, micros_per_unit) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1_000.0)
    } else if let Some(n) = t.strip_suffix("us") {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1_000_000.0)
    } else {
        (t, 1_000_000.0)
    };
    let number = number.trim_end();
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let n: f64 = number.parse().ok()?;
    let micros = (n * micros_per_unit).round();
    (micros.is_finite() && micros < u64::MAX as f64).then(|| Duration::from_micros(micros as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacemaker_intervals() {
        let ms = |s| parse_duration_ms(s).unwrap();
        assert_eq!(ms("20"), 20_000);
        assert_eq!(ms("20s"), 20_000);
        assert_eq!(ms(" 20 sec "), 20_000);
        assert_eq!(ms("1500ms"), 1_500);
        assert_eq!(ms("1500MSEC"), 1_500);
        assert_eq!(ms("2500us"), 2);
        assert_eq!(ms("5min"), 300_000);
        assert_eq!(ms("2m"), 120_000);
        assert_eq!(ms("1h"), 3_600_000);
        assert_eq!(ms("2hours"), 7_200_000);
        assert_eq!(ms("1.5s"), 1_500);
        assert_eq!(ms("PT5M"), 300_000);
        assert_eq!(ms("P1DT2H"), 93_600_000);
        assert_eq!(ms("PT1H30M10S"), 5_410_000);
        assert_eq!(ms("P10S"), 10_000);
        assert_eq!(ms("P1M"), 30 * 86_400_000);
        for bad in [
            "5 parsecs",
            "P",
            "PT",
            "",
            "-5s",
            "s",
            ".5",
            "1d",
            "P5",
            "PT5X",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn iso_durations_keep_calendar_parts() {
        assert_eq!(
            IsoDuration::parse("P1Y2M3DT4H5M6S"),
            Some(IsoDuration {
                years: 1,
                months: 2,
                seconds: 3 * 86_400 + 4 * 3_600 + 5 * 60 + 6
            })
        );
        assert_eq!(IsoDuration::parse("P2W").unwrap().seconds, 14 * 86_400);
        assert_eq!(IsoDuration::parse("1h"), None);
    }

    #[test]
    fn heartbeat_times() {
        assert_eq!(parse_heartbeat_time("2"), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_heartbeat_time("1.7"),
            Some(Duration::from_millis(1700))
        );
        assert_eq!(
            parse_heartbeat_time("200ms"),
            Some(Duration::from_millis(200))
        );
        assert_eq!(
            parse_heartbeat_time("200 ms"),
            Some(Duration::from_millis(200))
        );
        assert_eq!(parse_heartbeat_time("5s"), Some(Duration::from_secs(5)));
        assert_eq!(parse_heartbeat_time("two"), None);
        assert_eq!(parse_heartbeat_time("-1"), None);
        assert_eq!(parse_heartbeat_time(""), None);
    }
}

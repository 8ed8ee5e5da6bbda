//! `--lifetime` for `--move`/`--ban`: ISO 8601 durations, and the end dates written into (and
//! read back from, for `--clear --expired`) the constraints' `date_expression`s, in the
//! `YYYY-MM-DD HH:MM:SS +00:00` form Pacemaker prints.

/// Seconds in an ISO 8601 duration (`P1DT2H`, `PT1S`, `P2W`); years and months count as 365
/// and 30 days. `None` when it does not parse.
pub fn parse_duration(text: &str) -> Option<i64> {
    let rest = text.trim().strip_prefix('P')?;
    if rest.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut in_time = false;
    let mut number = String::new();
    let mut any = false;
    for c in rest.chars() {
        match c {
            'T' if !in_time && number.is_empty() => in_time = true,
            '0'..='9' => number.push(c),
            _ => {
                let n: i64 = number.parse().ok()?;
                number.clear();
                let unit = match (in_time, c) {
                    (false, 'Y') => 365 * 86_400,
                    (false, 'M') => 30 * 86_400,
                    (false, 'W') => 7 * 86_400,
                    (false, 'D') => 86_400,
                    (true, 'H') => 3_600,
                    (true, 'M') => 60,
                    (true, 'S') => 1,
                    _ => return None,
                };
                total = total.checked_add(n.checked_mul(unit)?)?;
                any = true;
            }
        }
    }
    (any && number.is_empty()).then_some(total)
}

/// Days since 1970-01-01 -> (year, month, day) (Howard Hinnant's civil_from_days).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// (year, month, day) -> days since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `epoch` as `YYYY-MM-DD HH:MM:SS +00:00` (UTC).
pub fn format_time(epoch: i64) -> String {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} +00:00",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// `epoch` as C's `ctime()` writes it (`Sun Nov 22 20:22:53 2020`, UTC), for operation
/// histories.
pub fn ctime(epoch: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let weekday = DAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month = MONTHS[usize::try_from(m - 1).unwrap_or(0).min(11)];
    format!(
        "{weekday} {month} {d:>2} {:02}:{:02}:{:02} {y}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// Parses `YYYY-MM-DD[ T]HH:MM:SS[ ][Z|+HH:MM|-HH:MM]` into seconds since the epoch.
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    let date = text.get(..10)?;
    let mut parts = date.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    let rest = text.get(10..)?.trim_start_matches([' ', 'T']);
    let (clock, zone) = rest.split_at(rest.len().min(8));
    let mut hms = clock.split(':').map(|p| p.parse::<i64>().ok());
    let (h, mi, s) = (
        hms.next().flatten().unwrap_or(0),
        hms.next().flatten().unwrap_or(0),
        hms.next().flatten().unwrap_or(0),
    );
    let zone = zone.trim();
    let offset = match zone.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let mut z = zone[1..].split(':');
            let zh: i64 = z.next()?.parse().ok()?;
            let zm: i64 = z.next().unwrap_or("0").parse().ok()?;
            let o = zh * 3600 + zm * 60;
            if sign == '-' {
                -o
            } else {
                o
            }
        }
        _ => 0,
    };
    Some(days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60 + s - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_dates() {
        assert_eq!(parse_duration("PT1H"), Some(3600));
        assert_eq!(parse_duration("P1DT1S"), Some(86_401));
        assert_eq!(parse_duration("1h"), None);
        assert_eq!(parse_duration("P"), None);
        let t = 1_764_756_000;
        assert_eq!(parse_time(&format_time(t)), Some(t));
        assert_eq!(format_time(0), "1970-01-01 00:00:00 +00:00");
        assert_eq!(parse_time("1970-01-01 01:00:00 +01:00"), Some(0));
        assert_eq!(ctime(0), "Thu Jan  1 00:00:00 1970");
    }
}

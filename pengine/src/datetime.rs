//! Just enough ISO 8601 for rules: calendar dates and times to epoch seconds, durations,
//! and the broken-down fields a `date_spec` matches on. All times are UTC.

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of days since the epoch.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Parses `YYYY-MM-DD[( |T)HH:MM[:SS]][Z|±HH[:MM]]` (also `YYYY-DDD` ordinal and `YYYY-Www-D`).
pub fn parse(text: &str) -> Option<i64> {
    let t = text.trim();
    let (date, time) = match t.find(['T', ' ']) {
        Some(i) => (&t[..i], Some(t[i + 1..].trim())),
        None => (t, None),
    };
    let days = parse_date(date)?;
    let secs = match time {
        Some(tm) if !tm.is_empty() => parse_time(tm)?,
        _ => 0,
    };
    Some(days * 86_400 + secs)
}

fn parse_date(d: &str) -> Option<i64> {
    let parts: Vec<&str> = d.split('-').collect();
    let num = |s: &str| s.parse::<i64>().ok();
    match parts.as_slice() {
        [y, w, wd] if w.starts_with('W') => {
            let y = num(y)?;
            let w = num(&w[1..])?;
            let wd = num(wd)?;
            Some(iso_week_start(y) + (w - 1) * 7 + (wd - 1))
        }
        [y, m, dd] => Some(days_from_civil(num(y)?, num(m)?, num(dd)?)),
        [y, doy] if doy.len() == 3 => Some(days_from_civil(num(y)?, 1, 1) + num(doy)? - 1),
        [y, m] => Some(days_from_civil(num(y)?, num(m)?, 1)),
        [ymd] if ymd.len() == 8 => Some(days_from_civil(
            num(&ymd[..4])?,
            num(&ymd[4..6])?,
            num(&ymd[6..])?,
        )),
        _ => None,
    }
}

fn parse_time(t: &str) -> Option<i64> {
    let (clock, offset) = if let Some(s) = t.strip_suffix('Z') {
        (s, 0)
    } else if let Some(i) = t.rfind(['+', '-']) {
        let off = &t[i + 1..];
        let sign = if t.as_bytes()[i] == b'-' { -1 } else { 1 };
        let mut it = off.split(':');
        let h: i64 = it.next()?.parse().ok()?;
        let m: i64 = it.next().map(|m| m.parse().ok()).unwrap_or(Some(0))?;
        (&t[..i], sign * (h * 3600 + m * 60))
    } else {
        (t, 0)
    };
    let mut it = clock.split(':');
    let h: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next().map(|m| m.parse().ok()).unwrap_or(Some(0))?;
    let s: f64 = it.next().map(|s| s.parse().ok()).unwrap_or(Some(0.0))?;
    Some(h * 3600 + m * 60 + s as i64 - offset)
}

/// Days since the epoch of Monday of ISO week 1 of `year`.
fn iso_week_start(year: i64) -> i64 {
    let jan4 = days_from_civil(year, 1, 4);
    jan4 - (weekday(jan4) - 1)
}

/// ISO weekday (1 = Monday) of days since the epoch.
pub fn weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7) + 1
}

/// Broken-down UTC time, as matched by `date_spec`.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub years: i64,
    pub months: i64,
    pub monthdays: i64,
    pub hours: i64,
    pub minutes: i64,
    pub seconds: i64,
    pub yeardays: i64,
    pub weekdays: i64,
    pub weekyears: i64,
    pub weeks: i64,
}

/// The fields of an epoch time.
pub fn fields(t: i64) -> Fields {
    let days = t.div_euclid(86_400);
    let rem = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let wd = weekday(days);
    // ISO week-numbering year: the year of this week's Thursday.
    let thursday = days - (wd - 1) + 3;
    let (wy, _, _) = civil_from_days(thursday);
    let week = (thursday - days_from_civil(wy, 1, 1)) / 7 + 1;
    Fields {
        years: y,
        months: m,
        monthdays: d,
        hours: rem / 3600,
        minutes: rem % 3600 / 60,
        seconds: rem % 60,
        yeardays: days - days_from_civil(y, 1, 1) + 1,
        weekdays: wd,
        weekyears: wy,
        weeks: week,
    }
}

/// Adds a calendar duration; months and years keep the day of month (clamped to month length).
pub fn add_duration(t: i64, years: i64, months: i64, secs: i64) -> i64 {
    let days = t.div_euclid(86_400);
    let rem = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let total = y * 12 + (m - 1) + years * 12 + months;
    let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    let mdays = [
        31,
        if is_leap(ny) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][(nm - 1) as usize];
    days_from_civil(ny, nm, d.min(mdays)) * 86_400 + rem + secs
}

/// Formats epoch seconds like Pacemaker's `crm_time` ("2012-07-13 13:51:04Z").
pub fn format(t: i64) -> String {
    let f = fields(t);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}Z",
        f.years, f.months, f.monthdays, f.hours, f.minutes, f.seconds
    )
}

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `ctime()`-style text of epoch seconds (UTC).
/// `ctime(3)` text of `t` in UTC (`Thu Dec  3 09:20:44 2026`), as Pacemaker prints times.
pub fn ctime(t: i64) -> String {
    let f = fields(t);
    let wd = t.div_euclid(86_400).rem_euclid(7);
    // 1970-01-01 was a Thursday.
    let day = DAYS[((wd + 4) % 7) as usize];
    format!(
        "{day} {} {:>2} {:02}:{:02}:{:02} {}",
        MONTHS[(f.months - 1).clamp(0, 11) as usize],
        f.monthdays,
        f.hours,
        f.minutes,
        f.seconds,
        f.years
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_breaks_down() {
        let t = parse("2005-10-10T10:00:00Z").unwrap();
        assert_eq!(t, 1_128_938_400);
        let f = fields(t);
        assert_eq!(
            (f.years, f.months, f.monthdays, f.hours, f.weekdays),
            (2005, 10, 10, 10, 1)
        );
        assert_eq!(parse("1970-01-02"), Some(86_400));
        assert_eq!(
            add_duration(parse("2005-01-31").unwrap(), 0, 1, 0),
            parse("2005-02-28").unwrap()
        );
        assert_eq!(format(0), "1970-01-01 00:00:00Z");
    }
}

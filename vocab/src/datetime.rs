//! Dates and times as epoch seconds (UTC): ISO 8601 parsing as Pacemaker's rules and tools
//! accept it, calendar math, the broken-down fields a `date_spec` matches, and the texts
//! Pacemaker and Heartbeat print (`crm_time`, `ctime(3)`, log stamps).
//!
//! The calendar conversions are Howard Hinnant's proleptic Gregorian algorithms; they are the
//! only calendar code of the workspace.

use crate::duration::IsoDuration;

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of days since the epoch.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses `YYYY-MM-DD[( |T)HH:MM[:SS]][ ][Z|±HH[:MM]]`, also ordinal `YYYY-DDD`, week
/// `YYYY-Www-D`, `YYYY-MM` and `YYYYMMDD` dates, into epoch seconds. `None` when malformed.
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
    let num = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let checked = |y: i64, m: i64, dd: i64| -> Option<i64> {
        ((1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&dd))
            .then(|| days_from_civil(y, m, dd))
    };
    match parts.as_slice() {
        [y, w, wd] if w.starts_with('W') => {
            let (y, w, wd) = (num(y)?, num(&w[1..])?, num(wd)?);
            ((1..=53).contains(&w) && (1..=7).contains(&wd))
                .then(|| iso_week_start(y) + (w - 1) * 7 + (wd - 1))
        }
        [y, m, dd] => checked(num(y)?, num(m)?, num(dd)?),
        [y, doy] if doy.len() == 3 => {
            let (y, doy) = (num(y)?, num(doy)?);
            let len = if is_leap(y) { 366 } else { 365 };
            (1..=len)
                .contains(&doy)
                .then(|| days_from_civil(y, 1, 1) + doy - 1)
        }
        [y, m] => checked(num(y)?, num(m)?, 1),
        [ymd] if ymd.len() == 8 => checked(num(&ymd[..4])?, num(&ymd[4..6])?, num(&ymd[6..])?),
        _ => None,
    }
}

/// `HH[:MM[:SS[.frac]]]` then an optional zone (`Z`, `±HH`, `±HH:MM`, `±HHMM`), blanks allowed
/// before the zone; seconds from midnight UTC.
fn parse_time(t: &str) -> Option<i64> {
    let t = t.trim();
    let (clock, offset) = if let Some(s) = t.strip_suffix(['Z', 'z']) {
        (s, 0)
    } else if let Some(i) = t.rfind(['+', '-']) {
        let zone = t[i + 1..].trim();
        let sign = if t.as_bytes()[i] == b'-' { -1 } else { 1 };
        let (h, m) = match zone.split_once(':') {
            Some((h, m)) => (h, m),
            None if zone.len() == 4 => zone.split_at(2),
            None => (zone, "0"),
        };
        let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
        (&t[..i], sign * (h * 3600 + m * 60))
    } else {
        (t, 0)
    };
    let mut it = clock.trim().split(':');
    let h: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next().map(|m| m.parse().ok()).unwrap_or(Some(0))?;
    let s: f64 = it.next().map(|s| s.parse().ok()).unwrap_or(Some(0.0))?;
    if it.next().is_some()
        || !(0..=24).contains(&h)
        || !(0..60).contains(&m)
        || !(0.0..61.0).contains(&s)
    {
        return None;
    }
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields {
    pub years: i64,
    pub months: i64,
    pub monthdays: i64,
    pub hours: i64,
    pub minutes: i64,
    pub seconds: i64,
    pub yeardays: i64,
    /// ISO weekday, 1 = Monday.
    pub weekdays: i64,
    /// ISO week-numbering year.
    pub weekyears: i64,
    /// ISO week number.
    pub weeks: i64,
}

/// The fields of an epoch time.
pub fn fields(t: i64) -> Fields {
    let days = t.div_euclid(86_400);
    let rem = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let wd = weekday(days);
    // The ISO week-numbering year is the year of this week's Thursday.
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

/// Adds a calendar duration; months and years keep the day of month (clamped to the month's
/// length, so Jan 31 + 1 month is Feb 28 or 29).
pub fn add_duration(t: i64, years: i64, months: i64, secs: i64) -> i64 {
    let days = t.div_euclid(86_400);
    let rem = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let total = y * 12 + (m - 1) + years * 12 + months;
    let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    days_from_civil(ny, nm, d.min(days_in_month(ny, nm))) * 86_400 + rem + secs
}

/// Adds an ISO 8601 duration with calendar months and years.
pub fn add_iso(t: i64, d: &IsoDuration) -> i64 {
    add_duration(t, d.years, d.months, d.seconds)
}

/// `crm_time`'s default text: `2012-07-13 13:51:04Z`.
pub fn format(t: i64) -> String {
    let f = fields(t);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}Z",
        f.years, f.months, f.monthdays, f.hours, f.minutes, f.seconds
    )
}

/// The text with an explicit zone, `2012-07-13 13:51:04 +00:00`, as Pacemaker writes the
/// end dates of `crm_resource --lifetime` constraints.
pub fn format_with_offset(t: i64) -> String {
    let f = fields(t);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} +00:00",
        f.years, f.months, f.monthdays, f.hours, f.minutes, f.seconds
    )
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn month_name(m: i64) -> &'static str {
    MONTHS[usize::try_from(m - 1).unwrap_or(0).min(11)]
}

/// `ctime(3)` text of `t` in UTC (`Thu Dec  3 09:20:44 2026`), as Pacemaker prints times.
pub fn ctime(t: i64) -> String {
    let f = fields(t);
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {}",
        DAYS[usize::try_from(f.weekdays - 1).unwrap_or(0)],
        month_name(f.months),
        f.monthdays,
        f.hours,
        f.minutes,
        f.seconds,
        f.years
    )
}

/// `Mon DD HH:MM:SS` (UTC), the syslog-style stamp Heartbeat's tools put on stderr lines.
pub fn syslog_stamp(t: i64) -> String {
    let f = fields(t);
    format!(
        "{} {:02} {:02}:{:02}:{:02}",
        month_name(f.months),
        f.monthdays,
        f.hours,
        f.minutes,
        f.seconds
    )
}

/// `YYYY/MM/DD_HH:MM:SS` (UTC), the stamp of Heartbeat's log files.
pub fn logfile_stamp(t: i64) -> String {
    let f = fields(t);
    format!(
        "{:04}/{:02}/{:02}_{:02}:{:02}:{:02}",
        f.years, f.months, f.monthdays, f.hours, f.minutes, f.seconds
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
        assert_eq!(parse("19700102"), Some(86_400));
        assert_eq!(parse("1970-002"), Some(86_400));
        assert_eq!(parse("2009-W01-1"), parse("2008-12-29"));
        assert_eq!(parse("1970-01-01 01:00:00 +01:00"), Some(0));
        assert_eq!(parse("1970-01-01T01:00:00+0100"), Some(0));
        assert_eq!(parse("1970-01-01 00:00:00 -02"), Some(7200));
        for bad in [
            "",
            "2020-13-01",
            "2021-02-29",
            "2020-01-01 25:00",
            "x",
            "2020-01-01T1:2:3:4",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn calendar_math() {
        assert_eq!(
            add_duration(parse("2005-01-31").unwrap(), 0, 1, 0),
            parse("2005-02-28").unwrap()
        );
        assert_eq!(
            add_iso(
                parse("2004-01-31").unwrap(),
                &IsoDuration::parse("P1M1D").unwrap()
            ),
            parse("2004-03-01").unwrap()
        );
        for days in [-800_000, -1, 0, 59, 11_016, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        // ISO week-numbering year: 2008-12-29 is in week 1 of 2009.
        let f = fields(parse("2008-12-29").unwrap());
        assert_eq!((f.weekyears, f.weeks, f.weekdays), (2009, 1, 1));
    }

    #[test]
    fn texts() {
        assert_eq!(format(0), "1970-01-01 00:00:00Z");
        assert_eq!(format_with_offset(0), "1970-01-01 00:00:00 +00:00");
        assert_eq!(ctime(0), "Thu Jan  1 00:00:00 1970");
        assert_eq!(ctime(1_606_076_573), "Sun Nov 22 20:22:53 2020");
        assert_eq!(syslog_stamp(1_606_076_573), "Nov 22 20:22:53");
        assert_eq!(logfile_stamp(1_606_076_573), "2020/11/22_20:22:53");
        let t = 1_764_756_000;
        assert_eq!(parse(&format_with_offset(t)), Some(t));
        assert_eq!(parse(&format(t)), Some(t));
    }
}

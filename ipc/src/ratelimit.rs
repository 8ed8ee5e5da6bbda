//! Rate-limited warnings, so a flood of refused clients cannot fill the log.

use std::time::{Duration, Instant};

/// At most `burst` lines per `window`; the number held back is reported when the next window
/// opens.
#[derive(Debug)]
pub(crate) struct RateLimit {
    window: Duration,
    burst: u32,
    started: Option<Instant>,
    logged: u32,
    held_back: u64,
}

impl RateLimit {
    pub(crate) fn new(burst: u32, window: Duration) -> Self {
        RateLimit {
            window,
            burst,
            started: None,
            logged: 0,
            held_back: 0,
        }
    }

    /// Logs `line` through `log` unless over the limit.
    pub(crate) fn warn(&mut self, now: Instant, log: fn(&str), line: &str) {
        if self
            .started
            .is_none_or(|s| now.duration_since(s) >= self.window)
        {
            if self.held_back > 0 {
                log(&format!(
                    "{} more refusals not logged (rate limit)",
                    self.held_back
                ));
            }
            self.started = Some(now);
            self.logged = 0;
            self.held_back = 0;
        }
        if self.logged < self.burst {
            self.logged += 1;
            log(line);
        } else {
            self.held_back += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());
    fn record(l: &str) {
        LINES.lock().unwrap().push(l.to_string());
    }

    #[test]
    fn a_flood_is_cut_to_the_burst_and_counted() {
        let mut r = RateLimit::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        for i in 0..1000 {
            r.warn(t0, record, &format!("refused {i}"));
        }
        r.warn(t0 + Duration::from_secs(11), record, "later");
        let lines = LINES.lock().unwrap().clone();
        assert_eq!(
            lines,
            [
                "refused 0",
                "refused 1",
                "refused 2",
                "997 more refusals not logged (rate limit)",
                "later"
            ]
        );
    }
}

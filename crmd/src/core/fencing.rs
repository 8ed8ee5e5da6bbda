//! The DC's fencing requests, each tied to the transition (and action) that asked for it.
//!
//! A request is held for [`FENCE_SETTLE`] before it is handed to stonithd: a node whose loss
//! was a blip (a ccm restart, a short view) rejoins within that time, and its request is then
//! withdrawn instead of fencing a healthy member. Once handed to stonithd a request cannot be
//! recalled; it is completed and its result recorded whatever happened meanwhile.

use std::collections::BTreeMap;

use super::Millis;

/// How long a fencing request waits before it is handed to stonithd.
pub const FENCE_SETTLE: Millis = 1_000;

/// One fencing request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FenceRequest {
    /// Transition id.
    pub tid: u64,
    /// The stonith action's id in that transition.
    pub aid: u32,
    /// The node to fence.
    pub target: String,
    /// `reboot`, `off`, `on`.
    pub action: String,
    /// `priority-fencing-delay` for stonithd, ms.
    pub delay_ms: u64,
    /// When it may be handed to stonithd.
    pub start_at: Millis,
    /// Handed to stonithd (no longer withdrawable).
    pub started: bool,
    /// The target was an active member when the request was made: it is fenced for a failure
    /// there (a failed stop), not for its loss, so its being a member does not withdraw it.
    pub for_member: bool,
}

/// The DC's requests by (transition, action).
#[derive(Debug, Default)]
pub struct Fencing {
    reqs: BTreeMap<(u64, u32), FenceRequest>,
}

impl Fencing {
    /// Holds a new request.
    pub fn hold(&mut self, req: FenceRequest) {
        self.reqs.insert((req.tid, req.aid), req);
    }

    /// Marks the held requests whose time has come as started and returns them.
    pub fn due(&mut self, now: Millis) -> Vec<FenceRequest> {
        self.reqs
            .values_mut()
            .filter(|r| !r.started && r.start_at <= now)
            .map(|r| {
                r.started = true;
                r.clone()
            })
            .collect()
    }

    /// Removes and returns the requests not yet started whose target `healthy` says is back.
    pub fn withdraw(&mut self, healthy: impl Fn(&str) -> bool) -> Vec<FenceRequest> {
        let gone: Vec<(u64, u32)> = self
            .reqs
            .iter()
            .filter(|(_, r)| !r.started && !r.for_member && healthy(&r.target))
            .map(|(k, _)| *k)
            .collect();
        gone.iter().filter_map(|k| self.reqs.remove(k)).collect()
    }

    /// The request stonithd answered, if it is ours.
    pub fn finish(&mut self, tid: u64, aid: u32) -> Option<FenceRequest> {
        self.reqs.remove(&(tid, aid))
    }

    /// When the next held request is due.
    pub fn next_deadline(&self) -> Option<Millis> {
        self.reqs
            .values()
            .filter(|r| !r.started)
            .map(|r| r.start_at)
            .min()
    }

    /// (target, started) of every request.
    pub fn summary(&self) -> Vec<(String, bool)> {
        self.reqs
            .values()
            .map(|r| (r.target.clone(), r.started))
            .collect()
    }

    /// This node stops being the DC: held requests die with it (the next DC decides again);
    /// started ones still run in stonithd.
    pub fn log_abandoned(&self) {
        for r in self.reqs.values() {
            if r.started {
                tracing::warn!(
                    "no longer DC: fencing {} (transition {}) is already with stonithd",
                    r.target,
                    r.tid
                );
            } else {
                tracing::warn!(
                    "no longer DC: fencing {} (transition {}) withdrawn before it started",
                    r.target,
                    r.tid
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(tid: u64, target: &str, start_at: Millis) -> FenceRequest {
        FenceRequest {
            tid,
            aid: 1,
            target: target.into(),
            action: "reboot".into(),
            delay_ms: 0,
            start_at,
            started: false,
            for_member: false,
        }
    }

    #[test]
    fn only_requests_not_started_are_withdrawn() {
        let mut f = Fencing::default();
        f.hold(req(1, "n2", 100));
        f.hold(req(2, "n3", 500));
        assert_eq!(f.due(100).len(), 1, "n2's request starts at 100");
        let withdrawn = f.withdraw(|_| true);
        assert_eq!(withdrawn.len(), 1);
        assert_eq!(withdrawn[0].target, "n3");
        assert_eq!(f.summary(), vec![("n2".to_string(), true)]);
        assert!(f.finish(1, 1).is_some());
        assert!(f.summary().is_empty());
    }
}

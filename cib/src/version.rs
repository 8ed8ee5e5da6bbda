//! The CIB version tuple `(admin_epoch, epoch, num_updates)`; the highest tuple wins.

use crate::Element;
use std::fmt;

/// The version attributes of `<cib>`, compared lexicographically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct CibVersion {
    /// Raised by administrators to force a configuration to win.
    pub admin_epoch: u64,
    /// Raised on every configuration change.
    pub epoch: u64,
    /// Raised on every status change; reset when `epoch` rises.
    pub num_updates: u64,
}

impl CibVersion {
    /// Reads the version from the attributes of `<cib>` (a missing or bad value counts as 0).
    pub fn from_element(cib: &Element) -> CibVersion {
        let get = |k: &str| cib.attr(k).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
        CibVersion {
            admin_epoch: get("admin_epoch"),
            epoch: get("epoch"),
            num_updates: get("num_updates"),
        }
    }

    /// Writes the three attributes onto `<cib>`.
    pub fn write_to(&self, cib: &mut Element) {
        cib.set_attr("admin_epoch", self.admin_epoch.to_string());
        cib.set_attr("epoch", self.epoch.to_string());
        cib.set_attr("num_updates", self.num_updates.to_string());
    }

    /// The version after a configuration change: epoch + 1, num_updates reset.
    pub fn bump_epoch(self) -> CibVersion {
        CibVersion {
            epoch: self.epoch + 1,
            num_updates: 0,
            ..self
        }
    }

    /// The version after a status-only change: num_updates + 1.
    pub fn bump_updates(self) -> CibVersion {
        CibVersion {
            num_updates: self.num_updates + 1,
            ..self
        }
    }
}

impl fmt::Display for CibVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}",
            self.admin_epoch, self.epoch, self.num_updates
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering_is_lexicographic() {
        let v = |a, e, n| CibVersion {
            admin_epoch: a,
            epoch: e,
            num_updates: n,
        };
        assert!(v(1, 0, 0) > v(0, 99, 99));
        assert!(v(0, 2, 0) > v(0, 1, 500));
        assert!(v(0, 1, 2) > v(0, 1, 1));
        assert_eq!(v(0, 1, 5).bump_epoch(), v(0, 2, 0));
        assert_eq!(v(0, 1, 5).bump_updates(), v(0, 1, 6));
        assert_eq!(v(3, 2, 1).to_string(), "3.2.1");
    }

    #[test]
    fn reads_and_writes_cib_attributes() {
        let mut cib = Element::new("cib")
            .with_attr("epoch", "7")
            .with_attr("num_updates", "x");
        let v = CibVersion::from_element(&cib);
        assert_eq!((v.admin_epoch, v.epoch, v.num_updates), (0, 7, 0));
        v.bump_epoch().write_to(&mut cib);
        assert_eq!(cib.attr("epoch"), Some("8"));
        assert_eq!(cib.attr("admin_epoch"), Some("0"));
    }
}

//! Reading `ha.cf`, `authkeys` and (without a CRM) checking `haresources`, with Heartbeat 3.0.6's
//! rules and message texts.
//!
//! File paths are formed as `<confdir>/<file>` without normalising, so the default confdir
//! `/etc/ha.d/` yields Heartbeat's familiar `/etc/ha.d//ha.cf` in messages.

mod authkeys;
mod hacf;
mod haresources;

pub use authkeys::{AuthKey, AuthKeys, AuthMethod};
pub use hacf::{
    ApiAuth, AutoFailback, Autojoin, Config, CrmMode, Medium, PingSpec, RespawnSpec, UuidFrom,
};
pub use haresources::check_haresources;

use thiserror::Error;

/// Heartbeat's default configuration directory (with its trailing slash).
pub const DEFAULT_CONFDIR: &str = "/etc/ha.d/";

/// `<confdir>/<file>` spelt the way Heartbeat spells it.
pub fn conf_path(confdir: &str, file: &str) -> String {
    format!("{confdir}/{file}")
}

/// The checks between ha.cf's `crypto` and authkeys: a key must be there, and packets must be
/// signed with an HMAC (with `crc` anyone could forge a clear heartbeat and so switch encryption
/// off, see [`crate::crypto::MixedCluster`]).
pub fn check_crypto(cfg: &Config, keys: &AuthKeys) -> Result<(), ConfigError> {
    let Some(cipher) = cfg.crypto else {
        return Ok(());
    };
    if keys.crypto.is_none() {
        return Err(ConfigError::Auth(format!(
            "crypto {} in {} needs a 'crypto <64 hex digits>' line in authkeys",
            cipher.name(),
            cfg.path
        )));
    }
    if keys.active_key().method == AuthMethod::Crc {
        return Err(ConfigError::Auth(format!(
            "crypto {} needs an HMAC auth method (md5, sha1, sha256, sha512), not crc",
            cipher.name()
        )));
    }
    Ok(())
}

/// Everything that stops heartbeat from starting. `Display` gives Heartbeat's text.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// ha.cf cannot be read.
    #[error("Cannot open config file [{0}]")]
    CannotOpenConfig(String),
    /// Unknown directive.
    #[error("Illegal directive [{directive}] in {path}")]
    IllegalDirective {
        /// The directive.
        directive: String,
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
    },
    /// A directive with a value Heartbeat rejects.
    #[error("{reason} in {path} line {line}: {directive} {value}")]
    BadValue {
        /// The directive.
        directive: String,
        /// Its value as written.
        value: String,
        /// Why it is wrong (Heartbeat's own text where it has one).
        reason: String,
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
    },
    /// No bcast/mcast/ucast/serial line.
    #[error("No heartbeat media defined")]
    NoMedia,
    /// No node line and no `autojoin any`.
    #[error("no nodes defined")]
    NoNodes,
    /// The local node is not a `node`.
    #[error("Current node [{0}] not in configuration!")]
    NodeNotInConfig(String),
    /// deadtime <= 2 × keepalive.
    #[error("Dead time [{deadtime}] is too small compared to keeplive [{keepalive}]")]
    DeadtimeTooSmall {
        /// ms
        deadtime: u64,
        /// ms
        keepalive: u64,
    },
    /// initdead < deadtime.
    #[error("Initial dead time [{initdead}] is smaller than deadtime [{deadtime}]")]
    InitdeadTooSmall {
        /// ms
        initdead: u64,
        /// ms
        deadtime: u64,
    },
    /// authkeys problems; `Display` is the specific line.
    #[error("{0}")]
    Auth(String),
    /// haresources cannot be read.
    #[error("Cannot open resources file [{0}]")]
    CannotOpenResources(String),
    /// haresources names a node that is not in ha.cf.
    #[error("Bad nodename in {path} [{node}]")]
    BadResourceNode {
        /// The file.
        path: String,
        /// The node named.
        node: String,
    },
}

impl ConfigError {
    /// The lines Heartbeat logs at ERROR level, then INFO lines, in order, for this error.
    pub fn log_lines(&self) -> Vec<(&'static str, String)> {
        let mut lines = vec![("ERROR", self.to_string())];
        match self {
            ConfigError::CannotOpenConfig(p) | ConfigError::CannotOpenResources(p) => {
                lines.push((
                    "info",
                    format!("An annotated sample {p} file is provided in the documentation."),
                ));
                lines.push((
                    "info",
                    format!("Please copy it to {p}, read it, customize it, and try again."),
                ));
            }
            ConfigError::NodeNotInConfig(_) => {
                lines.push(("info", "By default, cluster nodes are named by `uname -n` and must be declared with a 'node' directive in the ha.cf file.".into()));
                lines.push((
                    "info",
                    "See also: http://linux-ha.org/wiki/Ha.cf#node_directive".into(),
                ));
            }
            ConfigError::Auth(_) => {
                lines.push(("ERROR", "Authentication configuration error.".into()));
            }
            _ => {}
        }
        if self.is_parse_error() {
            lines.push((
                "ERROR",
                "Heartbeat not started: configuration error.".into(),
            ));
        }
        lines.push((
            "ERROR",
            "Configuration error, heartbeat not started.".into(),
        ));
        lines
    }

    /// Errors found while reading ha.cf itself (Heartbeat adds "Heartbeat not started" for them).
    pub fn is_parse_error(&self) -> bool {
        matches!(
            self,
            ConfigError::CannotOpenConfig(_)
                | ConfigError::IllegalDirective { .. }
                | ConfigError::BadValue { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crypto_needs_a_key_and_an_hmac_signature() {
        let cfg = Config::parse(
            "node a\nbcast lo\ncrypto chacha20poly1305\n",
            "/etc/ha.d//ha.cf",
        )
        .unwrap();
        let key = format!("crypto {}\n", "ab".repeat(32));
        let keys = |text: &str| AuthKeys::parse(text, "/etc/ha.d//authkeys").unwrap();
        assert_eq!(
            check_crypto(&cfg, &keys("auth 1\n1 sha1 s\n")).unwrap_err().to_string(),
            "crypto chacha20poly1305 in /etc/ha.d//ha.cf needs a 'crypto <64 hex digits>' line in authkeys"
        );
        assert_eq!(
            check_crypto(&cfg, &keys(&format!("auth 1\n1 crc\n{key}")))
                .unwrap_err()
                .to_string(),
            "crypto chacha20poly1305 needs an HMAC auth method (md5, sha1, sha256, sha512), not crc"
        );
        check_crypto(&cfg, &keys(&format!("auth 1\n1 md5 s\n{key}"))).unwrap();
        let plain = Config::parse("node a\nbcast lo\n", "/etc/ha.d//ha.cf").unwrap();
        check_crypto(&plain, &keys("auth 1\n1 crc\n")).unwrap();
    }
}

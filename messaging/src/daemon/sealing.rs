//! Link encryption in the daemon: sealing what goes out, opening what comes in, and switching
//! encryption off while a node that cannot decrypt is up (see [`crate::crypto`]).

use std::borrow::Cow;
use std::io::Read as _;
use std::time::Instant;

use anyhow::Context;

use super::Daemon;
use crate::config::{AuthKeys, Config};
use crate::crypto::{Cipher, CryptoError, LinkCipher, MixedCluster, Switch};
use crate::droplog::DropReason;
use crate::log;

/// The daemon's encryption state, present when ha.cf has a `crypto` line.
pub(super) struct Sealing {
    cipher: LinkCipher,
    mixed: MixedCluster,
    kind: Cipher,
}

impl Sealing {
    /// Sets up encryption for this generation (checked config: the key is there).
    pub(super) fn start(
        cfg: &Config,
        keys: &AuthKeys,
        me: &str,
        generation: u64,
    ) -> anyhow::Result<Option<Sealing>> {
        let (Some(kind), Some(key)) = (cfg.crypto, keys.crypto.clone()) else {
            return Ok(None);
        };
        let mut salt = [0u8; 8];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut salt))
            .context("cannot read /dev/urandom for the link encryption salt")?;
        log::info(&format!(
            "crypto {}: links to our nodes are encrypted (XChaCha20-Poly1305, generation {generation})",
            kind.name()
        ));
        Ok(Some(Sealing {
            cipher: LinkCipher::new(key, me, generation, salt),
            // A clear-only node counts as present as long as it would count as alive.
            mixed: MixedCluster::new(cfg.deadtime),
            kind,
        }))
    }

    /// The value our heartbeats carry in `crypto=`.
    pub(super) fn name(&self) -> &'static str {
        self.kind.name()
    }
}

impl Daemon {
    /// The bytes to put on one medium for a signed clear packet: sealed with a fresh nonce
    /// (one per medium, so the receiver's replay window sees every copy once), or clear.
    pub(super) fn outgoing<'a>(&mut self, clear: &'a [u8]) -> Option<Cow<'a, [u8]>> {
        let Some(s) = self.sealing.as_mut().filter(|s| s.mixed.encrypting()) else {
            return Some(Cow::Borrowed(clear));
        };
        match s.cipher.seal(clear) {
            Ok(sealed) => {
                self.stats.encrypted_out += 1;
                Some(Cow::Owned(sealed))
            }
            Err(e) => {
                log::error(&format!("cannot encrypt a packet: {e}; restart heartbeat"));
                None
            }
        }
    }

    /// Opens a sealed packet from link `via`: the authenticated sender and the clear packet, or
    /// `None` when it was dropped (and logged).
    pub(super) fn open_sealed(&mut self, via: &str, data: &[u8]) -> Option<(String, Vec<u8>)> {
        let Some(s) = self.sealing.as_mut() else {
            self.drop_packet(DropReason::Malformed, via, || {
                format!("dropped encrypted packet on link {via}: no crypto line in ha.cf")
            });
            return None;
        };
        match s.cipher.open(data) {
            Ok(opened) => {
                self.stats.encrypted_in += 1;
                Some(opened)
            }
            Err(e) => {
                let (reason, source) = match &e {
                    CryptoError::Forged { src } => (DropReason::BadAuth, src.to_ascii_lowercase()),
                    CryptoError::Replay { src, .. } | CryptoError::OldGeneration { src, .. } => {
                        (DropReason::Replay, src.to_ascii_lowercase())
                    }
                    _ => (DropReason::Malformed, via.to_string()),
                };
                self.drop_packet(reason, &source, || format!("dropped {e} on link {via}"));
                None
            }
        }
    }

    /// An authentic, fresh heartbeat from `src`: sealed, or clear with or without `crypto=`.
    pub(super) fn note_heartbeat_sealing(&mut self, src: &str, sealed: bool, advertises: bool) {
        let Some(s) = self.sealing.as_mut() else {
            return;
        };
        let switch = s.mixed.heard(src, sealed || advertises, Instant::now());
        self.log_switch(switch);
    }

    /// Ends a mixed period once no clear-only node has been heard for deadtime.
    pub(super) fn check_sealing(&mut self, now: Instant) {
        let Some(s) = self.sealing.as_mut() else {
            return;
        };
        let switch = s.mixed.tick(now);
        self.log_switch(switch);
    }

    fn log_switch(&self, switch: Option<Switch>) {
        let Some(name) = self.sealing.as_ref().map(Sealing::name) else {
            return;
        };
        match switch {
            Some(Switch::Off { node }) => log::warn(&format!(
                "crypto {name}: node {node} sends clear heartbeats without crypto support \
                 (Heartbeat 3.0.6?): mixed cluster, links are NOT encrypted while it is up"
            )),
            Some(Switch::On) => log::info(&format!(
                "crypto {name}: no clear-only node heard for {}ms: links are encrypted again",
                self.cfg.deadtime.as_millis()
            )),
            None => {}
        }
    }
}

//! `authkeys`: `auth N` then `N method [secret]` lines; the file must be mode 600.

use std::os::unix::fs::PermissionsExt;

use super::{conf_path, ConfigError};
use crate::crypto::CryptoKey;

/// A signing method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// CRC32, no key (integrity only).
    Crc,
    /// HMAC-MD5.
    Md5,
    /// HMAC-SHA1.
    Sha1,
    /// HMAC-SHA256 (not in Heartbeat 3.0.6).
    Sha256,
    /// HMAC-SHA512 (not in Heartbeat 3.0.6).
    Sha512,
}

impl AuthMethod {
    /// Parses a method name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "crc" => AuthMethod::Crc,
            "md5" => AuthMethod::Md5,
            "sha1" => AuthMethod::Sha1,
            "sha256" => AuthMethod::Sha256,
            "sha512" => AuthMethod::Sha512,
            _ => return None,
        })
    }

    /// The method's name.
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::Crc => "crc",
            AuthMethod::Md5 => "md5",
            AuthMethod::Sha1 => "sha1",
            AuthMethod::Sha256 => "sha256",
            AuthMethod::Sha512 => "sha512",
        }
    }
}

/// One numbered key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthKey {
    /// 1..15
    pub index: u8,
    /// Method.
    pub method: AuthMethod,
    /// Secret (empty for crc).
    pub secret: Vec<u8>,
}

/// The parsed authkeys file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthKeys {
    /// The key outbound packets are signed with (`auth N`).
    pub active: u8,
    /// Every key; inbound packets may use any of them (key rotation).
    pub keys: Vec<AuthKey>,
    /// Non-fatal remarks (e.g. a key given to crc).
    pub warnings: Vec<String>,
    /// The link encryption key (`crypto <64 hex digits>`; ours only, Heartbeat 3.0.6 refuses
    /// the line).
    pub crypto: Option<CryptoKey>,
}

impl AuthKeys {
    /// Reads `<confdir>/authkeys`, refusing group- or world-accessible files.
    pub fn load(confdir: &str) -> Result<AuthKeys, ConfigError> {
        let path = conf_path(confdir, "authkeys");
        let (Ok(meta), Ok(text)) = (std::fs::metadata(&path), std::fs::read_to_string(&path))
        else {
            return Err(ConfigError::Auth(format!(
                "Cannot open keyfile [{path}].  Stop."
            )));
        };
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(ConfigError::Auth(format!(
                "Bad permissions on keyfile [{path}], 600 recommended."
            )));
        }
        AuthKeys::parse(&text, &path)
    }

    /// Parses authkeys text; `path` is used in messages.
    pub fn parse(text: &str, path: &str) -> Result<AuthKeys, ConfigError> {
        let err = |m: String| ConfigError::Auth(m);
        let mut active: Option<i64> = None;
        let mut keys: Vec<AuthKey> = Vec::new();
        let mut warnings = Vec::new();
        let mut unknown_method = false;
        let mut crypto = None;
        for raw in text.lines() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            if words[0] == "auth" {
                let n = words
                    .get(1)
                    .and_then(|n| n.parse::<i64>().ok())
                    .ok_or_else(|| err(format!("Invalid auth line [{line}] in {path}")))?;
                active = Some(n);
                continue;
            }
            if words[0] == "crypto" {
                let key = match words[1..] {
                    [hex] => CryptoKey::from_hex(hex),
                    _ => None,
                };
                crypto = Some(key.ok_or_else(|| {
                    err(format!(
                        "Invalid crypto key in {path}: 64 hexadecimal digits (32 bytes) expected"
                    ))
                })?);
                continue;
            }
            let n: i64 = words[0]
                .parse()
                .map_err(|_| err(format!("Invalid auth line [{line}] in {path}")))?;
            if !(1..=15).contains(&n) {
                return Err(err(format!("Invalid authnum [{n}] in {path}")));
            }
            let Some(method_name) = words.get(1) else {
                return Err(err(format!("Invalid auth line [{line}] in {path}")));
            };
            let Some(method) = AuthMethod::parse(method_name) else {
                // Heartbeat logs this and then fails to find the key the `auth` line names.
                crate::log::error(&format!("Invalid authtype [{method_name}]"));
                unknown_method = true;
                continue;
            };
            // Heartbeat reads `%d%s%s`: the secret is the first word after the method; anything
            // after it is ignored, so "2 sha1 pass phrase" keys with "pass".
            let secret = words.get(2).copied().unwrap_or_default().to_string();
            match method {
                AuthMethod::Crc if !secret.is_empty() => {
                    warnings.push("Auth method [crc] doesn't use a key".to_string())
                }
                AuthMethod::Crc => {}
                _ if secret.is_empty() => {
                    return Err(err(format!(
                        "Auth method [{}] requires a key",
                        method.name()
                    )))
                }
                _ => {}
            }
            keys.retain(|k| i64::from(k.index) != n);
            keys.push(AuthKey {
                index: n as u8,
                method,
                secret: secret.into_bytes(),
            });
        }
        let Some(active) = active else {
            if keys.is_empty() && !unknown_method {
                return Err(err("No authentication specified.".into()));
            }
            return Err(err(format!("Missing auth directive in keyfile [{path}]")));
        };
        if !keys.iter().any(|k| i64::from(k.index) == active) {
            return Err(err(format!(
                "Auth Key [{active}] not found in keyfile [{path}]"
            )));
        }
        Ok(AuthKeys {
            active: active as u8,
            keys,
            warnings,
            crypto,
        })
    }

    /// The key with this index.
    pub fn key(&self, index: u8) -> Option<&AuthKey> {
        self.keys.iter().find(|k| k.index == index)
    }

    /// The signing key.
    pub fn active_key(&self) -> &AuthKey {
        self.key(self.active).expect("checked at parse time")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "/etc/ha.d//authkeys";

    #[test]
    fn reads_keys_and_reports_missing_active_key() {
        let k = AuthKeys::parse("auth 2\n1 crc\n2 sha1 s3cret\n", P).unwrap();
        assert_eq!(k.active_key().method, AuthMethod::Sha1);
        assert_eq!(k.active_key().secret, b"s3cret");
        let e = AuthKeys::parse("auth 2\n1 sha1 x\n", P).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Auth Key [2] not found in keyfile [/etc/ha.d//authkeys]"
        );
        let e = AuthKeys::parse("auth 1\n1 md5\n", P).unwrap_err();
        assert_eq!(e.to_string(), "Auth method [md5] requires a key");
        let k = AuthKeys::parse("auth 3\n3 sha1 s3cret! ignored words\n", P).unwrap();
        assert_eq!(k.active_key().secret, b"s3cret!");
        let e = AuthKeys::parse("auth 1\n16 md5 x\n", P).unwrap_err();
        assert_eq!(e.to_string(), "Invalid authnum [16] in /etc/ha.d//authkeys");
    }

    #[test]
    fn reads_the_crypto_key_line() {
        let hex = "ab".repeat(32);
        let k = AuthKeys::parse(&format!("auth 1\n1 sha1 s\ncrypto {hex}\n"), P).unwrap();
        assert_eq!(k.crypto, CryptoKey::from_hex(&hex));
        assert_eq!(
            AuthKeys::parse("auth 1\n1 sha1 s\n", P).unwrap().crypto,
            None
        );
        for bad in ["crypto", "crypto abcd", &format!("crypto {hex} extra")] {
            let e = AuthKeys::parse(&format!("auth 1\n1 sha1 s\n{bad}\n"), P).unwrap_err();
            assert_eq!(
                e.to_string(),
                "Invalid crypto key in /etc/ha.d//authkeys: 64 hexadecimal digits (32 bytes) expected",
                "{bad}"
            );
        }
    }
}

//! Saved policy engine inputs, kept as Pacemaker keeps them: three numbered series in one
//! directory, `pe-input-N`, `pe-warn-N` and `pe-error-N` (with `.bz2` when compressed, `.xml`
//! otherwise), each with a `NAME.last` file holding the next number to use.
//!
//! Each series is bounded by its cluster property, with Pacemaker's defaults:
//! `pe-input-series-max` 4000, `pe-warn-series-max` 5000, `pe-error-series-max` -1. Numbers wrap
//! to 0 at the maximum, so a new file replaces the one saved that many runs earlier; `-1` (any
//! negative value) keeps every file, `0` keeps none. With bounded series the disk use of the
//! directory is at most the sum of the maxima times the largest CIB accepted.

use crate::store::{create_private_dir, write_atomic};
use crate::xml::{Document, Limits};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Which series an input belongs to, by how scheduling went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// Scheduled without problems.
    Input,
    /// Scheduled with warnings.
    Warn,
    /// Could not be scheduled.
    Error,
}

impl Series {
    /// The file name prefix (`pe-input`, `pe-warn`, `pe-error`).
    pub fn name(self) -> &'static str {
        match self {
            Series::Input => "pe-input",
            Series::Warn => "pe-warn",
            Series::Error => "pe-error",
        }
    }

    /// The cluster property bounding the series.
    pub fn property(self) -> &'static str {
        match self {
            Series::Input => "pe-input-series-max",
            Series::Warn => "pe-warn-series-max",
            Series::Error => "pe-error-series-max",
        }
    }

    /// Pacemaker's default for [`Series::property`].
    pub fn default_max(self) -> i64 {
        match self {
            Series::Input => 4000,
            Series::Warn => 5000,
            Series::Error => -1,
        }
    }

    /// The series' maximum as set in `cib`'s `crm_config` (the default when unset or not a
    /// number; negative means unlimited).
    pub fn max_in(self, cib: &crate::Element) -> i64 {
        cib.child("configuration")
            .and_then(|c| c.child("crm_config"))
            .into_iter()
            .flat_map(|c| c.elements())
            .flat_map(|set| set.children_named("nvpair"))
            .find(|nv| nv.attr("name") == Some(self.property()))
            .and_then(|nv| nv.attr("value"))
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(self.default_max())
    }
}

/// The file of number `seq` of `series` in `dir`.
pub fn file_name(dir: &Path, series: Series, seq: u64, compressed: bool) -> PathBuf {
    let ext = if compressed { "bz2" } else { "xml" };
    dir.join(format!("{}-{seq}.{ext}", series.name()))
}

/// Saves `xml` as the next file of `series` in `dir` (created 0750; files 0600), keeping at
/// most `max` files; returns its path, or `None` when `max` is 0.
pub fn save(
    dir: &Path,
    series: Series,
    max: i64,
    compress: bool,
    xml: &str,
) -> io::Result<Option<PathBuf>> {
    if max == 0 {
        return Ok(None);
    }
    create_private_dir(dir)?;
    let last = dir.join(format!("{}.last", series.name()));
    let mut seq = std::fs::read_to_string(&last)
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(0);
    if max > 0 && seq >= max as u64 {
        seq = 0;
        // The maximum may have been lowered: files numbered beyond it would never be replaced.
        remove_beyond(dir, series, max as u64);
    }
    let path = file_name(dir, series, seq, compress);
    let bytes = if compress {
        compress_bz2(xml.as_bytes())?
    } else {
        xml.as_bytes().to_vec()
    };
    write_atomic(&path, &bytes)?;
    // The same number in the other form is an older run's: it goes, or the series would grow.
    let _ = std::fs::remove_file(file_name(dir, series, seq, !compress));
    write_atomic(&last, (seq + 1).to_string().as_bytes())?;
    Ok(Some(path))
}

fn remove_beyond(dir: &Path, series: Series, max: u64) {
    let prefix = format!("{}-", series.name());
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let number = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.split('.').next())
            .and_then(|n| n.parse::<u64>().ok());
        if number.is_some_and(|n| n >= max) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn compress_bz2(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    enc.write_all(bytes)?;
    enc.finish()
}

/// Why a saved input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read or decompressed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The content is larger than the parse limit once decompressed.
    #[error("{path}: more than the limit of {limit} bytes once decompressed")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit.
        limit: usize,
    },
    /// The content is not UTF-8.
    #[error("{path}: not UTF-8 text")]
    NotText {
        /// The file.
        path: PathBuf,
    },
}

/// Reads an XML file, decompressing it when its name ends in `.bz2`; decompression stops at
/// `limits.max_bytes`, so a small bomb cannot fill memory.
pub fn read_text(path: &Path, limits: &Limits) -> Result<String, ReadError> {
    let io_err = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let compressed = path.extension().is_some_and(|e| e == "bz2");
    // A plain file is read into a buffer of its size: growing one for a 400 MB CIB would
    // copy it several times and need up to twice the memory.
    let size = match compressed {
        false => file.metadata().map_or(0, |m| m.len() as usize),
        true => 0,
    };
    let reader: Box<dyn Read> = if compressed {
        Box::new(bzip2::read::MultiBzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut bytes = Vec::with_capacity(size.min(limits.max_bytes) + 1);
    reader
        .take(limits.max_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() > limits.max_bytes {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            limit: limits.max_bytes,
        });
    }
    String::from_utf8(bytes).map_err(|_| ReadError::NotText {
        path: path.to_path_buf(),
    })
}

/// Reads and parses a saved input (or any CIB file, compressed or not).
pub fn load(path: &Path, limits: &Limits) -> Result<Document, String> {
    let text = read_text(path, limits).map_err(|e| e.to_string())?;
    Document::parse_with(&text, limits).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn series_wraps_at_its_maximum() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..7 {
            save(
                dir.path(),
                Series::Input,
                3,
                false,
                &format!("<cib n='{i}'/>"),
            )
            .unwrap();
        }
        assert_eq!(
            files(dir.path()),
            [
                "pe-input-0.xml",
                "pe-input-1.xml",
                "pe-input-2.xml",
                "pe-input.last"
            ]
        );
        // 7 saves into 3 slots: slot 0 holds the 7th (index 6).
        let doc = load(&dir.path().join("pe-input-0.xml"), &Limits::default()).unwrap();
        assert_eq!(doc.root.attr("n"), Some("6"));
    }

    #[test]
    fn lowering_the_maximum_removes_the_files_beyond_it() {
        let dir = tempfile::tempdir().unwrap();
        for _ in 0..5 {
            save(dir.path(), Series::Input, 10, true, "<cib/>").unwrap();
        }
        save(dir.path(), Series::Input, 2, true, "<cib/>").unwrap();
        assert_eq!(
            files(dir.path()),
            ["pe-input-0.bz2", "pe-input-1.bz2", "pe-input.last"]
        );
    }

    #[test]
    fn zero_keeps_nothing_and_negative_everything() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            save(dir.path(), Series::Warn, 0, true, "<cib/>").unwrap(),
            None
        );
        assert!(files(dir.path()).is_empty());
        for _ in 0..5 {
            save(dir.path(), Series::Error, -1, false, "<cib/>").unwrap();
        }
        assert_eq!(files(dir.path()).len(), 6);
    }

    #[test]
    fn compressed_inputs_read_back_and_replace_the_plain_slot() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), Series::Input, 1, false, "<cib a='1'/>").unwrap();
        let p = save(dir.path(), Series::Input, 1, true, "<cib a='2'/>")
            .unwrap()
            .unwrap();
        assert_eq!(p.file_name().unwrap(), "pe-input-0.bz2");
        assert_eq!(files(dir.path()), ["pe-input-0.bz2", "pe-input.last"]);
        let doc = load(&p, &Limits::default()).unwrap();
        assert_eq!(doc.root.attr("a"), Some("2"));
    }

    #[test]
    fn a_decompression_bomb_stops_at_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let big = format!("<cib>{}</cib>", " ".repeat(1 << 20));
        let p = save(dir.path(), Series::Input, 1, true, &big)
            .unwrap()
            .unwrap();
        assert!(std::fs::metadata(&p).unwrap().len() < 1000);
        let err = load(&p, &Limits::with_max_bytes(4096)).unwrap_err();
        assert!(err.contains("limit of 4096 bytes"), "{err}");
    }

    #[test]
    fn series_maximum_comes_from_crm_config() {
        let cib = crate::xml::parse_element(
            r#"<cib><configuration><crm_config><cluster_property_set id="o"><nvpair id="n" name="pe-input-series-max" value="12"/></cluster_property_set></crm_config></configuration></cib>"#,
        )
        .unwrap();
        assert_eq!(Series::Input.max_in(&cib), 12);
        assert_eq!(Series::Warn.max_in(&cib), 5000);
        assert_eq!(Series::Error.max_in(&cib), -1);
    }
}

//! Helpers the CLI tests share: where the Pacemaker transcripts are, and small utilities.
#![allow(dead_code)]

use std::path::PathBuf;

/// Pacemaker 2.1.5's command-line transcripts, beside the project (`../shared/cli-corpus`).
pub const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/cli-corpus");

/// A CIB file with `text` in a fresh directory (kept alive by the returned guard).
pub fn temp_cib(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cib.xml");
    std::fs::write(&path, text).expect("write cib");
    (dir, path)
}

/// Splits a command line as the shell would (quotes only).
pub fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), _) if c == q => quote = None,
            (None, ' ') => {
                if any || !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            _ => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        words.push(cur);
    }
    words
}

//! Booleans as Pacemaker's `crm_is_true` and Heartbeat's ha.cf read them.

/// `true/on/yes/y/1` and `false/off/no/n/0`, any case, surrounding blanks ignored; `None` for
/// anything else.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "y" | "1" => Some(true),
        "false" | "off" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// True only for a word that means true (`crm_is_true`: unknown words are false).
pub fn is_true(text: &str) -> bool {
    parse_bool(text) == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_of_both_kinds_in_any_case() {
        for t in ["1", "yes", "Y", "on", "TRUE", " true "] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
            assert!(is_true(t));
        }
        for f in ["0", "no", "n", "OFF", "False"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
            assert!(!is_true(f));
        }
        for bad in ["maybe", "", "2", "yes!"] {
            assert_eq!(parse_bool(bad), None, "{bad}");
            assert!(!is_true(bad));
        }
    }
}

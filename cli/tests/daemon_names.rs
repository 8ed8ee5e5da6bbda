//! The Pacemaker daemon names crmsh probes (`pacemaker-controld version`, `pacemaker-*
//! metadata`, `pacemakerd -$`) answer as Pacemaker 2.1.5's do, and never start anything.

use std::process::Command;

fn run(bin: &str, args: &[&str]) -> (i32, String, String) {
    let o = Command::new(bin).args(args).output().unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

#[test]
fn controld_version_is_what_crmsh_parses() {
    let (rc, out, _) = run(env!("CARGO_BIN_EXE_pacemaker-controld"), &["version"]);
    assert_eq!(rc, 0);
    // crmsh takes the third word of stdout as the Pacemaker version.
    assert_eq!(out.split_whitespace().nth(2), Some("2.1.5"));
    assert!(out.starts_with("CRM Version: 2.1.5 ("));
}

#[test]
fn metadata_lists_our_options_in_pacemakers_layout() {
    for (bin, name, wanted) in [
        (
            env!("CARGO_BIN_EXE_pacemaker-controld"),
            "pacemaker-controld",
            "cluster-recheck-interval",
        ),
        (
            env!("CARGO_BIN_EXE_pacemaker-schedulerd"),
            "pacemaker-schedulerd",
            "no-quorum-policy",
        ),
        (
            env!("CARGO_BIN_EXE_pacemaker-fenced"),
            "pacemaker-fenced",
            "pcmk_host_list",
        ),
        (env!("CARGO_BIN_EXE_pacemaker-based"), "pacemaker-based", ""),
    ] {
        let (rc, out, _) = run(bin, &["metadata"]);
        assert_eq!(rc, 0, "{name}");
        let doc = cib::Document::parse(&out).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.root.name, "resource-agent");
        assert_eq!(doc.root.attr("name"), Some(name));
        assert_eq!(doc.root.attr("version"), Some("2.1.5"));
        let params: Vec<&str> = doc
            .root
            .child("parameters")
            .unwrap()
            .children_named("parameter")
            .filter_map(|p| p.attr("name"))
            .collect();
        if !wanted.is_empty() {
            assert!(params.contains(&wanted), "{name}: {params:?}");
        }
    }
    // Options we do not implement are not advertised.
    let (_, out, _) = run(env!("CARGO_BIN_EXE_pacemaker-schedulerd"), &["metadata"]);
    assert!(!out.contains("\"batch-limit\""));
    // A select lists its values as Pacemaker's do.
    assert!(out
        .contains("<content type=\"select\" default=\"stop\">\n        <option value=\"stop\" />"));
}

#[test]
fn unknown_arguments_get_usage_and_64() {
    for bin in [
        env!("CARGO_BIN_EXE_pacemaker-controld"),
        env!("CARGO_BIN_EXE_pacemaker-schedulerd"),
        env!("CARGO_BIN_EXE_pacemaker-based"),
        env!("CARGO_BIN_EXE_pacemaker-fenced"),
        env!("CARGO_BIN_EXE_pacemakerd"),
    ] {
        // As Pacemaker 2.1.5's: GLib's "Unknown option" (getopt's "unrecognized option" and
        // the usage for the controller, based and fenced), nothing on stdout.
        let (rc, out, err) = run(bin, &["--start-the-cluster"]);
        assert_eq!((rc, out.as_str()), (64, ""), "{bin}");
        let name = std::path::Path::new(bin)
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        let wanted = match name {
            "pacemaker-controld" | "pacemaker-based" | "pacemaker-fenced" => {
                format!("{name}: unrecognized option '--start-the-cluster'\n")
            }
            _ => format!("{name}: Unknown option --start-the-cluster\n"),
        };
        assert!(err.starts_with(&wanted), "{bin}: {err}");
        let (rc, _, _) = run(bin, &[]);
        assert_eq!(rc, 64, "{bin} without arguments");
    }
    let (rc, out, _) = run(env!("CARGO_BIN_EXE_pacemakerd"), &["-$"]);
    assert_eq!(rc, 0);
    assert!(out.starts_with("Pacemaker 2.1.5\n"));
}

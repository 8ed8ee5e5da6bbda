//! Each syntax form Pacemaker 2.1.5's tools accept, read against a spec shaped like
//! `crm_diff` (GLib) and `cibadmin` (getopt). The expected results are what the installed
//! Pacemaker 2.1.5 tools did with the same forms (see cli/tests/flags_vs_pacemaker.rs, which
//! checks our tools against them directly).

use flags::{parse, Dialect, FlagError, Given, HelpKind, Opt, Spec, Stop};

const GLIB: Spec = Spec {
    tool: "crm_diff",
    dialect: Dialect::Glib,
    options: &[
        Opt::value('o', "original"),
        Opt::value('n', "new"),
        Opt::flag('c', "cib"),
        Opt::flag('u', "no-version"),
        Opt::flag('V', "verbose"),
        Opt::flag('Q', "quiet"),
        Opt::flag('q', "quiet").short_only(),
        Opt::long_value("explain"),
        Opt::flag('k', "check").optional(),
    ],
    help_groups: &["output"],
    help: "HELP\n",
    version: "VERSION\n",
};

const GETOPT: Spec = Spec {
    tool: "cibadmin",
    dialect: Dialect::Getopt,
    options: &[
        Opt::flag('Q', "query"),
        Opt::value('o', "scope"),
        Opt::flag('s', "sync-call"),
        Opt::flag('S', "show-access").optional(),
        Opt::value('x', "xml-file"),
        Opt::value('X', "xml-text"),
    ],
    help_groups: &[],
    help: "USAGE\n",
    version: "VERSION\n",
};

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

fn opt(name: &'static str, value: Option<&str>) -> Given {
    Given::Opt {
        name,
        value: value.map(str::to_string),
    }
}

fn glib(a: &[&str]) -> Result<Vec<Given>, Stop> {
    parse(&GLIB, &args(a))
}

fn getopt(a: &[&str]) -> Result<Vec<Given>, Stop> {
    parse(&GETOPT, &args(a))
}

#[test]
fn values_separate_joined_and_after_equals() {
    let want = vec![opt("original", Some("a.xml")), opt("new", Some("b.xml"))];
    assert_eq!(glib(&["-o", "a.xml", "-n", "b.xml"]).unwrap(), want);
    assert_eq!(glib(&["-oa.xml", "-nb.xml"]).unwrap(), want);
    assert_eq!(glib(&["--original", "a.xml", "--new=b.xml"]).unwrap(), want);
    // An empty joined value is a value.
    assert_eq!(
        glib(&["--original="]).unwrap(),
        vec![opt("original", Some(""))]
    );
    // `-o=V` keeps the '=' (crm_diff then fails to read "=a.xml").
    assert_eq!(
        glib(&["-o=a.xml"]).unwrap(),
        vec![opt("original", Some("=a.xml"))]
    );
}

#[test]
fn a_value_is_taken_even_when_it_looks_like_an_option() {
    assert_eq!(
        glib(&["-o", "-n", "b.xml"]).unwrap(),
        vec![opt("original", Some("-n")), Given::Arg("b.xml".into())]
    );
    assert_eq!(
        glib(&["--original", "--", "x"]).unwrap(),
        vec![opt("original", Some("--")), Given::Arg("x".into())]
    );
}

#[test]
fn bundles_and_repeats() {
    assert_eq!(
        glib(&["-uo", "a.xml"]).unwrap(),
        vec![opt("no-version", None), opt("original", Some("a.xml"))]
    );
    // A value option inside a bundle takes the rest of it: `-ou F` reads file "u".
    assert_eq!(
        glib(&["-ou", "a.xml"]).unwrap(),
        vec![opt("original", Some("u")), Given::Arg("a.xml".into())]
    );
    let v = glib(&["-V", "-V", "-VVq"]).unwrap();
    assert_eq!(v.iter().filter(|g| **g == opt("verbose", None)).count(), 4);
    assert_eq!(v.last(), Some(&opt("quiet", None)));
}

#[test]
fn flags_ignore_what_follows_their_equals_sign() {
    assert_eq!(glib(&["--cib=x"]).unwrap(), vec![opt("cib", None)]);
    assert_eq!(
        parse(&GLIB, &args(&["-c=x"])),
        Err(Stop::Usage(FlagError::Unknown("-=".into())))
    );
}

#[test]
fn double_dash_ends_options() {
    assert_eq!(
        glib(&["-c", "--", "-u", "--new", "-"]).unwrap(),
        vec![
            opt("cib", None),
            Given::Arg("-u".into()),
            Given::Arg("--new".into()),
            Given::Arg("-".into())
        ]
    );
}

#[test]
fn optional_values_with_glib() {
    assert_eq!(glib(&["--check=2"]).unwrap(), vec![opt("check", Some("2"))]);
    assert_eq!(
        glib(&["--check", "foo"]).unwrap(),
        vec![opt("check", Some("foo"))]
    );
    assert_eq!(
        glib(&["--check", "-Q"]).unwrap(),
        vec![opt("check", None), opt("quiet", None)]
    );
    assert_eq!(glib(&["-k"]).unwrap(), vec![opt("check", None)]);
}

#[test]
fn glib_errors_name_the_option_as_written() {
    let usage = |a: &[&str]| match glib(a) {
        Err(Stop::Usage(e)) => e.to_string(),
        other => panic!("{a:?}: {other:?}"),
    };
    assert_eq!(usage(&["--bogus"]), "Unknown option --bogus");
    assert_eq!(usage(&["--bogus=1"]), "Unknown option --bogus=1");
    assert_eq!(usage(&["-Z"]), "Unknown option -Z");
    assert_eq!(usage(&["-cx"]), "Unknown option -x");
    assert_eq!(usage(&["-o"]), "Missing argument for -o");
    assert_eq!(usage(&["--original"]), "Missing argument for --original");
    // No abbreviations.
    assert_eq!(usage(&["--orig", "a"]), "Unknown option --orig");
    assert_eq!(usage(&["--help=x"]), "Unknown option --help=x");
    assert_eq!(usage(&["--help-bogus"]), "Unknown option --help-bogus");
    // The first problem wins, even before a later help request.
    assert_eq!(usage(&["--bogus", "-?"]), "Unknown option --bogus");
}

#[test]
fn glib_help_acts_at_once_and_version_after_parsing() {
    assert_eq!(glib(&["-?", "--bogus"]), Err(Stop::Help(HelpKind::Brief)));
    assert_eq!(glib(&["-h"]), Err(Stop::Help(HelpKind::Brief)));
    assert_eq!(glib(&["--help-all"]), Err(Stop::Help(HelpKind::All)));
    assert_eq!(
        glib(&["--help-output"]),
        Err(Stop::Help(HelpKind::Group("output")))
    );
    assert_eq!(glib(&["-$", "-?"]), Err(Stop::Help(HelpKind::Brief)));
    assert_eq!(glib(&["-$"]), Err(Stop::Version));
    assert_eq!(glib(&["--version=x", "-c"]), Err(Stop::Version));
    assert_eq!(
        glib(&["-$", "--bogus"]),
        Err(Stop::Usage(FlagError::Unknown("--bogus".into())))
    );
}

#[test]
fn reports_print_where_the_originals_do() {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let stop = glib(&["-x"]).unwrap_err();
    assert_eq!(stop.report(&GLIB, &mut out, &mut err), 64);
    assert_eq!(
        String::from_utf8(err).unwrap(),
        "crm_diff: Unknown option -x\n"
    );
    assert!(out.is_empty());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(Stop::Version.report(&GLIB, &mut out, &mut err), 0);
    assert_eq!(out, b"VERSION\n");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let stop = getopt(&["--bogus"]).unwrap_err();
    assert_eq!(stop.report(&GETOPT, &mut out, &mut err), 64);
    assert_eq!(
        String::from_utf8(err).unwrap(),
        "cibadmin: unrecognized option '--bogus'\nUSAGE\n"
    );
}

#[test]
fn getopt_abbreviations_and_messages() {
    assert_eq!(getopt(&["--quer"]).unwrap(), vec![opt("query", None)]);
    assert_eq!(
        getopt(&["--sc", "nodes"]).unwrap(),
        vec![opt("scope", Some("nodes"))]
    );
    let usage = |a: &[&str]| match getopt(a) {
        Err(Stop::Usage(e)) => e.to_string(),
        other => panic!("{a:?}: {other:?}"),
    };
    assert_eq!(
        usage(&["--x"]),
        "option '--x' is ambiguous; possibilities: '--xml-file' '--xml-text'"
    );
    assert_eq!(usage(&["--bogus=1"]), "unrecognized option '--bogus=1'");
    assert_eq!(usage(&["-Z"]), "invalid option -- 'Z'");
    assert_eq!(usage(&["-o"]), "option requires an argument -- 'o'");
    assert_eq!(
        usage(&["-Q", "--scope"]),
        "option '--scope' requires an argument"
    );
    assert_eq!(
        usage(&["--query=x"]),
        "option '--query' doesn't allow an argument"
    );
    assert_eq!(
        usage(&["--help=x"]),
        "option '--help' doesn't allow an argument"
    );
    // getopt's optional values are joined only.
    assert_eq!(
        getopt(&["--show-access", "color"]).unwrap(),
        vec![opt("show-access", None), Given::Arg("color".into())]
    );
    assert_eq!(
        getopt(&["-Scolor"]).unwrap(),
        vec![opt("show-access", Some("color"))]
    );
}

#[test]
fn getopt_help_and_version_act_at_once() {
    assert_eq!(getopt(&["-$", "--bogus"]), Err(Stop::Version));
    assert_eq!(getopt(&["--he"]), Err(Stop::Help(HelpKind::Brief)));
    assert_eq!(getopt(&["-?"]), Err(Stop::Help(HelpKind::Brief)));
}

#[test]
fn a_tools_own_help_and_version_letters() {
    const DAEMON: Spec = Spec {
        tool: "heartbeat",
        dialect: Dialect::Getopt,
        options: &[Opt::flag('k', "kill"), Opt::HELP_H, Opt::VERSION_V],
        help_groups: &[],
        help: "USAGE\n",
        version: "heartbeat 3.0.6\n",
    };
    let p = |a: &[&str]| parse(&DAEMON, &args(a));
    assert_eq!(p(&["-kh"]), Err(Stop::Help(HelpKind::Brief)));
    assert_eq!(p(&["-V"]), Err(Stop::Version));
    assert_eq!(p(&["--version"]), Err(Stop::Version));
    assert_eq!(p(&["--help"]), Err(Stop::Help(HelpKind::Brief)));
    assert_eq!(p(&["-k"]).unwrap(), vec![opt("kill", None)]);
}

#[test]
fn lenient_parsing_notes_unknown_options_and_goes_on() {
    let (given, unknown) = flags::parse_lenient(&GETOPT, &args(&["-QZ", "--bogus", "-s"])).unwrap();
    assert_eq!(given, vec![opt("query", None), opt("sync-call", None)]);
    assert_eq!(
        unknown,
        vec![
            FlagError::InvalidShort('Z'),
            FlagError::UnrecognizedLong("--bogus".into())
        ]
    );
    // A missing value still ends it.
    assert_eq!(
        flags::parse_lenient(&GETOPT, &args(&["-o"])),
        Err(Stop::Usage(FlagError::ShortNeedsValue('o')))
    );
}

#[test]
fn help_and_version_texts_end_with_a_newline() {
    const BARE: Spec = Spec {
        help: "usage: x",
        version: "x 1",
        ..GETOPT
    };
    let mut out = Vec::new();
    Stop::Help(HelpKind::Brief).report(&BARE, &mut out, &mut Vec::new());
    Stop::Version.report(&BARE, &mut out, &mut Vec::new());
    assert_eq!(String::from_utf8(out).unwrap(), "usage: x\nx 1\n");
}

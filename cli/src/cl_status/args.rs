//! cl_status's command line: `cl_status <sub-command> [-v] [-m] [-p|-n] [parameters]`
//! (options may appear anywhere after the sub-command, as with getopt), read by the flags layer.

use flags::{Dialect, FlagError, Given, Opt, Spec, Stop};

/// Default `clientstatus` timeout (ms).
pub const DEFAULT_CLIENT_TIMEOUT_MS: u64 = 100;

/// A sub-command with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `hbstatus`
    HbStatus,
    /// `listnodes`
    ListNodes,
    /// `nodetype <node>`
    NodeType(String),
    /// `nodestatus <node>`
    NodeStatus(String),
    /// `listhblinks <node>`
    ListLinks(String),
    /// `hblinkstatus <node> <link>`
    LinkStatus(String, String),
    /// `clientstatus <node> <client> [timeout_ms]`
    ClientStatus(String, String, u64),
    /// `rscstatus`
    RscStatus,
    /// `hbparameter -p <name>` (also accepted as `parameter`)
    Parameter(String),
}

/// Option letters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// `-v`
    pub verbose: bool,
    /// `-m`
    pub human: bool,
    /// `-p` (listnodes)
    pub ping_only: bool,
    /// `-n` (listnodes)
    pub normal_only: bool,
}

/// Command-line mistakes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// No sub-command: print usage.
    NoCommand,
    /// Unknown sub-command or option.
    Invalid(String),
    /// A parameter is missing.
    NotEnough,
}

/// The option letters of Heartbeat's cl_status (getopt, no long options).
const SPEC: Spec = Spec {
    tool: "cl_status",
    dialect: Dialect::Getopt,
    options: &[
        Opt::flag('v', "verbose").short_only(),
        Opt::flag('m', "human").short_only(),
        Opt::flag('p', "ping").short_only(),
        Opt::flag('n', "normal").short_only(),
        Opt::HELP_H,
    ],
    help_groups: &[],
    help: "",
    version: "",
};

/// Parses the arguments after the program name. As Heartbeat's getopt loop over the
/// sub-command's arguments, an unknown option is complained about (`SUB: invalid option -- 'Z'`,
/// pushed to `complaints`) and otherwise ignored.
pub fn parse(
    args: &[String],
    complaints: &mut Vec<String>,
) -> Result<(Command, Flags), ParseError> {
    let (sub, rest) = args.split_first().ok_or(ParseError::NoCommand)?;
    let mut flags = Flags::default();
    let (given, unknown) = match flags::parse_lenient(&SPEC, rest) {
        Ok(parsed) => parsed,
        Err(Stop::Help(_)) => return Err(ParseError::NoCommand),
        Err(_) => return Err(ParseError::Invalid(sub.clone())),
    };
    for e in unknown {
        match e {
            // Plain getopt knows no long options: `--x` is the letters '-' and 'x'.
            FlagError::UnrecognizedLong(word) => complaints.extend(
                word.chars()
                    .skip(1)
                    .map(|c| format!("{sub}: {}", FlagError::InvalidShort(c))),
            ),
            e => complaints.push(format!("{sub}: {e}")),
        }
    }
    let mut params: Vec<&str> = Vec::new();
    let mut by_name = false;
    for g in &given {
        match g {
            Given::Opt {
                name: "verbose", ..
            } => flags.verbose = true,
            Given::Opt { name: "human", .. } => flags.human = true,
            Given::Opt { name: "normal", .. } => flags.normal_only = true,
            // `hbparameter -p NAME`; `listnodes -p`: ping nodes only.
            Given::Opt { name: "ping", .. } => {
                by_name = true;
                flags.ping_only = true;
            }
            Given::Opt { .. } => {}
            Given::Arg(a) => params.push(a),
        }
    }
    let param_name = by_name
        .then(|| params.first().map(|p| p.to_string()))
        .flatten();
    let need = |n: usize| {
        if params.len() < n {
            Err(ParseError::NotEnough)
        } else {
            Ok(())
        }
    };
    let cmd = match sub.as_str() {
        "hbstatus" => Command::HbStatus,
        "listnodes" => Command::ListNodes,
        "nodetype" => {
            need(1)?;
            Command::NodeType(params[0].to_string())
        }
        "nodestatus" => {
            need(1)?;
            Command::NodeStatus(params[0].to_string())
        }
        "listhblinks" => {
            need(1)?;
            Command::ListLinks(params[0].to_string())
        }
        "hblinkstatus" => {
            need(2)?;
            Command::LinkStatus(params[0].to_string(), params[1].to_string())
        }
        "clientstatus" => {
            need(2)?;
            let timeout = match params.get(2) {
                Some(t) => t.parse().map_err(|_| ParseError::Invalid(sub.clone()))?,
                None => DEFAULT_CLIENT_TIMEOUT_MS,
            };
            Command::ClientStatus(params[0].to_string(), params[1].to_string(), timeout)
        }
        "rscstatus" => Command::RscStatus,
        "hbparameter" | "parameter" => Command::Parameter(param_name.ok_or(ParseError::NotEnough)?),
        _ => return Err(ParseError::Invalid(sub.clone())),
    };
    Ok((cmd, flags))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<(Command, Flags), ParseError> {
        parse(
            &s.split_whitespace().map(str::to_string).collect::<Vec<_>>(),
            &mut Vec::new(),
        )
    }

    #[test]
    fn parses_like_getopt() {
        assert_eq!(
            p("nodestatus -m n1").unwrap().0,
            Command::NodeStatus("n1".into())
        );
        assert!(p("nodestatus -m n1").unwrap().1.human);
        assert_eq!(
            p("clientstatus n1 ccm 500").unwrap().0,
            Command::ClientStatus("n1".into(), "ccm".into(), 500)
        );
        assert_eq!(
            p("hbparameter -p keepalive").unwrap().0,
            Command::Parameter("keepalive".into())
        );
        assert!(p("listnodes -p").unwrap().1.ping_only);
        let (_, f) = p("listnodes -pn").unwrap();
        assert!(f.ping_only && f.normal_only);
        let mut complaints = Vec::new();
        let args: Vec<String> = ["hbstatus", "-Z", "-v"].map(String::from).to_vec();
        let (cmd, f) = parse(&args, &mut complaints).unwrap();
        assert_eq!((cmd, f.verbose), (Command::HbStatus, true));
        assert_eq!(complaints, ["hbstatus: invalid option -- 'Z'"]);
        complaints.clear();
        let args: Vec<String> = ["hbstatus", "--x"].map(String::from).to_vec();
        parse(&args, &mut complaints).unwrap();
        assert_eq!(
            complaints,
            [
                "hbstatus: invalid option -- '-'",
                "hbstatus: invalid option -- 'x'"
            ]
        );
        assert_eq!(p("nodestatus"), Err(ParseError::NotEnough));
        assert_eq!(p("bogus"), Err(ParseError::Invalid("bogus".into())));
        assert_eq!(p(""), Err(ParseError::NoCommand));
    }
}

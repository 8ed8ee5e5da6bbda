//! cl_status's command line: `cl_status <sub-command> [-v] [-m] [-p|-n] [parameters]`
//! (options may appear anywhere after the sub-command, as with getopt).

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

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<(Command, Flags), ParseError> {
    let (sub, rest) = args.split_first().ok_or(ParseError::NoCommand)?;
    let mut flags = Flags::default();
    let mut params: Vec<&str> = Vec::new();
    let mut param_name: Option<String> = None;
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-v" => flags.verbose = true,
            "-m" => flags.human = true,
            "-n" => flags.normal_only = true,
            "-p" if matches!(sub.as_str(), "hbparameter" | "parameter") => {
                param_name = Some(it.next().ok_or(ParseError::NotEnough)?.clone());
            }
            "-p" => flags.ping_only = true,
            s if s.starts_with('-') && s.len() > 1 => return Err(ParseError::Invalid(sub.clone())),
            s => params.push(s),
        }
    }
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
        parse(&s.split_whitespace().map(str::to_string).collect::<Vec<_>>())
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
        assert_eq!(p("nodestatus"), Err(ParseError::NotEnough));
        assert_eq!(p("bogus"), Err(ParseError::Invalid("bogus".into())));
        assert_eq!(p(""), Err(ParseError::NoCommand));
    }
}

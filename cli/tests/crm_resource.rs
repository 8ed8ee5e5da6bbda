//! crm_resource's agent mode and agent discovery, checked three ways: against Pacemaker's own
//! regression transcript, differentially against the installed Pacemaker 2.1.5 binary on the
//! same agents, and on small test agents in a temporary OCF root.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

const OURS: &str = env!("CARGO_BIN_EXE_crm_resource");
const REAL: &str = "/usr/sbin/crm_resource";

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn run(program: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    // Both binaries see argv[0] = "crm_resource", which XML output echoes.
    let out = Command::new(program)
        .arg0("crm_resource")
        .args(args)
        .env_remove("CIB_file")
        .env_remove("OCF_ROOT")
        .envs(env.iter().copied())
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// Pacemaker's cts/cli regression.agents.exp (2.1.5): command, environment, expected output
/// (stderr then stdout, as the suite captures them; `api-version` blanked to X) and exit code.
type TranscriptCase = (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
    &'static str,
    i32,
);

const TRANSCRIPT: &[TranscriptCase] = &[
    (
        &["--validate", "--class", "ocf", "--provider", "pacemaker", "--agent", "Dummy"],
        &[],
        "Operation validate (ocf:pacemaker:Dummy) returned 0 (ok)\n",
        0,
    ),
    (
        &["--validate", "--class", "ocf", "--provider", "pacemaker", "--agent", "Dummy", "--output-as=xml"],
        &[],
        r#"<pacemaker-result api-version="X" request="crm_resource --validate --class ocf --provider pacemaker --agent Dummy --output-as=xml">
  <resource-agent-action action="validate" class="ocf" type="Dummy" provider="pacemaker">
    <overrides/>
    <agent-status code="0" message="ok" execution_code="0" execution_message="complete"/>
  </resource-agent-action>
  <status code="0" message="OK"/>
</pacemaker-result>
"#,
        0,
    ),
    (
        &["--validate", "--class", "ocf", "--provider", "pacemaker", "--agent", "Dummy"],
        &[("OCF_RESKEY_op_sleep", "asdf")],
        "crm_resource: Error performing operation: Not configured\nOperation validate (ocf:pacemaker:Dummy) returned 6 (not configured)\n",
        6,
    ),
    (
        &["--validate", "--class", "ocf", "--provider", "pacemaker", "--agent", "Dummy", "--output-as=xml"],
        &[("OCF_RESKEY_op_sleep", "asdf")],
        r#"<pacemaker-result api-version="X" request="crm_resource --validate --class ocf --provider pacemaker --agent Dummy --output-as=xml">
  <resource-agent-action action="validate" class="ocf" type="Dummy" provider="pacemaker">
    <overrides/>
    <agent-status code="6" message="not configured" execution_code="0" execution_message="complete"/>
  </resource-agent-action>
  <status code="6" message="Not configured">
    <errors>
      <error>crm_resource: Error performing operation: Not configured</error>
    </errors>
  </status>
</pacemaker-result>
"#,
        6,
    ),
    (
        &["-r", "xyz", "--class", "ocf", "--provider", "pacemaker", "--agent", "Dummy"],
        &[],
        "crm_resource: --resource cannot be used with --class, --agent, and --provider\n",
        64,
    ),
    (
        &["--class", "ocf", "--provider", "pacemaker", "--agent", "Dummy", "-D"],
        &[],
        "crm_resource: --class, --agent, and --provider can only be used with --validate and --force-*\n",
        64,
    ),
    (&["foo", "bar"], &[], "crm_resource: non-option ARGV-elements:\n[1 of 2] foo\n[2 of 2] bar\n\n", 64),
];

#[test]
fn pacemaker_regression_transcript() {
    if !Path::new("/usr/lib/ocf/resource.d/pacemaker/Dummy").exists() {
        eprintln!("SKIP pacemaker_regression_transcript: ocf:pacemaker:Dummy is not installed");
        return;
    }
    for (args, env, expected, code) in TRANSCRIPT {
        let r = run(OURS, args, env);
        let got = format!("{}{}", r.stderr, r.stdout)
            .replace("api-version=\"2.25\"", "api-version=\"X\"");
        assert_eq!(got, *expected, "crm_resource {args:?}");
        assert_eq!(r.code, *code, "exit code of crm_resource {args:?}");
    }
}

/// Runs the real and our crm_resource on the same arguments and compares everything.
fn same_as_pacemaker(args: &[&str], env: &[(&str, &str)]) {
    let real = run(REAL, args, env);
    let ours = run(OURS, args, env);
    assert_eq!(
        unpid(&ours.stdout),
        unpid(&real.stdout),
        "stdout of crm_resource {args:?}"
    );
    assert_eq!(ours.stderr, real.stderr, "stderr of crm_resource {args:?}");
    assert_eq!(ours.code, real.code, "exit code of crm_resource {args:?}");
}

/// Dummy's validate-all touches `<dir>/<its pid>`; the pid differs between runs.
fn unpid(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.contains("cannot touch") {
                l.replace(|c: char| c.is_ascii_digit(), "N")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn have_pacemaker(test: &str) -> bool {
    let ok =
        Path::new(REAL).exists() && Path::new("/usr/lib/ocf/resource.d/heartbeat/Dummy").exists();
    if !ok {
        eprintln!("SKIP {test}: Pacemaker's crm_resource or ocf:heartbeat:Dummy is not installed");
    }
    ok
}

#[test]
fn same_results_as_pacemaker_on_dummy() {
    if !have_pacemaker("same_results_as_pacemaker_on_dummy") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let state = format!("state={}", dir.path().join("dummy.state").display());
    let agent = [
        "--class",
        "ocf",
        "--provider",
        "heartbeat",
        "--agent",
        "Dummy",
        "--option",
        &state,
    ];
    let with = |cmd: &[&str]| -> Vec<String> {
        cmd.iter()
            .chain(agent.iter())
            .map(|s| s.to_string())
            .collect()
    };
    for cmd in [
        &["--force-check"][..],
        &["--force-start"],
        &["--force-check"],
        &["--force-check=10"],
        &["--force-check", "--output-as=xml"],
        &["--validate"],
        &["--force-promote"],
        &["--force-demote"],
        &["--force-stop"],
        &["--force-stop"],
        &["--force-check", "--output-as=xml"],
    ] {
        let args = with(cmd);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        same_as_pacemaker(&args, &[]);
    }
    // Bad parameters: the agent's exit reason and stderr are shown.
    let bad = [
        "--validate",
        "--class",
        "ocf",
        "--provider",
        "heartbeat",
        "--agent",
        "Dummy",
        "--option",
        "state=/nonexistent/x/state",
    ];
    same_as_pacemaker(&bad, &[("OCF_RESKEY_fake", "")]);
}

#[test]
fn same_usage_errors_and_discovery_as_pacemaker() {
    if !have_pacemaker("same_usage_errors_and_discovery_as_pacemaker") {
        return;
    }
    for args in [
        &["--force-check", "--class", "ocf", "--agent", "Dummy"][..],
        &[
            "--force-check",
            "--class",
            "nope",
            "--provider",
            "heartbeat",
            "--agent",
            "Dummy",
        ],
        &[
            "--force-check",
            "--class",
            "ocf",
            "--provider",
            "heartbeat",
            "--agent",
            "NoSuchAgent",
        ],
        &[
            "--force-check",
            "--class",
            "ocf",
            "--provider",
            "heartbeat",
            "--agent",
            "Dummy",
            "--option",
            "novalue",
        ],
        &[
            "--force-start",
            "--class",
            "ocf",
            "--provider",
            "heartbeat",
            "--agent",
        ],
        &["--bogus"],
        &["--force-start", "-r", "test"],
        &["--force-start", "-r", "test", "--output-as=xml"],
        &[
            "--force-check",
            "--class",
            "stonith",
            "--agent",
            "fence_dummy",
        ],
        &[
            "--force-check",
            "--class",
            "stonith",
            "--agent",
            "fence_dummy",
            "--output-as=xml",
        ],
        &["--list-ocf-providers"],
        &["--list-agents=ocf:pacemaker"],
        &["--list-agents=ocf:nope"],
        &["--list-ocf-alternatives=Dummy"],
        &["--show-metadata=ocf:heartbeat:Dummy"],
        &["--show-metadata=ocf:heartbeat:NoSuchAgent"],
    ] {
        same_as_pacemaker(args, &[]);
    }
}

#[test]
fn resource_from_cib_file_same_as_pacemaker() {
    if !have_pacemaker("resource_from_cib_file_same_as_pacemaker") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cib = dir.path().join("cib.xml");
    let state = dir.path().join("cib-dummy.state");
    std::fs::write(
        &cib,
        format!(
            r#"<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="opts"><nvpair id="opts-stonith" name="stonith-enabled" value="false"/></cluster_property_set>
    </crm_config>
    <nodes/>
    <resources>
      <primitive id="test" class="ocf" provider="heartbeat" type="Dummy">
        <instance_attributes id="test-ia"><nvpair id="test-ia-state" name="state" value="{}"/></instance_attributes>
      </primitive>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>
"#,
            state.display()
        ),
    )
    .unwrap();
    let env = [("CIB_file", cib.to_str().unwrap())];
    for args in [
        &["--force-check", "-r", "test"][..],
        &["--force-start", "-r", "test"],
        &["--force-check", "-r", "test", "--output-as=xml"],
        &["--force-stop", "-r", "test"],
        &["--force-stop", "-r", "nope"],
        &["--force-stop", "-r", "nope", "--output-as=xml"],
    ] {
        same_as_pacemaker(args, &env);
    }
}

/// A temporary OCF root with provider `t` (our crm_resource honours `OCF_ROOT`).
fn test_agent(root: &Path, name: &str, body: &str) {
    let dir = root.join("resource.d/t");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn timeouts_crashes_and_exit_reasons_on_test_agents() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    test_agent(dir.path(), "Hang", "sleep 30");
    test_agent(dir.path(), "Crash", "kill -SEGV $$");
    test_agent(
        dir.path(),
        "Why",
        "echo 'ocf-exit-reason:disk on fire' >&2; echo out; exit 1",
    );
    test_agent(dir.path(), "Env", "echo \"$OCF_RESOURCE_INSTANCE $OCF_RESKEY_x $OCF_RESKEY_CRM_meta_timeout $OCF_CHECK_LEVEL\"; exit 0");
    let env = [("OCF_ROOT", root)];
    let agent = |name: &'static str| ["--class", "ocf", "--provider", "t", "--agent", name];

    let r = run(
        OURS,
        &[&["--force-stop", "--timeout", "500ms"][..], &agent("Hang")].concat(),
        &env,
    );
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "Operation force-stop (ocf:t:Hang) could not be executed (Timed Out: Resource agent did not exit within specified timeout)\ncrm_resource: Error performing operation: Error occurred\n"
    );

    let r = run(
        OURS,
        &[&["--force-start"][..], &agent("Crash")].concat(),
        &env,
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("could not be executed (Error: Resource agent interrupted by Segmentation fault signal)"), "{}", r.stderr);

    let r = run(
        OURS,
        &[&["--force-start"][..], &agent("Why")].concat(),
        &env,
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "Operation force-start (ocf:t:Why) returned 1 (error: disk on fire)\nout\n\nocf-exit-reason:disk on fire\n\n");

    let r = run(
        OURS,
        &[
            &["--force-check=20", "--option", "x=y z", "--timeout", "3m"][..],
            &agent("Env"),
        ]
        .concat(),
        &env,
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            0,
            "Operation force-check (ocf:t:Env) returned 0 (ok)\ntest y z 180000 20\n\n"
        )
    );
}

#[test]
fn heartbeat_class_runs_locally() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("hbscript");
    std::fs::write(
        &script,
        "#!/bin/sh\necho \"args: $*\"\n[ \"$2\" = status ] && echo 'hbscript is running'\nexit 0\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let env = [("LRMD_HEARTBEAT_DIRS", dir.path().to_str().unwrap())];
    let r = run(
        OURS,
        &[
            "--force-check",
            "--class",
            "heartbeat",
            "--agent",
            "hbscript",
            "--option",
            "1=eth0",
        ],
        &env,
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "Operation force-check (heartbeat:hbscript) returned 0 (ok)\nargs: eth0 status\nhbscript is running\n\n");
}

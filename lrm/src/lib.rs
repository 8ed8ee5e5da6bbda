//! The local resource manager (lrmd): runs OCF, LSB, heartbeat, systemd and stonith class agents.
//!
//! The same logic serves as a library ([`Executor`]) and as the `lrmd` daemon, which exposes it
//! on a Unix socket ([`server`], with the client in [`client`] and the frame format in [`wire`]).
//!
//! - [`agent`]: `class:provider:type` and where agents live ([`AgentDirs`], overridable).
//! - [`runner`]: one operation, start to finish: environment ([`env`]), process supervision
//!   ([`process`]: own process group, timeout → SIGTERM → SIGKILL, bounded [`capture`]), and
//!   mapping exit codes to OCF (`vocab::OcfRc`). systemd units go through D-Bus ([`systemd`]).
//! - [`executor`]: queues per resource, a global concurrency bound, recurring monitors that
//!   report only changes, cancellation, and [`history`].
//!
//! ```no_run
//! # async fn demo() -> lrm::Result<()> {
//! use lrm::{Action, AgentId, Executor, ExecutorConfig, OpRequest, ResourceSpec};
//! let lrm = Executor::new(ExecutorConfig::default());
//! lrm.register(ResourceSpec {
//!     id: "dummy".into(),
//!     agent: AgentId::ocf("heartbeat", "Dummy"),
//!     params: [("state".to_string(), "/tmp/dummy.state".to_string())].into(),
//! });
//! let result = lrm.exec_wait(OpRequest::new("dummy", Action::Start, 0, 20_000)).await?;
//! assert_eq!(result.rc, lrm::OcfRc::SUCCESS);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod agent;
pub mod capture;
pub mod client;
pub mod env;
pub mod error;
pub mod executor;
pub mod fencing;
pub mod history;
pub mod metadata;
pub mod op;
pub mod process;

pub mod runner;
pub mod server;
pub mod systemd;
pub mod v1groups;
pub mod wire;

pub use agent::{AgentDirs, AgentId, ResourceClass};
pub use client::Client;
pub use error::{Error, Result};
pub use executor::{Executor, ExecutorConfig};
pub use history::{OpRecord, ResourceHistory};
pub use op::{Action, NotifyVars, OpRequest, OpResult, ResourceSpec};
pub use runner::{Execution, RunnerConfig};
pub use vocab::{ExecStatus, OcfRc};

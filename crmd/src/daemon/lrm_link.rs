//! The lrmd connection, as tokio tasks: connects (and reconnects after lrmd is respawned),
//! forwards lrmd's operation events, and runs each action the core asks for in its own task,
//! so nothing waits on lrmd. Losing the connection is reported as [`Neighbour::Lrmd`] lost;
//! every connection after the first is a restart the core recovers from.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use graph::GraphAction;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::sync::watch;

use crate::core::{Input, Neighbour};

/// How long an action waits for lrmd to be connected before it fails.
const CONNECT_WAIT: Duration = Duration::from_secs(10);

/// An action for the local lrmd.
pub struct LrmJob {
    /// Transition id.
    pub tid: u64,
    /// The action.
    pub action: GraphAction,
}

/// Starts the connection manager and the job runner; returns where to send jobs.
pub fn spawn(socket: PathBuf, inputs: UnboundedSender<Input>) -> UnboundedSender<LrmJob> {
    let (job_tx, job_rx) = tokio::sync::mpsc::unbounded_channel();
    let (client_tx, client_rx) = watch::channel::<Option<Arc<lrm::client::Client>>>(None);
    tokio::spawn(keep_connected(socket, inputs.clone(), client_tx));
    tokio::spawn(run_jobs(job_rx, client_rx, inputs));
    job_tx
}

async fn keep_connected(
    socket: PathBuf,
    inputs: UnboundedSender<Input>,
    current: watch::Sender<Option<Arc<lrm::client::Client>>>,
) {
    let mut pause = Duration::from_millis(100);
    loop {
        let client = match lrm::client::Client::connect(&socket).await {
            Ok(c) => Arc::new(c),
            Err(e) => {
                tracing::debug!("lrmd not reachable yet: {e}");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
                continue;
            }
        };
        pause = Duration::from_millis(100);
        let events = match client.subscribe().await {
            Ok(events) => events,
            Err(e) => {
                tracing::warn!("lrmd refused the event subscription: {e}");
                tokio::time::sleep(pause).await;
                continue;
            }
        };
        tracing::info!("connected to lrmd at {}", socket.display());
        let _ = current.send(Some(client.clone()));
        if inputs.send(Input::NeighbourBack(Neighbour::Lrmd)).is_err() {
            return;
        }
        let forward = tokio::spawn(forward_events(events, inputs.clone()));
        client.closed().await;
        forward.abort();
        let _ = current.send(None);
        tracing::error!("lrmd connection lost");
        if inputs.send(Input::NeighbourLost(Neighbour::Lrmd)).is_err() {
            return;
        }
    }
}

async fn forward_events(
    mut events: tokio::sync::broadcast::Receiver<lrm::op::OpResult>,
    inputs: UnboundedSender<Input>,
) {
    loop {
        match events.recv().await {
            Ok(result) => {
                if inputs.send(Input::LrmEvent(Box::new(result))).is_err() {
                    return;
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!("missed {n} lrmd events");
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

async fn run_jobs(
    mut jobs: UnboundedReceiver<LrmJob>,
    client: watch::Receiver<Option<Arc<lrm::client::Client>>>,
    inputs: UnboundedSender<Input>,
) {
    while let Some(job) = jobs.recv().await {
        let mut client = client.clone();
        let inputs = inputs.clone();
        tokio::spawn(async move {
            // At start lrmd may not be connected yet: give it a moment before failing.
            let client = tokio::time::timeout(CONNECT_WAIT, client.wait_for(Option::is_some))
                .await
                .ok()
                .and_then(|r| r.ok().and_then(|c| c.clone()));
            let result = match client {
                Some(c) => tengine::lrm_exec::execute_on_lrm(&c, &job.action)
                    .await
                    .map_err(|e| e.to_string()),
                None => Err("lrmd is not connected".to_string()),
            };
            let _ = inputs.send(Input::LrmDone {
                tid: job.tid,
                action: Box::new(job.action),
                result,
            });
        });
    }
}

//! The executor: registered resources, one queue per resource (operations on one resource run
//! one at a time, in order), a global bound on concurrently running agents, recurring
//! operations that report only changes, and per-resource history.
//!
//! ```text
//!  exec(req) ──> per-resource queue ──> worker ──(slot)──> runner::execute ──> history
//!                     ^                                                   └──> events (subscribers)
//!  recurring task ────┘ every interval; publishes only when (rc, status) changes
//! ```

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::{broadcast, mpsc, oneshot, watch, Semaphore};

use crate::agent::ResourceClass;
use crate::error::{Error, Result};
use crate::fencing::FencingDevices;
use crate::history::ResourceHistory;
use crate::op::{Action, OpRequest, OpResult, ResourceSpec};
use crate::runner::{self, RunnerConfig};
use vocab::{ExecStatus, OcfRc};

/// Executor settings.
#[derive(Debug, Clone)]
pub struct ExecutorConfig {
    /// How agents are found and supervised.
    pub runner: RunnerConfig,
    /// Agents allowed to run at the same time (across all resources).
    pub max_parallel: usize,
}

impl Default for ExecutorConfig {
    fn default() -> Self {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        ExecutorConfig {
            runner: RunnerConfig::default(),
            max_parallel: (2 * cpus).max(4),
        }
    }
}

/// The LRM's core, usable as a library or behind the lrmd socket. Cheap to clone.
#[derive(Clone)]
pub struct Executor {
    inner: Arc<Inner>,
}

struct Inner {
    runner: Arc<RunnerConfig>,
    slots: Arc<Semaphore>,
    next_call_id: AtomicU64,
    events: broadcast::Sender<OpResult>,
    resources: Mutex<HashMap<String, Resource>>,
    fencing: Arc<FencingDevices>,
}

struct Resource {
    spec: Arc<ResourceSpec>,
    queue: mpsc::UnboundedSender<Job>,
    history: Arc<Mutex<ResourceHistory>>,
    recurring: HashMap<(Action, u64), Recurring>,
}

struct Recurring {
    call_id: u64,
    cancel: watch::Sender<bool>,
}

struct Job {
    call_id: u64,
    spec: Arc<ResourceSpec>,
    req: OpRequest,
    enqueued: Instant,
    /// Where the result goes; `None` publishes it to subscribers.
    reply: Option<oneshot::Sender<OpResult>>,
    /// Set for recurring executions: skip the job if its operation was cancelled meanwhile.
    cancelled: Option<watch::Receiver<bool>>,
}

impl Executor {
    /// An executor with no resources.
    pub fn new(config: ExecutorConfig) -> Self {
        let (events, _) = broadcast::channel(4096);
        Executor {
            inner: Arc::new(Inner {
                runner: Arc::new(config.runner),
                slots: Arc::new(Semaphore::new(config.max_parallel.max(1))),
                next_call_id: AtomicU64::new(1),
                events,
                resources: Mutex::new(HashMap::new()),
                fencing: Arc::new(FencingDevices::default()),
            }),
        }
    }

    /// Registers (or re-registers with new settings) a resource. Must be called inside a
    /// tokio runtime: each resource gets a worker task.
    pub fn register(&self, spec: ResourceSpec) {
        let mut resources = self.lock();
        if let Some(existing) = resources.get_mut(&spec.id) {
            existing.spec = Arc::new(spec);
            return;
        }
        let (queue, rx) = mpsc::unbounded_channel();
        let history = Arc::new(Mutex::new(ResourceHistory::default()));
        tokio::spawn(worker(
            rx,
            Arc::clone(&self.inner.runner),
            Arc::clone(&self.inner.slots),
            Arc::clone(&history),
            self.inner.events.clone(),
            Arc::clone(&self.inner.fencing),
        ));
        let id = spec.id.clone();
        resources.insert(
            id,
            Resource {
                spec: Arc::new(spec),
                queue,
                history,
                recurring: HashMap::new(),
            },
        );
    }

    /// Forgets a resource: its recurring operations stop, queued ones still run.
    pub fn unregister(&self, rsc: &str) -> Result<()> {
        let removed = self
            .lock()
            .remove(rsc)
            .ok_or_else(|| Error::UnknownResource(rsc.to_string()))?;
        for recurring in removed.recurring.into_values() {
            let _ = recurring.cancel.send(true);
        }
        Ok(())
    }

    /// Registered resources, sorted by id.
    pub fn resources(&self) -> Vec<ResourceSpec> {
        let mut list: Vec<ResourceSpec> = self.lock().values().map(|r| (*r.spec).clone()).collect();
        list.sort_by(|a, b| a.id.cmp(&b.id));
        list
    }

    /// Queues an operation and returns its call id at once. Results go to subscribers; a
    /// recurring operation (interval > 0) reports its first result and then only changes.
    pub fn exec(&self, req: OpRequest) -> Result<u64> {
        if req.interval_ms > 0 {
            return self.start_recurring(req);
        }
        let (call_id, _) = self.submit(req, false)?;
        Ok(call_id)
    }

    /// Runs a one-shot operation and waits for its result (also published to subscribers).
    pub async fn exec_wait(&self, mut req: OpRequest) -> Result<OpResult> {
        req.interval_ms = 0;
        let (_, rx) = self.submit(req, true)?;
        let result = rx
            .expect("a reply channel was requested")
            .await
            .map_err(|_| Error::Shutdown)?;
        let _ = self.inner.events.send(result.clone());
        Ok(result)
    }

    /// Stops a recurring operation. Subscribers get a `Cancelled` result for it.
    pub fn cancel(&self, rsc: &str, action: &Action, interval_ms: u64) -> Result<()> {
        let mut resources = self.lock();
        let resource = resources
            .get_mut(rsc)
            .ok_or_else(|| Error::UnknownResource(rsc.to_string()))?;
        let recurring = resource
            .recurring
            .remove(&(action.clone(), interval_ms))
            .ok_or_else(|| Error::NoSuchOperation(crate::op::op_key(rsc, action, interval_ms)))?;
        let _ = recurring.cancel.send(true);
        resource
            .history
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .forget_recurring(action, interval_ms);
        let cancelled = OpResult {
            call_id: recurring.call_id,
            rsc: rsc.to_string(),
            action: action.clone(),
            interval_ms,
            rc: OcfRc::SUCCESS,
            status: ExecStatus::Cancelled,
            exit_reason: String::new(),
            stdout: String::new(),
            stderr: String::new(),
            exec_time_ms: 0,
            queue_time_ms: 0,
            run_at: now_secs(),
            ok: true,
        };
        let _ = self.inner.events.send(cancelled);
        Ok(())
    }

    /// The resource's operation history.
    pub fn history(&self, rsc: &str) -> Result<ResourceHistory> {
        let resources = self.lock();
        let resource = resources
            .get(rsc)
            .ok_or_else(|| Error::UnknownResource(rsc.to_string()))?;
        let history = resource
            .history
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        Ok(history)
    }

    /// A stream of results: every one-shot result, first and changed recurring results, and
    /// cancellations.
    pub fn subscribe(&self) -> broadcast::Receiver<OpResult> {
        self.inner.events.subscribe()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Resource>> {
        self.inner
            .resources
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn submit(
        &self,
        req: OpRequest,
        want_reply: bool,
    ) -> Result<(u64, Option<oneshot::Receiver<OpResult>>)> {
        let mut resources = self.lock();
        let resource = resources
            .get_mut(&req.rsc)
            .ok_or_else(|| Error::UnknownResource(req.rsc.clone()))?;
        if req.action == Action::Stop {
            stop_recurring(&req.rsc, resource);
        }
        let call_id = self.inner.next_call_id.fetch_add(1, Ordering::Relaxed);
        let (reply, rx) = if want_reply {
            let (tx, rx) = oneshot::channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        let job = Job {
            call_id,
            spec: Arc::clone(&resource.spec),
            req,
            enqueued: Instant::now(),
            reply,
            cancelled: None,
        };
        resource.queue.send(job).map_err(|_| Error::Shutdown)?;
        Ok((call_id, rx))
    }

    fn start_recurring(&self, req: OpRequest) -> Result<u64> {
        let mut resources = self.lock();
        let resource = resources
            .get_mut(&req.rsc)
            .ok_or_else(|| Error::UnknownResource(req.rsc.clone()))?;
        let call_id = self.inner.next_call_id.fetch_add(1, Ordering::Relaxed);
        let (cancel, cancelled) = watch::channel(false);
        let key = (req.action.clone(), req.interval_ms);
        if let Some(old) = resource
            .recurring
            .insert(key, Recurring { call_id, cancel })
        {
            let _ = old.cancel.send(true);
        }
        let spec = Arc::clone(&resource.spec);
        tokio::spawn(recurring(
            call_id,
            spec,
            req,
            resource.queue.clone(),
            self.inner.events.clone(),
            cancelled,
        ));
        Ok(call_id)
    }
}

/// A stop ends every recurring operation of its resource, as Pacemaker's executor does: a
/// monitor must not keep probing (and failing on) a resource that is being stopped. Runs
/// already queued are skipped; the stop's own result is what tells the caller they are over,
/// so no `Cancelled` results are published (a client could mistake one for a monitor result).
fn stop_recurring(rsc: &str, resource: &mut Resource) {
    if resource.recurring.is_empty() {
        return;
    }
    let mut history = resource.history.lock().unwrap_or_else(|e| e.into_inner());
    for ((action, interval_ms), recurring) in resource.recurring.drain() {
        let _ = recurring.cancel.send(true);
        history.forget_recurring(&action, interval_ms);
        tracing::info!(op = %crate::op::op_key(rsc, &action, interval_ms),
            "recurring operation cancelled by a stop");
    }
}

/// Runs one resource's jobs in order.
async fn worker(
    mut jobs: mpsc::UnboundedReceiver<Job>,
    runner: Arc<RunnerConfig>,
    slots: Arc<Semaphore>,
    history: Arc<Mutex<ResourceHistory>>,
    events: broadcast::Sender<OpResult>,
    fencing: Arc<FencingDevices>,
) {
    while let Some(job) = jobs.recv().await {
        if job.cancelled.as_ref().is_some_and(|c| *c.borrow()) {
            continue;
        }
        let Ok(_slot) = slots.acquire().await else {
            return;
        };
        let queue_time = job.enqueued.elapsed();
        let run_at = now_secs();
        let execution = if job.spec.agent.class == ResourceClass::Stonith {
            fencing.execute(&job.spec, &job.req).await
        } else {
            runner::execute(&runner, &job.spec, &job.req).await
        };
        let result = OpResult {
            call_id: job.call_id,
            rsc: job.req.rsc.clone(),
            action: job.req.action.clone(),
            interval_ms: job.req.interval_ms,
            rc: execution.rc,
            status: execution.status,
            ok: is_expected(&job.req, execution.rc, execution.status),
            exit_reason: execution.exit_reason,
            stdout: execution.stdout,
            stderr: execution.stderr,
            exec_time_ms: millis(execution.elapsed),
            queue_time_ms: millis(queue_time),
            run_at,
        };
        // A recurring run that was already executing when its operation was cancelled (by a
        // cancel or a stop) must not put the forgotten operation back into the history.
        if job.cancelled.as_ref().is_some_and(|c| *c.borrow()) {
            continue;
        }
        history
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .record(&result);
        tracing::info!(op = %result.key(), call_id = result.call_id, rc = result.rc.0,
            status = result.status.text(), exec_ms = result.exec_time_ms, "operation finished");
        match job.reply {
            Some(reply) => {
                let _ = reply.send(result);
            }
            None => {
                let _ = events.send(result);
            }
        }
    }
}

/// Feeds a recurring operation into its resource's queue: first run at once, then `interval`
/// after each completion. Publishes a result only when (rc, status) differs from the last one.
async fn recurring(
    call_id: u64,
    spec: Arc<ResourceSpec>,
    req: OpRequest,
    queue: mpsc::UnboundedSender<Job>,
    events: broadcast::Sender<OpResult>,
    mut cancelled: watch::Receiver<bool>,
) {
    let interval = Duration::from_millis(req.interval_ms);
    let mut last_reported: Option<(OcfRc, ExecStatus)> = None;
    loop {
        let (tx, rx) = oneshot::channel();
        let job = Job {
            call_id,
            spec: Arc::clone(&spec),
            req: req.clone(),
            enqueued: Instant::now(),
            reply: Some(tx),
            cancelled: Some(cancelled.clone()),
        };
        if queue.send(job).is_err() {
            return;
        }
        let result = tokio::select! {
            r = rx => match r { Ok(r) => r, Err(_) => return },
            _ = cancelled.changed() => return,
        };
        if *cancelled.borrow() {
            return;
        }
        let outcome = (result.rc, result.status);
        if last_reported != Some(outcome) {
            last_reported = Some(outcome);
            let _ = events.send(result);
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = cancelled.changed() => return,
        }
    }
}

/// Whether the result is what the request expected.
fn is_expected(req: &OpRequest, rc: OcfRc, status: ExecStatus) -> bool {
    if status != ExecStatus::Done {
        return false;
    }
    if let Some(expected) = req.expected_rc {
        return rc.0 == expected;
    }
    let running = matches!(rc.0, 0 | 8 | 190 | 191);
    match (&req.action, req.interval_ms) {
        (a, 0) if a.is_monitor() => running || rc == OcfRc::NOT_RUNNING,
        (a, _) if a.is_monitor() => running,
        _ => matches!(rc.0, 0 | 190 | 191),
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

//! Crash safety of the on-disk store: writers are SIGKILLed at random points mid-save, and the
//! store must always load as the version before or the version after, never broken.
//!
//! The writer is this test binary re-run on the ignored `writer_child` test with the store
//! directory and the epoch to write in its environment.

use cib::store::CibStore;
use cib::{CibVersion, Element};
use rand::{RngExt, SeedableRng};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DIR_VAR: &str = "CIB_KILL_TEST_DIR";
const EPOCH_VAR: &str = "CIB_KILL_TEST_EPOCH";

/// A CIB large enough (about 1.2 MB) that a save takes a while.
fn big_cib(epoch: u64) -> Element {
    let mut resources = Element::new("resources");
    for i in 0..3000 {
        let id = format!("rsc{i}");
        let params = Element::new("instance_attributes")
            .with_attr("id", format!("{id}-params"))
            .with_child(
                Element::new("nvpair")
                    .with_attr("id", format!("{id}-ip"))
                    .with_attr("name", "ip")
                    .with_attr(
                        "value",
                        format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256),
                    ),
            );
        let ops = Element::new("operations").with_child(
            Element::new("op")
                .with_attr("id", format!("{id}-monitor"))
                .with_attr("name", "monitor")
                .with_attr("interval", "10s"),
        );
        resources = resources.with_child(
            Element::new("primitive")
                .with_attr("id", id)
                .with_attr("class", "ocf")
                .with_attr("provider", "heartbeat")
                .with_attr("type", "IPaddr2")
                .with_child(params)
                .with_child(ops),
        );
    }
    let mut cib = Element::new("cib").with_child(
        Element::new("configuration")
            .with_child(Element::new("crm_config"))
            .with_child(Element::new("nodes"))
            .with_child(resources)
            .with_child(Element::new("constraints")),
    );
    CibVersion {
        admin_epoch: 0,
        epoch,
        num_updates: 0,
    }
    .write_to(&mut cib);
    cib
}

/// Not a test on its own: the writer process that `writes_survive_sigkill` starts and kills.
#[test]
#[ignore = "helper process for writes_survive_sigkill"]
fn writer_child() {
    let dir = std::env::var(DIR_VAR).expect("run by writes_survive_sigkill");
    let epoch: u64 = std::env::var(EPOCH_VAR).unwrap().parse().unwrap();
    let store = CibStore::open(dir).unwrap().with_max_backups(3);
    let current = store.load().unwrap().expect("store has a CIB");
    assert_eq!(CibVersion::from_element(&current.root).epoch + 1, epoch);
    let next = big_cib(epoch);
    // Tell the parent the save starts now, so its kill lands inside it.
    use std::io::Write;
    let mut out = std::io::stdout();
    writeln!(out, "saving").unwrap();
    out.flush().unwrap();
    store.save(&next).unwrap();
}

fn spawn_writer(dir: &std::path::Path, epoch: u64) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "writer_child",
            "--test-threads=1",
            "-q",
        ])
        .env(DIR_VAR, dir)
        .env(EPOCH_VAR, epoch.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn writes_survive_sigkill() {
    let seed: u64 = std::env::var("CIB_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261122);
    let iterations: u32 = std::env::var("CIB_KILL_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let store = CibStore::open(dir.path()).unwrap().with_max_backups(3);
    store.save(&big_cib(1)).unwrap();

    // Calibrate: how long does an uninterrupted save take?
    let start = Instant::now();
    store.save(&big_cib(2)).unwrap();
    let full = start.elapsed();
    let mut epoch = 2;

    let (mut kept_old, mut got_new, mut staged) = (0, 0, 0);
    for i in 0..iterations {
        let mut child = spawn_writer(dir.path(), epoch + 1);
        // The test harness prints its own lines too; wait for ours.
        let reader = std::io::BufReader::new(child.stdout.take().unwrap());
        let started = std::io::BufRead::lines(reader).any(|l| l.is_ok_and(|l| l == "saving"));
        assert!(started, "writer failed before saving");
        let delay = rng.random_range(0..(full.as_micros() as u64 * 5 / 4).max(1));
        std::thread::sleep(Duration::from_micros(delay));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if dir.path().join("cib.xml.sig.new").exists() {
            staged += 1;
        }
        let doc = store
            .load()
            .unwrap_or_else(|e| {
                panic!("iteration {i} (seed {seed}, kill after {delay}us): store broken: {e}")
            })
            .expect("store not empty");
        let found = CibVersion::from_element(&doc.root).epoch;
        assert!(
            found == epoch || found == epoch + 1,
            "iteration {i}: epoch {found}, expected {epoch} or {}",
            epoch + 1
        );
        assert_eq!(
            doc.root,
            big_cib(found),
            "iteration {i}: content is not version {found}"
        );
        if found == epoch {
            kept_old += 1;
        } else {
            got_new += 1;
            epoch = found;
        }
    }
    eprintln!(
        "seed {seed}: {iterations} kills during a {full:?} save: {kept_old} kept the old version, {got_new} the new; \
         {staged} left a staged signature behind"
    );
    // The random delays must have hit both sides, or the test proved nothing.
    assert!(
        kept_old > 0 && got_new > 0,
        "kills never landed mid-write ({kept_old} old, {got_new} new)"
    );
}

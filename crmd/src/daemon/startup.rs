//! The CIB a crmd starts from (reading the store, importing `haresources`).

use anyhow::{Context, Result};
use cib::store::CibStore;
use cib::xml::Element;

use super::Options;
use crate::core::empty_cib;
use crate::status;

/// The CIB to start from: the stored one, else an import of `haresources`, else an empty one.
/// The status section always starts empty: it is rebuilt from every node's history at join.
pub fn initial_cib(store: &CibStore, opts: &Options) -> Result<Element> {
    if let Some(doc) = store.load_or_backup().context("loading the stored CIB")? {
        return Ok(status::without_status(&doc.root));
    }
    let haresources = opts.ha_dir.join("haresources");
    if haresources.is_file() {
        let cib = import_haresources(opts, &haresources)?;
        tracing::info!("imported {} into a new CIB", haresources.display());
        store.save(&cib).context("saving the imported CIB")?;
        return Ok(cib);
    }
    Ok(empty_cib())
}

fn import_haresources(opts: &Options, path: &std::path::Path) -> Result<Element> {
    use cib::haresources::{AutoFailback, HaResources, ImportOptions};
    use messaging::config::{AutoFailback as Hb, Config};
    let dir = opts.ha_dir.display().to_string();
    let config = Config::load(&dir).with_context(|| format!("reading {dir}/ha.cf"))?;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let hr = HaResources::parse(&text).with_context(|| path.display().to_string())?;
    let import = ImportOptions {
        nodes: config.nodes.clone(),
        auto_failback: match config.auto_failback {
            Hb::On => AutoFailback::On,
            Hb::Off => AutoFailback::Off,
            Hb::Legacy => AutoFailback::Legacy,
        },
        resource_dirs: vec![opts.ha_dir.join("resource.d")],
        monitor: true,
        connectivity_rule: !config.ping_nodes.is_empty(),
        ..ImportOptions::default()
    };
    let mut cib = hr
        .to_cib(&import)
        .with_context(|| path.display().to_string())?;
    if cib.attr("epoch").is_none() {
        cib.set_attr("admin_epoch", "0");
        cib.set_attr("epoch", "1");
        cib.set_attr("num_updates", "0");
    }
    Ok(cib)
}

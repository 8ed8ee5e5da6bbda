//! The Cluster Information Base: typed model, lossless XML, queries, patches and the on-disk store.
//!
//! The CIB is one XML document, `<cib>` holding `<configuration>` (what the administrator
//! wants) and `<status>` (what the cluster observed). This crate keeps the XML tree as the
//! single source of truth and layers everything else on it:
//!
//! * [`xml`]: the one XML codec of the project, a lossless element tree that every other part
//!   works on; elements and attributes this crate does not know are carried through untouched.
//! * [`model`]: typed, read-only views of the configuration (cluster options, nodes, resources,
//!   constraints, defaults, fencing topology, alerts, tags, ACLs) and the status section,
//!   built with `from_element` from the tree.
//! * [`version`]: the `(admin_epoch, epoch, num_updates)` version tuple. (Scores, booleans and
//!   durations are the `vocab` crate's.)
//! * [`membership`]: the one rule saying whether a node is online, pending or must be fenced,
//!   from its `<node_state>` (the scheduler and [`verify`] both use it).
//! * [`digest`]: the MD5 content digest, identical to `cibadmin --md5-sum`.
//! * [`format`](mod@format): XML output escaped as Pacemaker's tools print it.
//! * [`xpath`]: the XPath subset administrators write (`//primitive[@id='x']`).
//! * [`edit`]: create / modify / replace / delete with `cibadmin`'s semantics.
//! * [`patch`]: Pacemaker's XML patch formats (v2 `<diff format="2">` and the older v1): diff
//!   and apply.
//! * [`store`]: the on-disk directory (`cib.xml`, `cib.xml.sig`, numbered backups) with
//!   atomic writes and digest-checked loads.
//!
//! ```
//! use cib::{xml::parse_element, xpath};
//! use vocab::Score;
//! let cib = parse_element(r#"<cib><configuration><resources>
//!     <primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"/>
//!     </resources></configuration></cib>"#).unwrap();
//! let hits = xpath::select(&cib, "//primitive[@id='ip']").unwrap();
//! assert_eq!(hits[0].attr("type"), Some("IPaddr2"));
//! assert_eq!(Score::INFINITY + Score::MINUS_INFINITY, Score::MINUS_INFINITY);
//! ```

pub mod agent_name;
pub mod digest;
pub mod edit;
pub mod format;
pub mod haresources;
pub mod history;
pub mod limits;
pub mod membership;
pub mod model;
pub mod node_id;
pub mod option_meta;
pub mod patch;
pub mod series;
pub mod store;
pub mod verify;
pub mod version;
pub mod xml;
pub mod xpath;

/// The `crm_feature_set` of Pacemaker 2.1.5 (its `CRM_FEATURE_SET`), which heartbeat-rs speaks.
pub const FEATURE_SET: &str = "3.16.1";

pub use version::CibVersion;
pub use xml::{Document, Element, Node, XmlError};

//! The Cluster Information Base: typed model, lossless XML, queries, patches and the on-disk store.
//!
//! [`xml`] is the one XML codec of the project: a lossless element tree that every other part
//! (the typed model, queries, patches, the store) works on.

pub mod xml;

pub use xml::{Document, Element, Node, XmlError};

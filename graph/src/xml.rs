//! Pacemaker's `<transition_graph>` XML: writing (as `crm_simulate -G` does) and reading.

use crate::model::{ActionKind, ActionRef, GraphAction, Primitive, Synapse, TransitionGraph};
use cib::xml::{Document, Element};
use std::fmt::Write;
use vocab::xml_escape::{self, Policy};

/// Why a graph document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// Not well-formed XML.
    #[error("malformed XML: {0}")]
    Xml(#[from] cib::XmlError),
    /// Well-formed, but not a transition graph.
    #[error("line {line}: {message}")]
    Structure {
        /// Source line of the offending element.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

fn structure(el: &Element, message: impl Into<String>) -> GraphError {
    GraphError::Structure {
        line: el.line,
        message: message.into(),
    }
}

/// Parses a `<transition_graph>` document.
pub fn parse_graph(text: &str) -> Result<TransitionGraph, GraphError> {
    let doc = Document::parse(text)?;
    from_element(&doc.root)
}

/// Converts a parsed `<transition_graph>` element.
pub fn from_element(root: &Element) -> Result<TransitionGraph, GraphError> {
    if root.name != "transition_graph" {
        return Err(structure(
            root,
            format!(
                "root element is <{}>, expected <transition_graph>",
                root.name
            ),
        ));
    }
    let mut synapses = Vec::new();
    for syn in root.children_named("synapse") {
        let id = parse_u32(syn, "id")?;
        let priority = syn.attr("priority").and_then(|p| p.parse().ok());
        let action_el = syn
            .child("action_set")
            .and_then(|set| set.elements().next())
            .ok_or_else(|| structure(syn, "synapse without an action"))?;
        let action = read_action(action_el)?;
        let mut inputs = Vec::new();
        if let Some(ins) = syn.child("inputs") {
            for trig in ins.children_named("trigger") {
                for r in trig.elements() {
                    inputs.push(read_ref(r)?);
                }
            }
        }
        synapses.push(Synapse {
            id,
            priority,
            action,
            inputs,
        });
    }
    Ok(TransitionGraph {
        attributes: root.attrs.clone(),
        synapses,
    })
}

fn parse_u32(el: &Element, name: &str) -> Result<u32, GraphError> {
    el.attr(name)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| structure(el, format!("<{}> lacks a numeric {name}", el.name)))
}

fn read_ref(el: &Element) -> Result<ActionRef, GraphError> {
    let kind = ActionKind::from_tag(&el.name)
        .ok_or_else(|| structure(el, format!("unknown action <{}>", el.name)))?;
    let get = |k: &str| el.attr(k).map(str::to_string);
    Ok(ActionRef {
        id: parse_u32(el, "id")?,
        kind,
        operation: get("operation").unwrap_or_default(),
        operation_key: get("operation_key").unwrap_or_default(),
        internal_operation_key: get("internal_operation_key"),
        on_node: get("on_node"),
        on_node_uuid: get("on_node_uuid"),
        router_node: get("router_node"),
    })
}

fn read_action(el: &Element) -> Result<GraphAction, GraphError> {
    let reference = read_ref(el)?;
    let primitive = el.child("primitive").map(|p| Primitive {
        id: p.attr("id").unwrap_or_default().to_string(),
        long_id: p.attr("long-id").map(str::to_string),
        class: p.attr("class").unwrap_or_default().to_string(),
        provider: p.attr("provider").map(str::to_string),
        agent_type: p.attr("type").unwrap_or_default().to_string(),
    });
    let attributes = el
        .child("attributes")
        .map(|a| a.attrs.clone())
        .unwrap_or_default();
    let downed = el
        .child("downed")
        .map(|d| {
            d.children_named("node")
                .filter_map(|n| n.attr("id").map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Ok(GraphAction {
        reference,
        primitive,
        attributes,
        downed,
    })
}

/// Escapes an attribute value the way Pacemaker's XML writer does.
fn esc(value: &str) -> std::borrow::Cow<'_, str> {
    xml_escape::escape(value, Policy::Pacemaker)
}

fn write_ref_attrs(out: &mut String, r: &ActionRef) {
    let _ = write!(
        out,
        "<{} id=\"{}\" operation=\"{}\" operation_key=\"{}\"",
        r.kind.tag(),
        r.id,
        esc(&r.operation),
        esc(&r.operation_key)
    );
    if let Some(k) = &r.internal_operation_key {
        let _ = write!(out, " internal_operation_key=\"{}\"", esc(k));
    }
    if let Some(n) = &r.on_node {
        let _ = write!(out, " on_node=\"{}\"", esc(n));
    }
    if let Some(n) = &r.on_node_uuid {
        let _ = write!(out, " on_node_uuid=\"{}\"", esc(n));
    }
    if let Some(n) = &r.router_node {
        let _ = write!(out, " router_node=\"{}\"", esc(n));
    }
}

/// Writes the graph in Pacemaker's layout (two-space indentation, one synapse per action).
pub fn to_xml(graph: &TransitionGraph) -> String {
    let mut out = String::from("<transition_graph");
    for (k, v) in &graph.attributes {
        let _ = write!(out, " {k}=\"{}\"", esc(v));
    }
    if graph.synapses.is_empty() {
        out.push_str("/>\n");
        return out;
    }
    out.push_str(">\n");
    for syn in &graph.synapses {
        let _ = write!(out, "  <synapse id=\"{}\"", syn.id);
        if let Some(p) = syn.priority {
            let _ = write!(out, " priority=\"{p}\"");
        }
        out.push_str(">\n    <action_set>\n      ");
        write_action(&mut out, &syn.action);
        out.push_str("    </action_set>\n");
        if syn.inputs.is_empty() {
            out.push_str("    <inputs/>\n");
        } else {
            out.push_str("    <inputs>\n");
            for r in &syn.inputs {
                out.push_str("      <trigger>\n        ");
                write_ref_attrs(&mut out, r);
                out.push_str("/>\n      </trigger>\n");
            }
            out.push_str("    </inputs>\n");
        }
        out.push_str("  </synapse>\n");
    }
    out.push_str("</transition_graph>\n");
    out
}

fn write_action(out: &mut String, a: &GraphAction) {
    write_ref_attrs(out, &a.reference);
    out.push_str(">\n");
    if let Some(p) = &a.primitive {
        let _ = write!(out, "        <primitive id=\"{}\"", esc(&p.id));
        if let Some(l) = &p.long_id {
            let _ = write!(out, " long-id=\"{}\"", esc(l));
        }
        let _ = write!(out, " class=\"{}\"", esc(&p.class));
        if let Some(pr) = &p.provider {
            let _ = write!(out, " provider=\"{}\"", esc(pr));
        }
        let _ = writeln!(out, " type=\"{}\"/>", esc(&p.agent_type));
    }
    out.push_str("        <attributes");
    for (k, v) in &a.attributes {
        let _ = write!(out, " {k}=\"{}\"", esc(v));
    }
    out.push_str("/>\n");
    if !a.downed.is_empty() {
        out.push_str("        <downed>\n");
        for n in &a.downed {
            let _ = writeln!(out, "          <node id=\"{}\"/>", esc(n));
        }
        out.push_str("        </downed>\n");
    }
    let _ = writeln!(out, "      </{}>", a.reference.kind.tag());
}

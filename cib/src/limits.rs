//! How large a CIB and a single write to it may be.
//!
//! Both bounds are cluster properties in `crm_config` (ours; Pacemaker has none and relies on its
//! IPC buffer size), read from the CIB as it is before the write, so a write cannot raise the
//! limit it is checked against:
//!
//! | property | default | bounds |
//! |---|---|---|
//! | `cib-max-request-size` | 16 MiB | one request (a patch, a replacement) as sent |
//! | `cib-max-size` | 32 MiB | the whole CIB after the write, written compactly |
//!
//! The nesting depth of the result is bounded by [`crate::xml::MAX_DEPTH`] as well: a patch may
//! graft a subtree that parsed fine on its own under a deep element.

use crate::xml::{Element, MAX_DEPTH};

/// Property bounding one request, in bytes.
pub const REQUEST_PROPERTY: &str = "cib-max-request-size";
/// Default of [`REQUEST_PROPERTY`].
pub const DEFAULT_REQUEST_BYTES: usize = 16 * 1024 * 1024;
/// Property bounding the whole CIB, in bytes.
pub const SIZE_PROPERTY: &str = "cib-max-size";
/// Default of [`SIZE_PROPERTY`].
pub const DEFAULT_CIB_BYTES: usize = 32 * 1024 * 1024;

/// A write refused for its size or shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// The request itself is too large.
    #[error("the request is {size} bytes, more than {REQUEST_PROPERTY}={limit}")]
    Request {
        /// Its size.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The CIB would grow beyond its limit.
    #[error("the CIB would be {size} bytes, more than {SIZE_PROPERTY}={limit}")]
    Cib {
        /// The resulting size.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The CIB would nest elements too deeply.
    #[error("the CIB would nest elements {depth} levels deep, more than the limit of {MAX_DEPTH}")]
    Depth {
        /// The resulting depth.
        depth: usize,
    },
}

fn property(cib: &Element, name: &str) -> Option<usize> {
    cib.child("configuration")?
        .child("crm_config")?
        .elements()
        .flat_map(|set| set.children_named("nvpair"))
        .find(|nv| nv.attr("name") == Some(name))?
        .attr("value")?
        .trim()
        .parse()
        .ok()
}

/// The request limit in force for `cib`.
pub fn request_limit(cib: &Element) -> usize {
    property(cib, REQUEST_PROPERTY).unwrap_or(DEFAULT_REQUEST_BYTES)
}

/// The whole-CIB limit in force for `cib`.
pub fn cib_limit(cib: &Element) -> usize {
    property(cib, SIZE_PROPERTY).unwrap_or(DEFAULT_CIB_BYTES)
}

/// Refuses a request of `size` bytes against `current`'s limit.
pub fn check_request(current: &Element, size: usize) -> Result<(), LimitError> {
    let limit = request_limit(current);
    if size > limit {
        return Err(LimitError::Request { size, limit });
    }
    Ok(())
}

/// Refuses `next` (the CIB a write would make) when it is deeper than [`MAX_DEPTH`] or larger
/// than `current`'s limit.
pub fn check_result(current: &Element, next: &Element) -> Result<(), LimitError> {
    let depth = next.depth();
    if depth > MAX_DEPTH {
        return Err(LimitError::Depth { depth });
    }
    let limit = cib_limit(current);
    let size = next.to_xml_compact().len();
    if size > limit {
        return Err(LimitError::Cib { size, limit });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse_element;

    fn cib_with(props: &str) -> Element {
        parse_element(&format!(
            r#"<cib><configuration><crm_config><cluster_property_set id="o">{props}</cluster_property_set></crm_config><resources/></configuration></cib>"#
        ))
        .unwrap()
    }

    #[test]
    fn limits_come_from_the_current_cib_and_are_named() {
        let cib = cib_with(
            r#"<nvpair id="a" name="cib-max-size" value="400"/><nvpair id="b" name="cib-max-request-size" value="100"/>"#,
        );
        assert!(check_request(&cib, 100).is_ok());
        let err = check_request(&cib, 101).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the request is 101 bytes, more than cib-max-request-size=100"
        );
        let mut big = cib.clone();
        let res = big
            .child_mut("configuration")
            .unwrap()
            .child_mut("resources")
            .unwrap();
        for i in 0..10 {
            res.children.push(crate::Node::Element(
                Element::new("primitive").with_attr("id", format!("r{i}")),
            ));
        }
        let err = check_result(&cib, &big).unwrap_err();
        assert!(
            err.to_string().contains("more than cib-max-size=400"),
            "{err}"
        );
        assert_eq!(request_limit(&cib_with("")), DEFAULT_REQUEST_BYTES);
    }

    #[test]
    fn depth_of_the_result_is_bounded() {
        let cib = cib_with("");
        let mut next = cib.clone();
        let mut deep = Element::new("x");
        for _ in 0..MAX_DEPTH {
            deep = Element::new("x").with_child(deep);
        }
        next.child_mut("configuration")
            .unwrap()
            .child_mut("resources")
            .unwrap()
            .children
            .push(crate::Node::Element(deep));
        assert!(matches!(
            check_result(&cib, &next),
            Err(LimitError::Depth { .. })
        ));
        assert!(check_result(&cib, &cib).is_ok());
    }
}

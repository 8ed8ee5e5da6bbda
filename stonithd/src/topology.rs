//! `fencing-topology`: per-target levels, tried in index order; every device of a level must
//! succeed for the level to succeed.

use cib::xml::Element;

/// One level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    /// `index`.
    pub index: u32,
    /// Device ids, in order.
    pub devices: Vec<String>,
}

/// The levels for `target` (matching `target`, `target-pattern` or `target-attribute`), in index
/// order; empty when the topology does not mention it.
pub fn levels_for(cib: &Element, target: &str) -> Vec<Level> {
    let Some(topo) = cib
        .child("configuration")
        .and_then(|c| c.child("fencing-topology"))
    else {
        return Vec::new();
    };
    let node_attr = |name: &str| -> Option<String> {
        cib.child("configuration")?
            .child("nodes")?
            .children_named("node")
            .find(|n| n.attr("uname") == Some(target))?
            .descendants()
            .into_iter()
            .find(|e| e.name == "nvpair" && e.attr("name") == Some(name))
            .and_then(|e| e.attr("value"))
            .map(str::to_string)
    };
    let mut levels: Vec<Level> = topo
        .children_named("fencing-level")
        .filter(|l| {
            if let Some(t) = l.attr("target") {
                return t == target;
            }
            if let Some(p) = l.attr("target-pattern") {
                return pattern_matches(p, target);
            }
            if let (Some(a), Some(v)) = (l.attr("target-attribute"), l.attr("target-value")) {
                return node_attr(a).as_deref() == Some(v);
            }
            false
        })
        .map(|l| Level {
            index: l.attr("index").and_then(|v| v.parse().ok()).unwrap_or(0),
            devices: l
                .attr("devices")
                .unwrap_or("")
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        })
        .collect();
    levels.sort_by_key(|l| l.index);
    levels
}

/// A small regular-expression subset for `target-pattern`: `^`, `$`, `.`, `x*`, character
/// classes (`[0-9a-c]`) and literals.
fn pattern_matches(pattern: &str, text: &str) -> bool {
    /// One atom: how many pattern chars it uses and whether it matches `c`.
    fn atom(p: &[char], c: char) -> (usize, bool) {
        match p {
            ['.', ..] => (1, true),
            ['[', rest @ ..] => {
                let Some(end) = rest.iter().position(|&x| x == ']') else {
                    return (1, c == '[');
                };
                let class = &rest[..end];
                let mut hit = false;
                let mut i = 0;
                while i < class.len() {
                    if i + 2 < class.len() && class[i + 1] == '-' {
                        hit |= class[i] <= c && c <= class[i + 2];
                        i += 3;
                    } else {
                        hit |= class[i] == c;
                        i += 1;
                    }
                }
                (end + 2, hit)
            }
            [x, ..] => (1, *x == c),
            [] => (0, false),
        }
    }
    fn m(p: &[char], t: &[char]) -> bool {
        if p.is_empty() {
            return true;
        }
        if p == ['$'] {
            return t.is_empty();
        }
        let (len, _) = atom(p, '\0');
        if p.get(len) == Some(&'*') {
            let rest = &p[len + 1..];
            let mut i = 0;
            loop {
                if m(rest, &t[i..]) {
                    return true;
                }
                if i < t.len() && atom(p, t[i]).1 {
                    i += 1;
                } else {
                    return false;
                }
            }
        }
        !t.is_empty() && atom(p, t[0]).1 && m(&p[len..], &t[1..])
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    if let Some(anchored) = p.strip_prefix(&['^']) {
        return m(anchored, &t);
    }
    (0..=t.len()).any(|i| m(&p, &t[i..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_by_target_pattern_and_attribute_in_index_order() {
        let cib = cib::xml::parse_element(
            r#"<cib><configuration><nodes><node id="1" uname="node1"><instance_attributes id="n"><nvpair id="r" name="rack" value="a"/></instance_attributes></node></nodes>
            <fencing-topology>
              <fencing-level id="l2" target="node1" index="2" devices="backup"/>
              <fencing-level id="l1" target-pattern="^node[0-9]$" index="1" devices="ipmi,pdu"/>
              <fencing-level id="l3" target-attribute="rack" target-value="a" index="3" devices="manual"/>
              <fencing-level id="lx" target="node2" index="1" devices="other"/>
            </fencing-topology></configuration></cib>"#,
        )
        .unwrap();
        let l = levels_for(&cib, "node1");
        assert_eq!(l.iter().map(|l| l.index).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(l[0].devices, vec!["ipmi", "pdu"]);
        assert!(levels_for(&cib, "node3").len() == 1, "pattern only");
    }
}

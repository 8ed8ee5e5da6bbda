//! Rule evaluation: node-attribute expressions, date expressions and date specs, and the
//! nvpair blocks (`instance_attributes`, `meta_attributes`, ...) that rules guard.

use cib::Element;
use std::collections::{BTreeMap, HashMap};
use vocab::datetime;
use vocab::score::Score;

/// Every element with an id, for `id-ref` resolution (lookup only; never iterated for output).
pub struct IdIndex<'a> {
    by_id: HashMap<&'a str, &'a Element>,
}

impl<'a> IdIndex<'a> {
    /// Indexes every element under `root`.
    pub fn new(root: &'a Element) -> Self {
        let mut by_id = HashMap::new();
        let mut stack = vec![root];
        while let Some(el) = stack.pop() {
            // (A set's `resource_ref` and a tag's `obj_ref` name another element.)
            let reference = el.name == "resource_ref" || el.name == "obj_ref";
            if let Some(id) = el.attr("id").filter(|_| !reference) {
                if el.attr("id-ref").is_none() {
                    by_id.entry(id).or_insert(el);
                }
            }
            stack.extend(el.elements());
        }
        IdIndex { by_id }
    }

    /// The element with this id.
    pub fn get(&self, id: &str) -> Option<&'a Element> {
        self.by_id.get(id).copied()
    }

    /// Follows `id-ref` if present.
    pub fn resolve(&self, el: &'a Element) -> &'a Element {
        match el.attr("id-ref") {
            Some(r) => self.get(r).unwrap_or(el),
            None => el,
        }
    }
}

/// What a rule can look at.
#[derive(Default, Clone, Copy)]
pub struct RuleContext<'a> {
    /// "Now", epoch seconds.
    pub now: i64,
    /// Node attributes (including `#uname`, `#id`, `#kind`) when evaluated for a node.
    pub node_attrs: Option<&'a BTreeMap<String, String>>,
    /// (class, provider, type) for `rsc_expression`.
    pub rsc: Option<(&'a str, Option<&'a str>, &'a str)>,
    /// (name, interval ms) for `op_expression`.
    pub op: Option<(&'a str, u64)>,
    /// A location constraint's resource: its parameters and meta attributes, which
    /// `value-source="param"`/`"meta"` expressions compare against.
    pub matched_rsc: Option<MatchedRsc<'a>>,
}

/// The resource a location rule is evaluated for (Pacemaker's match data).
#[derive(Clone, Copy)]
pub struct MatchedRsc<'a> {
    /// Instance attributes.
    pub params: &'a BTreeMap<String, String>,
    /// Meta attributes.
    pub meta: &'a BTreeMap<String, String>,
}

/// Evaluates a `<rule>` element (resolving id-ref).
pub fn eval_rule(idx: &IdIndex, rule: &Element, ctx: &RuleContext) -> bool {
    let rule = idx.resolve(rule);
    let or = rule
        .attr("boolean-op")
        .is_some_and(|b| b.eq_ignore_ascii_case("or"));
    let mut any = false;
    let mut result = !or;
    for child in rule.elements() {
        let child = idx.resolve(child);
        let v = match child.name.as_str() {
            "rule" => eval_rule(idx, child, ctx),
            "expression" => eval_expression(child, ctx),
            "date_expression" => eval_date_expression(child, ctx.now),
            "rsc_expression" => eval_rsc_expression(child, ctx),
            "op_expression" => eval_op_expression(child, ctx),
            _ => continue,
        };
        any = true;
        if or && v {
            result = true;
        }
        if !or && !v {
            result = false;
        }
    }
    if !any {
        // An empty rule passes (Pacemaker treats it as true).
        return true;
    }
    result
}

fn eval_rsc_expression(el: &Element, ctx: &RuleContext) -> bool {
    let Some((class, provider, ty)) = ctx.rsc else {
        return false;
    };
    el.attr("class").is_none_or(|c| c == class)
        && el.attr("provider").is_none_or(|p| Some(p) == provider)
        && el.attr("type").is_none_or(|t| t == ty)
}

fn eval_op_expression(el: &Element, ctx: &RuleContext) -> bool {
    let Some((name, interval)) = ctx.op else {
        return false;
    };
    el.attr("name").is_none_or(|n| n == name)
        && el
            .attr("interval")
            .is_none_or(|i| crate::unpack::parse_interval_ms(i) == Some(interval))
}

/// An expression's `value`: literal, or (in a location rule) the resource's parameter or
/// meta attribute it names (`value-source`).
fn expected_value<'a>(el: &'a Element, ctx: &RuleContext<'a>) -> Option<&'a str> {
    let Some(m) = ctx.matched_rsc else {
        return el.attr("value");
    };
    let value = el.attr("value").filter(|v| !v.is_empty());
    let table = match el.attr("value-source") {
        Some(s) if s.eq_ignore_ascii_case("param") => m.params,
        Some(s) if s.eq_ignore_ascii_case("meta") => m.meta,
        _ => return value,
    };
    table.get(value?).map(String::as_str)
}

fn eval_expression(el: &Element, ctx: &RuleContext) -> bool {
    let attr = el.attr("attribute").unwrap_or("");
    let op = el.attr("operation").unwrap_or("");
    let actual = ctx.node_attrs.and_then(|a| a.get(attr)).map(String::as_str);
    match op {
        "defined" => return actual.is_some(),
        "not_defined" => return actual.is_none(),
        _ => {}
    }
    let expected = expected_value(el, ctx);
    let (Some(actual), Some(expected)) = (actual, expected) else {
        return op == "ne" && actual.is_none() != expected.is_none();
    };
    let ty = el
        .attr("type")
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(|| {
            if matches!(op, "lt" | "gt" | "lte" | "gte") {
                "number".into()
            } else {
                "string".into()
            }
        });
    let ord = match ty.as_str() {
        "integer" | "int" | "number" => {
            match (actual.trim().parse::<f64>(), expected.trim().parse::<f64>()) {
                (Ok(a), Ok(b)) => a.partial_cmp(&b),
                _ => Some(actual.cmp(expected)),
            }
        }
        "version" => Some(compare_version(actual, expected)),
        _ => Some(if matches!(op, "eq" | "ne") {
            actual
                .to_ascii_lowercase()
                .cmp(&expected.to_ascii_lowercase())
        } else {
            actual.cmp(expected)
        }),
    };
    let Some(ord) = ord else { return false };
    use std::cmp::Ordering::*;
    match op {
        "eq" => ord == Equal,
        "ne" => ord != Equal,
        "lt" => ord == Less,
        "lte" => ord != Greater,
        "gt" => ord == Greater,
        "gte" => ord != Less,
        _ => false,
    }
}

fn compare_version(a: &str, b: &str) -> std::cmp::Ordering {
    let pa: Vec<i64> = a.split('.').map(|x| x.parse().unwrap_or(0)).collect();
    let pb: Vec<i64> = b.split('.').map(|x| x.parse().unwrap_or(0)).collect();
    pa.cmp(&pb)
}

fn duration_parts(el: &Element) -> (i64, i64, i64) {
    let n = |k: &str| {
        el.attr(k)
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(0)
    };
    let secs = n("seconds")
        + n("minutes") * 60
        + n("hours") * 3600
        + n("days") * 86_400
        + n("weeks") * 7 * 86_400;
    (n("years"), n("months"), secs)
}

/// Evaluates a `<date_expression>` at `now`.
pub fn eval_date_expression(el: &Element, now: i64) -> bool {
    let start = el.attr("start").and_then(datetime::parse);
    let mut end = el.attr("end").and_then(datetime::parse);
    match el.attr("operation").unwrap_or("in_range") {
        "gt" => start.is_some_and(|s| now > s),
        "lt" => end.is_some_and(|e| now < e),
        "in_range" => {
            if end.is_none() {
                if let (Some(s), Some(d)) = (start, el.child("duration")) {
                    let (y, m, secs) = duration_parts(d);
                    end = Some(datetime::add_duration(s, y, m, secs));
                }
            }
            start.is_none_or(|s| now >= s)
                && end.is_none_or(|e| now <= e)
                && (start.is_some() || end.is_some())
        }
        "date_spec" => el
            .child("date_spec")
            .is_some_and(|spec| date_spec_matches(spec, now)),
        _ => false,
    }
}

fn in_ranges(spec: &str, value: i64) -> bool {
    spec.split(',').any(|part| {
        let part = part.trim();
        match part.split_once('-') {
            Some((a, b)) => {
                let a = a.trim().parse::<i64>().ok();
                let b = b.trim().parse::<i64>().ok();
                a.is_none_or(|a| value >= a) && b.is_none_or(|b| value <= b)
            }
            None => part.parse::<i64>().is_ok_and(|v| v == value),
        }
    })
}

fn date_spec_matches(spec: &Element, now: i64) -> bool {
    let f = datetime::fields(now);
    let checks: [(&str, i64); 10] = [
        ("years", f.years),
        ("months", f.months),
        ("monthdays", f.monthdays),
        ("hours", f.hours),
        ("minutes", f.minutes),
        ("seconds", f.seconds),
        ("yeardays", f.yeardays),
        ("weekdays", f.weekdays),
        ("weekyears", f.weekyears),
        ("weeks", f.weeks),
    ];
    checks
        .iter()
        .all(|(k, v)| spec.attr(k).is_none_or(|s| in_ranges(s, *v)))
}

/// Unpacks every nvpair block named `block` under `parent`, in Pacemaker's precedence:
/// blocks sorted by descending `score` (document order among equals), first value wins.
pub fn unpack_nvpairs(
    idx: &IdIndex,
    parent: &Element,
    block: &str,
    ctx: &RuleContext,
    out: &mut BTreeMap<String, String>,
) {
    for (name, value) in nvpairs_in_order(idx, parent, block, ctx) {
        out.entry(name).or_insert(value);
    }
}

/// As [`unpack_nvpairs`], as a list in the order Pacemaker inserts the names into its table
/// (which decides the order its tools print them in).
pub fn nvpairs_in_order(
    idx: &IdIndex,
    parent: &Element,
    block: &str,
    ctx: &RuleContext,
) -> Vec<(String, String)> {
    let mut blocks: Vec<&Element> = parent
        .children_named(block)
        .map(|b| idx.resolve(b))
        .collect();
    // Blocks of equal score go last-written first (Pacemaker prepends them to its list
    // before a stable sort by score).
    blocks.reverse();
    blocks.sort_by_key(|b| {
        std::cmp::Reverse(
            b.attr("score")
                .and_then(Score::parse)
                .unwrap_or(Score::ZERO),
        )
    });
    // cib-bootstrap-options is always processed first.
    blocks.sort_by_key(|b| b.attr("id") != Some("cib-bootstrap-options"));
    let mut out: Vec<(String, String)> = Vec::new();
    for b in blocks {
        if let Some(rule) = b.child("rule") {
            if !eval_rule(idx, rule, ctx) {
                continue;
            }
        }
        for nv in b.children_named("nvpair") {
            // A reference takes the name and value it does not give itself from its target.
            let target = idx.resolve(nv);
            let name = nv.attr("name").or_else(|| target.attr("name"));
            let value = nv.attr("value").or_else(|| target.attr("value"));
            if let (Some(name), Some(value)) = (name, value) {
                // "#default" lets the default apply: Pacemaker drops a value set before it.
                if value.eq_ignore_ascii_case("#default") {
                    out.retain(|(n, _)| n != name);
                } else if !out.iter().any(|(n, _)| n == name) {
                    out.push((name.to_string(), value.to_string()));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod id_index_tests {
    use super::IdIndex;

    #[test]
    fn a_reference_does_not_shadow_the_element_it_names() {
        let root = cib::xml::parse_element(
            r#"<cib><configuration>
                 <resources><template id="t1" class="ocf" provider="pacemaker" type="Dummy"/></resources>
                 <constraints><rsc_ticket id="k" ticket="A"><resource_set id="s">
                   <resource_ref id="t1"/></resource_set></rsc_ticket></constraints>
               </configuration></cib>"#,
        )
        .expect("test CIB parses");
        let idx = IdIndex::new(&root);
        assert_eq!(idx.get("t1").map(|e| e.name.as_str()), Some("template"));
    }
}

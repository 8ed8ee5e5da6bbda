//! The XPath subset that CIB users and tools write.
//!
//! Supported: absolute paths (`/cib/configuration/resources`), the descendant shorthand
//! (`//primitive`, `/cib/status//lrm_rsc_op`), name tests and `*`, and predicates made of
//! `@attr`, `@attr='v'`, `@attr!='v'`, `and`, `or`, `not(...)`, parentheses, positions
//! (`[1]`, `[last()]`). Relative paths are taken from the document. Text and attribute
//! results (`text()`, `/@id`) are not supported.
//!
//! Matches are returned as [`ElementPath`]s (child indices from the root) so callers can both
//! read and edit the matched elements.

use crate::{Element, Node};

/// A syntax error in an XPath expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid XPath '{expr}': {reason}")]
pub struct XPathError {
    /// The expression.
    pub expr: String,
    /// What is wrong with it.
    pub reason: String,
}

/// The position of an element: indices into `children` from the root (empty = the root).
pub type ElementPath = Vec<usize>;

/// A parsed expression, reusable on many trees.
#[derive(Debug, Clone, PartialEq)]
pub struct XPath {
    steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
struct Step {
    descendant: bool,
    name: Option<String>,
    predicates: Vec<Predicate>,
}

#[derive(Debug, Clone, PartialEq)]
enum Predicate {
    Position(usize),
    Last,
    Expr(Expr),
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Has(String),
    Eq(String, String),
    Ne(String, String),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

impl Expr {
    fn eval(&self, e: &Element) -> bool {
        match self {
            Expr::Has(a) => e.attr(a).is_some(),
            Expr::Eq(a, v) => e.attr(a) == Some(v.as_str()),
            Expr::Ne(a, v) => e.attr(a).is_some_and(|x| x != v),
            Expr::And(l, r) => l.eval(e) && r.eval(e),
            Expr::Or(l, r) => l.eval(e) || r.eval(e),
            Expr::Not(x) => !x.eval(e),
        }
    }
}

impl XPath {
    /// Parses `expr`.
    pub fn parse(expr: &str) -> Result<XPath, XPathError> {
        Parser {
            src: expr,
            chars: expr.char_indices().collect(),
            pos: 0,
        }
        .path()
    }

    /// Every element of `root`'s tree matching the expression, in document order.
    pub fn select(&self, root: &Element) -> Vec<ElementPath> {
        // `None` is the document node, the parent of the root element.
        let mut context: Vec<Option<ElementPath>> = vec![None];
        for step in &self.steps {
            let mut parents: Vec<Option<ElementPath>> = Vec::new();
            for ctx in &context {
                if step.descendant {
                    parents.push(ctx.clone());
                    let base = match ctx {
                        None => {
                            parents.push(Some(Vec::new()));
                            Vec::new()
                        }
                        Some(p) => p.clone(),
                    };
                    let el = get(root, &base).expect("context paths are valid");
                    descendant_paths(el, &base, &mut parents);
                } else {
                    parents.push(ctx.clone());
                }
            }
            parents.sort();
            parents.dedup();
            let mut next = Vec::new();
            for parent in &parents {
                let candidates: Vec<ElementPath> = match parent {
                    None => vec![Vec::new()],
                    Some(p) => {
                        let el = get(root, p).expect("valid");
                        el.children
                            .iter()
                            .enumerate()
                            .filter(|(_, n)| matches!(n, Node::Element(_)))
                            .map(|(i, _)| {
                                let mut c = p.clone();
                                c.push(i);
                                c
                            })
                            .collect()
                    }
                };
                let mut matched: Vec<ElementPath> = candidates
                    .into_iter()
                    .filter(|c| {
                        let el = get(root, c).expect("valid");
                        step.name.as_deref().is_none_or(|n| n == el.name)
                    })
                    .collect();
                for pred in &step.predicates {
                    matched = match pred {
                        Predicate::Position(n) => matched.get(n - 1).cloned().into_iter().collect(),
                        Predicate::Last => matched.last().cloned().into_iter().collect(),
                        Predicate::Expr(x) => matched
                            .into_iter()
                            .filter(|c| x.eval(get(root, c).expect("valid")))
                            .collect(),
                    };
                }
                next.extend(matched.into_iter().map(Some));
            }
            next.sort();
            next.dedup();
            context = next;
        }
        context.into_iter().flatten().collect()
    }
}

fn descendant_paths(el: &Element, base: &ElementPath, out: &mut Vec<Option<ElementPath>>) {
    for (i, n) in el.children.iter().enumerate() {
        if let Node::Element(c) = n {
            let mut p = base.clone();
            p.push(i);
            out.push(Some(p.clone()));
            descendant_paths(c, &p, out);
        }
    }
}

/// The element at `path` under `root`.
pub fn get<'a>(root: &'a Element, path: &[usize]) -> Option<&'a Element> {
    let mut cur = root;
    for &i in path {
        cur = match cur.children.get(i)? {
            Node::Element(e) => e,
            _ => return None,
        };
    }
    Some(cur)
}

/// The element at `path` under `root`, mutable.
pub fn get_mut<'a>(root: &'a mut Element, path: &[usize]) -> Option<&'a mut Element> {
    let mut cur = root;
    for &i in path {
        cur = match cur.children.get_mut(i)? {
            Node::Element(e) => e,
            _ => return None,
        };
    }
    Some(cur)
}

/// Parses `expr` and returns the matching elements of `root`.
pub fn select<'a>(root: &'a Element, expr: &str) -> Result<Vec<&'a Element>, XPathError> {
    let xp = XPath::parse(expr)?;
    Ok(xp
        .select(root)
        .iter()
        .filter_map(|p| get(root, p))
        .collect())
}

struct Parser<'s> {
    src: &'s str,
    chars: Vec<(usize, char)>,
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, reason: impl Into<String>) -> XPathError {
        XPathError {
            expr: self.src.to_string(),
            reason: reason.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).map(|&(_, c)| c)
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, s: &str) -> bool {
        self.skip_ws();
        let rest = self.rest();
        if rest.starts_with(s) {
            self.pos += s.chars().count();
            true
        } else {
            false
        }
    }

    fn rest(&self) -> &str {
        match self.chars.get(self.pos) {
            Some(&(i, _)) => &self.src[i..],
            None => "",
        }
    }

    fn name(&mut self) -> Option<String> {
        self.skip_ws();
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '#'))
        {
            self.pos += 1;
        }
        (self.pos > start).then(|| {
            self.chars[start..self.pos]
                .iter()
                .map(|&(_, c)| c)
                .collect()
        })
    }

    fn path(mut self) -> Result<XPath, XPathError> {
        let mut steps = Vec::new();
        self.skip_ws();
        if self.rest().is_empty() {
            return Err(self.err("empty expression"));
        }
        let mut first = true;
        loop {
            self.skip_ws();
            if self.rest().is_empty() {
                break;
            }
            let descendant = if self.eat("//") {
                true
            } else if self.eat("/") {
                false
            } else if first {
                // A relative path starts from the document, as cibadmin evaluates it.
                false
            } else {
                return Err(self.err(format!("unexpected '{}'", self.rest())));
            };
            first = false;
            let name = if self.eat("*") {
                None
            } else {
                match self.name() {
                    Some(n) if n.contains('(') => {
                        return Err(self.err("functions are not supported"))
                    }
                    Some(n) => Some(n),
                    None => {
                        return Err(
                            self.err(format!("expected an element name at '{}'", self.rest()))
                        )
                    }
                }
            };
            if self.peek() == Some('(') {
                return Err(self.err("node tests and functions are not supported"));
            }
            let mut predicates = Vec::new();
            while self.eat("[") {
                predicates.push(self.predicate()?);
                if !self.eat("]") {
                    return Err(self.err("expected ']'"));
                }
            }
            steps.push(Step {
                descendant,
                name,
                predicates,
            });
        }
        if steps.is_empty() {
            return Err(self.err("no steps"));
        }
        Ok(XPath { steps })
    }

    fn predicate(&mut self) -> Result<Predicate, XPathError> {
        self.skip_ws();
        if self.peek().is_some_and(|c| c.is_ascii_digit()) {
            let start = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
            let digits: String = self.chars[start..self.pos]
                .iter()
                .map(|&(_, c)| c)
                .collect();
            let n: usize = digits.parse().map_err(|_| self.err("bad position"))?;
            if n == 0 {
                return Err(self.err("positions start at 1"));
            }
            return Ok(Predicate::Position(n));
        }
        if self.eat("last()") {
            return Ok(Predicate::Last);
        }
        Ok(Predicate::Expr(self.or_expr()?))
    }

    fn or_expr(&mut self) -> Result<Expr, XPathError> {
        let mut left = self.and_expr()?;
        while self.keyword("or") {
            let right = self.and_expr()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, XPathError> {
        let mut left = self.primary()?;
        while self.keyword("and") {
            let right = self.primary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn keyword(&mut self, kw: &str) -> bool {
        self.skip_ws();
        let rest = self.rest();
        if !rest.starts_with(kw) {
            return false;
        }
        let after = rest[kw.len()..].chars().next();
        if after.is_some_and(|c| c.is_whitespace() || c == '(' || c == '@') {
            self.pos += kw.len();
            true
        } else {
            false
        }
    }

    fn primary(&mut self) -> Result<Expr, XPathError> {
        if self.eat("(") {
            let e = self.or_expr()?;
            if !self.eat(")") {
                return Err(self.err("expected ')'"));
            }
            return Ok(e);
        }
        if self.eat("not(") {
            let e = self.or_expr()?;
            if !self.eat(")") {
                return Err(self.err("expected ')'"));
            }
            return Ok(Expr::Not(Box::new(e)));
        }
        if !self.eat("@") {
            return Err(self.err(format!("unsupported predicate at '{}'", self.rest())));
        }
        let attr = self
            .name()
            .ok_or_else(|| self.err("expected an attribute name"))?;
        if self.eat("!=") {
            let v = self.literal()?;
            return Ok(Expr::Ne(attr, v));
        }
        if self.eat("=") {
            let v = self.literal()?;
            return Ok(Expr::Eq(attr, v));
        }
        Ok(Expr::Has(attr))
    }

    fn literal(&mut self) -> Result<String, XPathError> {
        self.skip_ws();
        let quote = match self.peek() {
            Some(q @ ('\'' | '"')) => q,
            _ => return Err(self.err("expected a quoted value")),
        };
        self.pos += 1;
        let start = self.pos;
        while self.peek().is_some_and(|c| c != quote) {
            self.pos += 1;
        }
        if self.peek().is_none() {
            return Err(self.err("unterminated string"));
        }
        let s = self.chars[start..self.pos]
            .iter()
            .map(|&(_, c)| c)
            .collect();
        self.pos += 1;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse_element;

    const CIB: &str = r#"<cib><configuration><crm_config><cluster_property_set id="o">
        <nvpair id="o-a" name="a" value="b"/><nvpair id="o-c" name="c" value="d"/>
        </cluster_property_set></crm_config><resources>
        <primitive id="x" class="ocf"/><group id="g"><primitive id="y"/><primitive id="z"/></group>
        </resources></configuration><status><node_state id="1"><lrm><lrm_resources>
        <lrm_resource id="x"><lrm_rsc_op id="x_last_0"/></lrm_resource></lrm_resources></lrm>
        </node_state></status></cib>"#;

    fn ids(expr: &str) -> Vec<String> {
        let root = parse_element(CIB).unwrap();
        select(&root, expr)
            .unwrap()
            .iter()
            .map(|e| e.id().unwrap_or(&e.name).to_string())
            .collect()
    }

    #[test]
    fn common_queries() {
        assert_eq!(ids("//primitive[@id='x']"), ["x"]);
        assert_eq!(ids("/cib/configuration/resources"), ["resources"]);
        assert_eq!(ids("//nvpair[@name='a' and @value='b']"), ["o-a"]);
        assert_eq!(
            ids("//nvpair[@name='a' and @value='zz']"),
            Vec::<String>::new()
        );
        assert_eq!(ids("//nvpair[@name='a' or @name=\"c\"]"), ["o-a", "o-c"]);
        assert_eq!(ids("//*[@id='x']"), ["x", "x"]);
        assert_eq!(ids("//primitive"), ["x", "y", "z"]);
        assert_eq!(ids("//primitive[1]"), ["x", "y"]);
        assert_eq!(ids("//group/primitive[last()]"), ["z"]);
        assert_eq!(ids("/cib/status//lrm_rsc_op"), ["x_last_0"]);
        assert_eq!(ids("//primitive[not(@class)]"), ["y", "z"]);
        assert_eq!(ids("//primitive[@class]"), ["x"]);
        assert_eq!(ids("/cib"), ["cib"]);
        assert_eq!(ids("//cib"), ["cib"]);
        assert_eq!(ids("/cib/*/resources/group/*[2]"), ["z"]);
        assert_eq!(ids("//nvpair[@id!='o-a']"), ["o-c"]);
    }

    #[test]
    fn rejects_unsupported_syntax() {
        for bad in [
            "",
            "//",
            "//primitive[",
            "//p[@id='x]",
            "//p/text()",
            "//p[0]",
            "//p[foo]",
        ] {
            assert!(XPath::parse(bad).is_err(), "{bad}");
        }
    }
}

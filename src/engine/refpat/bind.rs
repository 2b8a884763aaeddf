//! Binding patterns (`@bind.*` captures): what declarations say a name's type is, matched by
//! a few field lookups (see `BindPattern`).

use tree_sitter::{Language, Node};

use super::{ANY_KIND, Capture, Child, Parser, predicates_hold};

/// A pattern that gives a name a type (`@bind.*` captures, see `parse::types`): children's
/// chains under a root, each followed as in a reference pattern (a field's first child: `a`
/// of `a, b int`), and `#eq?` predicates; each name captured goes with the first type
/// captured. These roots (parameters, fields, declarations) are common: the general solver
/// cost 3 % of a cold index of jackson on them, and even one pass over the root's children
/// with a cursor (every child of a field) cost 0.4 % more than asking for each field's first.
#[derive(Debug)]
pub struct BindPattern {
    pub root: u16,
    chains: Vec<Child>,
    equal: Vec<(&'static str, &'static str)>,
    /// Every capture name the pattern has: a match makes each (its children all match).
    captures: Vec<&'static str>,
}

impl BindPattern {
    /// Parses one top-level pattern of chains with `@bind.*` captures; `None` for any other.
    pub fn parse(text: &'static str, language: &Language) -> Option<BindPattern> {
        let mut p = Parser::new(text, true, language, true)?;
        p.expect("(")?;
        let root = p.kind().filter(|k| *k != ANY_KIND)?;
        let (mut chains, mut equal) = (Vec::new(), Vec::new());
        while p.peek()? != ")" {
            if p.toks.get(p.at + 1) == Some(&"#eq?") {
                equal.push(p.predicate()?);
            } else {
                chains.push(p.child()?);
            }
        }
        p.expect(")")?;
        // The chains that name a value go last: the others (a type, a call) fail on most
        // nodes, and sooner (`let x = …` has no `type:`).
        let names_a_value = |c: &Child| {
            let mut names = Vec::new();
            c.capture_names(&mut names);
            names.iter().any(|n| NAME_CAPTURES.contains(n))
        };
        chains.sort_by_key(names_a_value);
        let mut captures = Vec::new();
        for c in &chains {
            c.capture_names(&mut captures);
        }
        captures.sort_unstable();
        captures.dedup();
        let has = |wanted: [&str; 2]| captures.iter().any(|n| wanted.contains(n));
        let whole = p.at == p.toks.len() && has(NAME_CAPTURES) && has(TYPE_CAPTURES);
        whole.then_some(BindPattern {
            root,
            chains,
            equal,
            captures,
        })
    }

    /// Calls `found` with `[name, type]`, or `[name, type, held]` when the pattern names what
    /// a wrapper holds, for each name this pattern binds at `node` (whose kind is `root`);
    /// `caps` is scratch space.
    pub fn for_each_match<'t>(
        &self,
        node: Node<'t>,
        text: &[u8],
        caps: &mut Vec<Capture<'t>>,
        found: &mut dyn FnMut(&[Capture<'t>]),
    ) {
        caps.clear();
        for chain in &self.chains {
            let before = caps.len();
            chain.for_each_capture(node, &mut |c, n, _| caps.push((c, n)));
            if caps.len() == before {
                return;
            }
        }
        // Chains are followed capture by capture: a sub-pattern whose other child failed
        // (`his.p` for `this.p`) still made some. With every capture made, a predicate
        // checks a node that is there (`self` of `self.x`, not of a longer chain).
        let all_made = self
            .captures
            .iter()
            .all(|n| caps.iter().any(|(c, _)| c == n));
        if !all_made || !predicates_hold(&self.equal, caps, text) {
            return;
        }
        let Some(&ty) = caps.iter().find(|(c, _)| TYPE_CAPTURES.contains(c)) else {
            return;
        };
        let held = caps.iter().find(|(c, _)| *c == HELD_CAPTURE).copied();
        for &name in caps.iter().filter(|(c, _)| NAME_CAPTURES.contains(c)) {
            match held {
                Some(held) => found(&[name, ty, held]),
                None => found(&[name, ty]),
            }
        }
    }
}

/// The captures of a binding pattern that name a value, and those that give its type.
pub(super) const NAME_CAPTURES: [&str; 2] = ["bind.name", "bind.field"];
pub(super) const TYPE_CAPTURES: [&str; 2] = ["bind.type", "bind.new"];
/// What a constructed wrapper is made to hold (`Semaphore` of `Arc::new(Semaphore::new(1))`).
pub(super) const HELD_CAPTURE: &str = "bind.held";

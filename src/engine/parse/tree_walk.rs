//! The one walk over every node of a parsed file.

use tree_sitter::{Node, Tree};

/// Calls `visit(node, ancestors)` for every node of `tree` in document order, not entering the
/// nodes whose kind `opaque` names (strings, comments: nothing inside them is code).
///
/// The walk keeps the ancestors of the current node, so a visit finds its containers without
/// `Node::parent` (which re-descends from the root on every call). It also counts each node's
/// children: a cursor's failing `goto_next_sibling` costs about two successful ones (it climbs
/// to the parent and back), and asking for one past every node's last child took 3 % of a cold
/// index of gin.
pub(super) fn walk<'t>(
    tree: &'t Tree,
    opaque: impl Fn(u16) -> bool,
    mut visit: impl FnMut(Node<'t>, &[Node<'t>]),
) {
    let mut ancestors: Vec<Node<'t>> = Vec::new();
    // For each ancestor, how many of its children are still to be visited.
    let mut siblings_left: Vec<u32> = Vec::new();
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        visit(node, &ancestors);
        let children = if opaque(node.kind_id()) {
            0
        } else {
            node.child_count()
        };
        if children > 0 && cursor.goto_first_child() {
            ancestors.push(node);
            siblings_left.push(children - 1);
            continue;
        }
        // A count the cursor disagrees with would end a level early; it never loops.
        loop {
            match siblings_left.last_mut() {
                None => return,
                Some(left) if *left > 0 && cursor.goto_next_sibling() => {
                    *left -= 1;
                    break;
                }
                Some(_) => {
                    siblings_left.pop();
                    ancestors.pop();
                    cursor.goto_parent();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tree_sitter::{Language, Parser};

    use super::*;

    /// What a plain cursor walk visits: (kind, start, end, depth) of each node.
    fn plain_walk(tree: &Tree, opaque: &dyn Fn(u16) -> bool) -> Vec<(u16, usize, usize, usize)> {
        let mut out = Vec::new();
        let mut cursor = tree.walk();
        let mut depth = 0;
        loop {
            let n = cursor.node();
            out.push((n.kind_id(), n.start_byte(), n.end_byte(), depth));
            if !opaque(n.kind_id()) && cursor.goto_first_child() {
                depth += 1;
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return out;
                }
                depth -= 1;
            }
        }
    }

    fn counted_walk(tree: &Tree, opaque: &dyn Fn(u16) -> bool) -> Vec<(u16, usize, usize, usize)> {
        let mut out = Vec::new();
        walk(tree, opaque, |n, ancestors| {
            if let Some(parent) = ancestors.last() {
                assert_eq!(n.parent().map(|p| p.id()), Some(parent.id()));
            }
            out.push((n.kind_id(), n.start_byte(), n.end_byte(), ancestors.len()));
        });
        out
    }

    /// Code in every grammar the engine parses, with the constructs whose trees hold hidden
    /// nodes, aliases and extras (comments between any two tokens).
    fn samples() -> Vec<(Language, &'static str)> {
        vec![
            (tree_sitter_rust::LANGUAGE.into(), include_str!("mod.rs")),
            (
                tree_sitter_python::LANGUAGE.into(),
                "import os\nclass A(B):\n    \"\"\"Doc.\"\"\"\n    def f(self, x: int = 1) -> str:\n        \
                 return f\"{x!r} # not a comment\"  # a comment\n@d\ndef g(*a, **k):\n    \
                 yield from (i for i in a if i)\n",
            ),
            (
                tree_sitter_javascript::LANGUAGE.into(),
                "import a, { b as c } from 'x';\nclass K extends L { #p = 1; m() { return `t${a}`; } }\n\
                 const f = async (x, ...r) => { /* c */ await x?.y?.(z); };\nexport default f;\n",
            ),
            (
                tree_sitter_typescript::LANGUAGE_TSX.into(),
                "interface I<T> { a?: T }\nenum E { A = 1 }\nfunction f<T extends I<T>>(x: T): T { \
                 return <div a={x}>{x as any}</div>; }\nabstract class C implements I<number> { \
                 constructor(private readonly s: Store) { super(); } }\n",
            ),
            (
                tree_sitter_go::LANGUAGE.into(),
                "package p\nimport (\n\t\"fmt\"\n\tx \"y/z\"\n)\ntype T struct { a, b int; c []map[string]*T }\n\
                 func (t *T) M(ctx context.Context) (err error) {\n\tswitch v := ctx.(type) {\n\tcase nil:\n\t\t\
                 return fmt.Errorf(\"%w\", err) // c\n\t}\n\tgo func() { ch <- 1 }()\n\treturn\n}\n",
            ),
            (
                tree_sitter_java::LANGUAGE.into(),
                "package a.b;\nimport java.util.*;\n@A public class K<T> extends L implements M {\n  \
                 private final Pool pool = new Pool();\n  /** doc */ @Override public <U> U m(T t) throws E {\n    \
                 return switch (t) { case X -> (U) t::run; default -> null; };\n  }\n}\n",
            ),
            (
                tree_sitter_c::LANGUAGE.into(),
                "#include <a.h>\n#define M(x) ((x) + 1)\ntypedef struct s { int a : 3; } S;\n\
                 static int f(S *s, ...) {\n#ifdef X\n  return s->a;\n#else\n  return M(0);\n#endif\n}\n",
            ),
            (
                tree_sitter_cpp::LANGUAGE.into(),
                "namespace n {\ntemplate <typename T> class C : public B<T> {\n public:\n  \
                 C() : p_(new T()) {}\n  auto f() const -> int override { return p_->g<int>(); }\n \
                 private:\n  std::unique_ptr<T> p_;\n};\n}  // namespace n\nint main() { [&](int x) { return x; }(1); }\n",
            ),
        ]
    }

    #[test]
    fn counting_children_visits_what_a_plain_cursor_walk_visits() {
        crate::engine::parse_memory::install();
        let mut rng = fastrand::Rng::with_seed(15);
        for (language, text) in samples() {
            let mut parser = Parser::new();
            parser.set_language(&language).unwrap();
            // Some real kinds as opaque (the first string-like and comment kinds), and none.
            let opaque_kinds: Vec<u16> = ["string", "string_literal", "comment", "line_comment"]
                .iter()
                .map(|k| language.id_for_node_kind(k, true))
                .filter(|&id| id != 0)
                .collect();
            let opaque = |k: u16| opaque_kinds.contains(&k);
            let none = |_: u16| false;
            // The sample, then broken variants: errors and missing nodes change the trees'
            // shapes (cuts and junk at random character boundaries).
            let mut variants = vec![text.to_string()];
            let chars: Vec<char> = text.chars().collect();
            for _ in 0..100 {
                let at = rng.usize(..chars.len());
                let mut broken: String = chars[..at].iter().collect();
                if rng.bool() {
                    broken.push_str(["{", ")", "\"", "/*", "<", ":"][rng.usize(..6)]);
                    broken.extend(&chars[rng.usize(at..chars.len())..]);
                }
                variants.push(broken);
            }
            for source in &variants {
                let tree = parser.parse(source, None).unwrap();
                for skip in [&opaque as &dyn Fn(u16) -> bool, &none] {
                    let plain = plain_walk(&tree, skip);
                    assert!(plain.len() > 1 || source.trim().is_empty());
                    assert_eq!(counted_walk(&tree, skip), plain, "{source}");
                }
            }
        }
    }
}

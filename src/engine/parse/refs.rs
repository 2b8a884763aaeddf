//! References: how a reference is written (its name with a `Qualifier`, what the code says
//! about where it points), and what the grammar languages' patterns capture: a call, a type,
//! a base class or a macro, by its name's bytes, with what a call is made on (a type the code
//! names, `Semaphore::new()`; a value, `inner.lock()`; a chain from an imported name,
//! `os.path.join()`), which the graph uses to choose among definitions of the name.

use serde::{Deserialize, Serialize};
use tree_sitter::Node;

use super::{Collected, RawRef, byte_range};
use crate::engine::lang::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RefKind {
    Call,
    Type,
    Inherit,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ref {
    /// The referenced name, with what the code says about where it points (`Utils::escape`,
    /// `?inner::lock`): see `Ref::qualified`.
    pub name: String,
    /// Enclosing symbol, `NONE` for file level.
    pub from: u32,
    pub kind: RefKind,
}

/// What the code says about where a referenced name points, beyond the name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Qualifier<'a> {
    /// Nothing: the scopes decide.
    None,
    /// The type or module the code names (`Utils` of `Utils::escape(…)`), or the caller's
    /// own (`self`, `this`).
    Named(&'a str),
    /// A value whose type the code does not say, by the name it goes by (`inner` of
    /// `self.inner.lock()`; empty for `make().lock()`).
    Value(&'a str),
    /// A value of the type a declaration names (`Context` of `c.Next()` in
    /// `func (c *Context) …`, `Observable` of `source.pipe()` for `source: Observable<T>`).
    Typed(&'a str),
    /// A name an import binds to what a module defines, which may be a value, a function, a
    /// class or a module (`app` of `app.route()` after `from demo import app`).
    Imported(&'a str),
    /// Only a function, never a method: a name alone where no method can be meant
    /// (`drop(x)`), or a module's (`os.path.join()`).
    Function,
}

/// Joins a qualifier to a referenced name. No name a reference holds contains it: the grammar
/// languages refer by a name's last segment, and the line reader reads names alone.
const QUALIFIER_SEPARATOR: &str = "::";

/// The marks that tell the qualifiers that are not a named type's apart: a type's name never
/// starts with one.
const VALUE_MARK: &str = "?";
const TYPED_MARK: &str = "%";
const IMPORTED_MARK: &str = "@";
const FUNCTION_MARK: &str = "-";

impl Ref {
    /// What a referenced `name` is qualified with, and the name: `Utils::escape`,
    /// `?inner::lock`, `%Context::Next`, `@app::route`, `-::drop`, or the name alone.
    pub fn qualified(name: &str) -> (Qualifier<'_>, &str) {
        let Some((qualifier, name)) = name.split_once(QUALIFIER_SEPARATOR) else {
            return (Qualifier::None, name);
        };
        let qualifier = if let Some(value) = qualifier.strip_prefix(VALUE_MARK) {
            Qualifier::Value(value)
        } else if let Some(ty) = qualifier.strip_prefix(TYPED_MARK) {
            Qualifier::Typed(ty)
        } else if let Some(imported) = qualifier.strip_prefix(IMPORTED_MARK) {
            Qualifier::Imported(imported)
        } else if qualifier == FUNCTION_MARK {
            Qualifier::Function
        } else {
            Qualifier::Named(qualifier)
        };
        (qualifier, name)
    }

    /// `name` qualified with `qualifier`, as `qualified` reads it.
    pub fn qualify(qualifier: Qualifier, name: &str) -> String {
        let (mark, text) = match qualifier {
            Qualifier::None => return name.to_string(),
            Qualifier::Named(q) => ("", q),
            Qualifier::Value(v) => (VALUE_MARK, v),
            Qualifier::Typed(t) => (TYPED_MARK, t),
            Qualifier::Imported(i) => (IMPORTED_MARK, i),
            Qualifier::Function => (FUNCTION_MARK, ""),
        };
        format!("{mark}{text}{QUALIFIER_SEPARATOR}{name}")
    }
}

/// What a call is made on, as far as the code says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CallOn {
    /// Nothing the graph can use: the scopes decide (`foo()` in Java, `obj.f()` in Python).
    Scope,
    /// The type or module the code names, or the caller's own (`self`, `this`), at these
    /// bytes: `Utils` of `Rack::Utils.escape(…)`.
    Named(usize, usize),
    /// A value whose type the code does not say (`inner.lock()`), with the bytes of its
    /// name if it has one (`inner`; none for `make().lock()`): which definition of the name
    /// it means is a guess, unless the value is named after its type (`layer.handle()`).
    Value(Option<(usize, usize)>),
    /// A chain of names rooted at the name at `root` (`os.path.join()`, `req.app.get()`,
    /// `self.inner.lock()`): a module's function when the file imports that name as a
    /// module (`import os`), `Qualifier::Imported` when it imports the name from a module
    /// (`from demo import app`), and otherwise the method of a value named `last` (`app` of
    /// `req.app`), `Typed` when declarations say its type.
    Through {
        root: (usize, usize),
        last: Option<(usize, usize)>,
    },
    /// A function's name alone where that never means a method (`drop(x)` in Rust).
    Bare,
}

/// The reference an `@inherit` or `@ref.*` capture of the name `node` makes, a call with
/// what it is made on. `parent` is the node's parent when the match knows it.
pub(super) fn push_node_ref(
    cname: &str,
    node: Node,
    parent: Option<Node>,
    lang: Lang,
    text: &str,
    col: &mut Collected,
) {
    push_ref(cname, byte_range(node), col);
    if cname == "ref.call"
        && let Some(r) = col.refs.last_mut()
    {
        r.on = match parent.or_else(|| node.parent()) {
            Some(parent) => call_on(node, parent, lang, text),
            None => CallOn::Scope,
        };
    }
}

/// What the call named by `name` is made on:
/// - the type or module the code names, `Named`: `Builder` of `runtime::Builder::new()`,
///   `Validate.notNull(…)`, `YAML::Load(…)`; or the caller's own (`self`, `this`, `Self`, `cls`);
/// - a value, in Rust, C, C++ and Java, where a module or package is never called through a
///   `.` or `->` (`inner.lock()`, `p->next()`, `list.get(i)`);
/// - in Python, JavaScript, TypeScript and Go, where a `.` follows a module as often as a
///   value (`os.path.join()`, `utils.merge()`, `http.Get()`), the name the chain starts from,
///   `Through`, which the file's imports decide; a chain from anything else (`this.router`,
///   `super()`, `get_app()`) is a value's;
/// - nothing but the name, `Bare`, in Rust, Python, JavaScript, TypeScript and Go, where that
///   never means a method (`drop(x)`); Java and C++ call their own class's methods so;
/// - else `Scope` (a lowercase module path, `mem::take()`): only scope can tell.
fn call_on(name: Node, parent: Node, lang: Lang, text: &str) -> CallOn {
    // Each of these kinds has what the call is made on (`path`, `scope`, `object`, `value`,
    // `argument`, `operand`), or the function called, as its first child: finding a field by
    // name scans the children for it.
    match parent.kind() {
        "scoped_identifier"
        | "qualified_identifier"
        | "method_invocation"
        | "attribute"
        | "member_expression"
        | "field_expression"
        | "selector_expression" => {}
        "call_expression" | "call" | "generic_function" if lang.calls_methods_on_objects_only() => {
            let alone = parent.child(0).is_some_and(|f| f.id() == name.id());
            return if alone { CallOn::Bare } else { CallOn::Scope };
        }
        _ => return CallOn::Scope,
    }
    let Some(receiver) = parent.child(0).filter(|q| q.id() != name.id()) else {
        return CallOn::Scope;
    };
    // Go's packages are lowercase; a capitalised operand is a package's variable.
    let named = if lang == Lang::Go {
        None
    } else {
        named_type(receiver, text)
    };
    // The receiver's names are read from its text: a chain of names is all name bytes and
    // dots, and asking the tree for each link's fields cost 1 % of a cold index of gin.
    let at = byte_range(receiver);
    match named {
        Some(at) => CallOn::Named(at.0, at.1),
        None if matches!(
            parent.kind(),
            "attribute"
                | "member_expression"
                | "selector_expression"
                | "field_expression"
                | "method_invocation"
        ) =>
        {
            match chain_root(text, at) {
                Some(root) => CallOn::Through {
                    root,
                    last: last_name(text, at),
                },
                None => CallOn::Value(last_name(text, at)),
            }
        }
        None => CallOn::Scope,
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// The bytes of the name a value at `start..end` goes by: `inner` of `self.inner`, `p` of
/// `p`; none for a call's result or an index's (`make()`, `items[0]`).
fn last_name(text: &str, (start, end): (usize, usize)) -> Option<(usize, usize)> {
    let bytes = text.as_bytes().get(start..end)?;
    let from = bytes
        .iter()
        .rposition(|&b| !is_name_byte(b))
        .map_or(0, |p| p + 1);
    (from < bytes.len() && !bytes[from].is_ascii_digit()).then_some((start + from, end))
}

/// The bytes of the name a chain of names at `start..end` starts from (`os` of `os.path`,
/// `this` of `this->impl`), if it is one: names joined by `.` or `->` and nothing else.
fn chain_root(text: &str, (start, end): (usize, usize)) -> Option<(usize, usize)> {
    let bytes = text.as_bytes().get(start..end)?;
    if !bytes
        .iter()
        .all(|&b| is_name_byte(b) || matches!(b, b'.' | b'-' | b'>'))
    {
        return None;
    }
    let len = bytes
        .iter()
        .position(|&b| matches!(b, b'.' | b'-' | b'>'))
        .unwrap_or(bytes.len());
    (len > 0 && !bytes[0].is_ascii_digit()).then_some((start, start + len))
}

/// The bytes of the type or module `receiver` names, its last segment (`runtime::Builder`,
/// `a.b.Utils`, a generic's type), when that is a capitalised name or the caller's own.
fn named_type(receiver: Node, text: &str) -> Option<(usize, usize)> {
    let mut q = receiver;
    for _ in 0..2 {
        let last = match q.kind() {
            "scoped_identifier" | "scoped_type_identifier" | "template_type" => "name",
            "generic_type" => "type",
            "field_access" => "field",
            "attribute" => "attribute",
            "member_expression" => "property",
            _ => break,
        };
        q = q.child_by_field_name(last)?;
    }
    let qualifier = text.get(q.start_byte()..q.end_byte())?;
    let named = qualifier.starts_with(|c: char| c.is_ascii_uppercase())
        && qualifier
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_');
    (named || is_own(qualifier)).then(|| byte_range(q))
}

/// The reference an `@inherit` or `@ref.*` capture of the name at bytes `start..end` makes.
pub(super) fn push_ref(cname: &str, (start, end): (usize, usize), col: &mut Collected) {
    let kind = match cname {
        "inherit" => RefKind::Inherit,
        "ref.type" => RefKind::Type,
        _ => RefKind::Call,
    };
    col.refs.push(RawRef {
        start,
        end,
        kind,
        bang: cname == "ref.macro",
        on: CallOn::Scope,
    });
}

/// Whether a call's qualifier is the caller's own object or type.
pub fn is_own(qualifier: &str) -> bool {
    matches!(qualifier, "self" | "this" | "Self" | "cls")
}

#[cfg(test)]
mod tests {
    use crate::engine::lang::Lang;
    use crate::engine::parse::{Parsers, RefKind, parse_file};

    /// The calls a file makes, as `Ref::qualified` reads them.
    fn calls(rel: &str, lang: Lang, text: &str) -> Vec<String> {
        let parsed = parse_file(rel, lang, text, &mut Parsers::default());
        parsed
            .refs
            .into_iter()
            .filter(|r| r.kind == RefKind::Call)
            .map(|r| r.name)
            .collect()
    }

    #[test]
    fn a_call_through_an_imported_name_is_a_modules_and_through_any_other_a_values() {
        let py = "import os.path\nimport numpy as np\nfrom . import helpers\n\
                  from .globals import _cv_request as cv\n\n\
                  def run(req):\n    os.path.join('a')\n    np.stack([])\n    helpers.merge()\n    \
                  cv.fetch(None)\n    req.app.dispatch()\n    get_app().close()\n";
        let got = calls("app.py", Lang::Python, py);
        let want = [
            "-::join",
            "-::stack",
            "@helpers::merge",
            "@cv::fetch",
            "?app::dispatch",
            "?::close",
        ];
        for want in want {
            assert!(got.contains(&want.to_string()), "{want} in {got:?}");
        }
        let js = "import utils from './utils.js';\nimport * as ns from 'ns';\n\
                  import { pick as choose } from './pick.js';\nconst path = require('path');\n\
                  function go(req) {\n  utils.merge({});\n  ns.visit();\n  choose.deep();\n  \
                  path.resolve('.');\n  req.app.handle();\n  this.router.route();\n}\n";
        for lang in [Lang::JavaScript, Lang::TypeScript] {
            let got = calls("go.js", lang, js);
            for want in [
                "@utils::merge",
                "-::visit",
                "@choose::deep",
                "@path::resolve",
                "?app::handle",
                "?router::route",
            ] {
                assert!(
                    got.contains(&want.to_string()),
                    "{lang:?}: {want} in {got:?}"
                );
            }
        }
        let go = "package web\n\nimport (\n\t\"net/http\"\n\tv \"github.com/go/validator/v10\"\n\t\
                  \"gopkg.in/yaml.v3\"\n)\n\nfunc Serve(c *Context) {\n\thttp.Get(\"/\")\n\t\
                  v.Check(c)\n\tyaml.Load(nil)\n\tc.engine.Render()\n}\n";
        let got = calls("web.go", Lang::Go, go);
        for want in ["-::Get", "-::Check", "-::Load", "?engine::Render"] {
            assert!(got.contains(&want.to_string()), "{want} in {got:?}");
        }
    }

    /// Each language's calls on values whose type a declaration names, and on values whose
    /// type it does not.
    #[test]
    fn a_call_on_a_value_of_a_declared_type_is_that_types() {
        /// A file, its language and text, the calls it makes on values of declared types and
        /// those on values of types it does not declare.
        type Case<'a> = (&'a str, Lang, &'a str, &'a [&'a str], &'a [&'a str]);
        let cases: [Case; 7] = [
            (
                "context.go",
                Lang::Go,
                "package gin\n\ntype Context struct {\n\tengine *Engine\n}\n\n\
                 func (c *Context) Next() {\n\tc.reset()\n\tc.engine.Render()\n\t\
                 p := &Pool{}\n\tp.Put()\n\tq := make()\n\tq.Take()\n}\n\n\
                 func serve(w http.ResponseWriter) {\n\tw.WriteHeader(200)\n}\n",
                &[
                    "%Context::reset",
                    "%Engine::Render",
                    "%Pool::Put",
                    "%ResponseWriter::WriteHeader",
                ],
                &["?q::Take"],
            ),
            (
                "app.py",
                Lang::Python,
                "from typing import Optional\n\n\
                 def run(app: Flask, ctx: Optional[AppContext] = None):\n    app.run()\n    \
                 ctx.push()\n    s = Session()\n    s.send()\n    x = make()\n    x.go()\n\n\
                 class Client:\n    timeout: Timer\n\n    def __init__(self):\n        \
                 self.pool = Pool()\n\n    def get(self):\n        self.pool.take()\n        \
                 self.timeout.start()\n        timeout.stop()\n",
                &[
                    "%Flask::run",
                    "%AppContext::push",
                    "%Session::send",
                    "%Pool::take",
                    "%Timer::start",
                ],
                // A method reads its class's fields through `self` only.
                &["?x::go", "?timeout::stop"],
            ),
            (
                "ops.ts",
                Lang::TypeScript,
                "export function pipe<T>(source: Observable<T>) {\n  source.subscribe();\n}\n\
                 class Shop {\n  router: Router;\n  constructor(private store: Store) {}\n  \
                 open() {\n    this.store.load();\n    this.router.route();\n    \
                 const cart = new Cart();\n    cart.add();\n    const any = pick();\n    \
                 any.go();\n  }\n}\n",
                &[
                    "%Observable::subscribe",
                    "%Store::load",
                    "%Router::route",
                    "%Cart::add",
                ],
                &["?any::go"],
            ),
            (
                "shop.js",
                Lang::JavaScript,
                "class Shop {\n  constructor() {\n    this.store = new Store();\n  }\n  \
                 open() {\n    this.store.load();\n    const cart = new Cart();\n    cart.add();\n  \
                 }\n}\n",
                &["%Store::load", "%Cart::add"],
                &[],
            ),
            (
                "A.java",
                Lang::Java,
                "class A {\n  private Pool pool;\n  void m(Conn c) {\n    c.open();\n    \
                 pool.get();\n    this.pool.put();\n    Ctx x = new Ctx();\n    x.run();\n    \
                 var y = make();\n    y.go();\n  }\n}\n",
                &["%Conn::open", "%Pool::get", "%Pool::put", "%Ctx::run"],
                &["?y::go"],
            ),
            (
                "lib.rs",
                Lang::Rust,
                "struct S {\n    inner: Arc<Inner>,\n}\n\nimpl S {\n    \
                 fn m(&self, c: &mut Conn) {\n        self.inner.lock();\n        c.send();\n        \
                 let p = Pool::new();\n        p.get();\n        let v = make();\n        \
                 v.go();\n        let sem = Arc::new(Semaphore::new(1));\n        \
                 sem.close();\n        let b = Box::new(Buf { n: 1 });\n        b.fill();\n        \
                 let q = Queue { items };\n        q.pop();\n        let w = Arc::new(make());\n        \
                 w.wake();\n    }\n}\n",
                &[
                    "%Inner::lock",
                    "%Conn::send",
                    "%Pool::get",
                    "%Semaphore::close",
                    "%Buf::fill",
                    "%Queue::pop",
                ],
                &["?v::go", "?w::wake"],
            ),
            (
                "a.cc",
                Lang::Cpp,
                "class A {\n  Pool* pool_;\n  void m(Conn& c) {\n    c.open();\n    \
                 pool_->get();\n    this->pool_->put();\n    Ctx x;\n    x.run();\n    \
                 auto y = make();\n    y.go();\n  }\n};\n",
                &["%Conn::open", "%Pool::get", "%Pool::put", "%Ctx::run"],
                &["?y::go"],
            ),
        ];
        for (rel, lang, text, typed, untyped) in cases {
            let got = calls(rel, lang, text);
            for want in typed.iter().chain(untyped) {
                assert!(
                    got.contains(&want.to_string()),
                    "{lang:?}: {want} in {got:?}"
                );
            }
        }
    }
}

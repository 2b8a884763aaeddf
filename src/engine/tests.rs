//! Engine tests on small fixture repositories written to temporary directories.

use std::path::Path;

use super::*;
use parse::RefKind;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).expect("create fixture dir");
    }
    std::fs::write(p, text).expect("write fixture file");
}

fn open(root: &Path) -> Index {
    Index::open(root, None, &|_, _| {}).expect("index fixture")
}

/// The file an answer to `question` about the folder cites first.
fn first_cited(root: &Path, question: &str) -> Option<String> {
    open(root)
        .answer(question, None)
        .citations
        .first()
        .map(|c| c.path.clone())
}

/// (start, end) of the symbol with this qualified name in `rel`.
fn range(idx: &Index, rel: &str, qual: &str) -> Option<(u32, u32)> {
    let fid = *idx.derived.path_ids.get(rel)?;
    let f = idx.file(fid)?;
    f.symbols
        .iter()
        .find(|s| s.qual() == qual)
        .map(|s| (s.start, s.end))
}

fn quals(idx: &Index, rel: &str) -> Vec<String> {
    idx.derived
        .path_ids
        .get(rel)
        .and_then(|id| idx.file(*id))
        .map(|f| f.symbols.iter().map(|s| s.qual().to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn rust_definitions_ranges_and_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/net.rs",
        "/// Listens for connections.\n\
         /// More docs.\n\
         pub struct Listener {\n\
         \x20   port: u16,\n\
         }\n\
         \n\
         impl Listener {\n\
         \x20   /// Accepts one connection.\n\
         \x20   #[inline]\n\
         \x20   pub fn accept(&self) -> u16 {\n\
         \x20       helper(self.port)\n\
         \x20   }\n\
         }\n\
         \n\
         fn helper(p: u16) -> u16 {\n\
         \x20   p + 1\n\
         }\n\
         \n\
         macro_rules! shout {\n\
         \x20   ($e:expr) => { $e };\n\
         }\n\
         \n\
         cfg_net! {\n\
         \x20   pub fn hidden_in_macro() -> u8 {\n\
         \x20       1\n\
         \x20   }\n\
         }\n",
    );
    let idx = open(dir.path());
    // The doc comment above is not part of the range; the struct starts at `pub struct`.
    assert_eq!(range(&idx, "src/net.rs", "Listener"), Some((3, 5)));
    assert_eq!(
        range(&idx, "src/net.rs", "Listener::accept"),
        Some((10, 12))
    );
    assert_eq!(range(&idx, "src/net.rs", "helper"), Some((15, 17)));
    assert_eq!(range(&idx, "src/net.rs", "shout!"), Some((19, 21)));
    assert_eq!(range(&idx, "src/net.rs", "hidden_in_macro"), Some((24, 26)));
    let f = idx.file(idx.derived.path_ids["src/net.rs"]).expect("file");
    let accept = f
        .symbols
        .iter()
        .find(|s| s.name() == "accept")
        .expect("accept");
    let text = std::fs::read_to_string(idx.root.join("src/net.rs")).expect("read");
    assert_eq!(accept.doc_in(&text), "Accepts one connection.");
    assert!(accept.signature_in(&text).starts_with("pub fn accept("));
    assert_eq!(accept.kind, parse::Kind::Method);
    // accept calls helper: a CALLS edge between them.
    let helper = f
        .symbols
        .iter()
        .position(|s| s.name() == "helper")
        .expect("helper") as u32;
    let accept_i = f
        .symbols
        .iter()
        .position(|s| s.name() == "accept")
        .expect("accept") as u32;
    assert!(
        f.edges
            .iter()
            .any(|e| e.from == accept_i && e.sym == helper && e.kind == RefKind::Call)
    );
}

#[test]
fn python_decorators_docstrings_and_methods() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "pkg/app.py",
        "# A comment above the class\n\
         class App:\n\
         \x20   \"\"\"The application.\"\"\"\n\
         \n\
         \x20   @property\n\
         \x20   @other.deco\n\
         \x20   def name(self):\n\
         \x20       \"\"\"Returns the name. More.\"\"\"\n\
         \x20       return 'x'\n\
         \n\
         \n\
         def free(a, b):\n\
         \x20   return a\n\
         \n\
         LIMIT = 3\n",
    );
    let idx = open(dir.path());
    assert_eq!(range(&idx, "pkg/app.py", "App"), Some((2, 9)));
    assert_eq!(
        range(&idx, "pkg/app.py", "App.name"),
        Some((5, 9)),
        "starts at the first decorator"
    );
    assert_eq!(range(&idx, "pkg/app.py", "free"), Some((12, 13)));
    assert_eq!(range(&idx, "pkg/app.py", "LIMIT"), Some((15, 15)));
    let f = idx.file(idx.derived.path_ids["pkg/app.py"]).expect("file");
    let name = f
        .symbols
        .iter()
        .find(|s| s.qual() == "App.name")
        .expect("App.name");
    let text = std::fs::read_to_string(idx.root.join("pkg/app.py")).expect("read");
    assert_eq!(name.doc_in(&text), "Returns the name. More.");
}

#[test]
fn javascript_assignment_style_definitions() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "lib/router.js",
        "var proto = module.exports = function(options) {\n\
         \x20 return options;\n\
         };\n\
         \n\
         proto.handle = function handle(req, res) {\n\
         \x20 return next();\n\
         };\n\
         \n\
         Layer.prototype.match = function match(path) {\n\
         \x20 return true;\n\
         };\n\
         \n\
         exports.compile = function(val) {\n\
         \x20 return val;\n\
         };\n\
         \n\
         defineGetter(req, 'ip', function ip() {\n\
         \x20 return 1;\n\
         });\n\
         \n\
         class Router {\n\
         \x20 route(path) {\n\
         \x20   return path;\n\
         \x20 }\n\
         }\n",
    );
    let idx = open(dir.path());
    let q = quals(&idx, "lib/router.js");
    assert_eq!(range(&idx, "lib/router.js", "proto"), Some((1, 3)), "{q:?}");
    assert_eq!(
        range(&idx, "lib/router.js", "proto.handle"),
        Some((5, 7)),
        "{q:?}"
    );
    assert_eq!(
        range(&idx, "lib/router.js", "Layer.prototype.match"),
        Some((9, 11)),
        "{q:?}"
    );
    assert_eq!(
        range(&idx, "lib/router.js", "exports.compile"),
        Some((13, 15)),
        "{q:?}"
    );
    assert_eq!(
        range(&idx, "lib/router.js", "req.ip"),
        Some((17, 19)),
        "{q:?}"
    );
    assert_eq!(
        range(&idx, "lib/router.js", "Router.route"),
        Some((22, 24)),
        "{q:?}"
    );
    assert_eq!(
        idx.find_definition("lib/router.js", "Layer.prototype.match"),
        Some((9, 11))
    );
    assert_eq!(idx.find_definition("lib/router.js", "handle"), Some((5, 7)));
}

#[test]
fn typescript_overloads_and_methods() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/op.ts",
        "/** Picks the value it is given. */\n\
         export function pick(a: string): string;\n\
         export function pick(a: number): number;\n\
         export function pick(a: any): any {\n\
         \x20 return a;\n\
         }\n\
         \n\
         export class Subject<T> extends Base implements Sink {\n\
         \x20 next(value: T): void {\n\
         \x20   this.emit(value);\n\
         \x20 }\n\
         \x20 // Sends the value to every observer, now or later.\n\
         \x20 send(value: T): void\n\
         \x20 // eslint-disable-next-line\n\
         \x20 send(value: T, later: boolean): void\n\
         \x20 send(value: T, later?: boolean): void {\n\
         \x20   this.next(value);\n\
         \x20 }\n\
         }\n\
         \n\
         export const config: Config = {\n\
         \x20 onError: null,\n\
         };\n",
    );
    let idx = open(dir.path());
    assert_eq!(
        range(&idx, "src/op.ts", "pick"),
        Some((4, 6)),
        "the implementation, not the overloads"
    );
    assert_eq!(range(&idx, "src/op.ts", "Subject.next"), Some((9, 11)));
    assert_eq!(range(&idx, "src/op.ts", "Subject.send"), Some((16, 18)));
    assert_eq!(range(&idx, "src/op.ts", "Subject"), Some((8, 19)));
    assert_eq!(range(&idx, "src/op.ts", "config"), Some((21, 23)));
    // The doc above the first overload is the implementation's.
    let text = std::fs::read_to_string(idx.root.join("src/op.ts")).expect("read");
    let doc = |qual: &str| {
        let (fid, si) = symbol_id(&idx, "src/op.ts", qual).expect(qual);
        idx.file(fid).expect("file").symbols[si as usize].doc_in(&text)
    };
    assert_eq!(doc("pick"), "Picks the value it is given.");
    assert_eq!(
        doc("Subject.send"),
        "Sends the value to every observer, now or later."
    );
    assert_eq!(doc("Subject.next"), "");
}

#[test]
fn go_java_c_cpp_definitions() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "srv/server.go",
        "package srv\n\n// Server serves.\ntype Server struct {\n\tport int\n}\n\nfunc (s *Server) Start() error {\n\treturn nil\n}\n",
    );
    write(
        dir.path(),
        "src/App.java",
        "class App {\n  /** Runs. */\n  @Override\n  public void run() {\n  }\n}\n",
    );
    write(
        dir.path(),
        "c/util.c",
        "#include \"util.h\"\n\n/* adds */\nint add(int a, int b) {\n  return a + b;\n}\n",
    );
    write(
        dir.path(),
        "cc/shape.cpp",
        "class Shape {\n public:\n  int area() { return 1; }\n};\n\nint Shape::perimeter() {\n  return 2;\n}\n",
    );
    let idx = open(dir.path());
    assert_eq!(range(&idx, "srv/server.go", "Server"), Some((4, 6)));
    assert_eq!(range(&idx, "srv/server.go", "Server.Start"), Some((8, 10)));
    assert_eq!(range(&idx, "src/App.java", "App.run"), Some((3, 5)));
    assert_eq!(range(&idx, "c/util.c", "add"), Some((4, 6)));
    assert_eq!(range(&idx, "cc/shape.cpp", "Shape::area"), Some((3, 3)));
    assert_eq!(
        idx.find_definition("cc/shape.cpp", "Shape::perimeter"),
        Some((6, 8))
    );
}

#[test]
fn cpp_headers_and_out_of_line_template_members() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "db/skiplist.h",
        "namespace db {\n\ntemplate <typename Key, class Cmp>\nclass SkipList {\n public:\n  \
         void Insert(const Key& key);\n\n private:\n  int RandomHeight();\n};\n\n\
         template <typename Key, class Cmp>\nint SkipList<Key, Cmp>::RandomHeight() {\n  \
         return 1;\n}\n\n}  // namespace db\n",
    );
    let idx = open(dir.path());
    let fid = idx.derived.path_ids["db/skiplist.h"];
    assert_eq!(idx.file(fid).map(|f| f.lang), Some(lang::Lang::Cpp));
    assert_eq!(range(&idx, "db/skiplist.h", "SkipList"), Some((3, 10)));
    assert_eq!(
        range(&idx, "db/skiplist.h", "SkipList::RandomHeight"),
        Some((12, 15)),
        "{:?}",
        quals(&idx, "db/skiplist.h")
    );
    let f = idx.file(fid).expect("file");
    let m = f.symbols.iter().find(|s| s.name() == "RandomHeight");
    assert_eq!(m.map(|s| s.kind), Some(parse::Kind::Method));
}

#[test]
fn a_long_class_is_cited_by_its_head_and_its_member_by_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut java =
        String::from("package p;\n\n/** Manages plugins. */\npublic class PluginManager {\n");
    java.push_str("  private final Registry registry;\n\n");
    for i in 0..40 {
        java.push_str(&format!(
            "  /** Helper {i}. */\n  void helper{i}() {{\n    registry.touch();\n  }}\n"
        ));
    }
    java.push_str("  /** Loads every plugin jar from the plugin folder. */\n");
    java.push_str("  public void loadPlugins() {\n    for (Jar jar : folder.jars()) {\n      registry.load(jar);\n    }\n  }\n}\n");
    write(dir.path(), "src/PluginManager.java", &java);
    let idx = open(dir.path());
    let a = idx.answer(
        "How does the plugin manager load plugin jars from the plugin folder?",
        None,
    );
    let (class_start, class_end) =
        range(&idx, "src/PluginManager.java", "PluginManager").expect("class");
    assert!(class_end - class_start > 150);
    let load = range(&idx, "src/PluginManager.java", "PluginManager.loadPlugins").expect("method");
    let cited: Vec<(u32, u32)> = a
        .citations
        .iter()
        .map(|c| (c.start_line, c.end_line))
        .collect();
    assert!(cited.contains(&load), "{cited:?}");
    // The class, when cited, is its head: declaration and fields, not its 170 lines.
    for (s, e) in &cited {
        assert!(e - s < 150, "{cited:?}");
    }
    assert!(cited.iter().all(|c| *c != (class_start, class_end)));
}

/// When a type scores above one of its own methods, the method is cited first: the type owes
/// its score to what it holds, and its head (or a struct's fields) shows none of that code.
#[test]
fn a_method_comes_before_the_type_that_holds_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut java = String::from("package p;\n\n/** Manages plugins. */\npublic class Manager {\n");
    for i in 0..40 {
        java.push_str(&format!("  void helper{i}() {{\n    touch();\n  }}\n\n"));
    }
    java.push_str("  public void loadPlugins() {\n    scan();\n  }\n}\n\n");
    java.push_str("class Small {\n  void run() {\n    go();\n  }\n}\n");
    write(dir.path(), "src/Manager.java", &java);
    let idx = open(dir.path());
    let fid = idx.derived.path_ids["src/Manager.java"];
    let f = idx.file(fid).expect("file");
    let sym = |qual: &str| f.symbols.iter().position(|s| s.qual() == qual).expect(qual) as u32;
    // Best first, as `search::rank` gives them.
    let ranked = |syms: &[(&str, f32)]| search::RankedFile {
        file: fid,
        score: 10.0,
        syms: syms
            .iter()
            .map(|&(q, score)| search::RankedSym { sym: sym(q), score })
            .collect(),
    };
    // The cited definitions, by their first line.
    let cited = |syms: &[(&str, f32)]| {
        let a = answer::render(&idx, "q", &[ranked(syms)]);
        a.citations.iter().map(|c| c.start_line).collect::<Vec<_>>()
    };
    let start = |qual: &str| range(&idx, "src/Manager.java", qual).expect(qual).0;
    let class = range(&idx, "src/Manager.java", "Manager").expect("class");
    assert!(class.1 - class.0 >= 150, "{class:?}");
    assert_eq!(
        cited(&[
            ("Manager", 9.0),
            ("Manager.loadPlugins", 8.0),
            ("Manager.helper3", 6.0)
        ]),
        [
            start("Manager.loadPlugins"),
            start("Manager"),
            start("Manager.helper3")
        ]
    );
    // What outscored the member stays ahead of it.
    assert_eq!(
        cited(&[
            ("Manager", 9.0),
            ("Small.run", 8.0),
            ("Manager.loadPlugins", 7.0)
        ]),
        [
            start("Small.run"),
            start("Manager.loadPlugins"),
            start("Manager")
        ]
    );
    // A long class cited by its head brings its best member, however low it scored, and that
    // member comes first too.
    assert_eq!(
        cited(&[("Manager", 9.0), ("Manager.loadPlugins", 2.0)]),
        [start("Manager.loadPlugins"), start("Manager")]
    );
    // A short class is cited whole, its code shown: it stays first.
    assert_eq!(
        cited(&[("Small", 9.0), ("Small.run", 8.0)]).first(),
        Some(&start("Small"))
    );
    // A Go struct's methods are written outside it, and are its members by name; the struct
    // cited whole shows none of them.
    let mut go = String::from("package p\n\n// Manager manages plugins.\ntype Manager struct {\n");
    for i in 0..3 {
        go.push_str(&format!("\tfield{i} int\n"));
    }
    go.push_str("}\n\n// Load loads the plugins.\nfunc (m *Manager) Load() {\n\tscan()\n}\n");
    write(dir.path(), "manager.go", &go);
    let idx = open(dir.path());
    let fid = idx.derived.path_ids["manager.go"];
    let f = idx.file(fid).expect("go file");
    let at = |qual: &str| f.symbols.iter().position(|s| s.qual() == qual).expect(qual);
    let ranked = search::RankedFile {
        file: fid,
        score: 10.0,
        syms: vec![
            search::RankedSym {
                sym: at("Manager") as u32,
                score: 9.0,
            },
            search::RankedSym {
                sym: at("Manager.Load") as u32,
                score: 8.0,
            },
        ],
    };
    let a = answer::render(&idx, "q", std::slice::from_ref(&ranked));
    assert_eq!(
        a.citations.first().map(|c| c.start_line),
        Some(f.symbols[at("Manager.Load")].start),
        "{}",
        a.markdown
    );
    // A method too weak to be cited for its own score is only there because a question about
    // what code does is answered by code: the type scored for what the question asks (what
    // it holds, say), and stays first.
    let mut weak = ranked;
    weak.syms[1].score = 2.0;
    let a = answer::render(&idx, "q", &[weak]);
    let starts: Vec<u32> = a.citations.iter().map(|c| c.start_line).collect();
    assert_eq!(
        starts,
        [
            f.symbols[at("Manager")].start,
            f.symbols[at("Manager.Load")].start
        ],
        "{}",
        a.markdown
    );
}

#[test]
fn imports_resolve_calls_across_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "pkg/a.py",
        "from .b import target\n\ndef caller():\n    return target()\n",
    );
    write(dir.path(), "pkg/b.py", "def target():\n    return 1\n");
    write(dir.path(), "other/c.py", "def target():\n    return 2\n");
    let idx = open(dir.path());
    let a = idx.derived.path_ids["pkg/a.py"];
    let b = idx.derived.path_ids["pkg/b.py"];
    let fa = idx.file(a).expect("a");
    assert_eq!(
        fa.import_files,
        vec![b],
        "relative import resolved to pkg/b.py"
    );
    // `target` is defined twice; the import decides which one is called.
    assert!(
        fa.edges
            .iter()
            .any(|e| e.file == b && e.kind == RefKind::Call)
    );
    assert!(
        !fa.edges
            .iter()
            .any(|e| e.file == idx.derived.path_ids["other/c.py"])
    );
}

/// A language without a grammar gets calls too, read from its lines: to the file's own
/// definitions only, so an answer says what calls what, and a name another file also defines is
/// not guessed at.
/// The calls the graph knows (not those it guessed) from the definitions of `rel`, sorted, as
/// (caller, `path:callee`).
fn known_calls(idx: &Index, rel: &str) -> Vec<(String, String)> {
    calls_from(idx, rel, false)
}

/// The calls the graph guessed at (kept for ranking, not shown), as `known_calls` lists them.
fn guessed_calls(idx: &Index, rel: &str) -> Vec<(String, String)> {
    calls_from(idx, rel, true)
}

fn calls_from(idx: &Index, rel: &str, guessed: bool) -> Vec<(String, String)> {
    edges_from(idx, rel, |e| e.kind == RefKind::Call && e.guess == guessed)
}

/// The edges `keep` accepts from the definitions of `rel`, sorted, as (source, `path:target`).
fn edges_from(
    idx: &Index,
    rel: &str,
    keep: impl Fn(&store::Edge) -> bool,
) -> Vec<(String, String)> {
    let f = idx.file(idx.derived.path_ids[rel]).expect("file");
    let mut calls: Vec<(String, String)> = f
        .edges
        .iter()
        .filter(|e| e.from != crate::engine::parse::NONE && keep(e))
        .map(|e| {
            let to = idx.file(e.file).expect("target");
            (
                f.symbols[e.from as usize].qual().to_string(),
                format!("{}:{}", to.rel, to.symbols[e.sym as usize].qual()),
            )
        })
        .collect();
    calls.sort();
    calls
}

/// A call from `from` to `to` as `known_calls` lists it.
fn call(from: &str, to: &str) -> (String, String) {
    (from.to_string(), to.to_string())
}

#[test]
fn text_languages_call_their_own_definitions() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "lib/glob.ml",
        "let explode str =\n  String.split_on_char ',' str\n\n\
         (* [glob] turns a shell wildcard into a regular expression. *)\n\
         let glob ?(expand_braces = false) s =\n  \
         if expand_braces then List.map to_re (explode s) else [to_re s]\n",
    );
    write(
        dir.path(),
        "lib/rack/lint.rb",
        "class Lint\n  def call(env)\n    check_env env\n    app.call(env)\n  end\n\n  \
         def check_env(env)\n    env.freeze\n  end\nend\n",
    );
    write(
        dir.path(),
        "lib/rack/app.rb",
        "def app\n  freeze\nend\n\ndef freeze\n  nil\nend\n",
    );
    let idx = open(dir.path());
    let calls_of = |rel: &str| known_calls(&idx, rel);
    assert_eq!(
        calls_of("lib/glob.ml"),
        [("glob".to_string(), "lib/glob.ml:explode".to_string())]
    );
    // `app` and `freeze` are defined in app.rb only: no edge crosses files by name alone.
    assert_eq!(
        calls_of("lib/rack/lint.rb"),
        [(
            "Lint.call".to_string(),
            "lib/rack/lint.rb:Lint.check_env".to_string()
        )]
    );
    let a = idx.answer("How are braces in a glob expanded into patterns?", None);
    assert!(
        a.markdown
            .contains("- Calls: `explode` (`lib/glob.ml:1-2`)")
            || a.markdown
                .contains("- Called from: `glob` (`lib/glob.ml:5-6`)"),
        "{}",
        a.markdown
    );
}

/// In a grammar language, a call on a type the code names (`Semaphore::new()`) means that
/// type's definition among those in scope, not another type's of the same name in the file;
/// a call on a type the workspace does not define (`Mutex::new`) means none of them; one on
/// `self` means the caller's own type's; a function's name alone is no method.
/// Python's `.` follows a module as often as a value: which one the imports say.
#[test]
fn a_call_through_a_module_is_its_function_and_through_a_value_a_guess() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "pkg/globals.py",
        "from contextvars import ContextVar\n\ncv_request = ContextVar('request')\n\n\
         class Session:\n    def get(self, key):\n        return key\n\n\
         class Globals:\n    def get(self, key):\n        return key\n",
    );
    write(
        dir.path(),
        "pkg/helpers.py",
        "def merge(a, b):\n    return a\n\n\nclass Merger:\n    def merge(self, a):\n        return a\n",
    );
    write(
        dir.path(),
        "pkg/blog.py",
        "def update(post):\n    return post\n",
    );
    write(
        dir.path(),
        "pkg/app.py",
        "import pkg.helpers\nfrom pkg.globals import cv_request\n\n\
         class App:\n    def url_for(self, values):\n        ctx = cv_request.get(None)\n        \
         values.update(ctx)\n        return pkg.helpers.merge(values, self.adapter())\n\n    \
         def adapter(self):\n        return None\n",
    );
    let idx = open(dir.path());
    // `cv_request` is a value the module defines: either `get` is a guess. `values` is a
    // value, which has no top-level function `update`. `pkg.helpers` is a module: its
    // function `merge`, not `Merger.merge`.
    assert_eq!(
        known_calls(&idx, "pkg/app.py"),
        [
            call("App.url_for", "pkg/app.py:App.adapter"),
            call("App.url_for", "pkg/helpers.py:merge")
        ]
    );
    let app = idx.file(idx.derived.path_ids["pkg/app.py"]).expect("file");
    let guessed = app.edges.iter().filter(|e| e.guess).count();
    assert_eq!(guessed, 3, "both gets and update: {:?}", app.edges);
    let answer = idx.answer("How does App url_for build a url?", None);
    assert!(
        !answer.markdown.contains("Session.get") && !answer.markdown.contains("`update`"),
        "{}",
        answer.markdown
    );
}

/// A value's type is not written in JavaScript or Python, but its name often says it.
#[test]
fn a_call_on_a_value_named_after_a_type_means_that_types_method() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "lib/layer.js",
        "function Layer(fn) {\n  this.fn = fn;\n}\n\n\
         Layer.prototype.handle_error = function handle_error(error, next) {\n  next(error);\n};\n\n\
         module.exports = Layer;\n",
    );
    write(
        dir.path(),
        "lib/route.js",
        "function Route() {}\n\nRoute.prototype.handle_error = function (error) {\n  return error;\n};\n\n\
         module.exports = Route;\n",
    );
    write(
        dir.path(),
        "lib/router.js",
        "var Layer = require('./layer');\nvar Route = require('./route');\n\
         var response = require('./response');\n\n\
         function trim_prefix(layer, error) {\n  layer.handle_error(error, trim_prefix);\n}\n\n\
         function dispatch(thing, error) {\n  thing.handle_error(error);\n}\n\n\
         function send(res) {\n  return res.get('Content-Type');\n}\n\n\
         module.exports = { trim_prefix, dispatch, send };\n",
    );
    write(
        dir.path(),
        "lib/response.js",
        "var res = Object.create(null);\n\nres.get = function (field) {\n  return field;\n};\n\n\
         module.exports = res;\n",
    );
    write(
        dir.path(),
        "lib/request.js",
        "var req = Object.create(null);\n\nreq.get = function (name) {\n  return name;\n};\n\n\
         module.exports = req;\n",
    );
    write(
        dir.path(),
        "app/blueprints.py",
        "class Blueprint:\n    def register(self, app):\n        return app\n\n\n\
         class Command:\n    def register(self, app):\n        return app\n",
    );
    write(
        dir.path(),
        "app/app.py",
        "from app.blueprints import Blueprint\n\n\nclass App:\n    \
         def register_blueprint(self, blueprint):\n        blueprint.register(self)\n\n    \
         def run(self, item):\n        item.register(self)\n",
    );
    let idx = open(dir.path());
    assert_eq!(
        known_calls(&idx, "lib/router.js"),
        [
            call("send", "lib/response.js:res.get"),
            call("trim_prefix", "lib/layer.js:Layer.prototype.handle_error")
        ]
    );
    assert_eq!(
        known_calls(&idx, "app/app.py"),
        [call(
            "App.register_blueprint",
            "app/blueprints.py:Blueprint.register"
        )]
    );
}

/// A call on a value whose type a declaration names means that type's method, a base type's
/// or a derived type's, and only those: `app = Flask()` reaches `Scaffold.route` through `Flask(App)` and
/// `App(Scaffold)`, a parameter `r: Router` reaches `Router.route`, not the other `route`s,
/// and `base: Base` reaches `Mount(Base).route`.
#[test]
fn a_call_on_a_value_of_a_declared_type_means_that_types_or_a_bases_method() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "web/scaffold.py",
        "class Scaffold:\n    def route(self, rule):\n        return rule\n\n\n\
         class App(Scaffold):\n    pass\n\n\nclass Flask(App):\n    pass\n",
    );
    write(
        dir.path(),
        "web/routing.py",
        "class Router:\n    def route(self, rule):\n        return rule\n\n\n\
         class Mount(Base):\n    def route(self, rule):\n        return rule\n",
    );
    write(
        dir.path(),
        "web/main.py",
        "from web.scaffold import Flask\nfrom web.routing import Router\n\n\
         app = Flask()\n\n\n@app.route('/')\ndef hello():\n    return 'hi'\n\n\n\
         def serve(router_like: Router):\n    router_like.route('/x')\n\n\n\
         def mount(base: Base):\n    base.route('/z')\n\n\n\
         def anything(thing):\n    thing.route('/y')\n",
    );
    let idx = open(dir.path());
    assert_eq!(
        known_calls(&idx, "web/main.py"),
        [
            call("app", "web/scaffold.py:Flask"),
            call("hello", "web/scaffold.py:Scaffold.route"),
            // `Base` is not defined here; `Mount` overrides what it declares.
            call("mount", "web/routing.py:Mount.route"),
            call("serve", "web/routing.py:Router.route"),
        ]
    );
    // The declared type also chooses among the definitions in scope: only the untyped
    // `thing.route()` keeps every `route` for ranking, as guesses.
    let mut guessing: Vec<String> = guessed_calls(&idx, "web/main.py")
        .into_iter()
        .map(|(from, _)| from)
        .collect();
    guessing.dedup();
    assert_eq!(guessing, ["anything"]);

    // The bases follow edits: with `App` no longer derived from `Scaffold`, `app.route` is of
    // no type the workspace defines, so a guess; with the base back, it is shown again.
    let mut idx = idx;
    let scaffold = dir.path().join("web/scaffold.py");
    let derived = std::fs::read_to_string(&scaffold).expect("read scaffold");
    write(
        dir.path(),
        "web/scaffold.py",
        &derived.replace("App(Scaffold)", "App"),
    );
    idx.update_files(std::slice::from_ref(&scaffold));
    assert!(
        !known_calls(&idx, "web/main.py")
            .contains(&call("hello", "web/scaffold.py:Scaffold.route"))
    );
    write(dir.path(), "web/scaffold.py", &derived);
    idx.update_files(std::slice::from_ref(&scaffold));
    assert!(
        known_calls(&idx, "web/main.py").contains(&call("hello", "web/scaffold.py:Scaffold.route"))
    );
}

/// In the languages read from lines, a call on a variable reaches another file only when the
/// variable is named after a class (`$this->logger->info(…)`).
#[test]
fn text_languages_call_into_the_class_a_variable_is_named_after() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/Logger.php",
        "<?php\nclass Logger\n{\n    public function info($message)\n    {\n        return $message;\n    }\n}\n",
    );
    write(
        dir.path(),
        "src/Handler.php",
        "<?php\nclass Handler\n{\n    public function info($message)\n    {\n        return null;\n    }\n}\n",
    );
    write(
        dir.path(),
        "src/App.php",
        "<?php\nclass App\n{\n    public function run($value)\n    {\n        \
         $this->logger->info('started');\n        $value->info('twice');\n    }\n}\n",
    );
    let idx = open(dir.path());
    assert_eq!(
        known_calls(&idx, "src/App.php"),
        [call("App.run", "src/Logger.php:Logger.info")]
    );
}

#[test]
fn a_call_on_a_named_type_means_that_types_definition() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/sem.rs",
        "struct Waiter;\nimpl Waiter {\n    fn new() -> Waiter {\n        Waiter\n    }\n\n    fn acquire(&self) {}\n}\n\n\
         struct Semaphore;\nimpl Semaphore {\n    fn new() -> Semaphore {\n        Semaphore\n    }\n\n    \
         fn acquire(&self) {\n        let w = Waiter::new();\n        let m = Mutex::new(1);\n    }\n\n    \
         fn release(&self) {\n        self.acquire();\n    }\n}\n\n\
         impl Drop for Waiter {\n    fn drop(&mut self) {}\n}\n\n\
         fn make() {\n    let s = Semaphore::new();\n    drop(s);\n    let w = Waiter::new();\n    w.acquire();\n}\n",
    );
    write(
        dir.path(),
        "pkg/app.py",
        "class Config:\n    def load(self):\n        return 1\n\n    def reload(self):\n        self.load()\n\n\
         class Cache:\n    def load(self):\n        return 2\n\n\
         def start():\n    Config.load(None)\n",
    );
    write(
        dir.path(),
        "src/main/java/org/x/Texts.java",
        "package org.x;\n\nclass Validate {\n    static void check(Object o) {}\n}\n\n\
         class Texts {\n    static void check(Object o) {}\n\n    \
         void join(Object o) {\n        Validate.check(o);\n        Objects.check(o);\n        this.trim();\n    }\n\n    \
         void trim() {}\n}\n\nclass Other {\n    void trim() {}\n}\n",
    );
    write(
        dir.path(),
        "src/node.cc",
        "namespace YAML {\nclass Node {\n public:\n  static Node Load();\n};\n\
         Node Node::Load() { return Node(); }\n\
         class Parser {\n public:\n  static Node Load();\n};\n\
         Node Parser::Load() { return Node::Load(); }\n}\n",
    );
    write(
        dir.path(),
        "lib/layer.ts",
        "export class Layer {\n  static create(): Layer {\n    return new Layer();\n  }\n\n  \
         handle(): void {\n    this.match();\n    Route.create();\n  }\n\n  match(): void {}\n}\n\n\
         export class Route {\n  static create(): Route {\n    return new Route();\n  }\n\n  match(): void {}\n}\n",
    );
    let idx = open(dir.path());
    // Every call here stays in its file: the targets without it.
    let calls_of = |rel: &str| -> Vec<(String, String)> {
        let prefix = format!("{rel}:");
        known_calls(&idx, rel)
            .into_iter()
            .map(|(from, to)| (from, to.replacen(&prefix, "", 1)))
            .collect()
    };
    assert_eq!(
        calls_of("src/sem.rs"),
        [
            call("Semaphore::acquire", "Waiter::new"),
            call("Semaphore::release", "Semaphore::acquire"),
            call("make", "Semaphore::new"),
            // `let w = Waiter::new(); w.acquire()`: a value of the type constructed.
            call("make", "Waiter::acquire"),
            call("make", "Waiter::new")
        ]
    );
    // `drop(s)` is a function, never `Waiter::drop`; `w.acquire()`, `w` a `Waiter`, is
    // `Waiter::acquire` alone, not also `Semaphore::acquire`.
    let guessed = guessed_calls(&idx, "src/sem.rs");
    assert!(guessed.is_empty(), "{guessed:?}");
    let sem = idx.file(idx.derived.path_ids["src/sem.rs"]).expect("file");
    assert!(
        !sem.edges
            .iter()
            .any(|e| sem.symbols[e.sym as usize].qual() == "Waiter::drop"),
        "{:?}",
        sem.edges
    );
    // `self.load()` is the caller's own class's.
    // Java's `Objects` is not the workspace's: no `check` of its own or `Validate`'s.
    assert_eq!(
        calls_of("src/main/java/org/x/Texts.java"),
        [
            call("Texts.join", "Texts.trim"),
            call("Texts.join", "Validate.check")
        ]
    );
    // `Node::Load()` in `Parser::Load` is `Node`'s, declared or defined, never `Parser`'s.
    let from_parser: Vec<(String, String)> = calls_of("src/node.cc")
        .into_iter()
        .filter(|(from, _)| from == "Parser::Load")
        .collect();
    assert!(
        !from_parser.is_empty() && from_parser.iter().all(|(_, to)| to == "Node::Load"),
        "{from_parser:?}"
    );
    assert_eq!(
        calls_of("lib/layer.ts")
            .into_iter()
            .filter(|(from, _)| from == "Layer.handle")
            .collect::<Vec<_>>(),
        [
            call("Layer.handle", "Layer.match"),
            call("Layer.handle", "Route.create")
        ]
    );
    assert_eq!(
        calls_of("pkg/app.py"),
        [
            call("Config.reload", "Config.load"),
            call("start", "Config.load")
        ]
    );
}

/// A call on a type or module the code names (`Utils.escape`, `Cset.union`) reaches the
/// definition in that container or module file, in another file; a call on a type the
/// workspace does not define reaches none, though the caller's file has a method of the name.
#[test]
fn text_languages_call_into_the_type_or_module_they_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "lib/rack/utils.rb",
        "module Rack\n  module Utils\n    def self.escape(s)\n      s\n    end\n  end\nend\n",
    );
    write(
        dir.path(),
        "lib/rack/request.rb",
        "module Rack\n  class Request\n    def path\n      Rack::Utils.escape(script_name)\n    end\n\n    \
         def full(a)\n      File.join(a)\n    end\n\n    def join(a)\n      a\n    end\n  end\nend\n",
    );
    write(dir.path(), "lib/cset.ml", "let union l l' =\n  l @ l'\n");
    write(
        dir.path(),
        "lib/core.ml",
        "let set a b =\n  Cset.union a b\n",
    );
    write(
        dir.path(),
        "src/Monolog/Utils.php",
        "<?php\nclass Utils\n{\n    public static function jsonEncode($data)\n    {\n        return $data;\n    }\n}\n",
    );
    write(
        dir.path(),
        "src/Monolog/Formatter/Json.php",
        "<?php\nclass Json\n{\n    public function format($record)\n    {\n        return Utils::jsonEncode($record);\n    }\n}\n",
    );
    let idx = open(dir.path());
    let calls_of = |rel: &str| known_calls(&idx, rel);
    let request = calls_of("lib/rack/request.rb");
    assert!(
        request.contains(&(
            "Rack.Request.path".to_string(),
            "lib/rack/utils.rb:Rack.Utils.escape".to_string()
        )),
        "{request:?}"
    );
    // `File.join` is Ruby's, not `Request#join`.
    assert!(
        !request.iter().any(|(_, to)| to.ends_with("join")),
        "{request:?}"
    );
    assert_eq!(
        calls_of("lib/core.ml"),
        [("set".to_string(), "lib/cset.ml:union".to_string())]
    );
    assert_eq!(
        calls_of("src/Monolog/Formatter/Json.php"),
        [(
            "Json.format".to_string(),
            "src/Monolog/Utils.php:Utils.jsonEncode".to_string()
        )]
    );
    let a = idx.answer("How does Utils jsonEncode encode data?", None);
    assert!(
        a.markdown
            .contains("- Called from: `Json.format` (`src/Monolog/Formatter/Json.php:4-7`)"),
        "{}",
        a.markdown
    );
    // `Rack::` names a module: the answer does not say the path "calls" it.
    let a = idx.answer("How is the request path escaped?", None);
    assert!(
        a.markdown
            .contains("- Calls: `Rack.Utils.escape` (`lib/rack/utils.rb:3-5`)\n"),
        "{}",
        a.markdown
    );
}

/// A Vue or Svelte component's scripts are parsed with the JavaScript or TypeScript grammar,
/// its definitions at their lines in the component; an ES module's import that names its file
/// (`./format.js`, `./Child.vue`) resolves to that file.
#[test]
fn component_scripts_are_parsed_and_imports_that_name_files_resolve() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/Search.vue",
        "<template>\n  <input @input=\"onInput\" />\n</template>\n\n\
         <script>\n\
         import { format } from './format.js'\n\
         import Child from './Child.vue'\n\
         export default {\n  \
         methods: {\n    \
         // Fetches suggestions for the query.\n    \
         getData(query) {\n      return format(query)\n    },\n    \
         onInput(event) {\n      this.getData(event.target.value)\n    }\n  \
         }\n}\n</script>\n",
    );
    write(
        dir.path(),
        "src/Child.vue",
        "<script setup lang=\"ts\">\nfunction pick(n: number): number {\n  return n\n}\n</script>\n\
         <template><p>{{ pick(1) }}</p></template>\n",
    );
    write(
        dir.path(),
        "src/format.js",
        "export function format(q) {\n  return q.trim()\n}\n",
    );
    write(
        dir.path(),
        "src/Empty.svelte",
        "<p>function notCode() {}</p>\n",
    );
    let idx = open(dir.path());
    assert_eq!(range(&idx, "src/Search.vue", "getData"), Some((11, 13)));
    assert_eq!(range(&idx, "src/Search.vue", "onInput"), Some((14, 16)));
    assert_eq!(range(&idx, "src/Child.vue", "pick"), Some((2, 4)));
    assert!(quals(&idx, "src/Empty.svelte").is_empty());
    let search = idx
        .file(idx.derived.path_ids["src/Search.vue"])
        .expect("Search.vue");
    let mut imported: Vec<&str> = search
        .import_files
        .iter()
        .map(|f| idx.file(*f).expect("imported").rel.as_str())
        .collect();
    imported.sort();
    assert_eq!(imported, ["src/Child.vue", "src/format.js"]);
    assert_eq!(search.lang, Lang::JavaScript);
    assert_eq!(
        idx.file(idx.derived.path_ids["src/Child.vue"])
            .map(|f| f.lang),
        Some(Lang::TypeScript)
    );
}

/// A Go package is a folder: an import names the folder, and a package's files see each other's
/// names without one. Both decide between definitions that share a name.
#[test]
fn go_references_resolve_within_the_package_and_through_imports() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "context.go",
        "package gin\n\nimport \"example.com/gin/binding\"\n\nfunc (c *Context) Bind() {\n\tb := binding.Default(c.method)\n\tvalidate(b)\n}\n",
    );
    write(
        dir.path(),
        "utils.go",
        "package gin\n\nfunc validate(b any) {}\n",
    );
    write(
        dir.path(),
        "binding/binding.go",
        "package binding\n\nfunc Default(method string) Binding {\n\treturn nil\n}\n\nfunc validate(b any) {}\n",
    );
    write(
        dir.path(),
        "render/render.go",
        "package render\n\nfunc Default(method string) Render {\n\treturn nil\n}\n",
    );
    let idx = open(dir.path());
    let id = |rel: &str| idx.derived.path_ids[rel];
    let context = idx.file(id("context.go")).expect("context.go");
    assert!(
        context.import_files.contains(&id("binding/binding.go")),
        "the import names the binding folder"
    );
    let called: Vec<u32> = context
        .edges
        .iter()
        .filter(|e| e.kind == RefKind::Call)
        .map(|e| e.file)
        .collect();
    assert!(called.contains(&id("binding/binding.go")), "{called:?}");
    assert!(called.contains(&id("utils.go")), "{called:?}");
    assert!(!called.contains(&id("render/render.go")), "{called:?}");
}

/// Tests refer to what they exercise; that says nothing about how central it is.
#[test]
fn tests_cast_no_pagerank_votes() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "src/a.py", "def alpha():\n    return 1\n");
    write(dir.path(), "src/b.py", "def beta():\n    return 2\n");
    let calls: String = (0..20).map(|_| "    alpha()\n").collect();
    write(
        dir.path(),
        "tests/test_a.py",
        &format!("from src.a import alpha\n\ndef test_alpha():\n{calls}"),
    );
    let idx = open(dir.path());
    let rank = |rel: &str| idx.derived.file_rank[idx.derived.path_ids[rel] as usize];
    let test = idx
        .file(idx.derived.path_ids["tests/test_a.py"])
        .expect("test");
    assert!(!test.edges.is_empty(), "the test's calls still resolve");
    assert!(
        (rank("src/a.py") - rank("src/b.py")).abs() < 1e-4,
        "a: {}, b: {}",
        rank("src/a.py"),
        rank("src/b.py")
    );
}

#[test]
fn retrieval_ranks_the_right_symbol_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/auth/session.py",
        "def verify_password(user, password):\n    \"\"\"Checks a password against the stored hash.\"\"\"\n    return hash_of(password) == user.hash\n\n\ndef hash_of(p):\n    return p\n",
    );
    write(
        dir.path(),
        "src/db/pool.py",
        "class ConnectionPool:\n    \"\"\"Keeps database connections.\"\"\"\n    def acquire(self):\n        return None\n",
    );
    write(
        dir.path(),
        "tests/test_session.py",
        "def test_verify_password():\n    verify_password(None, 'x')\n",
    );
    let idx = open(dir.path());
    let a = idx.answer("Where is the password verified?", None);
    assert_eq!(
        a.citations
            .first()
            .map(|c| (c.path.as_str(), c.start_line, c.end_line)),
        Some(("src/auth/session.py", 1, 3))
    );
    let b = idx.answer("How are database connections acquired from the pool?", None);
    assert_eq!(
        b.citations.first().map(|c| c.path.as_str()),
        Some("src/db/pool.py")
    );
    assert!(a.markdown.contains("src/auth/session.py:1-3"));
    assert!(a.markdown.contains("```python"));
    // Every citation is a real range of an existing file.
    for c in a.citations.iter().chain(&b.citations) {
        let text = std::fs::read_to_string(dir.path().join(&c.path)).expect("cited file exists");
        assert!(
            c.start_line >= 1
                && c.start_line <= c.end_line
                && c.end_line as usize <= text.lines().count()
        );
    }
}

#[test]
fn selection_favours_related_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "a/render.py",
        "def render_page(x):\n    return layout(x)\n\ndef layout(x):\n    return x\n",
    );
    write(
        dir.path(),
        "b/other.py",
        "def render_report(x):\n    return x\n",
    );
    let idx = open(dir.path());
    let sel = Selection {
        path: dir.path().join("a/render.py"),
        rel_path: "a/render.py".into(),
        start_line: 1,
        end_line: 2,
        text: "def render_page(x):\n    return layout(x)\n".into(),
    };
    let a = idx.answer("what does this render call?", Some(&sel));
    assert_eq!(
        a.citations.first().map(|c| c.path.as_str()),
        Some("a/render.py")
    );
}

#[test]
fn incremental_update_reflects_an_edit() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/lib.rs",
        "pub fn alpha() -> u8 {\n    1\n}\n",
    );
    write(
        dir.path(),
        "src/other.rs",
        "pub fn beta() -> u8 {\n    2\n}\n",
    );
    let mut idx = open(dir.path());
    assert!(idx.answer("zebra_crossing", None).citations.is_empty());
    write(
        dir.path(),
        "src/lib.rs",
        "pub fn alpha() -> u8 {\n    1\n}\n\n/// Handles the zebra crossing.\npub fn zebra_crossing() -> u8 {\n    beta()\n}\n",
    );
    idx.update_files(&[dir.path().join("src/lib.rs")]);
    let a = idx.answer("where is zebra_crossing?", None);
    assert_eq!(
        a.citations
            .first()
            .map(|c| (c.path.as_str(), c.start_line, c.end_line)),
        Some(("src/lib.rs", 6, 8))
    );
    // The new call edge is resolved too.
    let f = idx
        .file(idx.derived.path_ids["src/lib.rs"])
        .expect("lib.rs");
    assert!(
        f.edges
            .iter()
            .any(|e| e.file == idx.derived.path_ids["src/other.rs"])
    );
    // Deleting a file drops it.
    std::fs::remove_file(dir.path().join("src/other.rs")).expect("remove");
    idx.update_files(&[dir.path().join("src/other.rs")]);
    assert!(!idx.derived.path_ids.contains_key("src/other.rs"));
    assert_eq!(idx.stats().files, 1);
}

#[test]
fn cache_is_reused_and_changed_files_reparsed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = tempfile::tempdir().expect("cache");
    write(dir.path(), "a.py", "def one():\n    pass\n");
    write(dir.path(), "b.py", "def two():\n    pass\n");
    let first = Index::open(dir.path(), Some(cache.path()), &|_, _| {}).expect("first");
    assert_eq!(first.stats().reused, 0);
    let second = Index::open(dir.path(), Some(cache.path()), &|_, _| {}).expect("second");
    assert_eq!(second.stats().reused, 2);
    write(
        dir.path(),
        "b.py",
        "def two():\n    pass\n\ndef three_more():\n    pass\n",
    );
    write(dir.path(), "c.py", "def four():\n    pass\n");
    std::fs::remove_file(dir.path().join("a.py")).expect("remove");
    let third = Index::open(dir.path(), Some(cache.path()), &|_, _| {}).expect("third");
    assert_eq!(third.stats().files, 2);
    assert_eq!(
        third.stats().reused,
        0,
        "b.py changed size, c.py is new, a.py is gone"
    );
    assert!(third.find_definition("b.py", "three_more").is_some());
    assert!(third.find_definition("a.py", "one").is_none());
}

#[test]
fn corrupt_truncated_or_old_cache_is_rebuilt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = tempfile::tempdir().expect("cache");
    write(dir.path(), "m.py", "def solo():\n    pass\n");
    let idx = Index::open(dir.path(), Some(cache.path()), &|_, _| {}).expect("build");
    let file = store::cache_file(cache.path(), idx.root());
    let good = std::fs::read(&file).expect("cache written");
    assert_eq!(&good[..8], store::MAGIC);
    let mut old = good.clone();
    old[8..12].copy_from_slice(&(store::FORMAT_VERSION + 1).to_le_bytes());
    let mut flipped = good.clone();
    for b in flipped.iter_mut().skip(20).step_by(7) {
        *b ^= 0x5a;
    }
    for bad in [
        b"garbage".to_vec(),
        good[..good.len() / 2].to_vec(),
        old,
        flipped,
        Vec::new(),
    ] {
        std::fs::write(&file, &bad).expect("write bad cache");
        let idx = Index::open(dir.path(), Some(cache.path()), &|_, _| {}).expect("rebuilt");
        assert_eq!(idx.stats().reused, 0);
        assert_eq!(idx.find_definition("m.py", "solo"), Some((1, 2)));
        // …and the rebuilt cache is valid again.
        assert_eq!(
            std::fs::read(&file).expect("rewritten")[..8],
            store::MAGIC[..]
        );
    }
}

#[test]
fn walk_skips_vendored_generated_binary_and_large_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "src/ok.js", "function ok() { return 1; }\n");
    write(
        dir.path(),
        "node_modules/dep/index.js",
        "function dep() {}\n",
    );
    write(dir.path(), "vendor/x.go", "package x\nfunc X() {}\n");
    write(
        dir.path(),
        "src/gen.go",
        "// Code generated by tool. DO NOT EDIT.\npackage x\nfunc G() {}\n",
    );
    write(
        dir.path(),
        "assets/bridge.js",
        "/*! MIT License */\n/* Generated File. Do not edit. */\nvar bridge = 1;\n",
    );
    write(
        dir.path(),
        "src/keep.py",
        "# Do not edit this list without the server's.\nCODES = [1]\n",
    );
    // protoc's mark below a license header of 13 lines; a generator script whose template
    // holds the mark of what it writes, in another language's comment.
    let license =
        "# Copyright 2020 Google LLC\n#\n".repeat(6) + "# limitations under the License.\n\n";
    write(
        dir.path(),
        "google/type/date_pb2.py",
        &format!(
            "{license}# Generated by the protocol buffer compiler.  DO NOT EDIT!\nDESCRIPTOR = 1\n"
        ),
    );
    write(
        dir.path(),
        "src/make_groups.py",
        &format!(
            "{license}_header = \"\"\"\n// GENERATED BY make_groups.py; DO NOT EDIT.\n\"\"\"\n"
        ),
    );
    write(dir.path(), "src/app.min.js", "function a(){}\n");
    write(dir.path(), "src/ignored.py", "def ignored():\n    pass\n");
    write(dir.path(), ".gitignore", "src/ignored.py\n");
    std::fs::write(dir.path().join("src/bin.c"), b"int x;\0\0\0\x01\x02").expect("binary");
    write(dir.path(), "src/huge.py", &"x = 1\n".repeat(200_000));
    let idx = open(dir.path());
    let mut files: Vec<&str> = idx.files().map(|(_, f)| f.rel.as_str()).collect();
    files.sort();
    assert_eq!(
        files,
        vec!["src/keep.py", "src/make_groups.py", "src/ok.js"]
    );
}

#[test]
fn progress_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    for i in 0..5 {
        write(dir.path(), &format!("m{i}.py"), "def f():\n    pass\n");
    }
    let last = std::sync::Mutex::new((0, 0));
    let _ = Index::open(dir.path(), None, &|d, t| {
        if let Ok(mut l) = last.lock() {
            *l = (d, t);
        }
    })
    .expect("index");
    assert_eq!(*last.lock().expect("lock"), (5, 5));
}

#[test]
fn llm_helpers_keep_only_known_ids_in_order() {
    let snip = |id: &str, path: &str| Snippet {
        id: id.into(),
        path: path.into(),
        start_line: 1,
        end_line: 2,
        kind: "function".into(),
        name: "f".into(),
        text: "fn f() {}".into(),
    };
    let snippets = vec![snip("S1", "a.rs"), snip("S2", "b.rs"), snip("S3", "c.rs")];
    let msgs = llm_messages("how?", &snippets);
    assert_eq!(msgs.len(), 2);
    assert!(msgs[0].content.contains("ONLY"));
    assert!(msgs[1].content.contains("[S2] b.rs:1-2"));
    let cites = llm_citations(
        "See [S3] and [S9], then [S1][S3]; not S10x or XS2.",
        &snippets,
    );
    let paths: Vec<&str> = cites.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, vec!["c.rs", "a.rs"]);
}

#[test]
fn documents_matching_more_question_words_win() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/answers.rs",
        "/// Saves the answer as a Markdown file.\npub fn write(dir: &str, answer: &str) -> String {\n    format!(\"{dir}/{answer}.md\")\n}\n",
    );
    write(
        dir.path(),
        "src/paths.rs",
        "/// The file a written path points at.\npub fn file(written: &str) -> String {\n    written.to_string()\n}\n",
    );
    for i in 0..2 {
        write(
            dir.path(),
            &format!("src/answer_{i}.rs"),
            &format!("pub fn answer_{i}(answer: &str) -> usize {{\n    answer.len()\n}}\n"),
        );
    }
    assert_eq!(
        first_cited(dir.path(), "Where are answer files written?").as_deref(),
        Some("src/answers.rs")
    );
}

/// The derived statistics after incremental updates equal those of a full rebuild.
#[test]
fn incremental_statistics_match_a_full_rebuild() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/lib.rs",
        "mod other;\npub fn alpha() -> u8 {\n    other::beta()\n}\n",
    );
    write(
        dir.path(),
        "src/other.rs",
        "/// Beta.\npub fn beta() -> u8 {\n    2\n}\npub fn gamma() -> u8 {\n    beta()\n}\n",
    );
    write(dir.path(), "src/third.rs", "pub fn delta() {}\n");
    let mut idx = open(dir.path());
    write(
        dir.path(),
        "src/other.rs",
        "pub fn gamma() -> u8 {\n    beta()\n}\n/// Beta, now second.\npub fn beta() -> u8 {\n    alpha_two()\n}\npub fn alpha_two() -> u8 { 3 }\n",
    );
    write(
        dir.path(),
        "src/new.rs",
        "pub fn epsilon() {\n    beta();\n}\n",
    );
    std::fs::remove_file(dir.path().join("src/third.rs")).expect("remove");
    idx.update_files(&[
        dir.path().join("src/other.rs"),
        dir.path().join("src/new.rs"),
        dir.path().join("src/third.rs"),
    ]);
    let snapshot = |idx: &Index| {
        let d = &idx.derived;
        let mut names: Vec<(String, Vec<(u32, u32)>)> = d
            .names
            .iter()
            .map(|(k, v)| {
                let mut v = v.clone();
                v.sort_unstable();
                (k.clone(), v)
            })
            .collect();
        names.sort();
        let mut counts: Vec<(String, u32)> =
            d.name_count.iter().map(|(k, v)| (k.clone(), *v)).collect();
        counts.sort();
        let mut paths: Vec<(String, u32)> =
            d.path_ids.iter().map(|(k, v)| (k.clone(), *v)).collect();
        paths.sort();
        (
            d.df_sym.clone(),
            d.df_file.clone(),
            (d.n_sym, d.n_file, d.avg_sym, d.avg_file, d.avg_path),
            names,
            counts,
            paths,
            d.indeg.clone(),
        )
    };
    let incremental = snapshot(&idx);
    idx.derive();
    idx.derive_graph();
    assert_eq!(incremental, snapshot(&idx));
}

/// During a cold build, a method's doc comment that best matches the question cites the
/// method, though its class encloses the comment too.
#[test]
fn a_partial_answer_cites_the_method_below_its_doc_comment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let class = "public class Queue\n{\n    private int size;\n\n    /// <summary>Drops every stale entry.</summary>\n    public void Purge()\n    {\n        size = 0;\n    }\n\n    public int Length()\n    {\n        return size;\n    }\n}\n";
    write(dir.path(), "src/Queue.cs", class);
    let root = std::fs::canonicalize(dir.path()).expect("root");
    let building = Building::default();
    building.discovered(&root, ["src/Queue.cs"].into_iter());
    let parsed = parse::parse_file(
        "src/Queue.cs",
        lang::Lang::Text,
        class,
        &mut parse::Parsers::default(),
    );
    building.indexed("src/Queue.cs", &parsed.symbols);
    let a = building
        .answer("Where are stale entries dropped?")
        .expect("answer");
    assert_eq!(a.citations[0].path, "src/Queue.cs");
    assert_eq!(
        (a.citations[0].start_line, a.citations[0].end_line),
        (6, 9),
        "{}",
        a.markdown
    );
}

#[test]
fn a_cold_build_answers_partially_from_what_it_has_so_far() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/scheduler.rs",
        "/// Picks the next task.\npub fn next_task(queue: &mut Vec<u32>) -> Option<u32> {\n    queue.pop()\n}\n",
    );
    write(
        dir.path(),
        "src/timer.rs",
        "// The wheel of timers.\nfn tick() {}\n\n\n\n\n\nfn expire_timers() {\n    // every timer whose deadline passed\n}\n",
    );
    let building = Building::default();
    assert!(
        building.answer("anything").is_none(),
        "nothing before the walk"
    );
    // A build that has found both files and parsed one.
    let root = std::fs::canonicalize(dir.path()).expect("root");
    building.discovered(&root, ["src/scheduler.rs", "src/timer.rs"].into_iter());
    let parsed = parse::parse_file(
        "src/scheduler.rs",
        lang::Lang::Rust,
        &std::fs::read_to_string(root.join("src/scheduler.rs")).expect("read"),
        &mut parse::Parsers::default(),
    );
    building.indexed("src/scheduler.rs", &parsed.symbols);
    assert_eq!(building.progress(), Some((1, 2)));

    let a = building
        .answer("How is the next task picked?")
        .expect("answer");
    assert!(a.markdown.starts_with("_Partial answer"), "{}", a.markdown);
    assert!(a.markdown.contains("1 of 2 files"), "{}", a.markdown);
    // The parsed file is cited at its definition.
    assert_eq!(a.citations[0].path, "src/scheduler.rs");
    assert_eq!((a.citations[0].start_line, a.citations[0].end_line), (2, 4));
    // The file not parsed yet is found by its words and cited around its best line.
    let a = building
        .answer("Where do timers expire once their deadline passed?")
        .expect("answer");
    assert_eq!(a.citations[0].path, "src/timer.rs");
    assert_eq!(
        (a.citations[0].start_line, a.citations[0].end_line),
        (1, 10)
    );

    // A whole build through the observer ends with every file indexed.
    let observed = Building::default();
    Index::open_observed(dir.path(), None, &|_, _| {}, &observed).expect("index");
    assert_eq!(observed.progress(), Some((2, 2)));
}

/// "C stack" is `cstack` in the code: a one-letter word joins its neighbour, and the function
/// named after the pair wins over ones that only say "stack".
#[test]
fn a_one_letter_word_joins_its_neighbour() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/state.c",
        "void check_cstack (State *L) {\n  if (L->depth > 200)\n    raise(L);\n}\n",
    );
    write(
        dir.path(),
        "src/grow.c",
        "/* Grows the stack when it would overflow. */\nvoid grow_stack (State *L, int n) {\n  L->size += n;\n}\n\n/* Shrinks the stack. */\nvoid shrink_stack (State *L) {\n  L->size /= 2;\n}\n",
    );
    assert_eq!(
        first_cited(dir.path(), "What happens when the C stack is too deep?").as_deref(),
        Some("src/state.c")
    );
}

/// A method read like a field is shown as a property, in every language that has them; a
/// method named `get` and a plain method stay methods.
#[test]
fn properties_are_shown_as_properties() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = [
        (
            "cart.py",
            "class Cart:\n    @property\n    def total(self):\n        \"\"\"The total price with the discount.\"\"\"\n        return sum(self.prices) - self.discount\n\n    def checkout(self, card):\n        \"\"\"Charges the card for the order.\"\"\"\n        card.charge(self.total)\n",
        ),
        (
            "queue.ts",
            "export class Queue {\n  /** How many jobs wait in the queue. */\n  get length(): number {\n    return this.jobs.length;\n  }\n  /** Takes the job stored under a key out of the queue. */\n  get(key: string): Job {\n    return this.jobs.take(key);\n  }\n}\n",
        ),
        (
            "Reader.cs",
            "public class Reader\n{\n    /// <summary>The nesting depth of the current token.</summary>\n    public int Depth\n    {\n        get { return _stack.Count; }\n    }\n}\n",
        ),
        (
            "Inbox.kt",
            "class Inbox {\n    /** Whether no message is waiting in the inbox. */\n    val isEmpty: Boolean\n        get() = messages.size == 0\n\n    init {\n        // Opens the mailbox store for the inbox.\n        store.open()\n    }\n}\n",
        ),
        (
            "invoice.dart",
            "class Invoice {\n  /// The invoice amount with tax added.\n  double get grossAmount {\n    return net * 1.2;\n  }\n}\n",
        ),
    ];
    for (rel, text) in files {
        write(dir.path(), rel, text);
    }
    let idx = open(dir.path());
    let shown = |q: &str| idx.answer(q, None).markdown;
    for (question, line) in [
        (
            "What is the total price with the discount?",
            "property `Cart.total`",
        ),
        (
            "How many jobs wait in the queue?",
            "property `Queue.length`",
        ),
        (
            "What is the nesting depth of the current token?",
            "property `Reader.Depth`",
        ),
        (
            "Whether no message is waiting in the inbox?",
            "property `Inbox.isEmpty`",
        ),
        (
            "What is the invoice amount with tax added?",
            "property `Invoice.grossAmount`",
        ),
        (
            "How is the card charged for the order?",
            "method `Cart.checkout`",
        ),
        (
            "How is a job taken out of the queue by its key?",
            "method `Queue.get`",
        ),
        ("Where is the mailbox store opened?", "method `Inbox.init`"),
    ] {
        let md = shown(question);
        assert!(md.contains(line), "{question}: no {line} in\n{md}");
    }
}

/// A C++ class declared in a header lists its members and what they do; a question about how
/// something is done is answered by the code that does it, in the source file.
#[test]
fn a_header_class_yields_to_the_code_it_declares() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "db/cache.h",
        "// Entries by key; when the cache is full the oldest entry is evicted.\nclass Cache {\n public:\n  void Insert(const Key& key);\n  int size() const { return size_; }\n private:\n  // Oldest entry first: the entry evicted when the cache is full.\n  List entries_;\n  // How many entries the cache holds before the oldest is evicted.\n  int capacity_;\n};\n",
    );
    write(
        dir.path(),
        "db/lru.cc",
        "// Evicts the oldest entry of the cache.\nvoid Evict(Cache* cache) {\n  if (!cache->full()) return;\n  Entry* oldest = cache->entries.front();\n  cache->entries.pop_front();\n  delete oldest;\n}\n",
    );
    assert_eq!(
        first_cited(
            dir.path(),
            "How is the oldest entry evicted when the cache is full?"
        )
        .as_deref(),
        Some("db/lru.cc")
    );
}

/// A helper defined inside a function counts for less than a definition of its own: the
/// nested `retry` of a request sender yields to the module's own `retry`, which the question
/// describes as well.
#[test]
fn a_nested_helper_yields_to_a_definition_of_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "lib/send.js",
        "function send(req) {\n  // Retries the request after a delay when the server is busy.\n  function retry(delay) {\n    setTimeout(() => send(req), delay);\n  }\n  return req.busy ? retry(100) : req;\n}\n",
    );
    write(
        dir.path(),
        "lib/retry.js",
        "// Retries the request after a delay when the server is busy.\nfunction retry(req, delay) {\n  setTimeout(() => req.send(), delay);\n}\n",
    );
    assert_eq!(
        first_cited(
            dir.path(),
            "How is a request retried after a delay when the server is busy?"
        )
        .as_deref(),
        Some("lib/retry.js")
    );
}

/// "C calls" are `ccalls` in the code though "calls" alone is a stopword: the one-letter word
/// still joins it.
#[test]
fn a_one_letter_word_joins_a_stopword_neighbour() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/state.c",
        "void check_depth (State *L) {\n  if (L->nCcalls > 200)\n    raise_nesting(L);\n}\n",
    );
    write(
        dir.path(),
        "src/nest.c",
        "/* Raises an error when calls nest deeper than allowed. */\nvoid raise_nesting (State *L) {\n  error(L, \"nested calls\");\n}\n",
    );
    assert_eq!(
        first_cited(dir.path(), "What happens when nested C calls pile up?").as_deref(),
        Some("src/state.c")
    );
}

/// A "process id" is a `pid` in the code ("entity tag" an `etag`): two words written as the
/// first one's initial and the second still meet the code named that way.
#[test]
fn two_words_meet_the_name_that_keeps_only_the_first_ones_initial() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "lib/daemon.rb",
        "module Srv\n  class Daemon\n    def save_pid(path)\n      File.write(path, Process.pid.to_s)\n    end\n  end\nend\n",
    );
    write(
        dir.path(),
        "lib/queue.rb",
        "module Srv\n  # Takes each id off the queue and saves its process record.\n  class Queue\n    def drain(ids)\n      ids.each { |id| save_record(id) }\n    end\n  end\nend\n",
    );
    assert_eq!(
        first_cited(dir.path(), "Where is the process id saved?").as_deref(),
        Some("lib/daemon.rb")
    );
}

/// "What does an error … carry": the type named for the error is the answer, not a larger
/// type the question's other words describe better.
#[test]
fn a_question_about_what_a_thing_holds_cites_the_type_named_for_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "context.go",
        "package web\n\n// Context carries the request, its errors and the response writer.\n\
         type Context struct {\n\tRequest *Request\n\tErrors []*Error\n\tWriter Writer\n\tKeys map[string]any\n}\n",
    );
    write(
        dir.path(),
        "errors.go",
        "package web\n\n// Error is one failure.\ntype Error struct {\n\tErr error\n\tMeta any\n}\n",
    );
    for name in ["router", "render", "logger", "static", "binding", "tree"] {
        write(
            dir.path(),
            &format!("{name}.go"),
            &format!(
                "package web\n\n// {name} does its own work.\nfunc {name}Run(n int) int {{\n\treturn n + 1\n}}\n"
            ),
        );
    }
    let idx = open(dir.path());
    let a = idx.answer(
        "What does an error attached to the request context carry?",
        None,
    );
    assert_eq!(
        a.citations.first().map(|c| (c.path.as_str(), c.start_line)),
        Some(("errors.go", 4))
    );
}

/// Overloads say one thing three times: a file of overloads does not outrank the file whose
/// single definition answers better.
#[test]
fn overloads_count_once_in_a_files_score() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/Settings.java",
        "class Settings {\n\
         \x20   /** The escape mode: how special characters are output as entities. */\n\
         \x20   public Mode escapeMode() {\n        return escapeMode;\n    }\n\
         \x20   /** Sets the escape mode: how special characters are output as entities. */\n\
         \x20   public Settings escapeMode(Mode escapeMode) {\n        this.escapeMode = escapeMode;\n        return this;\n    }\n\
         \x20   /** Sets the escape mode, by name: how special characters are output as entities. */\n\
         \x20   public Settings escapeMode(String name) {\n        return escapeMode(Mode.valueOf(name));\n    }\n\
         }\n",
    );
    write(
        dir.path(),
        "src/Entities.java",
        "class Entities {\n\
         \x20   /** Escapes special characters in a string as entities, for HTML output. */\n\
         \x20   public static String escape(String text, Mode mode) {\n\
         \x20       StringBuilder out = new StringBuilder();\n\
         \x20       for (char c : text.toCharArray()) {\n\
         \x20           out.append(mode.entityFor(c));\n\
         \x20       }\n\
         \x20       return out.toString();\n\
         \x20   }\n\
         }\n",
    );
    for name in ["Parser", "Node", "Element", "Tokeniser"] {
        write(
            dir.path(),
            &format!("src/{name}.java"),
            &format!(
                "class {name} {{\n    /** Reads the input. */\n    void read(String input) {{\n        input.length();\n    }}\n}}\n"
            ),
        );
    }
    assert_eq!(
        first_cited(
            dir.path(),
            "How are special characters escaped as entities in the output?"
        )
        .as_deref(),
        Some("src/Entities.java")
    );
}

/// "The error handler" is code that catches errors: the operator named for catching answers,
/// though the question never says "catch" and a file about errors says "handler" itself.
#[test]
fn an_error_handler_is_what_catches_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/catchError.ts",
        "/** Continues with the observable that the selector returns for the source's error. */\n\
         export function catchError(selector) {\n  return (source) => source.pipe(selector);\n}\n",
    );
    write(
        dir.path(),
        "src/reporting.ts",
        "/** The handler called for an error nobody subscribed to: logs the error of the source. */\n\
         export function reportUnhandledError(err) {\n  console.error(err);\n}\n",
    );
    assert_eq!(
        first_cited(
            dir.path(),
            "What happens when the error handler returns a replacement observable?"
        )
        .as_deref(),
        Some("src/catchError.ts")
    );
}

/// "What happens … when the runtime is dropped": the runtime's `drop` runs then, though files
/// about dropping tasks say more of the question's words.
#[test]
fn what_happens_when_a_thing_is_dropped_cites_its_drop() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/runtime.rs",
        "pub struct Runtime {\n    scheduler: Scheduler,\n}\n\n\
         impl Drop for Runtime {\n    fn drop(&mut self) {\n        self.scheduler.shutdown();\n    }\n}\n",
    );
    write(
        dir.path(),
        "src/task.rs",
        "/// Drops the task: a running task is dropped when its future completes.\n\
         pub fn drop_task(task: Task) {\n    task.release();\n}\n\n\
         /// Tasks still running are dropped by their owner.\n\
         pub fn drop_running_tasks(tasks: Vec<Task>) {\n    for t in tasks {\n        drop_task(t);\n    }\n}\n",
    );
    assert_eq!(
        first_cited(
            dir.path(),
            "What happens to tasks that are still running when the runtime is dropped?"
        )
        .as_deref(),
        Some("src/runtime.rs")
    );
}

/// What is "unhandled" is caught by the code that handles it: "an unhandled exception" finds
/// `handle_exception` ahead of other code about exceptions.
#[test]
fn an_unhandled_thing_finds_what_handles_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "app.py",
        "class App:\n    def handle_exception(self, e):\n        \"\"\"Log the exception and return a server error.\"\"\"\n        self.log(e)\n        return InternalServerError()\n",
    );
    write(
        dir.path(),
        "errors.py",
        "def format_exception(e):\n    \"\"\"Format an exception: the exception's type, message and the exception's traceback.\"\"\"\n    return str(e)\n",
    );
    assert_eq!(
        first_cited(dir.path(), "What happens to an unhandled exception?").as_deref(),
        Some("app.py")
    );
}

/// A hook with nothing to run (it returns a constant, or raises "not implemented") describes in
/// its doc what the code that calls it does; that code is the answer.
#[test]
fn a_hook_with_nothing_to_run_yields_to_the_code_that_calls_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "validator.py",
        "class Validator:\n    def is_origin_allowed(self, client, origin):\n        \"\"\"Whether a browser client's origin may access the token endpoint.\"\"\"\n        return False\n",
    );
    write(
        dir.path(),
        "grant.py",
        "class Grant:\n    def cors_headers(self, request):\n        origin = request.headers.get('Origin')\n        if self.validator.is_origin_allowed(request.client, origin):\n            return {'Access-Control-Allow-Origin': origin}\n        return {}\n",
    );
    assert_eq!(first_cited(dir.path(), "Where does the server decide whether a token response gets an Access-Control-Allow-Origin header for a browser client?").as_deref(), Some("grant.py"));
}

/// A long string literal is data (an embedded script, a template): its words do not make the
/// code around it an answer.
#[test]
fn words_of_a_long_string_literal_do_not_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "script.go",
        "package cli\n\nfunc WriteScript(w Writer) {\n\tw.Write(`\n# completion: is the word a flag value?\nfor word in words; do\n  if is_flag_value word; then complete_flag_value word; fi\n  # the word is a value for a flag\ndone\n`)\n}\n",
    );
    write(
        dir.path(),
        "complete.go",
        "package cli\n\nfunc isFlagValue(word string, previous string) bool {\n\treturn len(previous) > 1 && previous[0] == '-' && word[0] != '-'\n}\n",
    );
    assert_eq!(
        first_cited(
            dir.path(),
            "How does completion work out that the word is a value for a flag?"
        )
        .as_deref(),
        Some("complete.go")
    );
}

/// C names types with a `_t` suffix: "what does an error report carry" still finds `error_t`.
#[test]
fn a_c_type_suffix_is_not_the_types_last_word() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/json.h",
        "typedef struct json_error_t {\n    int line;\n    int column;\n    char text[160];\n} json_error_t;\n",
    );
    write(
        dir.path(),
        "src/lexer.h",
        "/* The lexer's state while it reads: the error report it fills, the stream, the token. */\n\
         typedef struct lex_t {\n    stream_t stream;\n    json_error_t *error;\n    int token;\n    char report[64];\n} lex_t;\n",
    );
    for name in ["dump", "value", "pack", "hash", "utf", "memory"] {
        write(
            dir.path(),
            &format!("src/{name}.c"),
            &format!(
                "static int {name}_size(const char *s) {{\n    return {name}_len(s) + 1;\n}}\n"
            ),
        );
    }
    assert_eq!(
        first_cited(dir.path(), "What information does an error report carry?").as_deref(),
        Some("src/json.h")
    );
}

/// A long docstring documents its module; it is not data like other long strings.
#[test]
fn a_long_module_docstring_still_describes_its_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "tokens.py",
        "\"\"\"Bearer tokens.\n\nIssues and refreshes the bearer credentials\nhanded to clients.\n\"\"\"\n\ndef issue(client):\n    return make(client)\n",
    );
    write(
        dir.path(),
        "other.py",
        "def make(client):\n    return {'client': client}\n",
    );
    assert_eq!(
        first_cited(dir.path(), "Where are bearer credentials refreshed?").as_deref(),
        Some("tokens.py")
    );
}

/// A port to a system few users run yields to the code most users run, unless the question
/// names the system.
#[test]
fn a_question_that_names_no_platform_cites_the_common_port() {
    let dir = tempfile::tempdir().expect("tempdir");
    let body = "int pipe_open(pipe_t* pipe, int fd) {\n  pipe->fd = fd;\n  return pipe_set_nonblocking(pipe);\n}\n";
    write(dir.path(), "src/unix/pipe.c", body);
    // The port even says a little more about it.
    write(
        dir.path(),
        "src/win/pipe.c",
        &format!("/* Opens the pipe. */\n{body}"),
    );
    assert_eq!(
        first_cited(dir.path(), "How is a pipe opened on a file descriptor?").as_deref(),
        Some("src/unix/pipe.c")
    );
    assert_eq!(
        first_cited(
            dir.path(),
            "How is a pipe opened on a file descriptor on Windows?"
        )
        .as_deref(),
        Some("src/win/pipe.c")
    );
}

/// A JavaScript package's hand-written `index.d.ts` describes the code beside it, in more words
/// than that code has: a question about behaviour cites the code, one about typings the
/// declarations.
#[test]
fn a_declaration_file_yields_to_the_code_it_describes_unless_typings_are_asked_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "lib/retry.js",
        "/** Calls a failed request again after a longer delay each time, until it succeeds. */\nfunction retryRequest(request, attempts) {\n  return request().catch(() => delay(2 ** attempts).then(() => retryRequest(request, attempts + 1)));\n}\nmodule.exports = retryRequest;\n",
    );
    let declarations = "/** How a failed request is retried: again, after a longer delay each time. */\nexport interface RetryOptions {\n  /** The first delay. */\n  delay: number;\n  /** How many times a request is retried. */\n  attempts: number;\n}\n";
    write(dir.path(), "index.d.ts", declarations);
    write(dir.path(), "index.d.cts", declarations);
    let question = "How is a failed request retried with a longer delay?";
    assert_eq!(
        first_cited(dir.path(), question).as_deref(),
        Some("lib/retry.js")
    );
    // The two declaration files tie.
    let asked_for_typings = first_cited(
        dir.path(),
        "Where are the typings for how a failed request is retried with a longer delay?",
    );
    assert!(
        matches!(
            asked_for_typings.as_deref(),
            Some("index.d.ts" | "index.d.cts")
        ),
        "{asked_for_typings:?}"
    );
}

/// A declaration file's functions are declared, not defined (`declare function`, or in a
/// `declare namespace` / `declare module`): they are definitions all the same, with the docs
/// the package's users read, and a question about typings cites them.
#[test]
fn ambient_function_declarations_are_definitions() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "types/index.d.ts",
        "/** Parses a query string into its keys and values. */\n\
         export declare function parseQuery(input: string): Record<string, string>;\n\n\
         declare namespace qs {\n  /** Encodes the keys and values of an object as a query string. */\n  \
         export function stringify(value: object): string;\n}\n\n\
         declare module \"qs/decode\" {\n  /** Decodes a percent-encoded component. */\n  \
         function decodeComponent(s: string): string;\n}\n\n\
         export interface Router {\n  /** Adds a route for GET requests. */\n  get(path: string): this;\n}\n",
    );
    let idx = open(dir.path());
    let a = idx.answer(
        "Where are the typings of the function that encodes an object as a query string?",
        None,
    );
    assert_eq!(
        a.citations
            .first()
            .map(|c| (c.path.as_str(), c.start_line, c.end_line)),
        Some(("types/index.d.ts", 6, 6)),
        "{}",
        a.markdown
    );
    assert!(
        a.markdown
            .contains("Encodes the keys and values of an object as a query string."),
        "{}",
        a.markdown
    );
    let described = |q: &str| idx.answer(q, None).markdown;
    assert!(
        described("Where are the typings for parsing a query string?")
            .contains("function `parseQuery` — Parses a query string into its keys and values."),
    );
    assert!(
        described("Where are the typings for decoding a percent-encoded component?")
            .contains("Decodes a percent-encoded component."),
    );
    // An interface's method signatures are its methods.
    assert!(
        described("Where are the typings for adding a route for GET requests?")
            .contains("method `Router.get` — Adds a route for GET requests."),
    );
}

/// "What error … when X": a project's catch-all error type says nothing about X, so the code
/// that raises it in that case answers; a type named for the failure still answers itself.
#[test]
fn which_error_comes_out_cites_the_raise_site_unless_a_type_names_the_failure() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "lib/core/ClientError.js",
        "/**\n * The error a failed request is rejected with, whether the server answers with an\n * error status code, the network fails or a timeout expires: a message, a code, the\n * request and the response.\n */\nclass ClientError extends Error {\n  constructor(message, code, request, response) {\n    super(message);\n    this.code = code;\n    this.request = request;\n    this.response = response;\n  }\n}\nmodule.exports = ClientError;\n",
    );
    write(
        dir.path(),
        "lib/core/settle.js",
        "const ClientError = require('./ClientError');\n/**\n * Resolves or rejects the promise by the status code the server answers with: an\n * error status rejects it with a `ClientError`.\n */\nfunction settle(resolve, reject, response) {\n  if (response.status >= 200 && response.status < 300) {\n    resolve(response);\n  } else {\n    reject(new ClientError('Request failed with status code ' + response.status, 'BAD_RESPONSE', response.request, response));\n  }\n}\nmodule.exports = settle;\n",
    );
    assert_eq!(
        first_cited(
            dir.path(),
            "What error do I get when the server answers with a 500 status code?"
        )
        .as_deref(),
        Some("lib/core/settle.js")
    );
    write(
        dir.path(),
        "lib/core/StatusError.js",
        "/** Rejected with when the response's status code is not a success. */\nclass StatusError extends Error {\n  constructor(status) {\n    super('bad status');\n    this.status = status;\n  }\n}\nmodule.exports = StatusError;\n",
    );
    assert_eq!(
        first_cited(
            dir.path(),
            "What error do I get when the server answers with a 500 status code?"
        )
        .as_deref(),
        Some("lib/core/StatusError.js")
    );
}

#[test]
fn a_language_without_a_grammar_is_cited_by_its_definitions_or_best_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ruby = String::from("# Helpers.\nmodule Util\n");
    for i in 0..40 {
        ruby.push_str(&format!("  def helper_{i}(x)\n    x.to_s * {i}\n  end\n\n"));
    }
    ruby.push_str(
        "  # Evicts the least recently used entry when the cache is full.\n\
         \x20 def evict_oldest(store, capacity)\n\
         \x20   store.shift while store.size >= capacity\n\
         \x20 end\n",
    );
    for i in 40..70 {
        ruby.push_str(&format!("  def helper_{i}(x)\n    x.to_s * {i}\n  end\n\n"));
    }
    ruby.push_str("end\n");
    write(dir.path(), "lib/util.rb", &ruby);
    // A script with no function: only its lines can be cited.
    let mut script = String::from("#!/bin/sh\nset -e\n");
    for i in 0..30 {
        script.push_str(&format!("echo step {i}\n"));
    }
    script
        .push_str("# Rotate the release archives kept on the mirror.\nrotate_archives --keep 5\n");
    for i in 30..60 {
        script.push_str(&format!("echo step {i}\n"));
    }
    write(dir.path(), "tools/release.sh", &script);
    write(
        dir.path(),
        "src/main.rs",
        "/// Starts the server.\nfn main() {\n    serve();\n}\n\n/// Serves requests.\nfn serve() {}\n",
    );
    let idx = open(dir.path());
    let fid = *idx
        .derived
        .path_ids
        .get("lib/util.rb")
        .expect("ruby indexed");
    assert_eq!(idx.file(fid).map(|f| f.lang), Some(lang::Lang::Text));
    let line_of = |text: &str, needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .expect("fixture line") as u32
            + 1
    };
    let def = line_of(&ruby, "def evict_oldest");
    assert_eq!(
        range(&idx, "lib/util.rb", "Util.evict_oldest"),
        Some((def, def + 2))
    );

    let a = idx.answer("How are old entries evicted when the cache is full?", None);
    let c = a.citations.first().expect("a citation");
    assert_eq!(
        (c.path.as_str(), c.start_line, c.end_line),
        ("lib/util.rb", def, def + 2),
        "{}",
        a.markdown
    );

    let best = line_of(&script, "Rotate the release archives");
    let a = idx.answer("How are the release archives rotated on the mirror?", None);
    let c = a.citations.first().expect("a citation");
    assert_eq!(c.path, "tools/release.sh");
    assert!(
        c.start_line <= best && best <= c.end_line && c.end_line - c.start_line <= 20,
        "cited {}-{}, best line {best}",
        c.start_line,
        c.end_line
    );
    assert!(a.markdown.contains("keyword match"), "{}", a.markdown);
    // The parsed language keeps its definitions.
    assert_eq!(
        first_cited(dir.path(), "How does the server serve requests?").as_deref(),
        Some("src/main.rs")
    );
}

/// (file, symbol) of the definition `qual` of `rel`.
fn symbol_id(idx: &Index, rel: &str, qual: &str) -> Option<(u32, u32)> {
    let fid = *idx.derived.path_ids.get(rel)?;
    let f = idx.file(fid)?;
    let si = f.symbols.iter().position(|s| s.qual() == qual)?;
    Some((fid, si as u32))
}

/// The symbol `qual` of `rel` and the declaration that documents it, if any.
fn declared_line(idx: &Index, rel: &str, qual: &str) -> Option<(String, u32)> {
    let (fid, si) = symbol_id(idx, rel, qual)?;
    let (file, decl, _) = idx.declaration_of(fid, si)?;
    Some((idx.file(file)?.rel.clone(), decl.line))
}

/// The qualified name of the method whose doc describes `qual` of `rel`, which has none.
fn overridden_qual(idx: &Index, rel: &str, qual: &str) -> Option<String> {
    let (fid, si) = symbol_id(idx, rel, qual)?;
    let (bf, bs) = idx.overridden(fid, si)?;
    Some(idx.file(bf)?.symbols[bs as usize].qual().to_string())
}

/// How an answer describes `qual` of `rel`, which has no doc, by a doc written elsewhere.
fn borrowed_description(idx: &Index, rel: &str, qual: &str) -> Option<String> {
    let (fid, si) = symbol_id(idx, rel, qual)?;
    let borrowed = answer::borrowed_doc(idx, fid, si)?;
    let from = idx.file(borrowed.file)?;
    let text = std::fs::read_to_string(idx.root.join(&from.rel)).ok()?;
    borrowed.describe(
        &text,
        describe::Dialect::of(from.lang.label(&from.lang_path())),
    )
}

#[test]
fn a_c_or_cpp_definition_takes_the_doc_of_its_declaration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let header = "#pragma once\nnamespace io {\nclass File {\n public:\n\
                  \x20 // Connects two descriptors so that bytes written to one come out of the other.\n\
                  \x20 static void pipe(File& read_end, File& write_end);\n\n\
                  \x20 // Reads everything.\n  int read(char* buf);\n\
                  \x20 // Reads at most n bytes.\n  int read(char* buf, int n);\n\n\
                  \x20 // Stops using the descriptor.\n  template <typename T>\n  void close(T how);\n\n\
                  \x20 int fd_;\n};\n}\n";
    write(dir.path(), "include/io/file.h", header);
    write(
        dir.path(),
        "src/file.cc",
        "#include \"io/file.h\"\nnamespace io {\nvoid File::pipe(File& r, File& w) {\n  int fds[2];\n  \
         r.fd_ = fds[0];\n  w.fd_ = fds[1];\n}\n\nint File::read(char* buf) {\n  return 0;\n}\n\n\
         template <typename T>\nvoid File::close(T how) {\n  fd_ = -1;\n}\n}\n",
    );
    write(
        dir.path(),
        "src/loop.h",
        "/* Runs the event loop until no handles remain. */\nint loop_run(struct loop* l);\n\n\
         /* loop internals */\nint loop_tick(struct loop* l);\nint loop_stop(struct loop* l);\n\n\
         /* tcp */\nint tcp_listen(int fd);\n\n\
         #if defined(X)\nint loop_poll(struct loop* l);\n#endif /* defined(X) */\nint loop_wake(void);\n",
    );
    write(
        dir.path(),
        "src/loop.c",
        "#include \"loop.h\"\nint loop_run(struct loop* l) {\n  return 0;\n}\n\n\
         /* Stops at once. */\nint loop_stop(struct loop* l) {\n  return 1;\n}\n\n\
         int loop_tick(struct loop* l) {\n  return 2;\n}\n\nint tcp_listen(int fd) {\n  return fd;\n}\n\n\
         int loop_wake(void) {\n  return 3;\n}\n",
    );
    let mut idx = open(dir.path());
    let declared = |idx: &Index, rel: &str, qual: &str| declared_line(idx, rel, qual);
    assert_eq!(
        declared(&idx, "src/file.cc", "File::pipe"),
        Some(("include/io/file.h".to_string(), 6))
    );
    // A member template's doc sits above its `template` line.
    assert_eq!(
        declared(&idx, "src/file.cc", "File::close"),
        Some(("include/io/file.h".to_string(), 14))
    );
    assert_eq!(
        declared(&idx, "src/loop.c", "loop_run"),
        Some(("src/loop.h".to_string(), 2))
    );
    // Overloads with docs of their own: which one a definition is, only parameters say.
    assert_eq!(declared(&idx, "src/file.cc", "File::read"), None);
    // A definition with a doc of its own keeps it; an undocumented declaration lends nothing.
    assert_eq!(declared(&idx, "src/loop.c", "loop_stop"), None);
    // Headings over a group of declarations are no docs, nor is a word alone, nor a comment
    // after the code on its line.
    for heading in ["loop_tick", "tcp_listen", "loop_wake"] {
        assert_eq!(declared(&idx, "src/loop.c", heading), None, "{heading}");
    }

    let question =
        "How are two descriptors connected so bytes written to one come out of the other?";
    // The definition's own words say nothing of it: the declaration's doc is what finds it
    // (after the class, whose body holds that doc too, and which shows the declaration).
    let cites_pipe = |a: &LocalAnswer| {
        a.citations
            .iter()
            .take(2)
            .any(|c| (c.path.as_str(), c.start_line) == ("src/file.cc", 3))
    };
    let a = idx.answer(question, None);
    assert!(cites_pipe(&a), "{}", a.markdown);
    assert!(
        a.markdown.contains(
            "method `File::pipe` — Connects two descriptors so that bytes written to one come out \
             of the other. (declared in `include/io/file.h:6`)"
        ),
        "{}",
        a.markdown
    );

    // The doc follows edits of the header.
    write(
        dir.path(),
        "include/io/file.h",
        &header.replace(
            "  // Connects two descriptors so that bytes written to one come out of the other.\n",
            "",
        ),
    );
    idx.update_files(&[dir.path().join("include/io/file.h")]);
    assert_eq!(declared(&idx, "src/file.cc", "File::pipe"), None);
    let a = idx.answer(question, None);
    assert!(!cites_pipe(&a), "{}", a.markdown);
    assert!(!a.markdown.contains("Connects two"), "{}", a.markdown);
}

/// OCaml documents a module in its interface (`group.mli`), after each `val`, and leaves the
/// implementation beside it (`group.ml`) bare: each definition takes the doc of its value.
#[test]
fn an_ocaml_definition_takes_the_doc_of_its_value_in_the_interface() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "lib/group.mli",
        "type t\n\nval offset : t -> int -> int * int\n\
         (** Raise [Not_found] if the group did not take part in the match. *)\n\n\
         val get : t -> int -> string\n(** The text the group matched. *)\n\n\
         val count : t -> int\n",
    );
    let implementation = "type t = { marks : int array; text : string }\n\n\
                          let offset t i =\n  if 2 * i + 1 >= Array.length t.marks then raise Not_found;\n  \
                          (t.marks.(2 * i), t.marks.(2 * i + 1))\n\n\
                          let get t i =\n  let (p1, p2) = offset t i in\n  String.sub t.text p1 (p2 - p1)\n\n\
                          (** Counted from the marks. *)\nlet count t = Array.length t.marks / 2\n";
    write(dir.path(), "lib/group.ml", implementation);
    // Another module's `get`, documented in no interface of its own.
    write(
        dir.path(),
        "lib/table.ml",
        "let get table key = Hashtbl.find table key\n",
    );
    let idx = open(dir.path());
    assert_eq!(
        declared_line(&idx, "lib/group.ml", "offset"),
        Some(("lib/group.mli".to_string(), 3))
    );
    assert_eq!(
        declared_line(&idx, "lib/group.ml", "get"),
        Some(("lib/group.mli".to_string(), 6))
    );
    // The interface beside a file documents only that file.
    assert_eq!(declared_line(&idx, "lib/table.ml", "get"), None);
    // A definition with a doc of its own keeps it; an undocumented value lends nothing.
    assert_eq!(declared_line(&idx, "lib/group.ml", "count"), None);

    // The interface's words find the implementation, and the answer shows them.
    let a = idx.answer(
        "What happens when a group did not take part in the match?",
        None,
    );
    assert_eq!(
        a.citations.first().map(|c| (c.path.as_str(), c.start_line)),
        Some(("lib/group.ml", 3)),
        "{}",
        a.markdown
    );
    assert!(
        a.markdown.contains(
            "function `offset` — Raise `Not_found` if the group did not take part in the match. \
             (declared in `lib/group.mli:3`)"
        ),
        "{}",
        a.markdown
    );
}

/// Kotlin Multiplatform documents a declaration once, `expect`ed in common code, and leaves
/// each platform's `actual` definition bare: each takes the doc of the one declaration.
#[test]
fn a_kotlin_actual_definition_takes_the_doc_of_its_expect_declaration() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "common/src/Yield.common.kt",
        "package demo\n\n/**\n * Gives the thread to the other coroutines waiting to run.\n */\n\
         public expect suspend fun yieldNow()\n\n\
         /** A lock that suspends instead of blocking. */\ninternal expect class Lock() {\n    fun unlock()\n}\n",
    );
    for platform in ["jvm", "js"] {
        write(
            dir.path(),
            &format!("{platform}/src/Yield.kt"),
            "package demo\n\npublic actual suspend fun yieldNow() {\n    park(0)\n}\n\n\
             internal actual class Lock {\n    actual fun unlock() {\n        state = 0\n    }\n}\n",
        );
    }
    let idx = open(dir.path());
    for rel in ["jvm/src/Yield.kt", "js/src/Yield.kt"] {
        assert_eq!(
            declared_line(&idx, rel, "yieldNow"),
            Some(("common/src/Yield.common.kt".to_string(), 6)),
            "{rel}"
        );
        assert_eq!(
            declared_line(&idx, rel, "Lock"),
            Some(("common/src/Yield.common.kt".to_string(), 9)),
            "{rel}"
        );
        // Declared without a doc: nothing to lend.
        assert_eq!(declared_line(&idx, rel, "Lock.unlock"), None);
    }
    let a = idx.answer(
        "How does a coroutine give the thread to the others waiting to run?",
        None,
    );
    assert!(
        a.citations
            .iter()
            .take(3)
            .any(|c| c.path == "jvm/src/Yield.kt"),
        "{}",
        a.markdown
    );
}

#[test]
fn an_override_without_a_doc_is_described_by_the_method_it_overrides() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/main/java/p/Parser.java",
        "package p;\n\npublic interface Parser {\n    /** Advances past the next token and says which kind it was. */\n    \
         Token nextToken();\n}\n",
    );
    write(
        dir.path(),
        "src/main/java/p/StreamParser.java",
        "package p;\n\npublic abstract class StreamParser implements Parser {\n    protected int pos;\n\n    \
         /** {@inheritDoc} */\n    @Override\n    public Token nextToken() {\n        return null;\n    }\n}\n",
    );
    write(
        dir.path(),
        "src/main/java/p/Utf8Parser.java",
        "package p;\n\npublic class Utf8Parser extends StreamParser {\n    @Override\n    \
         public Token nextToken() {\n        pos += 1;\n        return Token.of(pos);\n    }\n\n    \
         public Token peek() {\n        return Token.of(pos);\n    }\n}\n",
    );
    write(
        dir.path(),
        "jobs.py",
        "class Job:\n    def run(self):\n        \"\"\"Runs the job once, retrying on failure.\"\"\"\n        raise NotImplementedError\n\n\
         class Other:\n    def run(self):\n        \"\"\"Something else entirely.\"\"\"\n        return 1\n\n\
         class Nightly(Job):\n    def run(self):\n        return self.go()\n",
    );
    let idx = open(dir.path());
    let overridden = |rel: &str, qual: &str| overridden_qual(&idx, rel, qual);
    // Through an abstract class, whose doc only says to inherit one, to the interface it
    // implements.
    assert_eq!(
        overridden("src/main/java/p/Utf8Parser.java", "Utf8Parser.nextToken").as_deref(),
        Some("Parser.nextToken")
    );
    assert_eq!(
        overridden(
            "src/main/java/p/StreamParser.java",
            "StreamParser.nextToken"
        )
        .as_deref(),
        Some("Parser.nextToken")
    );
    assert_eq!(
        overridden("src/main/java/p/Utf8Parser.java", "Utf8Parser.peek"),
        None
    );
    // The base the class names, not another class's method of the same name.
    assert_eq!(
        overridden("jobs.py", "Nightly.run").as_deref(),
        Some("Job.run")
    );
    assert_eq!(
        overridden("jobs.py", "Job.run"),
        None,
        "it has a doc of its own"
    );

    let a = idx.answer("Where does the UTF-8 parser advance its position?", None);
    assert!(
        a.markdown.contains(
            "method `Utf8Parser.nextToken` — Advances past the next token and says which kind it \
             was. (from `Parser.nextToken`)"
        ),
        "{}",
        a.markdown
    );
}

/// The languages read without a grammar name a class's bases on its header line, as PHP's
/// `extends` and C#'s `:`; an override that only says to inherit its doc is described by the
/// method it overrides.
#[test]
fn a_text_language_override_is_described_by_the_method_it_overrides() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/Handler/AbstractHandler.php",
        "<?php\nnamespace Log\\Handler;\n\nabstract class AbstractHandler implements HandlerInterface\n{\n    \
         /**\n     * Writes the record down to the log of the handler.\n     */\n    \
         abstract protected function write(array $record): void;\n}\n",
    );
    write(
        dir.path(),
        "src/Handler/FileHandler.php",
        "<?php\nnamespace Log\\Handler;\n\nclass FileHandler extends \\Log\\Handler\\AbstractHandler\n{\n    \
         /**\n     * {@inheritDoc}\n     */\n    protected function write(array $record): void\n    {\n        \
         fwrite($this->stream, $record['formatted']);\n    }\n}\n",
    );
    write(
        dir.path(),
        "Src/Store.cs",
        "public abstract class Store\n{\n    /// <summary>Saves the item where it can be found again.</summary>\n    \
         public abstract void Save(Item item);\n}\n\n\
         public class FileStore : Store, IDisposable\n{\n    /// <inheritdoc />\n    \
         public override void Save(Item item)\n    {\n        File.Write(item);\n    }\n}\n",
    );
    let idx = open(dir.path());
    assert_eq!(
        overridden_qual(&idx, "src/Handler/FileHandler.php", "FileHandler.write").as_deref(),
        Some("AbstractHandler.write")
    );
    assert_eq!(
        overridden_qual(&idx, "Src/Store.cs", "FileStore.Save").as_deref(),
        Some("Store.Save")
    );
    assert_eq!(
        borrowed_description(&idx, "src/Handler/FileHandler.php", "FileHandler.write").as_deref(),
        Some("Writes the record down to the log of the handler. (from `AbstractHandler.write`)")
    );
}

#[test]
fn a_rust_method_of_a_trait_impl_is_described_by_the_traits_method() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/io.rs",
        "pub trait AsyncRead {\n    /// Attempts to read from the source into `buf`.\n    \
         fn poll_read(&mut self, buf: &mut [u8]) -> usize;\n}\n\n\
         pub trait Other {\n    /// Something else entirely.\n    fn poll_read(&mut self) -> usize;\n}\n",
    );
    write(
        dir.path(),
        "src/tcp.rs",
        "use crate::io::AsyncRead;\n\npub struct TcpStream {\n    fd: i32,\n}\n\n\
         impl TcpStream {\n    pub fn fd(&self) -> i32 {\n        self.fd\n    }\n}\n\n\
         impl<T> crate::io::AsyncRead for TcpStream where T: Send {\n    \
         fn poll_read(&mut self, buf: &mut [u8]) -> usize {\n        buf.len()\n    }\n}\n\n\
         pub struct Other;\n\nimpl crate::io::Other for Other {\n    \
         fn poll_read(&mut self) -> usize {\n        0\n    }\n}\n",
    );
    let idx = open(dir.path());
    let overridden = |qual: &str| overridden_qual(&idx, "src/tcp.rs", qual);
    assert_eq!(
        overridden("TcpStream::poll_read").as_deref(),
        Some("AsyncRead::poll_read")
    );
    assert_eq!(overridden("TcpStream::fd"), None, "an inherent method");
    // Answers say which trait; its file tells a trait from a type of the same name.
    let described = |qual: &str| borrowed_description(&idx, "src/tcp.rs", qual);
    assert_eq!(
        described("TcpStream::poll_read").as_deref(),
        Some("Attempts to read from the source into `buf`. (from `AsyncRead::poll_read`)")
    );
    assert_eq!(
        described("Other::poll_read").as_deref(),
        Some("Something else entirely. (from `Other::poll_read` in `src/io.rs`)")
    );
}

#[test]
fn a_cpp_override_defined_out_of_its_class_is_described_by_the_base_declaration() {
    let dir = tempfile::tempdir().expect("tempdir");
    // An export macro makes the grammar read the class as a block, where a pure virtual
    // method is a declarator initialised to 0.
    write(
        dir.path(),
        "include/store/db.h",
        "#pragma once\nnamespace store {\nclass STORE_EXPORT Db {\n public:\n  virtual ~Db();\n\n\
         \x20 // Applies every update of the batch to the store, atomically.\n\
         \x20 virtual Status Write(Batch* batch) = 0;\n};\n}\n",
    );
    write(
        dir.path(),
        "src/db_impl.h",
        "#pragma once\n#include \"store/db.h\"\nnamespace store {\nclass DbImpl : public Db {\n public:\n\
         \x20 // Implementations of the Db interface\n  Status Write(Batch* batch) override;\n  \
         Status Flush();\n};\n}\n",
    );
    write(
        dir.path(),
        "src/db_impl.cc",
        "#include \"db_impl.h\"\nnamespace store {\nStatus DbImpl::Write(Batch* batch) {\n  \
         return log_.Add(batch);\n}\n\nStatus DbImpl::Flush() {\n  return Status();\n}\n}\n",
    );
    let idx = open(dir.path());
    let described = |qual: &str| borrowed_description(&idx, "src/db_impl.cc", qual);
    assert_eq!(
        described("DbImpl::Write").as_deref(),
        Some(
            "Applies every update of the batch to the store, atomically. \
             (from `Db::Write`, declared in `include/store/db.h:8`)"
        )
    );
    assert_eq!(
        described("DbImpl::Flush"),
        None,
        "the base declares no Flush"
    );
}

/// The type and base references the graph resolved from `rel`, as (from, `path:target`).
fn type_edges(idx: &Index, rel: &str) -> Vec<(String, String)> {
    let mut edges = edges_from(idx, rel, |e| {
        matches!(e.kind, RefKind::Type | RefKind::Inherit)
    });
    edges.dedup();
    edges
}

/// A class shares its name with its constructors; a type or a base named is the class.
#[test]
fn a_type_named_is_the_class_not_its_constructors() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "include/io/file.h",
        "#pragma once\nnamespace io {\nclass WritableFile {\n public:\n  WritableFile() = default;\n  \
         WritableFile(const WritableFile&) = delete;\n  virtual int Append(int n) = 0;\n};\n}\n",
    );
    // Reached through another header only, as C++ reaches most types.
    write(
        dir.path(),
        "src/builder.h",
        "#pragma once\n#include \"io/file.h\"\n",
    );
    write(
        dir.path(),
        "src/builder.cc",
        "#include \"builder.h\"\nnamespace io {\nint Build(WritableFile* file) {\n  return 0;\n}\n\n\
         class PosixFile : public WritableFile {\n public:\n  int Append(int n) override { return n; }\n};\n}\n",
    );
    // A JavaScript class may extend a function.
    write(
        dir.path(),
        "web/bus.js",
        "function Emitter() {}\n\nclass Bus extends Emitter {\n  send() {}\n}\n",
    );
    let idx = open(dir.path());
    assert_eq!(
        type_edges(&idx, "src/builder.cc"),
        [
            (
                "Build".to_string(),
                "include/io/file.h:WritableFile".to_string()
            ),
            (
                "PosixFile".to_string(),
                "include/io/file.h:WritableFile".to_string()
            ),
        ]
    );
    assert_eq!(
        type_edges(&idx, "web/bus.js"),
        [("Bus".to_string(), "web/bus.js:Emitter".to_string())]
    );
}

/// A Google-style C++ library: public classes behind an export macro, each described at the top
/// of its header rather than on the class.
#[test]
fn an_exported_cpp_class_is_read_whole_and_described_by_its_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let status = "// Copyright 2011 The Authors. All rights reserved.\n\
                  // Use of this source code is governed by a BSD-style license.\n\
                  //\n\
                  // A Status encapsulates the result of an operation. It may indicate\n\
                  // success, or an error with an associated error message.\n\
                  \n\
                  #pragma once\n\
                  namespace lib {\n\
                  class LIB_EXPORT Status {\n\
                  \x20public:\n\
                  \x20 Status() noexcept : state_(nullptr) {}\n\
                  \x20 bool ok() const { return state_ == nullptr; }\n\
                  \x20 // Returns a string for printing this status.\n\
                  \x20 virtual std::string ToString() const = 0;\n\
                  \x20private:\n\
                  \x20 const char* state_;\n\
                  };\n\
                  }\n";
    write(dir.path(), "include/lib/status.h", status);
    write(
        dir.path(),
        "include/lib/builder.h",
        "#pragma once\nnamespace lib {\n// Builds tables.\nclass LIB_EXPORT Builder {\n public:\n  \
         bool ok() const { return true; }\n};\n}\n",
    );
    let idx = open(dir.path());

    // The class is read as a class, to its closing brace, with every member.
    let (fid, si) = symbol_id(&idx, "include/lib/status.h", "Status").expect("Status");
    let f = idx.file(fid).expect("status.h");
    let class = &f.symbols[si as usize];
    assert_eq!((class.start, class.end), (9, 17));
    let members: Vec<&str> = f
        .symbols
        .iter()
        .filter(|s| s.parent != crate::engine::parse::NONE)
        .map(|s| s.qual())
        .collect();
    assert_eq!(members, ["Status::Status", "Status::ok"]);
    assert_eq!(f.decls.len(), 1, "the documented pure virtual ToString");
    // Its member initialiser and its macro are no references.
    let names: Vec<&str> = f
        .refs
        .iter()
        .map(|r| idx.stored.ref_names[r.name as usize].as_str())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.contains("state_") || n.contains("LIB_EXPORT")),
        "{names:?}"
    );

    // Answers describe the class by its file's leading comment (the license left out).
    let a = idx.answer("What does a Status encapsulate?", None);
    assert!(
        a.markdown
            .contains("class `Status` — A Status encapsulates the result of an operation.\n"),
        "{}",
        a.markdown
    );
    // A question only the file's opening comment answers cites the class it describes, not
    // the whole file.
    let a = idx.answer("What does a failed operation carry?", None);
    assert!(
        a.markdown
            .contains("1. `include/lib/status.h:9-17` — class `Status` — A Status encapsulates"),
        "{}",
        a.markdown
    );
    assert!(!a.markdown.contains("— file"), "{}", a.markdown);
    // A class with a doc of its own keeps it.
    let a = idx.answer("Where are tables built?", None);
    assert!(
        a.markdown.contains("class `Builder` — Builds tables."),
        "{}",
        a.markdown
    );
}

/// A tool's scripts often have no extension (`libexec/rbenv-exec`, bash-completion's
/// `completions/ssh`): their first line says what they are, and they are indexed and answered
/// as shell, Python or JavaScript by it. A build tool's vendored `configure` and a text file
/// are not.
#[test]
fn scripts_without_an_extension_are_read_by_their_first_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "libexec/rbenv-exec",
        "#!/usr/bin/env bash\n# Summary: Run an executable with the selected Ruby version\n\n\
         # Prepends the shims directory to PATH before running the command.\n\
         prepend_shims()\n{\n  PATH=\"$RBENV_ROOT/shims:$PATH\"\n}\n\nprepend_shims\nexec \"$@\"\n",
    );
    write(
        dir.path(),
        "completions/ssh",
        "# ssh(1) completion                -*- shell-script -*-\n\n\
         _ssh()\n{\n    _known_hosts_real \"$cur\"\n} &&\n    complete -F _ssh ssh\n",
    );
    write(
        dir.path(),
        "bin/check",
        "#!/usr/bin/env python3\ndef verify_shims(path):\n    \"\"\"Verifies the shims.\"\"\"\n    return path\n",
    );
    write(
        dir.path(),
        "bash_completion",
        "#                              -*- shell-script -*-\n\n\
         _known_hosts_real()\n{\n    COMPREPLY+=($(compgen -W \"$hosts\" -- \"$cur\"))\n}\n",
    );
    write(
        dir.path(),
        "configure",
        "#! /bin/sh\nprepend_shims() {\n  :\n}\n",
    );
    write(dir.path(), "NOTES", "prepend_shims() is documented here.\n");
    write(
        dir.path(),
        "bin/lwp-request",
        "#!/usr/bin/perl -w\n\nmy $method = uc($progname);\n\n\
         # Prints the usage of the tool and exits with its status.\n\
         sub usage\n{\n    die <<\"EOT\";\nUsage: $progname [-options] <url>...\nEOT\n}\n",
    );
    write(
        dir.path(),
        "bin/awk-report",
        "#!/usr/bin/awk -f\n{ print $1 }\n",
    );
    let idx = open(dir.path());
    let mut indexed: Vec<&str> = idx
        .stored
        .files
        .iter()
        .flatten()
        .map(|f| f.rel.as_str())
        .collect();
    indexed.sort();
    assert_eq!(
        indexed,
        [
            "bash_completion",
            "bin/check",
            "bin/lwp-request",
            "completions/ssh",
            "libexec/rbenv-exec"
        ]
    );
    // A Perl script is read by Perl's rules (a heredoc is no code), labelled, fenced and
    // commented as Perl.
    let usage = idx.answer("How is the usage of the tool printed?", None);
    assert_eq!(
        usage
            .citations
            .first()
            .map(|c| (c.path.as_str(), c.start_line, c.end_line)),
        Some(("bin/lwp-request", 6, 11)),
        "{}",
        usage.markdown
    );
    assert!(
        usage
            .markdown
            .contains("function `usage` — Prints the usage of the tool")
            && usage.markdown.contains("```perl\nsub usage"),
        "{}",
        usage.markdown
    );
    assert_eq!(idx.stats().languages.get("perl"), Some(&1));
    // Shell functions share one namespace: a completion calls the library's function.
    assert_eq!(
        known_calls(&idx, "completions/ssh"),
        [(
            "_ssh".to_string(),
            "bash_completion:_known_hosts_real".to_string()
        )]
    );
    let a = idx.answer("How are the shims prepended to the PATH?", None);
    assert_eq!(
        a.citations
            .first()
            .map(|c| (c.path.as_str(), c.start_line, c.end_line)),
        Some(("libexec/rbenv-exec", 5, 8)),
        "{}",
        a.markdown
    );
    assert!(
        a.markdown.contains("```shell\nprepend_shims()"),
        "{}",
        a.markdown
    );
}

/// An Erlang function is cited from its `-spec` to its last clause and described by the
/// comment above, across the blank line Erlang's style leaves; `gen:call(…)` calls the `call`
/// of `gen.erl`, not the caller's own `call`.
#[test]
fn erlang_workspaces_call_across_modules_and_cite_specs_with_their_clauses() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "gen.erl",
        "-module(gen).\n-export([call/3]).\n\n\
         %% Make a synchronous call to a process and wait for its reply, or exit with\n\
         %% timeout when none arrives in time.\n\n\
         -spec call(pid(), term(), timeout()) -> term().\n\n\
         call(Process, Request, Timeout) ->\n    Process ! Request,\n    \
         receive Reply -> Reply\n    after Timeout -> exit(timeout)\n    end.\n",
    );
    write(
        dir.path(),
        "gen_server.erl",
        "-module(gen_server).\n-export([call/2]).\n\n%%% Internal functions\n\n\
         call(Server, Request) ->\n    gen:call(Server, Request, 5000).\n",
    );
    let idx = open(dir.path());
    assert_eq!(
        known_calls(&idx, "gen_server.erl"),
        [("call".to_string(), "gen.erl:call".to_string())]
    );
    let a = idx.answer(
        "What happens when a synchronous call gets no reply in time?",
        None,
    );
    assert_eq!(
        a.citations
            .first()
            .map(|c| (c.path.as_str(), c.start_line, c.end_line)),
        Some(("gen.erl", 7, 13)),
        "{}",
        a.markdown
    );
    assert!(
        a.markdown.contains(
            "function `call` — Make a synchronous call to a process and wait for its reply, or \
             exit with timeout when none arrives in time."
        ),
        "{}",
        a.markdown
    );
    // A section's title above a blank line describes no function.
    let server = idx
        .file(idx.derived.path_ids["gen_server.erl"])
        .expect("file");
    assert_eq!(
        server.symbols[0]
            .doc_in(&std::fs::read_to_string(dir.path().join("gen_server.erl")).unwrap()),
        ""
    );
}

#[test]
fn lisp_workspaces_are_indexed_and_answered_from_their_docstrings() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "company.el",
        ";;; company.el --- Modular text completion framework\n\n\
         (defcustom company-idle-delay .2\n  \"The idle delay in seconds until completion starts automatically.\n\
         Set it to nil to start completion only with `company-complete'.\"\n  :type 'number)\n\n\
         ;;;###autoload\n(defun company-complete ()\n  \"Insert the common part of all candidates, or select one.\"\n  \
         (interactive)\n  (when company-idle-delay\n    (company-complete-common)))\n\n\
         (defun company-complete-common ()\n  (insert \"x\"))\n",
    );
    write(
        dir.path(),
        "api.lisp",
        "(in-package :cl-ppcre)\n\n(defgeneric create-scanner (regex &key case-insensitive-mode)\n  \
         (:documentation \"Accepts a regular expression and returns a scan closure.\"))\n\n\
         (defmethod create-scanner ((regex string) &key case-insensitive-mode)\n  (scan regex))\n",
    );
    let idx = open(dir.path());
    let a = idx.answer(
        "After what idle delay does completion start automatically?",
        None,
    );
    assert_eq!(
        a.citations
            .first()
            .map(|c| (c.path.as_str(), c.start_line, c.end_line)),
        Some(("company.el", 3, 6)),
        "{}",
        a.markdown
    );
    assert!(
        a.markdown.contains(
            "constant `company-idle-delay` — The idle delay in seconds until completion starts \
             automatically."
        ),
        "{}",
        a.markdown
    );
    assert!(
        a.markdown.contains("```elisp\n(defcustom"),
        "{}",
        a.markdown
    );
    // A function's calls are the functions it calls, not the variables it reads.
    let a = idx.answer(
        "Which command inserts the common part of all candidates?",
        None,
    );
    assert!(
        a.markdown
            .contains("- Calls: `company-complete-common` (`company.el:15-16`)\n"),
        "{}",
        a.markdown
    );
    let a = idx.answer(
        "Which function turns a regular expression into a scan closure?",
        None,
    );
    assert!(
        a.markdown.contains(
            "`api.lisp:6-7` — function `create-scanner` — Accepts a regular expression and \
             returns a scan closure."
        ),
        "{}",
        a.markdown
    );
}

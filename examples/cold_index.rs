//! One cold index build of a folder and nothing else, for profilers: the engine bench also
//! times warm opens and queries, which would blur a profile of the cold build.
//!
//! `cargo build --release --example cold_index &&
//!  valgrind --tool=callgrind target/release/examples/cold_index DIR` counts instructions,
//! which unlike time do not vary with a shared machine's load.

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: cold_index <folder>");
        std::process::exit(2);
    };
    match potpie_lsp::engine::Index::open(std::path::Path::new(&dir), None, &|_, _| {}) {
        Ok(index) => {
            let s = index.stats();
            eprintln!(
                "{} files, {} symbols, {} edges",
                s.files, s.symbols, s.edges
            );
        }
        Err(e) => {
            eprintln!("cannot index {dir}: {e}");
            std::process::exit(1);
        }
    }
}

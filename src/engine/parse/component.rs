//! Single-file components (Vue's `.vue`, Svelte's `.svelte`): their `<script>` blocks are
//! JavaScript or TypeScript, parsed by that grammar with the rest of the file (template,
//! styles) left out of the parser's included ranges, so their definitions keep their lines in
//! the file. Read line by line instead, a Vue component's methods (`getData(query) {` in a
//! `methods: {` object) look like calls and were not found.

use tree_sitter::Range;

use crate::engine::{lang, rust_scan};

/// The contents of the component's `<script …>` blocks, as byte ranges.
fn script_blocks(text: &str) -> Vec<(usize, usize)> {
    lang::script_tags(text).map(|(_, body)| body).collect()
}

/// The parser's included ranges for a component: its script blocks.
pub(super) fn script_ranges(text: &str) -> Vec<Range> {
    rust_scan::ranges(text, script_blocks(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_blocks_are_found_and_their_language_read_from_the_tag() {
        let vue = "<template>\n  <div @click=\"go\">{{ title }}</div>\n</template>\n\n\
                   <script>\nexport default { methods: { go() {} } }\n</script>\n\n\
                   <script setup lang=\"ts\">\nconst n: number = 1\n</script>\n\
                   <style scoped>\n.a { color: red }\n</style>\n";
        let blocks: Vec<&str> = script_blocks(vue)
            .into_iter()
            .map(|(s, e)| &vue[s..e])
            .collect();
        assert_eq!(
            blocks,
            [
                "\nexport default { methods: { go() {} } }\n",
                "\nconst n: number = 1\n"
            ]
        );
        assert!(script_blocks("<template><p>no script</p></template>\n").is_empty());
    }
}

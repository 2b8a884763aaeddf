//! String → id over a `Vec<String>` the index already keeps (`Persist::vocab`,
//! `Persist::ref_names`). A `HashMap<String, u32>` beside the vector held a second copy of every
//! term (at a million lines, ≈ 6 MB of the index); this table holds only the ids and compares
//! through the vector.

use std::hash::BuildHasher;

use hashbrown::HashTable;

#[derive(Default)]
pub struct StrIds {
    table: HashTable<u32>,
}

fn hash(s: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(s)
}

impl StrIds {
    /// The ids of `strings` (the first of any duplicates wins).
    pub fn build(strings: &[String]) -> StrIds {
        let mut ids = StrIds {
            table: HashTable::with_capacity(strings.len()),
        };
        for (i, s) in strings.iter().enumerate() {
            let h = hash(s);
            if ids.find(strings, h, s).is_none() {
                ids.table
                    .insert_unique(h, i as u32, |&id| hash(at(strings, id)));
            }
        }
        ids
    }

    /// How many strings have ids; less than the vector's length only if it holds duplicates.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn get(&self, strings: &[String], s: &str) -> Option<u32> {
        self.find(strings, hash(s), s)
    }

    /// The id of `s`, appending it to `strings` first if it has none.
    pub fn intern(&mut self, strings: &mut Vec<String>, s: &str) -> u32 {
        let h = hash(s);
        if let Some(id) = self.find(strings, h, s) {
            return id;
        }
        let id = strings.len() as u32;
        strings.push(s.to_owned());
        self.table.insert_unique(h, id, |&id| hash(at(strings, id)));
        id
    }

    fn find(&self, strings: &[String], h: u64, s: &str) -> Option<u32> {
        self.table.find(h, |&id| at(strings, id) == s).copied()
    }
}

fn at(strings: &[String], id: u32) -> &str {
    strings.get(id as usize).map_or("", String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_each_string_once_and_finds_it_again() {
        let mut strings = vec!["alpha".to_string(), "beta".to_string()];
        let mut ids = StrIds::build(&strings);
        assert_eq!(ids.get(&strings, "beta"), Some(1));
        assert_eq!(ids.get(&strings, "gamma"), None);
        assert_eq!(ids.intern(&mut strings, "gamma"), 2);
        assert_eq!(ids.intern(&mut strings, "alpha"), 0);
        for i in 0..1000 {
            ids.intern(&mut strings, &format!("t{i}"));
        }
        assert_eq!(strings.len(), 1003);
        assert_eq!(ids.len(), 1003);
        assert_eq!(ids.get(&strings, "t999"), Some(1002));
        assert_eq!(ids.get(&strings, "gamma"), Some(2));
    }

    #[test]
    fn duplicates_keep_the_first_id() {
        let strings = vec!["a".to_string(), "b".to_string(), "a".to_string()];
        let ids = StrIds::build(&strings);
        assert_eq!(ids.get(&strings, "a"), Some(0));
        assert_eq!(ids.len(), 2);
    }
}

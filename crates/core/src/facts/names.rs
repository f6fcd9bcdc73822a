//! Item names in memory for "name contains": every name, ASCII-lowercased as SQLite's `lower()`
//! does, back to back in one arena, searched with one `memmem` pass (~5 ms at a million names)
//! instead of the trigram index, which answers a search most names hold (`jpg`) no faster than
//! reading every name. A renamed item's new name is appended; the arena is compacted when more
//! than half of it is stale.

use memchr::memmem::Finder;
use roaring::RoaringBitmap;

/// No span: the item has no name here (absent or deleted).
const NONE: u32 = u32::MAX;

#[derive(Debug, Default)]
pub(super) struct Names {
    /// Lowercased names, back to back; a name ends where the next span starts.
    arena: Vec<u8>,
    /// `(start in arena, item id)`, in arena order (so by increasing start).
    spans: Vec<(u32, u32)>,
    /// Item id → index of its current span, or `NONE`.
    current: Vec<u32>,
    live: usize,
    /// The last search and its answer, until the names change (a page and a summary of the
    /// same filter search once).
    last: std::sync::Mutex<Option<(String, RoaringBitmap)>>,
}

impl Names {
    /// Records `name` as item `id`'s (replacing any earlier one); `false` when the arena would
    /// pass 4 GiB (the index then stands down).
    pub fn put(&mut self, id: u32, name: &str) -> bool {
        self.forget(id);
        *self.last.get_mut().unwrap_or_else(|p| p.into_inner()) = None;
        let Ok(start) = u32::try_from(self.arena.len() + name.len()) else { return false };
        let start = start - name.len() as u32;
        self.arena.extend(name.bytes().map(|b| b.to_ascii_lowercase()));
        let at = id as usize;
        if self.current.len() <= at {
            self.current.resize(at + 1, NONE);
        }
        self.current[at] = self.spans.len() as u32;
        self.spans.push((start, id));
        self.live += 1;
        if self.spans.len() > 2 * self.live + 1024 {
            self.compact();
        }
        true
    }

    pub fn forget(&mut self, id: u32) {
        *self.last.get_mut().unwrap_or_else(|p| p.into_inner()) = None;
        if let Some(k) = self.current.get_mut(id as usize) {
            if *k != NONE {
                *k = NONE;
                self.live -= 1;
            }
        }
    }

    fn end(&self, k: usize) -> usize {
        self.spans.get(k + 1).map_or(self.arena.len(), |s| s.0 as usize)
    }

    /// Rewrites the arena with the current names only, in id order.
    fn compact(&mut self) {
        let mut fresh = Names::default();
        for (id, &k) in self.current.iter().enumerate() {
            if k != NONE {
                let (start, end) = (self.spans[k as usize].0 as usize, self.end(k as usize));
                let name = std::str::from_utf8(&self.arena[start..end]).unwrap_or_default().to_string();
                fresh.put(id as u32, &name);
            }
        }
        *self = fresh;
    }

    /// The items whose name contains `text`, ignoring ASCII case (SQL's `instr(lower(name),
    /// lower(text)) > 0`).
    pub fn containing(&self, text: &str) -> RoaringBitmap {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((t, found)) = &*last {
            if t == text {
                return found.clone();
            }
        }
        let found = self.search(text);
        *last = Some((text.to_string(), found.clone()));
        found
    }

    fn search(&self, text: &str) -> RoaringBitmap {
        if text.is_empty() {
            return self.current.iter().enumerate().filter(|(_, &k)| k != NONE).map(|(id, _)| id as u32).collect();
        }
        let needle = text.to_ascii_lowercase();
        let finder = Finder::new(needle.as_bytes());
        let mut found = Vec::new();
        let (mut from, mut k) = (0, 0);
        while let Some(p) = finder.find(&self.arena[from..]) {
            let p = from + p;
            // Matches come in arena order: the span holding `p` is at or after the last one.
            while k + 1 < self.spans.len() && self.spans[k + 1].0 as usize <= p {
                k += 1;
            }
            let id = self.spans[k].1;
            let end = self.end(k);
            let current = self.current.get(id as usize) == Some(&(k as u32));
            if p + needle.len() <= end && current {
                found.push(id);
                from = end.max(p + 1);
            } else if !current {
                from = end.max(p + 1);
            } else {
                // Runs into the next name: look again from the next byte of this one.
                from = p + 1;
            }
            if from >= self.arena.len() {
                break;
            }
        }
        found.sort_unstable();
        found.dedup();
        RoaringBitmap::from_sorted_iter(found).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_within_one_name_only_and_follows_renames() {
        let mut n = Names::default();
        for (id, name) in [(1, "Alpha.JPG"), (2, "beta.png"), (3, "gam"), (4, "ma.jpg"), (7, "")] {
            assert!(n.put(id, name));
        }
        let ids = |b: RoaringBitmap| b.iter().collect::<Vec<_>>();
        assert_eq!(ids(n.containing("jpg")), [1, 4]);
        assert_eq!(ids(n.containing("JPG")), [1, 4]);
        assert_eq!(ids(n.containing("gamma")), Vec::<u32>::new(), "gam + ma.jpg is two names");
        assert_eq!(ids(n.containing("a")), [1, 2, 3, 4]);
        assert_eq!(ids(n.containing("")), [1, 2, 3, 4, 7]);
        n.put(2, "gamma.png");
        assert_eq!(ids(n.containing("gamma")), [2]);
        assert_eq!(ids(n.containing("beta")), Vec::<u32>::new());
        n.forget(1);
        assert_eq!(ids(n.containing("jpg")), [4]);
        // Many renames compact the arena and keep the answers.
        for k in 0..5000 {
            n.put(3, &format!("name{k}"));
        }
        assert!(n.spans.len() < 2 * n.live + 1025);
        assert_eq!(ids(n.containing("name4999")), [3]);
        assert_eq!(ids(n.containing("png")), [2]);
    }
}

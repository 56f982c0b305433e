//! Journal lists: which sources count, and with what weight.
//!
//! Two forms, told apart by the first line that is not a comment:
//!
//! - **lines**: one entry per line, an OpenAlex source id (`S137773608`,
//!   any case, or its URL) or an ISSN (`1476-4687`, `14764687`,
//!   `ISSN 1476-4687`), optionally followed by a weight; `#` starts a
//!   comment;
//! - **CSV** with a header naming at least one of `issn`, `issn_print`,
//!   `issn_electronic`, `issn_l` and `source_id` (other columns, such as a
//!   title, are ignored) and optionally `weight`: each row is one journal,
//!   matched by any of its ids.
//!
//! A weight multiplies the fractional credit of the journal's articles (the
//! old Nature Index gave four astronomy journals 0.2); counts are never
//! weighted. Every line that is none of these is an error naming the file
//! and line, and so is an entry listed twice with two weights.

use crate::normalize::{issn, source_id};
use crate::InputError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A parsed journal list.
#[derive(Clone, Debug, Default)]
pub struct JournalList {
    /// Where it came from.
    pub path: PathBuf,
    /// Entry (short source id or normalized ISSN) to weight, the line it
    /// was given on and its journal (an index into `journals`).
    entries: HashMap<String, (f64, u64, usize)>,
    /// Each journal (a line, or a CSV row): its line and first entry.
    journals: Vec<(u64, String)>,
    /// Which journals matched a work's source (shared by the clones the
    /// parser threads hold).
    hits: Arc<Vec<AtomicBool>>,
}

impl PartialEq for JournalList {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.entries == other.entries
    }
}

/// The id columns a CSV journal list may have.
const ID_COLUMNS: [&str; 5] = [
    "issn",
    "issn_print",
    "issn_electronic",
    "issn_l",
    "source_id",
];

/// A source id or an ISSN (with an optional `ISSN` prefix), normalized.
fn entry_key(raw: &str) -> Option<String> {
    let t = raw.trim();
    let t = match t.get(..4) {
        Some(p) if p.eq_ignore_ascii_case("issn") => t[4..].trim_start_matches([':', ' ']),
        _ => t,
    };
    issn(t).or_else(|| source_id(t))
}

/// The largest journal weight accepted (totals are fixed-point numbers;
/// this keeps them exact for any realistic number of works).
pub const MAX_WEIGHT: f64 = 1000.0;

fn weight_of(path: &Path, line: u64, w: &str) -> Result<f64, InputError> {
    match w.trim().parse::<f64>() {
        Ok(x) if x > 0.0 && x <= MAX_WEIGHT => Ok(x),
        _ => Err(InputError::record(
            path,
            line,
            Some("weight".into()),
            format!(
                "`{w}` is not a weight: a number above 0 and at most {MAX_WEIGHT} (leave a journal out of the list to give it none)"
            ),
        )),
    }
}

impl JournalList {
    /// Reads a list file.
    pub fn load(path: &Path) -> Result<Self, InputError> {
        let text = std::fs::read_to_string(path).map_err(|source| InputError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, text.strip_prefix('\u{feff}').unwrap_or(&text))
    }

    /// Parses a list's text; `path` is only for messages.
    pub fn parse(path: &Path, text: &str) -> Result<Self, InputError> {
        let mut list = JournalList {
            path: path.to_path_buf(),
            ..Default::default()
        };
        let first = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .find(|l| !l.is_empty())
            .unwrap_or("");
        if first.contains(',') {
            list.parse_csv(text)?;
        } else {
            list.parse_lines(text)?;
        }
        if list.entries.is_empty() {
            return Err(InputError::Format {
                path: path.to_path_buf(),
                message: "the journal list has no entries".into(),
            });
        }
        list.hits = Arc::new(
            (0..list.journals.len())
                .map(|_| AtomicBool::new(false))
                .collect(),
        );
        Ok(list)
    }

    /// Starts a journal (a line, or a CSV row) given on `line`.
    fn journal(&mut self, line: u64, label: &str) {
        self.journals.push((line, label.to_owned()));
    }

    /// Records `key` of the current journal with `weight` from `line`; the
    /// same key with another weight is an error naming both lines.
    fn add(&mut self, key: String, weight: f64, line: u64, raw: &str) -> Result<(), InputError> {
        let journal = self.journals.len().saturating_sub(1);
        if let Some(&(w, first, _)) = self.entries.get(&key) {
            if w != weight {
                return Err(InputError::record(
                    &self.path,
                    line,
                    None,
                    format!(
                        "`{raw}` is listed again with weight {weight} (line {first} gives {w})"
                    ),
                ));
            }
            return Ok(());
        }
        self.entries.insert(key, (weight, line, journal));
        Ok(())
    }

    fn parse_lines(&mut self, text: &str) -> Result<(), InputError> {
        let path = self.path.clone();
        for (i, raw) in text.lines().enumerate() {
            let line = i as u64 + 1;
            let content = raw.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            // `ISSN 0028-0836` is one entry.
            let mut parts: Vec<&str> = content.split_whitespace().collect();
            if parts.len() > 1 && parts[0].trim_end_matches(':').eq_ignore_ascii_case("issn") {
                parts.remove(0);
            }
            let Some(key) = entry_key(parts[0]) else {
                return Err(InputError::record(
                    &path,
                    line,
                    None,
                    format!(
                        "`{content}` is not a journal list entry: an OpenAlex source id (S137773608), an ISSN (0028-0836) and an optional weight, or a CSV with a header naming {}",
                        ID_COLUMNS.join(", ")
                    ),
                ));
            };
            let weight = match parts.get(1) {
                None => 1.0,
                Some(w) => weight_of(&path, line, w)?,
            };
            if let Some(extra) = parts.get(2) {
                return Err(InputError::record(
                    &path,
                    line,
                    None,
                    format!("unexpected `{extra}`: one entry (source id or ISSN) and an optional weight per line"),
                ));
            }
            // A repeated entry is no journal of its own.
            if !self.entries.contains_key(&key) {
                self.journal(line, parts[0]);
            }
            self.add(key, weight, line, parts[0])?;
        }
        Ok(())
    }

    fn parse_csv(&mut self, text: &str) -> Result<(), InputError> {
        let path = self.path.clone();
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .from_reader(text.as_bytes());
        let mut header: Option<(Vec<usize>, Option<usize>)> = None;
        for rec in rdr.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                InputError::record(&path, line, None, e.to_string())
            })?;
            let line = rec.position().map_or(0, |p| p.line());
            let Some((ids, weight)) = &header else {
                let names: Vec<String> = rec.iter().map(|h| h.to_ascii_lowercase()).collect();
                let ids: Vec<usize> = (0..names.len())
                    .filter(|&k| ID_COLUMNS.contains(&names[k].as_str()))
                    .collect();
                if ids.is_empty() {
                    return Err(InputError::record(
                        &path,
                        line,
                        None,
                        format!(
                            "`{}` is not a journal list header: a CSV journal list names its id columns ({}), and optionally weight; a list without a header has one entry per line, without commas",
                            rec.iter().collect::<Vec<_>>().join(","),
                            ID_COLUMNS.join(", ")
                        ),
                    ));
                }
                let weight = names.iter().position(|n| n == "weight");
                header = Some((ids, weight));
                continue;
            };
            if rec.iter().all(str::is_empty) {
                continue;
            }
            let w = match weight.and_then(|k| rec.get(k)).filter(|w| !w.is_empty()) {
                Some(w) => weight_of(&path, line, w)?,
                None => 1.0,
            };
            let mut any = false;
            let label = ids
                .iter()
                .filter_map(|&k| rec.get(k))
                .find(|v| !v.is_empty())
                .unwrap_or_default()
                .to_owned();
            self.journal(line, &label);
            for &k in ids {
                let Some(v) = rec.get(k).filter(|v| !v.is_empty()) else {
                    continue;
                };
                let Some(key) = entry_key(v) else {
                    return Err(InputError::record(
                        &path,
                        line,
                        Some(rdr_header_name(k, text)),
                        format!("`{v}` is not an ISSN or an OpenAlex source id"),
                    ));
                };
                self.add(key, w, line, v)?;
                any = true;
            }
            if !any {
                return Err(InputError::record(
                    &path,
                    line,
                    None,
                    "a journal with no id: give an ISSN or a source id",
                ));
            }
        }
        Ok(())
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries (never, for a loaded list).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The weight of a work's source if it is on the list: by source id, then
    /// by linking ISSN, then by any of its ISSNs.
    pub fn weight<'a>(
        &self,
        source_id: Option<&str>,
        issn_l: Option<&str>,
        issns: impl IntoIterator<Item = &'a str>,
    ) -> Option<f64> {
        let hit = |&(w, _, j): &(f64, u64, usize)| {
            if let Some(h) = self.hits.get(j) {
                // Read first: the flag is written once, not by every work.
                if !h.load(Ordering::Relaxed) {
                    h.store(true, Ordering::Relaxed);
                }
            }
            w
        };
        if let Some(w) = source_id.and_then(|s| self.entries.get(s)).map(hit) {
            return Some(w);
        }
        let by_issn = |s: &str| issn(s).and_then(|k| self.entries.get(&k).map(hit));
        if let Some(w) = issn_l.and_then(by_issn) {
            return Some(w);
        }
        issns.into_iter().find_map(by_issn)
    }

    /// The journals (line, first id) that matched no work's source so far.
    pub fn unmatched(&self) -> Vec<(u64, String)> {
        self.journals
            .iter()
            .zip(self.hits.iter())
            .filter(|(_, h)| !h.load(Ordering::Relaxed))
            .map(|(j, _)| j.clone())
            .collect()
    }

    /// Number of journals (lines or CSV rows; a journal may have several ids).
    pub fn journals(&self) -> usize {
        self.journals.len()
    }
}

/// The name of column `k` in the header (the first line that is not a
/// comment), for messages.
fn rdr_header_name(k: usize, text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .and_then(|h| h.split(',').nth(k))
        .unwrap_or("")
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_ids_and_issns() {
        let text =
            "# Nature\n0028-0836\n1476-4687  # online\nhttps://openalex.org/S1\n0004-637x 0.2\nhttp://openalex.org/S3\n";
        let l = JournalList::parse(Path::new("j.txt"), text).unwrap();
        assert_eq!(l.len(), 5);
        assert_eq!(l.weight(Some("S3"), None, []), Some(1.0));
        assert_eq!(l.weight(Some("S1"), None, []), Some(1.0));
        assert_eq!(l.weight(Some("S2"), Some("00280836"), []), Some(1.0));
        assert_eq!(l.weight(None, None, ["9999-9999", "0004-637X"]), Some(0.2));
        assert_eq!(l.weight(Some("S2"), Some("1234-5678"), ["9999-9999"]), None);
    }

    fn parse(text: &str) -> Result<JournalList, String> {
        JournalList::parse(Path::new("j.txt"), text).map_err(|e| e.to_string())
    }

    /// Every documented spelling of an entry.
    #[test]
    fn entries_in_every_documented_form() {
        let l = parse(
            "# a list\ns3880285\nhttps://OpenAlex.org/S2\n00280836\nISSN 1476-4687\nissn:0036-8075 0.5\n",
        )
        .unwrap();
        assert_eq!(l.len(), 5);
        assert_eq!(l.weight(Some("S3880285"), None, []), Some(1.0));
        assert_eq!(l.weight(Some("S2"), None, []), Some(1.0));
        assert_eq!(l.weight(None, Some("0028-0836"), []), Some(1.0));
        assert_eq!(l.weight(None, None, ["1476-4687"]), Some(1.0));
        assert_eq!(l.weight(None, None, ["0036-8075"]), Some(0.5));
    }

    /// A journal name, a name after a comma without a header, a made-up
    /// id: errors naming the line and saying what an entry is.
    #[test]
    fn lines_that_are_no_entry_are_errors() {
        for (text, line, shows) in [
            ("S1\nNature\n", 2, "`Nature` is not a journal list entry"),
            ("S1\nW12\n", 2, "`W12` is not a journal list entry"),
            (
                "0028-0836,Nature\n",
                1,
                "`0028-0836,Nature` is not a journal list header",
            ),
            (
                "title,subject\nNature,x\n",
                1,
                "`title,subject` is not a journal list header",
            ),
            (
                "S1\nS2 heavy\n",
                2,
                "field `weight`: `heavy` is not a weight: a number above 0 and at most 1000",
            ),
            ("S1\nS2 0\n", 2, "field `weight`: `0` is not a weight"),
            ("S1\nS2 -1\n", 2, "field `weight`: `-1` is not a weight"),
            (
                "S1\nS2 1e300\n",
                2,
                "field `weight`: `1e300` is not a weight",
            ),
            ("S1\nS2 NaN\n", 2, "field `weight`: `NaN` is not a weight"),
            ("S1\nS2 inf\n", 2, "field `weight`: `inf` is not a weight"),
            (
                "source_id,weight\nS1,1001\n",
                2,
                "field `weight`: `1001` is not a weight",
            ),
            ("S1\nS2 1 2\n", 2, "unexpected `2`"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.starts_with(&format!("j.txt:{line}: ")), "{text:?}: {e}");
            assert!(e.contains(shows), "{text:?}: {e}");
        }
        assert_eq!(
            parse("# nothing\n\n").unwrap_err(),
            "j.txt: the journal list has no entries"
        );
    }

    /// The same journal twice with two weights is an error naming both
    /// lines; twice with one weight is fine.
    #[test]
    fn an_entry_listed_twice_with_two_weights_is_an_error() {
        assert_eq!(
            parse("S1 0.2\nS2\ns1 0.5\n").unwrap_err(),
            "j.txt:3: `s1` is listed again with weight 0.5 (line 1 gives 0.2)"
        );
        assert_eq!(
            parse("S1 0.2\nS1 0.2\n0028-0836\n00280836\n")
                .unwrap()
                .len(),
            2
        );
    }

    /// The Nature Index list as published (title, print and electronic
    /// ISSN, subject): each row is one journal, matched by either ISSN; a
    /// weight column applies; a bad ISSN names its column.
    #[test]
    fn a_csv_list_with_a_header() {
        let l = parse(
            "title,issn_print,issn_electronic,subject,notes\nNature,0028-0836,1476-4687,Multidisciplinary,\n\"Cell, the journal\",0092-8674,,Life Sciences,x\n",
        )
        .unwrap();
        assert_eq!(l.len(), 3);
        assert_eq!(l.weight(None, None, ["1476-4687"]), Some(1.0));
        assert_eq!(l.weight(None, Some("0092-8674"), []), Some(1.0));
        let l = parse("# weighted\nsource_id,ISSN,weight\nS1,,0.2\n,0004-637X,\n").unwrap();
        assert_eq!(l.weight(Some("S1"), None, []), Some(0.2));
        assert_eq!(l.weight(None, None, ["0004-637X"]), Some(1.0));
        assert_eq!(
            parse("title,issn_print\nNature,0028-083\n").unwrap_err(),
            "j.txt:2: field `issn_print`: `0028-083` is not an ISSN or an OpenAlex source id"
        );
        assert_eq!(
            parse("title,issn_print\nNature,\n").unwrap_err(),
            "j.txt:2: a journal with no id: give an ISSN or a source id"
        );
    }

    /// The project's own lists and, where present, the shared data's CSV.
    #[test]
    fn the_shipped_lists_load() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for (file, n) in [
            ("config/journals/nature-index-82.txt", 82),
            ("config/journals/nature-index-145.txt", 145),
        ] {
            let l = JournalList::load(&root.join(file)).unwrap();
            assert!(l.len() >= n, "{file}: {}", l.len());
        }
        let shared = root.join("../shared/data/journals/ni82.csv");
        if shared.exists() {
            let l = JournalList::load(&shared).unwrap();
            // Two ISSNs per journal, a few with one.
            assert!(l.len() > 82 && l.len() <= 164, "{}", l.len());
        } else {
            eprintln!("SKIPPED (part): ../shared/data is not next to the checkout");
        }
    }

    #[test]
    fn bad_weight_names_the_line() {
        let e = JournalList::parse(Path::new("j.txt"), "S1\nS2 heavy\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "j.txt:2: field `weight`: `heavy` is not a weight: a number above 0 and at most 1000 (leave a journal out of the list to give it none)"
        );
    }
}

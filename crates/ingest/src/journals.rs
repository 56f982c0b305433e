//! Journal lists: which sources count. One entry per line: an OpenAlex source
//! id (`S137773608` or its URL) or an ISSN (`1476-4687`), optionally followed
//! by a weight that multiplies every credit of the journal's articles (the
//! old Nature Index gave four astronomy journals 0.2). `#` starts a comment.

use crate::normalize::{issn, openalex_id};
use crate::InputError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A parsed journal list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JournalList {
    /// Where it came from.
    pub path: PathBuf,
    /// Entry (short source id or normalized ISSN) to weight.
    entries: HashMap<String, f64>,
}

impl JournalList {
    /// Reads a list file.
    pub fn load(path: &Path) -> Result<Self, InputError> {
        let text = std::fs::read_to_string(path).map_err(|source| InputError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Parses a list's text; `path` is only for messages.
    pub fn parse(path: &Path, text: &str) -> Result<Self, InputError> {
        let mut entries = HashMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let entry = parts.next().unwrap_or_default();
            let weight = match parts.next() {
                None => 1.0,
                Some(w) => match w.parse::<f64>() {
                    Ok(w) if w.is_finite() && w >= 0.0 => w,
                    _ => {
                        return Err(InputError::record(
                            path,
                            i as u64 + 1,
                            Some("weight".into()),
                            format!("`{w}` is not a non-negative number"),
                        ))
                    }
                },
            };
            if let Some(extra) = parts.next() {
                return Err(InputError::record(
                    path,
                    i as u64 + 1,
                    None,
                    format!("unexpected `{extra}`: one entry (source id or ISSN) and an optional weight per line"),
                ));
            }
            let key = issn(entry).unwrap_or_else(|| openalex_id(entry).to_owned());
            entries.insert(key, weight);
        }
        if entries.is_empty() {
            return Err(InputError::Format {
                path: path.to_path_buf(),
                message: "the journal list has no entries".into(),
            });
        }
        Ok(JournalList {
            path: path.to_path_buf(),
            entries,
        })
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
        if let Some(w) = source_id.and_then(|s| self.entries.get(s)) {
            return Some(*w);
        }
        let by_issn = |s: &str| issn(s).and_then(|k| self.entries.get(&k).copied());
        if let Some(w) = issn_l.and_then(by_issn) {
            return Some(w);
        }
        issns.into_iter().find_map(by_issn)
    }
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

    #[test]
    fn bad_weight_names_the_line() {
        let e = JournalList::parse(Path::new("j.txt"), "S1\nS2 heavy\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "j.txt:2: field `weight`: `heavy` is not a non-negative number"
        );
    }
}

//! The one place where the spellings that differ between inputs become one:
//! OpenAlex ids with or without their URL (either scheme), ROR ids, work
//! types and ISSNs. Every reader (the fast OpenAlex scanner, its serde
//! fallback, the CSV readers, the institution tables, the journal list and
//! the config's type filter) goes through these functions, so that the same
//! institution, journal or type is never two things.

/// An OpenAlex id without its URL prefix: `https://openalex.org/I27837315`
/// and `http://openalex.org/I27837315` are `I27837315`; anything else is
/// returned as it is.
///
/// ```
/// use tally_ingest::normalize::openalex_id;
/// assert_eq!(openalex_id("https://openalex.org/W1"), "W1");
/// assert_eq!(openalex_id("http://openalex.org/I1"), "I1");
/// assert_eq!(openalex_id("I1"), "I1");
/// ```
pub fn openalex_id(id: &str) -> &str {
    id.strip_prefix("https://openalex.org/")
        .or_else(|| id.strip_prefix("http://openalex.org/"))
        .unwrap_or(id)
}

/// An OpenAlex source id in a journal list: `S137773608`, `s137773608` or
/// its URL (either scheme, any case) as `S137773608`; `None` for anything
/// else.
///
/// ```
/// use tally_ingest::normalize::source_id;
/// assert_eq!(source_id("https://OpenAlex.org/s1").as_deref(), Some("S1"));
/// assert_eq!(source_id("Nature"), None);
/// ```
pub fn source_id(s: &str) -> Option<String> {
    let lower = s.trim().to_ascii_lowercase();
    let short = ["https://openalex.org/", "http://openalex.org/"]
        .iter()
        .find_map(|p| lower.strip_prefix(p))
        .unwrap_or(&lower);
    let digits = short.strip_prefix('s')?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then(|| format!("S{digits}"))
}

/// True for an id that is a ROR id with its URL prefix (either scheme).
pub fn is_ror_url(id: &str) -> bool {
    id.starts_with("https://ror.org/") || id.starts_with("http://ror.org/")
}

/// A ROR id (`https://ror.org/03cve4549`, `http://ror.org/03CVE4549/` or
/// `03cve4549`) as its 9-character suffix, lower case. The last path segment
/// is taken, which also mends a doubled prefix seen in real records
/// (`https://ror.org/https://ror.org/03cve4549`).
///
/// ```
/// use tally_ingest::normalize::ror_id;
/// assert_eq!(ror_id("http://ror.org/03CVE4549/"), "03cve4549");
/// ```
pub fn ror_id(id: &str) -> String {
    let s = id.trim().trim_end_matches('/');
    s.rsplit('/').next().unwrap_or(s).to_ascii_lowercase()
}

/// A work type as tally compares it: OpenAlex's older `journal-article` is
/// `article`; every other type is kept as written.
pub fn work_type(t: &str) -> &str {
    if t == "journal-article" {
        "article"
    } else {
        t
    }
}

/// `12345678` or `1234-5678` (the check digit may be `x` or `X`) as
/// `1234-5678`, upper case; `None` for anything else.
///
/// ```
/// use tally_ingest::normalize::issn;
/// assert_eq!(issn("0004637x").as_deref(), Some("0004-637X"));
/// assert_eq!(issn("Nature"), None);
/// ```
pub fn issn(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let digits: Vec<u8> = match b.len() {
        8 => b.to_vec(),
        9 if b[4] == b'-' => b.iter().copied().filter(|c| *c != b'-').collect(),
        _ => return None,
    };
    let ok = digits.len() == 8
        && digits[..7].iter().all(u8::is_ascii_digit)
        && (digits[7].is_ascii_digit() || digits[7] == b'x' || digits[7] == b'X');
    ok.then(|| {
        let d: String = digits
            .iter()
            .map(|c| c.to_ascii_uppercase() as char)
            .collect();
        format!("{}-{}", &d[..4], &d[4..])
    })
}

/// A country code as tally keys it: trimmed, upper case; `None` when empty.
pub fn country(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_url_schemes_give_the_short_id() {
        for id in ["https://openalex.org/I1", "http://openalex.org/I1", "I1"] {
            assert_eq!(openalex_id(id), "I1");
        }
        assert_eq!(
            openalex_id("https://ror.org/03cve4549"),
            "https://ror.org/03cve4549"
        );
        assert!(is_ror_url("http://ror.org/03cve4549"));
        assert_eq!(
            ror_id("https://ror.org/https://ror.org/03cve4549"),
            "03cve4549"
        );
    }

    #[test]
    fn issns_and_types() {
        assert_eq!(issn("1476-4687").as_deref(), Some("1476-4687"));
        assert_eq!(issn("14764687").as_deref(), Some("1476-4687"));
        assert_eq!(issn("1476-468"), None);
        assert_eq!(issn("147-64687"), None);
        assert_eq!(issn("s3880285"), None);
        assert_eq!(work_type("journal-article"), "article");
        assert_eq!(work_type("review"), "review");
        assert_eq!(country(" fr ").as_deref(), Some("FR"));
        assert_eq!(country(" "), None);
    }
}

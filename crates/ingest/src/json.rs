//! JSON skimming: a reader over one line of JSON that reads only the values
//! it is asked for and skips the rest without building anything, while
//! checking everything it skips against the JSON grammar exactly as
//! serde_json does (bracket kinds, commas and colons, the number and literal
//! grammar, string escapes, control characters).
//!
//! It never decides that input is wrong: whenever something is not as
//! expected it gives up ([`GiveUp`]) and the caller hands the line to
//! serde_json, which reads it or names what is wrong. So a line the skimmer
//! accepts is a line serde_json accepts with the same values, and a line it
//! gives up on costs only time. (`fuzz/` checks that claim on mutated real
//! records.)
//!
//! Where serde_json checks less than this reader (the UTF-8 of strings it
//! ignores, the depth of values it ignores), this reader may check more:
//! giving up is always allowed.

use std::borrow::Cow;

mod block;

/// The skimmer met something it does not read (the slow path decides).
#[derive(Debug)]
pub struct GiveUp;

/// A skimming step.
pub type R<T> = Result<T, GiveUp>;

/// Nesting deeper than this gives up (serde_json's own limit is 128).
#[cfg(test)]
const MAX_DEPTH: u32 = 100;

/// A position in one line of JSON.
pub struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    /// A reader at the start of `b`.
    pub fn new(b: &'a [u8]) -> Self {
        Scan { b, i: 0 }
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    /// True when only whitespace is left.
    pub fn at_end(&mut self) -> bool {
        self.ws();
        self.i == self.b.len()
    }

    #[inline]
    fn peek(&mut self) -> R<u8> {
        self.ws();
        self.b.get(self.i).copied().ok_or(GiveUp)
    }

    #[inline]
    fn eat(&mut self, c: u8) -> R<()> {
        if self.peek()? == c {
            self.i += 1;
            Ok(())
        } else {
            Err(GiveUp)
        }
    }

    /// After the opening quote: the raw bytes up to the closing quote, and
    /// whether they hold escapes. Escapes and control characters are checked.
    #[inline]
    fn raw_string(&mut self) -> R<(&'a [u8], bool)> {
        let start = self.i;
        let mut escaped = false;
        loop {
            self.i += find_special(&self.b[self.i..]).ok_or(GiveUp)?;
            match self.b[self.i] {
                b'"' => {
                    let s = &self.b[start..self.i];
                    self.i += 1;
                    return Ok((s, escaped));
                }
                b'\\' => {
                    escaped = true;
                    self.escape()?;
                }
                _ => return Err(GiveUp), // a control character
            }
        }
    }

    /// At a backslash: steps over a valid escape.
    #[inline]
    fn escape(&mut self) -> R<()> {
        match self.b.get(self.i + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.i += 2;
                Ok(())
            }
            Some(b'u') => {
                let hex = self.b.get(self.i + 2..self.i + 6).ok_or(GiveUp)?;
                if hex.iter().all(u8::is_ascii_hexdigit) {
                    self.i += 6;
                    Ok(())
                } else {
                    Err(GiveUp)
                }
            }
            _ => Err(GiveUp),
        }
    }

    /// A string value (unescaped, valid UTF-8) or null.
    pub fn string(&mut self) -> R<Option<Cow<'a, str>>> {
        match self.peek()? {
            b'"' => {
                self.i += 1;
                let (raw, escaped) = self.raw_string()?;
                if escaped {
                    unescape(raw).map(|s| Some(Cow::Owned(s)))
                } else {
                    let s = std::str::from_utf8(raw).map_err(|_| GiveUp)?;
                    Ok(Some(Cow::Borrowed(s)))
                }
            }
            b'n' => self.literal(b"null").map(|_| None),
            _ => Err(GiveUp),
        }
    }

    /// An object key the caller will match: without escapes, valid UTF-8.
    fn key(&mut self) -> R<&'a [u8]> {
        self.eat(b'"')?;
        let (key, escaped) = self.raw_string()?;
        if escaped || (!key.is_ascii() && std::str::from_utf8(key).is_err()) {
            return Err(GiveUp);
        }
        Ok(key)
    }

    #[inline]
    fn literal(&mut self, word: &[u8]) -> R<()> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(GiveUp)
        }
    }

    /// True (and consumed) when the next value is `null`.
    pub fn is_null(&mut self) -> R<bool> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// A boolean or null.
    pub fn boolean(&mut self) -> R<Option<bool>> {
        match self.peek()? {
            b't' => self.literal(b"true").map(|_| Some(true)),
            b'f' => self.literal(b"false").map(|_| Some(false)),
            b'n' => self.literal(b"null").map(|_| None),
            _ => Err(GiveUp),
        }
    }

    /// An integer that fits an `i32`, or null. A fraction or an exponent
    /// gives up (serde_json refuses them for an integer field).
    pub fn int(&mut self) -> R<Option<i32>> {
        if self.is_null()? {
            return Ok(None);
        }
        let start = self.i;
        if self.number()? {
            return Err(GiveUp);
        }
        // ASCII digits and an optional sign: valid UTF-8.
        std::str::from_utf8(&self.b[start..self.i])
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Some)
            .ok_or(GiveUp)
    }

    /// Steps over a number (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`);
    /// says whether it had a fraction or an exponent.
    #[inline]
    fn number(&mut self) -> R<bool> {
        let end = block::number_end(self.b, self.i).ok_or(GiveUp)?;
        let plain = self.b[self.i..end]
            .iter()
            .all(|c| c.is_ascii_digit() || *c == b'-');
        self.i = end;
        Ok(!plain)
    }

    /// Skips any value, checking it fully.
    pub fn skip(&mut self) -> R<()> {
        match self.peek()? {
            b'"' => {
                self.i += 1;
                self.raw_string().map(|_| ())
            }
            b'{' | b'[' => {
                self.i = block::skip_container(self.b, self.i).ok_or(GiveUp)?;
                Ok(())
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number().map(|_| ()),
            _ => Err(GiveUp),
        }
    }

    /// [`Scan::skip`] the slow and obvious way, one value at a time: the
    /// reference that the block skipper is tested against.
    #[cfg(test)]
    fn skip_value(&mut self, depth: u32) -> R<()> {
        match self.peek()? {
            b'{' => {
                if depth >= MAX_DEPTH {
                    return Err(GiveUp);
                }
                self.i += 1;
                if self.peek()? == b'}' {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.eat(b'"')?;
                    self.raw_string()?;
                    self.eat(b':')?;
                    self.skip_value(depth + 1)?;
                    match self.peek()? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return Err(GiveUp),
                    }
                }
            }
            b'[' => {
                if depth >= MAX_DEPTH {
                    return Err(GiveUp);
                }
                self.i += 1;
                if self.peek()? == b']' {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return Err(GiveUp),
                    }
                }
            }
            _ => self.skip(),
        }
    }

    /// Calls `f` with each key of an object; `f` must consume the value.
    pub fn object(&mut self, mut f: impl FnMut(&mut Self, &'a [u8]) -> R<()>) -> R<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Ok(());
        }
        loop {
            let key = self.key()?;
            self.eat(b':')?;
            f(self, key)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(GiveUp),
            }
        }
    }

    /// Calls `f` for each element of an array (none for null); `f` must
    /// consume the element.
    pub fn array(&mut self, mut f: impl FnMut(&mut Self) -> R<()>) -> R<()> {
        if self.is_null()? {
            return Ok(());
        }
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.i += 1;
            return Ok(());
        }
        loop {
            f(self)?;
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(GiveUp),
            }
        }
    }

    /// Skips an array or null (anything else gives up).
    pub fn skip_array(&mut self) -> R<()> {
        match self.peek()? {
            b'[' | b'n' => self.skip(),
            _ => Err(GiveUp),
        }
    }
}

/// Keys of one object already met, as bits: a repeated key gives up
/// (serde_json refuses a duplicate field of a struct, and says so).
#[derive(Default)]
pub struct Seen(u32);

impl Seen {
    /// Marks key number `k` (0..32); gives up if it was met before.
    #[inline]
    pub fn mark(&mut self, k: u32) -> R<()> {
        let bit = 1 << k;
        if self.0 & bit != 0 {
            return Err(GiveUp);
        }
        self.0 |= bit;
        Ok(())
    }

    /// True when every key of `mask` was met.
    pub fn all(&self, mask: u32) -> bool {
        self.0 & mask == mask
    }
}

/// The first `"`, `\` or control character (below 0x20): 16 bytes at a
/// time with SSE2 (every x86_64 CPU has it), byte by byte elsewhere and at
/// the end of the input.
#[inline]
fn find_special(b: &[u8]) -> Option<usize> {
    #[allow(unused_mut)]
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of the x86_64 baseline; each load reads
        // b[i..i + 16], inside the slice (i + 16 <= len); unaligned loads
        // are allowed by _mm_loadu_si128.
        unsafe {
            let quote = _mm_set1_epi8(b'"' as i8);
            let backslash = _mm_set1_epi8(b'\\' as i8);
            let control = _mm_set1_epi8(0x1f);
            while i + 16 <= b.len() {
                let v = _mm_loadu_si128(b.as_ptr().add(i).cast::<__m128i>());
                let special = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                    // v <= 0x1f, unsigned: min(v, 0x1f) == v.
                    _mm_cmpeq_epi8(_mm_min_epu8(v, control), v),
                );
                let bits = _mm_movemask_epi8(special) as u32;
                if bits != 0 {
                    return Some(i + bits.trailing_zeros() as usize);
                }
                i += 16;
            }
        }
    }
    b[i..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|p| i + p)
}

/// The text of a string with escapes (already checked by `raw_string`),
/// as serde_json reads it into a Rust string: a lone surrogate gives up.
fn unescape(raw: &[u8]) -> R<String> {
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
    let hex = |s: Option<&[u8]>| -> R<u32> {
        let t = std::str::from_utf8(s.ok_or(GiveUp)?).map_err(|_| GiveUp)?;
        u32::from_str_radix(t, 16).map_err(|_| GiveUp)
    };
    while i < raw.len() {
        let c = raw[i];
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let e = *raw.get(i + 1).ok_or(GiveUp)?;
        i += 2;
        match e {
            b'"' => out.push(b'"'),
            b'\\' => out.push(b'\\'),
            b'/' => out.push(b'/'),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'u' => {
                let hi = hex(raw.get(i..i + 4))?;
                i += 4;
                let cp = if (0xD800..0xDC00).contains(&hi) {
                    if raw.get(i..i + 2) != Some(b"\\u") {
                        return Err(GiveUp);
                    }
                    let lo = hex(raw.get(i + 2..i + 6))?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return Err(GiveUp);
                    }
                    i += 6;
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else {
                    hi
                };
                let ch = char::from_u32(cp).ok_or(GiveUp)?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
            _ => return Err(GiveUp),
        }
    }
    String::from_utf8(out).map_err(|_| GiveUp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skips(s: &str) -> bool {
        let mut scan = Scan::new(s.as_bytes());
        let fast = scan.skip().is_ok() && scan.at_end();
        let mut slow = Scan::new(s.as_bytes());
        let reference = slow.skip_value(0).is_ok() && slow.at_end();
        assert_eq!(
            fast, reference,
            "the block skipper and the reference differ on {s}"
        );
        fast
    }

    /// serde_json's verdict on the same text, as a value it ignores.
    fn serde_skips(s: &str) -> bool {
        serde_json::from_str::<serde::de::IgnoredAny>(s).is_ok()
    }

    #[test]
    fn skipping_checks_the_grammar_as_serde_does() {
        for (text, ok) in [
            (r#"{"a":[1,2,{"b":null}],"c":"x\"y"}"#, true),
            (r#"[1,2}"#, false),
            (r#"{"a":1]"#, false),
            (r#"02020"#, false),
            (r#"-0"#, true),
            (r#"-"#, false),
            (r#"1.2.3"#, false),
            (r#"1."#, false),
            (r#"1e"#, false),
            (r#"1e+5"#, true),
            (r#"1.5E-3"#, true),
            (r#"tru"#, false),
            (r#"truex"#, false),
            (r#"nul"#, false),
            ("\"a\tb\"", false),
            (r#""\q""#, false),
            (r#""\u12G4""#, false),
            (r#""\ud800""#, true), // ignored: serde_json does not check surrogates here
            (r#"{"a" 1}"#, false),
            (r#"{"a":1,}"#, false),
            (r#"[1,]"#, false),
            (r#"[,1]"#, false),
            (r#"{1:2}"#, false),
            (r#"[1 2]"#, false),
            (r#"{}"#, true),
            (r#"[ ]"#, true),
            (r#"" \u00e9 ""#, true),
            (r#"{"a\\":["\\\"",{"b":[]}],"c":-1.5e+3}"#, true),
            (r#"["\\\\\"]"#, false),
            ("[\"a\u{1}\"]", false),
            ("[\"\u{e9}\u{20ac}\"]", true),
            ("[1\u{1}]", false),
            ("[\u{e9}]", false),
            ("[\\\"a\"]", false),
            ("[ 1 , 2 ]\t", true),
            ("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", true),
        ] {
            assert_eq!(skips(text), ok, "{text}");
            assert_eq!(serde_skips(text), ok, "serde_json on {text}");
        }
    }

    /// Random token soups, mostly broken: the block skipper, the reference
    /// and serde_json agree on every one.
    #[test]
    fn the_block_skipper_agrees_on_random_documents() {
        let mut r = 12345u64;
        let mut next = || {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            r
        };
        let pieces: [&str; 24] = [
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"k\"",
            "\"a b\"",
            "\"\\\"\"",
            "\"\\\\\"",
            "\"\\u00e9\"",
            "1",
            "-0",
            "2.5e-3",
            "true",
            "null",
            "01",
            " ",
            "\n",
            "\"x",
            "\\",
            "\u{1}",
            "\u{e9}",
            "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"",
        ];
        let (mut valid, mut total) = (0, 0);
        for _ in 0..60_000 {
            let mut doc = String::from(if next() % 2 == 0 { "{" } else { "[" });
            for _ in 0..(next() % 30) {
                doc.push_str(pieces[(next() % pieces.len() as u64) as usize]);
            }
            // Often close what is open, so that valid documents turn up.
            if next() % 2 == 0 {
                block::tests::close(&mut doc);
            }
            let ok = skips(&doc);
            assert_eq!(ok, serde_skips(&doc), "serde_json differs on {doc}");
            total += 1;
            valid += usize::from(ok);
        }
        assert!(valid > total / 50, "{valid} valid of {total}");
    }

    #[test]
    fn finder_matches_a_plain_search() {
        let text = b"ab\"c\\d\x01e{f}g[h]i;j{x\"y;z[[]]0123456789{;;;;;;;\x1f;;;;;\x7f\x80\xff";
        for start in 0..text.len() {
            let b = &text[start..];
            let q = b.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
            assert_eq!(find_special(b), q);
        }
    }

    #[test]
    fn integers_follow_the_number_grammar() {
        let int = |s: &str| Scan::new(s.as_bytes()).int().ok();
        assert_eq!(int("2020"), Some(Some(2020)));
        assert_eq!(int("null"), Some(None));
        assert_eq!(int("-12"), Some(Some(-12)));
        assert_eq!(int("2020.0"), None);
        assert_eq!(int("2e3"), None);
        assert_eq!(int("3000000000"), None);
        // A leading zero reads as 0, then the caller finds `2020` where a
        // comma belongs and gives up.
        let mut s = Scan::new(b"02020");
        assert_eq!(s.int().ok(), Some(Some(0)));
        assert!(!s.at_end());
    }
}

//! The fast path for OpenAlex works: a scanner that reads only the fields
//! tally uses and skips everything else without building values, writing
//! what it keeps into a [`WorkArena`] (one text buffer and a few flat
//! vectors per batch of works, so nothing is allocated per work).
//!
//! It is strict where tally reads (types, strings, escapes, UTF-8) and checks
//! only the structure of what it skips (strings terminated, brackets
//! balanced). When it meets anything it does not expect, it gives up on the
//! line and the caller parses it again with [`crate::works::parse_openalex`]
//! (serde_json), which either reads it or names the field that is wrong: so
//! the fast path can be wrong only by being slow.

/// A string in an arena's text buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    start: u32,
    len: u32,
}

/// One work in an arena.
#[derive(Clone, Copy, Debug)]
pub struct WorkRec {
    /// Short id.
    pub id: Span,
    /// Publication year.
    pub year: Option<i32>,
    /// Normalized type.
    pub work_type: Option<Span>,
    /// Source short id.
    pub source_id: Option<Span>,
    /// Source linking ISSN.
    pub issn_l: Option<Span>,
    /// Range into [`WorkArena::issns`].
    pub issns: (u32, u32),
    /// Range of authorship indexes into [`WorkArena::auth_ends`].
    pub auths: (u32, u32),
    /// `is_authors_truncated`.
    pub truncated: bool,
    /// The early screen excluded the work and its authorships were not read
    /// (see [`scan_openalex_screened`]).
    pub authorships_skipped: bool,
}

/// An affiliation in an arena.
#[derive(Clone, Copy, Debug, Default)]
pub struct InstRec {
    /// Short institution id.
    pub id: Option<Span>,
    /// ROR id as given.
    pub ror: Option<Span>,
    /// Country code.
    pub country_code: Option<Span>,
    /// Display name.
    pub name: Option<Span>,
}

/// Works of one batch, flat.
#[derive(Clone, Debug, Default)]
pub struct WorkArena {
    text: String,
    /// The works.
    pub works: Vec<WorkRec>,
    /// Per authorship (over all works), the end of its affiliations in `insts`.
    pub auth_ends: Vec<u32>,
    /// Affiliations.
    pub insts: Vec<InstRec>,
    /// ISSNs.
    pub issns: Vec<Span>,
}

impl WorkArena {
    /// The text of a span.
    pub fn text(&self, s: Span) -> &str {
        &self.text[s.start as usize..(s.start + s.len) as usize]
    }

    fn mark(&self) -> (usize, usize, usize, usize, usize) {
        (
            self.text.len(),
            self.works.len(),
            self.auth_ends.len(),
            self.insts.len(),
            self.issns.len(),
        )
    }

    /// Forgets everything added since `mark`.
    fn rollback(&mut self, m: (usize, usize, usize, usize, usize)) {
        self.text.truncate(m.0);
        self.works.truncate(m.1);
        self.auth_ends.truncate(m.2);
        self.insts.truncate(m.3);
        self.issns.truncate(m.4);
    }

    /// Removes the last work (after screening excluded it).
    pub fn pop_last(&mut self, mark: ArenaMark) {
        self.rollback(mark.0);
    }

    /// Where the arena stands now, to [`WorkArena::pop_last`] back to.
    pub fn mark_now(&self) -> ArenaMark {
        ArenaMark(self.mark())
    }

    /// Bytes the arena has allocated.
    pub fn capacity_bytes(&self) -> usize {
        use std::mem::size_of;
        self.text.capacity()
            + self.works.capacity() * size_of::<WorkRec>()
            + self.auth_ends.capacity() * size_of::<u32>()
            + self.insts.capacity() * size_of::<InstRec>()
            + self.issns.capacity() * size_of::<Span>()
    }

    /// Empties the arena, keeping its memory.
    pub fn clear(&mut self) {
        self.rollback((0, 0, 0, 0, 0));
    }

    fn push_str(&mut self, s: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        Span {
            start,
            len: s.len() as u32,
        }
    }
}

/// A position in an arena to roll back to.
#[derive(Clone, Copy, Debug)]
pub struct ArenaMark((usize, usize, usize, usize, usize));

/// The scanner gave up (the slow path decides).
#[derive(Debug)]
pub struct GiveUp;

type R<T> = Result<T, GiveUp>;

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

const OPENALEX: &[u8] = b"https://openalex.org/";

impl<'a> Scan<'a> {
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
    /// whether they hold escapes.
    #[inline]
    fn raw_string(&mut self) -> R<(&'a [u8], bool)> {
        let start = self.i;
        let mut escaped = false;
        loop {
            let at = find_quote_or_backslash(&self.b[self.i..]).ok_or(GiveUp)?;
            self.i += at;
            if self.b[self.i] == b'"' {
                let s = &self.b[start..self.i];
                self.i += 1;
                return Ok((s, escaped));
            }
            escaped = true;
            self.i += 2;
            if self.i > self.b.len() {
                return Err(GiveUp);
            }
        }
    }

    /// A string value or null, appended to the arena (unescaped).
    fn string(&mut self, arena: &mut WorkArena) -> R<Option<Span>> {
        match self.peek()? {
            b'"' => {
                self.i += 1;
                let (raw, escaped) = self.raw_string()?;
                if escaped {
                    let s = unescape(raw)?;
                    Ok(Some(arena.push_str(&s)))
                } else {
                    let s = std::str::from_utf8(raw).map_err(|_| GiveUp)?;
                    Ok(Some(arena.push_str(s)))
                }
            }
            b'n' => self.null().map(|_| None),
            _ => Err(GiveUp),
        }
    }

    /// Like [`Scan::string`], without an `https://openalex.org/` prefix.
    fn short_id(&mut self, arena: &mut WorkArena) -> R<Option<Span>> {
        if self.peek()? == b'"' && self.b[self.i + 1..].starts_with(OPENALEX) {
            let save = self.i;
            self.i += 1 + OPENALEX.len();
            let (raw, escaped) = self.raw_string()?;
            if !escaped {
                let s = std::str::from_utf8(raw).map_err(|_| GiveUp)?;
                return Ok(Some(arena.push_str(s)));
            }
            self.i = save;
        }
        let span = self.string(arena)?;
        Ok(span.map(|s| {
            let text = arena.text(s);
            match text.strip_prefix("https://openalex.org/") {
                Some(rest) => Span {
                    start: s.start + (text.len() - rest.len()) as u32,
                    len: rest.len() as u32,
                },
                None => s,
            }
        }))
    }

    fn null(&mut self) -> R<()> {
        if self.b[self.i..].starts_with(b"null") {
            self.i += 4;
            Ok(())
        } else {
            Err(GiveUp)
        }
    }

    fn is_null(&mut self) -> R<bool> {
        if self.peek()? == b'n' {
            self.null()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn boolean(&mut self) -> R<Option<bool>> {
        self.ws();
        let rest = &self.b[self.i..];
        if rest.starts_with(b"true") {
            self.i += 4;
            Ok(Some(true))
        } else if rest.starts_with(b"false") {
            self.i += 5;
            Ok(Some(false))
        } else if rest.starts_with(b"null") {
            self.i += 4;
            Ok(None)
        } else {
            Err(GiveUp)
        }
    }

    fn int(&mut self) -> R<Option<i32>> {
        if self.is_null()? {
            return Ok(None);
        }
        let start = self.i;
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        // Anything but a plain integer (fraction, exponent) goes the slow way.
        if matches!(self.b.get(self.i), Some(b'.' | b'e' | b'E')) {
            return Err(GiveUp);
        }
        std::str::from_utf8(&self.b[start..self.i])
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Some)
            .ok_or(GiveUp)
    }

    /// Skips any value, checking only its structure.
    fn skip(&mut self) -> R<()> {
        match self.peek()? {
            b'"' => {
                self.i += 1;
                self.raw_string().map(|_| ())
            }
            b'{' | b'[' => {
                self.i = skip_container(self.b, self.i).ok_or(GiveUp)?;
                Ok(())
            }
            _ => {
                // A number or literal: up to the next delimiter.
                let start = self.i;
                while let Some(c) = self.b.get(self.i) {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                        break;
                    }
                    self.i += 1;
                }
                if self.i == start {
                    Err(GiveUp)
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Iterates the keys of an object; `f` must consume each value.
    fn object(&mut self, mut f: impl FnMut(&mut Self, &'a [u8]) -> R<()>) -> R<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.eat(b'"')?;
            let (key, escaped) = self.raw_string()?;
            if escaped {
                return Err(GiveUp);
            }
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

    /// Skips an array or null, checking only its structure.
    fn skip_array(&mut self) -> R<()> {
        match self.peek()? {
            b'n' => self.null(),
            b'[' => {
                self.i = skip_container(self.b, self.i).ok_or(GiveUp)?;
                Ok(())
            }
            _ => Err(GiveUp),
        }
    }

    /// Iterates the elements of an array (or nothing for null).
    fn array(&mut self, mut f: impl FnMut(&mut Self) -> R<()>) -> R<()> {
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
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Bytes of `v` equal to `b`, as high bits (exact: no false positives).
#[inline]
fn eq_mask(v: u64, b: u8) -> u64 {
    let x = v ^ (ONES * b as u64);
    // High bit set where the byte of x is zero.
    !(((x & !HIGHS) + !HIGHS) | x | !HIGHS)
}

/// Skips the object or array that starts at `b[start]` (`{` or `[`):
/// the index just past its closing bracket, or `None` if it does not end.
/// Only structure is checked: strings end, brackets balance.
#[inline]
fn skip_container(b: &[u8], start: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if avx2() {
        // Safety: the CPU has AVX2 (checked at run time).
        return unsafe { simd::skip_container(b, start) };
    }
    skip_container_scalar(b, start, 0, false)
}

/// The byte-by-byte skipper, from a given state (depth, inside a string).
fn skip_container_scalar(b: &[u8], i: usize, depth: usize, in_str: bool) -> Option<usize> {
    let mut state = Skip { i, depth, in_str };
    state.bytes(b, b.len())
}

/// Where a skip stands: the next byte, the bracket depth, inside a string.
struct Skip {
    i: usize,
    depth: usize,
    in_str: bool,
}

impl Skip {
    /// Goes byte by byte up to `end` (or just past it, when the last byte
    /// escapes the next): the index past the closing bracket if found there;
    /// `None` otherwise (also for a bracket that closes nothing, which then
    /// leaves `depth` at 0 and the caller gives up at the end of input).
    fn bytes(&mut self, b: &[u8], end: usize) -> Option<usize> {
        while self.i < end {
            let c = b[self.i];
            self.i += 1;
            if self.in_str {
                match c {
                    b'\\' => self.i += 1,
                    b'"' => self.in_str = false,
                    _ => {}
                }
            } else {
                match c {
                    b'"' => self.in_str = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth = self.depth.checked_sub(1)?;
                        if self.depth == 0 {
                            return Some(self.i);
                        }
                    }
                    _ => {}
                }
            }
        }
        None
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn avx2() -> bool {
    use std::sync::atomic::{AtomicU8, Ordering};
    static HAS: AtomicU8 = AtomicU8::new(0);
    match HAS.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            let has = std::is_x86_feature_detected!("avx2");
            HAS.store(if has { 2 } else { 1 }, Ordering::Relaxed);
            has
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod simd {
    use std::arch::x86_64::*;

    /// Bit `i` set: an odd number of set bits in `x` at positions `0..=i`.
    #[inline]
    fn prefix_xor(mut x: u32) -> u32 {
        x ^= x << 1;
        x ^= x << 2;
        x ^= x << 4;
        x ^= x << 8;
        x ^= x << 16;
        x
    }

    /// [`super::skip_container`] 32 bytes at a time: quote, bracket and
    /// backslash masks per block; the in-string mask from the quotes'
    /// prefix XOR; brackets outside strings change the depth. A block with
    /// a backslash goes byte by byte (escapes are rare and need care).
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn skip_container(b: &[u8], start: usize) -> Option<usize> {
        let quote = _mm256_set1_epi8(b'"' as i8);
        let backslash = _mm256_set1_epi8(b'\\' as i8);
        let open = _mm256_set1_epi8(b'{' as i8);
        let close = _mm256_set1_epi8(b'}' as i8);
        let bit5 = _mm256_set1_epi8(0x20);
        let mut depth = 0usize;
        let mut in_str = false;
        let mut i = start;
        while i + 32 <= b.len() {
            // Safety: i + 32 <= len; unaligned loads are allowed.
            let v = unsafe { _mm256_loadu_si256(b.as_ptr().add(i).cast::<__m256i>()) };
            if _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, backslash)) != 0 {
                // Byte by byte through this block, then on in blocks.
                let mut state = super::Skip { i, depth, in_str };
                if let Some(done) = state.bytes(b, i + 32) {
                    return Some(done);
                }
                if state.depth == 0 {
                    return None;
                }
                (i, depth, in_str) = (state.i, state.depth, state.in_str);
                continue;
            }
            let q = _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, quote)) as u32;
            let w = _mm256_or_si256(v, bit5);
            let o = _mm256_movemask_epi8(_mm256_cmpeq_epi8(w, open)) as u32;
            let c = _mm256_movemask_epi8(_mm256_cmpeq_epi8(w, close)) as u32;
            let inside = prefix_xor(q) ^ if in_str { u32::MAX } else { 0 };
            let (o, c) = (o & !inside, c & !inside);
            let mut s = o | c;
            while s != 0 {
                let bit = s.trailing_zeros();
                if o & (1 << bit) != 0 {
                    depth += 1;
                } else {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i + bit as usize + 1);
                    }
                }
                s &= s - 1;
            }
            in_str = inside >> 31 == 1;
            i += 32;
        }
        super::skip_container_scalar(b, i, depth, in_str)
    }
}

/// First `"` or `\`: 16 bytes at a time with SSE2 (every x86_64 CPU has
/// it), eight at a time elsewhere and near the end of the input.
#[inline]
fn find_quote_or_backslash(b: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        let mut i = 0;
        // Safety: SSE2 is part of x86_64; each load reads b[i..i + 16],
        // inside the slice; unaligned loads are allowed.
        unsafe {
            let quote = _mm_set1_epi8(b'"' as i8);
            let backslash = _mm_set1_epi8(b'\\' as i8);
            while i + 16 <= b.len() {
                let v = _mm_loadu_si128(b.as_ptr().add(i).cast::<__m128i>());
                let m = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
                let bits = _mm_movemask_epi8(m) as u32;
                if bits != 0 {
                    return Some(i + bits.trailing_zeros() as usize);
                }
                i += 16;
            }
        }
        find_quote_or_backslash_swar(&b[i..]).map(|p| i + p)
    }
    #[cfg(not(target_arch = "x86_64"))]
    find_quote_or_backslash_swar(b)
}

/// First `"` or `\`, eight bytes at a time.
#[inline]
fn find_quote_or_backslash_swar(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 8 <= b.len() {
        let v = u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
        let m = eq_mask(v, b'"') | eq_mask(v, b'\\');
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\')
        .map(|p| i + p)
}

fn unescape(raw: &[u8]) -> R<String> {
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
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
                let hex = |s: &[u8]| -> R<u32> {
                    let t = std::str::from_utf8(s).map_err(|_| GiveUp)?;
                    u32::from_str_radix(t, 16).map_err(|_| GiveUp)
                };
                let hi = hex(raw.get(i..i + 4).ok_or(GiveUp)?)?;
                i += 4;
                let cp = if (0xD800..0xDC00).contains(&hi) {
                    if raw.get(i..i + 2) != Some(b"\\u") {
                        return Err(GiveUp);
                    }
                    let lo = hex(raw.get(i + 2..i + 6).ok_or(GiveUp)?)?;
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

/// Scans one OpenAlex work into the arena. On `Err` the arena is as before.
pub fn scan_openalex(line: &[u8], arena: &mut WorkArena) -> Result<(), GiveUp> {
    scan_openalex_screened(line, arena, &mut |_, _| false)
}

/// Like [`scan_openalex`], with an early screen: when the fields that decide
/// whether a work counts (`publication_year`, `type`, `primary_location`)
/// all come before `authorships`, as they do in OpenAlex, `excluded` is
/// asked about the work so far, and if it says yes the authorships are
/// skipped (checked for structure only) rather than read. The work is still
/// added, with no authorships and [`WorkRec::authorships_skipped`] set; the
/// caller's own screen then excludes it for the same reason.
pub fn scan_openalex_screened(
    line: &[u8],
    arena: &mut WorkArena,
    excluded: &mut dyn FnMut(&WorkArena, &WorkRec) -> bool,
) -> Result<(), GiveUp> {
    let mark = arena.mark();
    let r = scan(line, arena, excluded);
    if r.is_err() {
        arena.rollback(mark);
    }
    r
}

/// Top-level keys the scanner reads, as bits (a repeated one gives up:
/// serde_json rejects duplicate fields, and the slow path says so).
const K_ID: u8 = 1;
const K_YEAR: u8 = 2;
const K_TYPE: u8 = 4;
const K_LOCATION: u8 = 8;
const K_AUTHORSHIPS: u8 = 16;
const K_TRUNCATED: u8 = 32;
/// What the early screen needs.
const K_SCREEN: u8 = K_YEAR | K_TYPE | K_LOCATION;

fn scan(
    line: &[u8],
    arena: &mut WorkArena,
    excluded: &mut dyn FnMut(&WorkArena, &WorkRec) -> bool,
) -> R<()> {
    let mut s = Scan { b: line, i: 0 };
    let mut w = WorkRec {
        id: Span { start: 0, len: 0 },
        year: None,
        work_type: None,
        source_id: None,
        issn_l: None,
        issns: (0, 0),
        auths: (0, 0),
        truncated: false,
        authorships_skipped: false,
    };
    let mut id = None;
    let mut seen = 0u8;
    let issn_start = arena.issns.len() as u32;
    let auth_start = arena.auth_ends.len() as u32;
    s.object(|s, key| {
        let bit = match key {
            b"id" => K_ID,
            b"publication_year" => K_YEAR,
            b"type" => K_TYPE,
            b"primary_location" => K_LOCATION,
            b"authorships" => K_AUTHORSHIPS,
            b"is_authors_truncated" => K_TRUNCATED,
            _ => 0,
        };
        if seen & bit != 0 {
            return Err(GiveUp);
        }
        seen |= bit;
        match key {
            b"id" => id = s.short_id(arena)?,
            b"publication_year" => w.year = s.int()?,
            b"type" => {
                w.work_type = s.string(arena)?;
                if let Some(t) = w.work_type {
                    if arena.text(t) == "journal-article" {
                        w.work_type = Some(arena.push_str("article"));
                    }
                }
            }
            b"is_authors_truncated" => w.truncated = s.boolean()?.unwrap_or(false),
            b"primary_location" => {
                if !s.is_null()? {
                    s.object(|s, key| match key {
                        b"source" => {
                            if s.is_null()? {
                                return Ok(());
                            }
                            s.object(|s, key| match key {
                                b"id" => {
                                    w.source_id = s.short_id(arena)?;
                                    Ok(())
                                }
                                b"issn_l" => {
                                    w.issn_l = s.string(arena)?;
                                    Ok(())
                                }
                                b"issn" => s.array(|s| {
                                    // A null ISSN is an error for serde: let it say so.
                                    let x = s.string(arena)?.ok_or(GiveUp)?;
                                    arena.issns.push(x);
                                    Ok(())
                                }),
                                _ => s.skip(),
                            })
                        }
                        _ => s.skip(),
                    })?;
                }
            }
            b"authorships" => {
                if seen & K_SCREEN == K_SCREEN {
                    let so_far = WorkRec {
                        issns: (issn_start, arena.issns.len() as u32),
                        auths: (auth_start, auth_start),
                        ..w
                    };
                    if excluded(arena, &so_far) {
                        w.authorships_skipped = true;
                        return s.skip_array();
                    }
                }
                s.array(|s| {
                    s.object(|s, key| match key {
                        b"institutions" => s.array(|s| {
                            let mut inst = InstRec::default();
                            s.object(|s, key| {
                                match key {
                                    b"id" => inst.id = s.short_id(arena)?,
                                    b"ror" => inst.ror = s.string(arena)?,
                                    b"country_code" => inst.country_code = s.string(arena)?,
                                    b"display_name" => inst.name = s.string(arena)?,
                                    _ => s.skip()?,
                                }
                                Ok(())
                            })?;
                            arena.insts.push(inst);
                            Ok(())
                        }),
                        _ => s.skip(),
                    })?;
                    arena.auth_ends.push(arena.insts.len() as u32);
                    Ok(())
                })?;
            }
            _ => s.skip()?,
        }
        Ok(())
    })?;
    s.ws();
    if s.i != line.len() {
        return Err(GiveUp);
    }
    w.id = id.ok_or(GiveUp)?;
    w.issns = (issn_start, arena.issns.len() as u32);
    w.auths = (auth_start, arena.auth_ends.len() as u32);
    arena.works.push(w);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{ArenaWork, Record};
    use crate::works::parse_openalex;

    /// The fast scanner and serde_json agree on everything tally reads.
    fn same(line: &str) -> bool {
        let mut arena = WorkArena::default();
        let fast = scan_openalex(line.as_bytes(), &mut arena);
        let took = fast.is_ok();
        let slow = parse_openalex(line.as_bytes());
        match (fast, slow) {
            (Ok(()), Ok(w)) => {
                let a = ArenaWork {
                    arena: &arena,
                    rec: &arena.works[0],
                };
                assert_eq!(a.id(), w.id());
                assert_eq!(a.year(), w.year());
                assert_eq!(a.work_type(), w.work_type());
                assert_eq!(a.source_id(), w.source_id());
                assert_eq!(a.issn_l(), w.issn_l());
                assert_eq!(a.issns(), w.issns());
                assert_eq!(a.authors_truncated(), w.authors_truncated());
                assert_eq!(a.authorships(), w.authorships());
                for k in 0..a.authorships() {
                    let (mut x, mut y) = (Vec::new(), Vec::new());
                    a.for_each_institution(k, &mut |i| x.push(format!("{i:?}")));
                    w.for_each_institution(k, &mut |i| y.push(format!("{i:?}")));
                    assert_eq!(x, y);
                }
            }
            (Err(_), _) => {} // the slow path decides
            (Ok(()), Err(e)) => panic!("fast path accepted what serde refuses: {e:?}\n{line}"),
        }
        took
    }

    #[test]
    fn agrees_with_serde_on_real_shapes() {
        assert!(same(
            r#"{"id":"https://openalex.org/W1","publication_year":2020,"type":"journal-article","primary_location":{"source":null},"authorships":[{"institutions":[{"id":"https://openalex.org/I5"}]},{"author":{}}],"extra":{"deep":[1,2,{"x":null}]}}"#
        ));
        assert!(same(
            r#"{"id": "W2", "publication_year": null, "type": "article", "primary_location": {"source": {"id": "https://openalex.org/S9", "issn_l": "1234-5678", "issn": ["1234-5678", "8765-4321"]}}, "is_authors_truncated": true}"#
        ));
        assert!(same(
            r#"{"id":"W3","primary_location":null,"authorships":[],"abstract_inverted_index":{"a\"b":[1,2],"c":[3]}}"#
        ));
        assert!(same(
            r#"{"id":"W4","authorships":[{"institutions":[{"id":"I1","display_name":"Universit\u00e9 \"Paris\" \ud83d\ude00","ror":null,"country_code":"FR"}]}]}"#
        ));
        assert!(same(
            r#"  {"id":"W5","authorships":null,"publication_year":-12}  "#
        ));
        for line in include_str!("../../testkit/fixtures/design/works.jsonl").lines() {
            assert!(same(line));
        }
    }

    #[test]
    fn swar_finder_matches_a_plain_search() {
        let text = br#"ab"c\\d{e}f[g]h;i{x"y;z[[]]0123456789{;;;;;;;;;;;;"#;
        for start in 0..text.len() {
            let b = &text[start..];
            let q = b.iter().position(|&c| c == b'"' || c == b'\\');
            assert_eq!(find_quote_or_backslash_swar(b), q);
            assert_eq!(find_quote_or_backslash(b), q);
        }
        for c in 0..=255u8 {
            let v = u64::from_le_bytes([c; 8]);
            assert_eq!(eq_mask(v, b'"') != 0, c == b'"');
        }
    }

    #[test]
    fn skipping_agrees_with_the_byte_by_byte_skipper() {
        let mut r = 12345u64;
        let mut next = || {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            r
        };
        let pieces: [&[u8]; 12] = [
            b"{",
            b"}",
            b"[",
            b"]",
            b"\"",
            b"\\",
            b"\\\"",
            b"abc",
            b",",
            b":",
            b"{\"k\":[1,2]}",
            b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ];
        for _ in 0..20_000 {
            let mut doc: Vec<u8> = vec![if next() % 2 == 0 { b'{' } else { b'[' }];
            for _ in 0..(next() % 40) {
                doc.extend_from_slice(pieces[(next() % pieces.len() as u64) as usize]);
            }
            assert_eq!(
                skip_container(&doc, 0),
                skip_container_scalar(&doc, 0, 0, false),
                "{}",
                String::from_utf8_lossy(&doc)
            );
        }
        let doc = br#"{"a":"}]\"{","b":[{"c":"\\"},[]],"d":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"} tail"#;
        assert_eq!(skip_container(doc, 0), Some(doc.len() - 5));
    }

    #[test]
    fn agrees_with_serde_on_synthetic_works() {
        let mut r = tally_synth::Rng::new(99);
        for id in 0..3000 {
            let line = tally_synth::work_line(&mut r, id);
            assert!(
                same(line.trim_end()),
                "fast path gave up on synthetic work {id}"
            );
        }
    }

    #[test]
    fn gives_up_on_what_it_does_not_expect() {
        let mut arena = WorkArena::default();
        for bad in [
            r#"{"id":"W1","publication_year":"2020"}"#,
            r#"{"id":"W1","publication_year":2020.5}"#,
            r#"{"id":"W1","authorships":[{"institutions":[{"id":5}]}]}"#,
            r#"{"id":"W1", "#,
            r#"{"publication_year":2020}"#,
            r#"{"id":"W1"} trailing"#,
            r#"{"id":"W1","x":"unterminated}"#,
            r#"{"id":"W1","x":[1,2}"#,
            r#"{"id":"W1","primary_location":{"source":{"issn":["1234-5678",null]}}}"#,
            r#"{"id":"W1","type":"article","publication_year":2020,"type":"review"}"#,
            r#"{"id":"W1","id":"W2"}"#,
        ] {
            assert!(scan_openalex(bad.as_bytes(), &mut arena).is_err(), "{bad}");
            assert!(arena.works.is_empty() && arena.insts.is_empty());
            same(bad);
        }
    }

    /// A screen that excludes works of one type, and counts its calls.
    fn excluding<'a>(
        kind: &'static str,
        calls: &'a mut u32,
    ) -> impl FnMut(&WorkArena, &WorkRec) -> bool + 'a {
        move |a, w| {
            *calls += 1;
            w.work_type.is_some_and(|t| a.text(t) == kind)
        }
    }

    #[test]
    fn the_early_screen_skips_the_authorships_of_excluded_works() {
        let head = r#"{"id":"W1","publication_year":2020,"type":"TYPE","primary_location":{"source":{"id":"S1","issn":["1234-5678"]}},"authorships":"#;
        let good = r#"[{"institutions":[{"id":"I1"}]},{"institutions":[]}]"#;
        // Wrong inside, structurally sound: only a work that counts is read.
        let odd = r#"[{"institutions":5}]"#;
        for (kind, auths, ok, skipped) in [
            ("review", good, true, true),
            ("article", good, true, false),
            ("review", odd, true, true),
            ("article", odd, false, false),
        ] {
            let line = format!("{}{auths}}}", head.replace("TYPE", kind));
            let (mut arena, mut calls) = (WorkArena::default(), 0);
            let r = scan_openalex_screened(
                line.as_bytes(),
                &mut arena,
                &mut excluding("review", &mut calls),
            );
            assert_eq!(r.is_ok(), ok, "{line}");
            assert_eq!(calls, 1);
            if ok {
                let w = &arena.works[0];
                assert_eq!(w.authorships_skipped, skipped);
                assert_eq!(w.auths.1 - w.auths.0, if skipped { 0 } else { 2 });
                // What the screen needs was read all the same.
                assert_eq!(arena.text(w.source_id.unwrap()), "S1");
                assert_eq!(w.issns.1 - w.issns.0, 1);
                assert_eq!(w.year, Some(2020));
            }
        }
        // Not everything the screen needs comes first: no early screen.
        let late = r#"{"id":"W1","type":"review","authorships":[{"institutions":[{"id":"I1"}]}],"publication_year":2020,"primary_location":null}"#;
        let (mut arena, mut calls) = (WorkArena::default(), 0);
        scan_openalex_screened(
            late.as_bytes(),
            &mut arena,
            &mut excluding("review", &mut calls),
        )
        .unwrap();
        assert_eq!(calls, 0);
        assert!(!arena.works[0].authorships_skipped);
        assert_eq!(arena.insts.len(), 1);
        // Skipped authorships still must be well formed.
        let broken = format!(
            "{}[{{\"institutions\":[}}]}}",
            head.replace("TYPE", "review")
        );
        let mut arena = WorkArena::default();
        assert!(scan_openalex_screened(
            broken.as_bytes(),
            &mut arena,
            &mut excluding("review", &mut 0)
        )
        .is_err());
    }
}

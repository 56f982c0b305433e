//! Skipping a whole object or array 64 bytes at a time, checking it against
//! the JSON grammar on the way.
//!
//! Each block is classified with SIMD compares into bit masks (quotes,
//! backslashes, control characters, whitespace, structural characters).
//! From them: which characters are escaped (a backslash run of odd length
//! before them), where strings are (the prefix XOR of the unescaped
//! quotes), and the *tokens*: structural characters outside strings,
//! opening quotes, and the first byte of each run of other characters
//! outside strings (a number or a literal). The tokens then drive a small
//! state machine with a bit stack of open containers, which checks what
//! may follow what (a key after `{` or `,` in an object, a `:` after a key,
//! a value after `:`, `,` or `[`, a `,` or a closing bracket of the right
//! kind after a value). Numbers and literals are checked by their grammar;
//! escapes by theirs; a control character inside a string, or any byte
//! outside strings that is none of the above, fails. So only the tokens
//! cost a step each; the bytes of strings cost a share of a block.

/// Open containers deeper than this give up.
const MAX_DEPTH: u32 = 100;

// What may come next.
/// A value (after `:`, or `,` in an array).
const VALUE: u8 = 0;
/// A value or `]` (after `[`).
const VALUE_OR_CLOSE: u8 = 1;
/// A key (after `,` in an object).
const KEY: u8 = 2;
/// A key or `}` (after `{`).
const KEY_OR_CLOSE: u8 = 3;
/// `:` (after a key).
const COLON: u8 = 4;
/// `,` or the closing bracket of the open container (after a value).
const COMMA_OR_CLOSE: u8 = 5;

/// Bit masks of one 64-byte block (bit `i` is byte `i`).
#[derive(Clone, Copy, Default)]
struct Masks {
    quote: u64,
    backslash: u64,
    control: u64,
    space: u64,
    structural: u64,
    /// `{`, `[`, `}` or `]`, `,`, `:`.
    open_brace: u64,
    open_bracket: u64,
    close: u64,
    comma: u64,
    colon: u64,
    /// `0`-`9`, `0`, `-`.
    digit: u64,
    zero: u64,
    minus: u64,
}

/// Why [`compact`] did not finish.
enum Fallback {
    /// Not valid JSON.
    Invalid,
    /// Whitespace between tokens: [`tokens`] decides.
    Spaced,
}

/// The masks of the 64 bytes from `b[base]` (padded with spaces past the
/// end), by `classify`.
#[inline(always)]
fn block_at(b: &[u8], base: usize, classify: impl Fn(&[u8; 64]) -> Masks) -> Masks {
    match b.get(base..base + 64) {
        Some(s) => classify(s.try_into().unwrap_or(&[b' '; 64])),
        None => {
            let mut pad = [b' '; 64];
            let rest = &b[base..];
            pad[..rest.len()].copy_from_slice(rest);
            classify(&pad)
        }
    }
}

/// Bits `from..to` (`to` <= 64).
#[inline]
fn range(from: u32, to: u32) -> u64 {
    if from >= to {
        return 0;
    }
    let high = if to == 64 { u64::MAX } else { (1u64 << to) - 1 };
    high & !((1u64 << from) - 1)
}

/// `x` shifted to its successors' positions, with the bit carried from the
/// previous block; returns the new carry in `carry`.
#[inline]
fn prev(x: u64, carry: &mut u64) -> u64 {
    let r = (x << 1) | *carry;
    *carry = x >> 63;
    r
}

/// Checks compact JSON with masks: for each kind of token, which token may
/// come just before it; a bit stack of open containers for the brackets
/// (one step per bracket) and the kind of container each comma and colon is
/// in; keys found by carrying each string start through its string (an
/// addition) to its closing quote, which must be followed by `:` exactly
/// when it closes a key. Integers are checked by masks; a block with other
/// numbers or literals checks those one by one.
fn compact(b: &[u8], start: usize) -> Result<usize, Fallback> {
    use Fallback::{Invalid, Spaced};
    let mut stack = 0u128;
    let mut depth = 0u32;
    let mut strings = Strings::default();
    // Carries of the masks whose predecessors are checked.
    let (mut c_open, mut c_value_pred, mut c_end, mut c_key_pred, mut c_key_close) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let (mut c_minus, mut c_zero, mut c_scalar, mut c_brace) = (0u64, 0u64, 0u64, 0u64);
    let mut key_carry = 0u64;
    // Where the number or literal still open at the end of the last block began.
    let mut open_run = start;
    let mut base = start;
    while base < b.len() {
        let m = block_at(b, base, masks);
        let (quote, inside) = strings.block(b, base, &m).ok_or(Invalid)?;
        let outside = !inside & !quote;
        let (lb, ls) = (m.open_brace & outside, m.open_bracket & outside);
        let close = m.close & outside;
        let (comma, colon) = (m.comma & outside, m.colon & outside);
        let scalar = outside & !m.structural & !m.space;
        // The brackets, one step each: the stack, the end of the container,
        // and where the innermost container changes between an object and an
        // array (a toggle just after the bracket; their prefix XOR is the
        // stretches directly inside an object).
        let was_object = depth > 0 && stack & 1 == 1;
        let mut toggles = 0u64;
        let mut valid = u64::MAX;
        let mut done = None;
        let mut brackets = lb | ls | close;
        while brackets != 0 {
            let q = brackets.trailing_zeros();
            brackets &= brackets - 1;
            let before = depth > 0 && stack & 1 == 1;
            let c = b[base + q as usize];
            if c != b'}' && c != b']' {
                if depth >= MAX_DEPTH {
                    return Err(Invalid);
                }
                depth += 1;
                stack = (stack << 1) | u128::from(c == b'{');
            } else {
                if depth == 0 || (stack & 1 == 1) != (c == b'}') {
                    return Err(Invalid);
                }
                depth -= 1;
                stack >>= 1;
                if depth == 0 {
                    valid = range(0, q + 1);
                    done = Some(base + q as usize + 1);
                    break;
                }
            }
            let after = stack & 1 == 1;
            toggles ^= (u64::from(before != after) << q) << 1;
        }
        let object = prefix_xor(toggles) ^ if was_object { u64::MAX } else { 0 };
        // Whitespace between tokens (padding past the line's end aside).
        let past = (b.len() - base).min(64) as u32;
        if m.space & outside & valid & range(0, past) != 0 {
            return Err(Spaced);
        }
        // The container's own opening bracket follows nothing of it.
        let own = if base == start { !1u64 } else { u64::MAX };
        let quote_open = quote & inside;
        let quote_close = quote & !inside;
        let scalar_start = scalar & !((scalar << 1) | c_scalar);
        let value_end = quote_close | close | scalar;
        // What may come before each token.
        let value_pred = prev(ls | colon | (comma & !object), &mut c_value_pred);
        let after_open = prev(lb | ls | colon | comma, &mut c_open);
        let after_end = prev(value_end, &mut c_end);
        // The kinds of brackets match on the stack above.
        let after_open_bracket = prev(lb | ls, &mut c_brace);
        let key_pred = prev(lb | (comma & object), &mut c_key_pred);
        let keys = quote_open & key_pred;
        let (sum, o1) = inside.overflowing_add(keys);
        let (sum, o2) = sum.overflowing_add(key_carry);
        key_carry = u64::from(o1 | o2);
        let key_close = sum & !inside & quote;
        let after_key = prev(key_close, &mut c_key_close);
        let bad = (quote_open & !after_open)
            | ((scalar_start | lb | ls) & own & !value_pred)
            | (close & !(after_open_bracket | after_end))
            | (comma & !after_end)
            | (colon & !(after_key & object))
            | (after_key & !colon);
        if bad & valid != 0 {
            return Err(Invalid);
        }
        // Numbers and literals. One that began in an earlier block is
        // checked whole, from its start.
        let carried = if scalar & 1 == 1 && c_scalar == 1 {
            scalar & !scalar.wrapping_add(1)
        } else {
            0
        };
        if carried != 0 {
            scalar_run(b, open_run)?;
        }
        let others = scalar & !m.digit & !m.minus & !carried & valid;
        // The numbers and literals with anything but digits and `-` (a
        // fraction, an exponent, a literal), one by one from their starts;
        // the rest are integers, checked by masks below.
        let mut xs = others;
        let mut checked = carried;
        while xs != 0 {
            let x = xs.trailing_zeros();
            let below = scalar_start & (u64::MAX >> (63 - x));
            // A run with no start at or below `x` began in an earlier block:
            // `carried`, checked whole above.
            let start = 63u32.checked_sub(below.leading_zeros()).ok_or(Invalid)?;
            let end = start + (!(scalar >> start)).trailing_zeros();
            scalar_run(b, base + start as usize)?;
            checked |= range(start, end);
            xs &= !checked;
        }
        let after_minus = prev(m.minus & scalar, &mut c_minus);
        let zero_first = m.zero & (scalar_start | after_minus);
        let after_zero = prev(zero_first, &mut c_zero);
        // Integers: `-` only first and before a digit; no digit after a
        // leading zero.
        let bad =
            (m.minus & scalar & !scalar_start) | (after_minus & !m.digit) | (after_zero & m.digit);
        if bad & valid & !checked != 0 {
            return Err(Invalid);
        }
        if let Some(end) = done {
            return Ok(end);
        }
        // Where the number or literal open at the end of the block began.
        if scalar >> 63 == 1 {
            let gap = !scalar;
            if gap != 0 {
                open_run = base + 64 - gap.leading_zeros() as usize;
            }
        }
        c_scalar = scalar >> 63;
        base += 64;
    }
    Err(Invalid)
}

/// Skips the object or array that starts at `b[start]` (`{` or `[`),
/// checking it fully: the index just past its closing bracket, or `None`
/// when it is not valid JSON (or nests deeper than the skimmer follows).
///
/// Compact JSON (no whitespace between tokens, as in OpenAlex) is checked
/// with masks alone ([`compact`]); anything else token by token.
pub(super) fn skip_container(b: &[u8], start: usize) -> Option<usize> {
    match compact(b, start) {
        Ok(end) => Some(end),
        Err(Fallback::Invalid) => None,
        Err(Fallback::Spaced) => tokens(b, start),
    }
}

/// Checks token by token: each token drives [`State`].
fn tokens(b: &[u8], start: usize) -> Option<usize> {
    let mut st = State {
        stack: 0,
        depth: 0,
        next: VALUE,
    };
    // Carried from one block to the next.
    let mut strings = Strings::default();
    let mut scalar_carry = 0u64; // bit 0: a number or literal runs on
    let mut base = start;
    let mut pad = [b' '; 64];
    while base < b.len() {
        let block: &[u8; 64] = match b.get(base..base + 64) {
            Some(s) => s.try_into().ok()?,
            None => {
                let rest = &b[base..];
                pad[..rest.len()].copy_from_slice(rest);
                pad[rest.len()..].fill(b' ');
                &pad
            }
        };
        let m = masks(block);
        // Escaped characters: the byte after each backslash that is not
        // itself escaped. Backslashes are rare: one step each.
        let (quote, inside) = strings.block(b, base, &m)?;
        let outside = !inside & !quote;
        let structural = m.structural & outside;
        let scalar = outside & !m.structural & !m.space;
        let scalar_starts = scalar & !((scalar << 1) | scalar_carry);
        scalar_carry = scalar >> 63;
        let mut tokens = structural | (quote & inside) | scalar_starts;
        while tokens != 0 {
            let p = tokens.trailing_zeros() as usize;
            tokens &= tokens - 1;
            let at = base + p;
            if at >= b.len() {
                return None;
            }
            match st.step(b, at)? {
                Step::More => {}
                Step::Done => return Some(at + 1),
            }
        }
        base += 64;
    }
    None
}

/// The grammar's state: the open containers (a bit each: 1 an object, 0 an
/// array) and what may come next.
struct State {
    stack: u128,
    depth: u32,
    next: u8,
}

enum Step {
    More,
    /// The outermost container closed.
    Done,
}

impl State {
    #[inline]
    fn in_object(&self) -> bool {
        self.stack & 1 == 1
    }

    /// One token at `b[at]`.
    #[inline]
    fn step(&mut self, b: &[u8], at: usize) -> Option<Step> {
        let c = b[at];
        match c {
            b'{' | b'[' => {
                if self.next != VALUE && self.next != VALUE_OR_CLOSE {
                    return None;
                }
                if self.depth >= MAX_DEPTH {
                    return None;
                }
                self.depth += 1;
                self.stack = (self.stack << 1) | u128::from(c == b'{');
                self.next = if c == b'{' {
                    KEY_OR_CLOSE
                } else {
                    VALUE_OR_CLOSE
                };
            }
            b'}' | b']' => {
                let object = c == b'}';
                let ok = match self.next {
                    COMMA_OR_CLOSE => self.depth > 0 && self.in_object() == object,
                    KEY_OR_CLOSE => object,
                    VALUE_OR_CLOSE => !object,
                    _ => false,
                };
                if !ok {
                    return None;
                }
                self.depth -= 1;
                self.stack >>= 1;
                self.next = COMMA_OR_CLOSE;
                if self.depth == 0 {
                    return Some(Step::Done);
                }
            }
            b',' => {
                if self.next != COMMA_OR_CLOSE || self.depth == 0 {
                    return None;
                }
                self.next = if self.in_object() { KEY } else { VALUE };
            }
            b':' => {
                if self.next != COLON {
                    return None;
                }
                self.next = VALUE;
            }
            b'"' => {
                self.next = match self.next {
                    KEY | KEY_OR_CLOSE => COLON,
                    VALUE | VALUE_OR_CLOSE => COMMA_OR_CLOSE,
                    _ => return None,
                };
            }
            _ => {
                if self.next != VALUE && self.next != VALUE_OR_CLOSE {
                    return None;
                }
                let end = scalar_end(b, at)?;
                // A number or literal ends where the run of other bytes does.
                if b.get(end).is_some_and(|&x| {
                    !matches!(
                        x,
                        b' ' | b'\t' | b'\n' | b'\r' | b',' | b']' | b'}' | b':' | b'"'
                    )
                }) {
                    return None;
                }
                self.next = COMMA_OR_CLOSE;
            }
        }
        Some(Step::More)
    }
}

/// Checks the number or literal at `b[at]`: its grammar, and that it ends
/// where the run of bytes that are neither structure, quote nor space does.
#[inline]
fn scalar_run(b: &[u8], at: usize) -> Result<(), Fallback> {
    let end = scalar_end(b, at).ok_or(Fallback::Invalid)?;
    match b.get(end) {
        None
        | Some(b' ' | b'\t' | b'\n' | b'\r' | b',' | b']' | b'}' | b':' | b'"' | b'[' | b'{') => {
            Ok(())
        }
        Some(_) => Err(Fallback::Invalid),
    }
}

/// Where strings are, block after block: what one block carries to the next.
#[derive(Default)]
struct Strings {
    /// All ones when the block ends inside a string.
    in_string: u64,
    /// Bit 0: the next block's first byte is escaped.
    escaped: u64,
}

impl Strings {
    /// The unescaped quotes of the block at `b[base]` and the in-string mask
    /// (from each opening quote up to its closing one); `None` for an
    /// invalid escape or a control character inside a string.
    #[inline(always)]
    fn block(&mut self, b: &[u8], base: usize, m: &Masks) -> Option<(u64, u64)> {
        // Escaped bytes: the one after each backslash that is not itself
        // escaped. Backslashes are rare: one step each.
        let mut escaped = self.escaped;
        self.escaped = 0;
        let mut bs = m.backslash & !escaped;
        while bs != 0 {
            let p = bs.trailing_zeros();
            if !valid_escape(b, base + p as usize) {
                return None;
            }
            if p == 63 {
                self.escaped = 1;
            } else {
                escaped |= 1 << (p + 1);
                // The escaped byte is no escape of its own.
                bs &= !(1 << (p + 1));
            }
            bs &= bs - 1;
        }
        let quote = m.quote & !escaped;
        let inside = prefix_xor(quote) ^ self.in_string;
        self.in_string = ((inside as i64) >> 63) as u64;
        if m.control & inside != 0 {
            return None;
        }
        Some((quote, inside))
    }
}

/// The end of the number or literal at `b[at]`, by its grammar.
#[inline]
fn scalar_end(b: &[u8], at: usize) -> Option<usize> {
    let word = |w: &[u8]| b[at..].starts_with(w).then_some(at + w.len());
    match b[at] {
        b't' => word(b"true"),
        b'f' => word(b"false"),
        b'n' => word(b"null"),
        b'-' | b'0'..=b'9' => number_end(b, at),
        _ => None,
    }
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` from `b[at]`: its end.
#[inline]
pub(super) fn number_end(b: &[u8], at: usize) -> Option<usize> {
    let mut i = at;
    let digits = |i: &mut usize| {
        let s = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > s
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return None;
        }
    }
    Some(i)
}

/// An escape starts at the backslash `b[at]`: `\"`, `\\`, `\/`, `\b`, `\f`,
/// `\n`, `\r`, `\t` or `\u` and four hex digits.
#[inline]
fn valid_escape(b: &[u8], at: usize) -> bool {
    match b.get(at + 1) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => true,
        Some(b'u') => b
            .get(at + 2..at + 6)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)),
        _ => false,
    }
}

/// Bit `i` set: an odd number of set bits in `x` at positions `0..=i`.
#[inline]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// The masks of a block: with AVX-512BW or AVX2 when the CPU has it, else
/// with SSE2 (every x86_64 CPU has it); byte by byte on other CPUs.
#[cfg(target_arch = "x86_64")]
#[inline]
fn masks(block: &[u8; 64]) -> Masks {
    if avx512() {
        // SAFETY: the CPU supports AVX-512BW (checked at run time).
        unsafe { masks_avx512(block) }
    } else if avx2() {
        // SAFETY: the CPU supports AVX2 (checked at run time).
        unsafe { masks_avx2(block) }
    } else {
        masks_sse2(block)
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn avx2() -> bool {
    // The standard library detects once and caches: an atomic load here.
    std::is_x86_feature_detected!("avx2")
}

/// AVX-512BW: checked once.
#[cfg(target_arch = "x86_64")]
#[inline]
fn avx512() -> bool {
    std::is_x86_feature_detected!("avx512bw")
}

/// The masks of a block from 64-byte compares, straight into bit masks.
///
/// # Safety
/// The CPU must support AVX-512BW.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512bw")]
unsafe fn masks_avx512(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::*;
    // SAFETY: reads the 64 bytes of the block; unaligned loads are allowed
    // by _mm512_loadu_si512.
    let v = unsafe { _mm512_loadu_si512(block.as_ptr().cast()) };
    let splat = |c: u8| _mm512_set1_epi8(c as i8);
    let eq = |c: u8| _mm512_cmpeq_epi8_mask(v, splat(c));
    let mut m = Masks {
        quote: eq(b'"'),
        backslash: eq(b'\\'),
        control: _mm512_cmple_epu8_mask(v, splat(0x1f)),
        space: eq(b' ') | eq(b'\t') | eq(b'\n') | eq(b'\r'),
        open_brace: eq(b'{'),
        open_bracket: eq(b'['),
        // `]` and `}` are 0x5d and 0x7d: one compare with bit 5 set.
        close: _mm512_cmpeq_epi8_mask(_mm512_or_si512(v, splat(0x20)), splat(b'}')),
        comma: eq(b','),
        colon: eq(b':'),
        minus: eq(b'-'),
        zero: eq(b'0'),
        // '0' <= v <= '9': v - '0' (wrapping) <= 9, unsigned.
        digit: _mm512_cmple_epu8_mask(_mm512_sub_epi8(v, splat(b'0')), splat(9)),
        structural: 0,
    };
    m.structural = m.open_brace | m.open_bracket | m.close | m.comma | m.colon;
    m
}

/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn masks_avx2(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::*;
    let mut m = Masks::default();
    let splat = |c: u8| _mm256_set1_epi8(c as i8);
    let (control, nine, zero_char, bit5) = (splat(0x1f), splat(9), splat(b'0'), splat(0x20));
    for k in 0..2 {
        // SAFETY: reads bytes k * 32 .. k * 32 + 32 of the 64-byte block;
        // unaligned loads are allowed by _mm256_loadu_si256.
        let v = unsafe { _mm256_loadu_si256(block.as_ptr().add(k * 32).cast::<__m256i>()) };
        let bits = |x: __m256i| u64::from(_mm256_movemask_epi8(x) as u32) << (k * 32);
        let eq = |c: u8| _mm256_cmpeq_epi8(v, splat(c));
        m.quote |= bits(eq(b'"'));
        m.backslash |= bits(eq(b'\\'));
        // v <= 0x1f, unsigned: min(v, 0x1f) == v.
        let low = _mm256_cmpeq_epi8(_mm256_min_epu8(v, control), v);
        m.control |= bits(low);
        m.space |= bits(_mm256_or_si256(
            eq(b' '),
            _mm256_and_si256(
                low,
                _mm256_or_si256(_mm256_or_si256(eq(b'\t'), eq(b'\n')), eq(b'\r')),
            ),
        ));
        m.open_brace |= bits(eq(b'{'));
        m.open_bracket |= bits(eq(b'['));
        // `]` and `}` are 0x5d and 0x7d: one compare with bit 5 set.
        m.close |= bits(_mm256_cmpeq_epi8(_mm256_or_si256(v, bit5), splat(b'}')));
        m.comma |= bits(eq(b','));
        m.colon |= bits(eq(b':'));
        m.minus |= bits(eq(b'-'));
        m.zero |= bits(eq(b'0'));
        // '0' <= v <= '9': v - '0' (wrapping) <= 9, unsigned.
        let d = _mm256_sub_epi8(v, zero_char);
        m.digit |= bits(_mm256_cmpeq_epi8(_mm256_min_epu8(d, nine), d));
    }
    m.structural = m.open_brace | m.open_bracket | m.close | m.comma | m.colon;
    m
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn masks_sse2(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::*;
    let mut m = Masks::default();
    // SAFETY: SSE2 is part of the x86_64 baseline; each load reads 16 of
    // the block's 64 bytes (k * 16 + 16 <= 64); unaligned loads are
    // allowed by _mm_loadu_si128.
    unsafe {
        let splat = |c: u8| _mm_set1_epi8(c as i8);
        let control = splat(0x1f);
        for k in 0..4 {
            let v = _mm_loadu_si128(block.as_ptr().add(k * 16).cast::<__m128i>());
            let bits = |x: __m128i| u64::from(_mm_movemask_epi8(x) as u16) << (k * 16);
            let eq = |c: u8| bits(_mm_cmpeq_epi8(v, splat(c)));
            m.quote |= eq(b'"');
            m.backslash |= eq(b'\\');
            // v <= 0x1f, unsigned: min(v, 0x1f) == v.
            m.control |= bits(_mm_cmpeq_epi8(_mm_min_epu8(v, control), v));
            m.space |= eq(b' ') | eq(b'\t') | eq(b'\n') | eq(b'\r');
            m.open_brace |= eq(b'{');
            m.open_bracket |= eq(b'[');
            m.close |= eq(b'}') | eq(b']');
            m.comma |= eq(b',');
            m.colon |= eq(b':');
            m.zero |= eq(b'0');
            m.minus |= eq(b'-');
            // '0' <= v <= '9': v - '0' (wrapping) <= 9, unsigned.
            let d = _mm_sub_epi8(v, splat(b'0'));
            m.digit |= bits(_mm_cmpeq_epi8(_mm_min_epu8(d, splat(9)), d));
        }
    }
    m.structural = m.open_brace | m.open_bracket | m.close | m.comma | m.colon;
    m
}

#[cfg(not(target_arch = "x86_64"))]
fn masks(block: &[u8; 64]) -> Masks {
    let mut m = Masks::default();
    for (i, &c) in block.iter().enumerate() {
        let bit = 1u64 << i;
        match c {
            b'"' => m.quote |= bit,
            b'\\' => m.backslash |= bit,
            b' ' | b'\t' | b'\n' | b'\r' => m.space |= bit,
            b'{' => m.open_brace |= bit,
            b'[' => m.open_bracket |= bit,
            b'}' | b']' => m.close |= bit,
            b',' => m.comma |= bit,
            b':' => m.colon |= bit,
            b'-' => m.minus |= bit,
            _ => {}
        }
        if c < 0x20 {
            m.control |= bit;
        }
        if c.is_ascii_digit() {
            m.digit |= bit;
        }
        if c == b'0' {
            m.zero |= bit;
        }
    }
    m.structural = m.open_brace | m.open_bracket | m.close | m.comma | m.colon;
    m
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The mask checker's verdict: `Some(true)` valid, `Some(false)`
    /// invalid, `None` when it leaves the document to the token checker.
    fn by_masks(doc: &str) -> Option<bool> {
        match compact(doc.as_bytes(), 0) {
            Ok(end) => Some(end == doc.len()),
            Err(Fallback::Invalid) => Some(false),
            Err(Fallback::Spaced) => None,
        }
    }

    fn by_tokens(doc: &str) -> bool {
        tokens(doc.as_bytes(), 0) == Some(doc.len())
    }

    fn by_serde(doc: &str) -> bool {
        serde_json::from_str::<serde::de::IgnoredAny>(doc).is_ok()
    }

    fn xorshift(r: &mut u64) -> u64 {
        *r ^= *r << 13;
        *r ^= *r >> 7;
        *r ^= *r << 17;
        *r
    }

    /// Compact documents, mostly broken, many longer than a block: the mask
    /// checker, the token checker and serde_json agree on every one.
    #[test]
    fn masks_tokens_and_serde_agree_on_compact_documents() {
        let mut r = 987654321u64;
        let pieces: [&str; 31] = [
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"k\"",
            "\"ab\"",
            "\"\\\"\"",
            "\"\\\\\"",
            "\"\\u00e9\"",
            "\"\\u12\"",
            "1",
            "0",
            "-0",
            "-",
            "10",
            "007",
            "2.5e-3",
            "1e5",
            "-1.",
            "true",
            "false",
            "null",
            "nul",
            "truex",
            "\"x",
            "\\",
            "\u{1}",
            "\"\u{e9}\u{20ac}\"",
            "\"0123456789012345678901234567890123456789012345678901234567890123456789\"",
        ];
        let (mut valid, mut total, mut decided) = (0, 0, 0);
        for _ in 0..100_000 {
            let mut doc = String::from(if xorshift(&mut r) & 1 == 0 { "{" } else { "[" });
            for _ in 0..(xorshift(&mut r) % 60) {
                doc.push_str(pieces[(xorshift(&mut r) % pieces.len() as u64) as usize]);
            }
            if xorshift(&mut r) & 1 == 0 {
                close(&mut doc);
            }
            let serde = by_serde(&doc);
            assert_eq!(by_tokens(&doc), serde, "tokens vs serde_json on {doc}");
            if let Some(masks) = by_masks(&doc) {
                assert_eq!(masks, serde, "masks vs serde_json on {doc}");
                decided += 1;
            }
            total += 1;
            valid += usize::from(serde);
        }
        assert!(valid > total / 100, "{valid} valid of {total}");
        // No whitespace in these: the masks decide every one.
        assert_eq!(decided, total);
    }

    /// A valid document with every piece at every offset of a block.
    #[test]
    fn masks_accept_valid_compact_documents_at_every_offset() {
        let doc = r#"{"a":[1,-2,0,30,"x\"y",{"b":null,"c":true,"d":false},[],{}],"e":{"f":-0.5e+3,"g":"\u00e9\\"},"h":[[1],[2,[3]]],"i":1.0E-12}"#;
        let mut failed = Vec::new();
        for pad in 0..70 {
            let s = format!("[{}{doc}]", "0,".repeat(pad));
            assert!(by_serde(&s));
            if by_masks(&s) != Some(true) {
                failed.push(pad);
            }
        }
        assert!(failed.is_empty(), "{failed:?}");
    }

    /// The AVX-512, AVX2 and SSE2 classifications agree byte for byte (each
    /// wide one checked where the CPU has it).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx512_avx2_and_sse2_masks_agree() {
        let (wide, wider) = (avx2(), avx512());
        if !wide {
            eprintln!("SKIPPED: this CPU has no AVX2");
            return;
        }
        if !wider {
            eprintln!("this CPU has no AVX-512BW: only AVX2 against SSE2");
        }
        let mut block = [0u8; 64];
        let mut r = 42u64;
        for _ in 0..20_000 {
            for byte in block.iter_mut() {
                *byte = xorshift(&mut r) as u8;
            }
            // SAFETY: AVX2 was checked above.
            let a = unsafe { masks_avx2(&block) };
            let b = masks_sse2(&block);
            let fields = |m: &Masks| {
                [
                    m.quote,
                    m.backslash,
                    m.control,
                    m.space,
                    m.structural,
                    m.open_brace,
                    m.open_bracket,
                    m.close,
                    m.comma,
                    m.colon,
                    m.digit,
                    m.zero,
                    m.minus,
                ]
            };
            assert_eq!(fields(&a), fields(&b), "{block:?}");
            if wider {
                // SAFETY: AVX-512BW was checked above.
                let c = unsafe { masks_avx512(&block) };
                assert_eq!(fields(&c), fields(&b), "{block:?}");
            }
        }
    }

    /// Closes what is open (ignoring strings), so that valid documents turn up.
    pub(in crate::json) fn close(doc: &mut String) {
        let mut closers = Vec::new();
        let (mut in_str, mut esc) = (false, false);
        for c in doc.chars() {
            match (in_str, esc, c) {
                (true, true, _) => esc = false,
                (true, false, '\\') => esc = true,
                (true, false, '"') => in_str = false,
                (false, _, '"') => in_str = true,
                (false, _, '{') => closers.push('}'),
                (false, _, '[') => closers.push(']'),
                (false, _, '}' | ']') => {
                    closers.pop();
                }
                _ => {}
            }
        }
        doc.extend(closers.into_iter().rev());
    }
}

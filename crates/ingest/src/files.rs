//! Finding input files and opening them, plain or gzipped, with a digest.

use crate::InputError;
use flate2::bufread::GzDecoder;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::Xxh3;

/// A file that was read in full: where, how many bytes, and their digest.
///
/// The digest is XXH3-128 (`xxh3-128:<32 hex digits>`): it identifies a file
/// as well as a cryptographic hash does for provenance, and at memory speed,
/// so that it costs nothing next to parsing (SHA-256 took 13 % of a run).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputFile {
    /// The path as found.
    pub path: PathBuf,
    /// Bytes on disk.
    pub bytes: u64,
    /// `xxh3-128:` and the hex XXH3-128 of the bytes on disk.
    pub digest: String,
}

const EXTENSIONS: &[&str] = &["jsonl", "json", "ndjson", "gz", "csv"];

/// Expands paths, directories (walked recursively, keeping files ending in
/// `.jsonl`, `.json`, `.ndjson`, `.gz` or `.csv`) and globs into a list of
/// files, each kind sorted by name, duplicates removed. Errors when an
/// argument matches nothing.
pub fn expand_inputs(args: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    expand_inputs_found(args).map(|(files, _)| files)
}

/// [`expand_inputs`], also saying which files were found in a directory or
/// by a glob rather than named (a file both named and found is named).
pub fn expand_inputs_found(
    args: &[PathBuf],
) -> Result<(Vec<PathBuf>, std::collections::HashSet<PathBuf>), InputError> {
    let mut named = std::collections::HashSet::new();
    let mut found_any = std::collections::HashSet::new();
    let mut out: Vec<PathBuf> = Vec::new();
    for arg in args {
        let mut found = Vec::new();
        let stream = arg.as_os_str() == "-"
            || std::fs::metadata(arg).is_ok_and(|m| !m.is_file() && !m.is_dir());
        if arg.is_file() || stream {
            // A file, standard input (`-`), or a named pipe, device or
            // process substitution (`<(zcat part.gz)`): read as a stream.
            found.push(arg.clone());
            named.insert(arg.clone());
        } else if arg.is_dir() {
            walk(arg, &mut found)?;
            found.sort();
        } else {
            let pattern = arg.to_string_lossy();
            if pattern.contains(['*', '?', '[']) {
                let paths = glob::glob(&pattern).map_err(|e| InputError::Format {
                    path: arg.clone(),
                    message: format!("not a valid glob pattern: {e}"),
                })?;
                for p in paths.flatten() {
                    if p.is_file() {
                        found.push(p);
                    } else if p.is_dir() {
                        walk(&p, &mut found)?;
                    }
                }
                found.sort();
            }
        }
        if found.is_empty() {
            return Err(InputError::NotFound {
                pattern: arg.display().to_string(),
            });
        }
        for p in found {
            if !named.contains(&p) {
                found_any.insert(p.clone());
            }
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    found_any.retain(|p| !named.contains(p));
    Ok((out, found_any))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let io = |source| InputError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Counts and hashes the bytes that pass through it.
struct Hashing<R> {
    inner: R,
    hasher: Xxh3,
    bytes: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

type Raw = BufReader<Hashing<File>>;

#[allow(clippy::large_enum_variant)] // one per open file
enum Inner {
    Plain(Raw),
    Gzip(BufReader<Members>),
}

/// Gzip members one after another, as `gzip -d` reads them. Bytes after a
/// member that cannot start another one (their first byte is not the
/// magic's) end the content instead of failing the read: what decoded is
/// kept, and [`Members::trailing`] says where those bytes start. Bytes that
/// do start with the magic but are no valid member are an error.
struct Members {
    state: Option<Member>,
    trailing: Option<u64>,
}

#[allow(clippy::large_enum_variant)] // one per open file, moved once per member
enum Member {
    /// Inside a member.
    Inflating(GzDecoder<Raw>),
    /// Between members (or at the end).
    Between(Raw),
}

impl Members {
    fn new(raw: Raw) -> Self {
        Members {
            state: Some(Member::Inflating(GzDecoder::new(raw))),
            trailing: None,
        }
    }

    fn raw(&self) -> Option<&Raw> {
        match self.state.as_ref()? {
            Member::Inflating(d) => Some(d.get_ref()),
            Member::Between(r) => Some(r),
        }
    }

    fn into_raw(self) -> Option<Raw> {
        match self.state? {
            Member::Inflating(d) => Some(d.into_inner()),
            Member::Between(r) => Some(r),
        }
    }
}

impl Read for Members {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self.state.take() {
                None => return Ok(0),
                Some(Member::Inflating(mut d)) => {
                    let n = d.read(buf);
                    match n {
                        Ok(0) => self.state = Some(Member::Between(d.into_inner())),
                        Err(e) if e.kind() != io::ErrorKind::Interrupted => {
                            let at = d.get_ref().get_ref().bytes;
                            self.state = Some(Member::Inflating(d));
                            return Err(io::Error::new(
                                e.kind(),
                                format!("the gzip data is cut short or corrupt (read up to byte {at}): {e}"),
                            ));
                        }
                        other => {
                            self.state = Some(Member::Inflating(d));
                            return other;
                        }
                    }
                }
                Some(Member::Between(mut raw)) => {
                    if self.trailing.is_some() {
                        self.state = Some(Member::Between(raw));
                        return Ok(0);
                    }
                    let head = match raw.fill_buf() {
                        Ok(h) => h,
                        Err(e) => {
                            self.state = Some(Member::Between(raw));
                            return Err(e);
                        }
                    };
                    if head.is_empty() {
                        self.state = Some(Member::Between(raw));
                        return Ok(0);
                    }
                    if head[0] == GZIP_MAGIC[0] {
                        self.state = Some(Member::Inflating(GzDecoder::new(raw)));
                    } else {
                        let at = raw.get_ref().bytes - raw.buffer().len() as u64;
                        self.trailing = Some(at);
                        self.state = Some(Member::Between(raw));
                        return Ok(0);
                    }
                }
            }
        }
    }
}

/// An open input: a buffered reader over the (decompressed) content that
/// also digests the file's bytes. Call [`Opened::finish`] at the end.
pub struct Opened {
    path: PathBuf,
    inner: Inner,
}

const BUF: usize = 256 * 1024;

impl Opened {
    /// Opens `path` (`-` is standard input), detecting gzip from its first
    /// two bytes.
    pub fn open(path: &Path) -> Result<Self, InputError> {
        let file = if path.as_os_str() == "-" {
            stdin_file()
        } else {
            File::open(path)
        }
        .map_err(|source| InputError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut raw = BufReader::with_capacity(
            BUF,
            Hashing {
                inner: file,
                hasher: Xxh3::new(),
                bytes: 0,
            },
        );
        let head = raw.fill_buf().map_err(|source| InputError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let inner = if head.starts_with(&GZIP_MAGIC) {
            Inner::Gzip(BufReader::with_capacity(BUF, Members::new(raw)))
        } else {
            Inner::Plain(raw)
        };
        Ok(Opened {
            path: path.to_path_buf(),
            inner,
        })
    }

    /// The path opened.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes read from the file on disk so far (compressed bytes for gzip).
    pub fn raw_bytes(&self) -> u64 {
        match &self.inner {
            Inner::Plain(r) => r.get_ref().bytes,
            Inner::Gzip(r) => r.get_ref().raw().map_or(0, |raw| raw.get_ref().bytes),
        }
    }

    /// For a gzipped file read to the end of its content: the byte offset
    /// of data after the last gzip member that is not another member (it
    /// was not read; see [`Opened::finish`] for the digest, which covers it).
    pub fn trailing(&self) -> Option<u64> {
        match &self.inner {
            Inner::Plain(_) => None,
            Inner::Gzip(r) => r.get_ref().trailing,
        }
    }

    /// Reads what is left of the file (for the digest) and returns its record.
    pub fn finish(self) -> Result<InputFile, InputError> {
        let path = self.path;
        let mut raw = match self.inner {
            Inner::Plain(r) => r,
            Inner::Gzip(r) => r.into_inner().into_raw().ok_or_else(|| InputError::Io {
                path: path.clone(),
                source: io::Error::other("the gzip reader lost its file after an error"),
            })?,
        };
        io::copy(&mut raw, &mut io::sink()).map_err(|source| InputError::Io {
            path: path.clone(),
            source,
        })?;
        let h = raw.into_inner();
        let digest = format!("xxh3-128:{:032x}", h.hasher.digest128());
        Ok(InputFile {
            path,
            bytes: h.bytes,
            digest,
        })
    }

    /// Calls `f` with each line (1-based number, bytes without the line end),
    /// reusing one buffer. Stops at the first error `f` returns.
    pub fn for_each_line(
        &mut self,
        mut f: impl FnMut(u64, &[u8]) -> Result<(), InputError>,
    ) -> Result<(), InputError> {
        let mut buf = Vec::with_capacity(64 * 1024);
        let mut line = 0u64;
        loop {
            buf.clear();
            let n = self
                .read_until(b'\n', &mut buf)
                .map_err(|source| InputError::Io {
                    path: self.path.clone(),
                    source,
                })?;
            if n == 0 {
                return Ok(());
            }
            line += 1;
            let mut end = buf.len();
            while end > 0 && (buf[end - 1] == b'\n' || buf[end - 1] == b'\r') {
                end -= 1;
            }
            f(line, &buf[..end])?;
        }
    }
}

impl Read for Opened {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Plain(r) => r.read(buf),
            Inner::Gzip(r) => r.read(buf),
        }
    }
}

impl BufRead for Opened {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match &mut self.inner {
            Inner::Plain(r) => r.fill_buf(),
            Inner::Gzip(r) => r.fill_buf(),
        }
    }
    fn consume(&mut self, amt: usize) {
        match &mut self.inner {
            Inner::Plain(r) => r.consume(amt),
            Inner::Gzip(r) => r.consume(amt),
        }
    }
}

/// Data after the last gzip member of `path`, from byte `at`: a record error
/// about the whole file (line 0) saying what was kept and what was not.
pub(crate) fn trailing_error(path: &Path, at: u64) -> crate::RecordError {
    let size = std::fs::metadata(path).map_or(at, |m| m.len());
    crate::RecordError::new(
        path,
        0,
        None,
        format!(
            "{} bytes after the last gzip member, from byte {at}, are not gzip data: what came before them was read, they were not",
            size.saturating_sub(at)
        ),
    )
}

/// Standard input as a file.
#[cfg(unix)]
fn stdin_file() -> io::Result<File> {
    File::open("/dev/stdin")
}

#[cfg(not(unix))]
fn stdin_file() -> io::Result<File> {
    Err(io::Error::other(
        "reading standard input (`-`) needs a Unix system: give a file",
    ))
}

/// The first four bytes of a zip archive (a local file header).
pub const ZIP_MAGIC: [u8; 4] = *b"PK\x03\x04";

/// True when the file starts with a zip local file header.
pub fn is_zip(path: &Path) -> bool {
    let mut head = [0u8; 4];
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
        && File::open(path)
            .and_then(|mut f| f.read_exact(&mut head))
            .is_ok_and(|()| head == ZIP_MAGIC)
}

/// The JSON file inside a zip archive, as ROR publishes its data dump
/// (`v1.NN-...-ror-data.zip` holding the records as one JSON array, in the
/// v1 schema and, since 2024, also the v2 one): its name and a stream of
/// its bytes. The v2 file is preferred; entries must be stored or deflated
/// (no zip64, no encryption).
pub fn zip_json_entry(path: &Path) -> Result<(String, Box<dyn Read + Send>), InputError> {
    use std::io::{Seek, SeekFrom};
    let bad = |message: String| InputError::Format {
        path: path.to_path_buf(),
        message,
    };
    let io = |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut f = File::open(path).map_err(io)?;
    let len = f.seek(SeekFrom::End(0)).map_err(io)?;
    // The end of central directory record: 22 bytes and a comment of up
    // to 64 KiB, at the end.
    let tail_len = len.min(22 + 65_535);
    f.seek(SeekFrom::Start(len - tail_len)).map_err(io)?;
    let mut tail = vec![0u8; tail_len as usize];
    f.read_exact(&mut tail).map_err(io)?;
    let u16_at = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]) as usize;
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])
        .ok_or_else(|| bad("a zip archive without its central directory (cut short?)".into()))?;
    let entries = u16_at(&tail, eocd + 10);
    let (dir_size, dir_at) = (u32_at(&tail, eocd + 12), u32_at(&tail, eocd + 16));
    f.seek(SeekFrom::Start(dir_at.into())).map_err(io)?;
    let mut dir = vec![0u8; dir_size as usize];
    f.read_exact(&mut dir).map_err(io)?;
    // (name, method, compressed size, local header offset)
    let mut jsons: Vec<(String, usize, u32, u32)> = Vec::new();
    let mut i = 0;
    for _ in 0..entries {
        if dir.len() < i + 46 || dir[i..i + 4] != [0x50, 0x4b, 0x01, 0x02] {
            return Err(bad("a zip archive with a damaged central directory".into()));
        }
        let (n, e, c) = (
            u16_at(&dir, i + 28),
            u16_at(&dir, i + 30),
            u16_at(&dir, i + 32),
        );
        let name =
            String::from_utf8_lossy(dir.get(i + 46..i + 46 + n).unwrap_or_default()).into_owned();
        if name.to_ascii_lowercase().ends_with(".json") {
            jsons.push((
                name,
                u16_at(&dir, i + 10),
                u32_at(&dir, i + 20),
                u32_at(&dir, i + 42),
            ));
        }
        i += 46 + n + e + c;
    }
    let (name, method, size, at) = jsons
        .iter()
        .find(|j| j.0.contains("v2"))
        .or(jsons.first())
        .cloned()
        .ok_or_else(|| {
            bad("a zip archive with no .json file in it (ROR's dump holds one)".into())
        })?;
    let mut local = [0u8; 30];
    f.seek(SeekFrom::Start(at.into())).map_err(io)?;
    f.read_exact(&mut local).map_err(io)?;
    if local[..4] != ZIP_MAGIC {
        return Err(bad(format!("{name}: a damaged zip entry")));
    }
    let data = u64::from(at) + 30 + (u16_at(&local, 26) + u16_at(&local, 28)) as u64;
    f.seek(SeekFrom::Start(data)).map_err(io)?;
    let raw = BufReader::new(f.take(size.into()));
    let stream: Box<dyn Read + Send> = match method {
        0 => Box::new(raw),
        8 => Box::new(flate2::bufread::DeflateDecoder::new(raw)),
        m => {
            return Err(bad(format!(
                "{name}: compressed with zip method {m}; tally reads stored and deflated entries (unzip it and give the .json)"
            )))
        }
    };
    Ok((name, stream))
}

/// The UTF-8 byte-order mark some editors write at the start of a file.
pub const BOM: &[u8] = b"\xef\xbb\xbf";

/// The first two bytes of every gzip member.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// True when the file starts with the gzip magic number (false when it
/// cannot be read: opening it later says why).
pub fn is_gzip(path: &Path) -> bool {
    // Only a regular file can be peeked at without taking its bytes.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut head = [0u8; 2];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| head == GZIP_MAGIC)
}

/// What a file holds, judged from its first non-blank byte (after
/// decompression): the one place where inputs are told apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    /// Nothing but whitespace.
    Empty,
    /// `{`: JSON Lines, one object per line.
    JsonLines,
    /// `[`: one JSON array (the ROR dump).
    JsonArray,
    /// Anything else: read as CSV (the header says which kind).
    Csv,
}

/// What the first line of a JSON Lines file is: enough to tell works from
/// the other records a user may give by mistake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Record {
    /// An OpenAlex work (a `W` id, or authorships).
    Work,
    /// Another OpenAlex entity: its plural name (`institutions`, `authors`...).
    OpenAlex(&'static str),
    /// A ROR record.
    Ror,
    /// An OpenAlex API response page: `{"meta": ..., "results": [...]}`.
    ApiPage,
    /// Nothing that tells (the readers decide, record by record).
    Unknown,
}

impl Record {
    /// What the records are, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Record::Work => "OpenAlex works",
            Record::OpenAlex("institutions") => "OpenAlex institutions",
            Record::OpenAlex("authors") => "OpenAlex authors",
            Record::OpenAlex("sources") => "OpenAlex sources",
            Record::OpenAlex("publishers") => "OpenAlex publishers",
            Record::OpenAlex("funders") => "OpenAlex funders",
            Record::OpenAlex("concepts") => "OpenAlex concepts",
            Record::OpenAlex(_) => "OpenAlex topics",
            Record::Ror => "ROR records",
            Record::ApiPage => "an OpenAlex API page",
            Record::Unknown => "records of an unknown kind",
        }
    }
}

impl Record {
    /// Why a file whose first record is of this kind is not works, and
    /// what to do; `None` when it may be.
    pub(crate) fn not_works(self) -> Option<String> {
        match self {
            Record::Work | Record::Unknown => None,
            Record::ApiPage => Some(api_page("work", "works")),
            Record::OpenAlex("institutions") | Record::Ror => Some(format!(
                "{}, not works: give this file with --institutions",
                self.describe()
            )),
            other => Some(format!(
                "{}, not works: --works takes OpenAlex works (JSON Lines) or a tidy works CSV",
                other.describe()
            )),
        }
    }

    /// The same for an institutions input.
    pub(crate) fn not_institutions(self) -> Option<String> {
        match self {
            Record::Work => {
                Some("OpenAlex works, not institutions: give this file with --works".to_owned())
            }
            Record::ApiPage => Some(api_page("record", "institutions")),
            Record::OpenAlex(k) if k != "institutions" => Some(format!(
                "{}, not institutions: --institutions takes OpenAlex institutions, ROR records or an institutions CSV",
                self.describe()
            )),
            _ => None,
        }
    }
}

/// An OpenAlex API page given as JSON Lines: how to save its results.
fn api_page(one: &str, file: &str) -> String {
    format!(
        "an OpenAlex API page ({{\"meta\": ..., \"results\": [...]}}), not JSON Lines: save one {one} per line, e.g. `jq -c '.results[]' page.json > {file}.jsonl`"
    )
}

/// The fields that tell a record's kind.
#[derive(serde::Deserialize)]
struct Probe<'a> {
    #[serde(borrow, default)]
    id: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    meta: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    results: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    authorships: Option<serde::de::IgnoredAny>,
}

/// The kind of a JSON record, from its id and a few keys.
pub fn record_kind(line: &[u8]) -> Record {
    let Ok(p) = serde_json::from_slice::<Probe<'_>>(line) else {
        return Record::Unknown;
    };
    if p.meta.is_some() && p.results.is_some() {
        return Record::ApiPage;
    }
    if let Some(id) = p.id.as_deref() {
        let lower = id.to_ascii_lowercase();
        if lower.starts_with("https://ror.org/") || lower.starts_with("http://ror.org/") {
            return Record::Ror;
        }
        let short = ["https://openalex.org/", "http://openalex.org/"]
            .iter()
            .find_map(|p| lower.strip_prefix(p));
        if let Some(short) = short {
            let digits = short.len() > 1 && short[1..].bytes().all(|b| b.is_ascii_digit());
            let kind = match short.as_bytes()[0] {
                _ if !digits => None,
                b'w' => return Record::Work,
                b'i' => Some("institutions"),
                b'a' => Some("authors"),
                b's' => Some("sources"),
                b'p' => Some("publishers"),
                b'f' => Some("funders"),
                b'c' => Some("concepts"),
                b't' => Some("topics"),
                _ => None,
            };
            if let Some(k) = kind {
                return Record::OpenAlex(k);
            }
        }
    }
    if p.authorships.is_some() {
        return Record::Work;
    }
    Record::Unknown
}

impl Opened {
    /// For JSON Lines, after [`Opened::content`]: the kind of the first
    /// record, if it lies whole in the read buffer (nothing is consumed).
    pub fn first_record(&mut self) -> Result<Record, InputError> {
        let path = self.path.clone();
        let buf = self
            .fill_buf()
            .map_err(|source| InputError::Io { path, source })?;
        let line = match memchr::memchr(b'\n', buf) {
            Some(end) => &buf[..end],
            None => buf,
        };
        Ok(record_kind(line))
    }

    /// Looks at the first non-blank byte of the content (after a UTF-8
    /// byte-order mark, which is skipped); consumes only the mark and
    /// leading whitespace. A first line that is neither JSON nor a CSV
    /// header, followed by a line that starts with `{`, is JSON Lines with a
    /// bad first line (reported as any other bad line), not CSV.
    pub fn content(&mut self) -> Result<Content, InputError> {
        let path = self.path.clone();
        let io = |source| InputError::Io {
            path: path.clone(),
            source,
        };
        if self.fill_buf().map_err(io)?.starts_with(BOM) {
            self.consume(BOM.len());
        }
        loop {
            let buf = self.fill_buf().map_err(io)?;
            if buf.is_empty() {
                return Ok(Content::Empty);
            }
            if let Some(i) = buf.iter().position(|b| !b.is_ascii_whitespace()) {
                return Ok(match buf[i] {
                    b'{' => Content::JsonLines,
                    b'[' => Content::JsonArray,
                    _ => {
                        let rest = &buf[i..];
                        let first = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                        let next = rest[first..].iter().find(|b| !b.is_ascii_whitespace());
                        if !rest[..first].contains(&b',') && next == Some(&b'{') {
                            Content::JsonLines
                        } else {
                            Content::Csv
                        }
                    }
                });
            }
            let n = buf.len();
            self.consume(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Members one after another are one content; bytes after the last that
    /// are not a member end it (their offset reported, the digest covering
    /// the whole file); bytes that look like a member but are not fail.
    #[test]
    fn gzip_members_then_trailing_data() {
        let member = |text: &[u8]| {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(text).unwrap();
            enc.finish().unwrap()
        };
        let dir = std::env::temp_dir().join(format!("tally-members-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut bytes = member(b"one\ntwo\n");
        bytes.extend(member(b""));
        bytes.extend(member(b"three\n"));
        let end = bytes.len() as u64;
        let read = |tail: &[u8]| {
            let p = dir.join("m.gz");
            let mut all = bytes.clone();
            all.extend_from_slice(tail);
            std::fs::write(&p, &all).unwrap();
            let mut o = Opened::open(&p).unwrap();
            let mut text = String::new();
            let r = o.read_to_string(&mut text).map(|_| (text, o.trailing()));
            let size = all.len() as u64;
            (r, o.finish().map(|f| f.bytes == size))
        };
        let (r, digest) = read(b"");
        assert_eq!(r.unwrap(), ("one\ntwo\nthree\n".to_owned(), None));
        assert!(digest.unwrap());
        for tail in [&b"garbage"[..], &[0u8; 100][..], b"\n"] {
            let (r, digest) = read(tail);
            assert_eq!(r.unwrap(), ("one\ntwo\nthree\n".to_owned(), Some(end)));
            assert!(digest.unwrap(), "the digest covers the trailing bytes too");
        }
        let (r, _) = read(&[0x1f, 0x8b, 0, 0]);
        assert!(r.is_err(), "a broken member is an error");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn gzip_and_plain_read_the_same_lines() {
        let dir = std::env::temp_dir().join(format!("tally-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let plain = dir.join("a.jsonl");
        std::fs::write(&plain, "one\r\ntwo\n\nthree").unwrap();
        let gz = dir.join("b.jsonl.gz");
        let mut enc = flate2::write::GzEncoder::new(
            File::create(&gz).unwrap(),
            flate2::Compression::default(),
        );
        enc.write_all(b"one\r\ntwo\n\nthree").unwrap();
        enc.finish().unwrap();
        for p in [&plain, &gz] {
            let mut o = Opened::open(p).unwrap();
            let mut lines = Vec::new();
            o.for_each_line(|n, l| {
                lines.push((n, String::from_utf8(l.to_vec()).unwrap()));
                Ok(())
            })
            .unwrap();
            assert_eq!(
                lines,
                vec![
                    (1, "one".into()),
                    (2, "two".into()),
                    (3, "".into()),
                    (4, "three".into())
                ]
            );
            let rec = o.finish().unwrap();
            assert_eq!(rec.bytes, std::fs::metadata(p).unwrap().len());
            assert_eq!(rec.digest.len(), 9 + 32);
        }
        let found = expand_inputs(std::slice::from_ref(&dir)).unwrap();
        assert_eq!(found, vec![plain.clone(), gz.clone()]);
        let globbed = expand_inputs(&[dir.join("*.gz")]).unwrap();
        assert_eq!(globbed, vec![gz]);
        assert!(matches!(
            expand_inputs(&[dir.join("nothing-*.gz")]),
            Err(InputError::NotFound { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

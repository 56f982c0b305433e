//! [`WorkBatch`]: the one shape in which works leave ingest, whatever
//! format they came in (OpenAlex JSON Lines through the fast scanner or
//! its serde fallback, or tidy CSV). A batch holds the records of one
//! stretch of one file, in input order, each already screened by the
//! [`Filter`](crate::Filter): a counted work (in a flat arena: one text
//! buffer and a few vectors, nothing allocated per work), an excluded work
//! (with the reason), or a malformed record (with its error).
//!
//! The engine reads a batch through [`WorkBatch::entries`], [`WorkView`] and
//! [`Affiliation`]: borrowed views, no copies.

use crate::error::RecordError;
use crate::filter::Exclusion;
use crate::normalize;
use std::path::Path;
use std::sync::Arc;

/// A string in a batch's text buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    len: u32,
}

/// One work in an arena.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WorkRec {
    pub id: Span,
    pub year: Option<i32>,
    /// Normalized ([`normalize::work_type`]).
    pub work_type: Option<Span>,
    /// Short id ([`normalize::openalex_id`]).
    pub source_id: Option<Span>,
    pub issn_l: Option<Span>,
    /// Range into [`Arena::issns`].
    pub issns: (u32, u32),
    /// Range of authorship indexes into [`Arena::auth_ends`].
    pub auths: (u32, u32),
    /// `is_authors_truncated`.
    pub truncated: bool,
}

impl WorkRec {
    /// A work with only an id, to be filled in.
    pub fn new(id: Span) -> Self {
        WorkRec {
            id,
            year: None,
            work_type: None,
            source_id: None,
            issn_l: None,
            issns: (0, 0),
            auths: (0, 0),
            truncated: false,
        }
    }
}

/// One affiliation in an arena.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct InstRec {
    /// Short institution id ([`normalize::openalex_id`]).
    pub id: Option<Span>,
    /// ROR id as given.
    pub ror: Option<Span>,
    pub country_code: Option<Span>,
    pub name: Option<Span>,
}

/// Works, flat. The writer methods are the only way in, and they normalize.
#[derive(Clone, Debug, Default)]
pub(crate) struct Arena {
    text: String,
    pub works: Vec<WorkRec>,
    /// Per authorship (over all works), the end of its affiliations in `insts`.
    pub auth_ends: Vec<u32>,
    pub insts: Vec<InstRec>,
    pub issns: Vec<Span>,
}

/// A position in an arena to roll back to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mark(usize, usize, usize, usize, usize);

impl Arena {
    pub fn text(&self, s: Span) -> &str {
        &self.text[s.start as usize..(s.start + s.len) as usize]
    }

    pub fn mark(&self) -> Mark {
        Mark(
            self.text.len(),
            self.works.len(),
            self.auth_ends.len(),
            self.insts.len(),
            self.issns.len(),
        )
    }

    /// Forgets everything added since `m`.
    pub fn rollback(&mut self, m: Mark) {
        self.text.truncate(m.0);
        self.works.truncate(m.1);
        self.auth_ends.truncate(m.2);
        self.insts.truncate(m.3);
        self.issns.truncate(m.4);
    }

    pub fn clear(&mut self) {
        self.rollback(Mark(0, 0, 0, 0, 0));
    }

    /// Bytes allocated.
    pub fn capacity_bytes(&self) -> usize {
        use std::mem::size_of;
        self.text.capacity()
            + self.works.capacity() * size_of::<WorkRec>()
            + self.auth_ends.capacity() * size_of::<u32>()
            + self.insts.capacity() * size_of::<InstRec>()
            + self.issns.capacity() * size_of::<Span>()
    }

    /// Appends text as it is.
    pub fn str(&mut self, s: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        Span {
            start,
            len: s.len() as u32,
        }
    }

    /// Appends an OpenAlex id (work, source or institution), short.
    pub fn openalex_id(&mut self, s: &str) -> Span {
        self.str(normalize::openalex_id(s))
    }

    /// Appends a work type, normalized.
    pub fn work_type(&mut self, s: &str) -> Span {
        self.str(normalize::work_type(s))
    }

    /// Appends one of the current work's ISSNs.
    pub fn issn(&mut self, s: &str) {
        let span = self.str(s);
        self.issns.push(span);
    }

    /// Closes the current authorship (its affiliations are the ones pushed
    /// since the last one closed).
    pub fn end_authorship(&mut self) {
        self.auth_ends.push(self.insts.len() as u32);
    }

    /// Where the current work's ISSNs and authorships start.
    pub fn starts(&self) -> (u32, u32) {
        (self.issns.len() as u32, self.auth_ends.len() as u32)
    }

    /// Adds the work whose ISSNs and authorships were pushed since `starts`.
    pub fn push_work(&mut self, mut w: WorkRec, starts: (u32, u32)) -> u32 {
        w.issns = (starts.0, self.issns.len() as u32);
        w.auths = (starts.1, self.auth_ends.len() as u32);
        self.works.push(w);
        self.works.len() as u32 - 1
    }

    /// Screens the work at `index` (added since `mark`): counted, or
    /// excluded and rolled back.
    pub fn screen(&mut self, index: u32, mark: Mark, filter: &crate::Filter) -> Outcome {
        match filter.screen(&self.view(index)) {
            Ok((year, weight)) => Outcome::Counted {
                work: index,
                year,
                weight,
            },
            Err(e) => {
                self.rollback(mark);
                Outcome::Excluded(e)
            }
        }
    }

    pub fn view(&self, index: u32) -> WorkView<'_> {
        WorkView {
            arena: self,
            rec: &self.works[index as usize],
        }
    }
}

/// What became of one record.
#[derive(Clone, Debug)]
pub(crate) enum Outcome {
    /// Passed the filter: the work's index in the arena, its year and its
    /// journal weight.
    Counted { work: u32, year: i32, weight: f64 },
    /// Did not pass.
    Excluded(Exclusion),
    /// Could not be read.
    Malformed(RecordError),
}

/// One record of a batch, with its line (for JSON Lines, counted from the
/// chunk's start until the batch is delivered).
#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub line: u64,
    pub outcome: Outcome,
}

/// Bytes of the in-flight budget a batch holds, and from which part of it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Lease {
    pub bytes: usize,
    /// Taken from the reserve of the file being delivered.
    pub head: bool,
}

/// Called when a batch is dropped, to give its memory back.
pub(crate) trait Home: Send + Sync {
    fn give_back(&self, arena: Arena, items: Vec<Item>);
}

/// The records of one stretch of one file, in input order, screened.
pub struct WorkBatch {
    pub(crate) arena: Arena,
    pub(crate) items: Vec<Item>,
    pub(crate) paths: Arc<[std::path::PathBuf]>,
    pub(crate) file: usize,
    /// Lines the stretch spans, when its item lines count from its start.
    pub(crate) relative_lines: Option<u64>,
    /// Bytes of the file on disk that this batch stands for.
    pub(crate) disk_bytes: u64,
    /// Bytes of the in-flight budget the batch holds until it is delivered.
    pub(crate) lease: Lease,
    pub(crate) home: Option<Arc<dyn Home>>,
}

impl std::fmt::Debug for WorkBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkBatch")
            .field("path", &self.path())
            .field("records", &self.items.len())
            .finish_non_exhaustive()
    }
}

impl Drop for WorkBatch {
    fn drop(&mut self) {
        if let Some(home) = self.home.take() {
            home.give_back(
                std::mem::take(&mut self.arena),
                std::mem::take(&mut self.items),
            );
        }
    }
}

/// One record of a batch, as the engine sees it.
#[derive(Clone, Copy, Debug)]
pub enum Entry<'a> {
    /// A work that passed the filter.
    Counted {
        /// The work.
        work: WorkView<'a>,
        /// Its publication year.
        year: i32,
        /// Its journal's weight (1 without weights).
        weight: f64,
        /// Its line in the file.
        line: u64,
    },
    /// A work the filter excluded, and why.
    Excluded(Exclusion),
    /// A record that could not be read.
    Malformed(&'a RecordError),
}

impl WorkBatch {
    pub(crate) fn new(paths: Arc<[std::path::PathBuf]>, file: usize) -> Self {
        WorkBatch {
            arena: Arena::default(),
            items: Vec::new(),
            paths,
            file,
            relative_lines: None,
            disk_bytes: 0,
            lease: Lease::default(),
            home: None,
        }
    }

    /// The file the records come from.
    pub fn path(&self) -> &Path {
        &self.paths[self.file]
    }

    /// The file's index among the inputs.
    pub fn file_index(&self) -> usize {
        self.file
    }

    /// Bytes of the file on disk (compressed, for gzip) this batch stands for.
    pub fn disk_bytes(&self) -> u64 {
        self.disk_bytes
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when the batch holds no record.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The records in input order.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = Entry<'_>> + '_ {
        self.items.iter().map(move |it| match &it.outcome {
            Outcome::Counted { work, year, weight } => Entry::Counted {
                work: self.arena.view(*work),
                year: *year,
                weight: *weight,
                line: it.line,
            },
            Outcome::Excluded(e) => Entry::Excluded(*e),
            Outcome::Malformed(e) => Entry::Malformed(e),
        })
    }

    /// Makes item lines absolute, given the lines of the file before this
    /// batch; returns the lines the batch spans (0 when already absolute).
    pub(crate) fn rebase(&mut self, before: u64) -> u64 {
        let Some(n) = self.relative_lines.take() else {
            return 0;
        };
        for it in &mut self.items {
            it.line += before;
            if let Outcome::Malformed(e) = &mut it.outcome {
                e.at.line += before;
            }
        }
        n
    }

    pub(crate) fn push(&mut self, line: u64, outcome: Outcome) {
        self.items.push(Item { line, outcome });
    }
}

/// A work of a batch. Its `Debug` form shows every field tally reads.
#[derive(Clone, Copy)]
pub struct WorkView<'a> {
    arena: &'a Arena,
    rec: &'a WorkRec,
}

impl<'a> WorkView<'a> {
    /// A view of a record that need not be in the arena yet.
    pub(crate) fn new(arena: &'a Arena, rec: &'a WorkRec) -> Self {
        WorkView { arena, rec }
    }

    fn s(&self, span: Option<Span>) -> Option<&'a str> {
        span.map(|s| self.arena.text(s))
    }

    /// Short id (`W2741809807` for OpenAlex; as given for CSV).
    pub fn id(&self) -> &'a str {
        self.arena.text(self.rec.id)
    }

    /// Publication year.
    pub fn year(&self) -> Option<i32> {
        self.rec.year
    }

    /// Normalized type (`journal-article` is `article`).
    pub fn work_type(&self) -> Option<&'a str> {
        self.s(self.rec.work_type)
    }

    /// Source (journal) short id (`S137773608`).
    pub fn source_id(&self) -> Option<&'a str> {
        self.s(self.rec.source_id)
    }

    /// The source's linking ISSN, as given.
    pub fn issn_l(&self) -> Option<&'a str> {
        self.s(self.rec.issn_l)
    }

    /// The source's ISSNs, as given.
    pub fn issns(&self) -> impl Iterator<Item = &'a str> + 'a {
        let arena = self.arena;
        let (a, b) = self.rec.issns;
        arena.issns[a as usize..b as usize]
            .iter()
            .map(move |s| arena.text(*s))
    }

    /// A digest of everything tally reads of the work (id, year, type,
    /// source and ISSNs, the cut-list flag, and every affiliation of every
    /// authorship, in order): two records of one id with the same digest
    /// count alike. XXH3-64 over the fields, each ended by a separator, so
    /// the value is the same on every machine and run.
    pub fn content_digest(&self) -> u64 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        let mut put = |s: Option<&str>| {
            match s {
                Some(s) => {
                    h.update(&[1]);
                    h.update(s.as_bytes());
                }
                None => h.update(&[0]),
            }
            h.update(&[0xff]);
        };
        put(Some(self.id()));
        put(self.year().map(|y| y.to_string()).as_deref());
        put(self.work_type());
        put(self.source_id());
        put(self.issn_l());
        for i in self.issns() {
            put(Some(i));
        }
        put(Some(if self.authors_truncated() {
            "cut"
        } else {
            "whole"
        }));
        for a in 0..self.authorships() {
            put(Some("authorship"));
            for aff in self.affiliations(a) {
                put(aff.id());
                put(aff.ror());
                put(aff.country_code());
                put(aff.name());
            }
        }
        h.digest()
    }

    /// The record says its author list was cut (OpenAlex API, > 100 authors).
    pub fn authors_truncated(&self) -> bool {
        self.rec.truncated
    }

    /// Number of authorships, including those without affiliations.
    pub fn authorships(&self) -> usize {
        (self.rec.auths.1 - self.rec.auths.0) as usize
    }

    /// The affiliations of authorship `a` (0-based, byline order), as listed
    /// (duplicates are the engine's to merge).
    pub fn affiliations(&self, a: usize) -> impl ExactSizeIterator<Item = Affiliation<'a>> + 'a {
        let arena = self.arena;
        let k = self.rec.auths.0 as usize + a;
        let start = if k == 0 { 0 } else { arena.auth_ends[k - 1] } as usize;
        let end = arena.auth_ends[k] as usize;
        arena.insts[start..end]
            .iter()
            .map(move |rec| Affiliation { arena, rec })
    }
}

impl std::fmt::Debug for WorkView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Work")
            .field("id", &self.id())
            .field("year", &self.year())
            .field("type", &self.work_type())
            .field("source", &self.source_id())
            .field("issn_l", &self.issn_l())
            .field("issns", &self.issns().collect::<Vec<_>>())
            .field("truncated", &self.authors_truncated())
            .field(
                "authorships",
                &(0..self.authorships())
                    .map(|a| self.affiliations(a).collect::<Vec<_>>())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// An affiliation as the work record gives it.
#[derive(Clone, Copy)]
pub struct Affiliation<'a> {
    arena: &'a Arena,
    rec: &'a InstRec,
}

impl<'a> Affiliation<'a> {
    fn s(&self, span: Option<Span>) -> Option<&'a str> {
        span.map(|s| self.arena.text(s))
    }

    /// Institution id: OpenAlex short id (`I27837315`), or as given (CSV).
    pub fn id(&self) -> Option<&'a str> {
        self.s(self.rec.id)
    }

    /// ROR id as given (`https://ror.org/03cve4549`).
    pub fn ror(&self) -> Option<&'a str> {
        self.s(self.rec.ror)
    }

    /// Country code the work record gives.
    pub fn country_code(&self) -> Option<&'a str> {
        self.s(self.rec.country_code)
    }

    /// Display name the work record gives.
    pub fn name(&self) -> Option<&'a str> {
        self.s(self.rec.name)
    }
}

impl std::fmt::Debug for Affiliation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?}/{:?}/{:?}/{:?}",
            self.id(),
            self.ror(),
            self.country_code(),
            self.name()
        )
    }
}

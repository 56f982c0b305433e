//! [`Record`]: what the engine reads of a work, whatever holds it: a parsed
//! [`Work`] (CSV input, tests) or an entry of a [`WorkArena`] filled by the
//! fast OpenAlex reader without allocating per work.

use crate::fast::{Span, WorkArena, WorkRec};
use crate::{InstitutionRef, Work};
use std::borrow::Cow;

/// One work, as the engine sees it.
pub trait Record {
    /// Short id.
    fn id(&self) -> &str;
    /// Publication year.
    fn year(&self) -> Option<i32>;
    /// Normalized type.
    fn work_type(&self) -> Option<&str>;
    /// Source short id.
    fn source_id(&self) -> Option<&str>;
    /// Source linking ISSN.
    fn issn_l(&self) -> Option<&str>;
    /// The source's ISSNs.
    fn issns(&self) -> Vec<&str>;
    /// Author list marked as cut.
    fn authors_truncated(&self) -> bool;
    /// Number of authorships.
    fn authorships(&self) -> usize;
    /// Calls `f` with each affiliation of authorship `a`, in order.
    fn for_each_institution(&self, a: usize, f: &mut dyn FnMut(&InstitutionRef<'_>));
}

impl Record for Work<'_> {
    fn id(&self) -> &str {
        &self.id
    }
    fn year(&self) -> Option<i32> {
        self.year
    }
    fn work_type(&self) -> Option<&str> {
        self.work_type.as_deref()
    }
    fn source_id(&self) -> Option<&str> {
        self.source_id.as_deref()
    }
    fn issn_l(&self) -> Option<&str> {
        self.issn_l.as_deref()
    }
    fn issns(&self) -> Vec<&str> {
        self.issns.iter().map(|s| s.as_ref()).collect()
    }
    fn authors_truncated(&self) -> bool {
        self.authors_truncated
    }
    fn authorships(&self) -> usize {
        self.authorships.len()
    }
    fn for_each_institution(&self, a: usize, f: &mut dyn FnMut(&InstitutionRef<'_>)) {
        for i in &self.authorships[a].institutions {
            f(i);
        }
    }
}

/// A work inside an arena.
#[derive(Clone, Copy)]
pub struct ArenaWork<'a> {
    /// The arena.
    pub arena: &'a WorkArena,
    /// The work.
    pub rec: &'a WorkRec,
}

impl<'a> ArenaWork<'a> {
    fn s(&self, span: Option<Span>) -> Option<&'a str> {
        span.map(|s| self.arena.text(s))
    }
}

impl Record for ArenaWork<'_> {
    fn id(&self) -> &str {
        self.arena.text(self.rec.id)
    }
    fn year(&self) -> Option<i32> {
        self.rec.year
    }
    fn work_type(&self) -> Option<&str> {
        self.s(self.rec.work_type)
    }
    fn source_id(&self) -> Option<&str> {
        self.s(self.rec.source_id)
    }
    fn issn_l(&self) -> Option<&str> {
        self.s(self.rec.issn_l)
    }
    fn issns(&self) -> Vec<&str> {
        let (a, b) = self.rec.issns;
        self.arena.issns[a as usize..b as usize]
            .iter()
            .map(|s| self.arena.text(*s))
            .collect()
    }
    fn authors_truncated(&self) -> bool {
        self.rec.truncated
    }
    fn authorships(&self) -> usize {
        (self.rec.auths.1 - self.rec.auths.0) as usize
    }
    fn for_each_institution(&self, a: usize, f: &mut dyn FnMut(&InstitutionRef<'_>)) {
        let k = self.rec.auths.0 as usize + a;
        let start = if k == 0 {
            0
        } else {
            self.arena.auth_ends[k - 1]
        } as usize;
        let end = self.arena.auth_ends[k] as usize;
        for i in &self.arena.insts[start..end] {
            let r = InstitutionRef {
                id: self.s(i.id).map(Cow::Borrowed),
                ror: self.s(i.ror).map(Cow::Borrowed),
                country_code: self.s(i.country_code).map(Cow::Borrowed),
                name: self.s(i.name).map(Cow::Borrowed),
            };
            f(&r);
        }
    }
}

//! The rules every scorer's output keeps, checked: tally checks what a plugin
//! returns with them before anything counts, and `tally-testkit` checks
//! every scorer with them.

use crate::{Article, Credit, ScoreErrorKind, UNRESOLVED};

/// Checks credits against the rules of [`Scorer::score`](crate::Scorer::score):
/// every credit finite and non-negative, every credited entity among the
/// article's resolved slots. Keeps one mark per entity between calls, so a
/// check costs the article's slots plus its credits.
///
/// ```
/// use tally_core::{Article, Credit, ScoreErrorKind, Validator};
/// let a = Article::new(2022, 0, 1.0, &[0, 2], &[4, 7]).unwrap();
/// let mut v = Validator::default();
/// assert!(v.article(0, &a, &[Credit { entity: 7, credit: 0.5 }]).is_ok());
/// let e = v.article(0, &a, &[Credit { entity: 5, credit: 0.5 }]).unwrap_err();
/// assert!(matches!(e, ScoreErrorKind::NotOnArticle { entity: 5, .. }));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Validator {
    marks: Vec<u32>,
    stamp: u32,
}

impl Validator {
    /// Checks one article's credits; `index` is the article's place in its
    /// batch, for the error.
    pub fn article(
        &mut self,
        index: usize,
        article: &Article<'_>,
        credits: &[Credit],
    ) -> Result<(), ScoreErrorKind> {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.marks.iter_mut().for_each(|m| *m = 0);
            self.stamp = 1;
        }
        for &e in article.slots() {
            if e != UNRESOLVED {
                let e = e as usize;
                if e >= self.marks.len() {
                    self.marks.resize(e + 1, 0);
                }
                self.marks[e] = self.stamp;
            }
        }
        for c in credits {
            if !c.credit.is_finite() || c.credit < 0.0 {
                return Err(ScoreErrorKind::BadCredit {
                    article: index,
                    entity: c.entity,
                    credit: c.credit,
                });
            }
            if self.marks.get(c.entity as usize) != Some(&self.stamp) {
                return Err(ScoreErrorKind::NotOnArticle {
                    article: index,
                    entity: c.entity,
                    resolved: article
                        .slots()
                        .iter()
                        .copied()
                        .filter(|e| *e != UNRESOLVED)
                        .collect(),
                });
            }
        }
        Ok(())
    }

    /// Checks a batch's output: `ends` has one entry per article, never
    /// decreases and stops at `credits.len()` (article `j`'s credits are
    /// `credits[ends[j-1]..ends[j]]`), and each article's credits keep the
    /// rules.
    pub fn batch(
        &mut self,
        articles: &[Article<'_>],
        credits: &[Credit],
        ends: &[usize],
    ) -> Result<(), ScoreErrorKind> {
        if ends.len() != articles.len() {
            return Err(ScoreErrorKind::BadOutput(format!(
                "returned {} article ends for {} articles",
                ends.len(),
                articles.len()
            )));
        }
        let written = credits.len();
        let mut prev = 0;
        for (j, (a, &end)) in articles.iter().zip(ends).enumerate() {
            if end < prev || end > written {
                return Err(ScoreErrorKind::BadOutput(format!(
                    "returned inconsistent article ends ({prev} then {end} of {written})"
                )));
            }
            self.article(j, a, &credits[prev..end])?;
            prev = end;
        }
        if prev != written {
            return Err(ScoreErrorKind::BadOutput(format!(
                "returned {written} credits but its article ends stop at {prev}"
            )));
        }
        Ok(())
    }
}

//! `count`: whole counting, the Nature Index "Count".
//!
//! Every distinct entity that appears anywhere on an article (in any resolved
//! slot of any authorship) gets 1. Count is a number of articles: a journal
//! weight does not change it (weights multiply fractional credit only, see
//! `docs/methodology.md`). Count is computed per level from that level's
//! distinct entities: a city with two institutions on one article counts 1,
//! not 2.

use tally_core::{
    Article, Credit, FromParams, ParamsError, ScoreKind, Scorer, ScorerInfo, UNRESOLVED,
};

/// Whole counting. Takes no parameters.
#[derive(Clone, Debug, Default)]
pub struct Count;

impl FromParams for Count {
    fn from_params(json: &str) -> Result<Self, ParamsError> {
        tally_core::no_params(json).map(|()| Count)
    }
}

impl Scorer for Count {
    fn info(&self) -> ScorerInfo {
        ScorerInfo::new(
            "count",
            env!("CARGO_PKG_VERSION"),
            "whole counting: 1 for every distinct entity on the article (Nature Index Count)",
            ScoreKind::Integer,
        )
    }

    fn score(&self, article: &Article<'_>, out: &mut Vec<Credit>) {
        let start = out.len();
        for &entity in article.slots() {
            if entity != UNRESOLVED && !out[start..].iter().any(|c| c.entity == entity) {
                out.push(Credit {
                    entity,
                    credit: 1.0,
                });
            }
        }
    }
}

#[cfg(feature = "export")]
tally_core::export_scorer!(Count);

#[cfg(test)]
mod tests {
    use super::*;

    fn run(offsets: &[u32], slots: &[u32]) -> Vec<Credit> {
        let a = Article::new(2022, 0, 1.0, offsets, slots).unwrap();
        let mut out = Vec::new();
        Count.score(&a, &mut out);
        out
    }

    #[test]
    fn each_distinct_entity_counts_once() {
        // Worked example W2 at city level: Cambridge GB=0, Cambridge US=1, Beijing=2.
        let out = run(&[0, 1, 3, 5], &[0, 1, 0, 2, 2]);
        let got: Vec<_> = out.iter().map(|c| (c.entity, c.credit)).collect();
        assert_eq!(got, vec![(0, 1.0), (1, 1.0), (2, 1.0)]);
    }

    #[test]
    fn unresolved_and_empty_bylines_give_nothing() {
        assert!(run(&[0], &[]).is_empty());
        assert!(run(&[0, 0, 0], &[]).is_empty());
        assert!(run(&[0, 1], &[UNRESOLVED]).is_empty());
    }

    #[test]
    fn a_journal_weight_does_not_change_a_count() {
        for weight in [0.2, 0.5, 1.0, 3.0] {
            let a = Article::new(2022, 0, weight, &[0, 1], &[3]).unwrap();
            let mut out = Vec::new();
            Count.score(&a, &mut out);
            assert_eq!(
                out,
                vec![Credit {
                    entity: 3,
                    credit: 1.0
                }],
                "weight {weight}"
            );
        }
    }

    #[test]
    fn params_must_be_empty() {
        assert!(Count::from_params("{}").is_ok());
        let err = Count::from_params(r#"{"cap": 3}"#).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("cap"));
    }

    #[test]
    fn keeps_the_contract_directly_and_through_the_abi() {
        tally_testkit::check_contract_with_abi::<Count>("{}").unwrap();
    }
}

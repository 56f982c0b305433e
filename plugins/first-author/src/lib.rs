//! `first-author`: straight counting.
//!
//! All of an article's credit goes to its first author's institutions, split
//! equally over them (the first author's part of an unresolved institution
//! stays unassigned); other authors get nothing. Formula, for author `i` of
//! `n`: `c_i = 1` if `i = 1`, else `0`.
//!
//! Source: the "straight count" of Cole & Cole (1973), "Social
//! Stratification in Science", and its discussion as first-author counting
//! in Waltman (2016), "A review of the literature on citation impact
//! indicators", Journal of Informetrics 10(2), section on counting methods.

use tally_core::{
    credit_by_position, Article, Credit, FromParams, ParamsError, ScoreKind, Scorer, ScorerInfo,
};

/// Straight (first-author) counting. Takes no parameters.
#[derive(Clone, Copy, Debug, Default)]
pub struct FirstAuthor;

impl Scorer for FirstAuthor {
    fn info(&self) -> ScorerInfo {
        ScorerInfo::new(
            "first-author",
            env!("CARGO_PKG_VERSION"),
            "straight counting: the whole article to the first author's institutions",
            ScoreKind::Fractional,
        )
    }

    fn score(&self, article: &Article<'_>, out: &mut Vec<Credit>) {
        credit_by_position(article, out, |i, _| if i == 0 { 1.0 } else { 0.0 });
    }
}

impl FromParams for FirstAuthor {
    fn from_params(json: &str) -> Result<Self, ParamsError> {
        tally_core::no_params(json).map(|()| FirstAuthor)
    }
}

tally_core::export_scorer!(FirstAuthor);

#[cfg(test)]
mod tests {
    use super::*;
    use tally_testkit::rankings::totals;

    #[test]
    fn worked_example_by_hand() {
        // W1's first author is at Tsinghua (Beijing), W2's at Cambridge (GB).
        let t = totals(&FirstAuthor, "city", 2022);
        assert_eq!(
            t.into_iter().collect::<Vec<_>>(),
            vec![("1816670", 1.0), ("2653941", 1.0)]
        );
        let t = totals(&FirstAuthor, "country", 2021);
        assert_eq!(t.into_iter().collect::<Vec<_>>(), vec![("US", 1.0)]);
    }

    #[test]
    fn keeps_the_contract_directly_and_through_the_abi() {
        tally_testkit::check_contract_with_abi::<FirstAuthor>("{}").unwrap();
        assert!(tally_testkit::via_abi::<FirstAuthor>(r#"{"x":1}"#).is_err());
    }

    #[test]
    fn rankings() {
        tally_testkit::assert_scorer_snapshot!(FirstAuthor);
    }
}

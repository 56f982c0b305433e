//! `geometric`: geometric counting.
//!
//! Author `i` of `n` (byline order, `i` from 1) gets
//! `c_i = 2^(n-i) / (2^n - 1)`: each author gets twice the credit of the
//! next, and an article's credits add up to 1. Computed as
//! `2^-i / (1 - 2^-n)`, which stays finite for 3,000-author articles. Each
//! author's part is split equally over that author's institutions; parts of
//! unresolved institutions and of authors without one stay unassigned.
//!
//! Source: Egghe, L., Rousseau, R. & Van Hooydonk, G. (2000), "Methods for
//! accrediting publications to authors or countries: consequences for
//! evaluation studies", Journal of the American Society for Information
//! Science 51(2), 145-157.

use tally_core::{
    credit_by_position, Article, Credit, FromParams, ParamsError, ScoreKind, Scorer, ScorerInfo,
};

/// Geometric counting. Takes no parameters.
#[derive(Clone, Copy, Debug, Default)]
pub struct Geometric;

impl Scorer for Geometric {
    fn info(&self) -> ScorerInfo {
        ScorerInfo::new(
            "geometric",
            env!("CARGO_PKG_VERSION"),
            "geometric counting: author i of n gets 2^(n-i)/(2^n-1) (Egghe, Rousseau & Van Hooydonk 2000)",
            ScoreKind::Fractional,
        )
    }

    fn score(&self, article: &Article<'_>, out: &mut Vec<Credit>) {
        let n = article.authorships() as i32;
        let norm = 1.0 - 0.5f64.powi(n);
        credit_by_position(article, out, |i, _| 0.5f64.powi(i as i32 + 1) / norm);
    }
}

impl FromParams for Geometric {
    fn from_params(json: &str) -> Result<Self, ParamsError> {
        tally_core::no_params(json).map(|()| Geometric)
    }
}

tally_core::export_scorer!(Geometric);

#[cfg(test)]
mod tests {
    use super::*;
    use tally_testkit::rankings::totals;

    #[test]
    fn worked_example_by_hand() {
        // W1 (n=4): 8/15, 4/15, 2/15, 1/15 (the last unaffiliated).
        //   Beijing 8/15 + 2/15, Hefei 2/15, Cambridge US 2/15.
        // W2 (n=3): 4/7, 2/7, 1/7.
        //   Cambridge GB 4/7 + 1/7, Cambridge US 1/7, Beijing 1/7.
        let want = [
            ("1808722", 2.0 / 15.0),
            ("1816670", 10.0 / 15.0 + 1.0 / 7.0),
            ("2653941", 5.0 / 7.0),
            ("4931972", 2.0 / 15.0 + 1.0 / 7.0),
        ];
        let got: Vec<_> = totals(&Geometric, "city", 2022).into_iter().collect();
        assert_eq!(got.len(), want.len());
        for ((a, x), (b, y)) in got.iter().zip(&want) {
            assert_eq!(a, b);
            assert!((x - y).abs() < 1e-12, "{a}: {x} vs {y}");
        }
    }

    #[test]
    fn keeps_the_contract_directly_and_through_the_abi() {
        tally_testkit::check_contract_with_abi::<Geometric>("{}").unwrap();
        assert!(tally_testkit::via_abi::<Geometric>(r#"{"x":1}"#).is_err());
    }

    #[test]
    fn rankings() {
        tally_testkit::assert_scorer_snapshot!(Geometric);
    }
}

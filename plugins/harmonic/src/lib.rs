//! `harmonic`: harmonic counting.
//!
//! Author `i` of `n` (byline order, `i` from 1) gets
//! `c_i = (1/i) / H_n`, with `H_n = 1 + 1/2 + ... + 1/n`, so the credits of
//! an article add up to 1 and each author gets more than the next. Each
//! author's part is split equally over that author's institutions; parts of
//! unresolved institutions and of authors without one stay unassigned.
//!
//! Sources: Hodge, S. E. & Greenberg, D. A. (1981), "Publication credit",
//! Science 213(4511), 950; Hagen, N. T. (2008), "Harmonic allocation of
//! authorship credit: source-level correction of bibliometric bias assures
//! accurate publication and citation analysis", PLoS ONE 3(12), e4021.

use tally_core::{
    credit_by_position, Article, Credit, FromParams, ParamsError, ScoreKind, Scorer, ScorerInfo,
};

/// Harmonic counting. Takes no parameters.
#[derive(Clone, Copy, Debug, Default)]
pub struct Harmonic;

impl Scorer for Harmonic {
    fn info(&self) -> ScorerInfo {
        ScorerInfo::new(
            "harmonic",
            env!("CARGO_PKG_VERSION"),
            "harmonic counting: author i of n gets (1/i)/H_n (Hodge & Greenberg 1981, Hagen 2008)",
            ScoreKind::Fractional,
        )
    }

    fn score(&self, article: &Article<'_>, out: &mut Vec<Credit>) {
        let n = article.authorships();
        let h: f64 = (1..=n).map(|k| 1.0 / k as f64).sum();
        credit_by_position(article, out, |i, _| 1.0 / ((i + 1) as f64 * h));
    }
}

impl FromParams for Harmonic {
    fn from_params(json: &str) -> Result<Self, ParamsError> {
        tally_core::no_params(json).map(|()| Harmonic)
    }
}

tally_core::export_scorer!(Harmonic);

#[cfg(test)]
mod tests {
    use super::*;
    use tally_testkit::rankings::totals;

    fn close(got: Vec<(&str, f64)>, want: &[(&str, f64)]) {
        assert_eq!(got.len(), want.len(), "{got:?}");
        for ((a, x), (b, y)) in got.iter().zip(want) {
            assert_eq!(a, b);
            assert!((x - y).abs() < 1e-12, "{a}: {x} vs {y}");
        }
    }

    #[test]
    fn worked_example_by_hand() {
        // W1 (n=4, H=25/12): 12/25, 6/25, 4/25, 3/25 (the last unaffiliated).
        //   Beijing 12/25 + 3/25, Hefei 3/25, Cambridge US 4/25.
        // W2 (n=3, H=11/6): 6/11, 3/11, 2/11.
        //   Cambridge GB 6/11 + 3/22, Cambridge US 3/22, Beijing 2/11.
        let t = totals(&Harmonic, "city", 2022);
        close(
            t.into_iter().collect(),
            &[
                ("1808722", 3.0 / 25.0),
                ("1816670", 15.0 / 25.0 + 2.0 / 11.0),
                ("2653941", 15.0 / 22.0),
                ("4931972", 4.0 / 25.0 + 3.0 / 22.0),
            ],
        );
    }

    #[test]
    fn keeps_the_contract_directly_and_through_the_abi() {
        tally_testkit::check_contract_with_abi::<Harmonic>("{}").unwrap();
        assert!(tally_testkit::via_abi::<Harmonic>(r#"{"x":1}"#).is_err());
    }

    #[test]
    fn rankings() {
        tally_testkit::assert_scorer_snapshot!(Harmonic);
    }
}

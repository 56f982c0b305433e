//! `fractional`: fractional counting with a cap on the authors counted, an
//! example of a scorer with parameters.
//!
//! With `cap = m`, only the first `min(n, m)` authors of an article count,
//! and each gets `1 / min(n, m)`, split equally over that author's
//! institutions. Without a cap it is the Nature Index Share (`share`).
//! Capping tempers the weight of mega-author papers in the way some
//! rankings do (the Leiden Ranking discusses it for papers with more than
//! 100 authors; see Waltman & van Eck (2015), "Field-normalized citation
//! impact indicators and the choice of an appropriate counting method",
//! Journal of Informetrics 9(4), 872-894).
//!
//! ```toml
//! [[scorer]]
//! name = "fractional"
//! library = "target/release/libtally_fractional"
//! params = { cap = 10 }
//! ```

use serde::Deserialize;
use tally_core::{
    credit_by_position, Article, Credit, FromParams, ParamsError, ScoreKind, Scorer, ScorerInfo,
};

/// Fractional counting over at most `cap` authors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fractional {
    /// Authors counted per article (`None`: all).
    pub cap: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    cap: Option<i64>,
}

impl FromParams for Fractional {
    fn from_params(json: &str) -> Result<Self, ParamsError> {
        // serde_path_to_error names the key that is wrong ("." for the whole).
        let p: Params =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(json))
                .map_err(|e| match e.path().to_string().as_str() {
                    "." => ParamsError::new(e.inner().to_string()),
                    key => ParamsError::at(key, e.inner().to_string()),
                })?;
        match p.cap {
            Some(c) if c < 1 => Err(ParamsError::at(
                "cap",
                format!("must be at least 1, got {c}"),
            )),
            cap => Ok(Fractional {
                cap: cap.map(|c| c as usize),
            }),
        }
    }
}

impl Scorer for Fractional {
    fn info(&self) -> ScorerInfo {
        ScorerInfo::new(
            "fractional",
            env!("CARGO_PKG_VERSION"),
            "fractional counting over the first `cap` authors: each gets 1/min(n, cap)",
            ScoreKind::Fractional,
        )
    }

    fn score(&self, article: &Article<'_>, out: &mut Vec<Credit>) {
        let m = self.cap.unwrap_or(usize::MAX);
        credit_by_position(article, out, |i, n| {
            let counted = n.min(m);
            if i < counted {
                1.0 / counted as f64
            } else {
                0.0
            }
        });
    }
}

tally_core::export_scorer!(Fractional);

#[cfg(test)]
mod tests {
    use super::*;
    use tally_testkit::rankings::totals;

    #[test]
    fn worked_example_by_hand() {
        // cap 2: W1's first two authors get 1/2 each: Beijing 1/2 + 1/4, Hefei 1/4;
        // W2's: Cambridge GB 1/2 + 1/4, Cambridge US 1/4.
        let two = Fractional::from_params(r#"{"cap": 2}"#).unwrap();
        let got: Vec<_> = totals(&two, "city", 2022).into_iter().collect();
        assert_eq!(
            got,
            vec![
                ("1808722", 0.25),
                ("1816670", 0.75),
                ("2653941", 0.75),
                ("4931972", 0.25)
            ]
        );
        // No cap: the Nature Index Share of the worked example (docs/methodology.md).
        let all = Fractional::from_params("{}").unwrap();
        let beijing = totals(&all, "city", 2022)["1816670"];
        assert!((beijing - 17.0 / 24.0).abs() < 1e-12);
    }

    #[test]
    fn params_are_checked() {
        assert_eq!(
            Fractional::from_params(r#"{"cap": 10}"#).unwrap().cap,
            Some(10)
        );
        assert_eq!(
            Fractional::from_params(r#"{"cap": 0}"#).unwrap_err(),
            ParamsError::at("cap", "must be at least 1, got 0")
        );
        let e = Fractional::from_params(r#"{"limit": 3}"#).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("limit"));
        assert!(e.message.contains("unknown field `limit`"), "{e}");
        // Through the ABI the error keeps its key.
        let e = tally_testkit::via_abi::<Fractional>(r#"{"cap": -1}"#).unwrap_err();
        assert_eq!(
            e.kind,
            tally_core::abi::CreateErrorKind::Params(ParamsError::at(
                "cap",
                "must be at least 1, got -1"
            ))
        );
    }

    #[test]
    fn keeps_the_contract_directly_and_through_the_abi() {
        tally_testkit::check_contract_with_abi::<Fractional>(r#"{"cap": 3}"#).unwrap();
        tally_testkit::check_contract_with_abi::<Fractional>("{}").unwrap();
    }

    #[test]
    fn rankings() {
        tally_testkit::assert_scorer_snapshot!(Fractional { cap: Some(2) });
    }
}

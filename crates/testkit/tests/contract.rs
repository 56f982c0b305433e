//! `check_contract` fails a scorer that breaks a rule, whether it is called
//! directly or through the C ABI, and `check_contract_with_abi` also fails a
//! scorer whose ABI round trip changes what it gives.

use std::sync::atomic::{AtomicU32, Ordering};
use tally_core::{
    Article, Credit, FromParams, ParamsError, ScoreError, ScoreErrorKind, ScoreKind, Scorer,
    ScorerInfo, UNRESOLVED,
};
use tally_test_misbehave::Misbehave;
use tally_testkit::{check_contract, check_contract_with_abi, via_abi, ContractError, Violation};

fn misbehave(mode: &str) -> String {
    format!(r#"{{"mode":"{mode}"}}"#)
}

/// The contract check of the misbehaving scorer, directly and through the ABI.
fn both_ways(mode: &str) -> (ContractError, ContractError) {
    let direct = Misbehave::from_params(&misbehave(mode)).unwrap();
    let foreign = via_abi::<Misbehave>(&misbehave(mode)).unwrap();
    (
        check_contract(&direct).unwrap_err(),
        check_contract(&foreign).unwrap_err(),
    )
}

/// The kind of a failed score, and whether a plugin was named.
fn score_kind(e: &ContractError) -> (&ScoreErrorKind, bool) {
    match &e.violation {
        Violation::Score(ScoreError { plugin, kind }) => (kind, plugin.is_some()),
        other => panic!("not a scoring failure: {other:?} ({e})"),
    }
}

#[test]
fn nan_credits_break_the_contract_directly_and_through_the_abi() {
    let (direct, abi) = both_ways("nan");
    for (e, named) in [(&direct, false), (&abi, true)] {
        let (kind, plugin) = score_kind(e);
        assert!(
            matches!(kind, ScoreErrorKind::BadCredit { credit, .. } if credit.is_nan()),
            "{e}"
        );
        assert_eq!(plugin, named, "{e}");
        assert_eq!(
            (e.fixture.as_str(), e.article),
            ("worked example, institution level", Some(0))
        );
    }
    assert!(abi.to_string().starts_with(
        "misbehave: worked example, institution level, article 0: in-process ABI round trip: returned credit NaN for entity 0"
    ), "{abi}");
}

#[test]
fn negative_credits_break_the_contract_directly_and_through_the_abi() {
    let (direct, abi) = both_ways("negative");
    for e in [&direct, &abi] {
        let (kind, _) = score_kind(e);
        assert!(
            matches!(kind, ScoreErrorKind::BadCredit { credit, .. } if *credit == -1.0),
            "{e}"
        );
    }
}

#[test]
fn credits_off_the_article_break_the_contract_directly_and_through_the_abi() {
    let (direct, abi) = both_ways("foreign");
    for e in [&direct, &abi] {
        let (kind, _) = score_kind(e);
        assert!(
            matches!(
                kind,
                ScoreErrorKind::NotOnArticle {
                    entity: 1_000_000,
                    ..
                }
            ),
            "{e}"
        );
    }
}

#[test]
fn a_panic_through_the_abi_is_an_error_not_a_crash() {
    let foreign = via_abi::<Misbehave>(&misbehave("panic")).unwrap();
    let e = check_contract(&foreign).unwrap_err();
    let (kind, named) = score_kind(&e);
    assert!(named);
    assert_eq!(
        kind,
        &ScoreErrorKind::Panicked("misbehave: deliberate panic on an article of 2022".into())
    );
}

#[test]
fn a_scorer_that_behaves_keeps_the_contract_both_ways() {
    check_contract_with_abi::<Misbehave>(&misbehave("none")).unwrap();
}

#[test]
fn the_abi_check_reports_refused_params_with_the_key() {
    let e = check_contract_with_abi::<Misbehave>(r#"{"mood":"nan"}"#).unwrap_err();
    match e.violation {
        Violation::Params(p) => assert_eq!(p.key.as_deref(), Some("mood")),
        other => panic!("{other:?}"),
    }
}

/// 1 to each resolved slot, plus its number: each scorer made gets the next
/// number, so the scorer made for the ABI differs from the direct one.
struct Drifting(u32);

static MADE: AtomicU32 = AtomicU32::new(0);

impl Scorer for Drifting {
    fn info(&self) -> ScorerInfo {
        ScorerInfo::new(
            "drifting",
            "0",
            "differs per instance",
            ScoreKind::Fractional,
        )
    }
    fn score(&self, a: &Article<'_>, out: &mut Vec<Credit>) {
        for &entity in a.slots().iter().filter(|e| **e != UNRESOLVED) {
            out.push(Credit {
                entity,
                credit: 1.0 + self.0 as f64,
            });
        }
    }
}

impl FromParams for Drifting {
    fn from_params(json: &str) -> Result<Self, ParamsError> {
        tally_core::no_params(json).map(|()| Drifting(MADE.fetch_add(1, Ordering::SeqCst)))
    }
}

#[test]
fn the_abi_check_compares_the_abi_output_with_the_direct_output() {
    let e = check_contract_with_abi::<Drifting>("{}").unwrap_err();
    assert!(
        matches!(e.violation, Violation::AbiDiffers("credits")),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "drifting: worked example, institution level, article 0: through the C ABI, its credits differ from the scorer's called directly"
    );
}

/// Gives a different credit on every call.
struct Flaky(AtomicU32);

impl Scorer for Flaky {
    fn info(&self) -> ScorerInfo {
        ScorerInfo::new("flaky", "0", "not deterministic", ScoreKind::Fractional)
    }
    fn score(&self, a: &Article<'_>, out: &mut Vec<Credit>) {
        if let Some(&entity) = a.slots().iter().find(|e| **e != UNRESOLVED) {
            let n = self.0.fetch_add(1, Ordering::SeqCst);
            out.push(Credit {
                entity,
                credit: n as f64,
            });
        }
    }
}

#[test]
fn a_scorer_that_is_not_deterministic_breaks_the_contract() {
    let e = check_contract(&Flaky(AtomicU32::new(0))).unwrap_err();
    assert!(matches!(e.violation, Violation::NotDeterministic), "{e}");
}

/// Batches of more than one article double their credits.
struct Doubling;

impl Scorer for Doubling {
    fn info(&self) -> ScorerInfo {
        ScorerInfo::new("doubling", "0", "batches differ", ScoreKind::Fractional)
    }
    fn score(&self, a: &Article<'_>, out: &mut Vec<Credit>) {
        tally_core::credit_by_position(a, out, |_, n| 1.0 / n as f64);
    }
    fn score_batch(
        &self,
        articles: &[Article<'_>],
        out: &mut Vec<Credit>,
        ends: &mut Vec<usize>,
    ) -> Result<(), ScoreError> {
        for a in articles {
            let from = out.len();
            self.score(a, out);
            if articles.len() > 1 {
                out[from..].iter_mut().for_each(|c| c.credit *= 2.0);
            }
            ends.push(out.len());
        }
        Ok(())
    }
}

#[test]
fn a_batch_that_differs_from_one_by_one_breaks_the_contract() {
    let e = check_contract(&Doubling).unwrap_err();
    assert!(matches!(e.violation, Violation::BatchDiffers), "{e}");
}

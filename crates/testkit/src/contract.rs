//! What every scorer must satisfy, checked on the fixture sets of
//! [`views`](crate::views), directly and through the C ABI.

use crate::rankings::scorer_name;
use crate::views::{fixture_sets, Flat};
use std::fmt;
use tally_core::abi::{check, vtable, CreateError, Foreign};
use tally_core::{Article, Credit, FromParams, ParamsError, ScoreError, Scorer, Validator};

/// A rule a scorer broke, and where: which scorer, on which fixture set and
/// (when one is to blame) which article of it.
#[derive(Debug)]
pub struct ContractError {
    /// The scorer's name (its type's name when it could not be built).
    pub scorer: String,
    /// The fixture set (see [`views::fixture_sets`](crate::views::fixture_sets)),
    /// or `params`.
    pub fixture: String,
    /// The article of the fixture set, when one is to blame.
    pub article: Option<usize>,
    /// The rule broken.
    pub violation: Violation,
}

/// The rules of the scorer contract.
#[derive(Debug)]
#[non_exhaustive]
pub enum Violation {
    /// `score_batch` failed, or gave credits that break the rules of
    /// [`Scorer::score`] (the error's kind says which).
    Score(ScoreError),
    /// Two runs on the same article gave different credits.
    NotDeterministic,
    /// `score` and a batch of that one article give different credits.
    ScoreDiffersFromBatch,
    /// The whole set as one batch differs from scoring it one article at a time.
    BatchDiffers,
    /// Through the C ABI, the scorer's info or credits (named here) differ
    /// from the scorer called directly.
    AbiDiffers(&'static str),
    /// The scorer refused the parameters it was given.
    Params(ParamsError),
    /// Through the C ABI, the scorer could not be made.
    Create(CreateError),
}

impl fmt::Display for ContractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.scorer, self.fixture)?;
        if let Some(j) = self.article {
            write!(f, ", article {j}")?;
        }
        f.write_str(": ")?;
        match &self.violation {
            Violation::Score(e) => e.fmt(f),
            Violation::NotDeterministic => f.write_str("two runs gave different credits"),
            Violation::ScoreDiffersFromBatch => {
                f.write_str("score and score_batch give different credits")
            }
            Violation::BatchDiffers => {
                f.write_str("score_batch over the whole set differs from scoring one by one")
            }
            Violation::AbiDiffers(what) => write!(
                f,
                "through the C ABI, its {what} differ from the scorer's called directly"
            ),
            Violation::Params(e) => e.fmt(f),
            Violation::Create(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ContractError {}

/// Scores a batch of one article.
fn one<S: Scorer + ?Sized>(scorer: &S, article: &Article<'_>) -> Result<Vec<Credit>, ScoreError> {
    let (mut out, mut ends) = (Vec::new(), Vec::new());
    scorer.score_batch(std::slice::from_ref(article), &mut out, &mut ends)?;
    Ok(out)
}

/// Checks what every scorer must satisfy, on the worked example at every
/// level and on the edge cases, through [`Scorer::score_batch`] (so a
/// failure behind the C ABI is an `Err`): every credit is finite and
/// non-negative and goes to a resolved entity of its article; the same
/// article gives the same credits twice; `score` gives what a batch of one
/// gives; a batch of the whole set gives what scoring one by one gives.
#[allow(clippy::result_large_err)] // a test's error: its size costs nothing
pub fn check_contract<S: Scorer + ?Sized>(scorer: &S) -> Result<(), ContractError> {
    let name = scorer_name(scorer);
    let mut validator = Validator::default();
    for (fixture, articles) in fixture_sets() {
        let flat = Flat::new(&articles);
        let views = flat.views();
        let broke = |article, violation| ContractError {
            scorer: name.clone(),
            fixture: fixture.clone(),
            article,
            violation,
        };
        let (mut one_by_one, mut ends_one) = (Vec::new(), Vec::new());
        for (j, a) in views.iter().enumerate() {
            let first = one(scorer, a).map_err(|e| broke(Some(j), Violation::Score(e)))?;
            validator
                .article(0, a, &first)
                .map_err(|k| broke(Some(j), Violation::Score(k.into())))?;
            let second = one(scorer, a).map_err(|e| broke(Some(j), Violation::Score(e)))?;
            if first != second {
                return Err(broke(Some(j), Violation::NotDeterministic));
            }
            let mut single = Vec::new();
            scorer.score(a, &mut single);
            if single != first {
                return Err(broke(Some(j), Violation::ScoreDiffersFromBatch));
            }
            one_by_one.extend(first);
            ends_one.push(one_by_one.len());
        }
        let (mut batch, mut ends) = (Vec::new(), Vec::new());
        scorer
            .score_batch(&views, &mut batch, &mut ends)
            .map_err(|e| broke(None, Violation::Score(e)))?;
        validator
            .batch(&views, &batch, &ends)
            .map_err(|k| broke(None, Violation::Score(k.into())))?;
        if batch != one_by_one || ends != ends_one {
            return Err(broke(None, Violation::BatchDiffers));
        }
    }
    Ok(())
}

/// [`check_contract`] for scorer type `T` built from `params`, both directly
/// and through the C ABI ([`via_abi`]), and then, on every fixture set, the
/// ABI's info and credits compared with the direct scorer's: they must be
/// the same, bit for bit.
#[allow(clippy::result_large_err)] // a test's error: its size costs nothing
pub fn check_contract_with_abi<T: Scorer + FromParams + 'static>(
    params: &str,
) -> Result<(), ContractError> {
    let broke = |scorer: String, fixture: &str, article, violation| ContractError {
        scorer,
        fixture: fixture.to_owned(),
        article,
        violation,
    };
    let type_name = || std::any::type_name::<T>().to_owned();
    let direct = T::from_params(params)
        .map_err(|e| broke(type_name(), "params", None, Violation::Params(e)))?;
    let foreign = via_abi::<T>(params)
        .map_err(|e| broke(type_name(), "params", None, Violation::Create(e)))?;
    check_contract(&direct)?;
    check_contract(&foreign)?;
    let name = scorer_name(&direct);
    if foreign.info() != direct.info() {
        return Err(broke(name, "info", None, Violation::AbiDiffers("info")));
    }
    for (fixture, articles) in fixture_sets() {
        let flat = Flat::new(&articles);
        let views = flat.views();
        let run = |s: &dyn Scorer| {
            let (mut out, mut ends) = (Vec::new(), Vec::new());
            // Both kept the contract above, so neither fails here.
            s.score_batch(&views, &mut out, &mut ends)
                .map(|()| (out, ends))
        };
        let (d, f) = match (run(&direct), run(&foreign)) {
            (Ok(d), Ok(f)) => (d, f),
            (Err(e), _) | (_, Err(e)) => {
                return Err(broke(name, &fixture, None, Violation::Score(e)))
            }
        };
        let credits = |(out, ends): &(Vec<Credit>, Vec<usize>), j: usize| {
            let from = if j == 0 { 0 } else { ends[j - 1] };
            out[from..ends[j]].to_vec()
        };
        if let Some(j) = (0..views.len()).find(|&j| credits(&d, j) != credits(&f, j)) {
            return Err(broke(
                name,
                &fixture,
                Some(j),
                Violation::AbiDiffers("credits"),
            ));
        }
    }
    Ok(())
}

/// Sends scorer type `T` through the C ABI in-process (the table that
/// `export_scorer!` exports, checked as tally checks a loaded plugin), and
/// returns the host-side scorer.
pub fn via_abi<T: Scorer + FromParams + 'static>(params: &str) -> Result<Foreign, CreateError> {
    let table = vtable::<T>();
    // SAFETY: a whole table, made by this very build's `vtable`.
    let checked = unsafe { check(&table) }
        .unwrap_or_else(|m| panic!("this build's own table was refused: {m}"));
    Foreign::new(checked, params, "in-process ABI round trip")
}

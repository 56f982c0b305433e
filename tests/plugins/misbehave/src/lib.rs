//! Test fixture: a scorer plugin that misbehaves as its `mode` param says,
//! so that tests can check that tally turns each misbehaviour into a clear
//! error naming the plugin.
//!
//! Modes: `panic` (panics while scoring), `nan` (a NaN credit), `negative`
//! (a negative credit), `foreign` (credits an entity not on the article),
//! `none` (behaves: 1 to each resolved slot). Unknown params are refused.

use serde::Deserialize;
use tally_core::{
    Article, Credit, FromParams, ParamsError, ScoreKind, Scorer, ScorerInfo, UNRESOLVED,
};

/// The misbehaving scorer.
pub struct Misbehave {
    mode: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    mode: String,
}

impl FromParams for Misbehave {
    fn from_params(json: &str) -> Result<Self, ParamsError> {
        let p: Params =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(json))
                .map_err(|e| match e.path().to_string().as_str() {
                    "." => ParamsError::new(e.inner().to_string()),
                    key => ParamsError::at(key, e.inner().to_string()),
                })?;
        Ok(Misbehave { mode: p.mode })
    }
}

impl Scorer for Misbehave {
    fn info(&self) -> ScorerInfo {
        ScorerInfo::new(
            "misbehave",
            "0.0.1",
            "misbehaves on purpose",
            ScoreKind::Fractional,
        )
    }

    fn score(&self, article: &Article<'_>, out: &mut Vec<Credit>) {
        for &entity in article.slots().iter().filter(|e| **e != UNRESOLVED) {
            let credit = match self.mode.as_str() {
                "panic" => panic!(
                    "misbehave: deliberate panic on an article of {}",
                    article.year
                ),
                "nan" => f64::NAN,
                "negative" => -1.0,
                "foreign" => {
                    out.push(Credit {
                        entity: entity + 1_000_000,
                        credit: 1.0,
                    });
                    continue;
                }
                _ => 1.0,
            };
            out.push(Credit { entity, credit });
        }
    }
}

tally_core::export_scorer!(Misbehave);

//! The scorers tally can run: count and share, linked in statically (they
//! are plugin crates like any other, `plugins/count` and `plugins/share`),
//! and any scorer a config names with `library = "..."`, loaded at run time
//! through the C ABI. Both kinds are `Box<dyn Scorer>` to the engine.

use crate::RunError;
use tally_config::ScorerSpec;
use tally_core::{Article, Credit, FromParams, ScoreError, Scorer, ScorerInfo};

/// Names of the built-in scorers.
pub const BUILTIN: &[&str] = &["count", "share"];

/// True for a built-in scorer name.
pub fn known(name: &str) -> bool {
    BUILTIN.contains(&name)
}

/// A scorer ready to run, and where it came from.
pub struct Built {
    /// The scorer.
    pub scorer: Box<dyn Scorer>,
    /// `built-in`, or the library's path.
    pub origin: String,
    /// The ABI a plugin was built for (`1.0`), or `static` for a built-in.
    pub abi: String,
}

fn builtin(name: &str, params: &str) -> Result<Box<dyn Scorer>, String> {
    match name {
        "count" => tally_count::Count::from_params(params)
            .map(|s| Box::new(s) as _)
            .map_err(|e| e.to_string()),
        "share" => tally_share::Share::from_params(params)
            .map(|s| Box::new(s) as _)
            .map_err(|e| e.to_string()),
        other => Err(format!(
            "unknown scorer `{other}`: built in are count and share"
        )),
    }
}

/// Builds a scorer from its spec. Errors name the place it was configured,
/// the scorer, and (for a plugin) the library.
pub fn build(spec: &ScorerSpec) -> Result<Built, RunError> {
    let fail = |e: String| RunError(format!("{}: scorer `{}`: {e}", spec.origin, spec.name));
    match &spec.library {
        None => {
            let scorer = builtin(&spec.name, &spec.params).map_err(fail)?;
            Ok(Built {
                scorer,
                origin: "built-in".into(),
                abi: "static".into(),
            })
        }
        Some(lib) => {
            let (path, foreign) = tally_plugin::scorer(lib, spec.sha256.as_deref(), &spec.params)
                .map_err(|e| fail(e.to_string()))?;
            let plugin_name = foreign.info().name;
            if plugin_name != spec.name {
                tracing::warn!(
                    "scorer `{}` is the plugin `{plugin_name}` ({}); its column is named `{}`",
                    spec.name,
                    path.display(),
                    spec.name
                );
            }
            let (major, minor) = foreign.table().version();
            Ok(Built {
                scorer: Box::new(Named {
                    name: spec.name.clone(),
                    inner: foreign,
                }),
                origin: path.display().to_string(),
                abi: format!("{major}.{minor}"),
            })
        }
    }
}

/// The built-in scorers with default parameters.
pub fn builtins() -> Vec<Built> {
    BUILTIN
        .iter()
        .filter_map(|n| {
            build(&ScorerSpec {
                name: n.to_string(),
                params: "{}".into(),
                origin: "built-in".into(),
                library: None,
                sha256: None,
            })
            .ok()
        })
        .collect()
}

/// A scorer under the name the config gives it (the column and `by` name).
struct Named<S> {
    name: String,
    inner: S,
}

impl<S: Scorer> Scorer for Named<S> {
    fn info(&self) -> ScorerInfo {
        let mut info = self.inner.info();
        info.name = self.name.clone().into();
        info
    }
    fn score(&self, article: &Article<'_>, out: &mut Vec<Credit>) {
        self.inner.score(article, out)
    }
    fn score_batch(
        &self,
        articles: &[Article<'_>],
        out: &mut Vec<Credit>,
        ends: &mut Vec<usize>,
    ) -> Result<(), ScoreError> {
        self.inner.score_batch(articles, out, ends)
    }
}

//! The scorers tally can run: count and share, linked in statically (they
//! are plugin crates like any other, `plugins/count` and `plugins/share`),
//! and any scorer a config names with `library = "..."`, loaded at run time
//! through the C ABI. Both kinds are `Box<dyn Scorer>` to the engine.

use crate::RunError;
use tally_config::ScorerSpec;
use tally_core::{FromParams, Scorer};

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
    /// The ABI of a plugin (`1.0`), or `static` for a built-in.
    pub abi: String,
}

fn builtin(name: &str, params: &str) -> Result<Box<dyn Scorer>, String> {
    match name {
        "count" => tally_count::Count::from_params(params).map(|s| Box::new(s) as _),
        "share" => tally_share::Share::from_params(params).map(|s| Box::new(s) as _),
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
            let scorer = builtin(&spec.name, &spec.params).map_err(|e| {
                let e = e
                    .strip_prefix(&format!("{}: ", spec.name))
                    .unwrap_or(&e)
                    .to_owned();
                fail(format!("bad params: {e}"))
            })?;
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
            Ok(Built {
                scorer: Box::new(Named {
                    name: spec.name.clone(),
                    inner: foreign,
                }),
                origin: path.display().to_string(),
                abi: format!(
                    "{}.{}",
                    tally_core::abi::ABI_MAJOR,
                    tally_core::abi::ABI_MINOR
                ),
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
    fn info(&self) -> tally_core::ScorerInfo {
        let mut info = self.inner.info();
        info.name = self.name.clone().into();
        info
    }
    fn score(&self, article: &tally_core::Article<'_>, out: &mut Vec<tally_core::Credit>) {
        self.inner.score(article, out)
    }
    fn score_batch(
        &self,
        articles: &[tally_core::Article<'_>],
        out: &mut Vec<tally_core::Credit>,
        ends: &mut Vec<usize>,
    ) {
        self.inner.score_batch(articles, out, ends)
    }
    fn try_score_batch(
        &self,
        articles: &[tally_core::Article<'_>],
        out: &mut Vec<tally_core::Credit>,
        ends: &mut Vec<usize>,
    ) -> Result<(), String> {
        self.inner.try_score_batch(articles, out, ends)
    }
}

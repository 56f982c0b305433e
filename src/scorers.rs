//! The scorers tally can run: the built-ins, linked in statically (they are
//! plugin crates like any other, `plugins/count` and `plugins/share`) and
//! listed once, in [`registry`], which everything else consults; and any
//! scorer a config names with `library = "..."`, loaded at run time through
//! the C ABI. Both kinds are `Box<dyn Scorer>` to the engine.

use crate::RunError;
use std::sync::OnceLock;
use tally_config::{Builtins, ScorerSpec};
use tally_core::{Article, Credit, FromParams, ParamsError, ScoreError, Scorer, ScorerInfo};

/// A built-in scorer, named and described by its own `info()`.
pub struct Builtin {
    /// The name configs use.
    pub name: String,
    /// One line: what it computes.
    pub description: String,
    /// Builds it from its params (JSON).
    pub build: fn(&str) -> Result<Box<dyn Scorer>, ParamsError>,
    ranks_by_default: bool,
    splits_articles: bool,
}

impl Builtin {
    fn of<T: Scorer + FromParams + 'static>() -> Builtin {
        fn build<T: Scorer + FromParams + 'static>(
            params: &str,
        ) -> Result<Box<dyn Scorer>, ParamsError> {
            Ok(Box::new(T::from_params(params)?))
        }
        let info = build::<T>("{}")
            .unwrap_or_else(|e| panic!("a built-in scorer refuses empty params: {e}"))
            .info();
        Builtin {
            name: info.name.into_owned(),
            description: info.description.into_owned(),
            build: build::<T>,
            ranks_by_default: false,
            splits_articles: false,
        }
    }

    /// Marks the scorer that hands out each article's whole weight, split
    /// among its authorships: the ledger's share lines report its credits.
    fn splits_articles(self) -> Builtin {
        Builtin {
            splits_articles: true,
            ..self
        }
    }

    fn ranks_by_default(self) -> Builtin {
        Builtin {
            ranks_by_default: true,
            ..self
        }
    }
}

/// The built-in scorers, in the column order of a run that names none.
pub struct Registry {
    scorers: Vec<Builtin>,
}

/// The one list of built-in scorers.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry {
        scorers: vec![
            Builtin::of::<tally_count::Count>(),
            Builtin::of::<tally_share::Share>()
                .ranks_by_default()
                .splits_articles(),
        ],
    })
}

impl Registry {
    /// The built-in scorer of that name.
    pub fn get(&self, name: &str) -> Option<&Builtin> {
        self.scorers.iter().find(|b| b.name == name)
    }

    /// Every built-in scorer, in default column order.
    pub fn iter(&self) -> impl Iterator<Item = &Builtin> {
        self.scorers.iter()
    }

    /// The built-in scorer whose credits the ledger's share lines report
    /// (assigned, and the rest of the included works' weight).
    pub fn ledger_share(&self) -> Option<&Builtin> {
        self.scorers.iter().find(|b| b.splits_articles)
    }

    /// The scorer a run ranks by when the config does not say (and it is run).
    pub fn ranked_by_default(&self) -> Option<&Builtin> {
        self.scorers.iter().find(|b| b.ranks_by_default)
    }

    /// What the config needs to know: the names, the default scorers (all
    /// of them) and the default `by`.
    pub fn for_config(&self) -> Builtins {
        let names: Vec<String> = self.iter().map(|b| b.name.clone()).collect();
        Builtins {
            defaults: names.clone(),
            names,
            by: self.ranked_by_default().map(|b| b.name.clone()),
        }
    }

    fn build(&self, name: &str, params: &str) -> Result<Box<dyn Scorer>, BuildError> {
        let builtin = self.get(name).ok_or_else(|| BuildError::Unknown {
            name: name.to_owned(),
            known: self.for_config().listed(),
        })?;
        Ok((builtin.build)(params)?)
    }
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

/// Why a configured scorer could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// No built-in scorer has the name.
    #[error("unknown scorer `{name}`: built in are {known}")]
    Unknown {
        /// The name asked for.
        name: String,
        /// The built-in names.
        known: String,
    },
    /// The scorer refused its parameters.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// The plugin could not be loaded or created.
    #[error(transparent)]
    Plugin(#[from] tally_loader::PluginError),
}

/// Builds a scorer from its spec. Errors name the place it was configured,
/// the scorer, and (for a plugin) the library.
pub fn build(spec: &ScorerSpec) -> Result<Built, RunError> {
    let fail = |source: BuildError| RunError::Scorer {
        origin: spec.origin.clone(),
        name: spec.name.clone(),
        source: Box::new(source),
    };
    match &spec.library {
        None => Ok(Built {
            scorer: registry().build(&spec.name, &spec.params).map_err(fail)?,
            origin: "built-in".into(),
            abi: "static".into(),
        }),
        Some(lib) => {
            let (path, foreign) = tally_loader::scorer(lib, spec.sha256.as_deref(), &spec.params)
                .map_err(|e| fail(e.into()))?;
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
                // The library as loaded, with the digest of its bytes, so a
                // report names exactly which build scored it.
                origin: match tally_ingest::files::Opened::open(&path).and_then(|f| f.finish()) {
                    Ok(f) => format!("{} ({})", path.display(), f.digest),
                    Err(_) => path.display().to_string(),
                },
                abi: format!("{major}.{minor}"),
            })
        }
    }
}

/// The built-in scorers with default parameters.
pub fn builtins() -> Vec<Built> {
    registry()
        .iter()
        .filter_map(|b| {
            build(&ScorerSpec {
                name: b.name.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_runs_count_and_share_and_ranks_by_share() {
        let b = registry().for_config();
        assert_eq!(b.names, ["count", "share"]);
        assert_eq!(b.defaults, ["count", "share"]);
        assert_eq!(b.by.as_deref(), Some("share"));
        let share = registry().get("share").unwrap();
        assert!(share.description.contains("Nature Index Share"));
        assert!((share.build)(r#"{"unaffiliated":"renormalize"}"#).is_ok());
    }

    #[test]
    fn an_unknown_builtin_lists_the_known_ones() {
        let e = registry().build("hindex", "{}").err().unwrap();
        assert_eq!(
            e.to_string(),
            "unknown scorer `hindex`: built in are count and share"
        );
    }
}

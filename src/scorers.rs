//! The scorers tally knows by name. Count and share are linked in statically;
//! they are plugin crates like any other (`plugins/count`, `plugins/share`).

use crate::RunError;
use tally_config::ScorerSpec;
use tally_core::{FromParams, Scorer};

/// Names of the built-in scorers.
pub const BUILTIN: &[&str] = &["count", "share"];

/// True for a scorer name tally can build.
pub fn known(name: &str) -> bool {
    BUILTIN.contains(&name)
}

/// All built-in scorers with default parameters.
pub fn builtins() -> Vec<Box<dyn Scorer>> {
    BUILTIN
        .iter()
        .filter_map(|n| {
            build(&ScorerSpec {
                name: n.to_string(),
                params: "{}".into(),
                origin: "built-in".into(),
            })
            .ok()
        })
        .collect()
}

/// Builds a scorer from its spec; a parameter error names the scorer and where it was configured.
pub fn build(spec: &ScorerSpec) -> Result<Box<dyn Scorer>, RunError> {
    let built: Result<Box<dyn Scorer>, String> = match spec.name.as_str() {
        "count" => tally_count::Count::from_params(&spec.params).map(|s| Box::new(s) as _),
        "share" => tally_share::Share::from_params(&spec.params).map(|s| Box::new(s) as _),
        other => Err(format!("unknown scorer `{other}` (built in: count, share)")),
    };
    built.map_err(|e| {
        let e = e
            .strip_prefix(&format!("{}: ", spec.name))
            .unwrap_or(&e)
            .to_owned();
        RunError(format!(
            "{}: scorer `{}`: bad params: {e}",
            spec.origin, spec.name
        ))
    })
}

//! Loading scorer plugins: shared libraries that export tally's scorer ABI
//! (see [`tally_core::abi`]).
//!
//! [`load`] finds the file (the platform suffix may be left off), checks an
//! optional SHA-256 pin, opens the library, looks up `tally_scorer_v1`, and
//! checks the table's magic number, ABI version and size before anything
//! else is called. Libraries are never unloaded: the table and every scorer
//! made from it stay valid until the process ends. [`scorer`] then builds a
//! [`Foreign`] scorer, which the engine uses like any other.

#![warn(clippy::undocumented_unsafe_blocks)]

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tally_core::abi::{check, CreateError, Foreign, Mismatch, ScorerVTable, Table, SYMBOL_NAME};

/// Why a plugin could not be used. Every message names the library.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// No file at the path (with or without the platform suffix).
    #[error("{}: no such plugin library (also tried {})", path.display(), tried.display())]
    NotFound {
        /// As given.
        path: PathBuf,
        /// With the platform suffix.
        tried: PathBuf,
    },
    /// The file's digest is not the pinned one.
    #[error("{}: sha256 is {actual}, but the config pins {expected}; refusing a different library", path.display())]
    Digest {
        /// The library.
        path: PathBuf,
        /// Pinned.
        expected: String,
        /// Found.
        actual: String,
    },
    /// The file could not be opened as a shared library.
    #[error("{}: not a loadable shared library: {message}", path.display())]
    Open {
        /// The library.
        path: PathBuf,
        /// From the dynamic loader.
        message: String,
    },
    /// The library does not export the scorer entry point.
    #[error("{}: does not export `{SYMBOL_NAME}`: not a tally scorer plugin (a plugin crate calls tally_core::export_scorer!)", path.display())]
    NoSymbol {
        /// The library.
        path: PathBuf,
    },
    /// The table is not one this tally can use.
    #[error("{}: {mismatch}", path.display())]
    Abi {
        /// The library.
        path: PathBuf,
        /// What does not match.
        mismatch: Mismatch,
    },
    /// The scorer refused its parameters or could not be made or described
    /// (the error names the library).
    #[error(transparent)]
    Create(#[from] CreateError),
}

/// A plugin library, checked and loaded.
#[derive(Clone, Copy, Debug)]
pub struct Plugin {
    /// Its scorer table, checked.
    pub table: Table,
}

static LOADED: Mutex<Option<HashMap<PathBuf, Plugin>>> = Mutex::new(None);

/// The path with the platform's shared-library suffix added when the file
/// name has no extension.
pub fn with_suffix(path: &Path) -> PathBuf {
    if path.extension().is_some() {
        return path.to_path_buf();
    }
    let mut s = path.as_os_str().to_owned();
    s.push(std::env::consts::DLL_SUFFIX);
    PathBuf::from(s)
}

/// Hex SHA-256 of a file.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut h = Sha256::new();
    let mut f = std::fs::File::open(path)?;
    std::io::copy(&mut f, &mut h)?;
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Finds, verifies, opens and checks a plugin library.
pub fn load(path: &Path, sha256: Option<&str>) -> Result<(PathBuf, Plugin), PluginError> {
    let found = if path.is_file() {
        path.to_path_buf()
    } else {
        let tried = with_suffix(path);
        if !tried.is_file() {
            return Err(PluginError::NotFound {
                path: path.to_path_buf(),
                tried,
            });
        }
        tried
    };
    // One absolute file, links resolved: the one pinned is the one loaded
    // (a name without a slash would otherwise go to the dynamic loader's
    // search path, which may find another library of that name).
    let file = std::fs::canonicalize(&found).map_err(|e| PluginError::Open {
        path: found.clone(),
        message: e.to_string(),
    })?;
    if let Some(expected) = sha256 {
        let actual = sha256_file(&file).map_err(|e| PluginError::Open {
            path: found.clone(),
            message: e.to_string(),
        })?;
        if !actual.eq_ignore_ascii_case(expected.trim()) {
            return Err(PluginError::Digest {
                path: found,
                expected: expected.trim().to_owned(),
                actual,
            });
        }
    }
    let mut cache = LOADED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = cache.get_or_insert_with(HashMap::new).get(&file) {
        return Ok((found, *p));
    }
    // SAFETY: loading runs the library's initialisers; the user named this
    // library in their config, which is the trust decision (pin it with sha256).
    let lib = unsafe { libloading::Library::new(&file) }.map_err(|e| PluginError::Open {
        path: found.clone(),
        message: e.to_string(),
    })?;
    // Never unloaded: tables and handles from it live as long as the process.
    let lib: &'static libloading::Library = Box::leak(Box::new(lib));
    type Entry = unsafe extern "C" fn() -> *const ScorerVTable;
    // SAFETY: the ABI gives the symbol this type; a library that exports the
    // name with another type breaks the ABI (as does any wrong table).
    let entry =
        unsafe { lib.get::<Entry>(format!("{SYMBOL_NAME}\0").as_bytes()) }.map_err(|_| {
            PluginError::NoSymbol {
                path: found.clone(),
            }
        })?;
    // SAFETY: the symbol is the ABI entry point, in a library never
    // unloaded; `check` reads the header (magic, then version, then size)
    // before it reads any more of the table.
    let table = unsafe { check(entry()) }.map_err(|mismatch| PluginError::Abi {
        path: found.clone(),
        mismatch,
    })?;
    let plugin = Plugin { table };
    cache.get_or_insert_with(HashMap::new).insert(file, plugin);
    Ok((found, plugin))
}

/// Loads a plugin and creates its scorer with `params` (JSON).
pub fn scorer(
    path: &Path,
    sha256: Option<&str>,
    params: &str,
) -> Result<(PathBuf, Foreign), PluginError> {
    let (found, plugin) = load(path, sha256)?;
    let label = found.display().to_string();
    let foreign = Foreign::new(plugin.table, params, &label)?;
    Ok((found, foreign))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_plugin() {
        let dir = std::env::temp_dir().join(format!("tally-loader-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fake = dir.join("libfake.so");
        std::fs::write(&fake, "this is not ELF").unwrap();
        let e = load(&fake, None).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!(
                "{}: not a loadable shared library",
                fake.display()
            )),
            "{e}"
        );
        let e = load(&dir.join("libnothing"), None).unwrap_err().to_string();
        assert!(e.contains("no such plugin library"), "{e}");
        let e = load(&fake, Some("00")).unwrap_err().to_string();
        assert!(
            e.contains("but the config pins 00; refusing a different library"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! Everything tally takes in, read into one shape.
//!
//! - [`read_works`]: works files (OpenAlex JSON Lines, plain or gzipped,
//!   and tidy CSV) to [`WorkBatch`]es in input order, parsed and screened
//!   by a [`Filter`] on worker threads. The one way works come in.
//! - [`normalize`]: the one place where ids, types and ISSNs are made
//!   comparable; every reader writes through it.
//! - [`files`]: which files an argument names (files, directories, globs),
//!   opened plain or gzipped (detected from the content), with an XXH3-128
//!   digest of the bytes read, and what they hold ([`files::Content`]).
//! - [`institutions`]: OpenAlex institution entities, ROR records (v1 and
//!   v2, JSON Lines or the official JSON array) and institutions CSV, into
//!   one [`InstitutionTable`].
//! - [`journals`]: journal lists (OpenAlex source ids and/or ISSNs).
//!
//! Errors are values that name the file, the line and, where known, the field.

mod batch;
mod csv_works;
pub mod error;
pub mod files;
mod filter;
pub mod institutions;
pub mod journals;
mod json;
pub mod normalize;
mod openalex;
mod read;

pub use batch::{Affiliation, Entry, WorkBatch, WorkView};
pub use csv_works::CSV_WORK_COLUMNS;
pub use error::{InputError, Located, RecordError};
pub use files::{expand_inputs, expand_inputs_found, InputFile};
pub use filter::{Exclusion, Filter};
pub use institutions::{InstitutionRecord, InstitutionTable};
pub use journals::JournalList;
pub use openalex::{LineParser, Skimmed};
pub use read::{read_works, Progress, ReadOptions, WorkReader};

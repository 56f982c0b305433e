//! The C ABI between tally and scorer plugins built as shared libraries.
//!
//! A plugin exports one symbol, [`SYMBOL_NAME`] (`tally_scorer_v1`; the name
//! carries the ABI major version), a function that returns a pointer to a
//! static [`ScorerVTable`]. The table starts with a magic number, the ABI
//! version and its own size, so tally can check them before it calls
//! anything.
//!
//! Across the boundary go only flat arrays ([`RawBatch`]: per-article year,
//! source, weight; `u32` offsets per article and per authorship; `u32`
//! entity ids), caller-owned output buffers ([`RawOutput`]), the scorer's
//! parameters as a JSON string, and `i32` status codes. Every exported
//! function catches panics and turns them into [`PANIC`] with the message
//! available from `last_error`. Memory is freed by the side that allocated
//! it: the plugin owns its scorer handle (freed by `destroy`) and its
//! strings; tally owns the batch and the output buffers.
//!
//! The module has three parts, as the two sides of the boundary are built
//! apart: the types both sides share (the table, batch, output, strings,
//! status codes), the plugin side ([`vtable`] and the shims in it,
//! [`export_scorer!`](crate::export_scorer)), and the host side ([`check`],
//! [`Table`], [`Foreign`]). Plugin authors never write any of it: they
//! implement [`Scorer`](crate::Scorer) and [`FromParams`](crate::FromParams)
//! and call `export_scorer!`. On the host side, [`Foreign`] wraps a checked
//! table back into a `Scorer`.
//!
//! # Versions
//!
//! tally accepts a table whose major version is [`ABI_MAJOR`], whose minor
//! version is at most [`ABI_MINOR`], and whose size is at least
//! [`V1_0_SIZE`], the size of the 1.0 table. A plugin built for a newer minor
//! version is refused ([`Mismatch::NewerMinor`]): it may need functions this
//! tally does not know. A score kind other than [`KIND_INTEGER`] and
//! [`KIND_FRACTIONAL`] is refused too.
//!
//! # Growing the table
//!
//! A function that ABI 1.1 adds goes like this:
//!
//! 1. Append its field to [`ScorerVTable`] (never in between), with its
//!    `extern "C"` type alias, and fill it in [`vtable`]; bump
//!    [`ABI_MINOR`].
//! 2. Keep [`V1_0_SIZE`]'s value: define it as the `offset_of!` the new
//!    field instead of `size_of::<ScorerVTable>()`.
//! 3. Give [`Table`] an `Option` of the new function, which `check` fills
//!    with `later(ptr, size, offset_of!(ScorerVTable, new_field))`: `Some`
//!    only when the plugin's table is large enough to hold the field, so a
//!    1.0 plugin reads as `None` and the host falls back to what 1.0 does.
//!
//! The host never takes a reference to a whole `ScorerVTable`, which may be
//! larger than an older plugin's table: it copies the fields out.

mod host;
mod plugin;
mod types;

pub use host::{check, CreateError, CreateErrorKind, Foreign, Mismatch, Table};
pub use plugin::vtable;
pub use types::{
    CreateFn, DescribeFn, DestroyFn, LastErrorFn, RawBatch, RawInfo, RawOutput, RawStr,
    ScoreBatchFn, ScorerVTable, Status, ABI_MAJOR, ABI_MINOR, BUFFER_TOO_SMALL, ERROR,
    KIND_FRACTIONAL, KIND_INTEGER, MAGIC, OK, PANIC, PARAMS, SYMBOL_NAME, V1_0_SIZE,
};

#[cfg(test)]
mod tests;

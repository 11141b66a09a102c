//! PDF signatures (issue 14): PAdES baseline B-B (`/SubFilter /ETSI.CAdES.detached`) or
//! `adbe.pkcs7.detached` signatures made with the card and added as an incremental update
//! ([`sign`], with the `pcsc` feature, since it builds on [`crate::sign`]); and verification
//! of every signature of a PDF against the published PDF signature attacks ([`verify`], in
//! the verify-only build too). With `--ltv`, PAdES B-LT validation data follows the
//! signature in an update of its own ([`dss`]).
//!
//! Objects are read with lopdf ([`doc`], strict: damaged cross-reference data is an error,
//! not repaired). What a signature's `/ByteRange` is about — offsets, `%%EOF`, the `/Contents`
//! hex string — is read from the raw bytes by hand ([`raw`]): an object parser forgets
//! offsets and repairs what it can, and both would hide what a byte-range check must see.
//! Every user-visible message is in [`error`].

pub mod doc;
pub mod dss;
pub mod error;
pub mod raw;
#[cfg(feature = "pcsc")]
pub mod sign;
pub mod verify;

pub use error::PdfError;
pub use verify::{verify_pdf, Change, PdfReport, PdfVerdict, Problem, SignatureResult};

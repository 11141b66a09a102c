//! Every message of the PDF layer, in English, in one place (for later translation): why a
//! PDF could not be signed or checked at all ([`PdfError`]), and the texts of verdicts and
//! of the kinds of later changes (used by the `Display` impls in [`super::verify`]).

/// A PDF that cannot be signed or verified at all. Each variant names what was wrong.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// No `%PDF-` header in the first 1024 bytes.
    #[error("not a PDF file (no %PDF- header at the start)")]
    NotPdf,
    /// The file is encrypted (a trailer `/Encrypt`): signing and checking it need the
    /// decrypted objects, which this program does not handle.
    #[error(
        "the PDF is encrypted; encrypted PDFs are not supported (remove the encryption first)"
    )]
    Encrypted,
    /// The cross-reference data or the objects do not parse as written (no repair is tried).
    #[error("the PDF is damaged: {why}")]
    Damaged {
        /// What the parser found.
        why: String,
    },
    /// A structure this program does not handle.
    #[error("unsupported PDF: {why}")]
    Unsupported {
        /// What is not supported.
        why: String,
    },
    /// The PDF has no signature to verify.
    #[error("the PDF has no signature fields with a signature value")]
    NoSignature,
    /// `--visible` names a page the document does not have.
    #[error("page {page} does not exist (the document has {pages} pages)")]
    NoSuchPage {
        /// The page asked for (1-based).
        page: u32,
        /// Number of pages.
        pages: usize,
    },
    /// A `--visible` specification that does not parse.
    #[error("--visible {given}: expected PAGE:X,Y,W,H (page from 1, positive width and height in points)")]
    BadVisible {
        /// What was given (bounded).
        given: String,
    },
    /// The CMS signature is larger than the space reserved for it in `/Contents`.
    #[error(
        "the CMS signature ({cms} bytes) does not fit the {reserved} bytes reserved in /Contents"
    )]
    ContentsTooSmall {
        /// Size of the CMS.
        cms: usize,
        /// Bytes reserved.
        reserved: usize,
    },
    /// The signer certificate is not usable to size the signature.
    #[error("the signer certificate cannot be used: {why}")]
    Certificate {
        /// Why.
        why: String,
    },
    /// The signature dictionary could not be encoded.
    #[error("cannot write the signature: {why}")]
    Write {
        /// Why.
        why: String,
    },
}

/// Text of a verdict (see [`super::verify::PdfVerdict`]).
pub(crate) fn verdict_text(v: super::verify::PdfVerdict) -> &'static str {
    use super::verify::PdfVerdict::*;
    match v {
        Valid => "valid: the signature is good and nothing but signatures or validation data was added after it",
        Modified => "valid for its revision, but the document was modified after signing (see the changes)",
        RevocationUnknown => "signature good, but the signer's revocation status is unknown",
        Invalid => "NOT valid",
    }
}

/// Text of a kind of later change (see [`super::verify::Change`]).
pub(crate) fn change_text(c: super::verify::Change) -> &'static str {
    use super::verify::Change::*;
    match c {
        Signature => "another signature was added",
        Dss => "validation data (DSS) was added",
        Annotations => "annotations were added or changed",
        Forms => "form fields were added or changed",
        Metadata => "the document information or metadata was changed",
        Content => "the document content or structure was changed",
        TrailingData => "bytes were appended after the last revision",
    }
}

/// Texts of the structural failures of one signature (see [`super::verify::Problem`]).
pub(crate) fn problem_text(p: &super::verify::Problem) -> String {
    use super::verify::Problem::*;
    match p {
        NoByteRange => "the signature has no valid /ByteRange (four non-negative integers)".into(),
        NoContents => "the signature has no /Contents string".into(),
        ByteRangeStart => "/ByteRange does not start at byte 0".into(),
        ByteRangeOrder => {
            "/ByteRange ranges overlap, are empty or run past the end of the file".into()
        }
        GapNotContents => {
            "the /ByteRange gap is not exactly this signature's /Contents hex string".into()
        }
        NotRevisionEnd { end } => format!(
            "the signed range ends at byte {end}, which is not the end of a revision (%%EOF)"
        ),
        ContentsNotCms { why } => format!("/Contents is not a CMS signature: {why}"),
        ContentsTrailing => "/Contents has non-zero bytes after the CMS signature".into(),
        SubFilter { name } => format!("unsupported /SubFilter {name}"),
        Cms { why } => format!("the CMS signature cannot be checked: {why}"),
    }
}

/// First line of a visible signature's appearance.
#[cfg(feature = "pcsc")]
pub(crate) const APPEARANCE_SIGNED_BY: &str = "Digitally signed by";
/// Label of the time in a visible signature's appearance.
#[cfg(feature = "pcsc")]
pub(crate) const APPEARANCE_DATE: &str = "Date:";

//! Verifying every signature of a PDF, resisting the published PDF signature attacks:
//!
//! - the `/ByteRange` must start at 0 and leave exactly one gap, which must be exactly the
//!   `/Contents` hex string of this signature dictionary (the bytes parsed from the gap must
//!   equal the `/Contents` the object parser reads: signature wrapping moves one of them);
//! - the signed range must end at the end of a revision (after a `%%EOF`), so it covers the
//!   file exactly as it was when signed;
//! - what later revisions changed is found by comparing the objects of the signed revision
//!   (the file's prefix, loaded on its own) with those of the whole file, and classified:
//!   another signature, a DSS, annotations, form fields, metadata, or content changes
//!   (incremental saving and shadow attacks are content, annotation or form changes);
//! - the CMS is checked by [`crate::verify::verify_cms`] over the byte ranges, with the same
//!   path, profile and revocation options as a CMS file.
//!
//! Structures that cannot be read give a [`PdfError`], never a verdict.

use std::collections::{BTreeSet, HashSet};
use std::fmt;

use lopdf::{Dictionary, Document, Object, ObjectId};
use serde::Serialize;

use super::doc;
use super::error::{change_text, problem_text, verdict_text, PdfError};
use super::raw;
use crate::verify::result::bounded;
use crate::verify::{Verdict, VerifyError, VerifyOptions, VerifyReport};

/// The verdict on one signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PdfVerdict {
    /// The CMS and the byte range are good; after the signature only signatures or a DSS.
    Valid,
    /// Good for its revision, but later revisions changed what is shown.
    Modified,
    /// Good, but the signer's revocation status could not be established.
    RevocationUnknown,
    /// Not valid.
    Invalid,
}

/// A kind of change made after a signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Another signature (field, widget, signature dictionary).
    Signature,
    /// A document security store (validation data).
    Dss,
    /// Annotations.
    Annotations,
    /// Form fields.
    Forms,
    /// The document information dictionary or the XMP metadata.
    Metadata,
    /// Anything else: pages, content streams, resources, deleted objects.
    Content,
    /// Bytes after the last `%%EOF`.
    TrailingData,
}

impl Change {
    /// Whether this change keeps the signed document as signed (PAdES allows signatures and
    /// validation data to be added).
    pub fn harmless(self) -> bool {
        matches!(self, Change::Signature | Change::Dss)
    }
}

/// A structural failure of one signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// `/ByteRange` missing or not four non-negative integers.
    NoByteRange,
    /// `/Contents` missing or not a string.
    NoContents,
    /// The first range does not start at 0.
    ByteRangeStart,
    /// Ranges empty, overlapping or past the end.
    ByteRangeOrder,
    /// The gap is not this signature's `/Contents` hex string.
    GapNotContents,
    /// The signed range does not end at a revision end.
    NotRevisionEnd {
        /// Where it ends.
        end: usize,
    },
    /// `/Contents` does not hold DER.
    ContentsNotCms {
        /// Why.
        why: String,
    },
    /// Non-zero bytes after the CMS in `/Contents`.
    ContentsTrailing,
    /// A `/SubFilter` we do not verify.
    SubFilter {
        /// The name.
        name: String,
    },
    /// The CMS could not be judged.
    Cms {
        /// Why.
        why: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&problem_text(self))
    }
}

/// One signature's result.
#[derive(Debug, Serialize)]
pub struct SignatureResult {
    /// The field name (`/T`).
    pub field: String,
    /// `/SubFilter`.
    pub subfilter: String,
    /// `/M`, as written.
    pub claimed_time: Option<String>,
    /// `/ByteRange` as written.
    pub byte_range: Vec<i64>,
    /// Whether the signed range is the whole file.
    pub covers_whole_file: bool,
    /// The revision it signed (1 = the original file).
    pub revision: usize,
    /// Structural failures.
    pub problems: Vec<Problem>,
    /// Changes made after it.
    pub changes: Vec<Change>,
    /// The CMS report, when the CMS could be judged.
    pub cms: Option<VerifyReport>,
    /// The verdict.
    pub verdict: PdfVerdict,
}

/// Every signature of a PDF.
#[derive(Debug, Serialize)]
pub struct PdfReport {
    /// Number of revisions (`%%EOF` markers).
    pub revisions: usize,
    /// Each signature, in the order of the AcroForm.
    pub signatures: Vec<SignatureResult>,
    /// The document security store (PAdES validation data), when the catalogue has one.
    pub dss: Option<DssSummary>,
}

/// What a document security store holds (counted, not judged).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DssSummary {
    /// Streams in `/Certs`.
    pub certificates: usize,
    /// Streams in `/CRLs`.
    pub crls: usize,
    /// Streams in `/OCSPs`.
    pub ocsp_responses: usize,
    /// Entries of `/VRI`.
    pub vri: usize,
}

/// The catalogue's `/DSS`, counted.
fn dss_summary(doc: &Document) -> Option<DssSummary> {
    let cat = doc::catalog(doc).ok()?.1;
    let dss = doc::dict(doc, cat.get(b"DSS").ok()?)?;
    let count = |key: &[u8]| {
        dss.get(key)
            .ok()
            .and_then(|a| doc::deref(doc, a))
            .and_then(|(_, a)| a.as_array().ok().map(Vec::len))
            .unwrap_or(0)
    };
    Some(DssSummary {
        certificates: count(b"Certs"),
        crls: count(b"CRLs"),
        ocsp_responses: count(b"OCSPs"),
        vri: dss.get(b"VRI").ok().and_then(|v| doc::dict(doc, v)).map_or(0, |v| v.len()),
    })
}

impl PdfReport {
    /// The worst verdict.
    pub fn verdict(&self) -> PdfVerdict {
        let vs: Vec<PdfVerdict> = self.signatures.iter().map(|s| s.verdict).collect();
        if vs.is_empty() || vs.contains(&PdfVerdict::Invalid) {
            PdfVerdict::Invalid
        } else if vs.contains(&PdfVerdict::Modified) {
            PdfVerdict::Modified
        } else if vs.contains(&PdfVerdict::RevocationUnknown) {
            PdfVerdict::RevocationUnknown
        } else {
            PdfVerdict::Valid
        }
    }

    /// JSON.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "verdict": self.verdict(),
            "revisions": self.revisions,
            "signatures": self.signatures,
            "dss": self.dss,
        })
        .to_string()
    }
}

impl fmt::Display for PdfVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(verdict_text(*self))
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(change_text(*self))
    }
}

impl fmt::Display for PdfReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} signature(s), {} revision(s)", self.signatures.len(), self.revisions)?;
        for (i, s) in self.signatures.iter().enumerate() {
            writeln!(
                f,
                "signature {} ({}, {}): {}",
                i + 1,
                bounded(&s.field),
                s.subfilter,
                s.verdict
            )?;
            writeln!(
                f,
                "  signed revision {} of {}{}",
                s.revision,
                self.revisions,
                if s.covers_whole_file { ", the whole file" } else { "" }
            )?;
            if let Some(t) = &s.claimed_time {
                writeln!(f, "  claimed signing time (/M, unsigned): {}", bounded(t))?;
            }
            for p in &s.problems {
                writeln!(f, "  problem: {p}")?;
            }
            for c in &s.changes {
                writeln!(f, "  changed after signing: {c}")?;
            }
            if let Some(r) = &s.cms {
                for line in r.to_string().lines() {
                    writeln!(f, "  {line}")?;
                }
            }
        }
        writeln!(f, "overall: {}", self.verdict())
    }
}

/// Verify every signature of the PDF `bytes`.
pub fn verify_pdf(bytes: &[u8], opts: &VerifyOptions<'_>) -> Result<PdfReport, PdfError> {
    let full = doc::load(bytes)?;
    let ends = raw::revision_ends(bytes);
    let sigs: Vec<(ObjectId, &Dictionary)> = doc::fields(&full)
        .into_iter()
        .filter(|(_, d)| doc::field_type(&full, d) == Some(b"Sig") && d.has(b"V"))
        .collect();
    if sigs.is_empty() {
        return Err(PdfError::NoSignature);
    }
    let trailing = ends
        .last()
        .is_none_or(|e| bytes.get(*e..).is_some_and(|t| !t.iter().all(u8::is_ascii_whitespace)));
    let mut signatures = Vec::new();
    for (_, field) in sigs {
        signatures.push(check_one(bytes, &full, field, &ends, trailing, opts)?);
    }
    Ok(PdfReport { revisions: ends.len(), signatures, dss: dss_summary(&full) })
}

fn text(o: Option<&Object>) -> Option<String> {
    let b = o?.as_str().ok()?;
    Some(match b {
        [0xfe, 0xff, rest @ ..] => {
            let u: Vec<u16> = rest
                .chunks(2)
                .map(|c| match c {
                    [a, b] => u16::from_be_bytes([*a, *b]),
                    _ => 0xfffd,
                })
                .collect();
            String::from_utf16_lossy(&u)
        }
        _ => String::from_utf8_lossy(b).into_owned(),
    })
}

fn check_one(
    bytes: &[u8],
    full: &Document,
    field: &Dictionary,
    ends: &[usize],
    trailing: bool,
    opts: &VerifyOptions<'_>,
) -> Result<SignatureResult, PdfError> {
    let (sig_id, sig) = match field.get(b"V").ok().and_then(|v| doc::deref(full, v)) {
        Some((id, Object::Dictionary(d))) => (id, d),
        _ => {
            return Ok(failed(
                field,
                "(none)".into(),
                vec![Problem::NoContents, Problem::NoByteRange],
            ));
        }
    };
    let subfilter = sig
        .get(b"SubFilter")
        .and_then(Object::as_name)
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .unwrap_or_else(|_| "(none)".into());
    let mut r = failed(field, subfilter.clone(), Vec::new());
    r.claimed_time = text(sig.get(b"M").ok());

    let br: Option<Vec<i64>> =
        sig.get(b"ByteRange").ok().and_then(|o| doc::deref(full, o)).and_then(|(_, o)| {
            o.as_array().ok()?.iter().map(|n| n.as_i64().ok().filter(|v| *v >= 0)).collect()
        });
    let contents = sig.get(b"Contents").ok().and_then(|o| o.as_str().ok());
    if contents.is_none() {
        r.problems.push(Problem::NoContents);
    }
    let Some(br) = br.filter(|b| b.len() == 4) else {
        r.problems.push(Problem::NoByteRange);
        return Ok(r);
    };
    r.byte_range = br.clone();
    let Some(contents) = contents else {
        return Ok(r);
    };
    let as_usize = |v: i64| usize::try_from(v).ok();
    let [b0, b1, b2, b3] = <[i64; 4]>::try_from(br.as_slice()).unwrap_or([-1; 4]);
    let (Some(a0), Some(l0), Some(a1), Some(l1)) =
        (as_usize(b0), as_usize(b1), as_usize(b2), as_usize(b3))
    else {
        r.problems.push(Problem::ByteRangeOrder);
        return Ok(r);
    };
    if a0 != 0 {
        r.problems.push(Problem::ByteRangeStart);
    }
    let gap_start = a0.checked_add(l0);
    let end = a1.checked_add(l1);
    let (Some(gap_start), Some(end)) = (gap_start, end) else {
        r.problems.push(Problem::ByteRangeOrder);
        return Ok(r);
    };
    if l0 == 0 || l1 == 0 || a1 <= gap_start || end > bytes.len() {
        r.problems.push(Problem::ByteRangeOrder);
        return Ok(r);
    }
    // The gap: exactly a hex string, equal to the parsed /Contents, inside this signature
    // dictionary's own object.
    let gap_ok = raw::is_hex_string(bytes, gap_start, a1)
        && {
            let hex = bytes.get(gap_start + 1..a1 - 1).unwrap_or_default();
            raw::decode_hex(hex) == contents
        }
        && sig_id.is_some_and(|id| object_spans(bytes, full, id, gap_start, a1));
    if !gap_ok {
        r.problems.push(Problem::GapNotContents);
    }
    if !raw::is_revision_end(bytes, end) {
        r.problems.push(Problem::NotRevisionEnd { end });
    }
    r.revision = ends.iter().position(|e| *e >= end).map_or(ends.len(), |p| p + 1);
    r.covers_whole_file = end == bytes.len();

    let supported = subfilter == "ETSI.CAdES.detached" || subfilter == "adbe.pkcs7.detached";
    if !supported {
        r.problems.push(Problem::SubFilter { name: bounded(&subfilter) });
    }

    // The CMS: its DER length, then only zero padding.
    let cms_len = raw::der_len(contents);
    match cms_len {
        None => {
            r.problems.push(Problem::ContentsNotCms { why: "no DER value at the start".into() })
        }
        Some(n) if contents.get(n..).is_some_and(|t| t.iter().any(|b| *b != 0)) => {
            r.problems.push(Problem::ContentsTrailing)
        }
        _ => {}
    }
    if let (Some(n), true) = (cms_len, supported) {
        let cms = contents.get(..n).unwrap_or_default();
        let mut data = Vec::with_capacity(l0 + l1);
        data.extend_from_slice(bytes.get(a0..gap_start).unwrap_or_default());
        data.extend_from_slice(bytes.get(a1..end).unwrap_or_default());
        match crate::verify::verify_cms(Some(&data), cms, None, opts) {
            Ok(rep) => r.cms = Some(rep),
            Err(VerifyError::Anchor(a)) => {
                return Err(PdfError::Unsupported { why: a.to_string() })
            }
            Err(e) => r.problems.push(Problem::Cms { why: e.to_string() }),
        }
    }

    // Later changes.
    if r.problems.is_empty() && !r.covers_whole_file {
        let signed = doc::load(bytes.get(..end).unwrap_or_default())?;
        r.changes = changes(&signed, full);
        if trailing {
            r.changes.push(Change::TrailingData);
        }
    } else if trailing {
        r.changes.push(Change::TrailingData);
    }
    r.changes.sort();
    r.changes.dedup();
    r.verdict = match (&r.cms, r.problems.is_empty()) {
        (Some(c), true) => match c.verdict {
            Verdict::Invalid => PdfVerdict::Invalid,
            _ if r.changes.iter().any(|c| !c.harmless()) => PdfVerdict::Modified,
            Verdict::RevocationUnknown => PdfVerdict::RevocationUnknown,
            Verdict::Valid => PdfVerdict::Valid,
        },
        _ => PdfVerdict::Invalid,
    };
    Ok(r)
}

fn failed(field: &Dictionary, subfilter: String, problems: Vec<Problem>) -> SignatureResult {
    SignatureResult {
        field: text(field.get(b"T").ok()).unwrap_or_default(),
        subfilter,
        claimed_time: None,
        byte_range: Vec::new(),
        covers_whole_file: false,
        revision: 0,
        problems,
        changes: Vec::new(),
        cms: None,
        verdict: PdfVerdict::Invalid,
    }
}

/// Whether the object `id` (as the cross-reference data locates it) starts before `start` and
/// its `endobj` comes after `end`: the gap lies inside that object.
fn object_spans(bytes: &[u8], doc: &Document, id: ObjectId, start: usize, end: usize) -> bool {
    let Some(lopdf::xref::XrefEntry::Normal { offset, .. }) = doc.reference_table.get(id.0) else {
        return false;
    };
    let offset = *offset as usize;
    if offset >= start {
        return false;
    }
    let head = format!("{} {} obj", id.0, id.1);
    if bytes.get(offset..offset + head.len()) != Some(head.as_bytes()) {
        return false;
    }
    // No other object starts between the object's header and the gap.
    let between = bytes.get(offset + head.len()..start).unwrap_or_default();
    if raw::find(between, b"endobj", 0).is_some() {
        return false;
    }
    raw::find(bytes, b"endobj", end).is_some()
}

/// The kinds of change from the `signed` revision to the `full` document.
fn changes(signed: &Document, full: &Document) -> Vec<Change> {
    let mut out = BTreeSet::new();
    let dss: HashSet<ObjectId> = reachable_from_dss(full);
    let (signed_cat, full_cat) = (doc::catalog(signed).ok(), doc::catalog(full).ok());
    for (id, obj) in &full.objects {
        let before = signed.objects.get(id);
        if before == Some(obj) {
            continue;
        }
        if dss.contains(id) {
            out.insert(Change::Dss);
            continue;
        }
        let dict = match obj {
            Object::Dictionary(d) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        };
        let ty = dict.and_then(|d| d.get(b"Type").and_then(Object::as_name).ok());
        let subtype = dict.and_then(|d| d.get(b"Subtype").and_then(Object::as_name).ok());
        if Some(*id) == full_cat.map(|c| c.0) {
            // The catalog: which keys changed.
            let old = signed_cat.map(|c| c.1);
            let new = dict;
            let keys: BTreeSet<&Vec<u8>> =
                old.into_iter().chain(new).flat_map(|d| d.iter().map(|(k, _)| k)).collect();
            for k in keys {
                let a = old.and_then(|d| d.get(k).ok());
                let b = new.and_then(|d| d.get(k).ok());
                if a == b {
                    continue;
                }
                out.insert(match k.as_slice() {
                    b"DSS" => Change::Dss,
                    b"AcroForm" => form_change(
                        signed,
                        full,
                        a.and_then(|f| doc::dict(signed, f)),
                        b.and_then(|f| doc::dict(full, f)),
                    ),
                    b"Metadata" => Change::Metadata,
                    _ => Change::Content,
                });
            }
            continue;
        }
        let Some(before) = before else {
            // A new object: judged by what it is; plain new objects reached only through
            // changed ones are covered by those.
            match (ty, subtype) {
                (Some(b"Sig" | b"DocTimeStamp"), _) => {
                    out.insert(Change::Signature);
                }
                (_, Some(b"Widget"))
                    if dict.is_some_and(|d| doc::field_type(full, d) == Some(b"Sig")) =>
                {
                    out.insert(Change::Signature);
                }
                (_, Some(b"Widget")) => {
                    out.insert(Change::Forms);
                }
                (Some(b"Annot"), _) => {
                    out.insert(Change::Annotations);
                }
                (_, Some(sub))
                    if is_annotation_subtype(sub) && dict.is_some_and(|d| d.has(b"Rect")) =>
                {
                    out.insert(Change::Annotations);
                }
                _ => {}
            }
            continue;
        };
        // A changed existing object.
        let old_dict = match before {
            Object::Dictionary(d) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        };
        if ty == Some(b"Page") {
            // Only /Annots may change.
            let diff = differing_keys(old_dict, dict);
            if diff.iter().all(|k| k.as_slice() == b"Annots") && !matches!(obj, Object::Stream(_)) {
                let arr = |d: Option<&Dictionary>, doc: &Document| -> Vec<Object> {
                    d.and_then(|d| d.get(b"Annots").ok())
                        .and_then(|a| doc::deref(doc, a))
                        .and_then(|(_, a)| a.as_array().ok().cloned())
                        .unwrap_or_default()
                };
                out.insert(added_items(
                    full,
                    &arr(old_dict, signed),
                    &arr(dict, full),
                    Change::Annotations,
                ));
            } else {
                out.insert(Change::Content);
            }
        } else if Some(*id) == acroform_id(full) {
            out.insert(form_change(signed, full, old_dict, dict));
        } else if Some(*id) == info_id(full) || ty == Some(b"Metadata") {
            out.insert(Change::Metadata);
        } else if let (Object::Array(old), Object::Array(new)) = (before, obj) {
            // An array object of its own: /Annots of a page or /Fields of the AcroForm.
            if array_of(full, *id, b"Annots") {
                out.insert(added_items(full, old, new, Change::Annotations));
            } else if array_of(full, *id, b"Fields") {
                out.insert(added_items(full, old, new, Change::Forms));
            } else {
                out.insert(Change::Content);
            }
        } else {
            out.insert(Change::Content);
        }
    }
    // Deleted objects.
    if signed.objects.keys().any(|id| !full.objects.contains_key(id)) {
        out.insert(Change::Content);
    }
    out.into_iter().collect()
}

fn is_annotation_subtype(s: &[u8]) -> bool {
    matches!(
        s,
        b"Text"
            | b"Link"
            | b"FreeText"
            | b"Line"
            | b"Square"
            | b"Circle"
            | b"Polygon"
            | b"PolyLine"
            | b"Highlight"
            | b"Underline"
            | b"Squiggly"
            | b"StrikeOut"
            | b"Stamp"
            | b"Caret"
            | b"Ink"
            | b"Popup"
            | b"FileAttachment"
            | b"Redact"
    )
}

fn differing_keys(a: Option<&Dictionary>, b: Option<&Dictionary>) -> Vec<Vec<u8>> {
    let keys: BTreeSet<Vec<u8>> =
        a.into_iter().chain(b).flat_map(|d| d.iter().map(|(k, _)| k.clone())).collect();
    keys.into_iter()
        .filter(|k| a.and_then(|d| d.get(k).ok()) != b.and_then(|d| d.get(k).ok()))
        .collect()
}

/// Items added to an array (`/Annots`, `/Fields`), none removed: signature fields only →
/// a signature; else `other`. Anything removed or reordered is a content change.
fn added_items(full: &Document, old: &[Object], new: &[Object], other: Change) -> Change {
    if new.get(..old.len()) != Some(old) {
        return Change::Content;
    }
    let all_sig = new
        .get(old.len()..)
        .unwrap_or_default()
        .iter()
        .all(|a| doc::dict(full, a).is_some_and(|d| doc::field_type(full, d) == Some(b"Sig")));
    if all_sig {
        Change::Signature
    } else {
        other
    }
}

/// A changed AcroForm: only `/Fields` gaining signature fields and `/SigFlags` → a
/// signature; else a form change.
fn form_change(
    signed: &Document,
    full: &Document,
    old: Option<&Dictionary>,
    new: Option<&Dictionary>,
) -> Change {
    let diff = differing_keys(old, new);
    if diff.iter().any(|k| k.as_slice() != b"Fields" && k.as_slice() != b"SigFlags") {
        return Change::Forms;
    }
    let fields = |d: Option<&Dictionary>, doc: &Document| -> Vec<Object> {
        d.and_then(|d| d.get(b"Fields").ok())
            .and_then(|a| doc::deref(doc, a))
            .and_then(|(_, a)| a.as_array().ok().cloned())
            .unwrap_or_default()
    };
    match added_items(full, &fields(old, signed), &fields(new, full), Change::Forms) {
        Change::Signature => Change::Signature,
        _ => Change::Forms,
    }
}

fn acroform_id(full: &Document) -> Option<ObjectId> {
    doc::catalog(full).ok()?.1.get(b"AcroForm").ok()?.as_reference().ok()
}

fn info_id(full: &Document) -> Option<ObjectId> {
    full.trailer.get(b"Info").ok()?.as_reference().ok()
}

/// Whether some dictionary holds the array object `id` under `key`.
fn array_of(full: &Document, id: ObjectId, key: &[u8]) -> bool {
    full.objects.values().any(|o| match o {
        Object::Dictionary(d) => d.get(key).ok() == Some(&Object::Reference(id)),
        _ => false,
    })
}

/// Objects reachable from the catalog's `/DSS` (bounded).
fn reachable_from_dss(full: &Document) -> HashSet<ObjectId> {
    let mut seen = HashSet::new();
    let Some(dss) = doc::catalog(full).ok().and_then(|c| c.1.get(b"DSS").ok()) else {
        return seen;
    };
    let mut stack = vec![dss];
    while let Some(o) = stack.pop() {
        if seen.len() > 100_000 {
            break;
        }
        match o {
            Object::Reference(id) if seen.insert(*id) => {
                if let Ok(t) = full.get_object(*id) {
                    stack.push(t);
                }
            }
            Object::Array(a) => stack.extend(a.iter()),
            Object::Dictionary(d) => stack.extend(d.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    seen
}

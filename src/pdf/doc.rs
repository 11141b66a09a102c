//! Loading a PDF's objects with lopdf, strictly (no repair of damaged cross-reference data),
//! refusing encrypted files, and the few object look-ups signing and verifying share.

use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId};

use super::error::PdfError;
use super::raw;

/// Largest stream lopdf may inflate while loading (object and cross-reference streams).
const MAX_DECOMPRESSED: usize = 64 * 1024 * 1024;

/// The first object number an incremental update may use: the trailer's `/Size`, or past the
/// highest object lopdf found when `/Size` is missing, wrong or smaller.
pub fn next_object_number(doc: &Document) -> u32 {
    doc.trailer
        .get(b"Size")
        .and_then(Object::as_i64)
        .ok()
        .and_then(|s| u32::try_from(s).ok())
        .unwrap_or(0)
        .max(doc.max_id.saturating_add(1))
}

/// Load `bytes` (the whole file, or a prefix ending at a revision) as the document it
/// describes at its last revision.
pub fn load(bytes: &[u8]) -> Result<Document, PdfError> {
    if !raw::has_header(bytes) {
        return Err(PdfError::NotPdf);
    }
    let opts = LoadOptions {
        strict: true,
        max_decompressed_size: Some(MAX_DECOMPRESSED),
        ..LoadOptions::default()
    };
    let doc = Document::load_mem_with_options(bytes, opts).map_err(|e| match e {
        lopdf::Error::Decryption(_)
        | lopdf::Error::InvalidPassword
        | lopdf::Error::AlreadyEncrypted => PdfError::Encrypted,
        // An /Encrypt that lopdf could not even read is still an encrypted file.
        _ if raw::find(bytes, b"/Encrypt", 0).is_some() => PdfError::Encrypted,
        other => PdfError::Damaged { why: other.to_string() },
    })?;
    if doc.trailer.has(b"Encrypt") || doc.encryption_state.is_some() || doc.was_encrypted() {
        return Err(PdfError::Encrypted);
    }
    if doc.xref_recovery.is_some() {
        return Err(PdfError::Damaged {
            why: "the cross-reference data had to be repaired".into(),
        });
    }
    Ok(doc)
}

/// The object `obj` refers to (or `obj` itself), with its id when it was a reference.
pub fn deref<'a>(doc: &'a Document, obj: &'a Object) -> Option<(Option<ObjectId>, &'a Object)> {
    match obj {
        Object::Reference(id) => doc.get_object(*id).ok().map(|o| (Some(*id), o)),
        other => Some((None, other)),
    }
}

/// The dictionary `obj` is or refers to.
pub fn dict<'a>(doc: &'a Document, obj: &'a Object) -> Option<&'a Dictionary> {
    match deref(doc, obj)?.1 {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

/// The catalog's id and dictionary.
pub fn catalog(doc: &Document) -> Result<(ObjectId, &Dictionary), PdfError> {
    let id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| PdfError::Damaged { why: "the trailer has no /Root reference".into() })?;
    let cat = doc
        .get_dictionary(id)
        .map_err(|_| PdfError::Damaged { why: "the /Root object is not a dictionary".into() })?;
    Ok((id, cat))
}

/// Every terminal field of the AcroForm (following `/Kids`, bounded), with its id.
pub fn fields(doc: &Document) -> Vec<(ObjectId, &Dictionary)> {
    let mut out = Vec::new();
    let Ok((_, cat)) = catalog(doc) else {
        return out;
    };
    let Some(form) = cat.get(b"AcroForm").ok().and_then(|f| dict(doc, f)) else {
        return out;
    };
    let Some(list) =
        form.get(b"Fields").ok().and_then(|f| deref(doc, f)).and_then(|(_, o)| o.as_array().ok())
    else {
        return out;
    };
    let mut stack: Vec<(&Object, usize)> = list.iter().rev().map(|o| (o, 0)).collect();
    let mut seen = std::collections::HashSet::new();
    while let Some((o, depth)) = stack.pop() {
        if depth > 32 || out.len() > 10_000 {
            break;
        }
        let Object::Reference(id) = o else { continue };
        if !seen.insert(*id) {
            continue;
        }
        let Ok(d) = doc.get_dictionary(*id) else { continue };
        match d.get(b"Kids").ok().and_then(|k| deref(doc, k)).and_then(|(_, k)| k.as_array().ok()) {
            Some(kids)
                if kids
                    .iter()
                    .any(|k| dict(doc, k).is_some_and(|kd| kd.has(b"T") || kd.has(b"FT"))) =>
            {
                stack.extend(kids.iter().rev().map(|k| (k, depth + 1)));
            }
            _ => out.push((*id, d)),
        }
    }
    out
}

/// Field type, inherited through `/Parent` (bounded).
pub fn field_type<'a>(doc: &'a Document, mut d: &'a Dictionary) -> Option<&'a [u8]> {
    for _ in 0..32 {
        if let Ok(ft) = d.get(b"FT").and_then(Object::as_name) {
            return Some(ft);
        }
        d = dict(doc, d.get(b"Parent").ok()?)?;
    }
    None
}

//! PAdES B-LT validation data (ETSI EN 319 142-1 §5.4, ISO 32000-2 §12.8.4.3): a document
//! security store (`/DSS` in the catalogue) appended as its own incremental update after a
//! signature revision, which stays byte for byte as it was. The store holds the certificates
//! (`/Certs`), CRLs (`/CRLs`) and OCSP responses (`/OCSPs`) given, each a stream of its DER,
//! and one validation-related information entry (`/VRI`) for the signature they support,
//! keyed by the upper-case hex SHA-1 of that signature's `/Contents` value as stored (the CMS
//! with its zero padding, as pyHanko and Adobe key it). The update's cross-reference section
//! is of the same kind as the file's last one, as for the signature ([`super::sign`]).
//!
//! What goes into the store, and whether it says "good", is decided by the caller (the
//! revocation engine of `crate::verify`); this module only writes PDF structure.

use lopdf::{Dictionary, Object, Stream};

use super::doc;
use super::error::PdfError;
use super::raw;
use super::sign::{entry, raw_object, serialise, set_entries, write_xref};

/// The validation data of one signature.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dss {
    /// Certificates (DER): the signer's chain.
    pub certs: Vec<Vec<u8>>,
    /// CRLs (DER).
    pub crls: Vec<Vec<u8>>,
    /// OCSPResponses (DER).
    pub ocsps: Vec<Vec<u8>>,
}

/// The `/VRI` key of a signature whose `/Contents` value (decoded, padding included) is
/// `contents`: upper-case hex SHA-1.
pub fn vri_key(contents: &[u8]) -> String {
    use sha1::Digest;
    hex::encode_upper(sha1::Sha1::digest(contents))
}

/// Refuse, before any card work, a PDF whose catalogue already has a `/DSS` (merging into an
/// existing store is not supported).
pub fn check_can_add(bytes: &[u8]) -> Result<(), PdfError> {
    let doc = doc::load(bytes)?;
    if doc::catalog(&doc)?.1.has(b"DSS") {
        return Err(PdfError::Unsupported {
            why: "the PDF already has a document security store (/DSS); adding to it is not supported"
                .into(),
        });
    }
    Ok(())
}

/// `signed` (a whole PDF ending with a signature revision) with an update appended holding
/// `dss` for the signature whose decoded `/Contents` is `contents`.
pub fn append_dss(signed: &[u8], dss: &Dss, contents: &[u8]) -> Result<Vec<u8>, PdfError> {
    check_can_add(signed)?;
    let doc = doc::load(signed)?;
    let (prev_xref, kind) = raw::last_xref(signed).ok_or_else(|| PdfError::Damaged {
        why: "no startxref pointing at a cross-reference section".into(),
    })?;
    let (cat_id, _) = doc::catalog(&doc)?;
    let size = doc
        .trailer
        .get(b"Size")
        .and_then(Object::as_i64)
        .ok()
        .and_then(|s| u32::try_from(s).ok())
        .unwrap_or(0)
        .max(doc.max_id.saturating_add(1));
    let mut next = size;
    let mut out = signed.to_vec();
    if !matches!(out.last(), Some(b'\n' | b'\r')) {
        out.push(b'\n');
    }
    let mut offsets: Vec<(u32, u16, usize)> = Vec::new();
    let mut put = |out: &mut Vec<u8>, body: &[u8]| -> u32 {
        let id = next;
        next += 1;
        offsets.push((id, 0, out.len()));
        out.extend_from_slice(format!("{id} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
        id
    };
    let mut lists = Vec::new();
    for items in [&dss.certs, &dss.crls, &dss.ocsps] {
        let mut refs = Vec::new();
        for der in items {
            let body = serialise(&Object::Stream(Stream::new(Dictionary::new(), der.clone())))?;
            refs.push(Object::Reference((put(&mut out, &body), 0)));
        }
        lists.push(refs);
    }
    let mut store = Dictionary::new();
    store.set("Type", Object::Name(b"DSS".to_vec()));
    let mut vri = Dictionary::new();
    vri.set("Type", Object::Name(b"VRI".to_vec()));
    for ((key, vri_name), refs) in
        [("Certs", "Cert"), ("CRLs", "CRL"), ("OCSPs", "OCSP")].into_iter().zip(lists)
    {
        if !refs.is_empty() {
            store.set(key, Object::Array(refs.clone()));
            vri.set(vri_name, Object::Array(refs));
        }
    }
    let mut vris = Dictionary::new();
    vris.set(vri_key(contents).into_bytes(), Object::Dictionary(vri));
    store.set("VRI", Object::Dictionary(vris));
    let store_id = put(&mut out, &serialise(&Object::Dictionary(store))?);

    // The catalogue gains /DSS; every other entry stays as written.
    let cat = raw_object(signed, &doc, cat_id)?;
    if entry(&cat, b"/DSS")?.is_some() {
        return Err(PdfError::Damaged { why: "the catalogue has a /DSS the parser missed".into() });
    }
    let cat = set_entries(&cat, &[(b"/DSS", format!("{store_id} 0 R").into_bytes())])?;
    offsets.push((cat_id.0, cat_id.1, out.len()));
    out.extend_from_slice(format!("{} {} obj\n", cat_id.0, cat_id.1).as_bytes());
    out.extend_from_slice(&cat);
    out.extend_from_slice(b"\nendobj\n");

    write_xref(&mut out, &mut offsets, &doc, prev_xref, kind, next)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vri_keys_are_upper_case_hex_sha1() {
        assert_eq!(vri_key(b"abc"), "A9993E364706816ABA3E25717850C26C9CD0D89D");
    }
}

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
//! revocation engine of `crate::verify`); this module only writes PDF structure, and reads
//! a store back ([`read`], in the verify-only build too) for `mynacard verify` to use when no
//! revocation source is configured. The store is outside every signature's byte range, so
//! what it holds is only as good as its own signatures (CRLs and OCSP responses are checked
//! by the revocation engine like any other).

#[cfg(feature = "pcsc")]
use lopdf::{Dictionary, Stream};
use lopdf::{Document, Object};

use super::doc;
#[cfg(feature = "pcsc")]
use super::error::PdfError;
#[cfg(feature = "pcsc")]
use super::raw;
#[cfg(feature = "pcsc")]
use super::sign::{entry, raw_object, serialise, set_entries, write_xref};

/// Most streams read from each array of a store.
const MAX_ITEMS: usize = 1000;
/// Largest stream read from a store (a CRL can be large).
const MAX_ITEM: usize = 64 * 1024 * 1024;

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

/// The streams of the catalogue's `/DSS`, or `None` when it has none. Streams with a
/// `/Filter`, larger than 64 MiB, or past the first 1000 of an array are not read; how many
/// were left out is the second value.
pub fn read(doc: &Document) -> Option<(Dss, usize)> {
    let cat = doc::catalog(doc).ok()?.1;
    let dss = doc::dict(doc, cat.get(b"DSS").ok()?)?;
    let mut skipped = 0;
    let mut list = |key: &[u8]| -> Vec<Vec<u8>> {
        let items = dss
            .get(key)
            .ok()
            .and_then(|a| doc::deref(doc, a))
            .and_then(|(_, a)| a.as_array().ok())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match doc::deref(doc, item).map(|(_, o)| o) {
                Some(Object::Stream(st))
                    if i < MAX_ITEMS && !st.dict.has(b"Filter") && st.content.len() <= MAX_ITEM =>
                {
                    out.push(st.content.clone())
                }
                _ => skipped += 1,
            }
        }
        out
    };
    let certs = list(b"Certs");
    let crls = list(b"CRLs");
    let ocsps = list(b"OCSPs");
    Some((Dss { certs, crls, ocsps }, skipped))
}

/// The `/VRI` key of a signature whose `/Contents` value (decoded, padding included) is
/// `contents`: upper-case hex SHA-1.
pub fn vri_key(contents: &[u8]) -> String {
    use sha1::Digest;
    hex::encode_upper(sha1::Sha1::digest(contents))
}

#[cfg(feature = "pcsc")]
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

#[cfg(feature = "pcsc")]
/// `signed` (a whole PDF ending with a signature revision) with an update appended holding
/// `dss` for the signature whose decoded `/Contents` is `contents`.
pub fn append_dss(signed: &[u8], dss: &Dss, contents: &[u8]) -> Result<Vec<u8>, PdfError> {
    check_can_add(signed)?;
    let doc = doc::load(signed)?;
    let (prev_xref, kind) = raw::last_xref(signed).ok_or_else(|| PdfError::Damaged {
        why: "no startxref pointing at a cross-reference section".into(),
    })?;
    let (cat_id, _) = doc::catalog(&doc)?;
    let size = super::doc::next_object_number(&doc);
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
    fn a_pdf_without_a_store_reads_as_none() {
        let doc = Document::with_version("1.7");
        assert_eq!(read(&doc), None);
    }

    #[test]
    fn filtered_and_non_stream_items_of_a_store_are_left_out() {
        use lopdf::{Dictionary, Stream};
        let mut doc = Document::with_version("1.7");
        let plain = doc.add_object(Stream::new(Dictionary::new(), b"crl".to_vec()));
        let mut flate = Dictionary::new();
        flate.set("Filter", Object::Name(b"FlateDecode".to_vec()));
        let filtered = doc.add_object(Stream::new(flate, b"x".to_vec()));
        let mut dss = Dictionary::new();
        dss.set("CRLs", Object::Array(vec![plain.into(), filtered.into(), Object::Integer(1)]));
        let dss = doc.add_object(dss);
        let mut cat = Dictionary::new();
        cat.set("Type", Object::Name(b"Catalog".to_vec()));
        cat.set("DSS", Object::Reference(dss));
        let cat = doc.add_object(cat);
        doc.trailer.set("Root", Object::Reference(cat));
        let (store, skipped) = read(&doc).unwrap();
        assert_eq!(store, Dss { certs: vec![], crls: vec![b"crl".to_vec()], ocsps: vec![] });
        assert_eq!(skipped, 2);
    }

    #[test]
    fn vri_keys_are_upper_case_hex_sha1() {
        assert_eq!(vri_key(b"abc"), "A9993E364706816ABA3E25717850C26C9CD0D89D");
    }
}

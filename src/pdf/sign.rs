//! Signing a PDF: an incremental update appended to the original bytes, which stay intact
//! (so earlier signatures keep covering exactly what they covered). The update holds a
//! signature dictionary (`/Type /Sig`, `/SubFilter /ETSI.CAdES.detached` for PAdES B-B or
//! `/adbe.pkcs7.detached`), a signature field merged with its widget annotation, an
//! appearance stream (the signer's name and the time when `--visible`), the page and AcroForm
//! (`/SigFlags 3`) objects they change, and a cross-reference section of the same kind as the
//! last one of the file (a table after a table, a stream after a stream).
//!
//! The update is written by hand rather than by lopdf's incremental writer: the signature
//! needs byte-exact control of `/ByteRange` (written as fixed-width placeholders, patched once
//! the file length is known) and of `/Contents` (a hex string whose size is reserved before the
//! signature exists). Objects are serialised with lopdf's `Writer::write_object`.
//!
//! `/Contents` is sized from the real CMS length: a dry run builds the same SignedData with a
//! dummy signature of the key's size (the card's RSA signature is always as long as its
//! modulus), so the card signs once.

use std::time::SystemTime;

use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat};

use super::doc;
use super::error::PdfError;
use super::raw::{self, XrefKind};
use crate::hash::HashAlg;
use crate::sign::{
    sign_detached_digest, sign_detached_digest_pades, CmsError, CmsOptions, DigestInfoSigner,
};

/// Which signature profile.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SubFilter {
    /// PAdES baseline B-B: `/SubFilter /ETSI.CAdES.detached`, no signingTime attribute.
    #[default]
    Pades,
    /// `/SubFilter /adbe.pkcs7.detached` (for old readers), CAdES-BES attributes.
    Pkcs7,
}

impl SubFilter {
    /// The PDF name.
    pub fn name(self) -> &'static str {
        match self {
            SubFilter::Pades => "ETSI.CAdES.detached",
            SubFilter::Pkcs7 => "adbe.pkcs7.detached",
        }
    }
}

/// Where a visible signature goes: a page (from 1) and a rectangle in points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Visible {
    /// Page number, from 1.
    pub page: u32,
    /// Lower-left x.
    pub x: f32,
    /// Lower-left y.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

impl Visible {
    /// Parse `PAGE:X,Y,W,H`.
    pub fn parse(s: &str) -> Result<Visible, PdfError> {
        let bad = || PdfError::BadVisible { given: crate::verify::result::bounded(s) };
        let (page, rect) = s.split_once(':').ok_or_else(bad)?;
        let page: u32 = page.trim().parse().map_err(|_| bad())?;
        let nums: Vec<f32> = rect
            .split(',')
            .map(|n| n.trim().parse::<f32>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad())?;
        let [x, y, w, h] = <[f32; 4]>::try_from(nums).map_err(|_| bad())?;
        let sane = |v: f32| v.is_finite() && v.abs() <= 14_400.0;
        if page == 0 || ![x, y, w, h].into_iter().all(sane) || w <= 0.0 || h <= 0.0 {
            return Err(bad());
        }
        Ok(Visible { page, x, y, w, h })
    }
}

/// What goes into the signature dictionary and how the CMS is made.
#[derive(Clone, Debug)]
pub struct PdfSignOptions {
    /// Profile.
    pub subfilter: SubFilter,
    /// Digest of the byte ranges and of the signed attributes.
    pub hash: HashAlg,
    /// `/Reason`.
    pub reason: Option<String>,
    /// `/Location`.
    pub location: Option<String>,
    /// `/ContactInfo`.
    pub contact: Option<String>,
    /// `/Name`.
    pub name: Option<String>,
    /// A visible signature, or none (an invisible widget on page 1).
    pub visible: Option<Visible>,
    /// The signing time written to `/M` (and the appearance).
    pub time: SystemTime,
}

impl Default for PdfSignOptions {
    fn default() -> Self {
        PdfSignOptions {
            subfilter: SubFilter::Pades,
            hash: HashAlg::Sha256,
            reason: None,
            location: None,
            contact: None,
            name: None,
            visible: None,
            time: SystemTime::now(),
        }
    }
}

/// A PDF parsed and checked for signing, before any card work.
pub struct Plan<'a> {
    bytes: &'a [u8],
    doc: Document,
    prev_xref: usize,
    kind: XrefKind,
    page: ObjectId,
}

/// The file with the update appended and `/Contents` still zero: the byte ranges to digest
/// and where the CMS goes.
pub struct Prepared {
    bytes: Vec<u8>,
    /// `[start, end)` of the `/Contents` hex string, brackets included.
    gap: (usize, usize),
}

/// Why a PDF could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum PdfSignError<E: std::error::Error + 'static> {
    /// The PDF.
    #[error(transparent)]
    Pdf(#[from] PdfError),
    /// The CMS (the signer's errors inside).
    #[error(transparent)]
    Cms(CmsError<E>),
}

impl<'a> Plan<'a> {
    /// Parse `bytes` and check everything signing needs: not encrypted, not damaged, a last
    /// cross-reference section of a known kind, the page of a visible signature.
    pub fn new(bytes: &'a [u8], opts: &PdfSignOptions) -> Result<Plan<'a>, PdfError> {
        let doc = doc::load(bytes)?;
        let (prev_xref, kind) = raw::last_xref(bytes).ok_or_else(|| PdfError::Damaged {
            why: "no startxref pointing at a cross-reference section".into(),
        })?;
        if !raw::is_revision_end(bytes, bytes.len())
            && raw::revision_ends(bytes).last().is_none_or(|e| {
                bytes.get(*e..).is_some_and(|t| !t.iter().all(u8::is_ascii_whitespace))
            })
        {
            return Err(PdfError::Damaged { why: "data after the last %%EOF".into() });
        }
        doc::catalog(&doc)?;
        let pages = doc.get_pages();
        let want = opts.visible.map_or(1, |v| v.page);
        let page =
            *pages.get(&want).ok_or(PdfError::NoSuchPage { page: want, pages: pages.len() })?;
        let plan = Plan { bytes, doc, prev_xref, kind, page };
        // A trial run of the update, so that a structure the writer cannot edit is refused
        // before the card is asked for anything.
        Update::new(&plan, &[], opts, 1).write()?;
        Ok(plan)
    }

    /// Append the update for a signer whose certificate is `cert_der`; `/Contents` is sized
    /// for the CMS this signer makes.
    pub fn prepare(&self, cert_der: &[u8], opts: &PdfSignOptions) -> Result<Prepared, PdfError> {
        let reserved = contents_size(cert_der, opts)?;
        Update::new(self, cert_der, opts, reserved).write()
    }
}

impl Prepared {
    /// The digest of the signed byte ranges (all of the file but the `/Contents` hex string).
    pub fn digest(&self, hash: HashAlg) -> Vec<u8> {
        let (a, b) = self.gap;
        let mut data = Vec::with_capacity(self.bytes.len());
        data.extend_from_slice(self.bytes.get(..a).unwrap_or_default());
        data.extend_from_slice(self.bytes.get(b..).unwrap_or_default());
        hash.digest(&data)
    }

    /// `[start, end)` of the `/Contents` hex string, angle brackets included.
    pub fn gap(&self) -> (usize, usize) {
        self.gap
    }

    /// The signed file: the CMS written into `/Contents`, zero-padded.
    pub fn finish(mut self, cms: &[u8]) -> Result<Vec<u8>, PdfError> {
        let (a, b) = self.gap;
        let room = (b - a - 2) / 2;
        if cms.len() > room {
            return Err(PdfError::ContentsTooSmall { cms: cms.len(), reserved: room });
        }
        let hex = hex::encode_upper(cms);
        if let Some(slot) = self.bytes.get_mut(a + 1..a + 1 + hex.len()) {
            slot.copy_from_slice(hex.as_bytes());
        }
        Ok(self.bytes)
    }
}

/// A signer that returns a signature of the right size and counts nothing: the dry run.
struct Dummy(usize);

impl DigestInfoSigner for Dummy {
    type Error = std::convert::Infallible;
    fn sign_digest_info(&mut self, _: &[u8]) -> Result<Vec<u8>, Self::Error> {
        Ok(vec![0xff; self.0])
    }
}

/// The RSA modulus size of a certificate, in bytes.
fn modulus_len(cert_der: &[u8]) -> Result<usize, PdfError> {
    use der::{Decode, Encode};
    use rsa::pkcs8::DecodePublicKey;
    use rsa::traits::PublicKeyParts;
    let bad = |why: String| PdfError::Certificate { why };
    let cert = x509_cert::Certificate::from_der(cert_der).map_err(|e| bad(e.to_string()))?;
    let spki =
        cert.tbs_certificate.subject_public_key_info.to_der().map_err(|e| bad(e.to_string()))?;
    let key = rsa::RsaPublicKey::from_public_key_der(&spki).map_err(|e| bad(e.to_string()))?;
    Ok(key.size())
}

/// Bytes to reserve for the CMS of this signer: its exact length from a dry run, plus a
/// little room.
pub fn contents_size(cert_der: &[u8], opts: &PdfSignOptions) -> Result<usize, PdfError> {
    let mut dummy = Dummy(modulus_len(cert_der)?);
    let digest = vec![0; opts.hash.output_len()];
    let cms_opts =
        CmsOptions { hash: opts.hash, signing_time: Some(opts.time), ..CmsOptions::default() };
    let made = match opts.subfilter {
        SubFilter::Pades => sign_detached_digest_pades(&digest, cert_der, &mut dummy, &cms_opts),
        SubFilter::Pkcs7 => sign_detached_digest(&digest, cert_der, &mut dummy, &cms_opts),
    };
    let cms = made.map_err(|e| PdfError::Certificate { why: e.to_string() })?;
    Ok(cms.len() + 32)
}

/// The CMS options a PDF signature of this profile uses.
pub fn cms_options(opts: &PdfSignOptions) -> CmsOptions {
    CmsOptions { hash: opts.hash, signing_time: Some(opts.time), ..CmsOptions::default() }
}

/// Make the CMS for a prepared PDF with `signer` (exactly one signature).
pub fn make_cms<S: DigestInfoSigner>(
    prepared: &Prepared,
    cert_der: &[u8],
    signer: &mut S,
    opts: &PdfSignOptions,
) -> Result<Vec<u8>, CmsError<S::Error>> {
    let digest = prepared.digest(opts.hash);
    let cms_opts = cms_options(opts);
    match opts.subfilter {
        SubFilter::Pades => sign_detached_digest_pades(&digest, cert_der, signer, &cms_opts),
        SubFilter::Pkcs7 => sign_detached_digest(&digest, cert_der, signer, &cms_opts),
    }
}

/// Sign a whole PDF in memory with `signer` (a library convenience: plan, prepare, one
/// signature, finish).
pub fn sign_pdf<S: DigestInfoSigner>(
    bytes: &[u8],
    cert_der: &[u8],
    signer: &mut S,
    opts: &PdfSignOptions,
) -> Result<Vec<u8>, PdfSignError<S::Error>> {
    let plan = Plan::new(bytes, opts)?;
    let prepared = plan.prepare(cert_der, opts)?;
    let cms = make_cms(&prepared, cert_der, signer, opts).map_err(PdfSignError::Cms)?;
    Ok(prepared.finish(&cms)?)
}

/// A PDF text string: literal when ASCII, else UTF-16BE with a byte-order mark.
pub(crate) fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut b = vec![0xfe, 0xff];
        b.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
        Object::String(b, StringFormat::Hexadecimal)
    }
}

pub(super) fn serialise(o: &Object) -> Result<Vec<u8>, PdfError> {
    let mut v = Vec::new();
    lopdf::Writer::write_object(&mut v, o).map_err(|e| PdfError::Write { why: e.to_string() })?;
    Ok(v)
}

/// `D:YYYYMMDDHHmmSS+00'00'` (UTC).
pub(crate) fn pdf_date(t: SystemTime) -> String {
    let ts = crate::verify::Timestamp(t).to_string(); // 2026-01-02T03:04:05Z
    let digits: String = ts.chars().filter(char::is_ascii_digit).collect();
    format!("D:{digits}+00'00'")
}

/// The signer's name for the appearance: the holder name of a JPKI signature certificate,
/// else the subject's common name.
fn signer_name(cert_der: &[u8]) -> String {
    if let Ok(Some(h)) = crate::verify::holder::decode_der(cert_der) {
        if let Some(n) = h.name {
            return n;
        }
    }
    use der::Decode;
    let cn = x509_cert::Certificate::from_der(cert_der).ok().and_then(|c| {
        c.tbs_certificate.subject.0.iter().flat_map(|rdn| rdn.0.iter()).find_map(|atv| {
            (atv.oid == const_oid::db::rfc4519::CN)
                .then(|| atv.value.decode_as::<String>().ok())
                .flatten()
        })
    });
    cn.unwrap_or_else(|| "(unnamed signer)".into())
}

/// Width of the `/ByteRange` number placeholders.
const BR_WIDTH: usize = 10;

struct Update<'p, 'a> {
    plan: &'p Plan<'a>,
    cert_der: &'p [u8],
    opts: &'p PdfSignOptions,
    reserved: usize,
    out: Vec<u8>,
    offsets: Vec<(u32, u16, usize)>,
}

impl<'p, 'a> Update<'p, 'a> {
    fn new(
        plan: &'p Plan<'a>,
        cert_der: &'p [u8],
        opts: &'p PdfSignOptions,
        reserved: usize,
    ) -> Self {
        let mut out = plan.bytes.to_vec();
        if !matches!(out.last(), Some(b'\n' | b'\r')) {
            out.push(b'\n');
        }
        Update { plan, cert_der, opts, reserved, out, offsets: Vec::new() }
    }

    fn begin(&mut self, id: ObjectId) {
        self.offsets.push((id.0, id.1, self.out.len()));
        self.out.extend_from_slice(format!("{} {} obj\n", id.0, id.1).as_bytes());
    }

    fn object(&mut self, id: ObjectId, o: &Object) -> Result<(), PdfError> {
        let body = serialise(o)?;
        self.begin(id);
        self.out.extend_from_slice(&body);
        self.out.extend_from_slice(b"\nendobj\n");
        Ok(())
    }

    fn write(mut self) -> Result<Prepared, PdfError> {
        let doc = &self.plan.doc;
        let size = super::doc::next_object_number(doc);
        let mut next = size;
        let mut alloc = || {
            let id = (next, 0u16);
            next += 1;
            id
        };
        let sig_id = alloc();
        let widget_id = alloc();
        let ap_id = alloc();
        let fonts = self.opts.visible.map(|_| Fonts {
            latin: alloc(),
            japanese: alloc(),
            cid: alloc(),
            descriptor: alloc(),
        });
        let (cat_id, _) = doc::catalog(doc)?;

        // Signature dictionary, by hand: /ByteRange placeholders and the /Contents gap.
        self.begin(sig_id);
        let mut d =
            format!("<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/{}", self.opts.subfilter.name())
                .into_bytes();
        d.extend_from_slice(b"/M");
        d.extend(serialise(&Object::string_literal(pdf_date(self.opts.time)))?);
        for (key, val) in [
            ("Reason", &self.opts.reason),
            ("Location", &self.opts.location),
            ("ContactInfo", &self.opts.contact),
            ("Name", &self.opts.name),
        ] {
            if let Some(v) = val {
                d.extend_from_slice(format!("/{key}").as_bytes());
                d.extend(serialise(&text_string(v))?);
            }
        }
        d.extend_from_slice(b"/ByteRange [0 ");
        self.out.extend_from_slice(&d);
        let br_at = self.out.len();
        self.out.extend_from_slice(format!("{:w$} {:w$} {:w$}]", 0, 0, 0, w = BR_WIDTH).as_bytes());
        self.out.extend_from_slice(b"/Contents ");
        let gap_start = self.out.len();
        self.out.push(b'<');
        self.out.extend(std::iter::repeat_n(b'0', self.reserved * 2));
        self.out.push(b'>');
        let gap_end = self.out.len();
        self.out.extend_from_slice(b">>\nendobj\n");

        // Appearance.
        let (rect, w, h) = match self.opts.visible {
            Some(v) => (vec![v.x, v.y, v.x + v.w, v.y + v.h], v.w, v.h),
            None => (vec![0.0; 4], 0.0, 0.0),
        };
        let ap = self.appearance(w, h, fonts.as_ref())?;
        self.object(ap_id, &Object::Stream(ap))?;
        for (id, font) in fonts.as_ref().map(Fonts::objects).unwrap_or_default() {
            self.object(id, &font)?;
        }

        // Field + widget.
        let mut widget = Dictionary::new();
        widget.set("Type", Object::Name(b"Annot".to_vec()));
        widget.set("Subtype", Object::Name(b"Widget".to_vec()));
        widget.set("FT", Object::Name(b"Sig".to_vec()));
        widget.set("T", text_string(&self.field_name()));
        widget.set("V", Object::Reference(sig_id));
        widget.set("F", Object::Integer(132));
        widget.set("P", Object::Reference(self.plan.page));
        widget.set("Rect", Object::Array(rect.into_iter().map(Object::Real).collect()));
        let mut apd = Dictionary::new();
        apd.set("N", Object::Reference(ap_id));
        widget.set("AP", Object::Dictionary(apd));
        self.object(widget_id, &Object::Dictionary(widget))?;

        // Page: /Annots gains the widget. Existing objects are edited as written (lopdf
        // would re-encode them, and reals lose digits), keeping every other byte.
        let widget_ref = format!("{} {} R", widget_id.0, widget_id.1).into_bytes();
        let page_id = self.plan.page;
        let page = raw_object(self.plan.bytes, doc, page_id)?;
        if let Some(page) = self.with_item(&page, b"/Annots", &widget_ref)? {
            self.raw(page_id, &page);
        }

        // AcroForm: /Fields gains the field, /SigFlags 3.
        let cat = raw_object(self.plan.bytes, doc, cat_id)?;
        let form = entry(&cat, b"/AcroForm")?;
        match form.as_deref().map(parse_ref) {
            Some(Some(fid)) => {
                let form = raw_object(self.plan.bytes, doc, fid)?;
                let form = self.with_item(&form, b"/Fields", &widget_ref)?.unwrap_or(form);
                let form = set_entries(&form, &[(b"/SigFlags", b"3".to_vec())])?;
                self.raw(fid, &form);
            }
            Some(None) => {
                let form = form.unwrap_or_default();
                let form = self.with_item(&form, b"/Fields", &widget_ref)?.unwrap_or(form);
                let form = set_entries(&form, &[(b"/SigFlags", b"3".to_vec())])?;
                let cat = set_entries(&cat, &[(b"/AcroForm", form)])?;
                self.raw(cat_id, &cat);
            }
            None => {
                let mut form = b"<</Fields [".to_vec();
                form.extend_from_slice(&widget_ref);
                form.extend_from_slice(b"]/SigFlags 3>>");
                let cat = set_entries(&cat, &[(b"/AcroForm", form)])?;
                self.raw(cat_id, &cat);
            }
        }

        self.xref(next)?;
        let total = self.out.len();
        let c = total - gap_end;
        let nums = format!("{:<w$} {:<w$} {:<w$}]", gap_start, gap_end, c, w = BR_WIDTH);
        if nums.len() != 3 * BR_WIDTH + 3 {
            return Err(PdfError::Unsupported { why: "a file too large for /ByteRange".into() });
        }
        if let Some(slot) = self.out.get_mut(br_at..br_at + nums.len()) {
            slot.copy_from_slice(nums.as_bytes());
        }
        Ok(Prepared { bytes: self.out, gap: (gap_start, gap_end) })
    }

    /// Write object `id` whose value is `body` (bytes as written).
    fn raw(&mut self, id: ObjectId, body: &[u8]) {
        self.begin(id);
        self.out.extend_from_slice(body);
        self.out.extend_from_slice(b"\nendobj\n");
    }

    /// `dict` (raw) with `item` added to its array `key`: the new dictionary, or `None` when
    /// the array is an object of its own (which is then rewritten here instead).
    fn with_item(
        &mut self,
        dict: &[u8],
        key: &[u8],
        item: &[u8],
    ) -> Result<Option<Vec<u8>>, PdfError> {
        let value = entry(dict, key)?;
        match value {
            Some(v) if v.first() == Some(&b'[') => {
                Ok(Some(set_entries(dict, &[(key, push_item(&v, item)?)])?))
            }
            Some(v) => {
                let aid = parse_ref(&v).ok_or_else(|| PdfError::Unsupported {
                    why: format!(
                        "{} is neither an array nor a reference",
                        String::from_utf8_lossy(key)
                    ),
                })?;
                let arr = raw_object(self.plan.bytes, &self.plan.doc, aid)?;
                let arr = push_item(&arr, item)?;
                self.raw(aid, &arr);
                Ok(None)
            }
            None => {
                let mut arr = b"[".to_vec();
                arr.extend_from_slice(item);
                arr.push(b']');
                Ok(Some(set_entries(dict, &[(key, arr)])?))
            }
        }
    }

    /// `SignatureN`, the first N not already a field name.
    fn field_name(&self) -> String {
        let names: Vec<Vec<u8>> = doc::fields(&self.plan.doc)
            .iter()
            .filter_map(|(_, d)| d.get(b"T").and_then(Object::as_str).ok().map(<[u8]>::to_vec))
            .collect();
        (1..)
            .map(|n| format!("Signature{n}"))
            .find(|n| !names.iter().any(|t| t == n.as_bytes()))
            .unwrap_or_else(|| "Signature".into())
    }

    /// The appearance XObject: empty when invisible; else "Digitally signed by NAME" and the
    /// time, the name in a Japanese font when it is not ASCII.
    fn appearance(&self, w: f32, h: f32, fonts: Option<&Fonts>) -> Result<Stream, PdfError> {
        let mut dict = Dictionary::new();
        dict.set("Type", Object::Name(b"XObject".to_vec()));
        dict.set("Subtype", Object::Name(b"Form".to_vec()));
        dict.set("BBox", Object::Array(vec![0.into(), 0.into(), Object::Real(w), Object::Real(h)]));
        let (true, Some(font_ids)) = (self.opts.visible.is_some(), fonts) else {
            dict.set("Resources", Object::Dictionary(Dictionary::new()));
            return Ok(Stream::new(dict, Vec::new()));
        };
        let name = signer_name(self.cert_der);
        let when = crate::verify::Timestamp(self.opts.time)
            .to_string()
            .replace('T', " ")
            .replace('Z', " UTC");
        let size = (h / 4.0).clamp(4.0, 12.0);
        let lead = size * 1.25;
        let mut c = String::new();
        c.push_str(&format!("q 0.94 0.96 1 rg 0 0 {w} {h} re f Q\nq 0 0 0 rg BT\n"));
        c.push_str(&format!("/F1 {size} Tf {} {} Td {lead} TL\n", size * 0.4, h - size * 1.2));
        c.push_str(&format!("({}) Tj T*\n", escape(super::error::APPEARANCE_SIGNED_BY)));
        if name.is_ascii() {
            c.push_str(&format!("({}) Tj T*\n", escape(&name)));
        } else {
            let hex: String = name.encode_utf16().map(|u| format!("{u:04X}")).collect();
            c.push_str(&format!("/F2 {size} Tf <{hex}> Tj /F1 {size} Tf T*\n"));
        }
        c.push_str(&format!(
            "({}) Tj\nET Q\n",
            escape(&format!("{} {when}", super::error::APPEARANCE_DATE))
        ));
        let mut fonts = Dictionary::new();
        fonts.set("F1", Object::Reference(font_ids.latin));
        fonts.set("F2", Object::Reference(font_ids.japanese));
        let mut res = Dictionary::new();
        res.set("Font", Object::Dictionary(fonts));
        dict.set("Resources", Object::Dictionary(res));
        Ok(Stream::new(dict, c.into_bytes()))
    }

    fn xref(&mut self, next: u32) -> Result<(), PdfError> {
        let plan = self.plan;
        write_xref(&mut self.out, &mut self.offsets, &plan.doc, plan.prev_xref, plan.kind, next)
    }
}

/// The cross-reference section of an update ending `out` and its trailer: of the same kind as
/// the file's last one (`kind`), for the objects at `offsets` (`(number, generation, offset)`,
/// sorted here), `/Prev` pointing at `prev_xref`, `/Root`, `/Info` and `/ID` kept from `doc`;
/// `next` is the first object number not used (a stream section takes it for itself).
pub(super) fn write_xref(
    out: &mut Vec<u8>,
    offsets: &mut Vec<(u32, u16, usize)>,
    doc: &Document,
    prev_xref: usize,
    kind: XrefKind,
    next: u32,
) -> Result<(), PdfError> {
    let mut trailer = Dictionary::new();
    for key in [&b"Root"[..], b"Info", b"ID"] {
        if let Ok(v) = doc.trailer.get(key) {
            trailer.set(key.to_vec(), v.clone());
        }
    }
    trailer.set("Prev", Object::Integer(prev_xref as i64));
    match kind {
        XrefKind::Table => {
            offsets.sort_by_key(|e| e.0);
            let start = out.len();
            let mut t = String::from("xref\n");
            let mut i = 0;
            while let Some(first) = offsets.get(i) {
                let mut j = i + 1;
                while offsets.get(j).is_some_and(|e| e.0 == first.0 + (j - i) as u32) {
                    j += 1;
                }
                t.push_str(&format!("{} {}\n", first.0, j - i));
                for e in offsets.get(i..j).unwrap_or_default() {
                    t.push_str(&format!("{:010} {:05} n\r\n", e.2, e.1));
                }
                i = j;
            }
            trailer.set("Size", Object::Integer(i64::from(next)));
            out.extend_from_slice(t.as_bytes());
            out.extend_from_slice(b"trailer\n");
            out.extend(serialise(&Object::Dictionary(trailer))?);
            out.extend_from_slice(format!("\nstartxref\n{start}\n%%EOF\n").as_bytes());
        }
        XrefKind::Stream => {
            let xid = next;
            let start = out.len();
            offsets.push((xid, 0, start));
            offsets.sort_by_key(|e| e.0);
            let mut data = Vec::new();
            let mut index = Vec::new();
            for e in offsets.iter() {
                let off = u32::try_from(e.2)
                    .map_err(|_| PdfError::Unsupported { why: "a file over 4 GiB".into() })?;
                data.push(1u8);
                data.extend_from_slice(&off.to_be_bytes());
                data.extend_from_slice(&e.1.to_be_bytes());
                index.push(Object::Integer(i64::from(e.0)));
                index.push(Object::Integer(1));
            }
            trailer.set("Type", Object::Name(b"XRef".to_vec()));
            trailer.set("Size", Object::Integer(i64::from(xid) + 1));
            trailer.set("Index", Object::Array(index));
            trailer.set("W", Object::Array(vec![1.into(), 4.into(), 2.into()]));
            let body = serialise(&Object::Stream(Stream::new(trailer, data)))?;
            out.extend_from_slice(format!("{xid} 0 obj\n").as_bytes());
            out.extend(body);
            out.extend_from_slice(format!("\nendobj\nstartxref\n{start}\n%%EOF\n").as_bytes());
        }
    }
    Ok(())
}

/// The value of object `id` as stored: in the file, or in its object stream.
pub(crate) fn raw_object(bytes: &[u8], doc: &Document, id: ObjectId) -> Result<Vec<u8>, PdfError> {
    let damaged = |why: String| PdfError::Damaged { why };
    match doc.reference_table.get(id.0) {
        Some(lopdf::xref::XrefEntry::Normal { offset, .. }) => {
            let at = *offset as usize;
            // `N G obj`
            let mut p = at;
            for want in
                [id.0.to_string().into_bytes(), id.1.to_string().into_bytes(), b"obj".to_vec()]
            {
                let (s, e) = raw::value_span(bytes, p)
                    .ok_or_else(|| damaged(format!("object {} {}", id.0, id.1)))?;
                if bytes.get(s..e) != Some(want.as_slice()) {
                    return Err(damaged(format!(
                        "object {} {} is not where the cross-reference data says",
                        id.0, id.1
                    )));
                }
                p = e;
            }
            let (s, e) = raw::value_span(bytes, p)
                .ok_or_else(|| damaged(format!("object {} {} does not parse", id.0, id.1)))?;
            Ok(bytes.get(s..e).unwrap_or_default().to_vec())
        }
        Some(lopdf::xref::XrefEntry::Compressed { container, index }) => {
            let stream = doc
                .get_object((*container, 0))
                .and_then(Object::as_stream)
                .map_err(|_| damaged(format!("object stream {container} is missing")))?;
            let content = if stream.dict.has(b"Filter") {
                stream
                    .get_plain_content()
                    .map_err(|e| damaged(format!("object stream {container}: {e}")))?
            } else {
                stream.content.clone()
            };
            let first = stream
                .dict
                .get(b"First")
                .and_then(Object::as_i64)
                .ok()
                .and_then(|f| usize::try_from(f).ok())
                .ok_or_else(|| damaged(format!("object stream {container} has no /First")))?;
            let header = content.get(..first).ok_or_else(|| {
                damaged(format!("object stream {container}: /First past its end"))
            })?;
            let nums: Vec<usize> = header
                .split(|c| c.is_ascii_whitespace())
                .filter(|t| !t.is_empty())
                .map(|t| std::str::from_utf8(t).ok().and_then(|t| t.parse().ok()))
                .collect::<Option<_>>()
                .ok_or_else(|| damaged(format!("object stream {container}: bad header")))?;
            let off = nums
                .chunks(2)
                .find(|p| p.first() == Some(&(id.0 as usize)))
                .or_else(|| nums.chunks(2).nth(*index as usize))
                .and_then(|p| p.get(1))
                .ok_or_else(|| {
                    damaged(format!("object {} is not in object stream {container}", id.0))
                })?;
            let (s, e) = raw::value_span(&content, first + off).ok_or_else(|| {
                damaged(format!("object {} in object stream {container} does not parse", id.0))
            })?;
            Ok(content.get(s..e).unwrap_or_default().to_vec())
        }
        _ => Err(damaged(format!("object {} {} is not in the cross-reference data", id.0, id.1))),
    }
}

/// The raw value of `key` in the raw dictionary `dict`.
pub(super) fn entry(dict: &[u8], key: &[u8]) -> Result<Option<Vec<u8>>, PdfError> {
    let entries = raw::dict_entries(dict, 0)
        .ok_or_else(|| PdfError::Damaged { why: "a dictionary does not parse".into() })?;
    Ok(entries
        .into_iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, (s, e))| dict.get(s..e).map(<[u8]>::to_vec)))
}

/// The raw dictionary with `set` entries replaced or added; every other entry as written.
pub(super) fn set_entries(dict: &[u8], set: &[(&[u8], Vec<u8>)]) -> Result<Vec<u8>, PdfError> {
    let entries = raw::dict_entries(dict, 0)
        .ok_or_else(|| PdfError::Damaged { why: "a dictionary does not parse".into() })?;
    let mut out = b"<<".to_vec();
    for (k, (s, e)) in entries {
        if set.iter().any(|(key, _)| *key == k.as_slice()) {
            continue;
        }
        out.extend_from_slice(&k);
        out.push(b' ');
        out.extend_from_slice(dict.get(s..e).unwrap_or_default());
        out.push(b'\n');
    }
    for (k, v) in set {
        out.extend_from_slice(k);
        out.push(b' ');
        out.extend_from_slice(v);
        out.push(b'\n');
    }
    out.extend_from_slice(b">>");
    Ok(out)
}

/// The raw array with `item` appended.
fn push_item(arr: &[u8], item: &[u8]) -> Result<Vec<u8>, PdfError> {
    match arr {
        [b'[', inner @ .., b']'] => {
            let mut out = b"[".to_vec();
            out.extend_from_slice(inner);
            out.push(b' ');
            out.extend_from_slice(item);
            out.push(b']');
            Ok(out)
        }
        _ => Err(PdfError::Damaged { why: "an array does not parse".into() }),
    }
}

/// `N G R` as an object id.
fn parse_ref(v: &[u8]) -> Option<ObjectId> {
    let text = std::str::from_utf8(v).ok()?;
    let mut parts = text.split_ascii_whitespace();
    let (n, g, r) = (parts.next()?, parts.next()?, parts.next()?);
    (r == "R" && parts.next().is_none()).then_some(())?;
    Some((n.parse().ok()?, g.parse().ok()?))
}

/// A literal-string body with `\`, `(` and `)` escaped and non-ASCII replaced.
fn escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\\' | '(' | ')' => format!("\\{c}"),
            c if c.is_ascii() && !c.is_ascii_control() => c.to_string(),
            _ => "?".into(),
        })
        .collect()
}

/// The fonts of a visible signature's appearance, each an object of its own (as fonts are
/// in the files other producers write; poppler's pdffonts, for one, reports an internal
/// error on a font given directly in a resource dictionary).
struct Fonts {
    /// Helvetica, WinAnsi: the ASCII lines.
    latin: ObjectId,
    /// The Japanese Type 0 font of a non-ASCII name.
    japanese: ObjectId,
    /// Its CIDFont.
    cid: ObjectId,
    /// The CIDFont's descriptor.
    descriptor: ObjectId,
}

impl Fonts {
    /// The font objects. The Japanese font is not embedded: `HeiseiKakuGo-W5` (an
    /// Adobe-Japan1 font name readers know) with the predefined `UniJIS-UTF16-H` CMap (PDF
    /// 1.5, Adobe-Japan1-6), so the name is written in UTF-16, surrogate pairs included (a
    /// name may hold JIS X 0213 characters outside the BMP, which `UniJIS-UCS2-H` cannot
    /// encode), and text extraction gives it back as Unicode. The reader draws it with a
    /// Japanese font of its own (poppler: the one fontconfig finds for Japanese); a reader
    /// without any Japanese font draws empty boxes.
    fn objects(&self) -> Vec<(ObjectId, Object)> {
        let name = |n: &str| Object::Name(n.as_bytes().to_vec());
        let mut latin = Dictionary::new();
        latin.set("Type", name("Font"));
        latin.set("Subtype", name("Type1"));
        latin.set("BaseFont", name("Helvetica"));
        latin.set("Encoding", name("WinAnsiEncoding"));
        let mut info = Dictionary::new();
        info.set("Registry", Object::string_literal("Adobe"));
        info.set("Ordering", Object::string_literal("Japan1"));
        info.set("Supplement", Object::Integer(6));
        let mut cid = Dictionary::new();
        cid.set("Type", name("Font"));
        cid.set("Subtype", name("CIDFontType0"));
        cid.set("BaseFont", name("HeiseiKakuGo-W5"));
        cid.set("CIDSystemInfo", Object::Dictionary(info));
        cid.set("FontDescriptor", Object::Reference(self.descriptor));
        let mut japanese = Dictionary::new();
        japanese.set("Type", name("Font"));
        japanese.set("Subtype", name("Type0"));
        japanese.set("BaseFont", name("HeiseiKakuGo-W5-UniJIS-UTF16-H"));
        japanese.set("Encoding", name("UniJIS-UTF16-H"));
        japanese.set("DescendantFonts", Object::Array(vec![Object::Reference(self.cid)]));
        let mut d = Dictionary::new();
        d.set("Type", name("FontDescriptor"));
        d.set("FontName", name("HeiseiKakuGo-W5"));
        d.set("Flags", Object::Integer(4));
        d.set(
            "FontBBox",
            Object::Array(vec![(-92).into(), (-250).into(), 1010.into(), 922.into()]),
        );
        d.set("ItalicAngle", Object::Integer(0));
        d.set("Ascent", Object::Integer(752));
        d.set("Descent", Object::Integer(-271));
        d.set("CapHeight", Object::Integer(737));
        d.set("StemV", Object::Integer(114));
        vec![
            (self.latin, Object::Dictionary(latin)),
            (self.japanese, Object::Dictionary(japanese)),
            (self.cid, Object::Dictionary(cid)),
            (self.descriptor, Object::Dictionary(d)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cms_larger_than_the_reserved_contents_is_refused() {
        let prepared = Prepared { bytes: b"<0000>".to_vec(), gap: (0, 6) };
        match prepared.finish(&[1, 2, 3]) {
            Err(PdfError::ContentsTooSmall { cms: 3, reserved: 2 }) => {}
            other => panic!("{other:?}"),
        }
        let prepared = Prepared { bytes: b"<0000>".to_vec(), gap: (0, 6) };
        assert_eq!(prepared.finish(&[0xab]).unwrap(), b"<AB00>");
    }

    #[test]
    fn a_certificate_that_is_not_x509_cannot_size_the_signature() {
        let e = contents_size(b"not a certificate", &PdfSignOptions::default()).unwrap_err();
        assert!(matches!(e, PdfError::Certificate { .. }), "{e:?}");
        assert!(e.to_string().starts_with("the signer certificate cannot be used"), "{e}");
    }

    #[test]
    fn visible_specifications() {
        let v = Visible::parse("2:10,20.5,100,40").unwrap();
        assert_eq!((v.page, v.x, v.y, v.w, v.h), (2, 10.0, 20.5, 100.0, 40.0));
        for bad in ["0:1,1,1,1", "1:1,1,1", "1:1,1,0,1", "x:1,1,1,1", "1:1,1,1,NaN", "1-1,1,1,1"] {
            assert!(matches!(Visible::parse(bad), Err(PdfError::BadVisible { .. })), "{bad}");
        }
    }

    #[test]
    fn raw_edits_keep_entries_as_written() {
        let d = b"<< /MediaBox [0 0 595.303937007874 841.9] /Annots [1 0 R] >>";
        let annots = entry(d, b"/Annots").unwrap().unwrap();
        let pushed = push_item(&annots, b"9 0 R").unwrap();
        assert_eq!(pushed, b"[1 0 R 9 0 R]");
        let out = set_entries(d, &[(b"/Annots", pushed)]).unwrap();
        assert_eq!(
            out,
            b"<</MediaBox [0 0 595.303937007874 841.9]\n/Annots [1 0 R 9 0 R]\n>>".to_vec()
        );
        assert_eq!(parse_ref(b"12 0 R"), Some((12, 0)));
        assert_eq!(parse_ref(b"12 0"), None);
        assert!(matches!(push_item(b"12 0 R", b"1 0 R"), Err(PdfError::Damaged { .. })));
        assert_eq!(pdf_date(std::time::UNIX_EPOCH), "D:19700101000000+00'00'");
    }
}

//! The verifier's one DER walker: borrowing, zero-copy TLV reading, so that signatures are
//! checked over the original bytes (tbsCertificate, tbsCertList, tbsResponseData, signed
//! attributes, embedded certificates) and never over a re-encoding, and so that a CRL of a
//! million entries is indexed without an allocation per entry. Used by CMS, certificate
//! paths, CRLs and OCSP. Lengths are checked against the remaining input before anything is
//! sliced: a huge announced length is an error, never an allocation. Errors name the
//! structure being read (`what`) without allocating.

use der::{Encode, Reader, SliceReader, Tag, TagNumber};

/// One TLV of the input: its tag, contents and whole encoding, borrowed from the input.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tlv<'a> {
    /// The tag.
    pub(crate) tag: Tag,
    /// Contents only.
    pub(crate) value: &'a [u8],
    /// Identifier, length and contents.
    pub(crate) whole: &'a [u8],
}

/// What is wrong with the DER structure being walked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DerError {
    /// A TLV does not decode (truncated, bad length, bad tag).
    #[error("{what}: {source}")]
    Tlv {
        /// The structure being read.
        what: &'static str,
        /// The decoder's error.
        source: der::Error,
    },
    /// A TLV has another tag than the structure needs.
    #[error("{what}: expected {expected}, found {found}")]
    UnexpectedTag {
        /// The structure being read.
        what: &'static str,
        /// The tag needed.
        expected: Tag,
        /// The tag found.
        found: Tag,
    },
    /// A structure lacks a field.
    #[error("{what}: missing")]
    Missing {
        /// The field.
        what: &'static str,
    },
    /// Bytes follow what should be the end of a structure.
    #[error("{what}: trailing bytes")]
    Trailing {
        /// The structure that should have ended.
        what: &'static str,
    },
}

/// A cursor over DER content (the contents of a constructed TLV, or a whole input).
pub(crate) struct Walker<'a>(SliceReader<'a>);

impl<'a> Walker<'a> {
    /// A walker over `bytes`, read as the contents of `what`.
    pub(crate) fn new(bytes: &'a [u8], what: &'static str) -> Result<Self, DerError> {
        SliceReader::new(bytes).map(Walker).map_err(|source| DerError::Tlv { what, source })
    }

    /// True when every byte has been read.
    pub(crate) fn is_finished(&self) -> bool {
        self.0.is_finished()
    }

    /// The next TLV, whatever its tag; the decoder's own error.
    pub(crate) fn read(&mut self) -> der::Result<Tlv<'a>> {
        // One header decode: the header is peeked, then the whole TLV taken in one slice.
        let header = self.0.peek_header()?;
        let header_len = header.encoded_len()?;
        let whole = self.0.read_slice((header_len + header.length)?)?;
        let value = whole
            .get(usize::try_from(header_len)?..)
            .ok_or_else(|| self.0.error(der::ErrorKind::Overlength))?;
        Ok(Tlv { tag: header.tag, value, whole })
    }

    /// The next TLV of `what`, whatever its tag.
    pub(crate) fn any(&mut self, what: &'static str) -> Result<Tlv<'a>, DerError> {
        self.read().map_err(|source| DerError::Tlv { what, source })
    }

    /// The next TLV of `what`, which must have `tag`.
    pub(crate) fn expect(&mut self, tag: Tag, what: &'static str) -> Result<Tlv<'a>, DerError> {
        let tlv = self.any(what)?;
        if tlv.tag != tag {
            return Err(DerError::UnexpectedTag { what, expected: tag, found: tlv.tag });
        }
        Ok(tlv)
    }

    /// Checks that nothing follows the end of `what`.
    pub(crate) fn finish(&self, what: &'static str) -> Result<(), DerError> {
        if self.is_finished() {
            Ok(())
        } else {
            Err(DerError::Trailing { what })
        }
    }
}

/// Exactly one TLV of `tag` spanning all of `input`.
pub(crate) fn single<'a>(
    input: &'a [u8],
    tag: Tag,
    what: &'static str,
) -> Result<Tlv<'a>, DerError> {
    let mut w = Walker::new(input, what)?;
    let tlv = w.expect(tag, what)?;
    w.finish(what)?;
    Ok(tlv)
}

/// The child TLVs of a constructed TLV's contents (for small structures: it allocates).
pub(crate) fn children<'a>(value: &'a [u8], what: &'static str) -> Result<Vec<Tlv<'a>>, DerError> {
    let mut w = Walker::new(value, what)?;
    let mut out = Vec::new();
    while !w.is_finished() {
        out.push(w.any(what)?);
    }
    Ok(out)
}

/// A TLV picked out of [`children`] (`None`: absent), which must have `tag`.
pub(crate) fn expect_at<'a>(
    tlv: Option<&Tlv<'a>>,
    tag: Tag,
    what: &'static str,
) -> Result<Tlv<'a>, DerError> {
    match tlv {
        Some(t) if t.tag == tag => Ok(*t),
        Some(t) => Err(DerError::UnexpectedTag { what, expected: tag, found: t.tag }),
        None => Err(DerError::Missing { what }),
    }
}

/// A constructed context-specific tag `[number]`.
pub(crate) fn context(number: u8) -> Tag {
    Tag::ContextSpecific { constructed: true, number: TagNumber::new(number) }
}

/// The pieces of a SIGNED{…} structure (certificate, CRL, BasicOCSPResponse): the signed
/// part, the signature AlgorithmIdentifier and the signature bits, all borrowed; `rest` is
/// what follows the signature inside the outer SEQUENCE (the certificates of an OCSP
/// response), `None` when nothing does.
pub(crate) struct Signed<'a> {
    /// The signed part (tbsCertificate, tbsCertList, tbsResponseData), whole.
    pub(crate) tbs: Tlv<'a>,
    /// The AlgorithmIdentifier, whole.
    pub(crate) alg: Tlv<'a>,
    /// The signature (BIT STRING contents without the unused-bits octet).
    pub(crate) signature: &'a [u8],
    /// Anything after the signature.
    pub(crate) rest: Walker<'a>,
}

/// Walks `SEQUENCE { tbs SEQUENCE, alg SEQUENCE, signature BIT STRING, … }` spanning all of
/// `input`; `what` names the outer structure, `tbs_what` its signed part.
pub(crate) fn signed<'a>(
    input: &'a [u8],
    what: &'static str,
    tbs_what: &'static str,
) -> Result<Signed<'a>, SignedError> {
    let outer = single(input, Tag::Sequence, what)?;
    let mut r = Walker::new(outer.value, what)?;
    let tbs = r.expect(Tag::Sequence, tbs_what)?;
    let alg = r.expect(Tag::Sequence, "signatureAlgorithm")?;
    let sig = r.expect(Tag::BitString, "signature")?;
    let signature = match sig.value.split_first() {
        Some((0, rest)) => rest,
        _ => return Err(SignedError::UnusedBits),
    };
    Ok(Signed { tbs, alg, signature, rest: r })
}

/// Why a SIGNED{…} structure does not walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignedError {
    /// The structure does not walk.
    #[error(transparent)]
    Der(#[from] DerError),
    /// The signature BIT STRING has unused bits (or no unused-bits octet).
    #[error("signature has unused bits")]
    UnusedBits,
}

/// Original bytes of the tbsCertificate inside a DER certificate.
pub(crate) fn tbs_certificate(cert_der: &[u8]) -> Result<&[u8], DerError> {
    let outer = single(cert_der, Tag::Sequence, "certificate")?;
    let mut r = Walker::new(outer.value, "certificate")?;
    Ok(r.expect(Tag::Sequence, "tbsCertificate")?.whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_nested_tlvs_without_copying() {
        let input = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xAA];
        let outer = single(&input, Tag::Sequence, "outer").unwrap();
        assert_eq!(outer.whole.as_ptr(), input.as_ptr());
        let kids = children(outer.value, "outer").unwrap();
        assert_eq!(kids.len(), 2);
        assert_eq!(kids[0].whole, &[0x02, 0x01, 0x05]);
        assert_eq!(kids[0].tag, Tag::Integer);
        assert_eq!(kids[1].value, &[0xAA]);
        assert_eq!(kids[1].value.as_ptr(), input[7..].as_ptr());
        let mut w = Walker::new(outer.value, "outer").unwrap();
        assert_eq!(w.expect(Tag::Integer, "n").unwrap().value, [5]);
        assert!(w.finish("outer").is_err());
        w.any("o").unwrap();
        w.finish("outer").unwrap();
    }

    #[test]
    fn each_error_names_the_structure() {
        let e = single(&[0x05, 0x00, 0x00], Tag::Null, "x").unwrap_err();
        assert_eq!(e, DerError::Trailing { what: "x" });
        assert_eq!(e.to_string(), "x: trailing bytes");
        let e = single(&[0x30, 0x05, 0x01], Tag::Sequence, "y").unwrap_err();
        assert!(matches!(e, DerError::Tlv { what: "y", .. }), "{e:?}");
        assert!(e.to_string().starts_with("y: "), "{e}");
        assert!(matches!(single(&[], Tag::Sequence, "z"), Err(DerError::Tlv { what: "z", .. })));
        let e = single(&[0x31, 0x00], Tag::Sequence, "w").unwrap_err();
        let want = DerError::UnexpectedTag { what: "w", expected: Tag::Sequence, found: Tag::Set };
        assert_eq!(e, want);
        assert_eq!(e.to_string(), "w: expected SEQUENCE, found SET");
        let kids = children(&[0x02, 0x01, 0x05], "k").unwrap();
        assert_eq!(expect_at(kids.first(), Tag::Integer, "n").unwrap().value, [5]);
        let e = expect_at(kids.get(1), Tag::Integer, "m").unwrap_err();
        assert_eq!((e, e.to_string().as_str()), (DerError::Missing { what: "m" }, "m: missing"));
        assert!(matches!(
            expect_at(kids.first(), Tag::Null, "n"),
            Err(DerError::UnexpectedTag { found: Tag::Integer, .. })
        ));
        // An announced length far beyond the input is an error, not an allocation.
        let huge = [0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x30, 0x00];
        assert!(matches!(single(&huge, Tag::Sequence, "h"), Err(DerError::Tlv { .. })));
    }

    #[test]
    fn signed_structures() {
        // SEQUENCE { SEQUENCE {}, SEQUENCE { NULL }, BIT STRING 00 AB, [0] {} }
        let ok =
            [0x30, 0x0C, 0x30, 0x00, 0x30, 0x02, 0x05, 0x00, 0x03, 0x02, 0x00, 0xAB, 0xA0, 0x00];
        let s = signed(&ok, "t", "tbs").unwrap();
        assert_eq!(s.tbs.whole, [0x30, 0x00]);
        assert_eq!(s.alg.value, [0x05, 0x00]);
        assert_eq!(s.signature, [0xAB]);
        let mut rest = s.rest;
        assert!(rest.expect(context(0), "certs").unwrap().value.is_empty());
        assert!(rest.is_finished());
        let mut bits = ok;
        bits[10] = 0x01;
        assert_eq!(
            signed(&bits, "t", "tbs").err().map(|e| e.to_string()).as_deref(),
            Some("signature has unused bits")
        );
        let e = signed(&[0x30, 0x02, 0x31, 0x00], "t", "tbs").err().unwrap();
        assert!(
            matches!(e, SignedError::Der(DerError::UnexpectedTag { what: "tbs", .. })),
            "{e:?}"
        );
        assert_eq!(
            tbs_certificate(&[0x30, 0x04, 0x30, 0x02, 0x05, 0x00]).unwrap(),
            [0x30, 0x02, 0x05, 0x00]
        );
        assert!(tbs_certificate(&[0x30, 0x02, 0x05, 0x00]).is_err());
    }
}

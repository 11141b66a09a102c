//! CMS SignedData verification (RFC 5652), detached and attached, one signer. The signed
//! attributes are checked over their ORIGINAL encoding re-tagged as SET (the `[0] IMPLICIT`
//! bytes with the first octet changed to `0x31`), never over a re-encoding; messageDigest
//! must equal the content hash, contentType must match eContentType, signingCertificateV2 (when
//! present) must name the signer certificate, and signingTime is extracted for judgement at
//! signing time. Signature algorithms accepted: rsaEncryption, sha256WithRSAEncryption.

use std::time::SystemTime;

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Any, Decode, Encode, Tag};
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::time::Time;
use x509_cert::Certificate;

use super::der_walk::{children, context, expect_at, single, DerError, Tlv};
use super::names::name_text;
use super::path::{basis, judge, ParsedCert};
use super::result::{bounded, Failure, Role, SignatureReport, VerifyError, VerifyReport};
use super::signature::{oid_name, pkcs1v15_ok, rsa_key};
use super::VerifyOptions;
use crate::hash::HashAlg;
use const_oid::db::rfc5911::{
    ID_AA_SIGNING_CERTIFICATE_V_2 as ID_SIGNING_CERTIFICATE_V2, ID_CONTENT_TYPE, ID_DATA,
    ID_MESSAGE_DIGEST, ID_SIGNED_DATA, ID_SIGNING_TIME,
};
use const_oid::db::rfc5912::{RSA_ENCRYPTION, SHA_256_WITH_RSA_ENCRYPTION as SHA256_WITH_RSA};

/// The raw spans of a DER SignedData that signatures cover or that must not be re-encoded.
struct RawSignedData<'a> {
    econtent: Option<&'a [u8]>,
    certificates: Vec<&'a [u8]>,
    signed_attrs: Option<&'a [u8]>,
    signer_count: usize,
}

fn walk(cms_der: &[u8]) -> Result<RawSignedData<'_>, DerError> {
    let ci = children(single(cms_der, Tag::Sequence, "ContentInfo")?.value, "ContentInfo")?;
    let explicit = expect_at(ci.get(1), context(0), "ContentInfo content")?;
    let sd = single(explicit.value, Tag::Sequence, "SignedData")?;
    let parts = children(sd.value, "SignedData")?;
    let encap = expect_at(parts.get(2), Tag::Sequence, "encapContentInfo")?;
    let encap_parts = children(encap.value, "encapContentInfo")?;
    let econtent = match encap_parts.get(1) {
        Some(t) => {
            let t = expect_at(Some(t), context(0), "eContent")?;
            Some(single(t.value, Tag::OctetString, "eContent")?.value)
        }
        None => None,
    };
    let mut certificates = Vec::new();
    let mut signer_infos: Option<Tlv<'_>> = None;
    for t in parts.iter().skip(3) {
        match t.tag {
            tag if tag == context(0) => {
                for c in children(t.value, "certificates")? {
                    if c.tag == Tag::Sequence {
                        certificates.push(c.whole);
                    }
                }
            }
            tag if tag == context(1) => {}
            Tag::Set => signer_infos = Some(*t),
            found => {
                return Err(DerError::UnexpectedTag {
                    what: "SignedData",
                    expected: Tag::Set,
                    found,
                })
            }
        }
    }
    let signer_infos = expect_at(signer_infos.as_ref(), Tag::Set, "signerInfos")?;
    let signers = children(signer_infos.value, "signerInfos")?;
    let signed_attrs = match signers.first() {
        Some(si) => {
            children(si.value, "SignerInfo")?.iter().find(|t| t.tag == context(0)).map(|t| t.whole)
        }
        None => None,
    };
    Ok(RawSignedData { econtent, certificates, signed_attrs, signer_count: signers.len() })
}

fn single_value(si: &SignerInfo, oid: ObjectIdentifier) -> Result<Option<&Any>, Failure> {
    let Some(attrs) = &si.signed_attrs else {
        return Ok(None);
    };
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    let Some(attr) = found.next() else {
        return Ok(None);
    };
    let bad = || Failure::BadSignedAttribute { name: oid_name(&oid) };
    if found.next().is_some() || attr.values.len() != 1 {
        return Err(bad());
    }
    attr.values.iter().next().map(Some).ok_or_else(bad)
}

fn decode_attr<T: for<'a> Decode<'a>>(v: &Any, oid: ObjectIdentifier) -> Result<T, Failure> {
    v.to_der()
        .ok()
        .and_then(|d| T::from_der(&d).ok())
        .ok_or_else(|| Failure::BadSignedAttribute { name: oid_name(&oid) })
}

fn matches_sid(p: &ParsedCert<'_>, sid: &SignerIdentifier) -> bool {
    let tbs = &p.cert.tbs_certificate;
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            tbs.issuer == ias.issuer && tbs.serial_number == ias.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => matches!(
            tbs.get::<SubjectKeyIdentifier>(),
            Ok(Some((_, own))) if own == *ski
        ),
    }
}

/// The signer identifier as text: issuer and serial, or subject key identifier.
fn sid_text(sid: &SignerIdentifier) -> String {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => format!(
            "issuer {}, serial {}",
            name_text(&ias.issuer),
            hex::encode(ias.serial_number.as_bytes())
        ),
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            format!("subject key identifier {}", hex::encode(ski.0.as_bytes()))
        }
    }
}

/// Checks signingCertificateV2 against the signer certificate's DER.
fn signing_certificate_v2(v: &Any, cert_der: &[u8]) -> Result<(), Failure> {
    let bad = || Failure::BadSignedAttribute { name: "signingCertificateV2".into() };
    let der = v.to_der().map_err(|_| bad())?;
    let outer = single(&der, Tag::Sequence, "SigningCertificateV2").map_err(|_| bad())?;
    let certs = children(outer.value, "SigningCertificateV2").map_err(|_| bad())?;
    let list = certs.first().filter(|t| t.tag == Tag::Sequence).ok_or_else(bad)?;
    let ids = children(list.value, "certs").map_err(|_| bad())?;
    let first = ids.first().ok_or_else(bad)?;
    let fields = children(first.value, "ESSCertIDv2").map_err(|_| bad())?;
    let (hash, digest) = match (fields.first(), fields.get(1)) {
        (Some(alg), Some(h)) if alg.tag == Tag::Sequence && h.tag == Tag::OctetString => {
            let alg = AlgorithmIdentifierOwned::from_der(alg.whole).map_err(|_| bad())?;
            (HashAlg::from_digest_oid(&alg.oid).ok_or_else(bad)?, h.value)
        }
        (Some(h), _) if h.tag == Tag::OctetString => (HashAlg::Sha256, h.value),
        _ => return Err(bad()),
    };
    if hash.digest(cert_der) == digest {
        Ok(())
    } else {
        Err(Failure::SigningCertificateMismatch)
    }
}

/// Verifies a CMS SignedData (DER). `data` is the content of a detached signature (or, for
/// an attached one, must equal the embedded content); `extra_cert` is a signer certificate
/// given out of band (`--cert`). Then the signer certificate's path, profile, revocation.
pub fn verify_cms(
    data: Option<&[u8]>,
    cms_der: &[u8],
    extra_cert: Option<&[u8]>,
    opts: &VerifyOptions<'_>,
) -> Result<VerifyReport, VerifyError> {
    let malformed = |e: der::Error| VerifyError::MalformedCms { why: e.to_string() };
    let ci = ContentInfo::from_der(cms_der).map_err(malformed)?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(VerifyError::NotSignedData { content_type: oid_name(&ci.content_type) });
    }
    let mut sd: SignedData = ci.content.decode_as().map_err(malformed)?;
    let raw = walk(cms_der).map_err(|e| VerifyError::MalformedCms { why: e.to_string() })?;
    let signers: Vec<&SignerInfo> = sd.signer_infos.0.iter().collect();
    let (Some(si), 1, 1) = (signers.first().copied(), signers.len(), raw.signer_count) else {
        return Err(VerifyError::SignerCount { count: signers.len() });
    };

    let mut report = VerifyReport::new(basis(opts.at), opts.policy);
    let econtent_type = sd.encap_content_info.econtent_type;
    let content: &[u8] = match (raw.econtent, data) {
        (Some(embedded), Some(given)) => {
            report.check("content", (embedded != given).then_some(Failure::AttachedContentDiffers));
            embedded
        }
        (Some(embedded), None) => embedded,
        (None, Some(given)) => given,
        (None, None) => return Err(VerifyError::MissingContent),
    };

    let mut sig_report = SignatureReport {
        format: "cms",
        ok: false,
        hash: oid_name(&si.digest_alg.oid),
        signature_algorithm: oid_name(&si.signature_algorithm.oid),
        signed_attributes: Some(raw.signed_attrs.is_some()),
        signing_time: None,
        content_type: Some(oid_name(&econtent_type)),
        detached: Some(raw.econtent.is_none()),
        signer_certificate_from: None,
    };

    // Signer certificate: the one given out of band first, then those in the CMS.
    // A certificate given out of band must be the one the signer identifier names: verifying
    // with an embedded certificate instead would silently ignore what the caller asked for.
    let mut candidates = Vec::new();
    if let Some(c) = extra_cert {
        let given = ParsedCert::parse(c)?;
        if !matches_sid(&given, &si.sid) {
            let tbs = &given.cert.tbs_certificate;
            report.check(
                "signer_certificate",
                Some(Failure::GivenCertificateNotSigner {
                    given: bounded(&format!(
                        "issuer {}, serial {}",
                        name_text(&tbs.issuer),
                        hex::encode(tbs.serial_number.as_bytes())
                    )),
                    signer: bounded(&sid_text(&si.sid)),
                }),
            );
            report.signature = Some(sig_report);
            report.finish();
            return Ok(report);
        }
        candidates.push((given, "given"));
    }
    // One embedded certificate (the usual case): the one the SignedData decoder already
    // decoded, with its original bytes; otherwise each one decoded from its original bytes.
    let decoded: Vec<Certificate> = sd
        .certificates
        .take()
        .map(|set| set.0.into_vec())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c),
            CertificateChoices::Other(_) => None,
        })
        .collect();
    match (raw.certificates.as_slice(), <[Certificate; 1]>::try_from(decoded)) {
        ([der], Ok([cert])) => {
            if let Ok(tbs) = super::der_walk::tbs_certificate(der) {
                candidates.push((ParsedCert { der, tbs, cert }, "cms"));
            }
        }
        _ => {
            for c in &raw.certificates {
                if let Ok(p) = ParsedCert::parse(c) {
                    candidates.push((p, "cms"));
                }
            }
        }
    }
    let Some((signer, from)) = candidates.into_iter().find(|(p, _)| matches_sid(p, &si.sid)) else {
        report.check("signer_certificate", Some(Failure::SignerCertificateNotFound));
        report.signature = Some(sig_report);
        report.finish();
        return Ok(report);
    };
    report.check("signer_certificate", None);
    sig_report.signer_certificate_from = Some(from);

    let hash = HashAlg::from_digest_oid(&si.digest_alg.oid).filter(|h| *h != HashAlg::Sha1);
    report.check(
        "digest_algorithm",
        hash.is_none().then(|| Failure::UnsupportedAlgorithm {
            what: "CMS digest".into(),
            oid: si.digest_alg.oid.to_string(),
        }),
    );
    let sig_alg = si.signature_algorithm.oid;
    let alg_ok =
        sig_alg == RSA_ENCRYPTION || (sig_alg == SHA256_WITH_RSA && hash == Some(HashAlg::Sha256));
    report.check(
        "signature_algorithm",
        (!alg_ok).then(|| Failure::UnsupportedAlgorithm {
            what: "CMS signature".into(),
            oid: sig_alg.to_string(),
        }),
    );

    let mut signing_time: Option<SystemTime> = None;
    let signed_bytes: Option<Vec<u8>> = match raw.signed_attrs {
        Some(attrs) => {
            // contentType
            let ct = single_value(si, ID_CONTENT_TYPE).and_then(|v| {
                v.map(|v| decode_attr::<ObjectIdentifier>(v, ID_CONTENT_TYPE)).transpose()
            });
            report.check(
                "content_type",
                match ct {
                    Ok(Some(found)) if found == econtent_type => None,
                    Ok(Some(found)) => Some(Failure::ContentTypeMismatch {
                        found: oid_name(&found),
                        expected: oid_name(&econtent_type),
                    }),
                    Ok(None) => Some(Failure::BadSignedAttribute { name: "contentType".into() }),
                    Err(f) => Some(f),
                },
            );
            // messageDigest
            let md = single_value(si, ID_MESSAGE_DIGEST).and_then(|v| {
                v.map(|v| decode_attr::<OctetString>(v, ID_MESSAGE_DIGEST)).transpose()
            });
            report.check(
                "message_digest",
                match (md, hash) {
                    (Ok(Some(md)), Some(h)) if md.as_bytes() == h.digest(content) => None,
                    (Ok(Some(_)), Some(_)) => Some(Failure::MessageDigestMismatch),
                    (Ok(Some(_)), None) => Some(Failure::UnsupportedAlgorithm {
                        what: "CMS digest".into(),
                        oid: si.digest_alg.oid.to_string(),
                    }),
                    (Ok(None), _) => {
                        Some(Failure::BadSignedAttribute { name: "messageDigest".into() })
                    }
                    (Err(f), _) => Some(f),
                },
            );
            // signingTime
            match single_value(si, ID_SIGNING_TIME)
                .and_then(|v| v.map(|v| decode_attr::<Time>(v, ID_SIGNING_TIME)).transpose())
            {
                Ok(t) => signing_time = t.map(|t| t.to_system_time()),
                Err(f) => report.check("signing_time", Some(f)),
            }
            sig_report.signing_time = signing_time.map(Into::into);
            // signingCertificateV2
            match single_value(si, ID_SIGNING_CERTIFICATE_V2) {
                Ok(Some(v)) => report
                    .check("signing_certificate_v2", signing_certificate_v2(v, signer.der).err()),
                Ok(None) => {}
                Err(f) => report.check("signing_certificate_v2", Some(f)),
            }
            // The signature covers the original [0] IMPLICIT bytes re-tagged as SET OF.
            let mut set = attrs.to_vec();
            if let Some(first) = set.first_mut() {
                *first = 0x31;
            }
            Some(set)
        }
        None => {
            if econtent_type != ID_DATA {
                report.check(
                    "signed_attributes",
                    Some(Failure::BadSignedAttribute {
                        name: "signedAttrs (required unless eContentType is id-data)".into(),
                    }),
                );
            }
            None
        }
    };

    if let Some(h) = hash {
        let covered = signed_bytes.as_deref().unwrap_or(content);
        let ok =
            match rsa_key(&signer.cert.tbs_certificate.subject_public_key_info, Role::EndEntity) {
                Ok(key) => {
                    let ok = pkcs1v15_ok(&key, h, &h.digest(covered), si.signature.as_bytes());
                    report.check(
                        "data_signature",
                        (!ok).then(|| Failure::BadSignature {
                            what: if signed_bytes.is_some() {
                                "signed attributes".into()
                            } else {
                                "data".into()
                            },
                        }),
                    );
                    ok
                }
                Err(f) => {
                    report.check("data_signature", Some(f));
                    false
                }
            };
        sig_report.ok = ok && alg_ok;
    }
    report.signature = Some(sig_report);
    judge(&signer, opts, signing_time, &mut report)?;
    Ok(report)
}

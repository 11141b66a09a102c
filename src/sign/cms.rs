//! CMS detached SignedData (RFC 5652) with CAdES-BES signed attributes (contentType,
//! messageDigest, signingTime, signingCertificateV2), built around a [`DigestInfoSigner`]
//! so that the card signs the signed attributes exactly once.

use std::io::Read;
use std::time::SystemTime;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::db::{rfc5911, rfc5912};
use der::asn1::{GeneralizedTime, OctetString, SetOfVec, UtcTime};
use der::{Any, Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;
use x509_cert::Certificate;

use super::digest::{DigestError, HashAlg};
use super::DigestInfoSigner;

/// Which signatureAlgorithm the SignerInfo names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// `rsaEncryption` (what most CAdES producers write).
    #[default]
    RsaEncryption,
    /// `sha256WithRSAEncryption` (or the 384/512 variant matching the digest).
    RsaWithDigest,
}

/// How to build the SignedData.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CmsOptions {
    /// Digest of the content and of the signed attributes.
    pub hash: HashAlg,
    /// The signatureAlgorithm identifier.
    pub signature_algorithm: SignatureAlgorithm,
    /// The signingTime attribute; `None` means now.
    pub signing_time: Option<SystemTime>,
}

impl Default for CmsOptions {
    fn default() -> Self {
        CmsOptions {
            hash: HashAlg::Sha256,
            signature_algorithm: SignatureAlgorithm::RsaEncryption,
            signing_time: None,
        }
    }
}

/// Why a SignedData could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CmsError<E: std::error::Error + 'static> {
    /// The signer (the card) failed.
    #[error("the signer failed: {0}")]
    Signer(#[source] E),
    /// The signer returned no signature.
    #[error("the signer returned an empty signature")]
    EmptySignature,
    /// A content digest of the wrong length was given.
    #[error(transparent)]
    Digest(#[from] DigestError),
    /// The signer certificate does not parse.
    #[error("the signer certificate is not an X.509 certificate: {0}")]
    Certificate(#[source] der::Error),
    /// The signer certificate parses but is not DER, so it would not be embedded unchanged.
    #[error("the signer certificate is not DER-encoded (it does not re-encode to the same bytes)")]
    CertificateNotDer,
    /// The signing time cannot be encoded (before 1970 or after 9999).
    #[error("the signing time cannot be encoded: {0}")]
    SigningTime(#[source] der::Error),
    /// Encoding a CMS structure failed.
    #[error("cannot encode the CMS structure: {0}")]
    Encode(#[source] der::Error),
    /// Reading the content failed.
    #[error("cannot read the content: {0}")]
    Io(#[source] std::io::Error),
}

/// ESSCertIDv2 with the default hashAlgorithm (SHA-256), which DER omits.
#[derive(Clone, Debug, der::Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
    issuer_serial: IssuerSerial,
}

/// IssuerSerial (RFC 5035).
#[derive(Clone, Debug, der::Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

/// SigningCertificateV2 (RFC 5035), without policies.
#[derive(Clone, Debug, der::Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

fn attribute<E: std::error::Error>(
    oid: der::asn1::ObjectIdentifier,
    value: Any,
) -> Result<Attribute, CmsError<E>> {
    let mut values = SetOfVec::new();
    values.insert(value).map_err(CmsError::Encode)?;
    Ok(Attribute { oid, values })
}

fn any_of<E: std::error::Error>(value: &impl Encode) -> Result<Any, CmsError<E>> {
    let der = value.to_der().map_err(CmsError::Encode)?;
    Any::from_der(&der).map_err(CmsError::Encode)
}

/// signingTime: UTCTime through 2049, GeneralizedTime after (RFC 5652 §11.3).
fn signing_time(t: SystemTime) -> Result<Time, der::Error> {
    match UtcTime::from_system_time(t) {
        Ok(utc) => Ok(Time::UtcTime(utc)),
        Err(_) => Ok(Time::GeneralTime(GeneralizedTime::from_system_time(t)?)),
    }
}

/// Build a detached SignedData over content whose `content_digest` (made with
/// `options.hash`) is given; `signer_cert` is the signer's DER certificate. The signer is
/// asked for exactly one signature, over the DER of the signed attributes. Returns DER.
pub fn sign_detached_digest<S: DigestInfoSigner>(
    content_digest: &[u8],
    signer_cert: &[u8],
    signer: &mut S,
    options: &CmsOptions,
) -> Result<Vec<u8>, CmsError<S::Error>> {
    build(content_digest, signer_cert, signer, options, true)
}

/// [`sign_detached_digest`] for PAdES baseline B-B (ETSI EN 319 142-1 §6.3): the signed
/// attributes are contentType, messageDigest and signingCertificateV2 only; there is no
/// signingTime attribute (a PDF signature carries its claimed time in the signature
/// dictionary's `/M` instead). `options.signing_time` is ignored.
pub fn sign_detached_digest_pades<S: DigestInfoSigner>(
    content_digest: &[u8],
    signer_cert: &[u8],
    signer: &mut S,
    options: &CmsOptions,
) -> Result<Vec<u8>, CmsError<S::Error>> {
    build(content_digest, signer_cert, signer, options, false)
}

fn build<S: DigestInfoSigner>(
    content_digest: &[u8],
    signer_cert: &[u8],
    signer: &mut S,
    options: &CmsOptions,
    with_signing_time: bool,
) -> Result<Vec<u8>, CmsError<S::Error>> {
    let hash = options.hash;
    if hash.digest_info_prefix().is_none() {
        return Err(DigestError::NotForSigning { alg: hash }.into());
    }
    if content_digest.len() != hash.output_len() {
        return Err(DigestError::WrongLength {
            alg: hash,
            want: hash.output_len(),
            got: content_digest.len(),
        }
        .into());
    }
    let cert = Certificate::from_der(signer_cert).map_err(CmsError::Certificate)?;
    if cert.to_der().map_err(CmsError::Encode)? != signer_cert {
        return Err(CmsError::CertificateNotDer);
    }
    let issuer = cert.tbs_certificate.issuer.clone();
    let serial = cert.tbs_certificate.serial_number.clone();

    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(HashAlg::Sha256.digest(signer_cert))
                .map_err(CmsError::Encode)?,
            issuer_serial: IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(issuer.clone())],
                serial_number: serial.clone(),
            },
        }],
    };
    let mut signed_attrs = SetOfVec::new();
    for attr in [
        attribute(rfc5911::ID_CONTENT_TYPE, any_of(&rfc5911::ID_DATA)?)?,
        attribute(
            rfc5911::ID_MESSAGE_DIGEST,
            any_of(&OctetString::new(content_digest).map_err(CmsError::Encode)?)?,
        )?,
        attribute(rfc5911::ID_AA_SIGNING_CERTIFICATE_V_2, any_of(&ess)?)?,
    ] {
        signed_attrs.insert(attr).map_err(CmsError::Encode)?;
    }
    if with_signing_time {
        let time = signing_time(options.signing_time.unwrap_or_else(SystemTime::now))
            .map_err(CmsError::SigningTime)?;
        signed_attrs
            .insert(attribute(rfc5911::ID_SIGNING_TIME, any_of(&time)?)?)
            .map_err(CmsError::Encode)?;
    }

    // The signature covers the DER of the attributes with the SET OF tag (RFC 5652 §5.4).
    let to_sign = signed_attrs.to_der().map_err(CmsError::Encode)?;
    let digest_info = hash.digest_info(&hash.digest(&to_sign))?;
    let signature = signer.sign_digest_info(&digest_info).map_err(CmsError::Signer)?;
    if signature.is_empty() {
        return Err(CmsError::EmptySignature);
    }

    let signature_algorithm = match options.signature_algorithm {
        SignatureAlgorithm::RsaEncryption => AlgorithmIdentifierOwned {
            oid: rfc5912::RSA_ENCRYPTION,
            parameters: Some(der::asn1::Null.into()),
        },
        SignatureAlgorithm::RsaWithDigest => AlgorithmIdentifierOwned {
            oid: hash.rsa_signature_oid(),
            parameters: Some(der::asn1::Null.into()),
        },
    };
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer,
            serial_number: serial,
        }),
        digest_alg: hash.algorithm_identifier(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm,
        signature: OctetString::new(signature).map_err(CmsError::Encode)?,
        unsigned_attrs: None,
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(hash.algorithm_identifier()).map_err(CmsError::Encode)?;
    let mut certs = SetOfVec::new();
    certs.insert(CertificateChoices::Certificate(cert)).map_err(CmsError::Encode)?;
    let mut signer_infos = SetOfVec::new();
    signer_infos.insert(signer_info).map_err(CmsError::Encode)?;
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: rfc5911::ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(certs)),
        crls: None,
        signer_infos: SignerInfos(signer_infos),
    };
    let content_info =
        ContentInfo { content_type: rfc5911::ID_SIGNED_DATA, content: any_of(&signed_data)? };
    content_info.to_der().map_err(CmsError::Encode)
}

/// [`sign_detached_digest`] over content in memory.
pub fn sign_detached<S: DigestInfoSigner>(
    content: &[u8],
    signer_cert: &[u8],
    signer: &mut S,
    options: &CmsOptions,
) -> Result<Vec<u8>, CmsError<S::Error>> {
    sign_detached_digest(&options.hash.digest(content), signer_cert, signer, options)
}

/// [`sign_detached_digest`] over content read from a stream (a file of any size). The
/// content is hashed before the signer is asked for anything.
pub fn sign_detached_reader<S: DigestInfoSigner>(
    content: impl Read,
    signer_cert: &[u8],
    signer: &mut S,
    options: &CmsOptions,
) -> Result<Vec<u8>, CmsError<S::Error>> {
    let hash = options.hash;
    if hash.digest_info_prefix().is_none() {
        return Err(DigestError::NotForSigning { alg: hash }.into());
    }
    let digest = hash.digest_reader(content).map_err(CmsError::Io)?;
    sign_detached_digest(&digest, signer_cert, signer, options)
}

/// PEM armour for a DER CMS (`-----BEGIN CMS-----`, what `openssl cms -inform PEM` reads).
pub fn to_pem(der: &[u8]) -> Result<String, der::Error> {
    Ok(der::pem::encode_string("CMS", der::pem::LineEnding::LF, der)?)
}

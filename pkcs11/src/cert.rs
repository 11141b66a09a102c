//! A certificate from the card, parsed once: the DER as read, and the pieces PKCS#11
//! attributes need (subject, issuer and serial number as DER, the RSA public key). The DER
//! bytes are kept as read; the names are the parsed names encoded again (DER is
//! canonical, so they equal the bytes in the certificate).

use der::{Decode, Encode};
use rsa::traits::PublicKeyParts;
use x509_cert::Certificate;

/// A parsed certificate.
#[derive(Clone)]
pub struct CertInfo {
    /// The certificate as read (DER).
    pub der: Vec<u8>,
    /// Subject name (DER).
    pub subject: Vec<u8>,
    /// Issuer name (DER).
    pub issuer: Vec<u8>,
    /// Serial number as a DER INTEGER (tag, length, value), as PKCS#11 wants it.
    pub serial: Vec<u8>,
    /// The subjectPublicKeyInfo (DER).
    pub spki: Vec<u8>,
    /// RSA modulus, big-endian without leading zeros.
    pub modulus: Vec<u8>,
    /// RSA public exponent, big-endian.
    pub exponent: Vec<u8>,
    /// Modulus length in bits.
    pub bits: usize,
}

// The signature certificate holds personal data: never print it.
impl std::fmt::Debug for CertInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CertInfo({} bytes, RSA-{})", self.der.len(), self.bits)
    }
}

/// Why a certificate could not be used.
#[derive(Debug, PartialEq, Eq)]
pub struct CertError(pub String);

impl CertInfo {
    /// Parse a DER certificate holding an RSA key.
    pub fn parse(der: Vec<u8>) -> Result<CertInfo, CertError> {
        let cert =
            Certificate::from_der(&der).map_err(|e| CertError(format!("certificate: {e}")))?;
        let tbs = &cert.tbs_certificate;
        let enc = |r: der::Result<Vec<u8>>| r.map_err(|e| CertError(format!("encoding: {e}")));
        let subject = enc(tbs.subject.to_der())?;
        let issuer = enc(tbs.issuer.to_der())?;
        let serial = enc(tbs.serial_number.to_der())?;
        let spki = enc(tbs.subject_public_key_info.to_der())?;
        let key = <rsa::RsaPublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_der(&spki)
            .map_err(|e| CertError(format!("not an RSA key: {e}")))?;
        let modulus = key.n().to_bytes_be();
        let exponent = key.e().to_bytes_be();
        let bits = key.n().bits();
        Ok(CertInfo { der, subject, issuer, serial, spki, modulus, exponent, bits })
    }

    /// Length of a signature by this key, in bytes.
    pub fn signature_len(&self) -> usize {
        self.bits.div_ceil(8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_virtual_cards_auth_certificate() {
        let image = mynacard::sim::image::CardImage::default_image();
        let der = image
            .app(&mynacard::facts::AID_JPKI)
            .and_then(|a| a.files.get(&mynacard::facts::jpki::EF_AUTH_CERT))
            .map(|f| f.data.clone())
            .unwrap();
        let c = CertInfo::parse(der.clone()).unwrap();
        assert_eq!(c.bits, 2048);
        assert_eq!(c.signature_len(), 256);
        assert_eq!(c.exponent, [1, 0, 1]);
        assert_eq!(c.serial.first(), Some(&0x02));
        assert!(der.windows(c.subject.len()).any(|w| w == c.subject), "subject as stored");
        assert!(der.windows(c.spki.len()).any(|w| w == c.spki), "spki as stored");
    }

    #[test]
    fn refuses_garbage() {
        assert!(CertInfo::parse(vec![0x30, 0x03, 0x02, 0x01, 0x01]).is_err());
        assert!(CertInfo::parse(Vec::new()).is_err());
    }
}

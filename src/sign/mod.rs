//! The signing layer: DigestInfo construction ([`digest`]), CMS detached SignedData
//! ([`cms`]), and the [`DigestInfoSigner`] trait they are built around. The card's
//! [`Unlocked`] implements it; so does [`SoftwareSigner`], an RSA key
//! in memory that pads like the card (for tests and the virtual PKI).

pub mod cms;
pub mod digest;

use std::io::Read;

use rsa::{Pkcs1v15Sign, RsaPrivateKey};

pub use self::cms::{
    sign_detached, sign_detached_digest, sign_detached_digest_pades, sign_detached_reader, to_pem,
    CmsError, CmsOptions, SignatureAlgorithm,
};
pub use digest::{DigestError, HashAlg};

use crate::card::{CardError, Unlocked};

/// Something that signs a DER DigestInfo with RSA PKCS#1 v1.5 (type-1 padding added by the
/// signer, as the card does).
pub trait DigestInfoSigner {
    /// Why signing failed.
    type Error: std::error::Error + Send + Sync + 'static;
    /// Sign the DigestInfo; returns the raw signature.
    fn sign_digest_info(&mut self, digest_info: &[u8]) -> Result<Vec<u8>, Self::Error>;
}

impl DigestInfoSigner for Unlocked<'_> {
    type Error = CardError;
    fn sign_digest_info(&mut self, digest_info: &[u8]) -> Result<Vec<u8>, CardError> {
        self.sign(digest_info)
    }
}

impl<S: DigestInfoSigner + ?Sized> DigestInfoSigner for &mut S {
    type Error = S::Error;
    fn sign_digest_info(&mut self, digest_info: &[u8]) -> Result<Vec<u8>, S::Error> {
        (**self).sign_digest_info(digest_info)
    }
}

/// An RSA private key in memory that signs DigestInfos like the card: PKCS#1 v1.5 type-1
/// padding of the given bytes, no prefix added.
pub struct SoftwareSigner {
    key: RsaPrivateKey,
    /// How many signatures it made.
    pub count: usize,
}

impl SoftwareSigner {
    /// Wrap a key.
    pub fn new(key: RsaPrivateKey) -> Self {
        SoftwareSigner { key, count: 0 }
    }
}

impl DigestInfoSigner for SoftwareSigner {
    type Error = rsa::Error;
    fn sign_digest_info(&mut self, digest_info: &[u8]) -> Result<Vec<u8>, rsa::Error> {
        self.count += 1;
        self.key.sign(Pkcs1v15Sign::new_unprefixed(), digest_info)
    }
}

/// Why a raw signature could not be made.
#[derive(Debug, thiserror::Error)]
pub enum RawSignError<E: std::error::Error + 'static> {
    /// The signer failed.
    #[error("the signer failed: {0}")]
    Signer(#[source] E),
    /// Reading the content failed.
    #[error("cannot read the content: {0}")]
    Io(#[source] std::io::Error),
    /// The hash algorithm is not signed with.
    #[error(transparent)]
    Digest(DigestError),
}

/// A raw PKCS#1 v1.5 signature over content read from a stream: hash, DigestInfo, sign.
/// `openssl dgst -<hash> -verify PUBKEY -signature SIG FILE` verifies it.
pub fn sign_raw<S: DigestInfoSigner>(
    content: impl Read,
    hash: HashAlg,
    signer: &mut S,
) -> Result<Vec<u8>, RawSignError<S::Error>> {
    // Refused before the content is read.
    hash.digest_info_prefix()
        .ok_or(RawSignError::Digest(DigestError::NotForSigning { alg: hash }))?;
    let digest = hash.digest_reader(content).map_err(RawSignError::Io)?;
    let digest_info = hash.digest_info(&digest).map_err(RawSignError::Digest)?;
    signer.sign_digest_info(&digest_info).map_err(RawSignError::Signer)
}

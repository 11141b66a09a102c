//! The card image: everything a virtual card holds (applications, files, PINs, keys). The
//! on-disk format (a directory with a human-readable `card.json`) is documented in
//! `docs/card-image.md`; this module owns the in-memory form and its loading and saving.

use std::collections::BTreeMap;

use rsa::RsaPrivateKey;
use zeroize::Zeroizing;

/// Who may read an elementary file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    Free,
    /// Only after the PIN in the given EF of the same application was verified.
    Pin(u16),
    /// Never readable (key files).
    Never,
}

/// A transparent elementary file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EfImage {
    /// File contents.
    pub data: Vec<u8>,
    /// Read access rule.
    pub read: Access,
}

/// A PIN object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinImage {
    /// The PIN value (ASCII bytes), zeroized on drop.
    pub value: Zeroizing<Vec<u8>>,
    /// Tries left now.
    pub tries_left: u8,
    /// Tries after a successful VERIFY.
    pub max_tries: u8,
}

/// An RSA private key object and the PIN that unlocks it.
#[derive(Clone, Debug)]
pub struct KeyImage {
    /// The key (RSA-2048 on real cards).
    pub key: RsaPrivateKey,
    /// EF of the PIN that must be verified before signing.
    pub pin: u16,
}

/// One application: selected by AID, holding files, PINs and keys by FID.
#[derive(Clone, Debug)]
pub struct AppImage {
    /// Short name used in the image file ("jpki", "text", "visual", or free).
    pub name: String,
    /// Application identifier.
    pub aid: Vec<u8>,
    /// Transparent files.
    pub files: BTreeMap<u16, EfImage>,
    /// PIN objects.
    pub pins: BTreeMap<u16, PinImage>,
    /// Private keys.
    pub keys: BTreeMap<u16, KeyImage>,
}

/// A whole card.
#[derive(Clone, Debug)]
pub struct CardImage {
    /// Answer to reset (must announce T=1 for vpcd/pcscd).
    pub atr: Vec<u8>,
    /// Applications in the order they are listed.
    pub apps: Vec<AppImage>,
}

impl CardImage {
    /// The application with this AID.
    pub fn app(&self, aid: &[u8]) -> Option<&AppImage> {
        self.apps.iter().find(|a| a.aid == aid)
    }

    /// The application with this AID, mutably.
    pub fn app_mut(&mut self, aid: &[u8]) -> Option<&mut AppImage> {
        self.apps.iter_mut().find(|a| a.aid == aid)
    }
}

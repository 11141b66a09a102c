//! The objects a token shows and their attributes. Each token holds one key pair and its
//! certificates, all read-only token objects; the private key and (on the signature token)
//! the signature certificate and public key are private objects, shown only while the
//! user is logged in on that token. Certificates, public and private keys of one key share
//! `CKA_ID` (auth `01`, signature `02`, as OpenSC's JPKI driver numbers them; the CA
//! certificates `03` and `04`), so NSS, p11-kit and OpenSSL pair them.

use cryptoki_sys::*;

use crate::cert::CertInfo;
use crate::mechanism::MECHANISMS;

/// Which of a card's two tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Token {
    /// The user-authentication token (4-digit PIN).
    Auth,
    /// The signature token (signature password).
    Sign,
}

impl Token {
    /// The token of a slot ID (even: authentication, odd: signature).
    pub fn of_slot(slot: CK_SLOT_ID) -> Token {
        if slot.is_multiple_of(2) {
            Token::Auth
        } else {
            Token::Sign
        }
    }

    /// Index 0 (auth) or 1 (sign).
    pub fn index(self) -> usize {
        match self {
            Token::Auth => 0,
            Token::Sign => 1,
        }
    }

    /// The token label (32 bytes at most, padded with spaces by [`crate::text::padded`]):
    /// Japanese then English. "JPKI 利用者証明用 auth" is 28 bytes of UTF-8,
    /// "JPKI 署名用 signature" 24.
    pub fn label(self) -> &'static str {
        match self {
            Token::Auth => "JPKI 利用者証明用 auth",
            Token::Sign => "JPKI 署名用 signature",
        }
    }

    /// The token model (16 bytes at most).
    pub fn model(self) -> &'static str {
        match self {
            Token::Auth => "JPKI auth",
            Token::Sign => "JPKI sign",
        }
    }
}

/// The kinds of object, in handle order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The key's certificate (auth: public; sign: private).
    Cert,
    /// The CA certificate that issued it (public).
    CaCert,
    /// The public key (auth: public; sign: private).
    PublicKey,
    /// The private key (private).
    PrivateKey,
}

/// All kinds, in handle order.
pub const KINDS: [Kind; 4] = [Kind::Cert, Kind::CaCert, Kind::PublicKey, Kind::PrivateKey];

/// The object handle of `kind` on `slot`: stable while the module is loaded.
pub fn handle(slot: CK_SLOT_ID, kind: Kind) -> CK_OBJECT_HANDLE {
    let k = match kind {
        Kind::Cert => 1,
        Kind::CaCert => 2,
        Kind::PublicKey => 3,
        Kind::PrivateKey => 4,
    };
    slot.saturating_mul(16).saturating_add(k)
}

/// The slot and kind of a handle.
pub fn parse_handle(h: CK_OBJECT_HANDLE) -> Option<(CK_SLOT_ID, Kind)> {
    let kind = match h % 16 {
        1 => Kind::Cert,
        2 => Kind::CaCert,
        3 => Kind::PublicKey,
        4 => Kind::PrivateKey,
        _ => return None,
    };
    Some((h / 16, kind))
}

/// Whether the object is private (visible only while logged in).
pub fn is_private(token: Token, kind: Kind) -> bool {
    match kind {
        Kind::CaCert => false,
        Kind::PrivateKey => true,
        // The signature certificate holds personal data and the card gives it out only after
        // the signature password (docs/card-facts.md §7); its public key comes from it.
        Kind::Cert | Kind::PublicKey => token == Token::Sign,
    }
}

/// What an object's attributes are built from.
pub struct View<'a> {
    /// The token.
    pub token: Token,
    /// The key's certificate, when known (the signature certificate only after login).
    pub cert: Option<&'a CertInfo>,
    /// The CA certificate.
    pub ca: Option<&'a CertInfo>,
    /// Key size in bits for `CKA_MODULUS_BITS` when no certificate tells it.
    pub fallback_bits: usize,
}

fn ulong(v: CK_ULONG) -> Vec<u8> {
    v.to_ne_bytes().to_vec()
}

fn bool_(v: bool) -> Vec<u8> {
    vec![if v { CK_TRUE } else { CK_FALSE }]
}

fn key_id(token: Token) -> Vec<u8> {
    match token {
        Token::Auth => vec![0x01],
        Token::Sign => vec![0x02],
    }
}

fn ca_id(token: Token) -> Vec<u8> {
    match token {
        Token::Auth => vec![0x03],
        Token::Sign => vec![0x04],
    }
}

/// Object labels: the key's and its certificate's are the same (Japanese and English).
fn key_label(token: Token) -> &'static str {
    match token {
        Token::Auth => "利用者証明用 JPKI authentication",
        Token::Sign => "署名用 JPKI signature",
    }
}

fn ca_label(token: Token) -> &'static str {
    match token {
        Token::Auth => "利用者証明用CA JPKI authentication CA",
        Token::Sign => "署名用CA JPKI signature CA",
    }
}

fn cert_attrs(c: &CertInfo, id: Vec<u8>, label: &str, category: CK_ULONG, private: bool) -> Attrs {
    vec![
        (CKA_CLASS, ulong(CKO_CERTIFICATE)),
        (CKA_TOKEN, bool_(true)),
        (CKA_PRIVATE, bool_(private)),
        (CKA_MODIFIABLE, bool_(false)),
        (CKA_COPYABLE, bool_(false)),
        (CKA_DESTROYABLE, bool_(false)),
        (CKA_LABEL, label.as_bytes().to_vec()),
        (CKA_CERTIFICATE_TYPE, ulong(CKC_X_509)),
        (CKA_TRUSTED, bool_(false)),
        (CKA_CERTIFICATE_CATEGORY, ulong(category)),
        (CKA_ID, id),
        (CKA_SUBJECT, c.subject.clone()),
        (CKA_ISSUER, c.issuer.clone()),
        (CKA_SERIAL_NUMBER, c.serial.clone()),
        (CKA_VALUE, c.der.clone()),
        (CKA_URL, Vec::new()),
        (CKA_JAVA_MIDP_SECURITY_DOMAIN, ulong(0)),
        (CKA_PUBLIC_KEY_INFO, c.spki.clone()),
    ]
}

/// Attribute type and value pairs.
pub type Attrs = Vec<(CK_ATTRIBUTE_TYPE, Vec<u8>)>;

fn mechanisms_value() -> Vec<u8> {
    MECHANISMS.iter().flat_map(|m| m.to_ne_bytes()).collect()
}

/// The attributes of an object, or `None` when the object does not exist in this view
/// (its certificate is not known).
pub fn attributes(kind: Kind, v: &View<'_>) -> Option<Attrs> {
    let token = v.token;
    let private = is_private(token, kind);
    match kind {
        Kind::Cert => v.cert.map(|c| cert_attrs(c, key_id(token), key_label(token), 1, private)),
        Kind::CaCert => v.ca.map(|c| cert_attrs(c, ca_id(token), ca_label(token), 2, false)),
        Kind::PublicKey | Kind::PrivateKey => {
            let c = v.cert?;
            let bits = if c.bits == 0 { v.fallback_bits } else { c.bits };
            let bits = CK_ULONG::try_from(bits).unwrap_or(0);
            let public = kind == Kind::PublicKey;
            let mut a = vec![
                (CKA_CLASS, ulong(if public { CKO_PUBLIC_KEY } else { CKO_PRIVATE_KEY })),
                (CKA_KEY_TYPE, ulong(CKK_RSA)),
                (CKA_TOKEN, bool_(true)),
                (CKA_PRIVATE, bool_(private)),
                (CKA_MODIFIABLE, bool_(false)),
                (CKA_COPYABLE, bool_(false)),
                (CKA_DESTROYABLE, bool_(false)),
                (CKA_LABEL, key_label(token).as_bytes().to_vec()),
                (CKA_ID, key_id(token)),
                (CKA_SUBJECT, c.subject.clone()),
                // Where the key was made is not known to us: not claimed.
                (CKA_LOCAL, bool_(false)),
                (CKA_DERIVE, bool_(false)),
                (CKA_MODULUS, c.modulus.clone()),
                (CKA_MODULUS_BITS, ulong(bits)),
                (CKA_PUBLIC_EXPONENT, c.exponent.clone()),
                (CKA_PUBLIC_KEY_INFO, c.spki.clone()),
                (CKA_START_DATE, Vec::new()),
                (CKA_END_DATE, Vec::new()),
            ];
            if public {
                a.extend([
                    (CKA_ENCRYPT, bool_(false)),
                    (CKA_VERIFY, bool_(true)),
                    (CKA_VERIFY_RECOVER, bool_(false)),
                    (CKA_WRAP, bool_(false)),
                    (CKA_TRUSTED, bool_(false)),
                ]);
            } else {
                a.extend([
                    (CKA_SENSITIVE, bool_(true)),
                    (CKA_ALWAYS_SENSITIVE, bool_(true)),
                    (CKA_EXTRACTABLE, bool_(false)),
                    (CKA_NEVER_EXTRACTABLE, bool_(true)),
                    (CKA_DECRYPT, bool_(false)),
                    (CKA_SIGN, bool_(true)),
                    (CKA_SIGN_RECOVER, bool_(false)),
                    (CKA_UNWRAP, bool_(false)),
                    (CKA_WRAP_WITH_TRUSTED, bool_(false)),
                    // The signature key is a non-repudiation key: a context-specific login
                    // before each signature.
                    (CKA_ALWAYS_AUTHENTICATE, bool_(token == Token::Sign)),
                    (CKA_ALLOWED_MECHANISMS, mechanisms_value()),
                ]);
            }
            Some(a)
        }
    }
}

/// The attributes a private key hides: asked for, they answer `CKR_ATTRIBUTE_SENSITIVE`.
pub const SENSITIVE: [CK_ATTRIBUTE_TYPE; 6] = [
    CKA_PRIVATE_EXPONENT,
    CKA_PRIME_1,
    CKA_PRIME_2,
    CKA_EXPONENT_1,
    CKA_EXPONENT_2,
    CKA_COEFFICIENT,
];

/// Whether `attrs` matches every (type, value) of `template`.
pub fn matches(attrs: &Attrs, template: &Attrs) -> bool {
    template.iter().all(|(t, want)| attrs.iter().any(|(at, v)| at == t && v == want))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_fit_32_bytes() {
        for t in [Token::Auth, Token::Sign] {
            assert!(t.label().len() <= 32, "{} is {} bytes", t.label(), t.label().len());
            assert!(t.model().len() <= 16);
        }
        assert_eq!(Token::Auth.label().len(), 28);
        assert_eq!(Token::Sign.label().len(), 24);
    }

    #[test]
    fn handles_round_trip() {
        for slot in [0, 1, 6, 7] {
            for k in KINDS {
                assert_eq!(parse_handle(handle(slot, k)), Some((slot, k)));
            }
        }
        assert_eq!(parse_handle(0), None);
        assert_eq!(parse_handle(16 + 5), None);
        assert_eq!(Token::of_slot(4), Token::Auth);
        assert_eq!(Token::of_slot(5), Token::Sign);
    }

    #[test]
    fn privacy_of_objects() {
        assert!(!is_private(Token::Auth, Kind::Cert));
        assert!(!is_private(Token::Auth, Kind::PublicKey));
        assert!(is_private(Token::Auth, Kind::PrivateKey));
        assert!(is_private(Token::Sign, Kind::Cert));
        assert!(is_private(Token::Sign, Kind::PublicKey));
        assert!(!is_private(Token::Sign, Kind::CaCert));
    }

    #[test]
    fn template_matching() {
        let attrs: Attrs = vec![(CKA_CLASS, ulong(CKO_CERTIFICATE)), (CKA_ID, vec![1])];
        assert!(matches(&attrs, &vec![]));
        assert!(matches(&attrs, &vec![(CKA_ID, vec![1])]));
        assert!(!matches(&attrs, &vec![(CKA_ID, vec![2])]));
        assert!(!matches(&attrs, &vec![(CKA_LABEL, vec![])]));
    }
}

//! Card-data authenticity: are the text application's and the card-face application's
//! records what J-LIS (through the municipality) signed? Each application holds a
//! card-verifiable certificate (EF 0004) issued by a CA key named by its 証明者鍵ID; the
//! certified key signs the application's records. The check is: CA key trusted (embedded
//! production keys always; the JPKI test keys only on request; other keys only when the
//! caller loads them explicitly) → CVC signature → every record signature → the hashes of
//! the integrity record match the data read. Knows nothing of cards: it takes the bytes.
//!
//! Facts (formats in `src/carddata/`, sources in `docs/card-facts.md` §2–§4): the six CA keys below
//! were transcribed from one source (the myna-card crate); the three test keys were checked
//! against signatures on a real JPKI test card, the three production keys only against their
//! transcription (their SHA-256 is pinned in a test). Which key certifies which application
//! is in the key ID: `x000020` the MF chain, `x000023` the card-face application, `x000033`
//! the text application.
//!
//! Verdicts: [`Verdict::Genuine`] when every check passed; [`Verdict::Forged`] when a
//! signature or hash fails or the signed data is malformed (a real card's data never is);
//! [`Verdict::Unknown`] when the CVC's CA key is not trusted, so nothing can be said.

use std::path::Path;

use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::carddata::cvc::{Cvc, KeyId, RsaKeyRecord, KEY_ID_LEN};
use crate::carddata::records::{
    self, BirthRecord, CardKeyRecord, FaceRecord, MyNumberImageRecord, SignedMessage, SignedPart,
    TextIntegrity,
};

/// What the check concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every signature and hash checked out up to a trusted CA key.
    Genuine,
    /// A signature or hash failed, or signed data was malformed.
    Forged,
    /// The CA key that certified the application's key is not trusted.
    Unknown,
}

impl Verdict {
    /// `genuine`, `forged` or `unknown`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Genuine => "genuine",
            Verdict::Forged => "forged",
            Verdict::Unknown => "unknown",
        }
    }
}

/// Which application's data is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum App {
    /// The text application (券面事項入力補助AP): CA key `x000033`.
    Text,
    /// The card-face application (券面事項確認AP): CA key `x000023`.
    Face,
}

impl App {
    /// Digits 2–7 of the key ID of the CA key that certifies this application's keys.
    fn ca_role(self) -> &'static [u8; 6] {
        match self {
            App::Text => b"000033",
            App::Face => b"000023",
        }
    }
}

/// Where a trusted CA key came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaSource {
    /// Embedded J-LIS production key.
    Production,
    /// Embedded JPKI test key (`--hierarchy test`).
    Test,
    /// Loaded from a file the user named.
    File(String),
}

/// A CA public key trusted for CVCs.
#[derive(Clone, Debug)]
pub struct CaKey {
    /// Its 16-byte key ID.
    pub id: KeyId,
    /// The key.
    pub key: RsaKeyRecord,
    /// Where it came from.
    pub source: CaSource,
}

/// Embedded CA keys: printable ID parts, last ID byte, modulus (hex), SHA-256 of the modulus.
const EMBEDDED: [(&str, u8, &str, bool); 6] = [
    ("5000020", 0xA8, include_str!("cvc_ca/5000020.hex"), false),
    ("5000023", 0x00, include_str!("cvc_ca/5000023.hex"), false),
    ("5000033", 0x00, include_str!("cvc_ca/5000033.hex"), false),
    ("6000020", 0xA8, include_str!("cvc_ca/6000020.hex"), true),
    ("6000023", 0x00, include_str!("cvc_ca/6000023.hex"), true),
    ("6000033", 0x00, include_str!("cvc_ca/6000033.hex"), true),
];

/// Why a CA key file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CaKeyError {
    /// The file cannot be read.
    #[error("cannot read the CVC CA key {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is neither a CVC nor a key ID followed by a key record.
    #[error(
        "{path} is not a CVC CA key: expected a card-verifiable certificate (7F21) or a \
         16-byte key ID followed by a key record (90 … 91 …): {why}"
    )]
    Format {
        /// The file.
        path: String,
        /// What was wrong.
        why: String,
    },
}

/// Largest CA key file read (a CVC is 568 bytes).
const MAX_CA_FILE: u64 = 16 * 1024;

/// The CA keys trusted for CVCs.
#[derive(Clone, Debug)]
pub struct CvcTrust {
    keys: Vec<CaKey>,
}

impl CvcTrust {
    /// The production keys, plus the JPKI test keys when `test_hierarchy`.
    pub fn new(test_hierarchy: bool) -> Self {
        let keys = EMBEDDED
            .iter()
            .filter(|(_, _, _, test)| test_hierarchy || !test)
            .filter_map(|(number, last, modulus, test)| {
                Some(CaKey {
                    id: KeyId::from_parts(number, "001", *last)?,
                    key: RsaKeyRecord {
                        exponent: vec![1, 0, 1],
                        modulus: hex::decode(modulus.trim()).ok()?,
                    },
                    source: if *test { CaSource::Test } else { CaSource::Production },
                })
            })
            .collect();
        CvcTrust { keys }
    }

    /// Trust one more key.
    pub fn add(&mut self, key: CaKey) {
        self.keys.push(key);
    }

    /// Trust the key in `path`: a CVC (its subject key ID and key; a CA's own self-signed
    /// certificate) or 16 bytes of key ID followed by a key record.
    pub fn add_file(&mut self, path: &Path) -> Result<KeyId, CaKeyError> {
        use std::io::Read;
        let shown = path.display().to_string();
        let read_err = |source| CaKeyError::Read { path: shown.clone(), source };
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .map_err(read_err)?
            .take(MAX_CA_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(read_err)?;
        let format = |why: String| CaKeyError::Format { path: shown.clone(), why };
        if bytes.len() as u64 > MAX_CA_FILE {
            return Err(format(format!("larger than {MAX_CA_FILE} bytes")));
        }
        let (id, key) = if bytes.starts_with(&[0x7F, 0x21]) {
            let cvc = Cvc::parse(&bytes).map_err(|e| format(e.to_string()))?;
            (cvc.subject, cvc.key)
        } else {
            let (id, rest) = bytes
                .split_at_checked(KEY_ID_LEN)
                .ok_or_else(|| format(format!("only {} bytes", bytes.len())))?;
            let id = KeyId::from_slice(id).ok_or_else(|| format("no key ID".into()))?;
            (id, RsaKeyRecord::parse(rest).map_err(|e| format(e.to_string()))?)
        };
        self.add(CaKey { id, key, source: CaSource::File(shown.clone()) });
        Ok(id)
    }

    /// The trusted keys.
    pub fn keys(&self) -> &[CaKey] {
        &self.keys
    }

    fn find(&self, id: &KeyId) -> Option<&CaKey> {
        self.keys.iter().find(|k| k.id == *id)
    }
}

/// The outcome, with what was checked. Holds no personal data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Authenticity {
    /// The verdict.
    pub verdict: Verdict,
    /// The application.
    pub app: App,
    /// The CVC's 証明者鍵ID (the CA key), when the CVC could be read.
    #[serde(serialize_with = "ser_key_id")]
    pub ca_key: Option<KeyId>,
    /// Where the CA key came from, when it was trusted.
    pub ca_source: Option<CaSource>,
    /// The CVC's 被証明者鍵ID (the municipality key that signed the records).
    #[serde(serialize_with = "ser_key_id")]
    pub signer_key: Option<KeyId>,
    /// The records whose signatures verified.
    pub verified: Vec<&'static str>,
    /// One sentence: why the verdict.
    pub detail: String,
}

fn ser_key_id<S: serde::Serializer>(id: &Option<KeyId>, s: S) -> Result<S::Ok, S::Error> {
    match id {
        Some(id) => s.serialize_str(&id.to_string()),
        None => s.serialize_none(),
    }
}

fn public_key(k: &RsaKeyRecord) -> Option<RsaPublicKey> {
    RsaPublicKey::new(BigUint::from_bytes_be(&k.modulus), BigUint::from_bytes_be(&k.exponent)).ok()
}

fn signature_ok(key: &RsaPublicKey, part: &SignedPart) -> bool {
    match &part.message {
        SignedMessage::Sha256(m) => {
            let digest = Sha256::digest(m.as_slice());
            key.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &part.signature).is_ok()
        }
        SignedMessage::DigestInfo(d) => {
            key.verify(Pkcs1v15Sign::new_unprefixed(), d, &part.signature).is_ok()
        }
    }
}

/// Check the signed parts of `app`'s records under the CVC in `cvc` (its EF 0004).
/// `parts` come from the record parsers, or an error naming the malformed record.
pub fn check(
    app: App,
    cvc: &[u8],
    parts: Result<Vec<SignedPart>, String>,
    trust: &CvcTrust,
) -> Authenticity {
    let mut a = Authenticity {
        verdict: Verdict::Forged,
        app,
        ca_key: None,
        ca_source: None,
        signer_key: None,
        verified: Vec::new(),
        detail: String::new(),
    };
    let cvc = match Cvc::parse(cvc) {
        Ok(c) => c,
        Err(e) => {
            a.detail = format!("the application's certificate (EF 0004) is malformed: {e}");
            return a;
        }
    };
    a.ca_key = Some(cvc.issuer);
    a.signer_key = Some(cvc.subject);
    let Some(ca) = trust.find(&cvc.issuer) else {
        a.verdict = Verdict::Unknown;
        a.detail = format!(
            "the certificate is issued by CA key {} which is not trusted{}",
            cvc.issuer,
            match cvc.issuer.hierarchy() {
                crate::carddata::cvc::Hierarchy::Test => " (a JPKI test key: --hierarchy test)",
                crate::carddata::cvc::Hierarchy::Production => "",
                crate::carddata::cvc::Hierarchy::Other => " (name its key with --cvc-ca FILE)",
            }
        );
        return a;
    };
    if cvc.issuer.0.get(1..7) != Some(app.ca_role().as_slice()) {
        a.verdict = Verdict::Unknown;
        a.detail = format!(
            "CA key {} does not certify this application's keys (expected x{}/…)",
            cvc.issuer,
            String::from_utf8_lossy(app.ca_role())
        );
        return a;
    }
    a.ca_source = Some(ca.source.clone());
    let Some(ca_key) = public_key(&ca.key) else {
        a.verdict = Verdict::Unknown;
        a.detail = format!("the trusted CA key {} is not a usable RSA key", cvc.issuer);
        return a;
    };
    let body_digest = Sha256::digest(&cvc.body);
    if ca_key.verify(Pkcs1v15Sign::new::<Sha256>(), &body_digest, &cvc.signature).is_err() {
        a.detail = format!("the application's certificate is not signed by CA key {}", cvc.issuer);
        return a;
    }
    a.verified.push("application certificate (EF 0004)");
    let Some(signer) = public_key(&cvc.key) else {
        a.detail = "the certified key is not a usable RSA key".into();
        return a;
    };
    let parts = match parts {
        Ok(p) => p,
        Err(why) => {
            a.detail = why;
            return a;
        }
    };
    for part in &parts {
        if !signature_ok(&signer, part) {
            a.detail = format!("the signature of the {} does not verify", part.record);
            return a;
        }
        a.verified.push(part.record);
    }
    a.verdict = Verdict::Genuine;
    a.detail = format!("signed by {} under CA key {}", cvc.subject, cvc.issuer);
    a
}

/// The text application: the integrity record (EF 0003) signed under the CVC (EF 0004),
/// its h1 equal to SHA-256 of the physical My Number file (EF 0001, all 17 bytes) and its
/// h2 equal to SHA-256 of the attributes (EF 0002); the card-key record (EF 0007) too when
/// given.
pub fn check_text(
    cvc: &[u8],
    integrity: &[u8],
    my_number_file: Option<&[u8]>,
    attributes_file: Option<&[u8]>,
    card_key: Option<&[u8]>,
    trust: &CvcTrust,
) -> Authenticity {
    let parts = (|| {
        let rec = TextIntegrity::parse(integrity).map_err(|e| e.to_string())?;
        if let Some(f) = my_number_file {
            if rec.h1 != records::text_h1(f) {
                return Err("the My Number does not match the integrity record (h1)".to_string());
            }
        }
        if let Some(f) = attributes_file {
            let h2 = records::text_h2(f).map_err(|e| e.to_string())?;
            if rec.h2 != h2 {
                return Err(
                    "name, address, birth date or sex do not match the integrity record (h2)"
                        .to_string(),
                );
            }
        }
        let mut parts = vec![rec.signed];
        if let Some(k) = card_key {
            parts.push(CardKeyRecord::parse(k).map_err(|e| e.to_string())?.signed);
        }
        Ok(parts)
    })();
    check(App::Text, cvc, parts, trust)
}

/// The card face (EF 0002) and, when read with 照合番号A, the My Number image (EF 0005).
pub fn check_face(
    cvc: &[u8],
    face: &[u8],
    my_number_image: Option<&[u8]>,
    trust: &CvcTrust,
) -> Authenticity {
    let parts = (|| {
        let mut parts = vec![FaceRecord::parse(face).map_err(|e| e.to_string())?.signed];
        if let Some(m) = my_number_image {
            parts.push(MyNumberImageRecord::parse(m).map_err(|e| e.to_string())?.signed);
        }
        Ok(parts)
    })();
    check(App::Face, cvc, parts, trust)
}

/// The birth record (card-face EF 0001) the age check relies on.
pub fn check_age(cvc: &[u8], birth_record: &[u8], trust: &CvcTrust) -> Authenticity {
    let parts = BirthRecord::parse(birth_record).map(|r| vec![r.signed]).map_err(|e| e.to_string());
    check(App::Face, cvc, parts, trust)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carddata::records::FaceFields;
    use rsa::traits::PublicKeyParts;
    use rsa::RsaPrivateKey;
    use std::sync::OnceLock;

    /// Two CA keys and one signer key, generated once (RSA-2048 keys are slow to make).
    fn keys() -> &'static [RsaPrivateKey; 3] {
        static K: OnceLock<[RsaPrivateKey; 3]> = OnceLock::new();
        K.get_or_init(|| {
            use rand::SeedableRng;
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
            [(); 3].map(|_| RsaPrivateKey::new(&mut rng, 2048).unwrap())
        })
    }

    fn record(k: &RsaPrivateKey) -> RsaKeyRecord {
        RsaKeyRecord { exponent: k.e().to_bytes_be(), modulus: k.n().to_bytes_be() }
    }

    fn sign(k: &RsaPrivateKey, m: &[u8]) -> Vec<u8> {
        k.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(m)).unwrap()
    }

    struct Fixture {
        trust: CvcTrust,
        text_cvc: Vec<u8>,
        face_cvc: Vec<u8>,
    }

    fn fixture() -> Fixture {
        let [text_ca, face_ca, signer] = keys();
        let text_ca_id = KeyId::from_parts("9000033", "001", 0).unwrap();
        let face_ca_id = KeyId::from_parts("9000023", "001", 0).unwrap();
        let signer_id = KeyId::from_parts("9322100", "000", 0).unwrap();
        let make = |ca: &RsaPrivateKey, ca_id: &KeyId| {
            let body = Cvc::body_for(ca_id, &signer_id, &record(signer));
            Cvc::from_body(&body, &sign(ca, &body)).unwrap().encode()
        };
        let mut trust = CvcTrust::new(false);
        for (k, id) in [(text_ca, text_ca_id), (face_ca, face_ca_id)] {
            trust.add(CaKey { id, key: record(k), source: CaSource::File("test".into()) });
        }
        Fixture {
            trust,
            text_cvc: make(text_ca, &text_ca_id),
            face_cvc: make(face_ca, &face_ca_id),
        }
    }

    #[test]
    fn embedded_keys_are_the_transcribed_ones() {
        // SHA-256 of each modulus as the transcription gives it (docs/card-facts.md §4).
        let pinned = [
            "318ab4a79346bbd993d36d31a4d766f02a239f36b10bc323458242130f927a97",
            "bb96cc1dc6502005661961f0a45ed843d007c69e3ce167eceb6b1abd5333a932",
            "409655d477547d83cbe182385acb1ea83c9828eb6e5b8bba90957c339b5f30f7",
            "218018727ce0d4955b0b40f468eb131d5e8375ee4a2aa58dabda524b19d29a39",
            "df70444dbe6841ec03267c25cf1bd35ff30ef8044da34ff5eedd0719e6f14530",
            "690db1b2d7b9994764a81982bc1e4cd76d9e92d0a33a895b2e71a0be8356f1ae",
        ];
        let all = CvcTrust::new(true);
        assert_eq!(all.keys().len(), 6);
        for (k, pin) in all.keys().iter().zip(pinned) {
            assert_eq!(k.key.modulus.len(), 256);
            assert_eq!(hex::encode(Sha256::digest(&k.key.modulus)), pin, "{}", k.id);
            assert!(public_key(&k.key).is_some());
        }
        let prod = CvcTrust::new(false);
        assert_eq!(prod.keys().len(), 3);
        assert!(prod.keys().iter().all(|k| k.source == CaSource::Production));
        assert_eq!(hex::encode_upper(prod.keys()[0].id.0), "353030303032300805303031000000A8");
    }

    fn text_files(signer: &RsaPrivateKey) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let mn = records::build_my_number_file("123456789018");
        let attrs = records::build_text_attributes("山田　花子", "東京都", "19800217", "2");
        let (h1, h2) = (records::text_h1(&mn), records::text_h2(&attrs).unwrap());
        let integ =
            TextIntegrity::build(&h1, &h2, &sign(signer, &TextIntegrity::message(&h1, &h2)));
        (mn, attrs, integ)
    }

    #[test]
    fn text_genuine_forged_and_unknown() {
        let f = fixture();
        let signer = &keys()[2];
        let (mn, attrs, integ) = text_files(signer);
        let ok = check_text(&f.text_cvc, &integ, Some(&mn), Some(&attrs), None, &f.trust);
        assert_eq!(ok.verdict, Verdict::Genuine, "{}", ok.detail);
        assert_eq!(ok.verified.len(), 2);
        assert_eq!(ok.ca_key.unwrap().to_string(), "9000033/001");

        // Each signed field changed: forged.
        let other = records::build_text_attributes("山田　花夫", "東京都", "19800217", "2");
        let a = check_text(&f.text_cvc, &integ, Some(&mn), Some(&other), None, &f.trust);
        assert_eq!(a.verdict, Verdict::Forged);
        assert!(a.detail.contains("h2"), "{}", a.detail);
        let mn2 = records::build_my_number_file("123456789020");
        let a = check_text(&f.text_cvc, &integ, Some(&mn2), Some(&attrs), None, &f.trust);
        assert!(a.verdict == Verdict::Forged && a.detail.contains("h1"), "{}", a.detail);
        let mut bad_sig = integ.clone();
        *bad_sig.last_mut().unwrap() ^= 1;
        let a = check_text(&f.text_cvc, &bad_sig, Some(&mn), Some(&attrs), None, &f.trust);
        assert!(a.verdict == Verdict::Forged && a.detail.contains("EF 0003"), "{}", a.detail);
        let mut bad_cvc = f.text_cvc.clone();
        bad_cvc[40] ^= 1;
        let a = check_text(&bad_cvc, &integ, Some(&mn), Some(&attrs), None, &f.trust);
        assert!(
            a.verdict == Verdict::Forged && a.detail.contains("not signed by CA"),
            "{}",
            a.detail
        );
        let a = check_text(&f.text_cvc[..100], &integ, None, None, None, &f.trust);
        assert!(a.verdict == Verdict::Forged && a.detail.contains("malformed"), "{}", a.detail);
        let a = check_text(&f.text_cvc, &integ[..50], None, None, None, &f.trust);
        assert_eq!(a.verdict, Verdict::Forged);

        // The offsets (DF21) are not covered: changing them keeps the verdict.
        let mut shifted = attrs.clone();
        let o = crate::tlv::first(&attrs).unwrap();
        let df21_value_at = o.raw.len() - o.value.len() + 3;
        shifted[df21_value_at] ^= 0x01;
        let a = check_text(&f.text_cvc, &integ, Some(&mn), Some(&shifted), None, &f.trust);
        assert_eq!(a.verdict, Verdict::Genuine, "{}", a.detail);

        // CA key not trusted: unknown, with the hint for our own hierarchy.
        let a =
            check_text(&f.text_cvc, &integ, Some(&mn), Some(&attrs), None, &CvcTrust::new(true));
        assert_eq!(a.verdict, Verdict::Unknown);
        assert!(a.detail.contains("--cvc-ca"), "{}", a.detail);
        // The face CA key does not certify the text application.
        let a = check_text(&f.face_cvc, &integ, Some(&mn), Some(&attrs), None, &f.trust);
        assert!(a.verdict == Verdict::Unknown && a.detail.contains("x000033"), "{}", a.detail);
    }

    #[test]
    fn face_and_age() {
        let f = fixture();
        let signer = &keys()[2];
        let card_key = record(&keys()[0]).encode();
        let v = FaceFields {
            birth: "19800217",
            sex: "2",
            card_key: &card_key,
            name_png: b"\x89PNG name",
            address_png: b"\x89PNG address",
            photo: b"\0\0\0\x0cjP  photo",
            expiry: "20351231",
            security_code_png: b"\x89PNG code",
        };
        let di = FaceRecord::digest_info(&v);
        let sig = signer.sign(Pkcs1v15Sign::new_unprefixed(), &di).unwrap();
        let face = FaceRecord::build(&v, &sig);
        assert_eq!(check_face(&f.face_cvc, &face, None, &f.trust).verdict, Verdict::Genuine);
        // Unsigned fields: expiry and the security-code image.
        let unsigned = FaceRecord::build(
            &FaceFields { expiry: "20401231", security_code_png: b"other", ..v },
            &sig,
        );
        assert_eq!(check_face(&f.face_cvc, &unsigned, None, &f.trust).verdict, Verdict::Genuine);
        for changed in [
            FaceFields { birth: "19800218", ..v },
            FaceFields { sex: "1", ..v },
            FaceFields { name_png: b"x", ..v },
            FaceFields { address_png: b"x", ..v },
            FaceFields { photo: b"x", ..v },
        ] {
            let forged = FaceRecord::build(&changed, &sig);
            let a = check_face(&f.face_cvc, &forged, None, &f.trust);
            assert_eq!(a.verdict, Verdict::Forged, "{}", a.detail);
        }
        let img = MyNumberImageRecord::build(
            b"png",
            &card_key,
            &sign(signer, &MyNumberImageRecord::message(b"png", &card_key)),
        );
        let a = check_face(&f.face_cvc, &face, Some(&img), &f.trust);
        assert_eq!((a.verdict, a.verified.len()), (Verdict::Genuine, 3));
        let forged_img = MyNumberImageRecord::build(b"pnh", &card_key, &img[img.len() - 256..]);
        let a = check_face(&f.face_cvc, &face, Some(&forged_img), &f.trust);
        assert!(a.verdict == Verdict::Forged && a.detail.contains("EF 0005"), "{}", a.detail);

        let birth = BirthRecord::build(
            "19800217",
            &card_key,
            &sign(signer, &BirthRecord::message("19800217", &card_key)),
        );
        assert_eq!(check_age(&f.face_cvc, &birth, &f.trust).verdict, Verdict::Genuine);
        let older = BirthRecord::build("19700217", &card_key, &birth[birth.len() - 256..]);
        assert_eq!(check_age(&f.face_cvc, &older, &f.trust).verdict, Verdict::Forged);
        let json = serde_json::to_value(check_age(&f.face_cvc, &birth, &f.trust)).unwrap();
        assert_eq!(json["verdict"], "genuine");
        assert_eq!(json["ca_key"], "9000023/001");
        assert!(!json.to_string().contains("1980"));
    }

    #[test]
    fn ca_key_files() {
        let f = fixture();
        let dir = tempfile::tempdir().unwrap();
        let [text_ca, ..] = keys();
        let id = KeyId::from_parts("9000033", "001", 0).unwrap();
        // A self-signed CVC of the CA key, and the plain ID ‖ key record form.
        let body = Cvc::body_for(&id, &id, &record(text_ca));
        let cvc_file = dir.path().join("ca.cvc");
        std::fs::write(&cvc_file, Cvc::from_body(&body, &sign(text_ca, &body)).unwrap().encode())
            .unwrap();
        let raw_file = dir.path().join("ca.key");
        std::fs::write(&raw_file, [id.0.to_vec(), record(text_ca).encode()].concat()).unwrap();
        let (mn, attrs, integ) = text_files(&keys()[2]);
        for file in [&cvc_file, &raw_file] {
            let mut t = CvcTrust::new(false);
            assert_eq!(t.add_file(file).unwrap(), id);
            let a = check_text(&f.text_cvc, &integ, Some(&mn), Some(&attrs), None, &t);
            assert_eq!(a.verdict, Verdict::Genuine, "{}", a.detail);
            assert!(matches!(a.ca_source, Some(CaSource::File(_))));
        }
        let mut t = CvcTrust::new(false);
        assert!(matches!(t.add_file(&dir.path().join("none")), Err(CaKeyError::Read { .. })));
        std::fs::write(dir.path().join("short"), [1, 2, 3]).unwrap();
        let e = t.add_file(&dir.path().join("short")).unwrap_err();
        assert!(matches!(e, CaKeyError::Format { .. }) && e.to_string().contains("3 bytes"));
        std::fs::write(dir.path().join("big"), vec![0u8; 20_000]).unwrap();
        assert!(t.add_file(&dir.path().join("big")).unwrap_err().to_string().contains("larger"));
        std::fs::write(dir.path().join("badcvc"), [0x7F, 0x21, 0x01, 0x00]).unwrap();
        assert!(matches!(t.add_file(&dir.path().join("badcvc")), Err(CaKeyError::Format { .. })));
    }
}

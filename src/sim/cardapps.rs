//! The whole virtual My Number Card: the JPKI application of [`image::jpki_card_image`]
//! plus the text application (券面事項入力補助AP) with its integrity record, certificate,
//! key files and 照合番号 PIN objects, the card-face application (券面事項確認AP) with the
//! card face, its images and the three data signatures, the common application (共通AP), and
//! the MF's GET DATA objects, all signed by the virtual card's own CVC hierarchy
//! ([`crate::sim::cvc`]). `docs/card-image.md` lists every file with its access rule.
//!
//! Card facts used here (sources: the myna-card crate, jpki/myna, jsapdu; the signed parts
//! recomputed on a real JPKI test card):
//! - text EF 0001 is readable after the text PIN (0011) or 照合番号A (0014); EF 0002 after the
//!   PIN or 照合番号B (0015), not A; EF 0003, 0006, 0007 after any of the three; EF 0004,
//!   0005 free. EF 0003's DF33 and EF 0007's DF52 are PKCS1-SHA256 by the municipality key
//!   certified in EF 0004. PIN 0012 is blocked as issued (one source).
//! - card-face EF 0001 opens with the 生年月日 key (0011), EF 0002 and 0006 with 照合番号A
//!   (0013) or B (0012), EF 0005 with A only, EF 0003 and 0004 free. 照合番号B allows 10
//!   tries (two sources); the other counts are not established: we use 10 for 照合番号A and
//!   the 生年月日 key too.
//! - The card keys (text 0013, card-face 001A) sign `80 2A 00 00` without a credential (one
//!   source). Signing with them after selecting the key EF is our own choice (the text PIN,
//!   resp. 照合番号A, must be verified): no source describes it.
//! - MF GET DATA (one source): 00F8 = `4D 0A` extended header list then the CVC contents
//!   without `7F21`, 7F21 = contents of the next CVC, 00F7 = intermediate key ID. The formats
//!   of 0045 (card number), 00F0 (municipality) and 00F2 (expiry) are not established: we
//!   answer the ASCII of the serial, the municipality code and `YYYYMMDD`.

use std::collections::BTreeMap;

use zeroize::Zeroizing;

use crate::carddata::records::{
    self, BirthRecord, CardKeyRecord, FaceFields, FaceRecord, MyNumberImageRecord, TextIntegrity,
};
use crate::facts;
use crate::sim::cvc::{self, ids, CvcPki};
use crate::sim::image::{self, Access, AppImage, CardImage, EfImage, KeyImage, PinImage};
use crate::sim::pki::{self, Holder, PkiError, SimPki};
use crate::sim::png;
use crate::tlv;

/// The face photo of every generated card: a 48×60 grey JPEG 2000 (JP2) picture made once
/// with OpenJPEG's `opj_compress` from the PGM that `src/sim/assets/face_pgm.py` writes
/// (`python3 face_pgm.py && opj_compress -i face.pgm -o face.jp2`); committed so that
/// generation needs no encoder and stays byte-reproducible.
pub const FACE_JP2: &[u8] = include_bytes!("assets/face.jp2");

/// Which device the image pretends to be.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Token {
    /// A My Number Card (`JPKIAPICCTOKEN2`).
    #[default]
    Card,
    /// JPKI on an Android phone (`JPKIAPGPSETOKEN`): the authentication certificate
    /// (EF 000A) is readable only after the authentication PIN (one source: jpki/myna).
    Android,
}

/// Tries of the 照合番号 PIN objects and the 生年月日 key (see the module docs).
pub const CODE_TRIES: u8 = facts::visual::CODE_B_TRIES;
/// The value of the text application's PIN 0012, blocked as issued (never usable).
pub const BLOCKED_0012_VALUE: &str = "00000000";
/// Card-face EF 0003 DF31 / text EF 0005 DF41: spec version, extended Lc/Le support (03),
/// vendor (0E), vendor-specific (01).
pub const VISUAL_AP_INFO: [u8; 4] = [0x06, 0x03, 0x0E, 0x01];
/// Text EF 0005 DF41 (spec version 01).
pub const TEXT_AP_INFO: [u8; 4] = [0x01, 0x03, 0x0E, 0x01];
/// The extended header list before the 00F8 certificate: `42`(16) `5F20`(16) `5F49`(265).
pub const F8_HEADER_LIST: [u8; 12] =
    [0x4D, 0x0A, 0x42, 0x10, 0x5F, 0x20, 0x10, 0x5F, 0x49, 0x82, 0x01, 0x09];

fn pin(value: &str, tries_left: u8, max_tries: u8) -> PinImage {
    PinImage { value: Zeroizing::new(value.as_bytes().to_vec()), tries_left, max_tries }
}

fn ef(data: Vec<u8>, read: Access) -> EfImage {
    EfImage { data, read }
}

fn record_err(e: records::RecordError) -> PkiError {
    PkiError::Der { what: "card data record", detail: e.to_string() }
}

/// The holder's 照合番号B (14 digits).
pub fn holder_code_b(holder: &Holder) -> Result<Zeroizing<String>, PkiError> {
    let expiry = holder.card_expiry_yyyymmdd();
    records::code_b(&holder.birth_yyyymmdd(), &expiry[..4], &holder.security_code)
        .map_err(PkiError::from)
}

/// The text application.
pub fn text_app(holder: &Holder, cvc: &CvcPki) -> Result<AppImage, PkiError> {
    use facts::text as t;
    use facts::text_more as m;
    let signer = &cvc.text_signer.key;
    let any = |pins: &[u16]| Access::AnyPin(pins.to_vec());
    let all = any(&[t::EF_PIN, m::EF_CODE_A, m::EF_CODE_B]);

    let my_number = records::build_my_number_file(&holder.my_number);
    let attributes = image::attributes_file(holder);
    let h1 = records::text_h1(&my_number);
    let h2 = records::text_h2(&attributes).map_err(record_err)?;
    let integrity_sig = pki::sign_sha256(signer, &TextIntegrity::message(&h1, &h2))?;
    let card_key = cvc::key_record(&cvc.text_card.to_public_key()).encode();
    let card_key_sig = pki::sign_sha256(signer, &CardKeyRecord::message(&card_key))?;
    let mut basic = tlv::encode(0xDF41, &TEXT_AP_INFO);
    tlv::push(&mut basic, 0xDF42, &ids::TEXT_INFO.0);
    let mut df43 = vec![0u8; 32];
    df43.resize(128, 0xFF);
    tlv::push(&mut basic, 0xDF43, &df43);
    // The SM key-transport key: any RSA public key will do (the virtual card does no secure
    // messaging); the MF intermediate's is reused to keep key generation short.
    let sm_key = tlv::encode(0xA1, &cvc.mf_intermediate.record().encode());

    let mut files = BTreeMap::new();
    files.insert(t::EF_MY_NUMBER, ef(my_number, any(&[t::EF_PIN, m::EF_CODE_A])));
    files.insert(t::EF_ATTRIBUTES, ef(attributes, any(&[t::EF_PIN, m::EF_CODE_B])));
    files.insert(m::EF_INTEGRITY, ef(TextIntegrity::build(&h1, &h2, &integrity_sig), all.clone()));
    files.insert(m::EF_CVC, ef(cvc.text_cvc()?.encode(), Access::Free));
    files.insert(m::EF_BASIC_DATA, ef(tlv::encode(0xFF40, &basic), Access::Free));
    files.insert(m::EF_SM_KEY, ef(sm_key, all.clone()));
    files.insert(m::EF_CARD_KEY, ef(CardKeyRecord::build(&card_key, &card_key_sig), all));
    files.insert(m::EF_UNKNOWN_0008, ef(vec![0xFF; 16], Access::Free));

    let code_b = holder_code_b(holder)?;
    let mut pins = BTreeMap::new();
    pins.insert(t::EF_PIN, pin(image::SIM_TEXT_PIN, facts::tries::TEXT, facts::tries::TEXT));
    pins.insert(m::EF_PIN_0012, pin(BLOCKED_0012_VALUE, 0, facts::tries::TEXT));
    pins.insert(m::EF_CODE_A, pin(&holder.my_number, CODE_TRIES, CODE_TRIES));
    pins.insert(m::EF_CODE_B, pin(&code_b, CODE_TRIES, CODE_TRIES));
    let mut keys = BTreeMap::new();
    keys.insert(m::EF_CARD_PRIVATE_KEY, KeyImage { key: cvc.text_card.clone(), pin: t::EF_PIN });
    Ok(AppImage {
        name: "text".to_string(),
        aid: facts::AID_TEXT.to_vec(),
        files,
        pins,
        keys,
        challenge_key: Some(m::EF_CARD_PRIVATE_KEY),
    })
}

/// The card-face application.
pub fn visual_app(holder: &Holder, cvc: &CvcPki) -> Result<AppImage, PkiError> {
    use facts::visual as v;
    let signer = &cvc.visual_signer.key;
    let birth = holder.birth_yyyymmdd();
    let expiry = holder.card_expiry_yyyymmdd();
    let card_key = cvc::key_record(&cvc.visual_card.to_public_key()).encode();

    let birth_sig = pki::sign_sha256(signer, &BirthRecord::message(&birth, &card_key))?;
    let name_png = png::text_png(&holder.name);
    let address_png = png::text_png(&holder.address);
    let code_png = png::text_png(&holder.security_code);
    let fields = FaceFields {
        birth: &birth,
        sex: holder.sex.face_code(),
        card_key: &card_key,
        name_png: &name_png,
        address_png: &address_png,
        photo: FACE_JP2,
        expiry: &expiry,
        security_code_png: &code_png,
    };
    let face_sig = cvc::sign_digest_info(signer, &FaceRecord::digest_info(&fields))?;
    let number_png = png::text_png(&holder.my_number);
    let number_sig =
        pki::sign_sha256(signer, &MyNumberImageRecord::message(&number_png, &card_key))?;
    let mut info = tlv::encode(0xDF31, &VISUAL_AP_INFO);
    tlv::push(&mut info, 0xDF32, &ids::VISUAL_INFO.0);
    tlv::push(&mut info, 0xDF33, &[0x01]);
    tlv::push(&mut info, 0xDF34, holder.municipality_code.as_bytes());
    tlv::push(&mut info, 0xDF35, &[0u8; 16 + 256]);

    let a_or_b = Access::AnyPin(vec![v::EF_CODE_A, v::EF_CODE_B]);
    let mut files = BTreeMap::new();
    files.insert(
        v::EF_BIRTH,
        ef(BirthRecord::build(&birth, &card_key, &birth_sig), Access::Pin(v::EF_BIRTH_KEY)),
    );
    files.insert(v::EF_FACE, ef(FaceRecord::build(&fields, &face_sig), a_or_b.clone()));
    files.insert(v::EF_INFO, ef(tlv::encode(0xFF30, &info), Access::Free));
    files.insert(v::EF_CVC, ef(cvc.visual_cvc()?.encode(), Access::Free));
    files.insert(
        v::EF_MY_NUMBER_IMAGE,
        ef(
            MyNumberImageRecord::build(&number_png, &card_key, &number_sig),
            Access::Pin(v::EF_CODE_A),
        ),
    );
    files.insert(v::EF_UNKNOWN_0006, ef(vec![0xFF; 16], a_or_b));

    let birth_key = records::birth_key(&birth)?;
    let code_b = holder_code_b(holder)?;
    let mut pins = BTreeMap::new();
    pins.insert(v::EF_BIRTH_KEY, pin(&birth_key, CODE_TRIES, CODE_TRIES));
    pins.insert(v::EF_CODE_B, pin(&code_b, v::CODE_B_TRIES, v::CODE_B_TRIES));
    pins.insert(v::EF_CODE_A, pin(&holder.my_number, CODE_TRIES, CODE_TRIES));
    let mut keys = BTreeMap::new();
    keys.insert(
        v::EF_CARD_PRIVATE_KEY,
        KeyImage { key: cvc.visual_card.clone(), pin: v::EF_CODE_A },
    );
    Ok(AppImage {
        name: "visual".to_string(),
        aid: facts::AID_VISUAL.to_vec(),
        files,
        pins,
        keys,
        challenge_key: Some(v::EF_CARD_PRIVATE_KEY),
    })
}

/// The common application's card-info record: `01 1C` serial (15) ‖ municipality (5) ‖
/// expiry `YYYYMMDD`.
pub fn common_card_info(holder: &Holder) -> Vec<u8> {
    let mut v = holder.card_serial.as_bytes().to_vec();
    v.extend_from_slice(holder.municipality_code.as_bytes());
    v.extend_from_slice(holder.card_expiry_yyyymmdd().as_bytes());
    tlv::encode(0x01, &v)
}

/// The common application.
pub fn common_app(holder: &Holder) -> AppImage {
    let mut files = BTreeMap::new();
    files.insert(facts::common::EF_CARD_INFO, ef(common_card_info(holder), Access::Free));
    AppImage {
        name: "common".to_string(),
        aid: facts::AID_COMMON.to_vec(),
        files,
        pins: BTreeMap::new(),
        keys: BTreeMap::new(),
        challenge_key: None,
    }
}

/// The MF's GET DATA objects.
pub fn mf_data(holder: &Holder, cvc: &CvcPki) -> Result<BTreeMap<u16, Vec<u8>>, PkiError> {
    use facts::mf_data as d;
    let mut f8 = F8_HEADER_LIST.to_vec();
    f8.extend(cvc.mf_root_cvc()?.encode_contents());
    let mut out = BTreeMap::new();
    out.insert(d::DO_CVC_ROOT, f8);
    out.insert(d::DO_CVC_NEXT, cvc.mf_next_cvc()?.encode_contents());
    out.insert(d::DO_INTERMEDIATE_ID, ids::MF_INTERMEDIATE.0.to_vec());
    out.insert(d::DO_CARD_NUMBER, holder.card_serial.as_bytes().to_vec());
    out.insert(d::DO_MUNICIPALITY, holder.municipality_code.as_bytes().to_vec());
    out.insert(d::DO_EXPIRY, holder.card_expiry_yyyymmdd().as_bytes().to_vec());
    Ok(out)
}

/// The whole card for `holder`: JPKI from `pki`, the other applications and the MF data
/// signed by `cvc`, as `token`.
pub fn whole_card_image(
    pki: &SimPki,
    cvc: &CvcPki,
    holder: &Holder,
    token: Token,
) -> Result<CardImage, PkiError> {
    let mut card = image::jpki_card_image(pki, holder);
    if token == Token::Android {
        use facts::jpki as j;
        if let Some(jpki) = card.app_mut(&facts::AID_JPKI) {
            if let Some(f) = jpki.files.get_mut(&j::EF_TOKEN_INFO) {
                f.data = image::token_info_file_with(facts::token::PHONE);
            }
            if let Some(f) = jpki.files.get_mut(&j::EF_AUTH_CERT) {
                f.read = Access::Pin(j::EF_AUTH_PIN);
            }
        }
    }
    card.apps.retain(|a| a.aid == facts::AID_JPKI);
    card.apps.push(text_app(holder, cvc)?);
    card.apps.push(visual_app(holder, cvc)?);
    card.apps.push(common_app(holder));
    card.mf_data = mf_data(holder, cvc)?;
    Ok(card)
}

//! The whole default card through the real PC/SC stack (`mynacard sim serve` → vpcd →
//! pcscd → our PC/SC transport): every file and PIN object of the text, card-face and common
//! applications and the MF's GET DATA objects answer as on the in-process card. Needs a
//! private pcscd: run under `scripts/with-pcscd … -- --test-threads=1`; without
//! `MYNACARD_PCSCD=1` the test prints a notice and passes without doing anything.

mod common;

use common::*;
use mynacard::facts::{self, mf_data, AID_COMMON, AID_TEXT, AID_VISUAL};
use mynacard::transport::pcsc::{PcscTransport, ShareMode};
use mynacard::transport::Transport;

fn tx(t: &mut dyn Transport, hex_str: &str) -> (Vec<u8>, String) {
    let answer = t.transmit(&hex::decode(hex_str).expect("test hex")).expect("transmit");
    assert!(answer.len() >= 2, "short answer {answer:02X?}");
    let (data, sw) = answer.split_at(answer.len() - 2);
    (data.to_vec(), hex::encode_upper(sw))
}

fn sw(t: &mut dyn Transport, hex_str: &str) -> String {
    tx(t, hex_str).1
}

fn select_aid(aid: &[u8]) -> String {
    format!("00A4040C{:02X}{}", aid.len(), hex::encode_upper(aid))
}

fn verify(code: &str) -> String {
    format!("00200080{:02X}{}", code.len(), hex::encode_upper(code))
}

/// Read a whole EF with short READ BINARYs: Ok(bytes) or Err(the refusing status word).
fn read(t: &mut dyn Transport, fid: u16) -> Result<Vec<u8>, String> {
    assert_eq!(sw(t, &format!("00A4020C02{fid:04X}")), "9000", "select {fid:04X}");
    let mut out = Vec::new();
    loop {
        let (data, status) = tx(t, &format!("00B0{:04X}00", out.len()));
        match status.as_str() {
            "9000" => out.extend_from_slice(&data),
            "6282" => return Ok([out, data].concat()),
            "6B00" if !out.is_empty() => return Ok(out),
            _ => return Err(status),
        }
    }
}

#[test]
fn the_whole_card_answers_through_pcscd() {
    if !pcscd_or_skip("the_whole_card_answers_through_pcscd") {
        return;
    }
    let image = default_image();
    let f = |aid: &[u8], fid: u16| image.app(aid).unwrap().files[&fid].data.clone();
    let _sim = SimServer::start();
    let mut t = PcscTransport::connect(READER, ShareMode::Exclusive).expect("connect");
    let t: &mut dyn Transport = &mut t;

    // MF GET DATA, nothing selected yet: short 67 00, then extended.
    assert_eq!(sw(t, "00CA00F800"), "6700");
    let (f8, status) = tx(t, "00CA00F8000000");
    assert_eq!((f8, status.as_str()), (image.mf_data[&mf_data::DO_CVC_ROOT].clone(), "9000"));
    let (next, status) = tx(t, "00CA7F21000000");
    assert_eq!((next, status.as_str()), (image.mf_data[&mf_data::DO_CVC_NEXT].clone(), "9000"));
    for (p1p2, tag) in [
        ("00F7", mf_data::DO_INTERMEDIATE_ID),
        ("0045", mf_data::DO_CARD_NUMBER),
        ("00F0", mf_data::DO_MUNICIPALITY),
        ("00F2", mf_data::DO_EXPIRY),
    ] {
        let (v, status) = tx(t, &format!("00CA{p1p2}00"));
        assert_eq!((v, status.as_str()), (image.mf_data[&tag].clone(), "9000"), "{p1p2}");
    }

    // Text application: counters, then every file with the PIN.
    assert_eq!(sw(t, &select_aid(&AID_TEXT)), "9000");
    for (fid, counter) in [("0011", "63C3"), ("0012", "63C0"), ("0014", "63CA"), ("0015", "63CA")] {
        assert_eq!(sw(t, &format!("00A4020C02{fid}")), "9000");
        assert_eq!(sw(t, "00200080"), counter, "text {fid}");
    }
    assert_eq!(read(t, 0x0001), Err("6982".to_string()));
    assert_eq!(read(t, 0x0004).unwrap(), f(&AID_TEXT, 0x0004));
    assert_eq!(sw(t, "00A4020C020011"), "9000");
    assert_eq!(sw(t, &verify("1234")), "9000");
    for fid in 1..=8u16 {
        assert_eq!(read(t, fid).unwrap(), f(&AID_TEXT, fid), "text EF {fid:04X}");
    }
    let mut di = facts::DIGEST_INFO_SHA256.to_vec();
    di.extend_from_slice(&[0x5A; 32]);
    let (sig, status) = tx(t, &format!("802A000033{}00", hex::encode_upper(&di)));
    assert_eq!((sig.len(), status.as_str()), (256, "9000"));

    // Card face: 照合番号B opens the face, the birth key the birth record.
    assert_eq!(sw(t, &select_aid(&AID_VISUAL)), "9000");
    for (fid, counter) in [("0011", "63CA"), ("0012", "63CA"), ("0013", "63CA")] {
        assert_eq!(sw(t, &format!("00A4020C02{fid}")), "9000");
        assert_eq!(sw(t, "00200080"), counter, "visual {fid}");
    }
    assert_eq!(read(t, 0x0002), Err("6982".to_string()));
    assert_eq!(sw(t, "00A4020C020012"), "9000");
    assert_eq!(sw(t, &verify("02051520357251")), "9000");
    assert_eq!(sw(t, "00A4020C020011"), "9000");
    assert_eq!(sw(t, &verify("020515")), "9000");
    for fid in [1u16, 2, 3, 4, 6] {
        assert_eq!(read(t, fid).unwrap(), f(&AID_VISUAL, fid), "visual EF {fid:04X}");
    }
    assert_eq!(read(t, 0x0005), Err("6982".to_string()), "EF 0005 needs 照合番号A");
    assert_eq!(sw(t, "00A4020C020013"), "9000");
    assert_eq!(sw(t, &verify("123456789018")), "9000");
    assert_eq!(read(t, 0x0005).unwrap(), f(&AID_VISUAL, 0x0005));

    // Common application.
    assert_eq!(sw(t, &select_aid(&AID_COMMON)), "9000");
    assert_eq!(read(t, 0x0001).unwrap(), f(&AID_COMMON, 0x0001));
    let (challenge, status) = tx(t, "0084000008");
    assert_eq!((challenge.len(), status.as_str()), (8, "9000"));
}

//! A CMS signed "by the card" through the client: the scripted card answers the signature a
//! software key computes for the exact DigestInfo the client sends, so the test pins every
//! APDU (one VERIFY for certificate read and signature) and OpenSSL verifies the result.

use std::time::{Duration, SystemTime};

use mynacard::card::testing::{Event, ScriptedTransport};
use mynacard::card::{CertKind, Client, PinEntry, SignPassword};
use mynacard::sign::{sign_detached, CmsOptions, DigestInfoSigner, SoftwareSigner};
mod openssl_pki;

use openssl_pki::{pki, Pki};

/// Records the DigestInfo it was given and signs it in software.
struct Recording {
    inner: SoftwareSigner,
    seen: Vec<Vec<u8>>,
}

impl DigestInfoSigner for Recording {
    type Error = rsa::Error;
    fn sign_digest_info(&mut self, digest_info: &[u8]) -> Result<Vec<u8>, rsa::Error> {
        self.seen.push(digest_info.to_vec());
        self.inner.sign_digest_info(digest_info)
    }
}

#[test]
fn cms_signed_through_the_card_client_with_one_verify() {
    let Pki { dir, ee_der: cert, signer } = pki();
    let d = dir.path();
    let content = b"contract text";
    std::fs::write(d.join("doc.txt"), content).unwrap();
    let opts = CmsOptions {
        signing_time: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000)),
        ..CmsOptions::default()
    };

    // What the card will be asked to sign, and its answer.
    let mut soft = Recording { inner: signer, seen: vec![] };
    let expected_cms = sign_detached(content, &cert, &mut soft, &opts).unwrap();
    let digest_info = soft.seen.pop().unwrap();
    let signature = soft.inner.sign_digest_info(&digest_info).unwrap();

    let answer = |data: &[u8]| [data, &[0x90, 0x00]].concat();
    let mut t = ScriptedTransport::new()
        .expect("00A4040C0AD392F000260100000001", "9000")
        .expect("00A4020C02001B", "9000")
        .expect("00200080", "63C5")
        .expect(&format!("0020008008{}", hex::encode_upper(b"PASSWORD")), "9000")
        .expect("00A4020C020001", "9000");
    let mut off = 0;
    while off < cert.len() {
        let le = (cert.len() - off).min(256);
        let cmd = hex::decode(format!("00B0{:04X}{:02X}", off, le % 256)).unwrap();
        t = t.expect_bytes(&cmd, &answer(&cert[off..off + le]));
        off += le;
    }
    let compute =
        [&[0x80, 0x2A, 0x00, 0x80, digest_info.len() as u8][..], &digest_info, &[0x00]].concat();
    let t = t
        .expect("00A4020C02001A", "9000")
        .expect_bytes(&compute, &answer(&signature))
        // Leaving JPKI: the ISD select (a re-select would keep the password verified on a
        // real card, measured by one peer library, [C]).
        .expect("00A4040C07A0000001510000", "9000");
    let log = t.log();

    let mut client = Client::new(t);
    let password = SignPassword::new("password").unwrap();
    let mut unlocked = client.unlock(PinEntry::Host(&password), false).unwrap();
    let card_cert = unlocked.read_certificate(CertKind::Sign).unwrap();
    let cms = sign_detached(content, &card_cert, &mut unlocked, &opts).unwrap();
    unlocked.finish().unwrap();

    log.assert_done();
    let events = log.events();
    assert_eq!(events.iter().filter(|e| **e == Event::Begin).count(), 1, "one transaction");
    let verifies = log.sent().iter().filter(|c| c.starts_with("00200080") && c.len() > 8).count();
    assert_eq!(verifies, 1, "one VERIFY for certificate and signature");
    assert_eq!(cms, expected_cms);

    std::fs::write(d.join("doc.p7s"), &cms).unwrap();
    let out = openssl_pki::cms_verify(d, "doc.p7s", "DER", Some("doc.txt"), "root.pem", &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

//! Hardware tests: a real My Number Card in a real reader (or the virtual card served through
//! pcscd). Skipped, printing why, unless `MYNACARD_HW_READER` names a reader. Never sends a
//! VERIFY with data unless the PINs are given in `MYNACARD_PIN` / `MYNACARD_SIGN_PASSWORD`.
//! Prints the time of every command (the transport is wrapped to time each exchange).
//! See `hw-tests/README.md`. Run with `--test-threads=1 --nocapture`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use der::{Decode, Encode};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use mynacard::card::{
    AuthPin, CardPin, CertKind, Client, PinEntry, PinKind, PinPadMode, PinStatus, SignPassword,
    TokenType,
};
use mynacard::sign::HashAlg;
use mynacard::transport::pcsc::{PcscTransport, ShareMode};
use mynacard::transport::{Disposition, ReaderInfo, Transport, TransportError};
use mynacard::verify::anchors::{AnchorSource, TrustAnchor, TrustStore};
use mynacard::verify::{verify_certificate, Hierarchy, RevocationPolicy, VerifyOptions};

/// Timings of every exchange: (command header, response status word, time).
type Log = Arc<Mutex<Vec<(String, String, Duration)>>>;

/// A transport that times every exchange, including inside exclusive guards.
struct Timed<'a> {
    inner: Box<dyn Transport + 'a>,
    log: Log,
}

impl Transport for Timed<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let t = Instant::now();
        let result = self.inner.transmit(command);
        let elapsed = t.elapsed();
        let header = command.iter().take(4).map(|b| format!("{b:02X}")).collect::<Vec<_>>();
        let sw = match &result {
            Ok(r) if r.len() >= 2 => format!("{:02X}{:02X}", r[r.len() - 2], r[r.len() - 1]),
            Ok(_) => "short".to_string(),
            Err(e) => format!("error: {e}"),
        };
        if let Ok(mut log) = self.log.lock() {
            log.push((header.join(" "), sw, elapsed));
        }
        result
    }
    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        let log = self.log.clone();
        Ok(Box::new(Timed { inner: self.inner.exclusive()?, log }))
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        self.inner.reset()
    }
    fn disconnect(&mut self, disposition: Disposition) -> Result<(), TransportError> {
        self.inner.disconnect(disposition)
    }
    fn info(&self) -> ReaderInfo {
        self.inner.info()
    }
    fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.inner.control(code, input)
    }
}

/// The reader to test, or `None` (printing why the test is skipped).
fn reader(test: &str) -> Option<String> {
    match std::env::var("MYNACARD_HW_READER") {
        Ok(r) if !r.is_empty() => Some(r),
        _ => {
            eprintln!(
                "SKIPPED {test}: set MYNACARD_HW_READER to a reader name (see hw-tests/README.md)"
            );
            None
        }
    }
}

fn open(reader: &str) -> (Client<Timed<'static>>, Log) {
    let t = PcscTransport::connect(reader, ShareMode::Exclusive)
        .unwrap_or_else(|e| panic!("cannot connect to {reader:?}: {e}"));
    let log: Log = Arc::default();
    (Client::new(Timed { inner: Box::new(t), log: log.clone() }), log)
}

/// Print and clear the timings gathered so far.
fn print_timings(what: &str, log: &Log) {
    let mut log = log.lock().unwrap();
    let total: Duration = log.iter().map(|(_, _, d)| *d).sum();
    println!("{what}: {} command(s), {:.1} ms", log.len(), total.as_secs_f64() * 1000.0);
    for (header, sw, d) in log.iter() {
        println!("    {header} -> {sw}  {:8.1} ms", d.as_secs_f64() * 1000.0);
    }
    log.clear();
}

/// Which roots the card's CA certificates must match.
fn hierarchy() -> &'static str {
    match std::env::var("MYNACARD_HW_HIERARCHY").as_deref() {
        Ok("test") => "test",
        Ok("sim") => "sim",
        Ok("production") | Ok("") | Err(_) => "production",
        Ok(other) => panic!("MYNACARD_HW_HIERARCHY={other:?}: use production, test or sim"),
    }
}

/// The roots the card's CA certificates must match: the library's pinned production (or
/// test) roots, or the virtual card's own roots from `sim-image/default/pki/*-root.der`.
fn anchors() -> Vec<TrustAnchor> {
    match hierarchy() {
        "sim" => {
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sim-image/default/pki");
            let mut roots = Vec::new();
            for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir}: {e}")) {
                let path = entry.unwrap().path();
                if path.to_string_lossy().ends_with("-root.der") {
                    roots.push(TrustAnchor::from_file(&path).unwrap());
                }
            }
            assert!(!roots.is_empty(), "no *-root.der in {dir}");
            roots
        }
        h => {
            let (hierarchy, source) = if h == "test" {
                (Hierarchy::Test, AnchorSource::Test)
            } else {
                (Hierarchy::Production, AnchorSource::Production)
            };
            let store = TrustStore::new(hierarchy, &[]).expect("pinned roots");
            store.anchors().iter().filter(|a| a.source() == source).cloned().collect()
        }
    }
}

fn sha256_hex(der: &[u8]) -> String {
    hex::encode_upper(Sha256::digest(der))
}

#[test]
fn hw_detect_and_read_public_certificates() {
    let Some(reader) = reader("hw_detect_and_read_public_certificates") else {
        return;
    };
    let (mut client, log) = open(&reader);
    let info = client.transport().info();
    println!(
        "reader {:?}, ATR {}, extended length {:?}",
        info.name,
        hex::encode_upper(&info.atr),
        info.extended_length
    );
    let token = client.detect().expect("JPKI detection");
    assert_eq!(token, TokenType::Card, "not a My Number Card");
    print_timings("detect", &log);
    let anchors = anchors();
    let pinned: Vec<String> = anchors.iter().map(|a| hex::encode_upper(a.sha256())).collect();
    for kind in [CertKind::AuthCa, CertKind::SignCa] {
        let der = client.read_certificate(kind).expect("read CA certificate");
        let fp = sha256_hex(&der);
        println!("{kind:?}: {} bytes, SHA-256 {fp}", der.len());
        assert!(
            pinned.contains(&fp),
            "{kind:?} (SHA-256 {fp}) matches no pinned {} root",
            hierarchy()
        );
        print_timings(&format!("read {kind:?}"), &log);
    }
    let auth = client.read_certificate(CertKind::Auth).expect("read auth certificate");
    print_timings("read Auth", &log);
    let opts = VerifyOptions {
        hierarchy: if hierarchy() == "test" { Hierarchy::Test } else { Hierarchy::Production },
        extra_anchors: if hierarchy() == "sim" { anchors } else { Vec::new() },
        policy: RevocationPolicy::Off,
        ..VerifyOptions::default()
    };
    let report = verify_certificate(&auth, &opts).expect("verify the auth certificate");
    println!("auth certificate path (revocation off):\n{report}");
    assert_eq!(report.verdict, mynacard::verify::Verdict::Valid, "{report}");
}

#[test]
fn hw_pin_counters() {
    let Some(reader) = reader("hw_pin_counters") else {
        return;
    };
    let (mut client, log) = open(&reader);
    for kind in [PinKind::Auth, PinKind::Sign, PinKind::Text] {
        match client.pin_status(kind) {
            Ok(PinStatus::Remaining(n)) => println!("{kind:?}: {n} tries left"),
            Ok(PinStatus::Blocked) => println!("{kind:?}: BLOCKED"),
            Err(e) => panic!("{kind:?} counter: {e}"),
        }
    }
    print_timings("PIN counters", &log);
}

/// Verify a PKCS#1 v1.5 signature over `digest_info` with the certificate's key.
fn check_signature(cert_der: &[u8], digest_info: &[u8], signature: &[u8]) {
    let cert = Certificate::from_der(cert_der).expect("certificate");
    let spki = cert.tbs_certificate.subject_public_key_info.to_der().expect("SPKI");
    let key = RsaPublicKey::from_public_key_der(&spki).expect("RSA key");
    key.verify(Pkcs1v15Sign::new_unprefixed(), digest_info, signature)
        .expect("the card's signature verifies with the certificate's key");
}

fn digest_info() -> Vec<u8> {
    let hash = Sha256::digest(b"mynacard hardware test");
    HashAlg::Sha256.digest_info(&hash).expect("DigestInfo")
}

#[test]
fn hw_sign_with_the_auth_key() {
    let Some(reader) = reader("hw_sign_with_the_auth_key") else {
        return;
    };
    let Ok(pin) = std::env::var("MYNACARD_PIN") else {
        eprintln!("SKIPPED hw_sign_with_the_auth_key: MYNACARD_PIN not set (no VERIFY is sent)");
        return;
    };
    let pin = AuthPin::new(&pin).expect("MYNACARD_PIN is 4 digits");
    let (mut client, log) = open(&reader);
    let cert = client.read_certificate(CertKind::Auth).expect("auth certificate");
    log.lock().unwrap().clear();
    let di = digest_info();
    let signature = client.sign(PinEntry::Host(&pin), &di, false).expect("sign with the auth key");
    print_timings("auth: VERIFY + SIGN", &log);
    check_signature(&cert, &di, &signature);
}

#[test]
fn hw_sign_with_the_sign_key() {
    let Some(reader) = reader("hw_sign_with_the_sign_key") else {
        return;
    };
    let Ok(password) = std::env::var("MYNACARD_SIGN_PASSWORD") else {
        eprintln!(
            "SKIPPED hw_sign_with_the_sign_key: MYNACARD_SIGN_PASSWORD not set (no VERIFY is sent)"
        );
        return;
    };
    let password = SignPassword::new(&password).expect("MYNACARD_SIGN_PASSWORD format");
    let (mut client, log) = open(&reader);
    let cert = client.read_sign_certificate(&password, false).expect("sign certificate");
    print_timings("sign: VERIFY + read certificate", &log);
    let di = digest_info();
    let signature =
        client.sign(PinEntry::Host(&password), &di, false).expect("sign with the sign key");
    print_timings("sign: VERIFY + SIGN", &log);
    check_signature(&cert, &di, &signature);
}

#[test]
fn hw_sign_with_the_auth_key_on_the_pinpad() {
    let Some(reader) = reader("hw_sign_with_the_auth_key_on_the_pinpad") else {
        return;
    };
    if std::env::var("MYNACARD_HW_PINPAD").as_deref() != Ok("1") {
        eprintln!(
            "SKIPPED hw_sign_with_the_auth_key_on_the_pinpad: set MYNACARD_HW_PINPAD=1 on a PIN-pad \
             reader (someone types the authentication PIN on it)"
        );
        return;
    }
    let (mut client, log) = open(&reader);
    let features = mynacard::transport::pinpad::read_features(client.transport_mut())
        .expect("the reader's feature list");
    println!("reader features: {:02X?}", features.all());
    let pad = client
        .pinpad_for(PinKind::Auth, PinPadMode::On)
        .expect("the reader offers FEATURE_VERIFY_PIN_DIRECT");
    let pad = pad.expect("a PIN pad");
    let cert = client.read_certificate(CertKind::Auth).expect("auth certificate");
    log.lock().unwrap().clear();
    eprintln!(
        "Type the authentication PIN on the reader's PIN pad now ({} s).",
        pad.params.timeout
    );
    let di = digest_info();
    let mut unlocked =
        client.unlock::<AuthPin>(PinEntry::Pad(pad), false).expect("VERIFY on the PIN pad");
    let signature = unlocked.sign(&di).expect("sign with the auth key");
    unlocked.finish().expect("clear the security state");
    print_timings("auth on the pad: VERIFY (pad) + SIGN", &log);
    check_signature(&cert, &di, &signature);
}

/// Send hex on a fresh transport; a first answer of `6F 00` (reported after a power-off by a
/// single source) is answered by sending the same command once more.
fn hw_tx(t: &mut PcscTransport, apdu: &str, first: bool) -> Vec<u8> {
    let bytes = hex::decode(apdu.replace(' ', "")).expect("test hex");
    let answer = t.transmit(&bytes).expect("transmit");
    if first && answer == [0x6F, 0x00] {
        return t.transmit(&bytes).expect("transmit");
    }
    answer
}

/// What a second program, connecting afresh without any VERIFY, gets for READ BINARY of the
/// signature certificate (EF 0001) and for COMPUTE DIGITAL SIGNATURE with the signature key.
fn second_connection(reader: &str) -> ([u8; 2], [u8; 2]) {
    let mut t = PcscTransport::connect(reader, ShareMode::Exclusive).expect("second connection");
    let sw = |r: Vec<u8>| [r[r.len() - 2], r[r.len() - 1]];
    assert_eq!(hw_tx(&mut t, "00A4040C0AD392F000260100000001", true), [0x90, 0x00]);
    assert_eq!(hw_tx(&mut t, "00A4020C020001", false), [0x90, 0x00]);
    let read = sw(hw_tx(&mut t, "00B0000004", false));
    assert_eq!(hw_tx(&mut t, "00A4020C02001A", false), [0x90, 0x00]);
    let di = hex::encode(digest_info());
    let sign = sw(hw_tx(&mut t, &format!("802A008033{di}00"), false));
    // Whatever it found, leave nothing verified.
    let _ = hw_tx(&mut t, "00A4040C07A0000001510000", false);
    let _ = t.disconnect(Disposition::Unpower);
    println!("second connection: READ EF 0001 -> {read:02X?}, SIGN -> {sign:02X?}");
    (read, sign)
}

#[test]
fn hw_nothing_stays_verified_after_sign() {
    let Some(reader) = reader("hw_nothing_stays_verified_after_sign") else {
        return;
    };
    let Ok(password) = std::env::var("MYNACARD_SIGN_PASSWORD") else {
        eprintln!(
            "SKIPPED hw_nothing_stays_verified_after_sign: MYNACARD_SIGN_PASSWORD not set (no \
             VERIFY is sent)"
        );
        return;
    };
    let password = SignPassword::new(&password).expect("MYNACARD_SIGN_PASSWORD format");

    // The control, only when asked: the OLD client (VERIFY, re-select JPKI, disconnect
    // leaving the card). On a card that keeps the verification across a re-select and a
    // reconnect (measured by one peer library), a second connection can read and sign.
    if std::env::var("MYNACARD_HW_STATE_CONTROL").as_deref() == Ok("1") {
        let mut t = PcscTransport::connect(&reader, ShareMode::Exclusive).expect("connect");
        assert_eq!(hw_tx(&mut t, "00A4040C0AD392F000260100000001", true), [0x90, 0x00]);
        assert_eq!(hw_tx(&mut t, "00A4020C02001B", false), [0x90, 0x00]);
        let mut verify = vec![0x00, 0x20, 0x00, 0x80, password.as_bytes().len() as u8];
        verify.extend_from_slice(password.as_bytes());
        assert_eq!(t.transmit(&verify).expect("verify"), [0x90, 0x00], "VERIFY");
        assert_eq!(hw_tx(&mut t, "00A4040C0AD392F000260100000001", false), [0x90, 0x00]);
        t.disconnect(Disposition::Leave).expect("disconnect");
        let (read, sign) = second_connection(&reader);
        assert_eq!(
            (read, sign),
            ([0x90, 0x00], [0x90, 0x00]),
            "the old client left the card open, as the security-state facts say"
        );
    }

    // Our client: sign, leave JPKI (ISD select), disconnect powering the card off.
    let (mut client, log) = open(&reader);
    let di = digest_info();
    let signature =
        client.sign(PinEntry::Host(&password), &di, false).expect("sign with the sign key");
    print_timings("sign: VERIFY + SIGN + ISD select", &log);
    client.transport_mut().disconnect(Disposition::Unpower).expect("disconnect with unpower");
    let cert = {
        let (mut c, _) = open(&reader);
        let cert = c.read_sign_certificate(&password, false).expect("sign certificate");
        c.transport_mut().disconnect(Disposition::Unpower).expect("disconnect with unpower");
        cert
    };
    check_signature(&cert, &di, &signature);
    let (read, sign) = second_connection(&reader);
    assert_ne!(read, [0x90, 0x00], "a second connection read the signature certificate");
    assert_ne!(sign, [0x90, 0x00], "a second connection signed without a VERIFY");
}

//! `mynacard demo`: the main job end to end on the built-in virtual card — detect the card,
//! read every certificate, show the PIN counters, sign a sample document as CMS, and verify
//! that signature (path to the virtual card's own root, JPKI profile, revocation against its
//! CRLs: once good, once with a CRL that revokes the card) — printing a transcript.
//!
//! The demo only ever talks to the in-process virtual card: it enters that card's published
//! signature password itself, which must never happen with a real card.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use mynacard::card::{CertKind, Client, PinEntry, PinKind, PinStatus, SignPassword};
use mynacard::sign::cms::{sign_detached, CmsOptions};
use mynacard::sim::card::VirtualCard;
use mynacard::sim::image::CardImage;
use mynacard::sim::transport::SharedCard;
use mynacard::verify::crl::CrlStore;
use mynacard::verify::revocation::Revocation;
use mynacard::verify::{
    verify_cms, AnchorSource, RevocationPolicy, TrustAnchor, Verdict, VerifyOptions,
};
use x509_cert::der::Decode;

use super::exit::Exit;
use super::output::{pem, write_atomic};
use super::{CliError, GlobalOpts};

/// The virtual card's signature root, CRL without entries, and CRL revoking the card: the
/// operator-configured trust and revocation data of this demo.
const SIM_SIGN_ROOT: &[u8] = include_bytes!("../../sim-image/default/pki/sign-root.der");
const SIM_SIGN_CRL_EMPTY: &[u8] = include_bytes!("../../sim-image/default/pki/sign-crl-empty.der");
const SIM_SIGN_CRL_REVOKED: &[u8] =
    include_bytes!("../../sim-image/default/pki/sign-crl-revoked.der");
/// The default image's signature password (README: "The virtual card").
const SIM_SIGN_PASSWORD: &str = "MYNACARD1";
/// The virtual card's own CVC CA key for the card-face application (key ID `9000023/001`):
/// trusted here explicitly, as `--cvc-ca` does for `face read`.
const SIM_FACE_CA_PEM: &str = include_str!("../../sim-image/default/pki/cvc-ca-9000023.pem");
/// The sample document.
const SAMPLE: &str =
    "mynacard demo: 署名のテスト文書 / a sample document signed on the virtual card.\n";

/// `mynacard demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo's files (document, CMS signature, certificates as PEM) in DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Transcript lines (text mode) and the JSON document (`--json`).
struct Transcript {
    json: bool,
    quiet: bool,
    steps: Vec<serde_json::Value>,
}

impl Transcript {
    fn say(&self, line: &str) -> Result<(), CliError> {
        if !self.json && !self.quiet {
            outln!("{line}")?;
        }
        Ok(())
    }
    fn step(&mut self, name: &str, value: serde_json::Value) {
        self.steps.push(json!({ "step": name, "result": value }));
    }
}

/// Run `mynacard demo`.
pub fn run(g: &GlobalOpts, args: &DemoArgs) -> Result<Exit, CliError> {
    if g.reader.as_deref().is_some_and(|r| r != super::connect::SIM) {
        return Err(CliError::Usage(t!("demo-sim-only")));
    }
    let mut t = Transcript { json: g.json, quiet: g.quiet, steps: Vec::new() };
    let profile = super::sim::profile(super::sim::ProfileName::Default, false);
    let shared = SharedCard::new(VirtualCard::new(CardImage::default_image(), profile));
    let transport: Box<dyn mynacard::transport::Transport> = match &g.trace {
        Some(path) => {
            Box::new(mynacard::transport::trace::TraceTransport::to_file(shared.transport(), path)?)
        }
        None => Box::new(shared.transport()),
    };
    let mut client = Client::new(transport);
    let count = |shared: &SharedCard| shared.with_card(|c| *c.counts()).ok();

    t.say(&t!("demo-title"))?;
    let token = client.detect()?;
    let token_name = super::status::token_text(token);
    t.say(&t!("demo-detected", token = token_name))?;
    t.step("detect", json!({ "token": format!("{token:?}").to_lowercase() }));

    t.say(&t!("demo-certificates"))?;
    let mut certs = Vec::new();
    for (name, kind) in
        [("auth", CertKind::Auth), ("auth-ca", CertKind::AuthCa), ("sign-ca", CertKind::SignCa)]
    {
        let before = count(&shared).map(|c| c.read_binary).unwrap_or(0);
        let der = client.read_certificate(kind)?;
        let reads = count(&shared).map(|c| c.read_binary).unwrap_or(0) - before;
        let subject = subject_of(&der);
        let line = t!("demo-certificate", bytes = format!("{:>5}", der.len()), reads = reads);
        t.say(&format!("   {name:<8} {line}  {subject}"))?;
        t.step("read_certificate", json!({ "which": name, "bytes": der.len(), "read_binary_commands": reads, "subject": subject }));
        certs.push((name, der));
    }

    t.say(&t!("demo-pin-counters"))?;
    let mut pins = serde_json::Map::new();
    for (kind, status) in client.pin_statuses(&[PinKind::Auth, PinKind::Sign, PinKind::Text])? {
        let status = status?;
        let (text, value) = match status {
            PinStatus::Remaining(n) => (t!("pin-state-tries", n = n), json!(n)),
            PinStatus::Blocked => (t!("pin-state-blocked"), json!("blocked")),
        };
        t.say(&format!("   {}", t!("pin-state-line", pin = pin_name(kind), state = text)))?;
        pins.insert(pin_key(kind).into(), value);
    }
    let verifies = count(&shared).map(|c| c.verify_with_data).unwrap_or(0);
    t.say(&format!("   {}", t!("demo-verifies", n = verifies)))?;
    t.step("pin_status", serde_json::Value::Object(pins));

    t.say(&t!("demo-signing"))?;
    let password = SignPassword::new(SIM_SIGN_PASSWORD)?;
    let (sign_cert, cms) = {
        let mut unlocked = client.unlock(PinEntry::Host(&password), false)?;
        let cert = unlocked.read_certificate(CertKind::Sign)?;
        let cms = sign_detached(SAMPLE.as_bytes(), &cert, &mut unlocked, &CmsOptions::default())
            .map_err(|e| CliError::Input(t!("demo-cms-failed", why = e.to_string())))?;
        unlocked.finish()?;
        (cert, cms)
    };
    let signatures = count(&shared).map(|c| c.signatures).unwrap_or(0);
    t.say(&format!("   {}", t!("demo-signed", bytes = cms.len(), signatures = signatures)))?;
    t.step("sign", json!({ "format": "cms", "bytes": cms.len(), "card_signatures": signatures }));

    t.say(&t!("demo-verifying"))?;
    let anchor =
        TrustAnchor::from_der(SIM_SIGN_ROOT, AnchorSource::Extra, "virtual card signature root")
            .map_err(|e| CliError::Input(e.to_string()))?;
    let good = verify_with_crl(&cms, &anchor, SIM_SIGN_CRL_EMPTY, "sign-crl-empty.der")?;
    t.say(&format!("   {}", t!("demo-current-crl", verdict = verdict_text(&good.verdict))))?;
    let outcome = super::report_text::revocation_outcome(&good.revocation.outcome);
    t.say(&format!("   {}", t!("demo-revocation", outcome = outcome)))?;
    if let Some(h) = &good.holder {
        let name = h.name.clone().unwrap_or_else(|| t!("demo-no-name"));
        t.say(&format!("   {}", t!("demo-signer", name = name)))?;
    }
    let revoked = verify_with_crl(&cms, &anchor, SIM_SIGN_CRL_REVOKED, "sign-crl-revoked.der")?;
    let outcome = super::report_text::revocation_outcome(&revoked.revocation.outcome);
    let line = t!("demo-revoking-crl", verdict = verdict_text(&revoked.verdict), outcome = outcome);
    t.say(&format!("   {line}"))?;
    t.step("verify", json!({ "with_current_crl": good, "with_revoking_crl": revoked }));

    let my_number = mynacard::sim::pki::Holder::default().my_number;
    let masked = mynacard::card::MyNumber::new(&my_number).map(|m| m.masked()).unwrap_or_default();
    t.say(&t!("demo-face", number = masked))?;
    let code = mynacard::card::FaceCode::A(mynacard::card::CodeA::new(&my_number)?);
    let face = client.read_face(&code, false)?;
    let trust =
        super::face::Trust::production_and_pem("virtual card CVC CA 9000023/001", SIM_FACE_CA_PEM)?;
    let auth = mynacard::verify::authenticity::check_face(
        face.cvc(),
        face.face_raw(),
        face.my_number_image_raw(),
        &trust.for_cvc(face.cvc()),
    );
    let rec = face.face()?;
    let line = t!(
        "demo-face-images",
        photo = rec.photo.len(),
        name = rec.name_png.len(),
        address = rec.address_png.len()
    );
    t.say(&format!("   {line}"))?;
    t.say(&format!("   {}", super::face::authenticity_text(&auth)))?;
    let unknown = mynacard::verify::authenticity::check_face(
        face.cvc(),
        face.face_raw(),
        face.my_number_image_raw(),
        &mynacard::verify::authenticity::CvcTrust::new(false),
    );
    let verdict = super::face::authenticity_word(unknown.verdict).to_lowercase();
    t.say(&format!("   {}", t!("demo-production-only", verdict = verdict)))?;
    t.step(
        "face",
        json!({
            "code": "a",
            "photo_bytes": rec.photo.len(),
            "authenticity": super::face::authenticity_json(&auth),
            "authenticity_production_only": unknown.verdict.name(),
        }),
    );
    let face_ok = auth.verdict == mynacard::verify::authenticity::Verdict::Genuine
        && unknown.verdict == mynacard::verify::authenticity::Verdict::Unknown;
    drop(rec);
    drop(face);

    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).map_err(|source| CliError::Io {
            context: t!("io-creating", path = dir.display().to_string()),
            source,
        })?;
        let io =
            |what: &str, source| CliError::Io { context: t!("io-writing", path = what), source };
        write_atomic(&dir.join("document.txt"), SAMPLE.as_bytes())
            .map_err(|e| io("document.txt", e))?;
        write_atomic(&dir.join("document.txt.p7s"), &cms).map_err(|e| io("document.txt.p7s", e))?;
        write_atomic(&dir.join("sign-root.pem"), pem("CERTIFICATE", SIM_SIGN_ROOT).as_bytes())
            .map_err(|e| io("sign-root.pem", e))?;
        write_atomic(&dir.join("sign-cert.pem"), pem("CERTIFICATE", &sign_cert).as_bytes())
            .map_err(|e| io("sign-cert.pem", e))?;
        for (name, der) in &certs {
            write_atomic(&dir.join(format!("{name}.pem")), pem("CERTIFICATE", der).as_bytes())
                .map_err(|e| io(name, e))?;
        }
        t.say(&t!("demo-files", dir = dir.display().to_string()))?;
    }

    let ok = good.verdict == Verdict::Valid && revoked.verdict == Verdict::Invalid && face_ok;
    if g.json {
        outln!("{}", json!({ "ok": ok, "reader": "sim", "steps": t.steps }))?;
    } else {
        t.say(&if ok { t!("demo-complete") } else { t!("demo-failed") })?;
    }
    Ok(if ok { Exit::Success } else { Exit::VerificationFailed })
}

fn verify_with_crl(
    cms: &[u8],
    anchor: &TrustAnchor,
    crl: &'static [u8],
    name: &str,
) -> Result<mynacard::verify::VerifyReport, CliError> {
    let mut store = CrlStore::new();
    store.add_bytes(name, crl).map_err(|e| CliError::Input(e.to_string()))?;
    let revocation = Revocation::new(RevocationPolicy::Require).with_crls(store);
    let opts = VerifyOptions {
        extra_anchors: vec![anchor.clone()],
        revocation: Some(&revocation),
        ..VerifyOptions::default()
    };
    verify_cms(Some(SAMPLE.as_bytes()), cms, None, &opts)
        .map_err(|e| CliError::Input(e.to_string()))
}

fn verdict_text(v: &Verdict) -> String {
    match v {
        Verdict::Valid => t!("verdict-valid"),
        Verdict::Invalid => t!("demo-not-valid"),
        Verdict::RevocationUnknown => t!("verdict-revocation-unknown"),
    }
}

/// A PIN's name in words, in the language in force.
fn pin_name(kind: PinKind) -> String {
    super::messages::pin_name(kind)
}

fn pin_key(kind: PinKind) -> &'static str {
    match kind {
        PinKind::Auth => "auth",
        PinKind::Sign => "sign",
        other => super::pin::pin_name(other),
    }
}

fn subject_of(der: &[u8]) -> String {
    x509_cert::Certificate::from_der(der)
        .map(|c| c.tbs_certificate.subject.to_string())
        .unwrap_or_else(|_| "(not a certificate)".into())
}

//! `mynacard serve` through the real PC/SC stack: `mynacard sim serve` → vpcd → pcscd →
//! the service (a child process on a temporary Unix socket or loopback port, stopped by
//! PID) → this test's own HTTP client. Every endpoint and its errors, the PIN rules, the
//! busy card, a client that leaves before the VERIFY, the security state after a signature,
//! card events, graceful SIGTERM; signatures are checked with the `openssl` command. Every
//! JSON answer is checked against the service's OpenAPI document (status documented for the
//! operation, body valid against the schema). Hostile clients (Host, Origin, token, body
//! size, slow headers) are in `serve_hostile.rs`.
//!
//! Needs a private pcscd: `scripts/with-pcscd cargo test --test serve_pcsc --
//! --test-threads=1`; without `MYNACARD_PCSCD=1` every test prints a notice and passes.

mod common;
mod openssl_pki;

use std::time::Duration;

use base64ct::{Base64, Encoding};
use common::cli::{assert_no_secret, image, pki, s};
use common::serve::{Events, Service};
use common::*;
use serde_json::{json, Value};

/// The service's OpenAPI document (the file it serves).
fn openapi() -> Value {
    serde_json::from_str(include_str!("../src/serve/openapi.json")).unwrap()
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// A small JSON Schema check (type, enum, required, properties, additionalProperties,
/// items): the subset the document uses.
fn validate(doc: &Value, schema: &Value, v: &Value, at: &str) {
    let schema = resolve(doc, schema);
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        });
        assert!(ok, "{at}: {v} is not of type {t}");
    }
    if let Some(e) = schema.get("enum").and_then(|e| e.as_array()) {
        assert!(e.contains(v), "{at}: {v} not in {e:?}");
    }
    if let Some(obj) = v.as_object() {
        for r in schema["required"].as_array().into_iter().flatten() {
            let r = r.as_str().unwrap();
            assert!(obj.contains_key(r), "{at}: missing {r} in {v}");
        }
        let props = schema["properties"].as_object();
        for (k, val) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(ps) => validate(doc, ps, val, &format!("{at}.{k}")),
                None => assert!(
                    schema.get("additionalProperties") != Some(&Value::Bool(false)),
                    "{at}: undocumented field {k}"
                ),
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            validate(doc, items, x, &format!("{at}[{i}]"));
        }
    }
}

/// The answer conforms to the document: its status is documented for the operation and
/// its JSON body is valid against that response's schema.
fn conforms(path: &str, method: &str, a: &common::serve::Answer) {
    let doc = openapi();
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is not documented");
    let resp = &op["responses"][a.status.to_string()];
    assert!(resp.is_object(), "{method} {path}: status {} is not documented", a.status);
    if let Some(schema) = resp["content"]["application/json"].get("schema") {
        validate(&doc, schema, &a.json(), &format!("{method} {path} {}", a.status));
    }
}

fn b64(bytes: &[u8]) -> String {
    Base64::encode_string(bytes)
}

fn unb64(v: &Value) -> Vec<u8> {
    Base64::decode_vec(v.as_str().expect("a base64 string")).expect("base64")
}

/// The reader arguments of a service on the vpcd card.
const ON_VPCD: [&str; 2] = ["--reader", READER];

/// Anchors so that `/v1/verify` can judge the virtual card's signatures (revocation off).
fn verify_args() -> Vec<String> {
    vec![
        "--trust-anchor".into(),
        pki("sign-root.pem"),
        "--trust-anchor".into(),
        pki("auth-root.pem"),
        "--revocation".into(),
        "off".into(),
    ]
}

fn service(extra: &[&str]) -> Service {
    let v = verify_args();
    let mut args: Vec<&str> = ON_VPCD.to_vec();
    args.extend(v.iter().map(String::as_str));
    args.extend_from_slice(extra);
    Service::unix(&args)
}

fn auth_tries(svc: &Service) -> u64 {
    let a = svc.get("/v1/card");
    assert_eq!(a.status, 200, "{:?}", a.json());
    a.json()["pins"][0]["tries_left"].as_u64().unwrap()
}

#[test]
fn read_endpoints_through_pcsc() {
    if !pcscd_or_skip("read_endpoints_through_pcsc") {
        return;
    }
    let _sim = SimServer::start();
    let svc = service(&[]);
    let dir = tempfile::tempdir().unwrap();

    let a = svc.get("/v1/health");
    conforms("/v1/health", "get", &a);
    assert_eq!(a.json()["status"], "ok");

    let a = svc.get("/v1/readers");
    conforms("/v1/readers", "get", &a);
    let readers = a.json()["readers"].as_array().unwrap().clone();
    let ours = readers.iter().find(|r| r["name"] == READER).expect("the vpcd reader");
    assert_eq!(ours["card_present"], true);
    assert_eq!(ours["atr"], "3BE000FF8131FE4514");

    let a = svc.get("/v1/card");
    conforms("/v1/card", "get", &a);
    let v = a.json();
    assert_eq!((v["present"].clone(), v["reader"].clone()), (json!(true), json!(READER)));
    assert_eq!(v["token"], "card");
    let tries: Vec<_> =
        v["pins"].as_array().unwrap().iter().map(|p| p["tries_left"].clone()).collect();
    assert_eq!(tries, [json!(3), json!(5), json!(3)]);
    // vpcd's readers have no PIN pad: the feature request says so.
    assert_eq!(v["pinpad"], false);

    for (which, file) in
        [("auth", "auth-cert.der"), ("auth-ca", "auth-root.der"), ("sign-ca", "sign-root.der")]
    {
        let a = svc.get(&format!("/v1/certificates/{which}"));
        conforms("/v1/certificates/{which}", "get", &a);
        let der = unb64(&a.json()["certificate"]);
        // The virtual card's certificates are the image's PKI files; openssl parses them.
        let want = std::fs::read(image(&format!("pki/{file}"))).unwrap();
        if which == "auth" {
            assert_eq!(der, want, "{which}");
        }
        let path = dir.path().join(format!("{which}.der"));
        std::fs::write(&path, &der).unwrap();
        openssl_pki::ok(
            dir.path(),
            &["x509", "-inform", "DER", "-in", s(&path), "-noout", "-subject"],
        );
    }
    let a = svc.get("/v1/certificates/sign");
    conforms("/v1/certificates/{which}", "get", &a);
    assert_eq!((a.status, a.code()), (404, "not-found".to_string()));

    let audit = svc.audit();
    let ops: Vec<_> = audit.iter().map(|r| r["operation"].as_str().unwrap()).collect();
    assert_eq!(
        ops,
        [
            "detect",
            "pin_status",
            "read_auth_certificate",
            "read_ca_certificate",
            "read_ca_certificate"
        ]
    );
    assert!(audit.iter().all(|r| r["caller"].as_str().unwrap().starts_with("uid:")));
    assert!(audit.iter().all(|r| r["reader"] == READER && r["outcome"] == "ok"));
}

#[test]
fn authenticate_and_sign_verify_with_openssl() {
    if !pcscd_or_skip("authenticate_and_sign_verify_with_openssl") {
        return;
    }
    let _sim = SimServer::start();
    let svc = service(&[]);
    let dir = tempfile::tempdir().unwrap();
    let challenge = b"relying party challenge 0001";
    let a = svc.post(
        "/v1/authenticate",
        json!({ "challenge": b64(challenge), "pin": AUTH_PIN, "purpose": "login to the clinic" }),
    );
    conforms("/v1/authenticate", "post", &a);
    assert_eq!(a.status, 200, "{:?}", a.json());
    let v = a.json();
    std::fs::write(dir.path().join("challenge"), challenge).unwrap();
    std::fs::write(dir.path().join("auth.sig"), unb64(&v["signature"])).unwrap();
    std::fs::write(dir.path().join("auth.der"), unb64(&v["certificate"])).unwrap();
    openssl_pki::public_key(dir.path(), "auth.der", "DER", "auth.pub");
    let out = openssl_pki::dgst_verify(dir.path(), "sha256", "auth.pub", "auth.sig", "challenge");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Verified OK\n");

    // CMS with the signature key over a document; openssl checks it under the sign root.
    let doc = b"contract text\n";
    std::fs::write(dir.path().join("doc"), doc).unwrap();
    let a = svc
        .post("/v1/sign", json!({ "document": b64(doc), "pin": SIGN_PIN, "purpose": "contract" }));
    conforms("/v1/sign", "post", &a);
    assert_eq!(a.status, 200, "{:?}", a.json());
    let cms = unb64(&a.json()["signature"]);
    std::fs::write(dir.path().join("doc.p7s"), &cms).unwrap();
    let out = openssl_pki::cms_verify(
        dir.path(),
        "doc.p7s",
        "DER",
        Some("doc"),
        &pki("sign-root.pem"),
        &[],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Raw, authentication key, over a digest.
    let digest = mynacard::sign::HashAlg::Sha256.digest(doc);
    let a = svc.post(
        "/v1/sign",
        json!({ "key": "auth", "format": "raw", "digest": b64(&digest), "pin": AUTH_PIN }),
    );
    conforms("/v1/sign", "post", &a);
    assert_eq!(a.status, 200, "{:?}", a.json());
    std::fs::write(dir.path().join("doc.sig"), unb64(&a.json()["signature"])).unwrap();
    let out = openssl_pki::dgst_verify(dir.path(), "sha256", "auth.pub", "doc.sig", "doc");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // The same engine as `mynacard verify`: the CMS verifies, a changed document does not.
    let a = svc.post("/v1/verify", json!({ "data": b64(doc), "signature": b64(&cms) }));
    conforms("/v1/verify", "post", &a);
    assert_eq!(
        (a.json()["verdict"].clone(), a.json()["outcome"].clone()),
        (json!("valid"), json!("success"))
    );
    let a = svc.post("/v1/verify", json!({ "data": b64(b"other"), "signature": b64(&cms) }));
    conforms("/v1/verify", "post", &a);
    assert_eq!(a.json()["outcome"], "verification-failed");
    let a = svc.post("/v1/verify", json!({ "signature": b64(b"not a signature") }));
    conforms("/v1/verify", "post", &a);
    assert_eq!((a.status, a.code()), (422, "verification-failed".to_string()));

    // The purpose reaches the audit log; the PINs never do.
    let log = std::fs::read_to_string(svc.dir.path().join("audit.log")).unwrap();
    assert!(log.contains("\"purpose\":\"login to the clinic\""), "{log}");
    assert_no_secret(SIGN_PIN, &[&log]);
    let ops: Vec<_> =
        svc.audit().iter().map(|r| r["operation"].as_str().unwrap().to_string()).collect();
    assert_eq!(ops, ["authenticate", "sign", "authenticate", "verify", "verify", "verify"]);
    let verified: Vec<_> =
        svc.audit().iter().skip(3).map(|r| r["outcome"].as_str().unwrap().to_string()).collect();
    assert_eq!(verified, ["ok", "failed", "failed"]);
}

#[test]
fn text_is_masked_unless_the_operator_allows() {
    if !pcscd_or_skip("text_is_masked_unless_the_operator_allows") {
        return;
    }
    let _sim = SimServer::start();
    {
        let svc = service(&[]);
        let a = svc.post("/v1/text", json!({ "pin": TEXT_PIN }));
        conforms("/v1/text", "post", &a);
        assert_eq!(a.status, 200);
        assert_eq!(a.json()["my_number"], "********9018");
        assert_eq!(a.json()["my_number_masked"], true);
        let a = svc.post("/v1/text", json!({ "pin": TEXT_PIN, "reveal": true }));
        conforms("/v1/text", "post", &a);
        assert_eq!((a.status, a.code()), (403, "forbidden".to_string()));
        let log = std::fs::read_to_string(svc.dir.path().join("audit.log")).unwrap();
        assert_no_secret(MY_NUMBER, &[&log]);
        assert!(!log.contains("9018") && !log.contains("花子"), "{log}");
    }
    let svc = service(&["--allow-reveal"]);
    let a = svc.post("/v1/text", json!({ "pin": TEXT_PIN, "reveal": true }));
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["my_number"], MY_NUMBER);
}

/// `/v1/age` answers yes or no and the birth record's authenticity, nothing else about the
/// holder (born 1990-05-15 on the default image); the birth date is a secret like a PIN.
#[test]
fn age_check_answers_yes_or_no_and_nothing_else() {
    if !pcscd_or_skip("age_check_answers_yes_or_no_and_nothing_else") {
        return;
    }
    let _sim = SimServer::start();
    let ca = pki("cvc-ca-9000023.pem");
    let svc = service(&["--cvc-ca", &ca]);
    let ask = |at_least: u16, at: &str| {
        let body = json!({ "birth_date": "1990-05-15", "at_least": at_least, "at": at,
                           "purpose": "age check at the till" });
        let a = svc.post("/v1/age", body);
        conforms("/v1/age", "post", &a);
        assert_eq!(a.status, 200, "{:?}", a.json());
        let v = a.json();
        let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["at_least", "authenticity", "result"], "{v}");
        assert_eq!(v["authenticity"]["verdict"], "genuine", "{v}");
        v["result"].as_bool().unwrap()
    };
    assert!(ask(20, "2010-05-15"), "20 on the 20th birthday");
    assert!(!ask(20, "2010-05-14"), "19 the day before");
    assert!(!ask(37, "2026-12-02"));

    // Not the card's birth date: the card says no (a try spent), nothing about the holder.
    let a = svc.post("/v1/age", json!({ "birth_date": "1991-05-15", "at_least": 20 }));
    conforms("/v1/age", "post", &a);
    assert_eq!((a.status, a.code()), (403, "wrong-pin".to_string()), "{:?}", a.json());
    // A birth date that is not a date never reaches the card.
    for bad in ["1990-02-30", "yesterday", ""] {
        let a = svc.post("/v1/age", json!({ "birth_date": bad, "at_least": 20 }));
        conforms("/v1/age", "post", &a);
        assert_eq!((a.status, a.code()), (400, "usage".to_string()), "{bad}: {:?}", a.json());
        let body = String::from_utf8_lossy(&a.body);
        assert!(bad.is_empty() || !body.contains(bad), "the answer echoes {bad:?}: {body}");
    }
    let log = std::fs::read_to_string(svc.dir.path().join("audit.log")).unwrap();
    assert!(log.contains("\"age_check\""), "{log}");
    assert!(log.contains("age check at the till"), "{log}");
    for secret in ["1990", "1991", "05-15", "0515", "花子"] {
        let without_times: String = log
            .lines()
            .map(|l| {
                let mut v: Value = serde_json::from_str(l).unwrap();
                v.as_object_mut().unwrap().remove("time");
                v.to_string()
            })
            .collect();
        assert!(!without_times.contains(secret), "the audit log holds {secret:?}: {log}");
    }
}

/// The virtual card's 照合番号B (sim-image/default: born 1990-05-15, card valid to 2035,
/// security code 7251), as three fields and as the 14 composed digits.
const CODE_B_LINE: &str = "1990-05-15 2035 7251";
const CODE_B_DIGITS: &str = "02051520357251";

/// The card's own count of every command received since `sim serve` started
/// (`sim serve --counts`; the power events left out).
fn commands(counts: &std::path::Path) -> Value {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(counts).unwrap()).unwrap();
    let obj = v.as_object_mut().unwrap();
    for power in ["power_off", "power_on", "reset"] {
        obj.remove(power);
    }
    v
}

/// `/v1/face` is `mynacard face read`: by default the answer holds which items were read and
/// the J-LIS verdicts, nothing of the holder; the photo and images only when the operator
/// allowed revealing and the request asks, and then the very bytes `face read --photo` writes.
/// The code is a secret like a PIN: its format is checked before anything is sent, a wrong
/// one spends exactly one try and is not retried, and it is never echoed nor logged.
#[test]
fn face_is_masked_unless_the_operator_allows() {
    if !pcscd_or_skip("face_is_masked_unless_the_operator_allows") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let counts = dir.path().join("counts.json");
    let _sim = SimServer::start_with(&["--counts", s(&counts)]);
    let (face_ca, text_ca) = (pki("cvc-ca-9000023.pem"), pki("cvc-ca-9000033.pem"));
    let holder = ["1990", "05-15", "花子", "虹色県", "9018", "2035-"];
    {
        let svc = service(&["--cvc-ca", &face_ca, "--cvc-ca", &text_ca]);
        let a = svc.post("/v1/face", json!({ "secret": CODE_B_LINE, "purpose": "reception" }));
        conforms("/v1/face", "post", &a);
        assert_eq!(a.status, 200, "{:?}", a.json());
        let v = a.json();
        let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "authenticity",
                "code",
                "items",
                "revealed",
                "text_authenticity",
                "text_read",
                "text_skipped"
            ],
            "{v}"
        );
        assert_eq!((v["code"].clone(), v["revealed"].clone()), (json!("b"), json!(false)));
        assert_eq!(v["items"], json!(["photo", "name", "address", "security_code"]));
        assert_eq!(v["text_read"], true);
        // The verdicts without the signer key (it names the municipality).
        for which in ["authenticity", "text_authenticity"] {
            assert_eq!(v[which]["verdict"], "genuine", "{which}: {v}");
            assert!(v[which].get("signer_key").is_none(), "{which}: {v}");
        }
        let body = String::from_utf8_lossy(&a.body).to_string();
        for secret in holder.iter().chain(&["7251", CODE_B_DIGITS]) {
            assert!(!body.contains(secret), "the answer holds {secret:?}: {body}");
        }

        // Revealing is the operator's choice: refused before the card is touched.
        let before = commands(&counts);
        let a = svc.post("/v1/face", json!({ "secret": CODE_B_LINE, "reveal": true }));
        conforms("/v1/face", "post", &a);
        assert_eq!((a.status, a.code()), (403, "forbidden".to_string()));
        assert_eq!(commands(&counts), before, "a refused reveal reached the card");

        // A malformed code never reaches the card, and is not echoed.
        for bad in ["1990-05-15 2035", "0205152035725", "1990-02-30 2035 7251", ""] {
            let a = svc.post("/v1/face", json!({ "secret": bad }));
            conforms("/v1/face", "post", &a);
            assert_eq!((a.status, a.code()), (400, "usage".to_string()), "{bad}: {:?}", a.json());
            let body = String::from_utf8_lossy(&a.body);
            assert!(!body.contains("7251") && !body.contains("1990"), "{body}");
        }
        let a = svc.post("/v1/face", json!({ "code": "a", "secret": "123456789017" }));
        assert_eq!((a.status, a.code()), (400, "usage".to_string()), "{:?}", a.json());
        assert_eq!(commands(&counts), before, "a malformed code reached the card");

        // A wrong code: one VERIFY with data, one try spent (10 → 9 → 8), never retried.
        for left in [9, 8] {
            let a = svc.post("/v1/face", json!({ "secret": "1990-05-15 2035 7252" }));
            conforms("/v1/face", "post", &a);
            assert_eq!((a.status, a.code()), (403, "wrong-pin".to_string()), "{:?}", a.json());
            let msg = a.json()["error"]["message"].as_str().unwrap().to_string();
            assert!(msg.contains(&format!("{left} tries left")), "{msg}");
            assert!(!msg.contains("7252"), "{msg}");
        }
        let after = commands(&counts);
        assert_eq!(
            after["verify_with_data"].as_u64().unwrap(),
            before["verify_with_data"].as_u64().unwrap() + 2,
            "{before} → {after}"
        );
        // The right code resets the counter (10 again: the next wrong one says 9).
        assert_eq!(svc.post("/v1/face", json!({ "secret": CODE_B_DIGITS })).status, 200);

        let log = std::fs::read_to_string(svc.dir.path().join("audit.log")).unwrap();
        let records: Vec<Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert!(records.iter().all(|r| r["operation"] == "read_card_face"), "{log}");
        let outcomes: Vec<&str> = records.iter().map(|r| r["outcome"].as_str().unwrap()).collect();
        assert_eq!(outcomes.first(), Some(&"ok"), "{log}");
        assert!(log.contains("\"purpose\":\"reception\""), "{log}");
        for r in &records {
            let mut r = r.clone();
            r.as_object_mut().unwrap().remove("time");
            let r = r.to_string();
            for secret in holder.iter().chain(&["7251", "7252", CODE_B_DIGITS]) {
                assert!(!r.contains(secret), "the audit log holds {secret:?}: {r}");
            }
        }
    }

    // The operator allows it and the request asks: the card face, and the photo is the
    // very file `mynacard face read --photo` writes from the same card.
    let svc = service(&["--cvc-ca", &face_ca, "--cvc-ca", &text_ca, "--allow-reveal"]);
    let a = svc.post("/v1/face", json!({ "secret": CODE_B_LINE, "reveal": true }));
    conforms("/v1/face", "post", &a);
    assert_eq!(a.status, 200, "{:?}", a.json());
    let v = a.json();
    assert_eq!(v["revealed"], true);
    assert_eq!(v["birth_date"], "1990-05-15");
    assert_eq!(v["name"], "番号\u{3000}花子");
    assert_eq!(v["authenticity"]["verdict"], "genuine");
    let photo = unb64(&v["photo"]);
    assert_eq!(v["items"], json!(["photo", "name", "address", "security_code"]));
    let mut images: Vec<&str> =
        v["images"].as_object().unwrap().keys().map(String::as_str).collect();
    images.sort();
    assert_eq!(images, ["address", "name", "security_code"]);
    let photo_file = dir.path().join("photo.jp2");
    let images_dir = dir.path().join("images");
    common::cli::pcsc(&["face", "read", "--pin-stdin", "--photo", s(&photo_file)])
        .args(["--images", s(&images_dir)])
        .write_stdin(format!("{CODE_B_LINE}\n"))
        .assert()
        .success();
    assert_eq!(photo, std::fs::read(&photo_file).unwrap(), "the photo differs from face read's");
    for (key, file) in
        [("name", "name.png"), ("address", "address.png"), ("security_code", "security-code.png")]
    {
        assert_eq!(
            unb64(&v["images"][key]),
            std::fs::read(images_dir.join(file)).unwrap(),
            "{key}"
        );
    }
    // Without asking, the same service still answers masked.
    let a = svc.post("/v1/face", json!({ "secret": CODE_B_LINE }));
    assert_eq!((a.status, a.json()["revealed"].clone()), (200, json!(false)));
    assert!(a.json().get("photo").is_none());
    // 照合番号A: masked, nothing of the number; revealed, the number and its image.
    let a = svc.post("/v1/face", json!({ "code": "a", "secret": MY_NUMBER }));
    conforms("/v1/face", "post", &a);
    assert_eq!(a.status, 200, "{:?}", a.json());
    assert_eq!(
        a.json()["items"],
        json!(["photo", "name", "address", "security_code", "my_number"])
    );
    assert!(!String::from_utf8_lossy(&a.body).contains("9018"), "{:?}", a.json());
    let a = svc.post("/v1/face", json!({ "code": "a", "secret": MY_NUMBER, "reveal": true }));
    conforms("/v1/face", "post", &a);
    assert_eq!(
        (a.json()["my_number"].clone(), a.json()["my_number_masked"].clone()),
        (json!(MY_NUMBER), json!(false))
    );
    assert!(!unb64(&a.json()["images"]["my_number"]).is_empty());
}

/// `GET /v1/card` is read from the card once per insertion and operation: repeated, it is
/// answered from memory (no command reaches the card, no audit record); an operation of the
/// service, a removal and a reinsertion make it read the card again. A counter changed by
/// another program is not seen until then (documented in README).
#[test]
fn card_status_is_remembered_until_the_card_changes() {
    if !pcscd_or_skip("card_status_is_remembered_until_the_card_changes") {
        return;
    }
    use mynacard::transport::pcsc::{PcscTransport, ShareMode};
    use mynacard::transport::Transport;
    let dir = tempfile::tempdir().unwrap();
    let counts = dir.path().join("counts.json");
    let sim = SimServer::start_with(&["--counts", s(&counts)]);
    let svc = service(&[]);
    let mut events = Events::open(&svc.addr);
    events.wait_for(Duration::from_secs(20), |e| e["event"] == "card_inserted").expect("card");
    let first = svc.get("/v1/card");
    assert_eq!(first.status, 200, "{:?}", first.json());
    let before = commands(&counts);
    for _ in 0..3 {
        let again = svc.get("/v1/card");
        assert_eq!(again.json(), first.json());
    }
    assert_eq!(commands(&counts), before, "a remembered status reached the card");
    assert_eq!(svc.audit().len(), 2, "detect and pin_status, once");

    // Another program spends a try: not seen (the documented limit) …
    {
        let mut t = PcscTransport::connect(READER, ShareMode::Shared).unwrap();
        let hex = |h: &str| ::hex::decode(h.replace(' ', "")).unwrap();
        assert_eq!(
            t.transmit(&hex("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01")).unwrap(),
            [0x90, 0x00]
        );
        assert_eq!(t.transmit(&hex("00 A4 02 0C 02 00 18")).unwrap(), [0x90, 0x00]);
        assert_eq!(t.transmit(&hex("00 20 00 80 04 30 30 30 30")).unwrap(), [0x63, 0xC2]);
    }
    assert_eq!(auth_tries(&svc), 3, "the status was read again without a reason");
    // … until the service runs an operation on the card.
    let a = svc.post("/v1/authenticate", json!({ "challenge": b64(b"c"), "pin": "0000" }));
    assert_eq!((a.status, a.code()), (403, "wrong-pin".to_string()));
    assert_eq!(auth_tries(&svc), 1);
    assert_eq!(auth_tries(&svc), 1);

    // A new card (the virtual card starts afresh): read again on insertion.
    drop(sim);
    events.wait_for(Duration::from_secs(20), |e| e["event"] == "card_removed").expect("removed");
    let a = svc.get("/v1/card");
    assert_eq!((a.status, a.json()["present"].clone()), (200, json!(false)), "{:?}", a.json());
    let _sim = SimServer::start();
    events.wait_for(Duration::from_secs(20), |e| e["event"] == "card_inserted").expect("inserted");
    assert_eq!(auth_tries(&svc), 3);
}

#[test]
fn pin_rules_are_the_cli_rules() {
    if !pcscd_or_skip("pin_rules_are_the_cli_rules") {
        return;
    }
    let _sim = SimServer::start();
    let svc = service(&[]);
    let ch = b64(b"c");
    // Format first: nothing reaches the card, the counter stays.
    let a = svc.post("/v1/authenticate", json!({ "challenge": ch, "pin": "12" }));
    conforms("/v1/authenticate", "post", &a);
    assert_eq!((a.status, a.code()), (400, "usage".to_string()));
    let a = svc.post("/v1/authenticate", json!({ "challenge": ch }));
    assert_eq!((a.status, a.code()), (400, "usage".to_string()));
    assert_eq!(auth_tries(&svc), 3);
    for left in [2, 1] {
        let a = svc.post("/v1/authenticate", json!({ "challenge": ch, "pin": "0000" }));
        conforms("/v1/authenticate", "post", &a);
        assert_eq!((a.status, a.code()), (403, "wrong-pin".to_string()));
        assert!(a.json()["error"]["message"].as_str().unwrap().contains(&format!("{left} tr")));
    }
    // One try left: refused without a VERIFY, even with the right PIN.
    let a = svc.post("/v1/authenticate", json!({ "challenge": ch, "pin": AUTH_PIN }));
    conforms("/v1/authenticate", "post", &a);
    assert_eq!((a.status, a.code()), (409, "last-try-refused".to_string()));
    assert_eq!(auth_tries(&svc), 1);
    let a = svc.post(
        "/v1/authenticate",
        json!({ "challenge": ch, "pin": AUTH_PIN, "allow_last_try": true }),
    );
    assert_eq!(a.status, 200, "{:?}", a.json());
    assert_eq!(auth_tries(&svc), 3);
    let outcomes: Vec<_> = svc
        .audit()
        .iter()
        .filter(|r| r["operation"] == "authenticate")
        .map(|r| (r["outcome"].as_str().unwrap().to_string(), r["tries_left"].clone()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("refused".to_string(), Value::Null),
            ("wrong_pin".to_string(), json!(2)),
            ("wrong_pin".to_string(), json!(1)),
            ("refused".to_string(), Value::Null),
            ("ok".to_string(), Value::Null),
        ]
    );
}

/// After a signature through the service, a second program connecting to the card without
/// a VERIFY can neither read the signature certificate nor sign (`69 82`).
#[test]
fn nothing_stays_verified_after_a_signature() {
    if !pcscd_or_skip("nothing_stays_verified_after_a_signature") {
        return;
    }
    use mynacard::transport::pcsc::{PcscTransport, ShareMode};
    use mynacard::transport::Transport;
    let _sim = SimServer::start();
    let svc = service(&[]);
    let a = svc.post("/v1/sign", json!({ "document": b64(b"x"), "pin": SIGN_PIN }));
    assert_eq!(a.status, 200, "{:?}", a.json());
    let mut t = PcscTransport::connect(READER, ShareMode::Shared).unwrap();
    let hex = |h: &str| ::hex::decode(h.replace(' ', "")).unwrap();
    let mut send = |h: &str| t.transmit(&hex(h)).unwrap();
    assert_eq!(send("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"), [0x90, 0x00]);
    assert_eq!(send("00 A4 02 0C 02 00 01"), [0x90, 0x00]);
    assert_eq!(send("00 B0 00 00 04"), [0x69, 0x82], "the signature certificate is readable");
    assert_eq!(send("00 A4 02 0C 02 00 1A"), [0x90, 0x00]);
    let di = "30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20 \
        A7 97 60 C8 8C 2B CE 76 50 18 B4 E4 F5 B4 05 A3 9A B6 0C F4 C6 08 19 F9 39 18 54 F3 ED 43 20 06";
    assert_eq!(
        send(&format!("80 2A 00 80 33 {di} 00")),
        [0x69, 0x82],
        "the key signs without VERIFY"
    );
}

/// Starts a signature on `svc` in another thread once the service's own JPKI probe of the card
/// is done (it takes the card too), and returns when the card operation has started.
fn start_a_signature(svc: &Service) -> (Events, std::thread::JoinHandle<common::serve::Answer>) {
    let mut events = Events::open(&svc.addr);
    events.wait_for(Duration::from_secs(20), |e| e["event"] == "card_inserted").expect("card");
    let addr = svc.addr.clone();
    let signer = std::thread::spawn(move || {
        let body = json!({ "document": b64(b"busy"), "pin": SIGN_PIN }).to_string();
        common::serve::request(&addr, "POST", "/v1/sign", &[], Some(&body))
    });
    events
        .wait_for(Duration::from_secs(20), |e| e["event"] == "operation_started")
        .expect("operation_started");
    (events, signer)
}

#[test]
fn a_busy_card_answers_card_busy_and_a_gone_client_is_cancelled() {
    if !pcscd_or_skip("a_busy_card_answers_card_busy_and_a_gone_client_is_cancelled") {
        return;
    }
    // 400 ms per signature, 20 ms per APDU: a signature holds the card long enough.
    let _sim = SimServer::start_with(&["--profile", "contactless"]);
    let svc = service(&["--busy-wait-ms", "1"]);
    let (mut events, signer) = start_a_signature(&svc);
    let a = svc.get("/v1/card");
    conforms("/v1/card", "get", &a);
    assert_eq!((a.status, a.code()), (409, "card-busy".to_string()));
    let signed = signer.join().unwrap();
    assert_eq!(signed.status, 200);
    let fin = events
        .wait_for(Duration::from_secs(20), |e| e["event"] == "operation_finished")
        .expect("operation_finished");
    assert_eq!((fin["operation"].clone(), fin["outcome"].clone()), (json!("sign"), json!("ok")));
    drop(svc);

    // A client that leaves while waiting for the card: its (wrong) PIN is never sent.
    let svc = service(&["--busy-wait-ms", "30000"]);
    let (_events, signer) = start_a_signature(&svc);
    let body = json!({ "challenge": b64(b"c"), "pin": "0000" }).to_string();
    let mut conn = common::serve::Conn::open(&svc.addr, Duration::from_secs(5)).unwrap();
    use std::io::Write;
    conn.write_all(&common::serve::request_bytes(
        &svc.addr,
        "POST",
        "/v1/authenticate",
        &[],
        Some(&body),
    ))
    .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    conn.close();
    assert_eq!(signer.join().unwrap().status, 200);
    // Let a (wrongly) queued authentication run, if there were one.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(auth_tries(&svc), 3, "the gone client's PIN was sent");
    // The gone client is on record: who, what, cancelled.
    let auths: Vec<_> = svc
        .audit()
        .into_iter()
        .filter(|r| r["operation"] == "authenticate")
        .map(|r| r["outcome"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(auths, ["cancelled"]);
}

/// `?reader=NAME`, percent-encoded (reader names hold spaces).
fn on(path: &str, reader: &str) -> String {
    format!("{path}?reader={}", reader.replace(' ', "%20"))
}

/// One operation at a time per reader: while a signature holds the card in reader A, a second
/// request for A gets `card-busy`, and a request for the card in reader B runs.
#[test]
fn a_busy_reader_does_not_make_another_reader_busy() {
    if !pcscd_or_skip("a_busy_reader_does_not_make_another_reader_busy") {
        return;
    }
    // Reader A: 400 ms per signature, 20 ms per APDU. Reader B: the default card.
    let _a = SimServer::start_with(&["--profile", "contactless"]);
    let _b = SimServer::start_second();
    let v = verify_args();
    let mut args: Vec<&str> = v.iter().map(String::as_str).collect();
    args.extend(["--busy-wait-ms", "1"]);
    let svc = Service::unix(&args);
    // Two cards and no reader named: the service does not guess.
    let a = svc.get("/v1/card");
    conforms("/v1/card", "get", &a);
    assert_eq!((a.status, a.code()), (400, "usage".to_string()), "{:?}", a.json());
    assert!(a.json()["error"]["message"].as_str().unwrap().contains("?reader="));

    let mut events = Events::open(&svc.addr);
    for r in [READER, EMPTY_READER] {
        events
            .wait_for(Duration::from_secs(20), |e| {
                e["event"] == "card_inserted" && e["reader"] == r
            })
            .expect("card_inserted");
    }
    let addr = svc.addr.clone();
    let signer = std::thread::spawn(move || {
        let body = json!({ "document": b64(b"busy"), "pin": SIGN_PIN }).to_string();
        common::serve::request(&addr, "POST", &on("/v1/sign", READER), &[], Some(&body))
    });
    events
        .wait_for(Duration::from_secs(20), |e| {
            e["event"] == "operation_started" && e["reader"] == READER
        })
        .expect("operation_started on A");
    let b = svc.get(&on("/v1/card", EMPTY_READER));
    conforms("/v1/card", "get", &b);
    assert_eq!(b.status, 200, "reader B was busy: {:?}", b.json());
    assert_eq!(
        (b.json()["present"].clone(), b.json()["reader"].clone()),
        (json!(true), json!(EMPTY_READER))
    );
    // A is still busy after B answered: B did not wait for A's signature.
    let a = svc.get(&on("/v1/card", READER));
    assert_eq!((a.status, a.code()), (409, "card-busy".to_string()), "{:?}", a.json());
    let signed = signer.join().unwrap();
    assert_eq!(signed.status, 200, "{:?}", signed.json());
    // By index, and A free again.
    let a = svc.get("/v1/card?reader=0");
    assert_eq!((a.status, a.json()["reader"].clone()), (200, json!(READER)));
    let a = svc.get(&on("/v1/card", "no such reader"));
    conforms("/v1/card", "get", &a);
    assert_eq!((a.status, a.code()), (503, "no-reader".to_string()), "{:?}", a.json());
}

/// With `--reader`, a request may not name another reader.
#[test]
fn a_service_on_one_reader_serves_only_that_reader() {
    if !pcscd_or_skip("a_service_on_one_reader_serves_only_that_reader") {
        return;
    }
    let _a = SimServer::start();
    let _b = SimServer::start_second();
    let svc = service(&[]);
    let a = svc.get(&on("/v1/card", EMPTY_READER));
    conforms("/v1/card", "get", &a);
    assert_eq!((a.status, a.code()), (400, "usage".to_string()), "{:?}", a.json());
    let a = svc.get(&on("/v1/card", READER));
    assert_eq!((a.status, a.json()["reader"].clone()), (200, json!(READER)));
    let long = "x".repeat(300);
    let a = svc.get(&on("/v1/card", &long));
    assert_eq!((a.status, a.code()), (400, "usage".to_string()), "{:?}", a.json());
    assert!(!String::from_utf8_lossy(&a.body).contains(&long));
}

#[test]
fn card_events_follow_vpcd() {
    if !pcscd_or_skip("card_events_follow_vpcd") {
        return;
    }
    let svc = service(&[]);
    let mut events = Events::open(&svc.addr);
    events
        .wait_for(Duration::from_secs(20), |e| {
            e["event"] == "reader_added" && e["reader"] == READER
        })
        .expect("reader_added first");
    let sim = SimServer::start();
    let ins = events
        .wait_for(Duration::from_secs(20), |e| {
            e["event"] == "card_inserted" && e["reader"] == READER
        })
        .expect("card_inserted");
    assert_eq!(ins["jpki"], true);
    assert_eq!(ins["atr"], "3BE000FF8131FE4514");
    drop(sim);
    events
        .wait_for(Duration::from_secs(20), |e| {
            e["event"] == "card_removed" && e["reader"] == READER
        })
        .expect("card_removed");
}

#[test]
fn sigterm_finishes_the_running_operation() {
    if !pcscd_or_skip("sigterm_finishes_the_running_operation") {
        return;
    }
    let _sim = SimServer::start_with(&["--profile", "contactless"]);
    let svc = service(&[]);
    let mut events = Events::open(&svc.addr);
    let addr = svc.addr.clone();
    let signer = std::thread::spawn(move || {
        let body = json!({ "document": b64(b"term"), "pin": SIGN_PIN }).to_string();
        common::serve::request(&addr, "POST", "/v1/sign", &[], Some(&body))
    });
    events
        .wait_for(Duration::from_secs(20), |e| e["event"] == "operation_started")
        .expect("operation_started");
    let sock = match &svc.addr {
        common::serve::Addr::Unix(p) => p.clone(),
        _ => unreachable!(),
    };
    let status = svc.terminate();
    assert!(status.success(), "{status}");
    let a = signer.join().unwrap();
    assert_eq!(a.status, 200, "the running signature was cut: {:?}", a.json());
    assert!(!sock.exists(), "the socket stays after the service stopped");
}

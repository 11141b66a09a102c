//! Card insertion and removal as the module's core reports them through pcscd + vpcd:
//! `C_GetSlotInfo`'s token-present flag, `C_WaitForSlotEvent` (with and without
//! `CKF_DONT_BLOCK`), and a session of a removed card (`CKR_DEVICE_REMOVED` once, then
//! `CKR_SESSION_HANDLE_INVALID`), with the login dropped; and the signature paths with
//! their errors (length queries, non-DigestInfo input, context-specific logins). Drives the
//! safe core
//! (`mynacard_pkcs11::module`) that the C functions call.
//!
//! Run: `scripts/with-pcscd cargo test -p mynacard-pkcs11 --test slot_events --
//! --test-threads=1`.

mod common;

use common::*;
use cryptoki_sys::*;
use mynacard_pkcs11::module::{self, with_module};

fn present(slot: CK_SLOT_ID) -> bool {
    let info = with_module(|m| m.slot_info(slot)).expect("slot info");
    info.flags & CKF_TOKEN_PRESENT != 0
}

#[test]
fn insertion_removal_and_sessions_of_a_removed_card() {
    if !pcscd_or_skip("insertion_removal_and_sessions_of_a_removed_card") {
        return;
    }
    // Make sure the binaries exist before the clock matters.
    let _ = mynacard_bin();
    assert_eq!(with_module(|_| Ok(())), Err(CKR_CRYPTOKI_NOT_INITIALIZED));
    module::initialize().expect("C_Initialize");
    assert_eq!(module::initialize(), Err(CKR_CRYPTOKI_ALREADY_INITIALIZED));
    assert_eq!(with_module(|m| m.slot_list(true)), Ok(vec![]));
    assert_eq!(with_module(|m| m.slot_list(false)), Ok(vec![0, 1, 2, 3]));
    assert!(!present(0) && !present(1));
    assert_eq!(with_module(|m| m.open_session(0, CKF_SERIAL_SESSION)), Err(CKR_TOKEN_NOT_PRESENT));
    assert_eq!(module::wait_for_slot_event(false), Err(CKR_NO_EVENT));

    let mut sim = Sim::start();
    // Blocking wait: the insertion is reported for both slots of the reader.
    assert_eq!(module::wait_for_slot_event(true), Ok(0));
    assert_eq!(module::wait_for_slot_event(false), Ok(1));
    assert_eq!(module::wait_for_slot_event(false), Err(CKR_NO_EVENT));
    assert!(present(0) && present(1));
    assert_eq!(with_module(|m| m.slot_list(true)), Ok(vec![0, 1]));
    assert_eq!(with_module(|m| m.open_session(0, 0)), Err(CKR_SESSION_PARALLEL_NOT_SUPPORTED));

    let h = with_module(|m| m.open_session(0, CKF_SERIAL_SESSION)).expect("open session");
    with_module(|m| m.login(h, CKU_USER, Some(AUTH_PIN.as_bytes()))).expect("login");
    assert_eq!(
        with_module(|m| m.login(h, CKU_USER, Some(AUTH_PIN.as_bytes()))),
        Err(CKR_USER_ALREADY_LOGGED_IN)
    );
    let info = with_module(|m| m.session_info(h)).expect("session info");
    assert_eq!(info.state, CKS_RO_USER_FUNCTIONS);

    sim.stop();
    assert!(!present(0));
    assert_eq!(with_module(|m| m.session_info(h)).err(), Some(CKR_DEVICE_REMOVED));
    assert_eq!(with_module(|m| m.session_info(h)).err(), Some(CKR_SESSION_HANDLE_INVALID));
    assert_eq!(module::wait_for_slot_event(false), Ok(0));
    assert_eq!(module::wait_for_slot_event(false), Ok(1));

    // The same card again: a new insertion, not logged in.
    let _sim = Sim::start();
    let h = with_module(|m| m.open_session(0, CKF_SERIAL_SESSION)).expect("open session");
    let info = with_module(|m| m.session_info(h)).expect("session info");
    assert_eq!(info.state, CKS_RO_PUBLIC_SESSION, "the login went with the card");
    assert_eq!(with_module(|m| m.logout(h)), Err(CKR_USER_NOT_LOGGED_IN));

    module::finalize().expect("C_Finalize");
    assert_eq!(module::wait_for_slot_event(false), Err(CKR_CRYPTOKI_NOT_INITIALIZED));
    assert_eq!(module::finalize(), Err(CKR_CRYPTOKI_NOT_INITIALIZED));
}

fn attr(
    m: &mut mynacard_pkcs11::module::Module,
    h: CK_SESSION_HANDLE,
    obj: CK_OBJECT_HANDLE,
    t: CK_ATTRIBUTE_TYPE,
) -> Option<Vec<u8>> {
    match m.attribute_values(h, obj, &[t]).ok()?.pop()? {
        module::AttrValue::Value(v) => Some(v),
        _ => None,
    }
}

/// The signature paths of the core and their errors: a length query and a short buffer
/// keep the operation, `CKM_RSA_PKCS` takes only a DigestInfo, a public key does not
/// sign, the signature key needs a context-specific login before each signature (the one
/// verified at login costs no VERIFY; another one is checked at once and spends a try when
/// wrong), a private key's secrets are sensitive.
#[test]
fn signing_through_the_core_and_its_errors() {
    if !pcscd_or_skip("signing_through_the_core_and_its_errors") {
        return;
    }
    let sim = Sim::start();
    module::initialize().expect("C_Initialize");
    let r = with_module(|m| {
        let auth = m.open_session(0, CKF_SERIAL_SESSION)?;
        let sign = m.open_session(1, CKF_SERIAL_SESSION)?;
        // Objects before login: the auth private key (handle 4) is not visible.
        assert_eq!(m.sign_init(auth, CKM_SHA256_RSA_PKCS, false, 4), Err(CKR_USER_NOT_LOGGED_IN));
        assert_eq!(
            m.attribute_values(auth, 4, &[CKA_CLASS]).err(),
            Some(CKR_OBJECT_HANDLE_INVALID)
        );
        assert_eq!(m.login(auth, CKU_SO, Some(b"1234")), Err(CKR_USER_TYPE_INVALID));
        m.login(auth, CKU_USER, Some(AUTH_PIN.as_bytes()))?;
        assert_eq!(attr(m, auth, 4, CKA_SIGN), Some(vec![CK_TRUE]));
        assert_eq!(attr(m, auth, 4, CKA_ALWAYS_AUTHENTICATE), Some(vec![CK_FALSE]));
        assert_eq!(attr(m, auth, 4, CKA_ID), attr(m, auth, 1, CKA_ID));
        assert_eq!(attr(m, auth, 4, CKA_MODULUS), attr(m, auth, 3, CKA_MODULUS));
        assert!(matches!(
            m.attribute_values(auth, 4, &[CKA_PRIVATE_EXPONENT])?.pop(),
            Some(module::AttrValue::Sensitive)
        ));
        assert!(matches!(
            m.attribute_values(auth, 1, &[CKA_MODULUS])?.pop(),
            Some(module::AttrValue::Invalid)
        ));
        // A public key does not sign; parameters are refused; no SHA-1.
        assert_eq!(
            m.sign_init(auth, CKM_SHA256_RSA_PKCS, false, 3),
            Err(CKR_KEY_TYPE_INCONSISTENT)
        );
        assert_eq!(
            m.sign_init(auth, CKM_SHA256_RSA_PKCS, true, 4),
            Err(CKR_MECHANISM_PARAM_INVALID)
        );
        assert_eq!(m.sign_init(auth, CKM_SHA1_RSA_PKCS, false, 4), Err(CKR_MECHANISM_INVALID));
        // CKM_RSA_PKCS over something that is not a DigestInfo.
        m.sign_init(auth, CKM_RSA_PKCS, false, 4)?;
        assert_eq!(m.sign_init(auth, CKM_RSA_PKCS, false, 4), Err(CKR_OPERATION_ACTIVE));
        assert!(matches!(m.sign(auth, Some(&[0u8; 32]), None)?, module::SignOut::Len(256)));
        assert!(matches!(
            m.sign(auth, Some(&[0u8; 32]), Some(255))?,
            module::SignOut::TooSmall(256)
        ));
        assert_eq!(m.sign(auth, Some(&[0u8; 32]), Some(256)).err(), Some(CKR_DATA_INVALID));
        assert_eq!(
            m.sign(auth, Some(&[0u8; 32]), Some(256)).err(),
            Some(CKR_OPERATION_NOT_INITIALIZED)
        );
        // Multi-part SHA-384 with the authentication key.
        m.sign_init(auth, CKM_SHA384_RSA_PKCS, false, 4)?;
        m.sign_update(auth, b"part one, ")?;
        m.sign_update(auth, b"part two")?;
        assert!(
            matches!(m.sign(auth, None, Some(256))?, module::SignOut::Signature(s) if s.len() == 256)
        );

        // The signature key: handle 16*1+4 = 20.
        m.login(sign, CKU_USER, Some(b"mynacard1"))?;
        assert_eq!(attr(m, sign, 20, CKA_ALWAYS_AUTHENTICATE), Some(vec![CK_TRUE]));
        assert_eq!(
            m.login(sign, CKU_CONTEXT_SPECIFIC, Some(SIGN_PIN.as_bytes())),
            Err(CKR_OPERATION_NOT_INITIALIZED)
        );
        m.sign_init(sign, CKM_SHA256_RSA_PKCS, false, 20)?;
        // No context-specific login: refused, the operation ends.
        assert_eq!(m.sign(sign, Some(b"doc"), Some(256)).err(), Some(CKR_USER_NOT_LOGGED_IN));
        Ok((auth, sign))
    });
    let (_auth, sign) = r.expect("core calls");
    let verifies = sim.count("verify_with_data");
    with_module(|m| {
        m.sign_init(sign, CKM_SHA256_RSA_PKCS, false, 20)?;
        // The password verified at login: no VERIFY now.
        m.login(sign, CKU_CONTEXT_SPECIFIC, Some(SIGN_PIN.as_bytes()))?;
        Ok(())
    })
    .expect("context login");
    assert_eq!(sim.count("verify_with_data"), verifies, "no VERIFY for the known password");
    with_module(|m| {
        assert!(matches!(m.sign(sign, Some(b"doc"), Some(256))?, module::SignOut::Signature(_)));
        // Another password is checked at once: a wrong one spends one try.
        m.sign_init(sign, CKM_SHA256_RSA_PKCS, false, 20)?;
        assert_eq!(m.login(sign, CKU_CONTEXT_SPECIFIC, Some(b"WRONG1")), Err(CKR_PIN_INCORRECT));
        Ok(())
    })
    .expect("sign");
    assert_eq!(
        sim.count("verify_with_data"),
        verifies + 2,
        "the signature's VERIFY, the wrong one"
    );
    assert_eq!(sim.count("signatures"), 2);
    module::finalize().expect("C_Finalize");
}

/// The public certificates are cached per inserted card: once the card is probed, searches
/// and attribute reads send nothing to it.
#[test]
fn finding_objects_costs_no_card_command() {
    if !pcscd_or_skip("finding_objects_costs_no_card_command") {
        return;
    }
    let sim = Sim::start();
    module::initialize().expect("C_Initialize");
    let h = with_module(|m| m.open_session(0, CKF_SERIAL_SESSION)).expect("open session");
    let before = sim.count("commands");
    let cert_class = CKO_CERTIFICATE.to_ne_bytes().to_vec();
    for _ in 0..3 {
        let (all, certs) = with_module(|m| {
            m.find_init(h, &vec![])?;
            let all = m.find(h, 10)?;
            m.find_final(h)?;
            m.find_init(h, &vec![(CKA_CLASS, cert_class.clone())])?;
            let certs = m.find(h, 10)?;
            assert_eq!(m.find(h, 10)?, Vec::<CK_OBJECT_HANDLE>::new());
            m.find_final(h)?;
            assert_eq!(m.find_final(h), Err(CKR_OPERATION_NOT_INITIALIZED));
            for o in &all {
                m.attribute_values(h, *o, &[CKA_LABEL, CKA_ID, CKA_VALUE])?;
            }
            Ok((all, certs))
        })
        .expect("find");
        // Before login: the certificate, the CA certificate and the public key.
        assert_eq!(all, vec![1, 2, 3]);
        assert_eq!(certs, vec![1, 2]);
    }
    assert_eq!(sim.count("commands"), before, "no card command for searches");
    module::finalize().expect("C_Finalize");
}

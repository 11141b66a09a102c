//! Card insertion and removal as the module's core reports them through pcscd + vpcd:
//! `C_GetSlotInfo`'s token-present flag, `C_WaitForSlotEvent` (with and without
//! `CKF_DONT_BLOCK`), and a session of a removed card (`CKR_DEVICE_REMOVED` once, then
//! `CKR_SESSION_HANDLE_INVALID`), with the login dropped. Drives the safe core
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

//! The C boundary, and the only module with `unsafe` code: the exported entry points
//! (`C_GetFunctionList`, `C_GetInterfaceList`, `C_GetInterface`), the function lists, and
//! each implemented `C_*` function, which checks and turns its pointers into Rust values,
//! calls [`crate::module`] (safe code) and writes the results back. Every entry runs inside
//! `catch_unwind`, so a panic never crosses into C: it becomes `CKR_GENERAL_ERROR`.
//!
//! The caller's obligations are PKCS#11's: pointers are either NULL or valid for the
//! lengths given with them, for the duration of the call. Each `unsafe` block relies on
//! exactly that and says so.
#![allow(non_snake_case)]

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

use cryptoki_sys::*;

use crate::module::{self, with_module, AttrValue, SignOut};
use crate::stubs;

/// Run `f`, turning a panic into `CKR_GENERAL_ERROR`.
fn guard(f: impl FnOnce() -> Result<(), CK_RV>) -> CK_RV {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => CKR_OK,
        Ok(Err(rv)) => rv,
        Err(_) => CKR_GENERAL_ERROR,
    }
}

fn to_usize(n: CK_ULONG) -> Result<usize, CK_RV> {
    usize::try_from(n).map_err(|_| CKR_ARGUMENTS_BAD)
}

fn to_ulong(n: usize) -> CK_ULONG {
    CK_ULONG::try_from(n).unwrap_or(CK_UNAVAILABLE_INFORMATION)
}

/// Write `v` through `p`; `CKR_ARGUMENTS_BAD` when `p` is NULL.
///
/// # Safety
/// `p` is NULL or valid for writing one `T`.
unsafe fn put<T>(p: *mut T, v: T) -> Result<(), CK_RV> {
    if p.is_null() {
        return Err(CKR_ARGUMENTS_BAD);
    }
    // SAFETY: `p` is not NULL and, by this function's contract, valid for one write.
    unsafe { p.write(v) };
    Ok(())
}

/// Read the `T` at `p`; `CKR_ARGUMENTS_BAD` when `p` is NULL.
///
/// # Safety
/// `p` is NULL or valid for reading one `T`.
unsafe fn get<T: Copy>(p: *const T) -> Result<T, CK_RV> {
    if p.is_null() {
        return Err(CKR_ARGUMENTS_BAD);
    }
    // SAFETY: `p` is not NULL and, by this function's contract, valid for one read.
    Ok(unsafe { p.read() })
}

/// The `n` elements at `p` (empty when `n` is 0, whatever `p`); `CKR_ARGUMENTS_BAD` when
/// `p` is NULL and `n` is not 0.
///
/// # Safety
/// `p` is NULL or valid for reading `n` elements for the lifetime `'a` (the call).
unsafe fn slice<'a, T>(p: *const T, n: CK_ULONG) -> Result<&'a [T], CK_RV> {
    let n = to_usize(n)?;
    if n == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(CKR_ARGUMENTS_BAD);
    }
    // SAFETY: `p` is not NULL and, by this function's contract, points to `n` readable
    // elements that stay valid during the call.
    Ok(unsafe { std::slice::from_raw_parts(p, n) })
}

/// The PKCS#11 "output list" convention for `items` into `out` with capacity `*count`:
/// NULL `out` asks for the count; a short buffer gets the count and
/// `CKR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `count` is NULL or valid for reading and writing a `CK_ULONG`; `out` is NULL or valid
/// for writing `*count` elements.
unsafe fn put_list<T: Copy>(items: &[T], out: *mut T, count: *mut CK_ULONG) -> Result<(), CK_RV> {
    // SAFETY: by this function's contract.
    let capacity = unsafe { get(count) }?;
    // SAFETY: by this function's contract.
    unsafe { put(count, to_ulong(items.len())) }?;
    if out.is_null() {
        return Ok(());
    }
    if to_usize(capacity)? < items.len() {
        return Err(CKR_BUFFER_TOO_SMALL);
    }
    // SAFETY: `out` is not NULL and valid for `capacity` >= `items.len()` elements; the
    // module's own vector does not overlap the caller's buffer.
    unsafe { std::ptr::copy_nonoverlapping(items.as_ptr(), out, items.len()) };
    Ok(())
}

/// Write a signature (or its length) by the `C_Sign` output convention.
///
/// # Safety
/// `len` is NULL or valid for reading and writing a `CK_ULONG`; `out` is NULL or valid for
/// writing `*len` bytes.
unsafe fn sign_out(
    session: CK_SESSION_HANDLE,
    data: Option<&[u8]>,
    out: *mut CK_BYTE,
    len: *mut CK_ULONG,
) -> Result<(), CK_RV> {
    // SAFETY: by this function's contract.
    let capacity = unsafe { get(len) }?;
    let capacity = if out.is_null() { None } else { Some(to_usize(capacity)?) };
    match with_module(|m| m.sign(session, data, capacity))? {
        // SAFETY: by this function's contract.
        SignOut::Len(n) => unsafe { put(len, to_ulong(n)) },
        SignOut::TooSmall(n) => {
            // SAFETY: by this function's contract.
            unsafe { put(len, to_ulong(n)) }?;
            Err(CKR_BUFFER_TOO_SMALL)
        }
        SignOut::Signature(sig) => {
            let fits = capacity.is_some_and(|c| c >= sig.len());
            if !fits {
                return Err(CKR_BUFFER_TOO_SMALL);
            }
            // SAFETY: `out` is not NULL (capacity is Some) and holds `capacity` >=
            // `sig.len()` bytes by this function's contract.
            unsafe { std::ptr::copy_nonoverlapping(sig.as_ptr(), out, sig.len()) };
            // SAFETY: by this function's contract.
            unsafe { put(len, to_ulong(sig.len())) }
        }
    }
}

/// Read a template into (type, value) pairs.
///
/// # Safety
/// `t` is NULL or valid for reading `n` attributes, each `pValue` NULL or valid for
/// `ulValueLen` bytes.
unsafe fn read_template(
    t: *const CK_ATTRIBUTE,
    n: CK_ULONG,
) -> Result<crate::objects::Attrs, CK_RV> {
    // SAFETY: by this function's contract.
    let attrs = unsafe { slice(t, n) }?;
    let mut out = Vec::with_capacity(attrs.len());
    for a in attrs {
        // SAFETY: by this function's contract, `pValue` holds `ulValueLen` bytes.
        let v = unsafe { slice(a.pValue as *const u8, a.ulValueLen) }?;
        out.push((a.type_, v.to_vec()));
    }
    Ok(out)
}

// The exported entry points.

/// `C_GetFunctionList`: the PKCS#11 2.40 function list.
///
/// # Safety
/// `list` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn C_GetFunctionList(list: *mut *mut CK_FUNCTION_LIST) -> CK_RV {
    guard(|| {
        let p = &FUNCTION_LIST as *const CK_FUNCTION_LIST as *mut CK_FUNCTION_LIST;
        // SAFETY: `list` is NULL (refused by `put`) or writable, by the caller's contract.
        // The list is never written through this pointer (PKCS#11 forbids it).
        unsafe { put(list, p) }
    })
}

/// Both interfaces in one static; it holds raw pointers, to statics only.
struct Interfaces([CK_INTERFACE; 2]);

// SAFETY: the pointers inside point to immutable statics (a NUL-terminated name and the
// function lists); nothing writes through them, so sharing between threads is sound.
unsafe impl Sync for Interfaces {}

static INTERFACE_NAME: &[u8; 8] = b"PKCS 11\0";

static INTERFACES: Interfaces = Interfaces([
    CK_INTERFACE {
        pInterfaceName: INTERFACE_NAME as *const [u8; 8] as *mut CK_UTF8CHAR,
        pFunctionList: &FUNCTION_LIST_3_0 as *const CK_FUNCTION_LIST_3_0 as *mut c_void,
        flags: 0,
    },
    CK_INTERFACE {
        pInterfaceName: INTERFACE_NAME as *const [u8; 8] as *mut CK_UTF8CHAR,
        pFunctionList: &FUNCTION_LIST as *const CK_FUNCTION_LIST as *mut c_void,
        flags: 0,
    },
]);

/// `C_GetInterfaceList` (PKCS#11 3.0): "PKCS 11" 3.0 and 2.40.
///
/// # Safety
/// `count` is NULL or valid for reading and writing; `list` NULL or valid for `*count`
/// interfaces.
#[no_mangle]
pub unsafe extern "C" fn C_GetInterfaceList(
    list: *mut CK_INTERFACE,
    count: *mut CK_ULONG,
) -> CK_RV {
    guard(|| {
        let items: Vec<CK_INTERFACE> = INTERFACES.0.iter().map(copy_interface).collect();
        // SAFETY: the caller's contract is `put_list`'s.
        unsafe { put_list(&items, list, count) }
    })
}

fn copy_interface(i: &CK_INTERFACE) -> CK_INTERFACE {
    CK_INTERFACE {
        pInterfaceName: i.pInterfaceName,
        pFunctionList: i.pFunctionList,
        flags: i.flags,
    }
}

/// `C_GetInterface` (PKCS#11 3.0): "PKCS 11" (or NULL for it) in version 3.0 (the default)
/// or 2.40.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string; `version` NULL or readable; `out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn C_GetInterface(
    name: *mut CK_UTF8CHAR,
    version: *mut CK_VERSION,
    out: *mut *mut CK_INTERFACE,
    flags: CK_FLAGS,
) -> CK_RV {
    guard(|| {
        if !name.is_null() {
            // SAFETY: `name` is a NUL-terminated string by the caller's contract.
            let n = unsafe { std::ffi::CStr::from_ptr(name as *const std::ffi::c_char) };
            if n.to_bytes() != b"PKCS 11" {
                return Err(CKR_ARGUMENTS_BAD);
            }
        }
        if flags != 0 {
            // Neither interface has a flag (CKF_INTERFACE_FORK_SAFE is not claimed).
            return Err(CKR_ARGUMENTS_BAD);
        }
        let index = if version.is_null() {
            0
        } else {
            // SAFETY: `version` is not NULL and readable by the caller's contract.
            match unsafe { get(version) }? {
                CK_VERSION { major: 3, minor: 0 } => 0,
                CK_VERSION { major: 2, .. } => 1,
                _ => return Err(CKR_ARGUMENTS_BAD),
            }
        };
        let chosen = INTERFACES.0.get(index).ok_or(CKR_GENERAL_ERROR)?;
        let p = chosen as *const CK_INTERFACE as *mut CK_INTERFACE;
        // SAFETY: `out` is NULL (refused) or writable by the caller's contract; the
        // interface is a static, never written through.
        unsafe { put(out, p) }
    })
}

// The implemented functions.

unsafe extern "C" fn C_Initialize(args: *mut c_void) -> CK_RV {
    guard(|| {
        if !args.is_null() {
            // SAFETY: a non-NULL argument points to a CK_C_INITIALIZE_ARGS (PKCS#11).
            let a = unsafe { get(args as *const CK_C_INITIALIZE_ARGS) }?;
            if !a.pReserved.is_null() {
                return Err(CKR_ARGUMENTS_BAD);
            }
            let given = [
                a.CreateMutex.is_some(),
                a.DestroyMutex.is_some(),
                a.LockMutex.is_some(),
                a.UnlockMutex.is_some(),
            ];
            if given.iter().any(|g| *g) && !given.iter().all(|g| *g) {
                return Err(CKR_ARGUMENTS_BAD);
            }
            // The module always locks with the OS's primitives (a Rust Mutex); it cannot use
            // the application's.
            if given.iter().all(|g| *g) && a.flags & CKF_OS_LOCKING_OK == 0 {
                return Err(CKR_CANT_LOCK);
            }
        }
        module::initialize()
    })
}

unsafe extern "C" fn C_Finalize(reserved: *mut c_void) -> CK_RV {
    guard(|| {
        if !reserved.is_null() {
            return Err(CKR_ARGUMENTS_BAD);
        }
        module::finalize()
    })
}

unsafe extern "C" fn C_GetInfo(info: *mut CK_INFO) -> CK_RV {
    guard(|| {
        with_module(|_| Ok(()))?;
        let v = CK_INFO {
            cryptokiVersion: CK_VERSION { major: 2, minor: 40 },
            manufacturerID: crate::text::padded("mynacard"),
            flags: 0,
            libraryDescription: crate::text::padded("My Number Card JPKI (mynacard)"),
            libraryVersion: CK_VERSION { major: 0, minor: 1 },
        };
        // SAFETY: `info` is NULL (refused) or writable by the caller's contract.
        unsafe { put(info, v) }
    })
}

unsafe extern "C" fn C_GetSlotList(
    present: CK_BBOOL,
    list: *mut CK_SLOT_ID,
    count: *mut CK_ULONG,
) -> CK_RV {
    guard(|| {
        let slots = with_module(|m| m.slot_list(present != CK_FALSE))?;
        // SAFETY: the caller's contract is `put_list`'s.
        unsafe { put_list(&slots, list, count) }
    })
}

unsafe extern "C" fn C_GetSlotInfo(slot: CK_SLOT_ID, info: *mut CK_SLOT_INFO) -> CK_RV {
    guard(|| {
        let v = with_module(|m| m.slot_info(slot))?;
        // SAFETY: `info` is NULL (refused) or writable by the caller's contract.
        unsafe { put(info, v) }
    })
}

unsafe extern "C" fn C_GetTokenInfo(slot: CK_SLOT_ID, info: *mut CK_TOKEN_INFO) -> CK_RV {
    guard(|| {
        let v = with_module(|m| m.token_info(slot))?;
        // SAFETY: `info` is NULL (refused) or writable by the caller's contract.
        unsafe { put(info, v) }
    })
}

unsafe extern "C" fn C_GetMechanismList(
    slot: CK_SLOT_ID,
    list: *mut CK_MECHANISM_TYPE,
    count: *mut CK_ULONG,
) -> CK_RV {
    guard(|| {
        let mechs = with_module(|m| m.mechanism_list(slot))?;
        // SAFETY: the caller's contract is `put_list`'s.
        unsafe { put_list(&mechs, list, count) }
    })
}

unsafe extern "C" fn C_GetMechanismInfo(
    slot: CK_SLOT_ID,
    mech: CK_MECHANISM_TYPE,
    info: *mut CK_MECHANISM_INFO,
) -> CK_RV {
    guard(|| {
        let v = with_module(|m| m.mechanism_info(slot, mech))?;
        // SAFETY: `info` is NULL (refused) or writable by the caller's contract.
        unsafe { put(info, v) }
    })
}

unsafe extern "C" fn C_OpenSession(
    slot: CK_SLOT_ID,
    flags: CK_FLAGS,
    _application: *mut c_void,
    _notify: CK_NOTIFY,
    session: *mut CK_SESSION_HANDLE,
) -> CK_RV {
    guard(|| {
        if session.is_null() {
            return Err(CKR_ARGUMENTS_BAD);
        }
        let h = with_module(|m| m.open_session(slot, flags))?;
        // SAFETY: `session` is not NULL and writable by the caller's contract.
        unsafe { put(session, h) }
    })
}

unsafe extern "C" fn C_CloseSession(session: CK_SESSION_HANDLE) -> CK_RV {
    guard(|| with_module(|m| m.close_session(session)))
}

unsafe extern "C" fn C_CloseAllSessions(slot: CK_SLOT_ID) -> CK_RV {
    guard(|| with_module(|m| m.close_all_sessions(slot)))
}

unsafe extern "C" fn C_GetSessionInfo(
    session: CK_SESSION_HANDLE,
    info: *mut CK_SESSION_INFO,
) -> CK_RV {
    guard(|| {
        let v = with_module(|m| m.session_info(session))?;
        // SAFETY: `info` is NULL (refused) or writable by the caller's contract.
        unsafe { put(info, v) }
    })
}

unsafe extern "C" fn C_Login(
    session: CK_SESSION_HANDLE,
    user: CK_USER_TYPE,
    pin: *mut CK_UTF8CHAR,
    len: CK_ULONG,
) -> CK_RV {
    guard(|| {
        let pin = if pin.is_null() {
            None
        } else {
            // SAFETY: a non-NULL `pin` holds `len` bytes by the caller's contract. The
            // bytes are only read (and copied into zeroizing memory by the module).
            Some(unsafe { slice(pin as *const u8, len) }?)
        };
        with_module(|m| m.login(session, user, pin))
    })
}

unsafe extern "C" fn C_Logout(session: CK_SESSION_HANDLE) -> CK_RV {
    guard(|| with_module(|m| m.logout(session)))
}

unsafe extern "C" fn C_GetAttributeValue(
    session: CK_SESSION_HANDLE,
    object: CK_OBJECT_HANDLE,
    template: *mut CK_ATTRIBUTE,
    count: CK_ULONG,
) -> CK_RV {
    guard(|| {
        let n = to_usize(count)?;
        if n > 0 && template.is_null() {
            return Err(CKR_ARGUMENTS_BAD);
        }
        let types: Vec<CK_ATTRIBUTE_TYPE> = {
            // SAFETY: `template` holds `count` attributes by the caller's contract.
            let t = unsafe { slice(template as *const CK_ATTRIBUTE, count) }?;
            t.iter().map(|a| a.type_).collect()
        };
        let values = with_module(|m| m.attribute_values(session, object, &types))?;
        let mut result = Ok(());
        for (i, v) in values.iter().enumerate() {
            // SAFETY: `i` < `count` and `template` holds `count` writable attributes by
            // the caller's contract.
            let a = unsafe { &mut *template.add(i) };
            match v {
                AttrValue::Value(bytes) => {
                    if a.pValue.is_null() {
                        a.ulValueLen = to_ulong(bytes.len());
                    } else if to_usize(a.ulValueLen)? >= bytes.len() {
                        // SAFETY: `pValue` is writable for `ulValueLen` >= `bytes.len()`
                        // bytes by the caller's contract.
                        unsafe {
                            std::ptr::copy_nonoverlapping(
                                bytes.as_ptr(),
                                a.pValue as *mut u8,
                                bytes.len(),
                            )
                        };
                        a.ulValueLen = to_ulong(bytes.len());
                    } else {
                        a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
                        result = result.and(Err(CKR_BUFFER_TOO_SMALL));
                    }
                }
                AttrValue::Sensitive => {
                    a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
                    result = result.and(Err(CKR_ATTRIBUTE_SENSITIVE));
                }
                AttrValue::Invalid => {
                    a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
                    result = result.and(Err(CKR_ATTRIBUTE_TYPE_INVALID));
                }
            }
        }
        result
    })
}

unsafe extern "C" fn C_FindObjectsInit(
    session: CK_SESSION_HANDLE,
    template: *mut CK_ATTRIBUTE,
    count: CK_ULONG,
) -> CK_RV {
    guard(|| {
        // SAFETY: `template` holds `count` attributes with valid values by the caller's
        // contract.
        let t = unsafe { read_template(template, count) }?;
        with_module(|m| m.find_init(session, &t))
    })
}

unsafe extern "C" fn C_FindObjects(
    session: CK_SESSION_HANDLE,
    out: *mut CK_OBJECT_HANDLE,
    max: CK_ULONG,
    count: *mut CK_ULONG,
) -> CK_RV {
    guard(|| {
        if count.is_null() || (out.is_null() && max > 0) {
            return Err(CKR_ARGUMENTS_BAD);
        }
        let found = with_module(|m| m.find(session, to_usize(max)?))?;
        if !found.is_empty() {
            // SAFETY: `out` is not NULL (checked: `max` > 0 since `found` is not empty)
            // and holds `max` >= `found.len()` handles by the caller's contract.
            unsafe { std::ptr::copy_nonoverlapping(found.as_ptr(), out, found.len()) };
        }
        // SAFETY: `count` is not NULL and writable by the caller's contract.
        unsafe { put(count, to_ulong(found.len())) }
    })
}

unsafe extern "C" fn C_FindObjectsFinal(session: CK_SESSION_HANDLE) -> CK_RV {
    guard(|| with_module(|m| m.find_final(session)))
}

unsafe extern "C" fn C_SignInit(
    session: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    key: CK_OBJECT_HANDLE,
) -> CK_RV {
    guard(|| {
        // SAFETY: `mech` is NULL (refused) or readable by the caller's contract.
        let m = unsafe { get(mech as *const CK_MECHANISM) }?;
        let has_params = !m.pParameter.is_null() && m.ulParameterLen != 0;
        with_module(|module| module.sign_init(session, m.mechanism, has_params, key))
    })
}

unsafe extern "C" fn C_Sign(
    session: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    len: CK_ULONG,
    sig: *mut CK_BYTE,
    sig_len: *mut CK_ULONG,
) -> CK_RV {
    guard(|| {
        // SAFETY: `data` holds `len` bytes by the caller's contract.
        let d = unsafe { slice(data as *const u8, len) }?;
        // SAFETY: `sig_len` and `sig` follow `sign_out`'s contract by the caller's.
        unsafe { sign_out(session, Some(d), sig, sig_len) }
    })
}

unsafe extern "C" fn C_SignUpdate(
    session: CK_SESSION_HANDLE,
    part: *mut CK_BYTE,
    len: CK_ULONG,
) -> CK_RV {
    guard(|| {
        // SAFETY: `part` holds `len` bytes by the caller's contract.
        let d = unsafe { slice(part as *const u8, len) }?;
        with_module(|m| m.sign_update(session, d))
    })
}

unsafe extern "C" fn C_SignFinal(
    session: CK_SESSION_HANDLE,
    sig: *mut CK_BYTE,
    sig_len: *mut CK_ULONG,
) -> CK_RV {
    guard(|| {
        // SAFETY: `sig_len` and `sig` follow `sign_out`'s contract by the caller's.
        unsafe { sign_out(session, None, sig, sig_len) }
    })
}

unsafe extern "C" fn C_WaitForSlotEvent(
    flags: CK_FLAGS,
    slot: *mut CK_SLOT_ID,
    reserved: *mut c_void,
) -> CK_RV {
    guard(|| {
        if slot.is_null() || !reserved.is_null() {
            return Err(CKR_ARGUMENTS_BAD);
        }
        let s = module::wait_for_slot_event(flags & CKF_DONT_BLOCK == 0)?;
        // SAFETY: `slot` is not NULL and writable by the caller's contract.
        unsafe { put(slot, s) }
    })
}

// The function lists.

static FUNCTION_LIST: CK_FUNCTION_LIST = CK_FUNCTION_LIST {
    version: CK_VERSION { major: 2, minor: 40 },
    C_Initialize: Some(C_Initialize),
    C_Finalize: Some(C_Finalize),
    C_GetInfo: Some(C_GetInfo),
    C_GetFunctionList: Some(C_GetFunctionList),
    C_GetSlotList: Some(C_GetSlotList),
    C_GetSlotInfo: Some(C_GetSlotInfo),
    C_GetTokenInfo: Some(C_GetTokenInfo),
    C_GetMechanismList: Some(C_GetMechanismList),
    C_GetMechanismInfo: Some(C_GetMechanismInfo),
    C_InitToken: Some(stubs::C_InitToken),
    C_InitPIN: Some(stubs::C_InitPIN),
    C_SetPIN: Some(stubs::C_SetPIN),
    C_OpenSession: Some(C_OpenSession),
    C_CloseSession: Some(C_CloseSession),
    C_CloseAllSessions: Some(C_CloseAllSessions),
    C_GetSessionInfo: Some(C_GetSessionInfo),
    C_GetOperationState: Some(stubs::C_GetOperationState),
    C_SetOperationState: Some(stubs::C_SetOperationState),
    C_Login: Some(C_Login),
    C_Logout: Some(C_Logout),
    C_CreateObject: Some(stubs::C_CreateObject),
    C_CopyObject: Some(stubs::C_CopyObject),
    C_DestroyObject: Some(stubs::C_DestroyObject),
    C_GetObjectSize: Some(stubs::C_GetObjectSize),
    C_GetAttributeValue: Some(C_GetAttributeValue),
    C_SetAttributeValue: Some(stubs::C_SetAttributeValue),
    C_FindObjectsInit: Some(C_FindObjectsInit),
    C_FindObjects: Some(C_FindObjects),
    C_FindObjectsFinal: Some(C_FindObjectsFinal),
    C_EncryptInit: Some(stubs::C_EncryptInit),
    C_Encrypt: Some(stubs::C_Encrypt),
    C_EncryptUpdate: Some(stubs::C_EncryptUpdate),
    C_EncryptFinal: Some(stubs::C_EncryptFinal),
    C_DecryptInit: Some(stubs::C_DecryptInit),
    C_Decrypt: Some(stubs::C_Decrypt),
    C_DecryptUpdate: Some(stubs::C_DecryptUpdate),
    C_DecryptFinal: Some(stubs::C_DecryptFinal),
    C_DigestInit: Some(stubs::C_DigestInit),
    C_Digest: Some(stubs::C_Digest),
    C_DigestUpdate: Some(stubs::C_DigestUpdate),
    C_DigestKey: Some(stubs::C_DigestKey),
    C_DigestFinal: Some(stubs::C_DigestFinal),
    C_SignInit: Some(C_SignInit),
    C_Sign: Some(C_Sign),
    C_SignUpdate: Some(C_SignUpdate),
    C_SignFinal: Some(C_SignFinal),
    C_SignRecoverInit: Some(stubs::C_SignRecoverInit),
    C_SignRecover: Some(stubs::C_SignRecover),
    C_VerifyInit: Some(stubs::C_VerifyInit),
    C_Verify: Some(stubs::C_Verify),
    C_VerifyUpdate: Some(stubs::C_VerifyUpdate),
    C_VerifyFinal: Some(stubs::C_VerifyFinal),
    C_VerifyRecoverInit: Some(stubs::C_VerifyRecoverInit),
    C_VerifyRecover: Some(stubs::C_VerifyRecover),
    C_DigestEncryptUpdate: Some(stubs::C_DigestEncryptUpdate),
    C_DecryptDigestUpdate: Some(stubs::C_DecryptDigestUpdate),
    C_SignEncryptUpdate: Some(stubs::C_SignEncryptUpdate),
    C_DecryptVerifyUpdate: Some(stubs::C_DecryptVerifyUpdate),
    C_GenerateKey: Some(stubs::C_GenerateKey),
    C_GenerateKeyPair: Some(stubs::C_GenerateKeyPair),
    C_WrapKey: Some(stubs::C_WrapKey),
    C_UnwrapKey: Some(stubs::C_UnwrapKey),
    C_DeriveKey: Some(stubs::C_DeriveKey),
    C_SeedRandom: Some(stubs::C_SeedRandom),
    C_GenerateRandom: Some(stubs::C_GenerateRandom),
    C_GetFunctionStatus: Some(stubs::C_GetFunctionStatus),
    C_CancelFunction: Some(stubs::C_CancelFunction),
    C_WaitForSlotEvent: Some(C_WaitForSlotEvent),
};

static FUNCTION_LIST_3_0: CK_FUNCTION_LIST_3_0 = CK_FUNCTION_LIST_3_0 {
    version: CK_VERSION { major: 3, minor: 0 },
    C_Initialize: Some(C_Initialize),
    C_Finalize: Some(C_Finalize),
    C_GetInfo: Some(C_GetInfo),
    C_GetFunctionList: Some(C_GetFunctionList),
    C_GetSlotList: Some(C_GetSlotList),
    C_GetSlotInfo: Some(C_GetSlotInfo),
    C_GetTokenInfo: Some(C_GetTokenInfo),
    C_GetMechanismList: Some(C_GetMechanismList),
    C_GetMechanismInfo: Some(C_GetMechanismInfo),
    C_InitToken: Some(stubs::C_InitToken),
    C_InitPIN: Some(stubs::C_InitPIN),
    C_SetPIN: Some(stubs::C_SetPIN),
    C_OpenSession: Some(C_OpenSession),
    C_CloseSession: Some(C_CloseSession),
    C_CloseAllSessions: Some(C_CloseAllSessions),
    C_GetSessionInfo: Some(C_GetSessionInfo),
    C_GetOperationState: Some(stubs::C_GetOperationState),
    C_SetOperationState: Some(stubs::C_SetOperationState),
    C_Login: Some(C_Login),
    C_Logout: Some(C_Logout),
    C_CreateObject: Some(stubs::C_CreateObject),
    C_CopyObject: Some(stubs::C_CopyObject),
    C_DestroyObject: Some(stubs::C_DestroyObject),
    C_GetObjectSize: Some(stubs::C_GetObjectSize),
    C_GetAttributeValue: Some(C_GetAttributeValue),
    C_SetAttributeValue: Some(stubs::C_SetAttributeValue),
    C_FindObjectsInit: Some(C_FindObjectsInit),
    C_FindObjects: Some(C_FindObjects),
    C_FindObjectsFinal: Some(C_FindObjectsFinal),
    C_EncryptInit: Some(stubs::C_EncryptInit),
    C_Encrypt: Some(stubs::C_Encrypt),
    C_EncryptUpdate: Some(stubs::C_EncryptUpdate),
    C_EncryptFinal: Some(stubs::C_EncryptFinal),
    C_DecryptInit: Some(stubs::C_DecryptInit),
    C_Decrypt: Some(stubs::C_Decrypt),
    C_DecryptUpdate: Some(stubs::C_DecryptUpdate),
    C_DecryptFinal: Some(stubs::C_DecryptFinal),
    C_DigestInit: Some(stubs::C_DigestInit),
    C_Digest: Some(stubs::C_Digest),
    C_DigestUpdate: Some(stubs::C_DigestUpdate),
    C_DigestKey: Some(stubs::C_DigestKey),
    C_DigestFinal: Some(stubs::C_DigestFinal),
    C_SignInit: Some(C_SignInit),
    C_Sign: Some(C_Sign),
    C_SignUpdate: Some(C_SignUpdate),
    C_SignFinal: Some(C_SignFinal),
    C_SignRecoverInit: Some(stubs::C_SignRecoverInit),
    C_SignRecover: Some(stubs::C_SignRecover),
    C_VerifyInit: Some(stubs::C_VerifyInit),
    C_Verify: Some(stubs::C_Verify),
    C_VerifyUpdate: Some(stubs::C_VerifyUpdate),
    C_VerifyFinal: Some(stubs::C_VerifyFinal),
    C_VerifyRecoverInit: Some(stubs::C_VerifyRecoverInit),
    C_VerifyRecover: Some(stubs::C_VerifyRecover),
    C_DigestEncryptUpdate: Some(stubs::C_DigestEncryptUpdate),
    C_DecryptDigestUpdate: Some(stubs::C_DecryptDigestUpdate),
    C_SignEncryptUpdate: Some(stubs::C_SignEncryptUpdate),
    C_DecryptVerifyUpdate: Some(stubs::C_DecryptVerifyUpdate),
    C_GenerateKey: Some(stubs::C_GenerateKey),
    C_GenerateKeyPair: Some(stubs::C_GenerateKeyPair),
    C_WrapKey: Some(stubs::C_WrapKey),
    C_UnwrapKey: Some(stubs::C_UnwrapKey),
    C_DeriveKey: Some(stubs::C_DeriveKey),
    C_SeedRandom: Some(stubs::C_SeedRandom),
    C_GenerateRandom: Some(stubs::C_GenerateRandom),
    C_GetFunctionStatus: Some(stubs::C_GetFunctionStatus),
    C_CancelFunction: Some(stubs::C_CancelFunction),
    C_WaitForSlotEvent: Some(C_WaitForSlotEvent),
    C_GetInterfaceList: Some(C_GetInterfaceList),
    C_GetInterface: Some(C_GetInterface),
    C_LoginUser: Some(stubs::C_LoginUser),
    C_SessionCancel: Some(stubs::C_SessionCancel),
    C_MessageEncryptInit: Some(stubs::C_MessageEncryptInit),
    C_EncryptMessage: Some(stubs::C_EncryptMessage),
    C_EncryptMessageBegin: Some(stubs::C_EncryptMessageBegin),
    C_EncryptMessageNext: Some(stubs::C_EncryptMessageNext),
    C_MessageEncryptFinal: Some(stubs::C_MessageEncryptFinal),
    C_MessageDecryptInit: Some(stubs::C_MessageDecryptInit),
    C_DecryptMessage: Some(stubs::C_DecryptMessage),
    C_DecryptMessageBegin: Some(stubs::C_DecryptMessageBegin),
    C_DecryptMessageNext: Some(stubs::C_DecryptMessageNext),
    C_MessageDecryptFinal: Some(stubs::C_MessageDecryptFinal),
    C_MessageSignInit: Some(stubs::C_MessageSignInit),
    C_SignMessage: Some(stubs::C_SignMessage),
    C_SignMessageBegin: Some(stubs::C_SignMessageBegin),
    C_SignMessageNext: Some(stubs::C_SignMessageNext),
    C_MessageSignFinal: Some(stubs::C_MessageSignFinal),
    C_MessageVerifyInit: Some(stubs::C_MessageVerifyInit),
    C_VerifyMessage: Some(stubs::C_VerifyMessage),
    C_VerifyMessageBegin: Some(stubs::C_VerifyMessageBegin),
    C_VerifyMessageNext: Some(stubs::C_VerifyMessageNext),
    C_MessageVerifyFinal: Some(stubs::C_MessageVerifyFinal),
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr::null_mut;

    #[test]
    fn a_panic_becomes_general_error() {
        assert_eq!(guard(|| panic!("boom")), CKR_GENERAL_ERROR);
        assert_eq!(guard(|| Err(CKR_PIN_LOCKED)), CKR_PIN_LOCKED);
        assert_eq!(guard(|| Ok(())), CKR_OK);
    }

    #[test]
    fn function_lists_and_interfaces() {
        let mut list: *mut CK_FUNCTION_LIST = null_mut();
        // SAFETY: a valid out-pointer.
        assert_eq!(unsafe { C_GetFunctionList(&mut list) }, CKR_OK);
        // SAFETY: the module returned a pointer to its static list.
        let l = unsafe { &*list };
        assert_eq!((l.version.major, l.version.minor), (2, 40));
        assert!(l.C_Sign.is_some() && l.C_WaitForSlotEvent.is_some() && l.C_InitToken.is_some());
        // SAFETY: NULL is refused, not written.
        assert_eq!(unsafe { C_GetFunctionList(null_mut()) }, CKR_ARGUMENTS_BAD);

        let mut count: CK_ULONG = 0;
        // SAFETY: NULL list asks for the count.
        assert_eq!(unsafe { C_GetInterfaceList(null_mut(), &mut count) }, CKR_OK);
        assert_eq!(count, 2);
        let mut one = [copy_interface(&INTERFACES.0[0])];
        let mut small: CK_ULONG = 1;
        // SAFETY: a buffer of 1 with its size.
        assert_eq!(
            unsafe { C_GetInterfaceList(one.as_mut_ptr(), &mut small) },
            CKR_BUFFER_TOO_SMALL
        );
        assert_eq!(small, 2);

        let mut iface: *mut CK_INTERFACE = null_mut();
        // SAFETY: NULL name and version: the default interface.
        assert_eq!(unsafe { C_GetInterface(null_mut(), null_mut(), &mut iface, 0) }, CKR_OK);
        // SAFETY: a pointer to the static interface.
        let i = unsafe { &*iface };
        // SAFETY: the name is a static NUL-terminated string.
        let name = unsafe { std::ffi::CStr::from_ptr(i.pInterfaceName as *const std::ffi::c_char) };
        assert_eq!(name.to_bytes(), b"PKCS 11");
        // SAFETY: the 3.0 interface's list is a CK_FUNCTION_LIST_3_0.
        let l3 = unsafe { &*(i.pFunctionList as *const CK_FUNCTION_LIST_3_0) };
        assert_eq!((l3.version.major, l3.version.minor), (3, 0));
        assert!(l3.C_GetInterface.is_some() && l3.C_MessageSignInit.is_some());
        let mut v2 = CK_VERSION { major: 2, minor: 40 };
        // SAFETY: valid pointers.
        assert_eq!(unsafe { C_GetInterface(null_mut(), &mut v2, &mut iface, 0) }, CKR_OK);
        // SAFETY: a pointer to the static interface.
        let l2 = unsafe { &*((*iface).pFunctionList as *const CK_FUNCTION_LIST) };
        assert_eq!((l2.version.major, l2.version.minor), (2, 40));
        let mut bad = *b"PKCS 12\0";
        // SAFETY: a NUL-terminated name.
        assert_eq!(
            unsafe { C_GetInterface(bad.as_mut_ptr(), null_mut(), &mut iface, 0) },
            CKR_ARGUMENTS_BAD
        );
        // SAFETY: valid pointers; a flag no interface has.
        assert_eq!(
            unsafe { C_GetInterface(null_mut(), null_mut(), &mut iface, CKF_INTERFACE_FORK_SAFE) },
            CKR_ARGUMENTS_BAD
        );
    }

    extern "C" fn create(_: *mut *mut c_void) -> CK_RV {
        CKR_OK
    }
    extern "C" fn other(_: *mut c_void) -> CK_RV {
        CKR_OK
    }

    fn init_with(mut a: CK_C_INITIALIZE_ARGS) -> CK_RV {
        // SAFETY: `a` lives for the whole call.
        unsafe { C_Initialize(&mut a as *mut CK_C_INITIALIZE_ARGS as *mut c_void) }
    }

    #[test]
    fn initialize_arguments_and_os_locking() {
        let args = CK_C_INITIALIZE_ARGS {
            CreateMutex: Some(create),
            DestroyMutex: Some(other),
            LockMutex: Some(other),
            UnlockMutex: Some(other),
            flags: 0,
            pReserved: null_mut(),
        };
        assert_eq!(init_with(args), CKR_CANT_LOCK, "only OS locking");
        let partial = CK_C_INITIALIZE_ARGS { DestroyMutex: None, flags: CKF_OS_LOCKING_OK, ..args };
        assert_eq!(init_with(partial), CKR_ARGUMENTS_BAD, "all four or none");
        let mut reserved = 0u8;
        let with_reserved = CK_C_INITIALIZE_ARGS {
            flags: CKF_OS_LOCKING_OK,
            pReserved: &mut reserved as *mut u8 as *mut c_void,
            ..args
        };
        assert_eq!(init_with(with_reserved), CKR_ARGUMENTS_BAD, "pReserved must be NULL");
        let mut info = CK_INFO {
            cryptokiVersion: CK_VERSION { major: 0, minor: 0 },
            manufacturerID: [0; 32],
            flags: 0,
            libraryDescription: [0; 32],
            libraryVersion: CK_VERSION { major: 0, minor: 0 },
        };
        // SAFETY: a valid out-pointer.
        assert_eq!(unsafe { C_GetInfo(&mut info) }, CKR_CRYPTOKI_NOT_INITIALIZED);
        // Works without pcscd (no reader until it comes).
        assert_eq!(init_with(CK_C_INITIALIZE_ARGS { flags: CKF_OS_LOCKING_OK, ..args }), CKR_OK);
        // SAFETY: as above.
        assert_eq!(unsafe { C_GetInfo(&mut info) }, CKR_OK);
        assert_eq!(&info.manufacturerID[..8], b"mynacard");
        let mut reserved = 0u8;
        // SAFETY: a non-NULL reserved pointer is refused without being read.
        assert_eq!(
            unsafe { C_Finalize(&mut reserved as *mut u8 as *mut c_void) },
            CKR_ARGUMENTS_BAD
        );
        // SAFETY: NULL.
        assert_eq!(unsafe { C_Finalize(null_mut()) }, CKR_OK);
        // SAFETY: NULL.
        assert_eq!(unsafe { C_Finalize(null_mut()) }, CKR_CRYPTOKI_NOT_INITIALIZED);
    }
}

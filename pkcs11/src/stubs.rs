//! The PKCS#11 functions this module does not offer: each answers
//! `CKR_FUNCTION_NOT_SUPPORTED` and touches none of its arguments (no pointer is read or
//! written, so these are safe functions). Generated from the `CK_C_*` signatures of
//! cryptoki-sys 0.5 (its x86_64 Linux bindings); regenerate when the binding changes.
//! The card holds two fixed keys and certificates: no object is created, changed or
//! destroyed, no PIN is initialised or changed through PKCS#11 (`mynacard pin change` does
//! that, with the same rules), nothing is encrypted, decrypted, digested, verified or
//! generated.
#![allow(non_snake_case, missing_docs, clippy::too_many_arguments)]

use cryptoki_sys::*;

pub extern "C" fn C_InitToken(
    _a1: CK_SLOT_ID,
    _a2: *mut CK_UTF8CHAR,
    _a3: CK_ULONG,
    _a4: *mut CK_UTF8CHAR,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_InitPIN(_a1: CK_SESSION_HANDLE, _a2: *mut CK_UTF8CHAR, _a3: CK_ULONG) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_SetPIN(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_UTF8CHAR,
    _a3: CK_ULONG,
    _a4: *mut CK_UTF8CHAR,
    _a5: CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_GetOperationState(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_SetOperationState(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: CK_ULONG,
    _a4: CK_OBJECT_HANDLE,
    _a5: CK_OBJECT_HANDLE,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_CreateObject(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_ATTRIBUTE,
    _a3: CK_ULONG,
    _a4: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_CopyObject(
    _a1: CK_SESSION_HANDLE,
    _a2: CK_OBJECT_HANDLE,
    _a3: *mut CK_ATTRIBUTE,
    _a4: CK_ULONG,
    _a5: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_DestroyObject(_a1: CK_SESSION_HANDLE, _a2: CK_OBJECT_HANDLE) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_GetObjectSize(
    _a1: CK_SESSION_HANDLE,
    _a2: CK_OBJECT_HANDLE,
    _a3: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_SetAttributeValue(
    _a1: CK_SESSION_HANDLE,
    _a2: CK_OBJECT_HANDLE,
    _a3: *mut CK_ATTRIBUTE,
    _a4: CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_EncryptInit(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_MECHANISM,
    _a3: CK_OBJECT_HANDLE,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_Encrypt(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_EncryptUpdate(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_EncryptFinal(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_DecryptInit(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_MECHANISM,
    _a3: CK_OBJECT_HANDLE,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_Decrypt(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_DecryptUpdate(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_DecryptFinal(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_DigestInit(_a1: CK_SESSION_HANDLE, _a2: *mut CK_MECHANISM) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_Digest(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_DigestUpdate(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_DigestKey(_a1: CK_SESSION_HANDLE, _a2: CK_OBJECT_HANDLE) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_DigestFinal(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_SignRecoverInit(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_MECHANISM,
    _a3: CK_OBJECT_HANDLE,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_SignRecover(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_VerifyInit(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_MECHANISM,
    _a3: CK_OBJECT_HANDLE,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_Verify(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_VerifyUpdate(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_VerifyFinal(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: CK_ULONG) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_VerifyRecoverInit(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_MECHANISM,
    _a3: CK_OBJECT_HANDLE,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_VerifyRecover(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_DigestEncryptUpdate(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_DecryptDigestUpdate(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_SignEncryptUpdate(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_DecryptVerifyUpdate(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_GenerateKey(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_MECHANISM,
    _a3: *mut CK_ATTRIBUTE,
    _a4: CK_ULONG,
    _a5: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_GenerateKeyPair(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_MECHANISM,
    _a3: *mut CK_ATTRIBUTE,
    _a4: CK_ULONG,
    _a5: *mut CK_ATTRIBUTE,
    _a6: CK_ULONG,
    _a7: *mut CK_OBJECT_HANDLE,
    _a8: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_WrapKey(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_MECHANISM,
    _a3: CK_OBJECT_HANDLE,
    _a4: CK_OBJECT_HANDLE,
    _a5: *mut CK_BYTE,
    _a6: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_UnwrapKey(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_MECHANISM,
    _a3: CK_OBJECT_HANDLE,
    _a4: *mut CK_BYTE,
    _a5: CK_ULONG,
    _a6: *mut CK_ATTRIBUTE,
    _a7: CK_ULONG,
    _a8: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_DeriveKey(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_MECHANISM,
    _a3: CK_OBJECT_HANDLE,
    _a4: *mut CK_ATTRIBUTE,
    _a5: CK_ULONG,
    _a6: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_SeedRandom(_a1: CK_SESSION_HANDLE, _a2: *mut CK_BYTE, _a3: CK_ULONG) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_GenerateRandom(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_BYTE,
    _a3: CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_GetFunctionStatus(_a1: CK_SESSION_HANDLE) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_CancelFunction(_a1: CK_SESSION_HANDLE) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_LoginUser(
    _a1: CK_SESSION_HANDLE,
    _a2: CK_USER_TYPE,
    _a3: *mut CK_UTF8CHAR,
    _a4: CK_ULONG,
    _a5: *mut CK_UTF8CHAR,
    _a6: CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_SessionCancel(_a1: CK_SESSION_HANDLE, _a2: CK_FLAGS) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_MessageEncryptInit(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_MECHANISM,
    _a3: CK_OBJECT_HANDLE,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_EncryptMessage(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut ::std::os::raw::c_void,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: CK_ULONG,
    _a6: *mut CK_BYTE,
    _a7: CK_ULONG,
    _a8: *mut CK_BYTE,
    _a9: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_EncryptMessageBegin(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut ::std::os::raw::c_void,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_EncryptMessageNext(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut ::std::os::raw::c_void,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: CK_ULONG,
    _a6: *mut CK_BYTE,
    _a7: *mut CK_ULONG,
    _a8: CK_FLAGS,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_MessageEncryptFinal(_a1: CK_SESSION_HANDLE) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_MessageDecryptInit(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_MECHANISM,
    _a3: CK_OBJECT_HANDLE,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_DecryptMessage(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut ::std::os::raw::c_void,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: CK_ULONG,
    _a6: *mut CK_BYTE,
    _a7: CK_ULONG,
    _a8: *mut CK_BYTE,
    _a9: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_DecryptMessageBegin(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut ::std::os::raw::c_void,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_DecryptMessageNext(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut ::std::os::raw::c_void,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: CK_ULONG,
    _a6: *mut CK_BYTE,
    _a7: *mut CK_ULONG,
    _a8: CK_FLAGS,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_MessageDecryptFinal(_a1: CK_SESSION_HANDLE) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_MessageSignInit(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_MECHANISM,
    _a3: CK_OBJECT_HANDLE,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_SignMessage(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut ::std::os::raw::c_void,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: CK_ULONG,
    _a6: *mut CK_BYTE,
    _a7: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_SignMessageBegin(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut ::std::os::raw::c_void,
    _a3: CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_SignMessageNext(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut ::std::os::raw::c_void,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: CK_ULONG,
    _a6: *mut CK_BYTE,
    _a7: *mut CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_MessageSignFinal(_a1: CK_SESSION_HANDLE) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_MessageVerifyInit(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut CK_MECHANISM,
    _a3: CK_OBJECT_HANDLE,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_VerifyMessage(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut ::std::os::raw::c_void,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: CK_ULONG,
    _a6: *mut CK_BYTE,
    _a7: CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_VerifyMessageBegin(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut ::std::os::raw::c_void,
    _a3: CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_VerifyMessageNext(
    _a1: CK_SESSION_HANDLE,
    _a2: *mut ::std::os::raw::c_void,
    _a3: CK_ULONG,
    _a4: *mut CK_BYTE,
    _a5: CK_ULONG,
    _a6: *mut CK_BYTE,
    _a7: CK_ULONG,
) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

pub extern "C" fn C_MessageVerifyFinal(_a1: CK_SESSION_HANDLE) -> CK_RV {
    CKR_FUNCTION_NOT_SUPPORTED
}

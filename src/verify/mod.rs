//! Verification layer: revocation (CRL store, OCSP client, revocation policy). Knows nothing
//! of cards or transports.

pub mod crl;
pub mod ocsp;
pub mod revocation;

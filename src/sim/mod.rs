//! The virtual card (simulator): the card side of the protocol, its content (card image),
//! its test PKI, fault injection and the vpcd bridge that makes it a real PC/SC reader.
//! Uses only the `apdu` and `facts` layers, never the client layers.

pub mod card;
pub mod image;
pub mod pki;
pub mod vpcd;

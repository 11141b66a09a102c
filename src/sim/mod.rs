//! The virtual card (simulator): the card side of the protocol, its content (card image and
//! the whole card's applications), its test PKI and CVC hierarchy, fault injection, the
//! in-process transport to it (`transport`, with a simulated PIN pad) and the vpcd bridge
//! that makes it a real PC/SC reader. Uses only the `apdu`, `facts`, `tlv`, `carddata` and
//! `transport` layers, never the client layers.

pub mod card;
pub mod cardapps;
pub mod cvc;
pub mod image;
pub mod pki;
pub mod png;
pub mod transport;
pub mod vpcd;

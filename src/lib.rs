//! mynacard: a client for the Japanese Individual Number Card (My Number Card) and its public
//! personal authentication service (JPKI), with a virtual card for testing without hardware.
//!
//! Layers, lowest first (a layer uses only the layers below it): [`facts`] and [`apdu`],
//! [`transport`], [`card`], [`sign`], [`verify`] (independent of cards), [`sim`] (the virtual
//! card, using only `facts` and `apdu`), and the command line in `cli`.
#![forbid(unsafe_code)]

pub mod apdu;
pub mod audit;
pub mod card;
pub mod carddata;
pub mod facts;
pub mod rig;
pub mod sign;
pub mod sim;
pub mod tlv;
pub mod transport;
pub mod verify;

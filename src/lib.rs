//! mynacard: a client for the Japanese Individual Number Card (My Number Card) and its public
//! personal authentication service (JPKI), with a virtual card for testing without hardware.
//!
//! Layers, lowest first (a layer uses only the layers below it; `docs/architecture.md`):
//! [`facts`], the formats [`tlv`], [`carddata`] and [`hash`], `apdu`, `transport`, `card`, `sign`,
//! [`verify`] (independent of cards), `sim` (the virtual card, using only facts, formats and
//! apdu), and the command line.
//!
//! Cargo features: `verify` (always built: verification and the formats it needs),
//! `pcsc` (the card client: apdu, transport, card, sign, rig, audit), `sim` (the virtual
//! card), `cli` (the `mynacard` command); the default is everything. A verifier builds
//! `--no-default-features --features verify`.
#![forbid(unsafe_code)]
// No `unwrap`, `expect` or unchecked indexing in the library: every byte from a card, a file or
// the network is hostile, so lengths are checked with `get`, `split_at_checked` or slice patterns
// and failures are errors. Unit tests (`cfg(test)`) may unwrap; integration tests, benches,
// examples and hw-tests are other crates and not covered. The same lines are in src/main.rs
// for the command line. `scripts/test` runs clippy with `-D warnings`.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

#[cfg(feature = "pcsc")]
pub mod apdu;
#[cfg(feature = "pcsc")]
pub mod audit;
#[cfg(feature = "pcsc")]
pub mod card;
pub mod carddata;
pub mod facts;
pub mod hash;
pub mod pdf;
#[cfg(feature = "pcsc")]
pub mod rig;
#[cfg(feature = "pcsc")]
pub mod sign;
#[cfg(feature = "sim")]
pub mod sim;
pub mod tlv;
#[cfg(feature = "pcsc")]
pub mod transport;
pub mod verify;

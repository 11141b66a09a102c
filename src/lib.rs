//! mynacard: a client for the Japanese Individual Number Card (My Number Card) and its public
//! personal authentication service (JPKI), with a virtual card for testing without hardware.
//!
//! Layers, lowest first (a layer uses only the layers below it; `docs/architecture.md`):
//! [`facts`], the formats [`tlv`], [`carddata`] and [`hash`], `apdu`, `transport`, `card`, `sign`,
//! [`verify`] (independent of cards), `sim` (the virtual card, using only facts, formats and
//! apdu), and the command line.
//!
//! # Example
//!
//! Read the authentication certificate from the in-process virtual card, sign on the card with
//! the authentication key (one VERIFY, then the card's security state is cleared), and verify the
//! signature and the certificate's path to the card's own CA:
//!
//! ```
//! # #[cfg(feature = "sim")] fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use mynacard::card::{AuthPin, CertKind, Client, PinEntry};
//! use mynacard::sign::HashAlg;
//! use mynacard::sim::card::{Profile, VirtualCard};
//! use mynacard::sim::image::{CardImage, SIM_AUTH_PIN};
//! use mynacard::sim::transport::SharedCard;
//! use mynacard::verify::{self, AnchorSource, RevocationPolicy, TrustAnchor, Verdict, VerifyOptions};
//!
//! // A real reader is `mynacard::transport::pcsc`; the virtual card behaves like a real card.
//! let card = SharedCard::new(VirtualCard::new(CardImage::default_image(), Profile::default()));
//! let mut client = Client::new(card.transport());
//!
//! let cert = client.read_certificate(CertKind::Auth)?; // no PIN needed
//! let ca = client.read_certificate(CertKind::AuthCa)?;
//!
//! // PINs live in zeroizing buffers; a malformed one is refused before anything is sent.
//! let pin = AuthPin::new(SIM_AUTH_PIN)?;
//! let message = b"challenge from a relying party";
//! let digest_info = HashAlg::Sha256.digest_info(&HashAlg::Sha256.digest(message))?;
//! let signature = client.sign(PinEntry::Host(&pin), &digest_info, false)?;
//!
//! let options = VerifyOptions {
//!     extra_anchors: vec![TrustAnchor::from_der(&ca, AnchorSource::Extra, "virtual card")?],
//!     policy: RevocationPolicy::Off, // a real verifier configures CRLs or OCSP instead
//!     ..VerifyOptions::default()
//! };
//! let report =
//!     verify::verify_raw(message, &signature, &cert, verify::HashAlg::Sha256, &options)?;
//! assert_eq!(report.verdict, Verdict::Valid, "{report}");
//! # Ok(()) }
//! # #[cfg(not(feature = "sim"))] fn main() {}
//! ```
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

//! The virtual card: the card side of the APDU protocol (DESIGN.md §3) over a [`CardImage`],
//! with profile options (extended length, `61xx` chaining, latencies, blocked-PIN status) and
//! fault injection. Uses only the `apdu` and `facts` layers.
//!
//! STUB: the interface is fixed; the behaviour is being written.

use std::time::Duration;

use super::image::CardImage;

/// Which status a blocked PIN answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BlockedStatus {
    /// `63 C0`.
    #[default]
    TriesZero,
    /// `69 83`.
    AuthMethodBlocked,
    /// `69 84`.
    ReferenceDataNotUsable,
}

/// What goes wrong, injected on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The card is pulled: this and every later command fails until re-inserted.
    Remove,
    /// The card stops answering.
    Mute,
    /// Random-looking bytes instead of a response.
    Garbage,
    /// A response cut to one byte (no complete status word).
    Truncate,
    /// `6F 00` instead of the real answer.
    NoPreciseDiagnosis,
}

/// A fault that strikes on the `at`-th command (1-based, counted since power-on).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    /// Command number.
    pub at: u64,
    /// What happens.
    pub kind: FaultKind,
}

/// How the virtual card behaves beyond its content.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// Accept extended-length APDUs (otherwise they answer `67 00`).
    pub extended_length: bool,
    /// Answer every response that carries data with `61 xx`, to be fetched by GET RESPONSE.
    pub chain_responses: bool,
    /// Status a blocked PIN answers.
    pub blocked_status: BlockedStatus,
    /// Delay added to every APDU (models the reader's link).
    pub apdu_latency: Duration,
    /// Extra delay of COMPUTE DIGITAL SIGNATURE.
    pub signature_latency: Duration,
    /// Injected faults.
    pub faults: Vec<Fault>,
}

/// What the card does with a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Response bytes (data + SW1 SW2, or garbage when a fault says so).
    Bytes(Vec<u8>),
    /// No answer at all.
    Mute,
    /// The card is no longer there.
    Removed,
}

/// A virtual My Number Card.
#[derive(Debug)]
pub struct VirtualCard {
    image: CardImage,
    profile: Profile,
}

impl VirtualCard {
    /// A powered-on card with this content and behaviour.
    pub fn new(image: CardImage, profile: Profile) -> Self {
        VirtualCard { image, profile }
    }
    /// The answer to reset.
    pub fn atr(&self) -> Vec<u8> {
        self.image.atr.clone()
    }
    /// Power on (after power off): volatile state starts fresh.
    pub fn power_on(&mut self) {}
    /// Power off: all volatile state (selection, security state) is lost.
    pub fn power_off(&mut self) {}
    /// Warm reset: volatile state is lost, the card stays powered.
    pub fn reset(&mut self) {}
    /// Process one command APDU.
    pub fn process(&mut self, _command: &[u8]) -> Reply {
        let _ = &self.profile;
        Reply::Bytes(vec![0x6D, 0x00])
    }
    /// Commands processed since power-on (for round-trip counting).
    pub fn command_count(&self) -> u64 {
        0
    }
    /// The card's current content, including PIN counters.
    pub fn image(&self) -> &CardImage {
        &self.image
    }
}

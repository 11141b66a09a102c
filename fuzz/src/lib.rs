//! What the fuzz targets share: the default virtual card's test PKI (compiled in, so no target
//! touches the disk), verification options that trust it at a fixed time, and a transport
//! whose answers the fuzzer controls. See docs/robustness.md, "Fuzzing".
#![forbid(unsafe_code)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use der::Decode;
use mynacard::sim::card::{Profile, Reply, VirtualCard};
use mynacard::sim::image::CardImage;
use mynacard::transport::{ReaderInfo, Transport, TransportError};
use mynacard::verify::{
    AnchorSource, Hierarchy, Judgement, RevocationPolicy, TrustAnchor, VerifyOptions,
};
use x509_cert::Certificate;

/// The card's user-authentication certificate (EF 000A).
pub const AUTH_CERT: &[u8] = include_bytes!("../../sim-image/default/pki/auth-cert.der");
/// The card's signature certificate (EF 0001).
pub const SIGN_CERT: &[u8] = include_bytes!("../../sim-image/default/pki/sign-cert.der");
/// Root of the authentication hierarchy.
pub const AUTH_ROOT: &[u8] = include_bytes!("../../sim-image/default/pki/auth-root.der");
/// Root of the signature hierarchy.
pub const SIGN_ROOT: &[u8] = include_bytes!("../../sim-image/default/pki/sign-root.der");

/// A fixed time inside every validity period of the test PKI (2026-06-01T00:00:00Z), so that a
/// crash reproduces whatever the day.
pub fn fixed_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_780_272_000)
}

/// Decode one of the committed certificates above (they are fixed at build time).
pub fn cert(der: &[u8]) -> Certificate {
    match Certificate::from_der(der) {
        Ok(c) => c,
        Err(e) => panic!("committed test certificate does not decode: {e}"),
    }
}

/// Options trusting the two test roots as extra anchors, judged at [`fixed_time`], revocation
/// off (the CRL and OCSP targets drive revocation themselves).
pub fn options() -> VerifyOptions<'static> {
    let anchors = [(AUTH_ROOT, "auth-root"), (SIGN_ROOT, "sign-root")]
        .into_iter()
        .map(|(der, label)| match TrustAnchor::from_der(der, AnchorSource::Extra, label) {
            Ok(a) => a,
            Err(e) => panic!("committed test root {label} is not an anchor: {e}"),
        })
        .collect();
    VerifyOptions {
        hierarchy: Hierarchy::Test,
        extra_anchors: anchors,
        at: Judgement::At(fixed_time()),
        revocation: None,
        policy: RevocationPolicy::Off,
    }
}

/// Reads the fuzzer's bytes front to back; every read past the end gives nothing.
pub struct Input<'a>(pub &'a [u8]);

impl<'a> Input<'a> {
    /// One byte, if any is left.
    pub fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    /// A chunk: a length byte (up to 255; `FF` is followed by a second byte adding to it), then
    /// that many bytes (or what is left).
    pub fn chunk(&mut self) -> &'a [u8] {
        let mut len = usize::from(self.byte().unwrap_or(0));
        if len == 0xFF {
            len += usize::from(self.byte().unwrap_or(0)) * 16;
        }
        let len = len.min(self.0.len());
        let (chunk, rest) = self.0.split_at(len);
        self.0 = rest;
        chunk
    }
}

/// A transport in front of the default virtual card whose answers the fuzzer edits: for each
/// command one control byte says whether the card's true answer passes, is truncated, has one
/// byte changed, or is replaced by fuzzer bytes. Reader control requests (PIN pads) are
/// answered by fuzzer bytes. When the input is used up, answers pass unchanged; after
/// [`MAX_EXCHANGES`] every command fails, so no input runs long.
pub struct FuzzedCard<'a> {
    card: VirtualCard,
    input: Input<'a>,
    exchanges: usize,
    extended: Option<bool>,
}

/// Commands answered before every further one fails.
pub const MAX_EXCHANGES: usize = 64;

impl<'a> FuzzedCard<'a> {
    /// The default card, without latency; the first input byte picks what the reader says
    /// about extended length and how the card answers (extended length, `61 xx` chaining,
    /// `6C xx` on a wrong Le).
    pub fn new(input: &'a [u8]) -> Self {
        let mut input = Input(input);
        let flags = input.byte().unwrap_or(0);
        let profile = Profile {
            extended_length: flags & 1 != 0,
            chain_responses: flags & 2 != 0,
            wrong_le_6c: flags & 4 != 0,
            ..Profile::default()
        };
        let extended = match (flags >> 3) & 3 {
            0 => None,
            1 => Some(true),
            _ => Some(false),
        };
        let mut card = VirtualCard::new(CardImage::default_image(), profile);
        card.power_on();
        FuzzedCard { card, input, exchanges: 0, extended }
    }

    /// What is left of the input.
    pub fn input(&mut self) -> &mut Input<'a> {
        &mut self.input
    }

    fn exchange(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.exchanges += 1;
        if self.exchanges > MAX_EXCHANGES {
            return Err(TransportError::CardRemoved);
        }
        let mut answer = match self.card.process(command) {
            Reply::Bytes(b) => b,
            Reply::Mute => return Err(TransportError::Mute),
            Reply::Removed => return Err(TransportError::CardRemoved),
        };
        match self.input.byte().map(|b| b % 6) {
            None | Some(0) => {}
            Some(1) => {
                let keep = usize::from(self.input.byte().unwrap_or(0));
                answer.truncate(keep);
            }
            Some(2) => {
                let at = usize::from(self.input.byte().unwrap_or(0));
                let x = self.input.byte().unwrap_or(0xFF);
                let len = answer.len();
                if let Some(b) = answer.get_mut(at % len.max(1)) {
                    *b ^= x;
                }
            }
            Some(3) => answer = self.input.chunk().to_vec(),
            Some(4) => {
                // Keep the data, change the status word.
                let sw = [self.input.byte().unwrap_or(0x61), self.input.byte().unwrap_or(0)];
                let len = answer.len().saturating_sub(2);
                answer.truncate(len);
                answer.extend_from_slice(&sw);
            }
            Some(_) => return Err(TransportError::Mute),
        }
        Ok(answer)
    }
}

impl Transport for FuzzedCard<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.exchange(command)
    }
    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        Ok(Box::new(Borrowed(self)))
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        self.card.reset();
        Ok(())
    }
    fn info(&self) -> ReaderInfo {
        ReaderInfo { name: "fuzz".into(), atr: self.card.atr(), extended_length: self.extended }
    }
    fn control(&mut self, _code: u32, _input: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.exchanges += 1;
        if self.exchanges > MAX_EXCHANGES {
            return Err(TransportError::NoControl);
        }
        Ok(self.input.chunk().to_vec())
    }
}

/// The transaction handed out by [`FuzzedCard::exclusive`]: the same card.
struct Borrowed<'b, 'a>(&'b mut FuzzedCard<'a>);

impl Transport for Borrowed<'_, '_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.exchange(command)
    }
    fn exclusive(&mut self) -> Result<Box<dyn Transport + '_>, TransportError> {
        Ok(Box::new(Borrowed(&mut *self.0)))
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        self.0.reset()
    }
    fn info(&self) -> ReaderInfo {
        self.0.info()
    }
    fn control(&mut self, code: u32, input: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.control(code, input)
    }
}

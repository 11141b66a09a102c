//! Transport errors: each says what happened in words a person can act on.

/// Why an exchange with a reader or card failed.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The PC/SC service is not running.
    #[error("the smart-card service (pcscd) is not running: start it (e.g. `sudo systemctl start pcscd` or `pcscd --foreground`)")]
    NoService,
    /// No reader is connected.
    #[error("no smart-card reader found: connect a reader")]
    NoReaders,
    /// The reader asked for does not exist.
    #[error("no reader matches {wanted:?}; available: {}", available.join(", "))]
    ReaderNotFound { wanted: String, available: Vec<String> },
    /// Several readers match and none can be chosen automatically.
    #[error("{matches} readers match {wanted:?}; choose one with --reader NAME or --reader INDEX")]
    AmbiguousReader { wanted: String, matches: usize },
    /// The reader holds no card.
    #[error(
        "no card in reader {reader:?}: insert your card (or place it on a contactless reader)"
    )]
    NoCard { reader: String },
    /// Waiting for a card timed out.
    #[error("timed out after {seconds} s waiting for a card in {reader:?}")]
    Timeout { reader: String, seconds: u64 },
    /// The card was removed during the operation.
    #[error("the card was removed during the operation: put it back and try again")]
    CardRemoved,
    /// The card was reset by another program; its security state is gone.
    #[error("the card was reset by another program: try again")]
    CardReset,
    /// The reader went away.
    #[error("the reader {reader:?} is no longer available (unplugged?)")]
    ReaderGone { reader: String },
    /// Another program holds the card exclusively.
    #[error("the card is in use by another program: close it and try again")]
    CardInUse,
    /// The card does not answer.
    #[error("the card does not respond (mute card, or badly placed on a contactless reader)")]
    Mute,
    /// The card's answer is not a well-formed response APDU.
    #[error("malformed response from the card: {0}")]
    Malformed(String),
    /// The transport has no reader that takes control requests (the in-process virtual card
    /// without a simulated PIN pad).
    #[error("this reader takes no control requests (SCardControl): it has no PIN pad")]
    NoControl,
    /// The connection was closed ([`super::Transport::disconnect`]) and used again.
    #[error("the connection to the card was already closed")]
    Disconnected,
    /// A disconnect was asked of a guard of an exclusive transaction (or of a wrapper that
    /// does not pass it on).
    #[error("cannot close the connection to the card from inside an exclusive transaction")]
    CannotDisconnect,
    /// Any other PC/SC failure.
    #[error("PC/SC error: {0}")]
    Pcsc(String),
    /// An I/O error (trace file, socket).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

//! Errors of the kiosk service as HTTP answers: `{"error": {"code", "message"}}`. A card or
//! input failure keeps the code the command line uses as its exit name ([`Exit::name`]);
//! what only a service can meet (a wrong token, a busy card, an oversized body) has a code of
//! its own ([`ServeCode`]). Every message the service writes itself is in [`message`], in
//! English, so that it can be translated in one place; messages of card and input errors
//! are the library's and the command line's own.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::super::exit::Exit;
use super::super::CliError;

/// The codes only the service uses (the others are the CLI's exit names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServeCode {
    /// No bearer token, or the wrong one.
    Unauthorized,
    /// The Host or Origin header is not one this service answers, or revealing the My
    /// Number is not allowed.
    Forbidden,
    /// No such path.
    NotFound,
    /// The path does not take this method.
    MethodNotAllowed,
    /// The request body is larger than the bound.
    PayloadTooLarge,
    /// The body is not JSON (Content-Type).
    UnsupportedMediaType,
    /// The body did not arrive in time.
    Timeout,
    /// Another operation holds the card and did not end within the wait bound.
    CardBusy,
    /// Too many connections at once.
    TooManyConnections,
    /// The service is stopping.
    ShuttingDown,
}

impl ServeCode {
    /// Every code, for the OpenAPI document test.
    #[cfg(test)]
    pub const ALL: [ServeCode; 10] = [
        ServeCode::Unauthorized,
        ServeCode::Forbidden,
        ServeCode::NotFound,
        ServeCode::MethodNotAllowed,
        ServeCode::PayloadTooLarge,
        ServeCode::UnsupportedMediaType,
        ServeCode::Timeout,
        ServeCode::CardBusy,
        ServeCode::TooManyConnections,
        ServeCode::ShuttingDown,
    ];

    /// The machine-readable code.
    pub fn name(self) -> &'static str {
        match self {
            ServeCode::Unauthorized => "unauthorized",
            ServeCode::Forbidden => "forbidden",
            ServeCode::NotFound => "not-found",
            ServeCode::MethodNotAllowed => "method-not-allowed",
            ServeCode::PayloadTooLarge => "payload-too-large",
            ServeCode::UnsupportedMediaType => "unsupported-media-type",
            ServeCode::Timeout => "timeout",
            ServeCode::CardBusy => "card-busy",
            ServeCode::TooManyConnections => "too-many-connections",
            ServeCode::ShuttingDown => "shutting-down",
        }
    }

    /// The HTTP status.
    pub fn status(self) -> StatusCode {
        match self {
            ServeCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ServeCode::Forbidden => StatusCode::FORBIDDEN,
            ServeCode::NotFound => StatusCode::NOT_FOUND,
            ServeCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ServeCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ServeCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ServeCode::Timeout => StatusCode::REQUEST_TIMEOUT,
            ServeCode::CardBusy => StatusCode::CONFLICT,
            ServeCode::TooManyConnections | ServeCode::ShuttingDown => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }
}

/// Every message the service writes itself (English; see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msg {
    /// Missing or wrong bearer token.
    Unauthorized,
    /// Host header refused.
    BadHost,
    /// Origin header refused.
    BadOrigin,
    /// Unknown path.
    NotFound,
    /// Wrong method.
    MethodNotAllowed,
    /// Oversized body.
    TooLarge,
    /// Not JSON.
    NotJson,
    /// Body too slow.
    BodyTimeout,
    /// Card busy.
    CardBusy,
    /// Too many connections.
    TooManyConnections,
    /// Stopping.
    ShuttingDown,
    /// Reveal refused.
    RevealNotAllowed,
    /// Reveal of the card face's photo and images refused.
    FaceRevealNotAllowed,
    /// A card operation thread failed.
    Internal,
}

/// The text of a service message, in the service's language (chosen at start-up like every
/// command's: `--lang`, `LC_ALL`, `LC_MESSAGES`, `LANG`; the catalogues are
/// `i18n/{en,ja}/mynacard.ftl`, keys `serve-*`). Codes never change with the language.
pub fn message(m: Msg) -> String {
    match m {
        Msg::Unauthorized => t!("serve-unauthorized"),
        Msg::BadHost => t!("serve-bad-host"),
        Msg::BadOrigin => t!("serve-bad-origin"),
        Msg::NotFound => t!("serve-not-found"),
        Msg::MethodNotAllowed => t!("serve-method-not-allowed"),
        Msg::TooLarge => t!("serve-too-large"),
        Msg::NotJson => t!("serve-not-json"),
        Msg::BodyTimeout => t!("serve-body-timeout"),
        Msg::CardBusy => t!("serve-card-busy"),
        Msg::TooManyConnections => t!("serve-too-many-connections"),
        Msg::ShuttingDown => t!("serve-shutting-down"),
        Msg::RevealNotAllowed => t!("serve-reveal-not-allowed"),
        Msg::FaceRevealNotAllowed => t!("serve-face-reveal-not-allowed"),
        Msg::Internal => t!("serve-internal"),
    }
}

/// The HTTP status for a command-line exit code.
pub fn exit_status(exit: Exit) -> StatusCode {
    match exit {
        Exit::Success => StatusCode::OK,
        Exit::Usage | Exit::PinEntry => StatusCode::BAD_REQUEST,
        Exit::NoService | Exit::NoReader | Exit::Interrupted => StatusCode::SERVICE_UNAVAILABLE,
        Exit::NoCard | Exit::CardInUse | Exit::LastTryRefused => StatusCode::CONFLICT,
        Exit::CardError => StatusCode::BAD_GATEWAY,
        Exit::WrongPin | Exit::PinBlocked => StatusCode::FORBIDDEN,
        Exit::VerificationFailed | Exit::Revoked | Exit::Forged | Exit::RevocationUnknown => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Exit::Failure | Exit::Io => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine-readable code.
    pub code: &'static str,
    /// What went wrong, for a person.
    pub message: String,
}

impl ApiError {
    /// A service error with its own message.
    pub fn serve(code: ServeCode, msg: Msg) -> Self {
        ApiError { status: code.status(), code: code.name(), message: message(msg) }
    }

    /// A request the service cannot make sense of (the CLI's `usage`), with a message
    /// naming what was wrong (never a value from the request).
    pub fn usage(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: Exit::Usage.name(),
            message: message.into(),
        }
    }

    /// The body of the answer.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "error": { "code": self.code, "message": self.message } })
    }
}

impl From<CliError> for ApiError {
    fn from(e: CliError) -> Self {
        let exit = e.exit();
        ApiError {
            status: exit_status(exit),
            code: exit.name(),
            message: crate::cli::messages::cli_error(&e).text(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, axum::Json(self.body())).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn service_codes_differ_from_exit_names_and_each_other() {
        let mut names: HashSet<&str> = Exit::ALL.iter().map(|e| e.name()).collect();
        for c in ServeCode::ALL {
            assert!(names.insert(c.name()), "{} is used twice", c.name());
            assert!(c.status().is_client_error() || c.status().is_server_error());
        }
    }

    #[test]
    fn card_errors_keep_their_exit_names() {
        use mynacard::card::{CardError, PinKind};
        let e = ApiError::from(CliError::Card(CardError::WrongPin {
            kind: PinKind::Auth,
            tries_left: 2,
        }));
        assert_eq!((e.status, e.code), (StatusCode::FORBIDDEN, "wrong-pin"));
        assert_eq!(e.message, "wrong authentication PIN: 2 tries left before it is blocked");
        let e = ApiError::from(CliError::Card(CardError::LastTry { kind: PinKind::Sign }));
        assert_eq!((e.status, e.code), (StatusCode::CONFLICT, "last-try-refused"));
        let e = ApiError::serve(ServeCode::CardBusy, Msg::CardBusy);
        assert_eq!(
            e.body(),
            serde_json::json!({"error": {"code": "card-busy", "message": message(Msg::CardBusy)}})
        );
        for exit in Exit::ALL {
            let s = exit_status(exit);
            assert!(exit == Exit::Success || !s.is_success(), "{exit:?}");
        }
    }

    #[test]
    fn messages_follow_the_language_and_codes_do_not() {
        use crate::cli::i18n::{with_lang, Lang};
        use mynacard::card::{CardError, PinKind};
        let wrong = || CliError::Card(CardError::WrongPin { kind: PinKind::Auth, tries_left: 2 });
        let ja = with_lang(Lang::Ja, || ApiError::from(wrong()));
        assert_eq!((ja.status, ja.code), (StatusCode::FORBIDDEN, "wrong-pin"));
        assert!(ja.message.contains("利用者証明用パスワード"), "{}", ja.message);
        let busy = with_lang(Lang::Ja, || ApiError::serve(ServeCode::CardBusy, Msg::CardBusy));
        assert_eq!(busy.code, "card-busy");
        assert!(busy.message.contains("カード"), "{}", busy.message);
        let en = with_lang(Lang::En, || ApiError::serve(ServeCode::CardBusy, Msg::CardBusy));
        assert_eq!(en.code, busy.code);
        assert_ne!(en.message, busy.message);
    }
}

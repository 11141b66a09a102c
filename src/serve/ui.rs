//! The kiosk page (`mynacard serve --ui`): plain HTML, CSS and JavaScript embedded in the
//! binary and served at `/`. The page follows `/v1/events`, shows the tries left from
//! `/v1/card`, takes the PIN on an on-screen keypad, calls `/v1/authenticate`, and forgets
//! everything when the card is removed. It needs no token on the Unix socket; on TCP the
//! token is given to the page in the URL fragment (`/#token=…`), which browsers never send
//! to the server. The page files are public (no token): they hold no data.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

const INDEX: &str = include_str!("ui/index.html");
const SCRIPT: &str = include_str!("ui/kiosk.js");
const STYLE: &str = include_str!("ui/kiosk.css");

/// The page's paths (served without a token).
pub const PAGES: [&str; 3] = ["/", "/kiosk.js", "/kiosk.css"];

/// Whether `path` is one of the page's files.
pub fn is_page(path: &str) -> bool {
    PAGES.contains(&path)
}

/// Security headers of the page: nothing but this service's own scripts, styles and API.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn page(kind: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, kind), (header::CONTENT_SECURITY_POLICY, CSP)], body)
}

/// The page's routes.
pub fn router() -> Router {
    Router::new()
        .route("/", get(|| async { page("text/html; charset=utf-8", INDEX) }))
        .route("/kiosk.js", get(|| async { page("text/javascript; charset=utf-8", SCRIPT) }))
        .route("/kiosk.css", get(|| async { page("text/css; charset=utf-8", STYLE) }))
}

//! Authentication: the documented seed credentials, accepted on every Jira and Confluence
//! path; anything else answers 401 with the body the product family sends.
//!
//! Cloud style: `Authorization: Basic base64(SANDBOX_EMAIL:SANDBOX_API_TOKEN)` (the DC user
//! name `sandbox` is accepted in place of the e-mail). Server/DC style:
//! `Authorization: Bearer SANDBOX_PAT`.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;

use crate::sandbox::error::{ApiError, Family};

/// E-mail of the seed user for Cloud basic auth.
pub const SANDBOX_EMAIL: &str = "sandbox@example.com";
/// API token of the seed user for Cloud basic auth.
pub const SANDBOX_API_TOKEN: &str = "sandbox-api-token";
/// Server/DC personal access token of the seed user (`Authorization: Bearer`).
pub const SANDBOX_PAT: &str = "sandbox-pat";
/// Server/DC user name of the seed user.
pub const SANDBOX_USERNAME: &str = "sandbox";
/// Cloud account id of the seed user.
pub const SANDBOX_ACCOUNT_ID: &str = "5b10a2844c20165700ede021";

/// The authenticated user, as an index into `Store::users`; set by [`require_auth`].
#[derive(Debug, Clone, Copy)]
pub struct CurrentUser(pub usize);

/// True when the `Authorization` header carries one of the seed credentials.
pub fn credentials_valid(value: &str) -> bool {
    if let Some(token) = value.strip_prefix("Bearer ") {
        return token.trim() == SANDBOX_PAT;
    }
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return false;
    };
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let Ok(text) = String::from_utf8(raw) else {
        return false;
    };
    match text.split_once(':') {
        Some((user, secret)) => {
            (user == SANDBOX_EMAIL || user == SANDBOX_USERNAME) && secret == SANDBOX_API_TOKEN
        }
        None => false,
    }
}

fn unauthorized(family: Family) -> Response {
    let message = match family {
        Family::Jira => {
            "You are not authenticated. Authentication required to perform this operation."
        }
        Family::ConfluenceV1 => "This request requires authentication",
        Family::ConfluenceV2 => "Unauthorized; scope does not match",
    };
    let mut resp = ApiError::new(family, StatusCode::UNAUTHORIZED, message).into_response();
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"sandbox\""),
    );
    resp
}

tokio::task_local! {
    /// Whether the request came as to a Cloud site (Cloud basic auth), for the paths both
    /// deployments serve with different user shapes (the platform API under `/rest/api/2`).
    static CLOUD_SITE: bool;
}

/// True while serving a request authenticated the Cloud way (`Basic email:token`): Jira
/// Cloud's `/rest/api/2` then names users by account id, as Cloud does, not by name/key.
pub fn cloud_site() -> bool {
    CLOUD_SITE.try_with(|c| *c).unwrap_or(false)
}

/// Middleware: rejects requests without the seed credentials, otherwise records the user.
pub async fn require_auth(mut req: Request, next: Next) -> Response {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !credentials_valid(value) {
        return unauthorized(Family::of_path(req.uri().path()));
    }
    let cloud = value.starts_with("Basic ");
    req.extensions_mut().insert(CurrentUser(0));
    CLOUD_SITE.scope(cloud, next.run(req)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user: &str, secret: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"))
        )
    }

    #[test]
    fn the_seed_credentials_are_accepted() {
        assert!(credentials_valid(&basic(SANDBOX_EMAIL, SANDBOX_API_TOKEN)));
        assert!(credentials_valid(&basic(
            SANDBOX_USERNAME,
            SANDBOX_API_TOKEN
        )));
        assert!(credentials_valid(&format!("Bearer {SANDBOX_PAT}")));
    }

    #[test]
    fn wrong_credentials_are_rejected() {
        assert!(!credentials_valid(&basic(SANDBOX_EMAIL, "wrong")));
        assert!(!credentials_valid("Bearer nope"));
        assert!(!credentials_valid("Basic !!!"));
        assert!(!credentials_valid(SANDBOX_PAT));
    }
}

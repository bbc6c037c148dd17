//! Credentials for outbound calls: the global ones from configuration, and per-request ones
//! a caller brings in `Authorization: Bearer|Token|Basic …` (+ `X-Atlassian-Cloud-Id`), which
//! replace the global ones for that request only.

use secrecy::{ExposeSecret, SecretString};

use crate::config::{Deployment, ServiceConfig};

/// How a request authenticates upstream.
#[derive(Debug, Clone)]
pub enum Auth {
    /// `Authorization: Basic base64(user:token)` (Cloud API token, or a Server password).
    Basic {
        /// User name or email.
        username: String,
        /// API token or password.
        token: SecretString,
    },
    /// `Authorization: Bearer …`: a personal access token (Server/DC).
    Pat(SecretString),
    /// `Authorization: Bearer …`: an OAuth 2.0 access token; on Cloud it goes through the API
    /// gateway with the site's cloud id.
    OAuth {
        /// Access token.
        token: SecretString,
        /// Cloud id (Cloud only).
        cloud_id: Option<String>,
    },
}

impl Auth {
    /// The `Authorization` header value.
    pub fn header_value(&self) -> String {
        match self {
            Auth::Basic { username, token } => {
                let raw = format!("{username}:{}", token.expose_secret());
                format!("Basic {}", base64_encode(raw.as_bytes()))
            }
            Auth::Pat(t) | Auth::OAuth { token: t, .. } => format!("Bearer {}", t.expose_secret()),
        }
    }

    /// The cloud id routing this request through the OAuth gateway, if any.
    pub fn gateway_cloud_id(&self) -> Option<&str> {
        match self {
            Auth::OAuth {
                cloud_id: Some(c), ..
            } => Some(c),
            _ => None,
        }
    }

    /// A short name for logs (never the secret).
    pub fn kind(&self) -> &'static str {
        match self {
            Auth::Basic { .. } => "basic",
            Auth::Pat(_) => "pat",
            Auth::OAuth { .. } => "oauth",
        }
    }
}

/// Credentials a caller sent with an MCP request, already parsed by the transport layer.
#[derive(Debug, Clone)]
pub struct RequestCredentials {
    /// The parsed `Authorization` header.
    pub auth: Auth,
}

/// Why an `Authorization` header could not be used.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct BadCredentials(pub String);

impl RequestCredentials {
    /// Parses `Authorization` and `X-Atlassian-Cloud-Id` header values. `Token` means a
    /// personal access token, `Bearer` an OAuth access token (a PAT on Server/DC, where the
    /// two are sent alike), `Basic` a base64 `user:token` pair.
    pub fn parse(
        authorization: &str,
        cloud_id: Option<&str>,
    ) -> Result<RequestCredentials, BadCredentials> {
        let (scheme, rest) = authorization.trim().split_once(' ').ok_or_else(|| {
            BadCredentials("the Authorization header must be 'Bearer <token>', 'Token <pat>' or 'Basic <base64 user:token>'".into())
        })?;
        let value = rest.trim();
        if value.is_empty() {
            return Err(BadCredentials(
                "the Authorization header has a scheme but no credentials".into(),
            ));
        }
        let cloud_id = cloud_id
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        let auth = match scheme.to_ascii_lowercase().as_str() {
            "bearer" => Auth::OAuth {
                token: SecretString::from(value.to_owned()),
                cloud_id,
            },
            "token" => Auth::Pat(SecretString::from(value.to_owned())),
            "basic" => {
                let decoded = base64_decode(value)
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| {
                        BadCredentials(
                            "the Basic credentials are not valid base64 of user:token".into(),
                        )
                    })?;
                let (user, token) = decoded.split_once(':').ok_or_else(|| {
                    BadCredentials("the Basic credentials must encode user:token".into())
                })?;
                Auth::Basic {
                    username: user.to_owned(),
                    token: SecretString::from(token.to_owned()),
                }
            }
            other => {
                return Err(BadCredentials(format!(
                    "the Authorization scheme {other:?} is not supported; use Bearer, Token or Basic"
                )));
            }
        };
        Ok(RequestCredentials { auth })
    }
}

/// The global credentials of a product, in the reference server's order of preference:
/// OAuth (global token + cloud id), basic on Cloud, PAT on Server/DC, then whatever is set.
pub fn global_auth(
    svc: &ServiceConfig,
    oauth_token: Option<&SecretString>,
    cloud_id: Option<&str>,
) -> Option<Auth> {
    if let (Some(t), Some(c)) = (oauth_token, cloud_id)
        && svc.deployment == Deployment::Cloud
    {
        return Some(Auth::OAuth {
            token: t.clone(),
            cloud_id: Some(c.to_owned()),
        });
    }
    let basic = match (&svc.username, &svc.api_token) {
        (Some(u), Some(t)) => Some(Auth::Basic {
            username: u.clone(),
            token: t.clone(),
        }),
        _ => None,
    };
    let pat = svc.personal_token.clone().map(Auth::Pat);
    let dc_oauth = svc.oauth_access_token.clone().map(|t| Auth::OAuth {
        token: t,
        cloud_id: None,
    });
    match svc.deployment {
        Deployment::Cloud => basic.or(pat).or(dc_oauth),
        Deployment::Server => pat.or(dc_oauth).or(basic),
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64_encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64 (padding optional); `None` on any invalid character.
pub fn base64_decode(input: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in input.trim_end_matches('=').bytes() {
        let v = B64.iter().position(|x| *x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for s in ["", "a", "ab", "abc", "me@acme.com:tok3n/+="] {
            let e = base64_encode(s.as_bytes());
            assert_eq!(base64_decode(&e).expect("decodes"), s.as_bytes());
        }
        assert_eq!(base64_encode(b"user:pass"), "dXNlcjpwYXNz");
        assert!(base64_decode("!!").is_none());
    }

    #[test]
    fn authorization_headers_parse_by_scheme() {
        let c = RequestCredentials::parse("Basic dXNlcjpwYXNz", None).expect("basic");
        assert_eq!(c.auth.header_value(), "Basic dXNlcjpwYXNz");
        let c = RequestCredentials::parse("Token abc", None).expect("token");
        assert_eq!(c.auth.kind(), "pat");
        assert_eq!(c.auth.header_value(), "Bearer abc");
        let c = RequestCredentials::parse("Bearer xyz", Some("cloud-1")).expect("bearer");
        assert_eq!(c.auth.gateway_cloud_id(), Some("cloud-1"));
        assert!(RequestCredentials::parse("Digest x", None).is_err());
        assert!(RequestCredentials::parse("Bearer", None).is_err());
        assert!(
            RequestCredentials::parse("Basic bm9jb2xvbg==", None).is_err(),
            "no colon"
        );
    }
}

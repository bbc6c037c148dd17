//! Error responses in the exact shapes each Atlassian API family sends.
//!
//! Jira: `{"errorMessages":[...],"errors":{}}`; Confluence v1 (Cloud `/wiki/rest/api` and
//! DC `/rest/api`): `{"statusCode":N,"data":{...},"message":"..."}`; Confluence v2:
//! `{"errors":[{"status":N,"code":"...","title":"...","detail":null}]}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Which error body shape a path uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Jira platform REST v2/v3.
    Jira,
    /// Confluence REST v1 (Cloud and Data Center).
    ConfluenceV1,
    /// Confluence Cloud REST v2.
    ConfluenceV2,
}

impl Family {
    /// The family a request path belongs to (Jira for anything unknown).
    pub fn of_path(path: &str) -> Self {
        if path.starts_with("/wiki/api/v2") {
            Self::ConfluenceV2
        } else if path.starts_with("/wiki/")
            || path.starts_with("/rest/api/content")
            || path.starts_with("/rest/api/user")
            || path.starts_with("/rest/api/space")
            || path.starts_with("/rest/api/search")
        {
            Self::ConfluenceV1
        } else {
            Self::Jira
        }
    }
}

/// An error answer: status, family and message.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Body shape.
    pub family: Family,
    /// Human-readable message.
    pub message: String,
    /// Jira per-field errors (`errors` map); when set, `errorMessages` is empty.
    pub field: Option<(String, String)>,
}

impl ApiError {
    /// A new error.
    pub fn new(family: Family, status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            family,
            message: message.into(),
            field: None,
        }
    }
    /// A Jira 400 naming the field at fault: `{"errorMessages":[],"errors":{field:msg}}`.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            status: StatusCode::BAD_REQUEST,
            family: Family::Jira,
            message: message.clone(),
            field: Some((field.to_owned(), message)),
        }
    }
    /// 400 Bad Request.
    pub fn bad_request(family: Family, message: impl Into<String>) -> Self {
        Self::new(family, StatusCode::BAD_REQUEST, message)
    }
    /// 404 Not Found.
    pub fn not_found(family: Family, message: impl Into<String>) -> Self {
        Self::new(family, StatusCode::NOT_FOUND, message)
    }

    /// The JSON body for this error.
    pub fn body(&self) -> Value {
        match self.family {
            Family::Jira => match &self.field {
                Some((f, m)) => json!({"errorMessages": [], "errors": {f.as_str(): m}}),
                None => json!({"errorMessages": [self.message], "errors": {}}),
            },
            Family::ConfluenceV1 => json!({
                "statusCode": self.status.as_u16(),
                "data": {
                    "authorized": self.status != StatusCode::UNAUTHORIZED && self.status != StatusCode::FORBIDDEN,
                    "valid": self.status != StatusCode::NOT_FOUND,
                    "errors": [],
                    "successful": false
                },
                "message": self.message
            }),
            Family::ConfluenceV2 => json!({"errors": [{
                "status": self.status.as_u16(),
                "code": v2_code(self.status),
                "title": self.message,
                "detail": null
            }]}),
        }
    }
}

fn v2_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "INVALID_REQUEST_PARAMETER",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        409 => "CONFLICT",
        410 => "GONE",
        429 => "TOO_MANY_REQUESTS",
        503 => "SERVICE_UNAVAILABLE",
        _ => "INTERNAL_SERVER_ERROR",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_family_has_its_own_error_shape() {
        let j = ApiError::not_found(
            Family::Jira,
            "Issue does not exist or you do not have permission to see it.",
        );
        assert_eq!(
            j.body(),
            json!({"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}})
        );
        let v1 = ApiError::not_found(Family::ConfluenceV1, "No content found with id : 1");
        assert_eq!(v1.body()["statusCode"], 404);
        assert_eq!(v1.body()["message"], "No content found with id : 1");
        let v2 = ApiError::not_found(Family::ConfluenceV2, "Not Found");
        assert_eq!(v2.body()["errors"][0]["code"], "NOT_FOUND");
        assert_eq!(v2.body()["errors"][0]["detail"], Value::Null);
    }

    #[test]
    fn paths_map_to_families() {
        assert_eq!(Family::of_path("/rest/api/3/issue/X"), Family::Jira);
        assert_eq!(Family::of_path("/rest/api/2/search"), Family::Jira);
        assert_eq!(Family::of_path("/wiki/api/v2/pages"), Family::ConfluenceV2);
        assert_eq!(
            Family::of_path("/wiki/rest/api/search"),
            Family::ConfluenceV1
        );
        assert_eq!(Family::of_path("/rest/api/content/1"), Family::ConfluenceV1);
    }
}

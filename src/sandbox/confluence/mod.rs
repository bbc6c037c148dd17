//! Confluence REST: Cloud v2 (`/wiki/api/v2`), Cloud v1 search and user
//! (`/wiki/rest/api`), and Data Center v1 (`/rest/api`).
//!
//! Pagination cursors are opaque and carry the offset; every paginated answer links its
//! next page (`_links.next`, and the `Link` header on v2).

pub mod analytics;
pub mod attachments;
pub mod cloud;
pub mod cloud_comments;
pub mod cloud_pages;
pub mod dc;
pub mod dc_comments;
pub mod dc_history;
pub mod dc_pages;
pub mod inline_comments;
pub mod pages;
pub mod permissions;
pub mod render;
pub mod restrictions;
pub mod templates;
pub mod users;

use axum::Router;
use axum::routing::{get, post, put};

use self::attachments as att;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::sandbox::SandboxState;
use crate::sandbox::error::{ApiError, Family};

/// Confluence routes.
pub fn routes() -> Router<SandboxState> {
    Router::new()
        .route(
            "/wiki/api/v2/pages/{id}",
            get(cloud::get_page)
                .put(cloud_pages::update_page)
                .delete(cloud_pages::delete_page),
        )
        .route(
            "/wiki/api/v2/pages",
            get(cloud::get_pages).post(cloud_pages::create_page),
        )
        .route(
            "/wiki/api/v2/pages/{id}/children",
            get(cloud_pages::children),
        )
        .route(
            "/wiki/api/v2/pages/{id}/versions",
            get(cloud_pages::versions),
        )
        .route("/wiki/api/v2/pages/{id}/labels", get(cloud_pages::labels))
        .route(
            "/wiki/api/v2/spaces/{id}/pages",
            get(cloud_pages::space_pages),
        )
        .route(
            "/wiki/api/v2/pages/{id}/footer-comments",
            get(cloud_comments::page_comments),
        )
        .route(
            "/wiki/api/v2/footer-comments/{id}",
            get(cloud_comments::get_comment),
        )
        .route(
            "/wiki/api/v2/footer-comments/{id}/children",
            get(cloud_comments::children),
        )
        .route("/wiki/api/v2/footer-comments", post(cloud_comments::create))
        .route(
            "/wiki/api/v2/pages/{id}/inline-comments",
            get(inline_comments::page_comments),
        )
        .route(
            "/wiki/api/v2/inline-comments/{id}",
            get(inline_comments::get_comment),
        )
        .route(
            "/wiki/api/v2/inline-comments/{id}/children",
            get(inline_comments::children),
        )
        .route(
            "/wiki/api/v2/inline-comments",
            post(inline_comments::create),
        )
        .route(
            "/wiki/rest/api/content/{id}/label",
            post(cloud_pages::add_label),
        )
        .route(
            "/wiki/rest/api/content/{id}/move/{position}/{target}",
            put(cloud_pages::move_page),
        )
        .route(
            "/wiki/rest/api/content/{id}/copy",
            post(cloud_pages::copy_page),
        )
        .route("/wiki/api/v2/spaces", get(cloud::get_spaces))
        .route("/wiki/rest/api/search", get(cloud::search))
        .route("/wiki/rest/api/user/current", get(cloud::current_user))
        .route("/rest/api/content/search", get(dc::search))
        .route(
            "/rest/api/content/{id}",
            get(dc::get_content)
                .put(dc_pages::update_page)
                .delete(dc_pages::delete_page),
        )
        .route(
            "/rest/api/content",
            get(dc::list_content).post(dc_pages::create_content),
        )
        .route(
            "/rest/api/content/{id}/child/page",
            get(dc_pages::child_pages),
        )
        .route("/rest/api/space/{key}", get(dc_pages::get_space))
        .route("/rest/api/space", get(dc_pages::list_spaces))
        .route(
            "/rest/api/space/{key}/permissions",
            get(permissions::dc_space_permissions),
        )
        .route(
            "/wiki/rest/api/content/{id}/restriction",
            get(restrictions::cloud_get).put(restrictions::cloud_put),
        )
        .route(
            "/rest/api/content/{id}/restriction/byOperation",
            get(restrictions::dc_get),
        )
        .route(
            "/wiki/rest/api/content/{id}/restriction/byOperation",
            get(restrictions::cloud_by_operation),
        )
        .route(
            "/wiki/api/v2/pages/{id}/direct-children",
            get(cloud_pages::direct_children),
        )
        .route("/rest/api/search", get(dc_history::search))
        .route("/rest/api/content/{id}/history", get(dc_history::history))
        .route(
            "/rest/api/content/{id}/property",
            get(dc_history::properties),
        )
        .route(
            "/rest/api/content/{id}/restriction",
            put(restrictions::dc_put),
        )
        .route(
            "/rest/api/content/{id}/child/comment",
            get(dc_comments::page_comments),
        )
        .route(
            "/rest/api/content/{id}/label",
            get(dc_pages::labels).post(dc_pages::add_label),
        )
        .route("/rest/api/user/current", get(dc::current_user))
        .route("/wiki/api/v2/pages/{id}/attachments", get(att::cloud_list))
        .route(
            "/wiki/api/v2/attachments/{id}",
            get(att::cloud_get).delete(att::cloud_delete),
        )
        .route(
            "/wiki/rest/api/content/{id}/child/attachment",
            get(att::v1_list).post(att::v1_upload),
        )
        .route(
            "/rest/api/content/{id}/child/attachment",
            get(att::v1_list).post(att::v1_upload),
        )
        .route(
            "/wiki/rest/api/content/{page}/child/attachment/{id}/download",
            get(att::cloud_download),
        )
        .route(
            "/download/attachments/{page}/{filename}",
            get(att::dc_download),
        )
        .route("/wiki/rest/api/search/user", get(users::cloud_search_user))
        .route("/wiki/rest/api/template/page", get(templates::list))
        .route("/wiki/rest/api/template/{id}", get(templates::get_one))
        .route("/rest/experimental/template/page", get(templates::list))
        .route("/rest/experimental/template/{id}", get(templates::get_one))
        .route(
            "/wiki/api/v2/spaces/{id}/permissions",
            get(permissions::cloud_space_permissions),
        )
        .route(
            "/wiki/rest/api/content/{id}/permission/check",
            post(permissions::check),
        )
        .route(
            "/wiki/rest/api/analytics/content/{id}/views",
            get(analytics::page_views),
        )
        .route(
            "/rest/api/group/{name}/member",
            get(users::dc_group_members),
        )
}

/// The pages a v1 search's `cql` parameter finds for `user`, now, with the CQL text:
/// 400 when the parameter is missing, blank or not valid CQL.
pub fn cql_hits<'a>(
    q: &'a [(String, String)],
    store: &crate::sandbox::model::Store,
    user: usize,
) -> Result<(&'a str, Vec<usize>), ApiError> {
    let v1 = Family::ConfluenceV1;
    let text = param(q, "cql")
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request(v1, "CQL query parameter is required"))?;
    let cql = crate::sandbox::cql::compile(text).map_err(|m| ApiError::bad_request(v1, m))?;
    let ctx = crate::sandbox::cql::Context {
        current_user: user,
        now: crate::sandbox::timefmt::now_secs(),
    };
    Ok((text, cql.run(store, ctx)))
}

/// First value of query parameter `name`.
pub fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// All values of `name`, each split on commas.
pub fn list_param(q: &[(String, String)], name: &str) -> Vec<String> {
    q.iter()
        .filter(|(k, _)| k == name)
        .flat_map(|(_, v)| v.split(','))
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Integer parameter with a default and an upper bound; malformed is a 400 of `family`.
pub fn limit_param(
    q: &[(String, String)],
    name: &str,
    default: usize,
    max: usize,
    family: Family,
) -> Result<usize, ApiError> {
    match param(q, name) {
        None => Ok(default),
        Some(v) => v.trim().parse::<usize>().map(|n| n.min(max)).map_err(|_| {
            ApiError::bad_request(
                family,
                format!(
                    "Invalid value '{v}' for parameter '{name}': expected a non-negative integer"
                ),
            )
        }),
    }
}

/// Encodes a cursor for `offset`.
pub fn encode_cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("sandbox:{offset}"))
}

/// Decodes a cursor; a malformed one is a 400 of `family`.
pub fn decode_cursor(cursor: Option<&str>, family: Family) -> Result<usize, ApiError> {
    let Some(c) = cursor else { return Ok(0) };
    let invalid = || ApiError::bad_request(family, "Invalid cursor");
    let raw = URL_SAFE_NO_PAD.decode(c.trim()).map_err(|_| invalid())?;
    let text = String::from_utf8(raw).map_err(|_| invalid())?;
    text.strip_prefix("sandbox:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(invalid)
}

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Builds a query string from pairs, encoding the values.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_rejected() {
        assert_eq!(
            decode_cursor(Some(&encode_cursor(25)), Family::ConfluenceV2).expect("valid"),
            25
        );
        assert_eq!(decode_cursor(None, Family::ConfluenceV2).expect("valid"), 0);
        assert!(decode_cursor(Some("nope"), Family::ConfluenceV2).is_err());
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            query_string(&[("cql", "space = \"DEMO\"".into()), ("limit", "5".into())]),
            "cql=space%20%3D%20%22DEMO%22&limit=5"
        );
    }
}

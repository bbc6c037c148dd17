//! Jira comment writes. Bodies arrive already converted to the deployment's rich-text format.

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{api, encode};
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::AtlassianError;

/// A comment body with its optional restrictions.
#[derive(Debug, Clone)]
pub struct CommentBody {
    /// ADF (Cloud) or wiki markup (Server/DC).
    pub body: Value,
    /// `{"type": "group"|"role", "value": ...}`.
    pub visibility: Option<Map<String, Value>>,
    /// Jira Service Management: true = visible to customers, false = internal note.
    pub public: Option<bool>,
}

impl CommentBody {
    fn json(&self) -> Value {
        let mut v = json!({"body": self.body});
        if let Some(vis) = self.visibility.as_ref().filter(|m| !m.is_empty()) {
            v["visibility"] = Value::Object(vis.clone());
        }
        if let Some(public) = self.public {
            v["properties"] = json!([{"key": "sd.public.comment", "value": {"internal": !public}}]);
        }
        v
    }
}

/// `POST /issue/{key}/comment` → the created comment.
pub async fn add(
    client: &ServiceClient,
    auth: &CallAuth,
    key: &str,
    comment: &CommentBody,
) -> Result<Value, AtlassianError> {
    let path = format!("{}/issue/{}/comment", api(client), encode(key));
    Ok(client.post(auth, &path, &comment.json()).await?.body)
}

/// `PUT /issue/{key}/comment/{id}` → the updated comment.
pub async fn edit(
    client: &ServiceClient,
    auth: &CallAuth,
    key: &str,
    id: &str,
    comment: &CommentBody,
) -> Result<Value, AtlassianError> {
    let path = format!(
        "{}/issue/{}/comment/{}",
        api(client),
        encode(key),
        encode(id)
    );
    Ok(client
        .call(auth, Method::PUT, &path, &[], Some(&comment.json()))
        .await?
        .body)
}

//! Page restrictions (who may view / edit). Cloud: v1 `/rest/api/content/{id}/restriction`
//! (v2 has none); Server/DC: `/restriction/byOperation` to read, `/restriction` to write.
//! A write replaces every restriction of the page, as the API does.

use reqwest::Method;
use serde_json::{Value, json};

use super::encode;
use crate::atlassian::client::{CallAuth, ServiceClient};
use crate::atlassian::error::AtlassianError;
use crate::config::Deployment;

/// The users (as returned) and group names of one operation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subjects {
    /// User objects.
    pub users: Vec<Value>,
    /// Group names.
    pub groups: Vec<String>,
}

/// Read and update restrictions of a page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Restrictions {
    /// Who may view (empty: everyone who can see the space).
    pub read: Subjects,
    /// Who may edit.
    pub update: Subjects,
}

/// The identifier a write uses for a user: account id on Cloud, user name on Server/DC.
pub fn user_id(deployment: Deployment, user: &Value) -> Option<String> {
    match deployment {
        Deployment::Cloud => user["accountId"].as_str(),
        Deployment::Server => user["username"].as_str().or(user["name"].as_str()),
    }
    .map(str::to_owned)
}

fn subjects(op: &Value) -> Subjects {
    let r = &op["restrictions"];
    Subjects {
        users: r["user"]["results"].as_array().cloned().unwrap_or_default(),
        groups: r["group"]["results"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|g| g["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The page's read and update restrictions.
pub async fn get(
    client: &ServiceClient,
    auth: &CallAuth,
    page_id: &str,
) -> Result<Restrictions, AtlassianError> {
    let expand = [("expand", "restrictions.user,restrictions.group".to_owned())];
    let mut out = Restrictions::default();
    match client.deployment() {
        Deployment::Cloud => {
            let path = format!("/rest/api/content/{}/restriction", encode(page_id));
            let v = client.get(auth, &path, &expand).await?.body;
            for op in v["results"].as_array().cloned().unwrap_or_default() {
                match op["operation"].as_str() {
                    Some("read") => out.read = subjects(&op),
                    Some("update") => out.update = subjects(&op),
                    _ => {}
                }
            }
        }
        Deployment::Server => {
            let path = format!(
                "/rest/api/content/{}/restriction/byOperation",
                encode(page_id)
            );
            let v = client.get(auth, &path, &expand).await?.body;
            out.read = subjects(&v["restrictions"]["read"]);
            out.update = subjects(&v["restrictions"]["update"]);
        }
    }
    Ok(out)
}

/// Replaces the page's restrictions: `(user ids, group names)` per operation.
pub async fn set(
    client: &ServiceClient,
    auth: &CallAuth,
    page_id: &str,
    read: (&[String], &[String]),
    update: (&[String], &[String]),
) -> Result<(), AtlassianError> {
    let cloud = client.deployment() == Deployment::Cloud;
    let mut ops = Vec::new();
    for (name, (users, groups)) in [("read", read), ("update", update)] {
        if users.is_empty() && groups.is_empty() {
            continue;
        }
        let mut r = json!({});
        if !users.is_empty() {
            r["user"] = users
                .iter()
                .map(|u| {
                    if cloud {
                        json!({"type": "known", "accountId": u})
                    } else {
                        json!({"type": "known", "username": u})
                    }
                })
                .collect();
        }
        if !groups.is_empty() {
            r["group"] = groups
                .iter()
                .map(|g| json!({"type": "group", "name": g}))
                .collect();
        }
        ops.push(json!({"operation": name, "restrictions": r}));
    }
    let path = format!("/rest/api/content/{}/restriction", encode(page_id));
    let body = if cloud {
        json!({"results": ops})
    } else {
        Value::Array(ops)
    };
    client
        .call(auth, Method::PUT, &path, &[], Some(&body))
        .await?;
    Ok(())
}

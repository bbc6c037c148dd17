//! Test harness: starts the sandbox on 127.0.0.1 port 0 and offers authenticated clients.
#![allow(dead_code)]

use base64::Engine;
use mcp_atlassian::sandbox::{self, SandboxOptions};
use reqwest::{Client, RequestBuilder, Response};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// A running sandbox; stops when dropped.
pub struct TestSandbox {
    pub base: String,
    pub http: Client,
    shutdown: CancellationToken,
}

impl Drop for TestSandbox {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub async fn spawn_sandbox() -> TestSandbox {
    spawn_with(SandboxOptions::default()).await
}

pub async fn spawn_with(opts: SandboxOptions) -> TestSandbox {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let addr = listener.local_addr().expect("local addr");
    let shutdown = CancellationToken::new();
    let token = shutdown.clone();
    tokio::spawn(async move { sandbox::serve(listener, opts, token).await });
    // A fresh connection per request keeps dropped-connection faults from poisoning the pool.
    let http = Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    TestSandbox {
        base: format!("http://{addr}"),
        http,
        shutdown,
    }
}

pub fn basic() -> String {
    let raw = format!("{}:{}", sandbox::SANDBOX_EMAIL, sandbox::SANDBOX_API_TOKEN);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

pub fn bearer() -> String {
    format!("Bearer {}", sandbox::SANDBOX_PAT)
}

impl TestSandbox {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
    /// GET with Cloud basic auth for Cloud paths and the PAT for Server/DC paths.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.http
            .get(self.url(path))
            .header("Authorization", auth_for(path))
    }
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.http
            .post(self.url(path))
            .header("Authorization", auth_for(path))
    }
    pub fn put(&self, path: &str) -> RequestBuilder {
        self.http
            .put(self.url(path))
            .header("Authorization", auth_for(path))
    }
    /// GET that must answer 200; returns the JSON body.
    pub async fn json(&self, path: &str) -> Value {
        let resp = self.get(path).send().await.expect("request");
        ok_json(resp).await
    }
    pub async fn set_faults(&self, faults: Value) {
        let resp = self
            .http
            .post(self.url("/__sandbox/faults"))
            .json(&faults)
            .send()
            .await
            .expect("set faults");
        assert_eq!(resp.status(), 200);
    }
}

fn auth_for(path: &str) -> String {
    if path.starts_with("/rest/api/3") || path.starts_with("/wiki/") {
        basic()
    } else {
        bearer()
    }
}

pub async fn ok_json(resp: Response) -> Value {
    let status = resp.status();
    let url = resp.url().clone();
    let body: Value = resp.json().await.expect("json body");
    assert_eq!(status, 200, "{url} answered {status}: {body}");
    body
}

/// Key of a seed issue that has at least one worklog.
pub async fn issue_with_worklog(sb: &TestSandbox) -> String {
    let found = sb.json("/rest/api/3/search/jql?jql=project%3DDEMO%20ORDER%20BY%20key%20ASC&fields=worklog&maxResults=100").await;
    found["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .find(|i| i["fields"]["worklog"]["total"].as_u64().unwrap_or(0) > 0)
        .and_then(|i| i["key"].as_str())
        .expect("some DEMO issue has a worklog")
        .to_owned()
}

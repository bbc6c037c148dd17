//! Outbound requests to caller-named sites (`X-Atlassian-Jira-Url` with
//! `MCP_ALLOWED_URL_DOMAINS`), probed as an attacker would: fake Jira sites on loopback that
//! record what they receive, redirect elsewhere, or sit behind a name whose resolver answers
//! differently on the second lookup. The app is the real one, spoken to over real MCP.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use mcp_atlassian::atlassian::Atlassian;
use mcp_atlassian::atlassian::ssrf::{HostLookup, LookupFuture, SystemLookup};
use mcp_atlassian::config::Config;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::helpers::{TestApp, base_settings, start_app};

/// What a fake site answers.
#[derive(Clone)]
enum Answer {
    /// A Jira issue whose summary names the site.
    Issue(&'static str),
    /// Like `Issue`, then closes the connection (the next call must connect again).
    IssueThenClose(&'static str),
    /// `302 Found` to this URL.
    Redirect(String),
    /// `302 Found` from `/old/...` to `/...` on the same site (a relative `Location`), then
    /// like `Issue`.
    MovedWithin(&'static str),
}

/// A request a fake site received.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    headers: HeaderMap,
}

/// A fake Jira site on a loopback address that records every request.
struct Site {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: CancellationToken,
}

impl Site {
    async fn start(ip: &str, port: u16, answer: Answer) -> Site {
        let listener = tokio::net::TcpListener::bind((ip.parse::<IpAddr>().expect("ip"), port))
            .await
            .expect("bind fake site");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = CancellationToken::new();
        let record = seen.clone();
        let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
            let record = record.clone();
            let answer = answer.clone();
            async move {
                record.lock().expect("lock").push(Seen {
                    path: uri.path().to_owned(),
                    headers,
                });
                respond(&answer, uri.path())
            }
        });
        let shutdown = stop.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown.cancelled_owned())
                .await;
        });
        Site { addr, seen, stop }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn issue_body(site: &str) -> Value {
    json!({"id": "10001", "key": "DEMO-1", "fields": {
        "summary": format!("answered by the {site} site"),
        "project": {"key": "DEMO"},
        "status": {"name": "To Do", "statusCategory": {"name": "To Do"}}}})
}

fn respond(answer: &Answer, path: &str) -> Response {
    match answer {
        Answer::MovedWithin(site) => match path.strip_prefix("/old") {
            Some(rest) => {
                (StatusCode::FOUND, [(header::LOCATION, rest.to_owned())]).into_response()
            }
            None => axum::Json(issue_body(site)).into_response(),
        },
        Answer::Issue(site) => axum::Json(issue_body(site)).into_response(),
        Answer::IssueThenClose(site) => (
            [(header::CONNECTION, "close")],
            axum::Json(issue_body(site)),
        )
            .into_response(),
        Answer::Redirect(to) => {
            (StatusCode::FOUND, [(header::LOCATION, to.clone())]).into_response()
        }
    }
}

/// Answers one name from a script: the n-th lookup gets `answers[n]` (the last one after
/// that); every other name goes to the system resolver. Counts the lookups it served.
struct ScriptedLookup {
    name: &'static str,
    answers: Vec<IpAddr>,
    served: Arc<AtomicUsize>,
}

impl HostLookup for ScriptedLookup {
    fn lookup(&self, host: &str) -> LookupFuture {
        if host != self.name {
            return SystemLookup.lookup(host);
        }
        let n = self.served.fetch_add(1, Ordering::SeqCst);
        let ip = self.answers[n.min(self.answers.len() - 1)];
        Box::pin(async move { Ok(vec![ip]) })
    }
}

/// The real app with the real Jira tools, Jira configured at `jira_url`, caller-named sites
/// resolved through `lookup`.
async fn spawn(
    jira_url: &str,
    overrides: &[(&'static str, &str)],
    lookup: Arc<dyn HostLookup>,
) -> TestApp {
    let mut settings = base_settings();
    settings.retain(|(k, _)| *k != "JIRA_URL" && *k != "JIRA_PERSONAL_TOKEN");
    settings.push(("JIRA_URL", jira_url.to_owned()));
    settings.push(("JIRA_DEPLOYMENT", "server".to_owned()));
    settings.push(("JIRA_PERSONAL_TOKEN", "operator-token".to_owned()));
    for (k, v) in overrides {
        settings.retain(|(name, _)| name != k);
        settings.push((k, (*v).to_owned()));
    }
    let config = Config::from_pairs(settings.iter().map(|(k, v)| (*k, v.as_str())))
        .expect("test config is valid");
    let atlassian = Atlassian::from_config_with(&config.atlassian, lookup).expect("clients");
    let built = mcp_atlassian::app::validate_with(&config, atlassian).expect("tools build");
    start_app(&config, built.registry).await
}

/// `jira_get_issue DEMO-1` over Streamable HTTP, with the caller's site and token when given.
async fn get_issue(app: &TestApp, site: Option<&str>) -> (bool, String) {
    let (session, _) = app.initialize().await;
    let body = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "jira_get_issue", "arguments": {"issue_key": "DEMO-1"}}});
    let mut req = app.post_mcp(&body, session.as_deref());
    if let Some(s) = site {
        req = req
            .header("x-atlassian-jira-url", s)
            .header("authorization", "Token caller-own-pat");
    }
    let resp = req.send().await.expect("tools/call sent");
    assert_eq!(resp.status(), 200);
    let v = crate::helpers::read_rpc_response(resp, 2).await;
    (
        v["result"]["isError"].as_bool().unwrap_or(false),
        v["result"]["content"][0]["text"]
            .as_str()
            .expect("text")
            .to_owned(),
    )
}

fn header_of(seen: &Seen, name: &str) -> Option<String> {
    seen.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[tokio::test]
async fn the_operators_custom_headers_reach_the_configured_site_but_never_a_caller_named_one() {
    let configured = Site::start("127.0.0.1", 0, Answer::Issue("configured")).await;
    let caller = Site::start("127.0.0.1", 0, Answer::Issue("caller")).await;
    let app = spawn(
        &configured.url(),
        &[
            ("MCP_ALLOWED_URL_DOMAINS", "127.0.0.1"),
            ("JIRA_CUSTOM_HEADERS", "X-Gateway-Secret=gw-s3cret"),
        ],
        Arc::new(SystemLookup),
    )
    .await;

    let (err, text) = get_issue(&app, None).await;
    assert!(
        !err && text.contains("answered by the configured site"),
        "{text}"
    );
    let (err, text) = get_issue(&app, Some(&caller.url())).await;
    assert!(
        !err && text.contains("answered by the caller site"),
        "{text}"
    );

    let to_configured = configured.requests();
    assert_eq!(to_configured.len(), 1, "{to_configured:?}");
    assert_eq!(
        header_of(&to_configured[0], "x-gateway-secret").as_deref(),
        Some("gw-s3cret")
    );
    assert_eq!(
        header_of(&to_configured[0], "authorization").as_deref(),
        Some("Bearer operator-token")
    );
    let to_caller = caller.requests();
    assert_eq!(to_caller.len(), 1, "{to_caller:?}");
    assert_eq!(to_caller[0].path, "/rest/api/2/issue/DEMO-1");
    assert_eq!(
        header_of(&to_caller[0], "x-gateway-secret"),
        None,
        "the operator's custom header went to the caller's site"
    );
    assert_eq!(
        header_of(&to_caller[0], "authorization").as_deref(),
        Some("Bearer caller-own-pat"),
        "the caller's own token, never the operator's"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_redirect_from_a_caller_site_to_a_private_address_or_an_unlisted_host_is_refused_unsent()
{
    let internal = Site::start("127.0.0.2", 0, Answer::Issue("internal")).await;
    let to_private = Site::start(
        "127.0.0.1",
        0,
        Answer::Redirect(format!("{}/rest/api/2/issue/DEMO-1", internal.url())),
    )
    .await;
    let unlisted = Site::start(
        "127.0.0.1",
        0,
        Answer::Redirect(format!(
            "http://localhost:{}/rest/api/2/issue/DEMO-1",
            internal.addr.port()
        )),
    )
    .await;
    let allowed_hop = Site::start("127.0.0.1", 0, Answer::Issue("second hop")).await;
    let to_allowed = Site::start(
        "127.0.0.1",
        0,
        Answer::Redirect(format!("{}/rest/api/2/issue/DEMO-1", allowed_hop.url())),
    )
    .await;
    let app = spawn(
        "http://127.0.0.1:9",
        &[("MCP_ALLOWED_URL_DOMAINS", "127.0.0.1")],
        Arc::new(SystemLookup),
    )
    .await;

    let (err, text) = get_issue(&app, Some(&to_private.url())).await;
    assert!(err, "{text}");
    assert!(
        text.contains(&format!("redirected to {}", internal.url()))
            && text.contains("127.0.0.2 is not in MCP_ALLOWED_URL_DOMAINS"),
        "{text}"
    );
    let (err, text) = get_issue(&app, Some(&unlisted.url())).await;
    assert!(err, "{text}");
    assert!(
        text.contains("localhost is not in MCP_ALLOWED_URL_DOMAINS"),
        "{text}"
    );
    assert!(
        internal.requests().is_empty(),
        "a redirect reached the internal site: {:?}",
        internal.requests()
    );
    assert!(!text.contains("answered by the internal site"), "{text}");

    // A hop that passes the same checks is followed.
    let (err, text) = get_issue(&app, Some(&to_allowed.url())).await;
    assert!(
        !err && text.contains("answered by the second hop site"),
        "{text}"
    );
    assert_eq!(to_allowed.requests().len(), 1);
    assert_eq!(allowed_hop.requests().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_name_that_answers_differently_on_the_second_lookup_is_only_connected_where_checked() {
    // The same port on two loopback addresses: the checked one, and the rebinding target.
    let good = Site::start("127.0.0.1", 0, Answer::IssueThenClose("checked")).await;
    let evil = Site::start("127.0.0.2", good.addr.port(), Answer::Issue("rebound")).await;
    let served = Arc::new(AtomicUsize::new(0));
    let lookup = ScriptedLookup {
        name: "rebind.test",
        answers: vec![
            "127.0.0.1".parse().expect("ip"),
            "127.0.0.2".parse().expect("ip"),
        ],
        served: served.clone(),
    };
    let app = spawn(
        "http://127.0.0.1:9",
        &[("MCP_ALLOWED_URL_DOMAINS", "rebind.test,127.0.0.1")],
        Arc::new(lookup),
    )
    .await;
    let site = format!("http://rebind.test:{}", good.addr.port());

    let (err, text) = get_issue(&app, Some(&site)).await;
    assert!(
        !err && text.contains("answered by the checked site"),
        "{text}"
    );
    assert_eq!(
        served.load(Ordering::SeqCst),
        1,
        "one lookup: the address checked is the address connected to"
    );
    // The site closed the connection, so the next call resolves again and gets the rebound
    // answer, which is refused before anything is sent.
    let (err, text) = get_issue(&app, Some(&site)).await;
    assert!(err, "{text}");
    assert!(
        text.contains("rebind.test resolves to the internal address 127.0.0.2"),
        "{text}"
    );
    assert_eq!(served.load(Ordering::SeqCst), 2);
    assert!(
        evil.requests().is_empty(),
        "the rebound address got a request: {:?}",
        evil.requests()
    );
    assert_eq!(good.requests().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_caller_site_whose_name_resolves_to_an_internal_address_is_refused_when_connecting() {
    let internal = Site::start("127.0.0.2", 0, Answer::Issue("internal")).await;
    let lookup = ScriptedLookup {
        name: "intranet.example.com",
        answers: vec!["127.0.0.2".parse().expect("ip")],
        served: Arc::new(AtomicUsize::new(0)),
    };
    let app = spawn(
        "http://127.0.0.1:9",
        &[("MCP_ALLOWED_URL_DOMAINS", "example.com")],
        Arc::new(lookup),
    )
    .await;
    let site = format!("http://intranet.example.com:{}", internal.addr.port());
    let (err, text) = get_issue(&app, Some(&site)).await;
    assert!(err, "{text}");
    assert!(
        text.contains("intranet.example.com resolves to the internal address 127.0.0.2")
            && text.contains("list that address in MCP_ALLOWED_URL_DOMAINS"),
        "{text}"
    );
    assert!(internal.requests().is_empty(), "{:?}", internal.requests());
    app.stop().await;
}

#[tokio::test]
async fn a_redirect_off_the_configured_site_is_followed_without_the_custom_headers_or_the_token() {
    let elsewhere = Site::start("127.0.0.2", 0, Answer::Issue("redirected-to")).await;
    let configured = Site::start(
        "127.0.0.1",
        0,
        Answer::Redirect(format!("{}/rest/api/2/issue/DEMO-1", elsewhere.url())),
    )
    .await;
    let app = spawn(
        &configured.url(),
        &[("JIRA_CUSTOM_HEADERS", "X-Gateway-Secret=gw-s3cret")],
        Arc::new(SystemLookup),
    )
    .await;

    let (err, text) = get_issue(&app, None).await;
    assert!(
        !err && text.contains("answered by the redirected-to site"),
        "{text}"
    );
    let to_configured = configured.requests();
    assert_eq!(to_configured.len(), 1, "{to_configured:?}");
    assert_eq!(
        header_of(&to_configured[0], "x-gateway-secret").as_deref(),
        Some("gw-s3cret")
    );
    let to_elsewhere = elsewhere.requests();
    assert_eq!(to_elsewhere.len(), 1, "{to_elsewhere:?}");
    assert_eq!(to_elsewhere[0].path, "/rest/api/2/issue/DEMO-1");
    assert_eq!(
        header_of(&to_elsewhere[0], "x-gateway-secret"),
        None,
        "the operator's custom header followed a redirect to another origin"
    );
    assert_eq!(
        header_of(&to_elsewhere[0], "authorization"),
        None,
        "the operator's token followed a redirect to another origin"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_redirect_within_the_configured_site_keeps_its_custom_headers() {
    let target = Site::start("127.0.0.1", 0, Answer::MovedWithin("same-origin")).await;
    let app = spawn(
        &format!("{}/old", target.url()),
        &[("JIRA_CUSTOM_HEADERS", "X-Gateway-Secret=gw-s3cret")],
        Arc::new(SystemLookup),
    )
    .await;
    let (err, text) = get_issue(&app, None).await;
    assert!(
        !err && text.contains("answered by the same-origin site"),
        "{text}"
    );
    let seen = target.requests();
    assert_eq!(seen.len(), 2, "one redirect, one answer: {seen:?}");
    assert_eq!(seen[0].path, "/old/rest/api/2/issue/DEMO-1");
    assert_eq!(seen[1].path, "/rest/api/2/issue/DEMO-1");
    for hop in &seen {
        assert_eq!(
            header_of(hop, "x-gateway-secret").as_deref(),
            Some("gw-s3cret"),
            "{hop:?}"
        );
    }
    app.stop().await;
}

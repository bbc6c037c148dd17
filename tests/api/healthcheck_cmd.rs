//! The `healthcheck` subcommand the Docker HEALTHCHECK runs: exit 0 only when /healthz on the
//! configured HOST:PORT answers 200.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;

use crate::helpers::spawn_app;

const BIN: &str = env!("CARGO_BIN_EXE_mcp-atlassian");

fn healthcheck(host: &str, port: u16) -> std::process::Output {
    Command::new(BIN)
        .env_clear()
        .current_dir(std::env::temp_dir())
        .env("HOST", host)
        .env("PORT", port.to_string())
        .args(["healthcheck", "--timeout-secs", "2"])
        .output()
        .expect("ran the binary")
}

#[tokio::test]
async fn healthcheck_exits_0_against_a_running_server_on_a_wildcard_bind() {
    let app = spawn_app().await;
    // HOST=0.0.0.0 is what the container binds; the probe goes to loopback.
    let out = tokio::task::spawn_blocking(move || healthcheck("0.0.0.0", app.addr.port()))
        .await
        .expect("joined");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn healthcheck_exits_1_and_says_why_when_nothing_listens() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bound");
        l.local_addr().expect("addr").port()
    };
    let out = healthcheck("127.0.0.1", port);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("GET http://127.0.0.1:{port}/healthz failed")),
        "{stderr}"
    );
}

#[test]
fn healthcheck_exits_1_when_healthz_answers_other_than_200() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bound");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().expect("accepted");
        let mut buf = [0u8; 1024];
        let n = conn.read(&mut buf).expect("read the request");
        let request = String::from_utf8_lossy(&buf[..n]).into_owned();
        conn.write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n")
            .expect("answered");
        request
    });
    let out = healthcheck("127.0.0.1", port);
    let request = server.join().expect("joined");
    assert!(
        request.starts_with("GET /healthz HTTP/1.1\r\n"),
        "{request}"
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("503 Service Unavailable"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

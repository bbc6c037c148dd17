"""The server's own outbound TLS: the binary (built without dev-dependencies, so with only
the crypto provider it ships) talks HTTPS to an Atlassian site, verifies its certificate
against the trust store (`SSL_CERT_FILE` adds a private CA, as an operator with an internal
Jira would), and refuses a site whose certificate it cannot verify.

The site is the built-in sandbox behind a small TLS-terminating proxy on loopback, with a
certificate for 127.0.0.1 from a throwaway CA.
"""

import http.server
import json
import os
import pathlib
import ssl
import subprocess
import threading
import urllib.error
import urllib.request

import pytest
from conftest import free_port, wait_healthy
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

SANDBOX_EMAIL, SANDBOX_TOKEN = "sandbox@example.com", "sandbox-api-token"


@pytest.fixture(scope="module")
def site_ca(workdir) -> dict[str, pathlib.Path]:
    d = workdir / "site-tls"
    d.mkdir()

    def run(*a):
        subprocess.run(["openssl", *a], cwd=d, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=site throwaway CA", "-keyout", "ca.key", "-out", "ca.pem")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "site.key", "-out", "site.csr")
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "site.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "site.pem")
    return {"ca": d / "ca.pem", "cert": d / "site.pem", "key": d / "site.key"}


class _Forward(http.server.BaseHTTPRequestHandler):
    upstream = ""

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "content-length")}
        req = urllib.request.Request(self.upstream + self.path, data=body, headers=headers, method=self.command)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                status, rheaders, data = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            status, rheaders, data = e.code, e.headers, e.read()
        self.send_response(status)
        for k, v in rheaders.items():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _forward

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def tls_site(sandbox, site_ca):
    """The sandbox over HTTPS at https://127.0.0.1:<port>."""
    handler = type("Forward", (_Forward,), {"upstream": sandbox})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(site_ca["cert"], site_ca["key"])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _start(procs, binary, workdir, site: str, name: str, **extra: str) -> str:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "TRANSPORT": "streamable-http",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PROMETHEUS_PORT": "0",
        "JIRA_URL": site,
        "JIRA_USERNAME": SANDBOX_EMAIL,
        "JIRA_API_TOKEN": SANDBOX_TOKEN,
        "TOOLSETS": "default",
        **extra,
    }
    proc = procs.start([binary], env=env, cwd=workdir, log=workdir / f"{name}.log")
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base, proc)
    return base


async def _get_issue(base: str):
    async with streamable_http_client(f"{base}/mcp") as streams:
        async with ClientSession(streams[0], streams[1]) as session:
            await session.initialize()
            return await session.call_tool("jira_get_issue", {"issue_key": "DEMO-1"})


def _run(coro):
    import asyncio

    return asyncio.run(asyncio.wait_for(coro, timeout=60))


def test_the_binary_reads_an_issue_over_https_from_a_site_whose_ca_it_was_given(binary, workdir, procs, tls_site, site_ca):
    base = _start(procs, binary, workdir, tls_site, "tls-trusted", SSL_CERT_FILE=str(site_ca["ca"]))
    result = _run(_get_issue(base))
    assert not result.is_error, result.content
    assert json.loads(result.content[0].text)["summary"] == "Sandbox showcase issue with rich description"


def test_the_binary_refuses_a_site_whose_certificate_it_cannot_verify(binary, workdir, procs, tls_site):
    base = _start(procs, binary, workdir, tls_site, "tls-untrusted")
    result = _run(_get_issue(base))
    assert result.is_error, result.content
    text = result.content[0].text.lower()
    assert "certificate" in text, text
    assert "Sandbox showcase issue" not in result.content[0].text

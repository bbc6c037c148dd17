"""MULTI_TENANT_MODE=true end to end: the documented client configs (docs/clients.md,
"Multi-tenant mode") carry each user's own Atlassian token next to the API key, and the server
uses that token, never the credentials in its environment.

The server runs against the built-in sandbox as its Jira / Confluence Cloud site, not with
`--sandbox` (which forces the sandbox's own credentials). A small stand-in for Atlassian's API
gateway (api.atlassian.com, `ATLASSIAN_OAUTH_API_BASE`) takes `/ex/jira/<cloud id>/…` with the
user's OAuth token, records what it got, and forwards to the sandbox with the sandbox's token.
"""

from __future__ import annotations

import asyncio
import base64
import http.server
import json
import os
import pathlib
import re
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

import httpx2
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "clients"
API_KEY = "multi-tenant-key-0123456789abcdef"
USER_TOKEN = "alice-oauth-access-token"
CLOUD_ID = "11111111-2222-3333-4444-555555555555"
SANDBOX_PAT = "sandbox-pat"
SUMMARY = "Sandbox showcase issue with rich description"
DEADLINE = 20.0


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, check) -> None:
    start = time.monotonic()
    while time.monotonic() - start < DEADLINE:
        if check():
            return
        time.sleep(0.05)  # poll interval, bounded by the deadline
    raise TimeoutError(what)


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1)
    except urllib.error.HTTPError:
        pass
    except OSError:
        return False
    return True


class Gateway:
    """api.atlassian.com's /ex/{product}/{cloud id} routing, in front of the sandbox."""

    def __init__(self, sandbox: str):
        self.seen: list[tuple[str, str]] = []
        gw = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _forward(self):
                m = re.match(r"^/ex/(jira|confluence)/([^/]+)(/.*)$", self.path)
                auth = self.headers.get("Authorization", "")
                if m:
                    gw.seen.append((m[2], auth))
                if not m or m[2] != CLOUD_ID or auth != f"Bearer {USER_TOKEN}":
                    self.send_response(401)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"code":401,"message":"Unauthorized"}')
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                req = urllib.request.Request(f"{sandbox}{m[3]}", data=body, method=self.command)
                for k in ("Content-Type", "Accept"):
                    if self.headers.get(k):
                        req.add_header(k, self.headers[k])
                req.add_header("Authorization", f"Bearer {SANDBOX_PAT}")
                try:
                    with urllib.request.urlopen(req, timeout=10) as r:
                        status, ctype, data = r.status, r.headers.get("Content-Type", ""), r.read()
                except urllib.error.HTTPError as e:
                    status, ctype, data = e.code, e.headers.get("Content-Type", ""), e.read()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def multi_tenant():
    """(server base URL, gateway, path of the server's log) with MULTI_TENANT_MODE=true."""
    binary = os.environ["MCP_ATLASSIAN_BIN"]
    work = pathlib.Path(tempfile.mkdtemp(prefix="mcp-multi-tenant-"))
    sandbox_port, port = _free_port(), _free_port()
    procs = []
    sandbox = subprocess.Popen([binary, "sandbox"], env={"PATH": os.environ["PATH"], "PORT": str(sandbox_port)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(sandbox)
    site = f"http://127.0.0.1:{sandbox_port}"
    gateway = Gateway(site)
    log = work / "server.log"
    env = {
        "PATH": os.environ["PATH"],
        "TRANSPORT": "streamable-http",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PROMETHEUS_PORT": "0",
        "MCP_API_KEY": API_KEY,
        "MULTI_TENANT_MODE": "true",
        "JIRA_URL": site,
        "JIRA_DEPLOYMENT": "cloud",
        "CONFLUENCE_URL": f"{site}/wiki",
        "CONFLUENCE_DEPLOYMENT": "cloud",
        # Configured, and unused in multi-tenant mode: the start-up warning names it.
        "JIRA_USERNAME": "service@example.com",
        "JIRA_API_TOKEN": "service-account-token",
        "ATLASSIAN_OAUTH_API_BASE": gateway.base,
    }
    try:
        _wait("the sandbox", lambda: _answers(f"{site}/rest/api/3/serverInfo"))
        with open(log, "wb") as f:
            server = subprocess.Popen([binary], env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=f)
        procs.append(server)
        _wait("the server", lambda: _answers(f"http://127.0.0.1:{port}/healthz"))
        yield f"http://127.0.0.1:{port}", gateway, log
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait(timeout=DEADLINE)
        gateway.close()


def _cursor_headers(name: str, env: dict[str, str]) -> tuple[str, dict[str, str]]:
    config = json.loads((EXAMPLES / name).read_text())["mcpServers"]["mcp-atlassian"]
    headers = {k: re.sub(r"\$\{env:(\w+)\}", lambda m: env[m[1]], v) for k, v in config["headers"].items()}
    return config["url"], headers


async def _get_issue(url: str, headers: dict[str, str]):
    async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
        async with streamable_http_client(url, http_client=http) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                return await session.call_tool("jira_get_issue", {"issue_key": "DEMO-1"})


def test_the_server_says_at_start_that_requests_bring_their_own_credentials(multi_tenant):
    _, _, log = multi_tenant
    text = log.read_text()
    assert "Atlassian credentials: each MCP request's own Authorization header (MULTI_TENANT_MODE=true)" in text, text
    assert "MULTI_TENANT_MODE=true: the configured JIRA_API_TOKEN will not be used for MCP requests" in text, text
    assert "service-account-token" not in text


def test_the_multi_tenant_cursor_config_reads_an_issue_with_the_users_oauth_token(multi_tenant):
    base, gateway, _ = multi_tenant
    url, headers = _cursor_headers(
        "cursor-mcp-multi-tenant.json",
        {"MCP_ATLASSIAN_API_KEY": API_KEY, "ATLASSIAN_OAUTH_TOKEN": USER_TOKEN, "ATLASSIAN_CLOUD_ID": CLOUD_ID},
    )
    assert url.endswith("/mcp") and set(headers) == {"X-API-Key", "Authorization", "X-Atlassian-Cloud-Id"}
    before = len(gateway.seen)
    result = asyncio.run(asyncio.wait_for(_get_issue(f"{base}/mcp", headers), timeout=60))
    assert not result.is_error, result.content
    assert json.loads(result.content[0].text)["summary"] == SUMMARY
    # It went through the gateway for that site, with the user's token and nothing else.
    assert gateway.seen[before:] and set(gateway.seen[before:]) == {(CLOUD_ID, f"Bearer {USER_TOKEN}")}


def test_the_single_tenant_cursor_config_gets_a_tool_error_saying_what_to_send(multi_tenant):
    base, _, _ = multi_tenant
    url, headers = _cursor_headers("cursor-mcp.json", {"MCP_ATLASSIAN_API_KEY": API_KEY})
    result = asyncio.run(asyncio.wait_for(_get_issue(f"{base}/mcp", headers), timeout=60))
    assert result.is_error
    text = result.content[0].text
    assert "Authorization" in text and "X-Atlassian-Cloud-Id" in text, text


def test_a_users_api_token_as_basic_auth_goes_to_the_site_itself(multi_tenant):
    base, gateway, _ = multi_tenant
    before = len(gateway.seen)
    basic = base64.b64encode(b"sandbox@example.com:sandbox-api-token").decode()
    result = asyncio.run(asyncio.wait_for(_get_issue(f"{base}/mcp", {"X-API-Key": API_KEY, "Authorization": f"Basic {basic}"}), timeout=60))
    assert not result.is_error, result.content
    assert json.loads(result.content[0].text)["key"] == "DEMO-1"
    assert len(gateway.seen) == before, "no cloud id: the site, not the gateway"


def test_mcp_remote_with_the_multi_tenant_claude_desktop_config_carries_the_users_token(multi_tenant, node_tools):
    base, gateway, _ = multi_tenant
    node, modules = node_tools
    config = json.loads((EXAMPLES / "claude-desktop-multi-tenant.json").read_text())["mcpServers"]["mcp-atlassian"]
    assert config["args"][:2] == ["-y", "mcp-remote@0.15.1"], config
    args = [f"{base}/mcp" if a.startswith("https://") else a for a in config["args"][2:]]
    # No spaces in the arguments (Claude Desktop on Windows splits there): values come from env.
    assert not any(" " in a for a in args), args
    before = len(gateway.seen)
    with tempfile.TemporaryDirectory() as auth_dir:
        params = StdioServerParameters(
            command=node,
            args=[str(modules / "mcp-remote" / "dist" / "proxy.js"), *args],
            env={
                "MCP_API_KEY": API_KEY,
                "ATLASSIAN_AUTHORIZATION": f"Bearer {USER_TOKEN}",
                "ATLASSIAN_CLOUD_ID": CLOUD_ID,
                "MCP_REMOTE_CONFIG_DIR": auth_dir,
                "PATH": str(modules.parent),
            },
        )

        async def run():
            async with stdio_client(params) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return await session.call_tool("jira_get_issue", {"issue_key": "DEMO-1"})

        result = asyncio.run(asyncio.wait_for(run(), timeout=60))
    assert not result.is_error, result.content
    assert json.loads(result.content[0].text)["summary"] == SUMMARY
    assert set(gateway.seen[before:]) == {(CLOUD_ID, f"Bearer {USER_TOKEN}")}


def test_an_adk_agent_sends_the_session_users_token_and_cloud_id(multi_tenant):
    import importlib.util

    from google.adk.models.base_llm import BaseLlm
    from google.adk.models.llm_response import LlmResponse
    from google.genai import types

    spec = importlib.util.spec_from_file_location("vertex_ai_client", ROOT / "examples" / "vertex_ai_client.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)

    class ScriptedLlm(BaseLlm):
        """Calls jira_get_issue(DEMO-1), then repeats the tool's answer."""

        model: str = "scripted"

        async def generate_content_async(self, llm_request, stream=False):
            responses = [p.function_response for c in llm_request.contents for p in c.parts or [] if p.function_response is not None]
            if not responses:
                call = types.FunctionCall(name="jira_get_issue", args={"issue_key": "DEMO-1"})
                yield LlmResponse(content=types.Content(role="model", parts=[types.Part(function_call=call)]))
            else:
                yield LlmResponse(content=types.Content(role="model", parts=[types.Part(text=json.dumps(responses[-1].response))]))

    base, gateway, _ = multi_tenant
    before = len(gateway.seen)

    async def run():
        toolset = example.build_toolset(f"{base}/mcp", API_KEY)
        try:
            agent = example.build_agent(ScriptedLlm(), toolset)
            return await example.ask(agent, "What is DEMO-1 about?", {"atlassian_token": USER_TOKEN, "atlassian_cloud_id": CLOUD_ID})
        finally:
            await toolset.close()

    answer = asyncio.run(asyncio.wait_for(run(), timeout=60))
    assert SUMMARY in answer, answer
    assert gateway.seen[before:] and set(gateway.seen[before:]) == {(CLOUD_ID, f"Bearer {USER_TOKEN}")}

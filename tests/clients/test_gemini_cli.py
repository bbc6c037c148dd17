"""Gemini CLI (@google/gemini-cli, pinned in package.json) with the config of docs/clients.md
over Streamable HTTP (`url` + `"type": "http"`), legacy SSE (`"type": "sse"`) and stdio:
`gemini mcp list` reports the server connected, and a non-interactive prompt against a
scripted Gemini endpoint on loopback (GOOGLE_GEMINI_BASE_URL) calls jira_get_issue through
the server and gets DEMO-1 back."""

import json
import os
import pathlib
import socket
import subprocess
import tempfile

import pytest
from conftest import API_KEY
from scripted_model import ScriptedGemini

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "clients" / "gemini-cli-settings.json"
SUMMARY = "Sandbox showcase issue with rich description"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def stdio_server_config():
    """A standalone sandbox and the stdio server config that Gemini CLI starts against it."""
    binary = os.environ["MCP_ATLASSIAN_BIN"]
    port = _free_port()
    sandbox = subprocess.Popen([binary, "sandbox"], env={"PATH": os.environ.get("PATH", ""), "PORT": str(port)}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert b"sandbox listening" in sandbox.stdout.readline()
        yield {
            "command": binary,
            "env": {
                "TRANSPORT": "stdio",
                "JIRA_URL": f"http://127.0.0.1:{port}",
                "JIRA_USERNAME": "sandbox@example.com",
                "JIRA_API_TOKEN": "sandbox-api-token",
            },
            "timeout": 30000,
        }
    finally:
        sandbox.kill()
        sandbox.wait()


def _gemini(node: str, modules: pathlib.Path, server: dict, args: list[str], model_url: str = "http://127.0.0.1:9"):
    cli = modules / "@google" / "gemini-cli" / "bundle" / "gemini.js"
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as project:
        gemini_dir = pathlib.Path(home) / ".gemini"
        gemini_dir.mkdir()
        settings = {"mcpServers": {"mcp-atlassian": server}, "security": {"auth": {"selectedType": "gemini-api-key"}}}
        (gemini_dir / "settings.json").write_text(json.dumps(settings))
        # MCP servers stay disabled in folders the user has not trusted.
        (gemini_dir / "trustedFolders.json").write_text(json.dumps({os.path.realpath(project): "TRUST_FOLDER"}))
        env = {
            "PATH": f"{pathlib.Path(node).parent}:{os.environ.get('PATH', '')}",
            "HOME": home,
            "MCP_ATLASSIAN_API_KEY": API_KEY,
            "GEMINI_API_KEY": "offline",
            "GOOGLE_GEMINI_BASE_URL": model_url,
            "NO_COLOR": "1",
        }
        return subprocess.run([node, str(cli), *args], cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False)


def _documented(url: str, kind: str) -> dict:
    server = json.loads(EXAMPLE.read_text())["mcpServers"]["mcp-atlassian"]
    assert server["type"] == "http" and "httpUrl" not in server, server
    return {**server, "url": url, "type": kind}


def _check(node, modules, server: dict):
    listed = _gemini(node, modules, server, ["mcp", "list"])
    assert listed.returncode == 0, listed.stderr
    # `gemini mcp list` writes its report to stderr.
    report = listed.stdout + listed.stderr
    assert "✓ mcp-atlassian:" in report and "- Connected" in report, report

    model = ScriptedGemini()
    try:
        done = _gemini(node, modules, server, ["--yolo", "-m", "gemini-2.5-flash", "-p", "What is DEMO-1 about?"], model.url)
    finally:
        model.close()
    assert done.returncode == 0, done.stderr[-3000:]
    declared = {n for _, body in model.requests for n in ScriptedGemini.declared_names(body)}
    assert any(n.endswith("jira_get_issue") for n in declared), sorted(declared)
    responses = [
        p["functionResponse"]
        for _, body in model.requests
        for c in body.get("contents", [])
        for p in c.get("parts", [])
        if "functionResponse" in p
    ]
    assert responses and SUMMARY in json.dumps(responses[-1]), responses
    assert SUMMARY in done.stdout, done.stdout[-2000:]


def test_gemini_cli_over_streamable_http_lists_the_server_and_reads_an_issue(keyed_server, node_tools):
    node, modules = node_tools
    _check(node, modules, _documented(f"{keyed_server}/mcp", "http"))


def test_gemini_cli_over_sse_lists_the_server_and_reads_an_issue(keyed_server, node_tools):
    node, modules = node_tools
    _check(node, modules, _documented(f"{keyed_server}/sse", "sse"))


def test_gemini_cli_over_stdio_lists_the_server_and_reads_an_issue(stdio_server_config, node_tools):
    node, modules = node_tools
    _check(node, modules, stdio_server_config)

"""mcp-remote (as Claude Desktop runs it) and the MCP Inspector CLI against the keyed server."""

import asyncio
import json
import pathlib
import subprocess
import tempfile

from conftest import API_KEY
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "clients"


def test_mcp_remote_bridges_stdio_to_the_server_with_the_api_key_header(keyed_server, node_tools):
    node, modules = node_tools
    # The Claude Desktop config of examples/clients/claude-desktop.json (docs/clients.md), with
    # the test server's URL and the pinned, already installed mcp-remote in place of `npx -y`.
    config = json.loads((EXAMPLES / "claude-desktop.json").read_text())["mcpServers"]["mcp-atlassian"]
    assert config["command"] == "npx" and config["args"][:2] == ["-y", "mcp-remote@0.15.1"], config
    args = [f"{keyed_server}/mcp" if a.startswith("https://") else a for a in config["args"][2:]]
    assert args[1:] == ["--header", "X-API-Key:${MCP_API_KEY}"], args
    with tempfile.TemporaryDirectory() as auth_dir:
        params = StdioServerParameters(
            command=node,
            args=[str(modules / "mcp-remote" / "dist" / "proxy.js"), *args],
            env={"MCP_API_KEY": API_KEY, "MCP_REMOTE_CONFIG_DIR": auth_dir, "PATH": str(modules.parent)},
        )

        async def run():
            async with stdio_client(params) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    names = {t.name for t in (await session.list_tools()).tools}
                    result = await session.call_tool("jira_get_issue", {"issue_key": "DEMO-1"})
                    return names, result

        names, result = asyncio.run(asyncio.wait_for(run(), timeout=60))
    assert "jira_get_issue" in names and "confluence_get_page" in names, names
    assert not result.is_error, result.content
    issue = json.loads(result.content[0].text)
    assert issue["key"] == "DEMO-1"
    assert issue["summary"] == "Sandbox showcase issue with rich description"


def _inspector(node, modules, *args) -> dict:
    cli = modules / "@modelcontextprotocol" / "inspector" / "clients" / "launcher" / "build" / "index.js"
    out = subprocess.run(
        [node, str(cli), "--cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr + out.stdout
    return json.loads(out.stdout)


def test_inspector_cli_lists_tools_with_the_api_key_header(keyed_server, node_tools):
    node, modules = node_tools
    listed = _inspector(node, modules, f"{keyed_server}/mcp", "--transport", "http", "--header", f"X-API-Key: {API_KEY}", "--method", "tools/list")
    names = {t["name"] for t in listed["tools"]}
    assert {"jira_get_issue", "jira_search", "confluence_search"} <= names, names


def test_inspector_cli_calls_a_tool_with_the_api_key_header(keyed_server, node_tools):
    node, modules = node_tools
    called = _inspector(
        node, modules, f"{keyed_server}/mcp", "--transport", "http", "--header", f"X-API-Key: {API_KEY}",
        "--method", "tools/call", "--tool-name", "jira_get_issue", "--tool-arg", "issue_key=DEMO-1",
    )
    assert not called.get("isError"), called
    issue = json.loads(called["content"][0]["text"])
    assert issue["key"] == "DEMO-1"
    assert issue["summary"] == "Sandbox showcase issue with rich description"


def test_inspector_cli_without_the_key_fails(keyed_server, node_tools):
    node, modules = node_tools
    cli = modules / "@modelcontextprotocol" / "inspector" / "clients" / "launcher" / "build" / "index.js"
    out = subprocess.run(
        [node, str(cli), "--cli", f"{keyed_server}/mcp", "--transport", "http", "--method", "tools/list"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert out.returncode != 0
    assert "jira_get_issue" not in out.stdout

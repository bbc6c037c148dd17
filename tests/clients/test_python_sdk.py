"""The official MCP Python SDK with X-API-Key over /mcp and /sse; without the key: 403."""

import asyncio
import json
import os
import pathlib
import re
import urllib.error
import urllib.request

import httpx2
from conftest import API_KEY
from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

HEADERS = {"X-API-Key": API_KEY}


async def _get_demo_1(session: ClientSession) -> dict:
    await session.initialize()
    names = {t.name for t in (await session.list_tools()).tools}
    assert {"jira_get_issue", "confluence_search"} <= names, names
    result = await session.call_tool("jira_get_issue", {"issue_key": "DEMO-1"})
    assert not result.is_error, result.content
    return json.loads(result.content[0].text)


def test_python_sdk_with_an_api_key_reads_an_issue_over_streamable_http(keyed_server):
    async def run():
        async with httpx2.AsyncClient(headers=HEADERS) as http:
            async with streamable_http_client(f"{keyed_server}/mcp", http_client=http) as streams:
                async with ClientSession(streams[0], streams[1]) as session:
                    return await _get_demo_1(session)

    issue = asyncio.run(run())
    assert issue["key"] == "DEMO-1"
    assert issue["summary"] == "Sandbox showcase issue with rich description"


def test_python_sdk_with_an_api_key_reads_an_issue_over_sse(keyed_server):
    async def run():
        async with sse_client(f"{keyed_server}/sse", headers=HEADERS) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                return await _get_demo_1(session)

    issue = asyncio.run(run())
    assert issue["key"] == "DEMO-1"
    assert issue["summary"] == "Sandbox showcase issue with rich description"


def test_the_cursor_config_with_its_env_header_reads_an_issue(keyed_server, monkeypatch):
    # examples/clients/cursor-mcp.json as Cursor resolves it: ${env:NAME} from the environment.
    path = pathlib.Path(__file__).resolve().parents[2] / "examples" / "clients" / "cursor-mcp.json"
    config = json.loads(path.read_text())["mcpServers"]["mcp-atlassian"]
    assert config["url"].endswith("/mcp")
    monkeypatch.setenv("MCP_ATLASSIAN_API_KEY", API_KEY)
    headers = {k: re.sub(r"\$\{env:(\w+)\}", lambda m: os.environ[m.group(1)], v) for k, v in config["headers"].items()}

    async def run():
        async with httpx2.AsyncClient(headers=headers) as http:
            async with streamable_http_client(f"{keyed_server}/mcp", http_client=http) as streams:
                async with ClientSession(streams[0], streams[1]) as session:
                    return await _get_demo_1(session)

    assert asyncio.run(run())["key"] == "DEMO-1"


def test_a_request_without_the_api_key_gets_403_not_an_oauth_challenge(keyed_server):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}).encode()
    request = urllib.request.Request(
        f"{keyed_server}/mcp",
        data=body,
        headers={"Content-Type": "application/json", "Accept": "application/json, text/event-stream"},
    )
    try:
        urllib.request.urlopen(request, timeout=5)
        raise AssertionError("expected 403")
    except urllib.error.HTTPError as e:
        assert e.code == 403
        assert "WWW-Authenticate" not in e.headers

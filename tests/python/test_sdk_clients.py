"""The official MCP Python SDK (mcp 2.x) against the real binary, over /mcp and /sse."""

import asyncio
import json
import os

from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

EXPECTED_VERSION = os.environ["MCP_ATLASSIAN_VERSION"]
CORE_TOOLS = {"jira_get_issue", "jira_search", "confluence_search", "confluence_get_page"}
# Toolsets outside TOOLSETS=default (the server's default) must not be exposed.
NOT_DEFAULT = {"jira_get_agile_boards", "jira_get_worklog", "jira_get_all_projects", "confluence_get_labels"}


async def _exercise(session: ClientSession) -> None:
    init = await session.initialize()
    assert init.server_info.name == "mcp-atlassian"
    assert init.server_info.version == EXPECTED_VERSION
    assert init.capabilities.tools is not None
    tools = await session.list_tools()
    names = [t.name for t in tools.tools]
    assert CORE_TOOLS <= set(names), names
    assert not NOT_DEFAULT & set(names), names
    assert len(names) == len(set(names))
    await session.send_ping()
    result = await session.call_tool("jira_search", {"jql": "project = DEMO ORDER BY created DESC", "limit": 3})
    assert not result.is_error, result.content
    found = json.loads(result.content[0].text)
    keys = [issue["key"] for issue in found["issues"]]
    assert len(keys) == 3 and all(k.startswith("DEMO-") for k in keys), keys


async def _over_streamable_http(url: str) -> None:
    async with streamable_http_client(url) as streams:
        async with ClientSession(streams[0], streams[1]) as session:
            await _exercise(session)


async def _over_sse(url: str) -> None:
    async with sse_client(url) as streams:
        async with ClientSession(streams[0], streams[1]) as session:
            await _exercise(session)


def test_streamable_http_client_initializes_and_lists_tools(server):
    asyncio.run(_over_streamable_http(f"{server}/mcp"))


def test_streamable_http_client_works_against_stateless_mode(stateless_server):
    asyncio.run(_over_streamable_http(f"{stateless_server}/mcp"))


def test_sse_client_initializes_and_lists_tools(server):
    asyncio.run(_over_sse(f"{server}/sse"))


def test_several_sse_sessions_run_side_by_side(server):
    async def many():
        await asyncio.gather(*(_over_sse(f"{server}/sse") for _ in range(5)))

    asyncio.run(many())

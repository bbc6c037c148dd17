"""TOOLSETS=dynamic with the official MCP Python SDK (issue 19 item 2): the session starts with
the discovery tools, enables a toolset, is told by notifications/tools/list_changed, lists
again and calls the new tool; a tool of a toolset it did not enable cannot be called."""

import asyncio
import json

import pytest
from conftest import start_server, stop_server
from mcp import ClientSession, types
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

DISCOVERY = {"list_toolsets", "enable_toolset", "disable_toolset"}
DEADLINE_SECS = 15


@pytest.fixture()
def dynamic_server():
    proc, base = start_server({"TOOLSETS": "dynamic"})
    yield base
    stop_server(proc)


def _text(result) -> str:
    return result.content[0].text


async def _session_enables_a_toolset(url: str) -> None:
    changed = asyncio.Event()

    async def on_message(message) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            changed.set()

    async with streamable_http_client(url) as streams:
        async with ClientSession(streams[0], streams[1], message_handler=on_message) as session:
            init = await session.initialize()
            assert init.capabilities.tools.list_changed is True
            first = {t.name for t in (await session.list_tools()).tools}
            assert first == DISCOVERY, first

            listed = json.loads(_text(await session.call_tool("list_toolsets", {})))
            by_name = {t["name"]: t for t in listed["toolsets"]}
            assert len(by_name) == 24, sorted(by_name)
            assert by_name["jira_issues"]["enabled"] is False
            assert by_name["jira_issues"]["summary"]

            # Not enabled: hidden, so uncallable (an unknown tool is a JSON-RPC error).
            with pytest.raises(MCPError, match="unknown tool"):
                await session.call_tool("jira_get_issue", {"issue_key": "DEMO-1"})

            enabled = await session.call_tool("enable_toolset", {"toolset": "jira_issues"})
            assert not enabled.is_error, enabled.content
            await asyncio.wait_for(changed.wait(), DEADLINE_SECS)

            now = {t.name for t in (await session.list_tools()).tools}
            assert "jira_get_issue" in now and DISCOVERY <= now, now
            assert not any(n.startswith("confluence_") for n in now), now
            issue = await session.call_tool("jira_get_issue", {"issue_key": "DEMO-1"})
            assert not issue.is_error, issue.content
            assert json.loads(_text(issue))["key"] == "DEMO-1"

            changed.clear()
            await session.call_tool("disable_toolset", {"toolset": "jira_issues"})
            await asyncio.wait_for(changed.wait(), DEADLINE_SECS)
            assert {t.name for t in (await session.list_tools()).tools} == DISCOVERY

            bad = await session.call_tool("enable_toolset", {"toolset": "jira_everything"})
            assert bad.is_error and "choose one of" in _text(bad), bad.content


def test_a_dynamic_session_enables_a_toolset_and_hears_list_changed(dynamic_server):
    asyncio.run(_session_enables_a_toolset(f"{dynamic_server}/mcp"))


async def _sessions_are_independent(url: str) -> None:
    async with streamable_http_client(url) as a_streams, streamable_http_client(url) as b_streams:
        async with ClientSession(*a_streams[:2]) as a, ClientSession(*b_streams[:2]) as b:
            await a.initialize()
            await b.initialize()
            await a.call_tool("enable_toolset", {"toolset": "confluence_pages"})
            a_tools = {t.name for t in (await a.list_tools()).tools}
            b_tools = {t.name for t in (await b.list_tools()).tools}
            assert "confluence_get_page" in a_tools, a_tools
            assert b_tools == DISCOVERY, b_tools


def test_one_sessions_toolsets_do_not_leak_into_another(dynamic_server):
    asyncio.run(_sessions_are_independent(f"{dynamic_server}/mcp"))

"""Refusals the official Python SDK (mcp 2.x) can show: a missing key and a spent budget
surface as MCPError with the server's reason, over /mcp and over /sse, instead of the SDK's
"Server returned an error response" (or, on SSE, a dead connection)."""

import asyncio

import pytest
from conftest import start_server, stop_server
from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

KEY = "a-long-enough-refusal-test-key"


@pytest.fixture()
def keyed_server():
    proc, base = start_server(
        {"MCP_API_KEY": KEY, "MCP_RATE_LIMIT_PER_MINUTE": "2", "MCP_RATE_LIMIT_IP_PER_MINUTE": "0"}
    )
    yield base
    stop_server(proc)


async def _initialize_without_key(url: str) -> str:
    async with streamable_http_client(url) as (read, write):
        async with ClientSession(read, write) as session:
            with pytest.raises(MCPError) as refused:
                await asyncio.wait_for(session.initialize(), 10)
            return refused.value.message


def test_a_missing_key_is_shown_with_what_to_send(keyed_server):
    message = asyncio.run(_initialize_without_key(f"{keyed_server}/mcp"))
    assert "send your key in the X-API-Key header" in message, message


async def _call_until_refused_over_streamable_http(url: str) -> str:
    client = create_mcp_http_client(headers={"X-API-Key": KEY})
    async with streamable_http_client(url, http_client=client) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()  # the session: 1 of 2
            first = await session.call_tool("jira_get_issue", {"issue_key": "DEMO-1"})
            assert not first.is_error, first.content
            with pytest.raises(MCPError) as refused:
                await asyncio.wait_for(session.call_tool("jira_get_issue", {"issue_key": "DEMO-1"}), 10)
            return refused.value.message


def test_a_spent_budget_is_shown_with_when_to_retry_over_streamable_http(keyed_server):
    message = asyncio.run(_call_until_refused_over_streamable_http(f"{keyed_server}/mcp"))
    assert message.startswith("rate limited: retry in "), message


async def _call_until_refused_over_sse(url: str) -> tuple[str, bool]:
    async with sse_client(url, headers={"X-API-Key": KEY}) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()  # GET /sse opened the session: 1 of 2
            first = await session.call_tool("jira_get_issue", {"issue_key": "DEMO-1"})
            assert not first.is_error, first.content
            with pytest.raises(MCPError) as refused:
                await asyncio.wait_for(session.call_tool("jira_get_issue", {"issue_key": "DEMO-1"}), 10)
            # The connection survives the refusal: protocol messages still go through.
            await asyncio.wait_for(session.send_ping(), 10)
            return refused.value.message, True


def test_a_spent_budget_is_shown_with_when_to_retry_over_sse(keyed_server):
    message, alive = asyncio.run(_call_until_refused_over_sse(f"{keyed_server}/sse"))
    assert message.startswith("rate limited: retry in "), message
    assert alive

"""Clients of the Python MCP SDK 1.x generation (pinned in requirements.txt next to this
file, their own venv): the SDK 1.x itself, LangChain's MCP adapters and FastMCP 2, each with
the X-API-Key header over Streamable HTTP, reading DEMO-1 back. 1.x logs a traceback on an
SSE priming event it does not expect, so the tests also check none was logged."""

import asyncio
import json
import logging

import httpx
from conftest import API_KEY
from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamablehttp_client

SUMMARY = "Sandbox showcase issue with rich description"


def _issue(text: str) -> dict:
    issue = json.loads(text)
    assert issue["key"] == "DEMO-1" and issue["summary"] == SUMMARY, issue
    return issue


def test_python_sdk_1_reads_an_issue_over_streamable_http_and_sse_without_logged_errors(keyed_server, caplog):
    headers = {"X-API-Key": API_KEY}

    async def over(connect):
        async with connect as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                init = await session.initialize()
                result = await session.call_tool("jira_get_issue", {"issue_key": "DEMO-1"})
                return init.protocolVersion, result

    with caplog.at_level(logging.WARNING):
        version, result = asyncio.run(over(streamablehttp_client(f"{keyed_server}/mcp", headers=headers)))
        assert not result.isError, result.content
        _issue(result.content[0].text)
        _, result = asyncio.run(over(sse_client(f"{keyed_server}/sse", headers=headers)))
        assert not result.isError, result.content
        _issue(result.content[0].text)
    assert version in ("2025-06-18", "2025-11-25"), version
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert errors == [], [r.getMessage() for r in errors]


def test_langchain_mcp_adapters_load_the_tools_and_read_an_issue(keyed_server):
    from langchain_mcp_adapters.client import MultiServerMCPClient

    async def run():
        client = MultiServerMCPClient(
            {"mcp-atlassian": {"transport": "streamable_http", "url": f"{keyed_server}/mcp", "headers": {"X-API-Key": API_KEY}}}
        )
        tools = {t.name: t for t in await client.get_tools()}
        issue = await tools["jira_get_issue"].ainvoke({"issue_key": "DEMO-1"})
        # Python agents send floats for integers: taken as 2.
        page = await tools["jira_search"].ainvoke({"jql": "project = DEMO ORDER BY key ASC", "limit": 2.0})
        return tools, issue, page

    tools, issue, page = asyncio.run(run())
    assert {"jira_get_issue", "jira_search", "confluence_get_page"} <= set(tools)
    _issue(issue[0]["text"] if isinstance(issue, list) else issue)
    page = json.loads(page[0]["text"] if isinstance(page, list) else page)
    assert len(page["issues"]) == 2, page


def test_langchain_gets_an_argument_error_as_a_tool_result_not_an_exception(keyed_server):
    from langchain_mcp_adapters.client import MultiServerMCPClient

    async def run():
        client = MultiServerMCPClient(
            {"mcp-atlassian": {"transport": "streamable_http", "url": f"{keyed_server}/mcp", "headers": {"X-API-Key": API_KEY}}}
        )
        tools = {t.name: t for t in await client.get_tools()}
        return await tools["jira_search"].ainvoke({"jql": "project = DEMO", "limit": 2.5})

    answer = asyncio.run(run())
    text = answer[0]["text"] if isinstance(answer, list) else str(answer)
    assert "`limit` takes an integer from 1 to 100" in text, text


def test_fastmcp_2_client_lists_and_calls_with_the_api_key(keyed_server):
    from fastmcp import Client
    from fastmcp.client.transports import StreamableHttpTransport

    async def run():
        async with Client(StreamableHttpTransport(f"{keyed_server}/mcp", headers={"X-API-Key": API_KEY})) as client:
            tools = await client.list_tools()
            result = await client.call_tool("jira_get_issue", {"issue_key": "DEMO-1"})
            return tools, result

    tools, result = asyncio.run(run())
    assert "jira_get_issue" in {t.name for t in tools}
    assert not result.is_error
    _issue(result.content[0].text)


def test_a_request_without_the_key_is_refused_with_a_reason_httpx_can_read(keyed_server):
    r = httpx.post(f"{keyed_server}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                   headers={"accept": "application/json, text/event-stream"})
    assert r.status_code == 403
    assert "X-API-Key" in r.json()["error"]["message"], r.text

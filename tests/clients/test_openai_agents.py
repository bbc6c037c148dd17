"""OpenAI Agents SDK: MCPServerStreamableHttp lists the tools for an Agent whose mcp_config
asks for convert_schemas_to_strict, and every schema converts (no OpenAI key needed)."""

import asyncio

from agents import Agent, RunContextWrapper
from agents.mcp import MCPServerStreamableHttp
from conftest import API_KEY


def _has_free_form_object(schema: dict) -> bool:
    for prop in schema.get("properties", {}).values():
        if prop.get("type") == "object" and not prop.get("properties"):
            return True
        if prop.get("type") == "array" and _has_free_form_object({"properties": {"i": prop.get("items", {})}}):
            return True
    return False


def test_openai_agents_sdk_lists_tools_and_every_schema_converts_to_strict(keyed_server):
    async def run():
        server = MCPServerStreamableHttp(
            params={"url": f"{keyed_server}/mcp", "headers": {"X-API-Key": API_KEY}},
            name="mcp-atlassian",
        )
        async with server:
            agent = Agent(name="atlassian", mcp_servers=[server], mcp_config={"convert_schemas_to_strict": True})
            return await agent.get_mcp_tools(RunContextWrapper(context=None))

    tools = asyncio.run(run())
    names = {t.name for t in tools}
    assert {"jira_get_issue", "jira_search", "confluence_get_page"} <= names, names
    # The SDK silently falls back to non-strict when a schema cannot be made strict. Strict
    # mode refuses free-form objects (JsonObject arguments such as additional_fields, which
    # accept any field map); every other schema must convert.
    not_strict = {t.name for t in tools if not t.strict_json_schema}
    free_form = {t.name for t in tools if _has_free_form_object(t.params_json_schema)}
    assert not_strict == free_form, (not_strict, free_form)
    assert len(not_strict) < len(tools) // 4, not_strict
    get_issue = next(t for t in tools if t.name == "jira_get_issue")
    assert "issue_key" in get_issue.params_json_schema["required"]
    assert get_issue.params_json_schema["additionalProperties"] is False

"""Every tool's input schema goes through the converters agents really use (issue 16 item 4):
google-genai's MCP conversion (types.Schema, what the Gemini API is sent), ADK's
FunctionDeclaration, and the OpenAI Agents SDK's strict mode. An object without properties
is what these break on: Gemini rejects an OBJECT with no properties, and strict mode turns
it into an object that can hold nothing."""

import asyncio
import copy

import pytest
from agents.strict_schema import ensure_strict_json_schema
from conftest import start_server, stop_server
from google.adk.tools.mcp_tool.mcp_tool import McpTool
from google.genai import _mcp_utils, types
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client


@pytest.fixture(scope="module")
def all_tools():
    proc, base = start_server({"TOOLSETS": "all"})

    async def listed():
        async with streamable_http_client(f"{base}/mcp") as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                return (await session.list_tools()).tools

    try:
        yield asyncio.run(listed())
    finally:
        stop_server(proc)


def _empty_objects(schema: types.Schema, at: str) -> list[str]:
    """Paths of OBJECT schemas without properties, which the Gemini API refuses."""
    found = []
    if schema.type == types.Type.OBJECT and not schema.properties and at:
        found.append(at)
    for name, prop in (schema.properties or {}).items():
        found += _empty_objects(prop, f"{at}.{name}" if at else name)
    if schema.items is not None:
        found += _empty_objects(schema.items, f"{at}[]")
    return found


def _strict_objects_hold_something(schema: dict, at: str = "") -> list[str]:
    found = []
    if schema.get("type") == "object":
        if schema.get("additionalProperties") is not False:
            found.append(f"{at or 'top'}: additionalProperties is not false")
        if at and not schema.get("properties"):
            found.append(f"{at}: strict object without properties")
        if sorted(schema.get("required", [])) != sorted(schema.get("properties", {})):
            found.append(f"{at or 'top'}: strict mode needs every property required")
    for name, prop in schema.get("properties", {}).items():
        found += _strict_objects_hold_something(prop, f"{at}.{name}" if at else name)
    if isinstance(schema.get("items"), dict):
        found += _strict_objects_hold_something(schema["items"], f"{at}[]")
    return found


def test_all_98_tools_are_listed(all_tools):
    assert len(all_tools) == 98, [t.name for t in all_tools]


def test_every_schema_converts_to_a_google_genai_schema_with_no_empty_object(all_tools):
    problems = {}
    for tool in all_tools:
        gemini = _mcp_utils.mcp_to_gemini_tool(tool)
        params = gemini.function_declarations[0].parameters
        assert params.type == types.Type.OBJECT, tool.name
        assert set(params.properties or {}) == set(tool.input_schema["properties"]), tool.name
        empty = _empty_objects(params, "")
        if empty:
            problems[tool.name] = empty
    assert not problems, problems


def test_every_schema_builds_an_adk_function_declaration(all_tools):
    for tool in all_tools:
        declaration = McpTool(mcp_tool=tool, mcp_session_manager=None)._get_declaration()
        assert declaration.name == tool.name
        if declaration.parameters is not None:
            assert not _empty_objects(declaration.parameters, ""), tool.name
        else:
            assert declaration.parameters_json_schema == tool.input_schema, tool.name


def test_every_schema_is_accepted_by_openai_strict_mode(all_tools):
    problems = {}
    for tool in all_tools:
        strict = ensure_strict_json_schema(copy.deepcopy(tool.input_schema))
        found = _strict_objects_hold_something(strict)
        if found:
            problems[tool.name] = found
    assert not problems, problems


def test_former_free_form_objects_are_json_text_and_comment_visibility_is_a_short_string(all_tools):
    by_name = {t.name: t.input_schema["properties"] for t in all_tools}
    for tool, param in [
        ("jira_create_issue", "additional_fields"),
        ("jira_update_issue", "fields"),
        ("jira_update_issue", "additional_fields"),
        ("jira_transition_issue", "fields"),
        ("jira_batch_create_issues", "issues"),
        ("jira_create_customer_request", "request_field_values"),
        ("jira_update_proforma_form_answers", "answers"),
    ]:
        schema = by_name[tool][param]
        assert schema["type"] == "string", (tool, param, schema)
        assert "JSON" in schema["description"], (tool, param, schema)
    for tool in ("jira_add_comment", "jira_edit_comment"):
        schema = by_name[tool]["visibility"]
        assert schema["type"] == "string" and "group:NAME" in schema["description"], schema

"""examples/vertex_ai_client.py (Google ADK) against the server, offline: no Google credentials.

A scripted BaseLlm stands in for Gemini: its first turn asks for jira_get_issue, so ADK calls
the tool over MCP; its second turn repeats the tool result, which the test checks.
"""

import asyncio
import importlib.util
import json
import pathlib
from typing import AsyncGenerator

from conftest import API_KEY
from google.adk.models.base_llm import BaseLlm
from google.adk.models.llm_request import LlmRequest
from google.adk.models.llm_response import LlmResponse
from google.genai import types

_path = pathlib.Path(__file__).resolve().parents[2] / "examples" / "vertex_ai_client.py"
_spec = importlib.util.spec_from_file_location("vertex_ai_client", _path)
example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(example)


class ScriptedLlm(BaseLlm):
    """Calls jira_get_issue(DEMO-1), then answers with the function response it got."""

    model: str = "scripted"

    async def generate_content_async(self, llm_request: LlmRequest, stream: bool = False) -> AsyncGenerator[LlmResponse, None]:
        responses = [
            part.function_response
            for content in llm_request.contents
            for part in content.parts or []
            if part.function_response is not None
        ]
        if not responses:
            call = types.FunctionCall(name="jira_get_issue", args={"issue_key": "DEMO-1"})
            yield LlmResponse(content=types.Content(role="model", parts=[types.Part(function_call=call)]))
        else:
            text = json.dumps(responses[-1].response)
            yield LlmResponse(content=types.Content(role="model", parts=[types.Part(text=text)]))


def test_the_example_toolset_lists_the_servers_tools(keyed_server):
    async def run():
        toolset = example.build_toolset(f"{keyed_server}/mcp", API_KEY)
        try:
            return await toolset.get_tools()
        finally:
            await toolset.close()

    tools = asyncio.run(run())
    assert sorted(t.name for t in tools) == sorted(example.DEFAULT_TOOLS)
    get_issue = next(t for t in tools if t.name == "jira_get_issue")
    declaration = get_issue._get_declaration()
    assert "issue_key" in json.dumps(declaration.model_dump(exclude_none=True, mode="json"))


def test_an_adk_agent_run_calls_jira_get_issue_over_mcp_and_gets_the_sandbox_issue(keyed_server):
    async def run():
        toolset = example.build_toolset(f"{keyed_server}/mcp", API_KEY)
        try:
            agent = example.build_agent(ScriptedLlm(), toolset)
            return await example.ask(agent, "What is DEMO-1 about?")
        finally:
            await toolset.close()

    answer = asyncio.run(run())
    assert "Sandbox showcase issue with rich description" in answer, answer
    assert "DEMO-1" in answer


def test_the_header_provider_sends_a_per_user_token_only_when_the_session_has_one():
    class Ctx:
        def __init__(self, state):
            self.state = state

    assert example.atlassian_headers(Ctx({"atlassian_token": "tok-123"})) == {"Authorization": "Bearer tok-123"}
    assert example.atlassian_headers(Ctx({})) == {}

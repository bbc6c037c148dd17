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
from scripted_model import ScriptedGemini

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


def _run_example(env_extra: dict, *args: str):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_", "GEMINI_"))}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, str(_path), *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_the_example_offline_mode_answers_from_the_issue_it_read_over_mcp(keyed_server):
    done = _run_example(
        {"MCP_ATLASSIAN_URL": f"{keyed_server}/mcp", "MCP_API_KEY": API_KEY},
        "--offline",
        "What is DEMO-1 about?",
    )
    assert done.returncode == 0, done.stderr
    assert "DEMO-1: Sandbox showcase issue with rich description" in done.stdout, done.stdout


def test_the_example_without_google_credentials_says_what_to_set_instead_of_a_traceback(keyed_server):
    done = _run_example({"MCP_ATLASSIAN_URL": f"{keyed_server}/mcp", "MCP_API_KEY": API_KEY}, "Summarise DEMO-1")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert "--offline" in done.stderr and "GOOGLE_API_KEY" in done.stderr, done.stderr


def _doc_snippet() -> str:
    doc = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "vertex_ai_integration.md").read_text()
    section = doc.split("## A plain `google-genai` call (no ADK)", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_plain_google_genai_snippet_reads_an_issue_over_mcp(keyed_server, monkeypatch):
    model = ScriptedGemini()
    try:
        for name in ("GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_CLOUD_PROJECT", "GEMINI_API_KEY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("GOOGLE_API_KEY", "offline")
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", model.url)
        namespace: dict = {}
        exec(compile(_doc_snippet(), "vertex_ai_integration.md", "exec"), namespace)
        answer = asyncio.run(namespace["ask"]("What is DEMO-1?", f"{keyed_server}/mcp", API_KEY))
    finally:
        model.close()
    assert "Sandbox showcase issue with rich description" in answer, answer
    assert "jira_get_issue" in ScriptedGemini.declared_names(model.requests[0][1])
    assert len(model.requests) == 2, [path for path, _ in model.requests]

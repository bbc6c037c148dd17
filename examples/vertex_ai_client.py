"""A Google ADK agent (Gemini on Vertex AI) that uses mcp-atlassian over Streamable HTTP.

Run it locally (docs/vertex_ai_integration.md):

    pip install "google-adk[mcp]==2.13.0"
    export MCP_ATLASSIAN_URL=https://mcp-atlassian.example.com/mcp
    export MCP_API_KEY=mcp_...                       # the server's X-API-Key
    export GOOGLE_GENAI_USE_VERTEXAI=TRUE GOOGLE_CLOUD_PROJECT=my-project GOOGLE_CLOUD_LOCATION=us-central1
    python examples/vertex_ai_client.py "What is the status of DEMO-1?"

Offline (no Google account or credentials; the MCP calls are real): `--offline` replaces
Gemini with a scripted model in this file that asks for `jira_get_issue` on the first issue key
in the question and then answers from what the tool returned. Against the quick-start server
(`MCP_API_KEY=<16+ characters> mcp-atlassian --sandbox`):

    export MCP_ATLASSIAN_URL=http://127.0.0.1:8000/mcp MCP_API_KEY=<the same key>
    python examples/vertex_ai_client.py --offline "What is DEMO-1 about?"

`build_toolset` and `build_agent` are what an Agent Engine deployment imports too; the test
tests/clients/test_vertex_ai_example.py uses them, and runs this script with `--offline`,
against the server running on its sandbox.

Per-user Atlassian credentials: when the session state holds `atlassian_token`, the
`header_provider` sends it as `Authorization: Bearer …` (and `atlassian_cloud_id` as
`X-Atlassian-Cloud-Id`) with every MCP request, so Jira and Confluence see the end user
rather than the server's service account; with MULTI_TENANT_MODE=true on the server that is
required (tests/clients/test_multi_tenant.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from typing import AsyncGenerator

from google.adk.agents import LlmAgent
from google.adk.agents.readonly_context import ReadonlyContext
from google.adk.models.base_llm import BaseLlm
from google.adk.models.llm_request import LlmRequest
from google.adk.models.llm_response import LlmResponse
from google.adk.runners import InMemoryRunner
from google.adk.tools.mcp_tool import McpToolset, StreamableHTTPConnectionParams
from google.genai import types

# The tools an assistant for issue triage needs; fewer tools make a smaller prompt.
DEFAULT_TOOLS = ["jira_get_issue", "jira_search", "confluence_search", "confluence_get_page"]

INSTRUCTION = (
    "You answer questions about Jira issues and Confluence pages. Use the tools to look "
    "things up; quote issue keys and page titles exactly."
)


def atlassian_headers(context: ReadonlyContext) -> dict[str, str]:
    """Per-user Atlassian token from the session state, sent as a Bearer header, with the
    site's cloud id when the state has one (an OAuth token on Cloud, MULTI_TENANT_MODE)."""
    state = context.state if context is not None else {}
    token = state.get("atlassian_token")
    if not token:
        return {}
    headers = {"Authorization": f"Bearer {token}"}
    if state.get("atlassian_cloud_id"):
        headers["X-Atlassian-Cloud-Id"] = state["atlassian_cloud_id"]
    return headers


def build_toolset(url: str, api_key: str, tool_filter: list[str] | None = None) -> McpToolset:
    """The mcp-atlassian tools, reached over Streamable HTTP with the server's API key."""
    return McpToolset(
        connection_params=StreamableHTTPConnectionParams(
            url=url,
            headers={"X-API-Key": api_key},
            timeout=30.0,
        ),
        tool_filter=tool_filter if tool_filter is not None else DEFAULT_TOOLS,
        header_provider=atlassian_headers,
    )


def build_agent(model: str | BaseLlm, toolset: McpToolset) -> LlmAgent:
    """The agent: `model` is a Gemini model name (e.g. gemini-2.5-flash) or any BaseLlm."""
    return LlmAgent(name="atlassian_assistant", model=model, instruction=INSTRUCTION, tools=[toolset])


async def ask(agent: LlmAgent, question: str, state: dict | None = None) -> str:
    """Runs one question through an in-memory runner and returns the final text."""
    runner = InMemoryRunner(agent=agent, app_name="atlassian_assistant")
    session = await runner.session_service.create_session(
        app_name="atlassian_assistant", user_id="local-user", state=state or {}
    )
    answer = ""
    async for event in runner.run_async(
        user_id="local-user",
        session_id=session.id,
        new_message=types.Content(role="user", parts=[types.Part(text=question)]),
    ):
        if event.is_final_response() and event.content and event.content.parts:
            answer = "".join(p.text or "" for p in event.content.parts)
    return answer


class OfflineModel(BaseLlm):
    """A scripted stand-in for Gemini (`--offline`): asks for jira_get_issue on the first issue
    key in the question, then answers with the key, summary and status the tool returned."""

    model: str = "offline-scripted"

    async def generate_content_async(
        self, llm_request: LlmRequest, stream: bool = False
    ) -> AsyncGenerator[LlmResponse, None]:
        parts = [p for c in llm_request.contents for p in c.parts or []]
        results = [p.function_response.response for p in parts if p.function_response is not None]
        if not results:
            question = " ".join(p.text or "" for p in parts)
            match = re.search(r"\b[A-Z][A-Z0-9]+-\d+\b", question)
            call = types.FunctionCall(
                name="jira_get_issue", args={"issue_key": match.group(0) if match else "DEMO-1"}
            )
            yield LlmResponse(content=types.Content(role="model", parts=[types.Part(function_call=call)]))
            return
        yield LlmResponse(
            content=types.Content(role="model", parts=[types.Part(text=summarise(results[-1]))])
        )


def summarise(result: dict) -> str:
    """One line from an MCP tool result as ADK hands it over (the CallToolResult as a dict)."""
    texts = [c.get("text", "") for c in result.get("content", []) if isinstance(c, dict)]
    if result.get("isError") or result.get("is_error"):
        return "The tool reported an error: " + " ".join(texts)
    try:
        issue = json.loads(texts[0])
    except (IndexError, ValueError):
        return " ".join(texts) or json.dumps(result)
    status = issue.get("status")
    status = status.get("name") if isinstance(status, dict) else status
    return f"{issue.get('key')}: {issue.get('summary')} (status: {status})"


def has_google_credentials() -> bool:
    """Whether google-genai can reach Gemini: an API key, or Vertex AI with a project."""
    if os.environ.get("GOOGLE_API_KEY") or os.environ.get("GEMINI_API_KEY"):
        return True
    return os.environ.get("GOOGLE_GENAI_USE_VERTEXAI", "").lower() in ("1", "true") and bool(
        os.environ.get("GOOGLE_CLOUD_PROJECT")
    )


def main() -> int:
    args = sys.argv[1:]
    offline = "--offline" in args
    question = " ".join(a for a in args if a != "--offline") or "Summarise DEMO-1."
    missing = [v for v in ("MCP_ATLASSIAN_URL", "MCP_API_KEY") if not os.environ.get(v)]
    if missing:
        print(f"set {' and '.join(missing)} (see the top of this file)", file=sys.stderr)
        return 2
    if not offline and not has_google_credentials():
        print(
            "no Google credentials: set GOOGLE_API_KEY, or GOOGLE_GENAI_USE_VERTEXAI=TRUE with "
            "GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION (and gcloud auth application-default "
            "login); or run with --offline to use the scripted model",
            file=sys.stderr,
        )
        return 2
    toolset = build_toolset(os.environ["MCP_ATLASSIAN_URL"], os.environ["MCP_API_KEY"])
    model = OfflineModel() if offline else os.environ.get("GEMINI_MODEL", "gemini-2.5-flash")
    agent = build_agent(model, toolset)
    state = {"atlassian_token": os.environ["ATLASSIAN_TOKEN"]} if os.environ.get("ATLASSIAN_TOKEN") else None
    if state is not None and os.environ.get("ATLASSIAN_CLOUD_ID"):
        state["atlassian_cloud_id"] = os.environ["ATLASSIAN_CLOUD_ID"]

    async def run() -> None:
        try:
            print(await ask(agent, question, state))
        finally:
            await toolset.close()

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())

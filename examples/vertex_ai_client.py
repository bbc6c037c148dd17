"""A Google ADK agent (Gemini on Vertex AI) that uses mcp-atlassian over Streamable HTTP.

Run it locally (docs/vertex_ai_integration.md):

    pip install "google-adk[mcp]==2.13.0"
    export MCP_ATLASSIAN_URL=https://mcp-atlassian.example.com/mcp
    export MCP_API_KEY=mcp_...                       # the server's X-API-Key
    export GOOGLE_GENAI_USE_VERTEXAI=TRUE GOOGLE_CLOUD_PROJECT=my-project GOOGLE_CLOUD_LOCATION=us-central1
    python examples/vertex_ai_client.py "What is the status of DEMO-1?"

`build_toolset` and `build_agent` are what an Agent Engine deployment imports too; the test
tests/python/test_vertex_ai_example.py uses them against the server running on its sandbox.

Per-user Atlassian credentials: when the session state holds `atlassian_token`, the
`header_provider` sends it as `Authorization: Bearer …` (and `atlassian_cloud_id` as
`X-Atlassian-Cloud-Id`) with every MCP request, so Jira and Confluence see the end user
rather than the server's service account; with MULTI_TENANT_MODE=true on the server that is
required (tests/clients/test_multi_tenant.py).
"""

from __future__ import annotations

import asyncio
import os
import sys

from google.adk.agents import LlmAgent
from google.adk.agents.readonly_context import ReadonlyContext
from google.adk.models.base_llm import BaseLlm
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


def main() -> None:
    question = " ".join(sys.argv[1:]) or "Summarise DEMO-1."
    toolset = build_toolset(os.environ["MCP_ATLASSIAN_URL"], os.environ["MCP_API_KEY"])
    agent = build_agent(os.environ.get("GEMINI_MODEL", "gemini-2.5-flash"), toolset)
    state = {"atlassian_token": os.environ["ATLASSIAN_TOKEN"]} if os.environ.get("ATLASSIAN_TOKEN") else None
    if state is not None and os.environ.get("ATLASSIAN_CLOUD_ID"):
        state["atlassian_cloud_id"] = os.environ["ATLASSIAN_CLOUD_ID"]

    async def run() -> None:
        try:
            print(await ask(agent, question, state))
        finally:
            await toolset.close()

    asyncio.run(run())


if __name__ == "__main__":
    main()

"""OpenAI Agents SDK agent using mcp-atlassian over Streamable HTTP (docs/clients.md).

    pip install openai-agents==0.24.0
    MCP_ATLASSIAN_URL=https://mcp-atlassian.example.com/mcp MCP_API_KEY=mcp_... OPENAI_API_KEY=sk-... \
        python examples/clients/openai_agents_client.py "Summarise DEMO-1"
"""

import asyncio
import os
import sys

from agents import Agent, Runner
from agents.mcp import MCPServerStreamableHttp


async def main(question: str) -> None:
    server = MCPServerStreamableHttp(
        params={"url": os.environ["MCP_ATLASSIAN_URL"], "headers": {"X-API-Key": os.environ["MCP_API_KEY"]}},
        name="mcp-atlassian",
        cache_tools_list=True,
    )
    async with server:
        agent = Agent(
            name="atlassian",
            instructions="Answer questions about Jira issues and Confluence pages with the tools.",
            mcp_servers=[server],
            # tests/clients/test_openai_agents.py checks which schemas convert.
            mcp_config={"convert_schemas_to_strict": True},
        )
        result = await Runner.run(agent, question)
        print(result.final_output)


if __name__ == "__main__":
    asyncio.run(main(" ".join(sys.argv[1:]) or "Summarise DEMO-1"))

"""The TypeScript MCP SDK as a client, in two pinned versions (tests/clients/package.json):
1.32.2 (current) and 1.22.0, the last before 1.23 and the generation Gemini CLI bundles,
which reads an SSE priming event as a broken message; over Streamable HTTP and legacy SSE."""

import json
import pathlib
import subprocess

import pytest
from conftest import API_KEY

SCRIPT = pathlib.Path(__file__).resolve().parent / "ts_sdk_client.mjs"


def _run(node: str, sdk: pathlib.Path, url: str, transport: str) -> dict:
    done = subprocess.run(
        [node, str(SCRIPT), str(sdk), url, API_KEY, transport],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("package", ["ts-sdk-current", "ts-sdk-1-22"])
@pytest.mark.parametrize("transport,path", [("http", "/mcp"), ("sse", "/sse")])
def test_the_typescript_sdk_lists_tools_and_reads_an_issue(keyed_server, node_tools, package, transport, path):
    node, modules = node_tools
    out = _run(node, modules / package, f"{keyed_server}{path}", transport)
    assert out["transportErrors"] == [], out["transportErrors"]
    assert {"jira_get_issue", "jira_search", "confluence_get_page"} <= set(out["tools"]), out["tools"]
    result = out["result"]
    assert not result.get("isError"), result
    issue = json.loads(result["content"][0]["text"])
    assert issue["key"] == "DEMO-1"
    assert issue["summary"] == "Sandbox showcase issue with rich description"

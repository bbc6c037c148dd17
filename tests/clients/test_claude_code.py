"""Claude Code (@anthropic-ai/claude-code, pinned in package.json) with the command of
docs/clients.md (`claude mcp add --transport http … --header "X-API-Key: …"`): `claude mcp
list` reports the server connected, and `claude -p` against a scripted Anthropic endpoint on
loopback (ANTHROPIC_BASE_URL) calls jira_get_issue through the server and prints DEMO-1."""

import json
import os
import pathlib
import subprocess
import tempfile

from conftest import API_KEY
from scripted_model import ScriptedAnthropic

SUMMARY = "Sandbox showcase issue with rich description"
TOOL = "mcp__mcp-atlassian__jira_get_issue"


def _claude(modules: pathlib.Path, home: str, project: str, args: list[str], model_url: str = "http://127.0.0.1:9"):
    cli = modules / "@anthropic-ai" / "claude-code" / "bin" / "claude.exe"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": home,
        "ANTHROPIC_API_KEY": "offline",
        "ANTHROPIC_BASE_URL": model_url,
        "DISABLE_TELEMETRY": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        # MCP tools are then declared to the model directly rather than behind a search tool.
        "ENABLE_TOOL_SEARCH": "false",
    }
    return subprocess.run([str(cli), *args], cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_claude_code_adds_lists_and_calls_the_server_over_streamable_http(keyed_server, node_tools):
    _, modules = node_tools
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as project:
        added = _claude(modules, home, project, ["mcp", "add", "--transport", "http", "mcp-atlassian", f"{keyed_server}/mcp", "--header", f"X-API-Key: {API_KEY}"])
        assert added.returncode == 0, added.stderr + added.stdout
        listed = _claude(modules, home, project, ["mcp", "list"])
        report = listed.stdout + listed.stderr
        assert listed.returncode == 0, report
        assert "mcp-atlassian:" in report and "Connected" in report, report

        model = ScriptedAnthropic()
        try:
            done = _claude(modules, home, project, ["-p", "What is DEMO-1 about?", "--allowedTools", TOOL], model.url)
        finally:
            model.close()
    assert done.returncode == 0, done.stderr[-3000:]
    declared = {n for _, body in model.requests for n in ScriptedAnthropic.tool_names(body)}
    assert TOOL in declared, sorted(declared)
    results = [r for _, body in model.requests for r in ScriptedAnthropic.tool_results(body)]
    assert results, [path for path, _ in model.requests]
    issue = json.loads(results[-1])
    assert issue["key"] == "DEMO-1" and issue["summary"] == SUMMARY, issue
    assert SUMMARY in done.stdout, done.stdout[-2000:]


def test_claude_code_without_the_key_header_does_not_connect(keyed_server, node_tools):
    _, modules = node_tools
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as project:
        _claude(modules, home, project, ["mcp", "add", "--transport", "http", "mcp-atlassian", f"{keyed_server}/mcp"])
        listed = _claude(modules, home, project, ["mcp", "list"])
    report = listed.stdout + listed.stderr
    assert "mcp-atlassian:" in report and "✔ Connected" not in report, report

"""TOOLSETS=dynamic with the TypeScript SDK client (tests/clients/list_changed.mjs): a second
real client, besides the Python SDK (tests/python/test_dynamic_toolsets.py), that follows
notifications/tools/list_changed (issue 19 item 2)."""

import json
import pathlib
import subprocess

import pytest
from conftest import _python_conftest

SCRIPT = pathlib.Path(__file__).resolve().parent / "list_changed.mjs"


@pytest.fixture()
def dynamic_server():
    proc, base = _python_conftest.start_server({"TOOLSETS": "dynamic"})
    yield base
    _python_conftest.stop_server(proc)


def test_typescript_sdk_refreshes_its_tools_on_list_changed(dynamic_server, node_tools):
    node, modules = node_tools
    out = subprocess.run(
        [node, str(SCRIPT), str(modules), f"{dynamic_server}/mcp"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert out.returncode == 0, out.stderr + out.stdout
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["first"] == ["list_toolsets", "enable_toolset", "disable_toolset"], seen
    assert "jira_get_issue" in seen["refreshed"]["tools"], seen
    assert seen["issue"] == "DEMO-1", seen

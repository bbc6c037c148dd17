"""Starts the built binary on its sandbox with an API key, for the client compatibility tests.

Reuses the start/stop helpers of tests/python/conftest.py. The npm clients (mcp-remote, the MCP
Inspector CLI) are installed by scripts/test.sh from tests/clients/package-lock.json; it passes
their location as MCP_CLIENTS_NODE (node 22) and MCP_CLIENTS_NODE_MODULES.
"""

import importlib.util
import os
import pathlib

import pytest

_spec = importlib.util.spec_from_file_location(
    "python_conftest", pathlib.Path(__file__).resolve().parent.parent / "python" / "conftest.py"
)
_python_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_python_conftest)

API_KEY = "clients-test-key-0123456789abcdef"


@pytest.fixture()
def keyed_server():
    """Base URL of a server that requires X-API-Key: API_KEY on its MCP routes."""
    proc, base = _python_conftest.start_server({"MCP_API_KEY": API_KEY})
    yield base
    _python_conftest.stop_server(proc)


@pytest.fixture()
def node_tools() -> tuple[str, pathlib.Path]:
    """(node binary, node_modules directory) of the pinned npm clients."""
    node = os.environ.get("MCP_CLIENTS_NODE")
    modules = os.environ.get("MCP_CLIENTS_NODE_MODULES")
    assert node and modules, "run through scripts/test.sh, which installs the npm clients and sets MCP_CLIENTS_NODE(_MODULES)"
    return node, pathlib.Path(modules)

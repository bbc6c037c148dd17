"""Starts the built mcp-atlassian binary on a loopback port for the SDK client tests."""

import os
import socket
import subprocess
import time
import urllib.request

import pytest

DEADLINE_SECS = 15


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(base: str, proc: subprocess.Popen) -> None:
    start = time.monotonic()
    while time.monotonic() - start < DEADLINE_SECS:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with {proc.returncode}: {proc.stderr.read().decode()}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError("server did not become healthy")


def start_server(extra_env: dict[str, str], extra_args: tuple[str, ...] = ()):
    binary = os.environ["MCP_ATLASSIAN_BIN"]
    port = _free_port()
    env = {"PATH": os.environ.get("PATH", ""), "TRANSPORT": "streamable-http", "HOST": "127.0.0.1", "PORT": str(port), "PROMETHEUS_PORT": "0"}
    env.update(extra_env)
    # --sandbox: the built-in Jira and Confluence, as the README's quick start runs it.
    proc = subprocess.Popen([binary, "--sandbox", *extra_args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc)
    except Exception:
        proc.kill()
        raise
    return proc, base


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        assert proc.wait(timeout=DEADLINE_SECS) == 0, "graceful exit on SIGTERM"
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.fixture()
def server():
    proc, base = start_server({})
    yield base
    stop_server(proc)


@pytest.fixture()
def stateless_server():
    proc, base = start_server({"STATELESS": "true"})
    yield base
    stop_server(proc)

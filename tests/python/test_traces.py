"""OTLP traces from the real binary: a loopback receiver over http/protobuf and gRPC gets the
tools/call span, which continues the caller's W3C trace context, and its upstream child span;
with the collector down, tool calls still succeed and are no slower than without tracing."""

import json
import os
import secrets
import socket
import statistics
import subprocess
import time
import urllib.request

import pytest

from conftest import start_server, stop_server
from otlp_receiver import Receiver

SPAN_KIND_SERVER = 2
SPAN_KIND_CLIENT = 3
STATUS_ERROR = 2


class McpClient:
    """Just enough Streamable HTTP to open a session and call tools, with chosen headers."""

    def __init__(self, base: str):
        self.url = f"{base}/mcp"
        self.session = None
        self.next_id = 1

    def _post(self, message: dict, headers: dict | None = None):
        h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        if self.session:
            h["Mcp-Session-Id"] = self.session
        h.update(headers or {})
        req = urllib.request.Request(self.url, data=json.dumps(message).encode(), headers=h, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            self.session = self.session or r.headers.get("Mcp-Session-Id")
            body = r.read().decode()
        if "id" not in message:
            return None
        for line in body.splitlines():
            if line.startswith("data:") and line[5:].strip():
                return json.loads(line[5:])
        return json.loads(body)

    def initialize(self) -> "McpClient":
        self.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "trace-test", "version": "1"}})
        self._post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return self

    def request(self, method: str, params: dict, headers: dict | None = None) -> dict:
        rid = self.next_id
        self.next_id += 1
        answer = self._post({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}, headers)
        assert "error" not in answer, answer
        return answer["result"]

    def get_issue(self, key: str = "DEMO-1", headers: dict | None = None, meta: dict | None = None) -> dict:
        params = {"name": "jira_get_issue", "arguments": {"issue_key": key}}
        if meta:
            params["_meta"] = meta
        result = self.request("tools/call", params, headers)
        assert not result.get("isError"), result
        return result


def _caller_context():
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    return trace_id, span_id, f"00-{trace_id}-{span_id}-01"


def _one(spans: list[dict], what: str) -> dict:
    assert len(spans) == 1, f"expected one {what} span, got {len(spans)}: {spans}"
    return spans[0]


@pytest.fixture(params=["http/protobuf", "grpc"])
def traced(request):
    receiver = Receiver()
    endpoint = receiver.start_http() if request.param == "http/protobuf" else receiver.start_grpc()
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": request.param,
        "OTEL_SERVICE_NAME": "atlassian-under-test",
        "LOG_FORMAT": "json",
    }
    proc, base = start_server(env)
    yield receiver, proc, base
    if proc.poll() is None:
        proc.kill()
    receiver.stop()


def test_a_tool_call_continues_the_callers_trace_and_its_upstream_call_is_a_child(traced):
    receiver, proc, base = traced
    client = McpClient(base).initialize()
    trace_id, caller_span, traceparent = _caller_context()
    client.get_issue(headers={"traceparent": traceparent})
    meta_trace, meta_span, meta_parent = _caller_context()
    client.get_issue(meta={"traceparent": meta_parent})
    # A graceful stop flushes the batch exporter: every span is at the receiver afterwards.
    stop_server(proc)
    stderr = proc.stderr.read().decode()

    tool_spans = receiver.named("tools/call jira_get_issue")
    by_trace = {s["trace_id"]: s for s in tool_spans}
    assert set(by_trace) == {trace_id, meta_trace}, tool_spans

    # Header traceparent: caller → HTTP server span → tools/call.
    tool = by_trace[trace_id]
    http = _one([s for s in receiver.named("POST /mcp") if s["span_id"] == tool["parent_span_id"]], "parent HTTP")
    assert http["trace_id"] == trace_id and http["parent_span_id"] == caller_span, http
    assert http["kind"] == SPAN_KIND_SERVER
    assert http["attributes"]["http.request.method"] == "POST"
    assert http["attributes"]["url.path"] == "/mcp"
    assert http["attributes"]["http.response.status_code"] == 200
    attrs = tool["attributes"]
    assert tool["kind"] == SPAN_KIND_SERVER
    assert attrs["mcp.method.name"] == "tools/call"
    assert attrs["gen_ai.tool.name"] == "jira_get_issue"
    assert attrs["mcp.session.id"] == client.session
    assert attrs["jsonrpc.request.id"] == "2"
    assert "error.type" not in attrs
    assert tool["resource"]["service.name"] == "atlassian-under-test"

    upstream = _one([s for s in receiver.children_of(tool) if s["kind"] == SPAN_KIND_CLIENT], "upstream")
    assert upstream["trace_id"] == trace_id
    up = upstream["attributes"]
    assert up["http.request.method"] == "GET"
    assert up["http.response.status_code"] == 200
    assert up["server.address"] == "127.0.0.1"
    assert "/issue/DEMO-1" in up["url.full"] and "?" not in up["url.full"], up

    # params._meta.traceparent: the tools/call span is the caller's direct child.
    meta_tool = by_trace[meta_trace]
    assert meta_tool["parent_span_id"] == meta_span, meta_tool
    assert [s["trace_id"] for s in receiver.children_of(meta_tool)] == [meta_trace]

    # The access log line of the traced request names its trace.
    logged = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert any(l.get("trace_id") == trace_id and l.get("message") == "access" for l in logged), stderr[-2000:]


def test_a_failing_tool_call_records_the_error_type(traced):
    receiver, proc, base = traced
    client = McpClient(base).initialize()
    trace_id, _, traceparent = _caller_context()
    result = client.request(
        "tools/call",
        {"name": "jira_get_issue", "arguments": {"issue_key": "DEMO-999999"}},
        {"traceparent": traceparent},
    )
    assert result.get("isError"), result
    stop_server(proc)
    tool = _one([s for s in receiver.named("tools/call jira_get_issue") if s["trace_id"] == trace_id], "tool")
    assert tool["attributes"]["error.type"] == "tool_error"
    assert tool["status_code"] == STATUS_ERROR
    upstream = _one(receiver.children_of(tool), "upstream")
    assert upstream["attributes"]["http.response.status_code"] == 404
    assert upstream["attributes"]["error.type"] == "404"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _timed_calls(client: McpClient, n: int) -> list[float]:
    out = []
    for _ in range(n):
        _, _, traceparent = _caller_context()
        start = time.perf_counter()
        client.get_issue(headers={"traceparent": traceparent})
        out.append(time.perf_counter() - start)
    return out


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_a_dead_collector_neither_fails_nor_slows_tool_calls(protocol):
    dead = f"http://127.0.0.1:{_closed_port()}"
    traced_proc, traced_base = start_server(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": dead, "OTEL_EXPORTER_OTLP_PROTOCOL": protocol, "OTEL_BSP_SCHEDULE_DELAY": "50"}
    )
    plain_proc, plain_base = start_server({})
    try:
        traced, plain = McpClient(traced_base).initialize(), McpClient(plain_base).initialize()
        _timed_calls(traced, 5), _timed_calls(plain, 5)  # warm-up: connections, caches
        traced_times, plain_times = [], []
        # Interleaved rounds, so load from other processes hits both servers alike.
        for _ in range(8):
            traced_times += _timed_calls(traced, 5)
            plain_times += _timed_calls(plain, 5)
        traced_median, plain_median = statistics.median(traced_times), statistics.median(plain_times)
        print(f"{protocol}: median with a dead collector {traced_median * 1000:.2f} ms, without tracing {plain_median * 1000:.2f} ms")
        # Generous: a blocked export would cost whole connect timeouts (seconds), not this.
        assert traced_median <= 2 * plain_median + 0.010, (traced_median, plain_median)
    finally:
        started = time.monotonic()
        stop_server(traced_proc)
        # The final flush gives up after its timeout instead of holding the exit.
        assert time.monotonic() - started < 10
        stop_server(plain_proc)


def test_over_stdio_params_meta_continues_the_callers_trace():
    receiver = Receiver()
    endpoint = receiver.start_http()
    binary = os.environ["MCP_ATLASSIAN_BIN"]
    port = _closed_port()
    base_env = {"PATH": os.environ.get("PATH", "")}
    # The standalone sandbox as Jira; the server itself speaks MCP on stdin/stdout.
    sandbox = subprocess.Popen([binary, "sandbox"], env={**base_env, "PORT": str(port)}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert b"sandbox listening" in sandbox.stdout.readline()
        env = {
            **base_env,
            "TRANSPORT": "stdio",
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            "JIRA_URL": f"http://127.0.0.1:{port}",
            "JIRA_USERNAME": "sandbox@example.com",
            "JIRA_API_TOKEN": "sandbox-api-token",
        }
        server = subprocess.Popen([binary], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        trace_id, caller_span, traceparent = _caller_context()
        messages = [
            {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}},
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "jira_get_issue", "arguments": {"issue_key": "DEMO-1"}, "_meta": {"traceparent": traceparent}}},
        ]
        answer = None
        for m in messages:
            server.stdin.write((json.dumps(m) + "\n").encode())
            server.stdin.flush()
            if "id" in m:
                answer = json.loads(server.stdout.readline())
        assert not answer["result"].get("isError"), answer
        # End of input ends the server, which flushes its spans on the way out.
        server.stdin.close()
        assert server.wait(timeout=20) == 0
    finally:
        sandbox.kill()
        receiver.stop()
    tool = _one(receiver.named("tools/call jira_get_issue"), "tool")
    assert tool["trace_id"] == trace_id and tool["parent_span_id"] == caller_span, tool
    assert "mcp.session.id" not in tool["attributes"]
    upstream = _one(receiver.children_of(tool), "upstream")
    assert upstream["trace_id"] == trace_id and upstream["kind"] == SPAN_KIND_CLIENT


def test_upstream_retries_are_events_on_the_client_span():
    receiver = Receiver()
    endpoint = receiver.start_http()
    # Every sandbox answer is a 503: the client retries three times, then gives up.
    faults = json.dumps({"errors": {"status": 503, "every_nth": 1}})
    proc, base = start_server({"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint}, ("--faults", faults))
    try:
        client = McpClient(base).initialize()
        trace_id, _, traceparent = _caller_context()
        result = client.request(
            "tools/call",
            {"name": "jira_get_issue", "arguments": {"issue_key": "DEMO-1"}},
            {"traceparent": traceparent},
        )
        assert result.get("isError"), result
        stop_server(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
        receiver.stop()
    tool = _one([s for s in receiver.named("tools/call jira_get_issue") if s["trace_id"] == trace_id], "tool")
    upstream = _one(receiver.children_of(tool), "upstream")
    attrs = upstream["attributes"]
    assert upstream["events"] == ["retry", "retry", "retry"], upstream
    assert attrs["http.request.resend_count"] == 3
    assert attrs["http.response.status_code"] == 503 and attrs["error.type"] == "503"
    assert upstream["status_code"] == STATUS_ERROR

#!/usr/bin/env python3
"""Every dashboard and rule expression, evaluated by a real Prometheus scraping the real server.

Starts the built server (`$MCP_ATLASSIAN_BIN --sandbox`, metrics listener on a loopback port
it chooses) and a real Prometheus (Debian `prometheus`: loopback port, temporary storage,
scrape and rule evaluation every second, monitoring/recording.yml and alerts.yml loaded),
drives a short workload through the server (tool calls that succeed and fail, refused API
keys, a rate-limited key, throttling and 5xx from the sandbox, an SSE session), waits by
polling Prometheus's API (bounded, no fixed sleeps) until a scrape after the workload and a
rule evaluation after that scrape are in, and then:

- checks that Prometheus loaded every rule and evaluates it without error (/api/v1/rules);
- runs every template-variable query of dashboards/*.json (label_values) and fails when one
  has no values;
- runs every panel expression (variables and $__rate_interval & co. substituted) through
  /api/v1/query and fails on any error, and on an empty result unless the panel is listed in
  MAY_BE_EMPTY with the reason;
- runs every alert and recording expression through /api/v1/query and fails on any error.

With --fake-exposition FILE, a tiny HTTP server serves FILE as /metrics instead of the real
server and no workload runs: a dry run of everything but the server (used while the binary
has no metrics listener). Exit status 0 only if every check passed.

Usage: MCP_ATLASSIAN_BIN=target/debug/mcp-atlassian python3 tests/monitoring/live_prometheus.py
       python3 tests/monitoring/live_prometheus.py --fake-exposition FILE
Environment: PROMETHEUS_BIN (default: prometheus on PATH), MONITORING_DEADLINE_SECS (60).
Needs PyYAML (Debian python3-yaml).
"""

import argparse
import base64
import glob
import http.client
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEADLINE_SECS = float(os.environ.get("MONITORING_DEADLINE_SECS", "60"))
POLL_SECS = 0.2  # poll interval only; every wait is bounded by DEADLINE_SECS
JOB = "mcp-atlassian"
API_KEY = "monitoring-test-key-0123456789abcdef"
# Panels whose result may legitimately be empty after the test workload, and why.
MAY_BE_EMPTY = {
    "Time since last successful backup": "no backup runs in the test; the gauge is absent until one succeeds",
    "Last backup size": "no backup runs in the test; the gauge is absent until one succeeds",
}
# With --fake-exposition the counters never move: panels that show only what increased are empty.
FAKE_MAY_BE_EMPTY = {
    "Tool failures by tool": "filters on a rate above zero",
    "Busiest tools": "filters on an increase above zero",
    "Slowest tools (p99)": "filters on an increase above zero",
    "Largest results by tool (p90)": "filters on an increase above zero",
}
# Grafana's built-in variables, as the dashboards would see them on a short time range.
BUILTINS = {
    "$__rate_interval": "1m",
    "${__rate_interval}": "1m",
    "$__interval": "2s",
    "${__interval}": "2s",
    "$__range": "5m",
    "${__range}": "5m",
}
# The tool the per-tool dashboard is evaluated for (the workload calls it successfully).
TOOL = "jira_get_issue"


def log(msg: str) -> None:
    print(f"monitoring: {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check, proc: subprocess.Popen | None = None):
    """Polls check() until it returns a truthy value, the process dies or the deadline passes."""
    deadline = time.monotonic() + DEADLINE_SECS
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: process exited with {proc.returncode}")
        try:
            value = check()
            if value:
                return value
        except (OSError, ValueError, KeyError, http.client.HTTPException) as e:
            last = e
        time.sleep(POLL_SECS)
    raise TimeoutError(f"{what}: not within {DEADLINE_SECS:.0f}s (last error: {last})")


def http_get(url: str, headers: dict | None = None, timeout: float = 5) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


# --- Prometheus --------------------------------------------------------------------------

class Prometheus:
    def __init__(self, binary: str, target: str, workdir: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = {
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
            "rule_files": [os.path.join(ROOT, "monitoring", "recording.yml"), os.path.join(ROOT, "monitoring", "alerts.yml")],
            "scrape_configs": [{"job_name": JOB, "metrics_path": "/metrics", "static_configs": [{"targets": [target]}]}],
        }
        path = os.path.join(workdir, "prometheus.yml")
        with open(path, "w", encoding="utf-8") as f:
            yaml.safe_dump(config, f)
        self.log = open(os.path.join(workdir, "prometheus.log"), "wb")
        self.proc = subprocess.Popen(
            [binary, f"--config.file={path}", f"--storage.tsdb.path={os.path.join(workdir, 'data')}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_for("prometheus ready", lambda: http_get(f"{self.url}/-/ready")[0] == 200, self.proc)

    def api(self, path: str, **params) -> dict:
        query = urllib.parse.urlencode(params, doseq=True)
        status, body = http_get(f"{self.url}/api/v1/{path}?{query}", timeout=10)
        doc = json.loads(body)
        if doc.get("status") != "success":
            raise QueryError(f"{doc.get('errorType')}: {doc.get('error')}")
        return doc["data"]

    def query(self, expr: str) -> list:
        return self.api("query", query=expr)["result"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=DEADLINE_SECS)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


class QueryError(Exception):
    pass


# --- the server and its workload ------------------------------------------------------------

class Server:
    """The real binary with the sandbox, an API key file and a per-key rate limit."""

    def __init__(self, binary: str, workdir: str):
        self.port = free_port()
        self.metrics_port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        keys = os.path.join(workdir, "keys.toml")
        env = {"PATH": os.environ.get("PATH", ""), "MCP_API_KEYS_FILE": keys}
        self.expiring_key = self._create_key(binary, env, "expiring-soon", "3d")
        self.limited_key = self._create_key(binary, env, "rate-limited", None)
        # The `rate-limited` key gets a budget of two requests a minute.
        with open(keys, encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r'(id = "rate-limited"\n)', r'\1rate_limit_per_minute = 2\n', text)
        with open(keys, "w", encoding="utf-8") as f:
            f.write(text)
        env.update({
            "TRANSPORT": "streamable-http", "HOST": "127.0.0.1", "PORT": str(self.port),
            "MCP_API_KEY": API_KEY,
            "PROMETHEUS_ENABLED": "true", "PROMETHEUS_HOST": "127.0.0.1",
            "PROMETHEUS_PORT": str(self.metrics_port),
        })
        # Every 4th sandbox request answers 503 and two answer 429: throttling, retries and
        # upstream errors for the upstream panels.
        faults = json.dumps({"errors": {"status": 503, "every_nth": 4}, "rate_limit": {"count": 2, "retry_after_secs": 0}})
        self.log = open(os.path.join(workdir, "server.log"), "wb")
        self.proc = subprocess.Popen([binary, "--sandbox", "--faults", faults], env=env,
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        wait_for("server healthy", lambda: http_get(f"{self.base}/healthz")[0] == 200, self.proc)
        wait_for("metrics listener", lambda: http_get(f"http://127.0.0.1:{self.metrics_port}/metrics")[0] == 200, self.proc)

    @staticmethod
    def _create_key(binary: str, env: dict, key_id: str, expires: str | None) -> str:
        args = [binary, "keys", "create", "--id", key_id] + (["--expires-in", expires] if expires else [])
        out = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
        return out.splitlines()[0].strip()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=DEADLINE_SECS)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def mcp_post(base: str, key: str | None, body: dict, session: str | None = None,
             path: str = "/mcp") -> tuple[int, dict | None, str | None]:
    """One Streamable HTTP POST; returns status, the JSON-RPC answer (JSON or SSE) and the session id."""
    conn = http.client.HTTPConnection("127.0.0.1", urllib.parse.urlsplit(base).port, timeout=30)
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2025-06-18"}
    if key:
        headers["X-API-Key"] = key
    if session:
        headers["Mcp-Session-Id"] = session
    conn.request("POST", path, json.dumps(body), headers)
    r = conn.getresponse()
    raw = r.read().decode()
    sid = r.getheader("Mcp-Session-Id") or session
    conn.close()
    answer = None
    if raw.strip():
        if (r.getheader("Content-Type") or "").startswith("text/event-stream"):
            for line in raw.splitlines():
                if line.startswith("data:") and line[5:].strip():
                    answer = json.loads(line[5:])
        else:
            try:
                answer = json.loads(raw)
            except ValueError:
                answer = None
    return r.status, answer, sid


INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "monitoring-test", "version": "1"}}}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


def call(tool: str, args: dict, rid: int) -> dict:
    return {"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": {"name": tool, "arguments": args}}


def open_session(base: str, key: str) -> str:
    status, answer, sid = mcp_post(base, key, INIT)
    if status != 200 or not answer or "result" not in answer:
        raise RuntimeError(f"initialize failed: {status} {answer}")
    mcp_post(base, key, INITIALIZED, sid)
    return sid


def sse_session(base: str, key: str) -> None:
    """A legacy SSE session: endpoint event, initialize and one tool call over /messages/."""
    port = urllib.parse.urlsplit(base).port
    stream = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    stream.request("GET", "/sse", headers={"Accept": "text/event-stream", "X-API-Key": key})
    resp = stream.getresponse()
    if resp.status != 200:
        raise RuntimeError(f"GET /sse answered {resp.status}")

    def next_event() -> tuple[str, str]:
        event, data = "message", []
        while True:
            line = resp.fp.readline().decode()
            if line == "":
                raise RuntimeError("SSE stream closed")
            line = line.rstrip("\r\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())
            elif line == "" and data:
                return event, "\n".join(data)

    event, endpoint = next_event()
    while event != "endpoint":
        event, endpoint = next_event()

    def send(body: dict) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", endpoint, json.dumps(body), {"Content-Type": "application/json", "X-API-Key": key})
        status = conn.getresponse().status
        conn.close()
        if status not in (200, 202):
            raise RuntimeError(f"POST {endpoint} answered {status}")

    def answer(rid: int) -> dict:
        while True:
            event, data = next_event()
            if event == "message":
                msg = json.loads(data)
                if msg.get("id") == rid:
                    return msg

    send(INIT)
    answer(1)
    send(INITIALIZED)
    send(call("jira_search", {"jql": "project = DEMO ORDER BY created DESC", "limit": 2}, 2))
    result = answer(2)
    if "result" not in result:
        raise RuntimeError(f"SSE tool call failed: {result}")
    stream.close()


def workload(server: Server, prom: "Prometheus") -> dict:
    base = server.base
    counts = {"ok": 0, "error": 0}
    sid = open_session(base, API_KEY)
    calls = [
        ("jira_get_issue", {"issue_key": "DEMO-1"}),
        ("jira_get_issue", {"issue_key": "DEMO-2"}),
        ("jira_search", {"jql": "project = DEMO", "limit": 3}),
        ("confluence_search", {"query": "type = page", "limit": 3}),
        ("jira_get_issue", {"issue_key": "NOPE-424242"}),  # does not exist: a tool error
        ("jira_get_issue", {"no_such_argument": 1}),       # invalid arguments
    ]
    rid = 10
    # Two rounds with a scrape between them: a histogram series appears at its first
    # observation, so only what happens after Prometheus first saw it shows in increase().
    for rounds in (1, 2):
        started = time.time()
        for tool, args in calls * rounds:
            rid += 1
            _, answer, _ = mcp_post(base, API_KEY, call(tool, args, rid), sid)
            failed = answer is None or "error" in answer or answer.get("result", {}).get("isError")
            counts["error" if failed else "ok"] += 1
        # tools/list, as every agent sends it first: the dashboard shows its bytes.
        rid += 1
        _, listed, _ = mcp_post(base, API_KEY, {"jsonrpc": "2.0", "id": rid, "method": "tools/list"}, sid)
        if not listed or not listed.get("result", {}).get("tools"):
            raise RuntimeError(f"tools/list failed: {listed}")
        if rounds == 1:
            wait_for("a scrape after the first round", lambda: scraped_after(prom, started))
    # Refused API keys: missing, unknown, and one in the URL.
    for key in (None, "mcpk_nobody_0000000000000000000000000000000000000000000"):
        status, _, _ = mcp_post(base, key, INIT)
        assert status == 403, f"a request with key {key!r} was answered {status}, not 403"
    status, _, _ = mcp_post(base, None, INIT, path=f"/mcp?api_key={API_KEY}")
    assert status == 403, f"a request with the key in its URL was answered {status}, not 403"
    # The rate-limited key's third request within the minute is refused.
    statuses = [mcp_post(base, server.limited_key, INIT)[0] for _ in range(4)]
    assert 429 in statuses, f"the rate-limited key was never refused: {statuses}"
    # The key expiring in three days works today.
    open_session(base, server.expiring_key)
    sse_session(base, API_KEY)
    if counts["ok"] == 0 or counts["error"] == 0:
        raise RuntimeError(f"the workload needs both successful and failed tool calls: {counts}")
    return counts


# --- fake target ------------------------------------------------------------------------------

def serve_file(path: str) -> tuple[http.server.HTTPServer, str]:
    with open(path, "rb") as f:
        body = f.read()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"127.0.0.1:{httpd.server_address[1]}"


# --- expressions --------------------------------------------------------------------------

def panels_of(dashboard: dict):
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def substitute(expr: str, variables: dict) -> str:
    for name in sorted(BUILTINS, key=len, reverse=True):
        expr = expr.replace(name, BUILTINS[name])
    for name, value in variables.items():
        expr = expr.replace("${" + name + "}", value).replace("$" + name, value)
    if "$" in expr:
        raise ValueError(f"unsubstituted variable in {expr!r}")
    return expr


def variable_values(prom: Prometheus, dashboard: dict, variables: dict, problems: list) -> None:
    """Runs each label_values() variable query; the chosen value goes into `variables`."""
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("type") != "query":
            continue
        raw = var["query"]["query"] if isinstance(var.get("query"), dict) else var.get("query", "")
        m = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", raw.strip())
        if not m:
            problems.append(f"{dashboard['title']}: variable {var['name']}: not a label_values() query: {raw}")
            continue
        selector = substitute(m.group(1), variables)
        try:
            values = prom.api(f"label/{m.group(2)}/values", **{"match[]": selector})
        except QueryError as e:
            problems.append(f"{dashboard['title']}: variable {var['name']}: {e}")
            continue
        if not values:
            problems.append(f"{dashboard['title']}: variable {var['name']}: no values for {raw}")
            continue
        if var["name"] == "tool":
            variables["tool"] = TOOL if TOOL in values else values[0]
        elif var.get("includeAll"):
            variables[var["name"]] = var.get("allValue", ".*")
        else:
            variables[var["name"]] = values[0]


def check_dashboards(prom: Prometheus, problems: list, fake: bool) -> int:
    count = 0
    for path in sorted(glob.glob(os.path.join(ROOT, "dashboards", "*.json"))):
        with open(path, encoding="utf-8") as f:
            dashboard = json.load(f)
        variables = {"datasource": "prometheus"}
        variable_values(prom, dashboard, variables, problems)
        variables.setdefault("tool", TOOL)
        variables.setdefault("instance", ".*")
        for panel in panels_of(dashboard):
            for target in panel.get("targets", []):
                if "expr" not in target:
                    continue
                count += 1
                where = f"{os.path.basename(path)}: {panel['title']!r} {target.get('refId', '')}"
                try:
                    result = prom.query(substitute(target["expr"], variables))
                except (QueryError, ValueError) as e:
                    problems.append(f"{where}: {e}")
                    continue
                allowed = MAY_BE_EMPTY | (FAKE_MAY_BE_EMPTY if fake else {})
                if not result and panel["title"] not in allowed:
                    problems.append(f"{where}: no data after the workload: {target['expr']}")
    return count


def rule_expressions():
    for name in ("recording.yml", "alerts.yml"):
        with open(os.path.join(ROOT, "monitoring", name), encoding="utf-8") as f:
            for group in yaml.safe_load(f)["groups"]:
                for rule in group["rules"]:
                    yield rule.get("alert") or rule.get("record"), rule["expr"]


def check_rules(prom: Prometheus, problems: list) -> int:
    loaded = {r["name"]: r for g in prom.api("rules")["groups"] for r in g["rules"]}
    count = 0
    for name, expr in rule_expressions():
        count += 1
        rule = loaded.get(name)
        if rule is None:
            problems.append(f"rule {name}: not loaded by Prometheus")
        elif rule.get("health") != "ok":
            problems.append(f"rule {name}: health {rule.get('health')}: {rule.get('lastError')}")
        try:
            prom.query(expr)
        except QueryError as e:
            problems.append(f"rule {name}: {e}")
    return count


def scraped_after(prom: Prometheus, since: float) -> bool:
    """A successful scrape that started after `since` is in, with at least three scrapes in
    the last minute (so rates are defined)."""
    result = prom.query(f'timestamp(up{{job="{JOB}"}} == 1) and count_over_time(up{{job="{JOB}"}}[1m]) >= 3')
    return bool(result) and float(result[0]["value"][1]) > since


def wait_for_data(prom: Prometheus, since: float) -> None:
    """Waits until a scrape that started after `since` and a rule evaluation after that
    scrape are in."""
    wait_for("a scrape after the workload", lambda: scraped_after(prom, since))

    def evaluated():
        result = prom.query("timestamp(mcp_atlassian:tool_calls:error_ratio_rate5m)")
        return result and float(result[0]["value"][1]) > since + 1

    wait_for("a rule evaluation after that scrape", evaluated)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fake-exposition", metavar="FILE", help="serve FILE as /metrics instead of running the server")
    args = parser.parse_args()
    prom_bin = os.environ.get("PROMETHEUS_BIN") or shutil.which("prometheus")
    if not prom_bin:
        log("prometheus is not installed (Debian package prometheus)")
        return 1
    workdir = tempfile.mkdtemp(prefix="mcp-monitoring-")
    server = prom = httpd = None
    problems: list[str] = []
    ok = False
    try:
        if args.fake_exposition:
            httpd, target = serve_file(args.fake_exposition)
        else:
            binary = os.environ.get("MCP_ATLASSIAN_BIN")
            if not binary:
                log("set MCP_ATLASSIAN_BIN to the built server binary")
                return 2
            server = Server(binary, workdir)
            target = f"127.0.0.1:{server.metrics_port}"
        prom = Prometheus(prom_bin, target, workdir)
        # Counters must be seen before the workload moves them, or increase() sees nothing.
        wait_for("a first scrape", lambda: prom.query(f'up{{job="{JOB}"}} == 1'))
        if server:
            counts = workload(server, prom)
            log(f"workload: {counts['ok']} tool calls ok, {counts['error']} failed, 3 refused keys (missing, unknown, in the URL), rate limit hit, one SSE session")
        wait_for_data(prom, time.time())
        rules = check_rules(prom, problems)
        panels = check_dashboards(prom, problems, bool(args.fake_exposition))
        for p in problems:
            log(p)
        log(f"{panels} dashboard expressions and {rules} rule expressions evaluated, {len(problems)} problems"
            + (" (fake exposition, not the server)" if args.fake_exposition else ""))
        ok = not problems
        return 0 if ok else 1
    finally:
        if prom:
            prom.stop()
        if server:
            server.stop()
        if httpd:
            httpd.shutdown()
        if ok:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"logs kept in {workdir}")


if __name__ == "__main__":
    sys.exit(main())

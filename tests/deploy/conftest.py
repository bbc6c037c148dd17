"""Pieces of the deployment drill: a throwaway CA, a DNS stub standing in for Docker's, the
sandbox as the Atlassian site, and servers started the way the Compose file starts the
container (settings from the environment, the .env as the working directory's file, the
image's user). Everything binds loopback addresses on ports chosen at run time and stops at
the end of the session.

Run by scripts/test.sh (stage "deployment drill") with MCP_ATLASSIAN_BIN set.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
import socket
import socketserver
import struct
import subprocess
import threading
import time
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEADLINE = 20.0
# The image's user (Dockerfile: USER 65532:65532).
IMAGE_UID = 65532
# The drill's public name; the stub DNS and a patched getaddrinfo resolve it to loopback.
PUBLIC = "mcp.drill.test"
SCALED = "scale.drill.test"
# Stateless replicas behind the Advanced block as written, and behind a copy whose read
# timeout is cut to 1 s (standing in for NPM's 90 s default, which a test cannot wait for).
STATELESS = "stateless.drill.test"
SHORT = "short-timeout.drill.test"
NAMES = (PUBLIC, SCALED, STATELESS, SHORT)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_until(what: str, check, deadline: float = DEADLINE):
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.05)  # poll interval, bounded by the deadline
    raise TimeoutError(f"timed out waiting for {what}")


def http_get(url: str, timeout: float = 2.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def as_image_user() -> list[str]:
    """The prefix that runs a command as the image's uid, or [] when this is not root."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", f"--reuid={IMAGE_UID}", f"--regid={IMAGE_UID}", "--clear-groups", "--inh-caps=-all", "--no-new-privs"]


@pytest.fixture(scope="session")
def binary(workdir) -> str:
    """The binary, installed where the image's user can run it (as /usr/local/bin in the image)."""
    b = os.environ.get("MCP_ATLASSIAN_BIN")
    assert b and os.access(b, os.X_OK), "run through scripts/test.sh, which sets MCP_ATLASSIAN_BIN"
    installed = workdir / "bin" / "mcp-atlassian"
    installed.parent.mkdir()
    shutil.copy(b, installed)
    installed.chmod(0o755)
    installed.parent.chmod(0o755)
    return str(installed)


@pytest.fixture(scope="session")
def scripts(workdir) -> pathlib.Path:
    """scripts/, readable by the image's user wherever the clone is."""
    d = workdir / "scripts"
    shutil.copytree(ROOT / "scripts", d)
    d.chmod(0o755)
    for f in d.iterdir():
        f.chmod(0o755)
    return d


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> pathlib.Path:
    d = tmp_path_factory.mktemp("deploy-drill")
    # The image's user must reach the container-style layout below it.
    for p in [d, *d.parents]:
        if p == pathlib.Path("/"):
            break
        with contextlib.suppress(PermissionError):
            p.chmod(p.stat().st_mode | 0o011)
    return d


# --- TLS --------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def ca(workdir) -> dict[str, pathlib.Path]:
    """A throwaway CA and a certificate for the public names (what Let's Encrypt gives NPM)."""
    d = workdir / "tls"
    d.mkdir()
    run = lambda *a: subprocess.run(["openssl", *a], cwd=d, check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=drill throwaway CA", "-keyout", "ca.key", "-out", "ca.pem")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={PUBLIC}", "-keyout", "host.key", "-out", "host.csr")
    sans = ",".join(f"DNS:{n}" for n in NAMES)
    (d / "ext.cnf").write_text(f"subjectAltName={sans}\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "host.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "host.pem")
    return {"ca": d / "ca.pem", "cert": d / "host.pem", "key": d / "host.key"}


# --- DNS --------------------------------------------------------------------------------
class DnsStub:
    """Answers A queries for the names it holds; NXDOMAIN otherwise (a container that is down)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        stub = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                data, sock = self.request
                sock.sendto(stub.answer(data), self.client_address)

        self.server = socketserver.ThreadingUDPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, query: bytes) -> bytes:
        (qid,) = struct.unpack("!H", query[:2])
        labels, i = [], 12
        while query[i]:
            n = query[i]
            labels.append(query[i + 1 : i + 1 + n].decode())
            i += n + 1
        question = query[12 : i + 5]
        qtype = struct.unpack("!H", query[i + 1 : i + 3])[0]
        ip = self.names.get(".".join(labels).lower())
        if ip is None or qtype != 1:
            rcode = 3 if ip is None else 0
            return struct.pack("!HHHHHH", qid, 0x8180 | rcode, 1, 0, 0, 0) + question
        rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 1, 4) + socket.inet_aton(ip)
        return struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + rr

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def dns():
    stub = DnsStub()
    yield stub
    stub.close()


@pytest.fixture(scope="session", autouse=True)
def public_names_resolve_to_loopback():
    """Clients resolve the public names to the proxy, as public DNS would."""
    real = socket.getaddrinfo

    def patched(host, *args, **kwargs):
        # anyio passes the IDNA-encoded name as bytes.
        name = host.decode() if isinstance(host, bytes) else host
        if name in NAMES:
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    socket.getaddrinfo = patched
    yield
    socket.getaddrinfo = real


# --- processes --------------------------------------------------------------------------
class Proc:
    """A started process with its stderr in a file."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: pathlib.Path, log: pathlib.Path):
        self.log = log
        self.args = args
        with open(log, "wb") as f:
            self.proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=f, stderr=subprocess.STDOUT)

    def lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=DEADLINE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Procs:
    def __init__(self):
        self.all: list[Proc] = []

    def start(self, *a, **kw) -> Proc:
        p = Proc(*a, **kw)
        self.all.append(p)
        return p

    def stop_all(self):
        for p in reversed(self.all):
            p.stop()


@pytest.fixture(scope="session")
def procs():
    p = Procs()
    yield p
    p.stop_all()


@pytest.fixture(scope="session")
def sandbox(binary, workdir, procs) -> str:
    """The Atlassian Cloud site of the drill: the built-in sandbox on its own port."""
    port = free_port()
    env = {"PATH": os.environ.get("PATH", ""), "PORT": str(port)}
    procs.start([binary, "sandbox"], env=env, cwd=workdir, log=workdir / "sandbox.log")
    base = f"http://127.0.0.1:{port}"
    wait_until("the sandbox", lambda: _reachable(f"{base}/rest/api/3/serverInfo"))
    return base


def _reachable(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1)
        return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def wait_healthy(base: str, proc: Proc) -> None:
    def up():
        if proc.proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.proc.returncode}:\n" + "\n".join(proc.lines()[-20:]))
        return _reachable(f"{base}/healthz")

    wait_until(f"{base}/healthz", up)


def redis_available() -> bool:
    return shutil.which("redis-server") is not None

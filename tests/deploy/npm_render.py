"""A proxy host the way Nginx Proxy Manager renders one, for a real nginx on loopback.

Written for this drill after reading NPM's templates (backend/templates/proxy_host.conf and
docker/rootfs/etc/nginx/...): the same shape, our own text. What NPM does that matters here:

* http level: 90 s proxy timeouts, HTTP/1.1 upstream, `X-Forwarded-For` appended, a
  resolver generated from resolv.conf, `$forward_scheme` from a map;
* per proxy host: `set $forward_scheme/$server/$port` from the Details tab, TLS from the
  certificate, `http2`, Block Common Exploits and Force SSL (both `if`/`return` at server
  level), HSTS as a server-level `add_header`, the Advanced config pasted in the server block,
  and its own `location /` only when the Advanced config has none.

Deviations, each a stand-in for Docker: listeners on loopback ports chosen at run time, the
resolver is the drill's DNS stub, and `proxy_bind` gives the proxy its own loopback address
(the NPM container's address on infra_net) so the server sees a distinct proxy peer.
"""

from __future__ import annotations

import dataclasses
import pathlib
import re
import subprocess

NGINX = "/usr/sbin/nginx"

# Block Common Exploits, reduced to the kinds of patterns NPM's include checks in the query
# string (SQL and file injection, script tags) and in the user agent.
BLOCK_EXPLOITS = r"""
set $drill_blocked 0;
if ($query_string ~* "union.*select.*\(") { set $drill_blocked 1; }
if ($query_string ~* "concat.*\(") { set $drill_blocked 1; }
if ($query_string ~* "[a-z0-9_]=https?://") { set $drill_blocked 1; }
if ($query_string ~* "[a-z0-9_]=(\.\.//?)+") { set $drill_blocked 1; }
if ($query_string ~* "(<|%3C).*script.*(>|%3E)") { set $drill_blocked 1; }
if ($query_string ~ "proc/self/environ") { set $drill_blocked 1; }
if ($http_user_agent ~ "libwww-perl") { set $drill_blocked 1; }
if ($drill_blocked = 1) { return 403; }
"""

# Force SSL: plain HTTP gets a 301 to https, unless a trusted proxy in front already did TLS.
FORCE_SSL = r"""
set $drill_redirect "";
if ($scheme = "http") { set $drill_redirect "H"; }
if ($trust_forwarded_proto = "T") { set $drill_redirect "${drill_redirect}T"; }
if ($drill_redirect = "H") { return 301 https://$host$request_uri; }
"""

# NPM's proxy.conf, used by its default location (when the Advanced config has none).
DEFAULT_PROXY = r"""
add_header X-Served-By $host;
proxy_set_header Host $host;
proxy_set_header X-Forwarded-Proto $scheme;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Real-IP $remote_addr;
proxy_pass $forward_scheme://$server:$port$request_uri;
"""


def nginx_version() -> tuple[int, int, int]:
    out = subprocess.run([NGINX, "-v"], capture_output=True, text=True, check=True).stderr
    m = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", out)
    assert m, out
    return int(m[1]), int(m[2]), int(m[3])


def has_default_location(advanced: str) -> bool:
    """NPM skips its own `location /` when the Advanced config has one."""
    return re.search(r"^(?:.*;)?\s*?location\s*?/\s*?\{", advanced, re.I | re.M) is not None


@dataclasses.dataclass
class ProxyHost:
    """One NPM proxy host: Details, SSL and Advanced tabs."""

    domain: str
    forward_host: str
    forward_port: int
    certificate: pathlib.Path
    key: pathlib.Path
    advanced: str = ""
    http2: bool = True
    block_exploits: bool = True
    force_ssl: bool = True
    hsts: bool = True


@dataclasses.dataclass
class Npm:
    """An nginx laid out like NPM's, under `prefix`."""

    prefix: pathlib.Path
    http_port: int
    https_port: int
    resolver: str
    proxy_bind: str
    hosts: list[ProxyHost]
    extra_http: str = ""

    @property
    def conf(self) -> pathlib.Path:
        return self.prefix / "nginx.conf"

    def render(self) -> None:
        for d in ("logs", "tmp", "conf.d"):
            (self.prefix / d).mkdir(parents=True, exist_ok=True)
        new_http2 = nginx_version() >= (1, 25, 1)
        servers = "\n".join(self._server(h, new_http2) for h in self.hosts)
        p = self.prefix
        self.conf.write_text(
            f"""# rendered by tests/deploy/npm_render.py
daemon on;
worker_processes 1;
pid {p}/nginx.pid;
error_log {p}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {p}/tmp/body;
    proxy_temp_path {p}/tmp/proxy;
    fastcgi_temp_path {p}/tmp/fastcgi;
    uwsgi_temp_path {p}/tmp/uwsgi;
    scgi_temp_path {p}/tmp/scgi;
    default_type application/octet-stream;
    server_tokens off;
    tcp_nodelay on;
    keepalive_timeout 90s;
    proxy_connect_timeout 90s;
    proxy_send_timeout 90s;
    proxy_read_timeout 90s;
    proxy_http_version 1.1;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header Accept-Encoding "";
    proxy_cache off;
    client_max_body_size 2000m;
    log_format proxy '[$time_local] $status $request_method $scheme $host "$request_uri" [Client $remote_addr] [Sent-to $upstream_addr]';
    access_log {p}/logs/access.log proxy;
    resolver {self.resolver} valid=1s ipv6=off;
    resolver_timeout 2s;
    proxy_bind {self.proxy_bind};
    map $host $forward_scheme {{ default http; }}
    # NPM renders this map with each proxy host; once here, as every host shares it.
    map $scheme $hsts_header {{ https "max-age=63072000; preload"; }}
{self.extra_http}
{servers}
}}
"""
        )

    def _server(self, h: ProxyHost, new_http2: bool) -> str:
        ssl_flags = "ssl" if new_http2 or not h.http2 else "ssl http2"
        http2 = ("http2 on;" if h.http2 else "http2 off;") if new_http2 else ""
        hsts = "add_header Strict-Transport-Security $hsts_header always;" if h.hsts and h.force_ssl else ""
        force = f'set $trust_forwarded_proto "F";\n{FORCE_SSL}' if h.force_ssl else ""
        location = ""
        if not has_default_location(h.advanced):
            location = f"location / {{\n{hsts}\n{DEFAULT_PROXY}\n}}"
        return f"""
server {{
    set $forward_scheme http;
    set $server "{h.forward_host}";
    set $port {h.forward_port};
    listen 127.0.0.1:{self.http_port};
    listen 127.0.0.1:{self.https_port} {ssl_flags};
    server_name {h.domain};
    {http2}
    ssl_session_timeout 5m;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate {h.certificate};
    ssl_certificate_key {h.key};
    {BLOCK_EXPLOITS if h.block_exploits else ""}
    {hsts}
    {force}
    access_log {self.prefix}/logs/{h.domain}_access.log proxy;
{h.advanced}
{location}
}}
"""

    def test_config(self) -> subprocess.CompletedProcess:
        return subprocess.run([NGINX, "-t", "-p", str(self.prefix), "-c", str(self.conf)], capture_output=True, text=True)

    def start(self) -> None:
        out = subprocess.run([NGINX, "-p", str(self.prefix), "-c", str(self.conf)], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr

    def ensure_started(self) -> None:
        if not (self.prefix / "nginx.pid").exists():
            self.start()

    def stop(self) -> None:
        pid = self.prefix / "nginx.pid"
        if pid.exists():
            subprocess.run([NGINX, "-p", str(self.prefix), "-c", str(self.conf), "-s", "stop"], capture_output=True)

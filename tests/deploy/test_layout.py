"""The deployment files agree with each other and with the server: one NPM Advanced block in
every doc, the Compose layout the drill relies on, the trusted-proxy default in the format the
server reads, the off-box copy command naming the real container, and the Kubernetes
manifests valid against the API schemas (offline, kubernetes-validate's bundled schemas).
"""

from __future__ import annotations

import os
import re
import subprocess

import kubernetes_validate
import pytest
import yaml
from conftest import IMAGE_UID, ROOT

K8S_VERSION = "1.33.0"
ADVANCED = (ROOT / "deploy" / "npm" / "advanced.conf").read_text()


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def nginx_blocks(doc: str) -> list[str]:
    return re.findall(r"```nginx\n(.*?)```", (ROOT / "docs" / doc).read_text(), re.S)


@pytest.mark.parametrize("doc", ["deployment.md", "security.md"])
def test_every_doc_shows_the_one_npm_advanced_block_verbatim(doc):
    advanced = [b for b in nginx_blocks(doc) if "location" in b or "proxy_" in b]
    assert advanced == [ADVANCED], f"{doc} must show deploy/npm/advanced.conf and no other proxy block"


def test_the_advanced_block_is_location_level_and_resolves_the_upstream_per_request():
    body = "\n".join(line for line in ADVANCED.splitlines() if not line.lstrip().startswith("#"))
    assert re.match(r"\s*location / \{", body), "one location / block"
    (target,) = re.findall(r"proxy_pass (\S+);", body)
    assert target.startswith("$") and "$server" in target, "a variable: resolved per request, nginx -t passes with the container down"
    assert "proxy_buffering off;" in body and re.search(r"proxy_read_timeout (\d+)s;", body)
    assert int(re.search(r"proxy_read_timeout (\d+)s;", body)[1]) > 90, "longer than NPM's 90 s default"


def test_the_compose_layout_is_the_one_the_drill_and_the_docs_use():
    c = compose()
    main = c["services"]["mcp-atlassian"]
    assert main["container_name"] == "mcp-atlassian-http"
    assert "./.env:/config/.env:ro" in main["volumes"]
    assert main["environment"]["BACKUP_DIR"] == "/data/backups"
    replica = c["services"]["mcp-atlassian-replica"]
    assert "container_name" not in replica, "--scale needs replicas without a container_name"
    assert replica["profiles"] == ["scale"] and replica["environment"]["BACKUP_ENABLED"] == "false"
    lb = c["services"]["mcp-atlassian-lb"]
    assert "./deploy/nginx/mcp-lb.conf:/etc/nginx/conf.d/default.conf:ro" in lb["volumes"]
    redis = c["services"]["redis"]
    assert redis["cap_drop"] == ["ALL"] and re.fullmatch(r"\d+:\d+", redis["user"]), "the image's user, no root entrypoint step"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f"USER {IMAGE_UID}:{IMAGE_UID}" in dockerfile and "WORKDIR /config" in dockerfile


def test_the_trusted_proxies_default_covers_dockers_address_pools_in_the_servers_format(tmp_path):
    c = compose()
    raw = c["services"]["mcp-atlassian"]["environment"]["MCP_TRUSTED_PROXIES"]
    default = re.fullmatch(r"\$\{MCP_TRUSTED_PROXIES:-([^}]+)\}", raw)[1]
    assert c["services"]["mcp-atlassian-replica"]["environment"]["MCP_TRUSTED_PROXIES"] == raw
    cidrs = default.split(",")
    assert {"172.16.0.0/12", "192.168.0.0/16"} <= set(cidrs), cidrs
    out = subprocess.run(
        [os.environ["MCP_ATLASSIAN_BIN"], "check-config"],
        env={"MCP_TRUSTED_PROXIES": default, "PATH": os.environ["PATH"]},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr
    assert f"MCP_TRUSTED_PROXIES={default} (env)" in out.stdout
    assert "BACKUP_SCHEDULE=0 2 * * * (default)" in out.stdout, "nightly at 02:00 by default"


def test_the_documented_off_box_copy_names_the_real_container():
    name = compose()["services"]["mcp-atlassian"]["container_name"]
    for doc in ("deployment.md", "operations.md", "disaster_recovery.md"):
        text = (ROOT / "docs" / doc).read_text()
        for m in re.finditer(r"--container (\S+)", text):
            assert m[1] == name, f"{doc}: --container {m[1]} (the container is {name})"


def k8s_docs() -> list[tuple[str, dict]]:
    out = []
    for f in sorted((ROOT / "deploy" / "k8s").glob("*.yaml")):
        out += [(f.name, d) for d in yaml.safe_load_all(f.read_text()) if d]
    return out


@pytest.mark.parametrize("name,doc", k8s_docs(), ids=lambda v: v if isinstance(v, str) else v["kind"])
def test_every_kubernetes_manifest_validates_strictly_against_the_api_schema(name, doc):
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_the_kubernetes_deployment_probes_health_and_readiness_and_runs_as_the_image_user():
    docs = {(d["kind"], d["metadata"]["name"]): d for _, d in k8s_docs()}
    dep = docs[("Deployment", "mcp-atlassian")]["spec"]["template"]["spec"]
    (c,) = dep["containers"]
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert dep["securityContext"]["runAsUser"] == IMAGE_UID
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    secret = c["envFrom"][0]["secretRef"]["name"]
    assert ("Secret", secret) in docs
    assert docs[("Service", "mcp-atlassian")]["spec"]["sessionAffinity"] == "ClientIP"
    assert docs[("Secret", secret)]["stringData"]["MCP_RATE_LIMIT_REDIS_URL"].startswith("redis://mcp-atlassian-redis:")
    assert ("Service", "mcp-atlassian-redis") in docs

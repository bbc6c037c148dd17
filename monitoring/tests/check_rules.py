#!/usr/bin/env python3
"""Checks what promtool cannot: every alert in monitoring/alerts.yml has a severity, the three
annotations, a runbook_url whose anchor is a section of docs/runbooks.md, and at least one
`promtool test rules` case in monitoring/tests/*.yml that fires it and one that keeps it
silent. Exits non-zero with one line per problem.

Usage: python3 monitoring/tests/check_rules.py   (needs PyYAML: Debian python3-yaml)
"""

import glob
import os
import re
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SEVERITIES = {"critical", "warning", "info"}
ANNOTATIONS = {"summary", "description", "runbook_url"}


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def runbook_anchors() -> set[str]:
    with open(os.path.join(ROOT, "docs", "runbooks.md"), encoding="utf-8") as f:
        return {github_anchor(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", f.read(), re.M)}


def alerts() -> list[dict]:
    with open(os.path.join(ROOT, "monitoring", "alerts.yml"), encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    return [rule for group in doc["groups"] for rule in group["rules"] if "alert" in rule]


def test_cases() -> tuple[set[str], set[str]]:
    """Alert names some test fires, and alert names some test expects silent."""
    fired, silent = set(), set()
    for path in sorted(glob.glob(os.path.join(ROOT, "monitoring", "tests", "*_test.yml"))):
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        for test in doc.get("tests", []):
            for case in test.get("alert_rule_test", []):
                (fired if case.get("exp_alerts") else silent).add(case["alertname"])
    return fired, silent


def main() -> int:
    problems = []
    anchors = runbook_anchors()
    fired, silent = test_cases()
    names = set()
    for rule in alerts():
        name = rule["alert"]
        names.add(name)
        severity = rule.get("labels", {}).get("severity")
        if severity not in SEVERITIES:
            problems.append(f"{name}: labels.severity is {severity!r}, not one of {sorted(SEVERITIES)}")
        missing = ANNOTATIONS - set(rule.get("annotations", {}))
        if missing:
            problems.append(f"{name}: annotations lack {sorted(missing)}")
        url = rule.get("annotations", {}).get("runbook_url", "")
        anchor = url.partition("#")[2]
        if "docs/runbooks.md#" not in url or anchor not in anchors:
            problems.append(f"{name}: runbook_url {url!r} is not a section of docs/runbooks.md")
        if name not in fired:
            problems.append(f"{name}: no promtool test fires it")
        if name not in silent:
            problems.append(f"{name}: no promtool test keeps it silent")
    for name in (fired | silent) - names:
        problems.append(f"{name}: tested but not in monitoring/alerts.yml")
    for p in problems:
        print(f"check_rules: {p}", file=sys.stderr)
    print(f"check_rules: {len(names)} alerts, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

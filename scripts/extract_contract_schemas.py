#!/usr/bin/env python3
"""Extract the response schemas the sandbox contract test needs from the official OpenAPI documents.

Usage: scripts/extract_contract_schemas.py SPECS_DIR OUT_DIR

Each output file is a self-contained JSON Schema (draft 2020-12): referenced components are
copied under `$defs` and every `$ref` is rewritten to point there, so cyclic models stay
finite. OpenAPI 3.0 dialect is translated: `nullable: true` becomes a `null` type alternative,
keywords JSON Schema does not know (`discriminator`, `xml`, `example`, ...) are dropped, and
`additionalProperties: {type: object}` (a generated Java `Map<String, Object>`) means any value.
The source document, its version and the operation are recorded in `x-source`.
"""
import json
import os
import sys

# (output name, spec file, path, method, status)
OPERATIONS = [
    ("jira-cloud-get-issue", "jira-cloud-v3.json", "/rest/api/3/issue/{issueIdOrKey}", "get", "200"),
    ("jira-cloud-search-jql", "jira-cloud-v3.json", "/rest/api/3/search/jql", "get", "200"),
    ("jira-cloud-search-jql-post", "jira-cloud-v3.json", "/rest/api/3/search/jql", "post", "200"),
    ("jira-cloud-myself", "jira-cloud-v3.json", "/rest/api/3/myself", "get", "200"),
    ("jira-cloud-server-info", "jira-cloud-v3.json", "/rest/api/3/serverInfo", "get", "200"),
    ("jira-cloud-get-comments", "jira-cloud-v3.json", "/rest/api/3/issue/{issueIdOrKey}/comment", "get", "200"),
    ("jira-cloud-add-comment", "jira-cloud-v3.json", "/rest/api/3/issue/{issueIdOrKey}/comment", "post", "201"),
    ("jira-cloud-get-transitions", "jira-cloud-v3.json", "/rest/api/3/issue/{issueIdOrKey}/transitions", "get", "200"),
    ("jira-cloud-get-worklogs", "jira-cloud-v3.json", "/rest/api/3/issue/{issueIdOrKey}/worklog", "get", "200"),
    ("jira-cloud-get-user", "jira-cloud-v3.json", "/rest/api/3/user", "get", "200"),
    ("jira-cloud-find-users", "jira-cloud-v3.json", "/rest/api/3/user/search", "get", "200"),
    ("jira-cloud-find-assignable-users", "jira-cloud-v3.json", "/rest/api/3/user/assignable/search", "get", "200"),
    ("jira-cloud-get-watchers", "jira-cloud-v3.json", "/rest/api/3/issue/{issueIdOrKey}/watchers", "get", "200"),
    ("jira-cloud-add-worklog", "jira-cloud-v3.json", "/rest/api/3/issue/{issueIdOrKey}/worklog", "post", "201"),
    ("jira-cloud-get-all-projects", "jira-cloud-v3.json", "/rest/api/3/project", "get", "200"),
    ("jira-cloud-search-projects", "jira-cloud-v3.json", "/rest/api/3/project/search", "get", "200"),
    ("jira-cloud-createmeta-issuetypes", "jira-cloud-v3.json", "/rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes", "get", "200"),
    ("jira-cloud-createmeta-fields", "jira-cloud-v3.json", "/rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}", "get", "200"),
    ("jira-cloud-get-project-versions", "jira-cloud-v3.json", "/rest/api/3/project/{projectIdOrKey}/versions", "get", "200"),
    ("jira-cloud-get-project-components", "jira-cloud-v3.json", "/rest/api/3/project/{projectIdOrKey}/components", "get", "200"),
    ("jira-cloud-create-version", "jira-cloud-v3.json", "/rest/api/3/version", "post", "201"),
    ("jira-cloud-update-version", "jira-cloud-v3.json", "/rest/api/3/version/{id}", "put", "200"),
    ("jira-dc-create-version", "jira-dc-10.3.json", "/api/2/version", "post", "201"),
    ("jira-dc-get-version", "jira-dc-10.3.json", "/api/2/version/{id}", "get", "200"),
    ("jira-cloud-get-link-types", "jira-cloud-v3.json", "/rest/api/3/issueLinkType", "get", "200"),
    ("jira-cloud-get-issue-link", "jira-cloud-v3.json", "/rest/api/3/issueLink/{linkId}", "get", "200"),
    ("jira-cloud-create-remote-link", "jira-cloud-v3.json", "/rest/api/3/issue/{issueIdOrKey}/remotelink", "post", "201"),
    ("jira-dc-get-link-types", "jira-dc-10.3.json", "/api/2/issueLinkType", "get", "200"),
    ("jira-dc-get-issue-link", "jira-dc-10.3.json", "/api/2/issueLink/{linkId}", "get", "200"),
    ("jira-dc-get-user", "jira-dc-10.3.json", "/api/2/user", "get", "200"),
    ("jira-dc-get-watchers", "jira-dc-10.3.json", "/api/2/issue/{issueIdOrKey}/watchers", "get", "200"),
    ("jira-dc-add-worklog", "jira-dc-10.3.json", "/api/2/issue/{issueIdOrKey}/worklog", "post", "201"),
    ("jira-dc-get-transitions", "jira-dc-10.3.json", "/api/2/issue/{issueIdOrKey}/transitions", "get", "200"),
    ("jira-dc-get-worklogs", "jira-dc-10.3.json", "/api/2/issue/{issueIdOrKey}/worklog", "get", "200"),
    ("jira-software-cloud-get-all-boards", "jira-software-cloud.json", "/rest/agile/1.0/board", "get", "200"),
    ("jira-software-cloud-get-board", "jira-software-cloud.json", "/rest/agile/1.0/board/{boardId}", "get", "200"),
    ("jira-dc-get-board", "jira-dc-10.3.json", "/agile/1.0/board/{boardId}", "get", "200"),
    ("jira-dc-get-sprint", "jira-dc-10.3.json", "/agile/1.0/sprint/{sprintId}", "get", "200"),
    ("jira-dc-get-board-sprints", "jira-dc-10.3.json", "/agile/1.0/board/{boardId}/sprint", "get", "200"),
    ("jira-dc-get-sprint-issues", "jira-dc-10.3.json", "/agile/1.0/sprint/{sprintId}/issue", "get", "200"),
    ("jira-dc-create-sprint", "jira-dc-10.3.json", "/agile/1.0/sprint", "post", "201"),
    ("jira-dc-update-sprint", "jira-dc-10.3.json", "/agile/1.0/sprint/{sprintId}", "put", "200"),
    ("jira-dc-partially-update-sprint", "jira-dc-10.3.json", "/agile/1.0/sprint/{sprintId}", "post", "200"),
    ("jira-dc-get-issue", "jira-dc-10.3.json", "/api/2/issue/{issueIdOrKey}", "get", "200"),
    ("jira-dc-search", "jira-dc-10.3.json", "/api/2/search", "get", "200"),
    ("jira-dc-search-post", "jira-dc-10.3.json", "/api/2/search", "post", "200"),
    ("jira-dc-myself", "jira-dc-10.3.json", "/api/2/myself", "get", "200"),
    ("jira-dc-server-info", "jira-dc-10.3.json", "/api/2/serverInfo", "get", "200"),
    ("jira-dc-get-comments", "jira-dc-10.3.json", "/api/2/issue/{issueIdOrKey}/comment", "get", "200"),
    ("jira-dc-add-comment", "jira-dc-10.3.json", "/api/2/issue/{issueIdOrKey}/comment", "post", "201"),
    ("jira-cloud-edit-comment", "jira-cloud-v3.json", "/rest/api/3/issue/{issueIdOrKey}/comment/{id}", "put", "200"),
    ("jira-dc-edit-comment", "jira-dc-10.3.json", "/api/2/issue/{issueIdOrKey}/comment/{id}", "put", "200"),
    ("jira-cloud-create-issue", "jira-cloud-v3.json", "/rest/api/3/issue", "post", "201"),
    ("jira-dc-create-issue", "jira-dc-10.3.json", "/api/2/issue", "post", "201"),
    ("jira-cloud-bulk-create-issues", "jira-cloud-v3.json", "/rest/api/3/issue/bulk", "post", "201"),
    ("jira-dc-bulk-create-issues", "jira-dc-10.3.json", "/api/2/issue/bulk", "post", "201"),
    ("jira-cloud-createmeta", "jira-cloud-v3.json", "/rest/api/3/issue/createmeta", "get", "200"),
    ("jira-cloud-createmeta-issuetypes", "jira-cloud-v3.json", "/rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes", "get", "200"),
    ("jira-cloud-createmeta-fields", "jira-cloud-v3.json", "/rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}", "get", "200"),
    ("jira-cloud-get-fields", "jira-cloud-v3.json", "/rest/api/3/field", "get", "200"),
    ("jira-cloud-field-contexts", "jira-cloud-v3.json", "/rest/api/3/field/{fieldId}/context", "get", "200"),
    ("jira-cloud-field-context-options", "jira-cloud-v3.json", "/rest/api/3/field/{fieldId}/context/{contextId}/option", "get", "200"),
    ("jira-dc-custom-field-options", "jira-dc-10.3.json", "/api/2/customFields/{customFieldId}/options", "get", "200"),
    ("jira-cloud-changelog-bulkfetch", "jira-cloud-v3.json", "/rest/api/3/changelog/bulkfetch", "post", "200"),
    ("jira-cloud-get-changelogs", "jira-cloud-v3.json", "/rest/api/3/issue/{issueIdOrKey}/changelog", "get", "200"),
    ("jira-cloud-bulk-move", "jira-cloud-v3.json", "/rest/api/3/bulk/issues/move", "post", "201"),
    ("jira-cloud-bulk-queue", "jira-cloud-v3.json", "/rest/api/3/bulk/queue/{taskId}", "get", "200"),
    ("jira-cloud-get-attachment", "jira-cloud-v3.json", "/rest/api/3/attachment/{id}", "get", "200"),
    ("jira-cloud-add-attachment", "jira-cloud-v3.json", "/rest/api/3/issue/{issueIdOrKey}/attachments", "post", "200"),
    ("confluence-cloud-v2-get-page", "confluence-cloud-v2.json", "/pages/{id}", "get", "200"),
    ("confluence-cloud-v2-get-pages", "confluence-cloud-v2.json", "/pages", "get", "200"),
    ("confluence-cloud-v2-get-spaces", "confluence-cloud-v2.json", "/spaces", "get", "200"),
    ("confluence-cloud-v1-search", "confluence-cloud-v1.json", "/wiki/rest/api/search", "get", "200"),
    ("confluence-cloud-v1-user-current", "confluence-cloud-v1.json", "/wiki/rest/api/user/current", "get", "200"),
    ("confluence-dc-get-content-by-id", "confluence-dc-10.0.3.json", "/rest/api/content/{id}", "get", "200"),
    ("confluence-dc-get-content", "confluence-dc-10.0.3.json", "/rest/api/content", "get", "200"),
    ("confluence-dc-search", "confluence-dc-10.0.3.json", "/rest/api/content/search", "get", "200"),
    ("confluence-dc-user-current", "confluence-dc-10.0.3.json", "/rest/api/user/current", "get", "200"),
    ("confluence-cloud-v2-create-page", "confluence-cloud-v2.json", "/pages", "post", "200"),
    ("confluence-cloud-v2-update-page", "confluence-cloud-v2.json", "/pages/{id}", "put", "200"),
    ("confluence-cloud-v2-get-child-pages", "confluence-cloud-v2.json", "/pages/{id}/children", "get", "200"),
    ("confluence-cloud-v2-get-pages-in-space", "confluence-cloud-v2.json", "/spaces/{id}/pages", "get", "200"),
    ("confluence-cloud-v2-get-page-versions", "confluence-cloud-v2.json", "/pages/{id}/versions", "get", "200"),
    ("confluence-cloud-v2-get-page-labels", "confluence-cloud-v2.json", "/pages/{id}/labels", "get", "200"),
    ("confluence-cloud-v2-get-page-footer-comments", "confluence-cloud-v2.json", "/pages/{id}/footer-comments", "get", "200"),
    ("confluence-cloud-v2-get-footer-comment", "confluence-cloud-v2.json", "/footer-comments/{comment-id}", "get", "200"),
    ("confluence-cloud-v2-get-footer-comment-children", "confluence-cloud-v2.json", "/footer-comments/{id}/children", "get", "200"),
    ("confluence-cloud-v2-create-footer-comment", "confluence-cloud-v2.json", "/footer-comments", "post", "201"),
    ("confluence-cloud-v2-get-page-inline-comments", "confluence-cloud-v2.json", "/pages/{id}/inline-comments", "get", "200"),
    ("confluence-cloud-v2-get-inline-comment", "confluence-cloud-v2.json", "/inline-comments/{comment-id}", "get", "200"),
    ("confluence-cloud-v2-get-inline-comment-children", "confluence-cloud-v2.json", "/inline-comments/{id}/children", "get", "200"),
    ("confluence-cloud-v2-create-inline-comment", "confluence-cloud-v2.json", "/inline-comments", "post", "201"),
    ("confluence-cloud-v1-add-labels", "confluence-cloud-v1.json", "/wiki/rest/api/content/{id}/label", "post", "200"),
    ("confluence-cloud-v1-move-page", "confluence-cloud-v1.json", "/wiki/rest/api/content/{pageId}/move/{position}/{targetId}", "put", "200"),
    ("confluence-cloud-v1-copy-page", "confluence-cloud-v1.json", "/wiki/rest/api/content/{id}/copy", "post", "200"),
    ("confluence-dc-create-content", "confluence-dc-10.0.3.json", "/rest/api/content", "post", "200"),
    ("confluence-dc-update-content", "confluence-dc-10.0.3.json", "/rest/api/content/{contentId}", "put", "200"),
    ("confluence-dc-get-child-pages", "confluence-dc-10.0.3.json", "/rest/api/content/{id}/child/{type}", "get", "200"),
    ("confluence-dc-get-comments", "confluence-dc-10.0.3.json", "/rest/api/content/{id}/child/comment", "get", "200"),
    ("confluence-dc-get-labels", "confluence-dc-10.0.3.json", "/rest/api/content/{id}/label", "get", "200"),
    ("confluence-dc-get-space", "confluence-dc-10.0.3.json", "/rest/api/space/{spaceKey}", "get", "200"),
    ("confluence-cloud-v1-get-restrictions", "confluence-cloud-v1.json", "/wiki/rest/api/content/{id}/restriction", "get", "200"),
    ("confluence-cloud-v1-update-restrictions", "confluence-cloud-v1.json", "/wiki/rest/api/content/{id}/restriction", "put", "200"),
    ("confluence-dc-get-restrictions", "confluence-dc-10.0.3.json", "/rest/api/content/{id}/restriction/byOperation", "get", "200"),
    ("confluence-dc-update-restrictions", "confluence-dc-10.0.3.json", "/rest/api/content/{id}/restriction", "put", "200"),
    ("confluence-dc-add-labels", "confluence-dc-10.0.3.json", "/rest/api/content/{id}/label", "post", "200"),
    ("confluence-cloud-v2-get-page-attachments", "confluence-cloud-v2.json", "/pages/{id}/attachments", "get", "200"),
    ("confluence-cloud-v2-get-attachment", "confluence-cloud-v2.json", "/attachments/{id}", "get", "200"),
    ("confluence-cloud-v1-create-attachment", "confluence-cloud-v1.json", "/wiki/rest/api/content/{id}/child/attachment", "post", "200"),
    ("confluence-dc-create-attachment", "confluence-dc-10.0.3.json", "/rest/api/content/{id}/child/attachment", "post", "200"),
    ("confluence-cloud-v1-search-user", "confluence-cloud-v1.json", "/wiki/rest/api/search/user", "get", "200"),
    ("confluence-dc-get-group-members", "confluence-dc-10.0.3.json", "/rest/api/group/{groupName}/member", "get", "200"),
    ("confluence-cloud-v1-page-views", "confluence-cloud-v1.json", "/wiki/rest/api/analytics/content/{contentId}/views", "get", "200"),
    ("confluence-cloud-v1-check-content-permission", "confluence-cloud-v1.json", "/wiki/rest/api/content/{id}/permission/check", "post", "200"),
    ("confluence-cloud-v2-get-space-permissions", "confluence-cloud-v2.json", "/spaces/{id}/permissions", "get", "200"),
    ("confluence-dc-get-space-permissions", "confluence-dc-10.0.3.json", "/rest/api/space/{spaceKey}/permissions", "get", "200"),
    ("confluence-dc-get-spaces", "confluence-dc-10.0.3.json", "/rest/api/space", "get", "200"),
    ("confluence-cloud-v1-get-page-templates", "confluence-cloud-v1.json", "/wiki/rest/api/template/page", "get", "200"),
    ("confluence-cloud-v1-get-template", "confluence-cloud-v1.json", "/wiki/rest/api/template/{contentTemplateId}", "get", "200"),
    ("jira-dc-projects-picker", "jira-dc-10.3.json", "/api/2/projects/picker", "get", "200"),
    ("confluence-dc-search-results", "confluence-dc-10.0.3.json", "/rest/api/search", "get", "200"),
    ("confluence-dc-get-history", "confluence-dc-10.0.3.json", "/rest/api/content/{id}/history", "get", "200"),
    ("confluence-dc-get-properties", "confluence-dc-10.0.3.json", "/rest/api/content/{id}/property", "get", "200"),
    ("confluence-cloud-v2-get-page-direct-children", "confluence-cloud-v2.json", "/pages/{id}/direct-children", "get", "200"),
    ("confluence-cloud-v1-get-restrictions-by-operation", "confluence-cloud-v1.json", "/wiki/rest/api/content/{id}/restriction/byOperation", "get", "200"),
]

DROP = {"discriminator", "xml", "example", "examples", "externalDocs", "deprecated", "x-atlassian-beta"}
PREFIX = "#/components/schemas/"


def bare_object(schema):
    if not isinstance(schema, dict):
        return False
    kept = {k: v for k, v in schema.items() if k not in DROP and k != "description" and not k.startswith("x-")}
    return kept == {"type": "object"}


def convert(node, defs_needed):
    if isinstance(node, list):
        return [convert(n, defs_needed) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in DROP or key.startswith("x-"):
            continue
        if key == "$ref":
            if not value.startswith(PREFIX):
                raise SystemExit(f"unsupported $ref {value}")
            name = value[len(PREFIX):]
            defs_needed.append(name)
            out["$ref"] = "#/$defs/" + name
        elif key in ("properties", "patternProperties"):
            out[key] = {k: convert(v, defs_needed) for k, v in value.items()}
        elif key == "nullable":
            continue
        elif key == "additionalProperties" and bare_object(value):
            # Java `Map<String, Object>` comes out of Atlassian's generators as
            # `additionalProperties: {type: object}`, although the values are any JSON
            # (the documents' own examples put strings and numbers there): translate to "any".
            out[key] = {}
        else:
            out[key] = convert(value, defs_needed)
    if node.get("nullable") is True:
        if "type" in out:
            t = out["type"]
            out["type"] = (t if isinstance(t, list) else [t]) + ["null"]
            if "enum" in out:
                out["enum"] = list(out["enum"]) + [None]
        elif "$ref" in out or "allOf" in out or "oneOf" in out or "anyOf" in out:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


def extract(spec, path, method, status):
    op = spec["paths"][path][method]
    content = op["responses"][status]["content"]
    # Some operations declare `application/json;charset=UTF-8` only.
    media = "application/json" if "application/json" in content else next(
        k for k in content if k.startswith("application/json"))
    schema = content[media]["schema"]
    pending = []
    root = convert(schema, pending)
    defs = {}
    while pending:
        name = pending.pop()
        if name in defs:
            continue
        defs[name] = convert(spec["components"]["schemas"][name], pending)
    return op.get("operationId"), root, defs


def main():
    specs_dir, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    loaded = {}
    sources = {}
    sources_path = os.path.join(specs_dir, "SOURCES.json")
    if os.path.exists(sources_path):
        for entry in json.load(open(sources_path)).get("specs", []):
            sources[entry["file"]] = entry
    for name, file, path, method, status in OPERATIONS:
        spec = loaded.setdefault(file, json.load(open(os.path.join(specs_dir, file))))
        op_id, root, defs = extract(spec, path, method, status)
        doc = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "x-source": {
                "document": file,
                "title": spec["info"].get("title"),
                "version": spec["info"].get("version"),
                "servers": [srv.get("url") for srv in spec.get("servers", [])],
                "operation": f"{method.upper()} {path}",
                "operationId": op_id,
                "status": status,
                "sha256": sources.get(file, {}).get("sha256"),
                "upstream": sources.get(file, {}).get("note"),
                "license": sources.get(file, {}).get("license"),
                "extracted_by": "scripts/extract_contract_schemas.py",
            },
        }
        doc.update(root)
        if defs:
            doc["$defs"] = dict(sorted(defs.items()))
        with open(os.path.join(out_dir, name + ".json"), "w") as fh:
            json.dump(doc, fh, indent=1, sort_keys=False)
            fh.write("\n")
        print(f"{name}: {file} {method.upper()} {path} ({len(defs)} defs)")


if __name__ == "__main__":
    main()

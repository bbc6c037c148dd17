// The TypeScript SDK client (@modelcontextprotocol/client, as pinned by
// tests/clients/package-lock.json) against TOOLSETS=dynamic: it lists the discovery tools,
// enables a toolset, and its listChanged handler refreshes the tools after the server's
// notifications/tools/list_changed. Prints one JSON line for test_dynamic_node.py.
// Usage: node list_changed.mjs NODE_MODULES URL
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [modules, url] = process.argv.slice(2);
const sdk = await import(pathToFileURL(join(modules, "@modelcontextprotocol", "client", "dist", "index.mjs")).href);
const { Client, StreamableHTTPClientTransport } = sdk;

let resolveChanged;
const changed = new Promise((resolve) => (resolveChanged = resolve));
const client = new Client(
  { name: "list-changed-test", version: "1.0.0" },
  {
    listChanged: {
      tools: {
        debounceMs: 0,
        onChanged: (error, tools) => resolveChanged(error ? { error: String(error) } : { tools: tools.map((t) => t.name) }),
      },
    },
  },
);
const timeout = setTimeout(() => {
  console.log(JSON.stringify({ error: "no tools/list_changed within 15 s" }));
  process.exit(2);
}, 15000);
await client.connect(new StreamableHTTPClientTransport(new URL(url)));
const first = (await client.listTools()).tools.map((t) => t.name);
await client.callTool({ name: "enable_toolset", arguments: { toolset: "jira_issues" } });
const refreshed = await changed;
const issue = await client.callTool({ name: "jira_get_issue", arguments: { issue_key: "DEMO-1" } });
clearTimeout(timeout);
console.log(JSON.stringify({ first, refreshed, issue: JSON.parse(issue.content[0].text).key }));
await client.close();

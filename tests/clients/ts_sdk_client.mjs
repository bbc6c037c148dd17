// One TypeScript SDK client run, for test_ts_sdk.py: connects to URL with the X-API-Key
// header over TRANSPORT (http = Streamable HTTP, sse = legacy SSE), lists the tools, calls
// jira_get_issue(DEMO-1) and prints {"tools": [...], "result": CallToolResult} as JSON.
//
//   node ts_sdk_client.mjs SDK_DIR URL API_KEY http|sse
//
// SDK_DIR is the installed package (node_modules/ts-sdk-current, node_modules/ts-sdk-1-22),
// imported by path so that both pinned versions run from one node_modules.
import path from "node:path";
import { pathToFileURL } from "node:url";

const [sdkDir, url, apiKey, transportName] = process.argv.slice(2);
const load = (rel) => import(pathToFileURL(path.join(sdkDir, "dist", "esm", rel)).href);
const { Client } = await load("client/index.js");
const headers = { "X-API-Key": apiKey };
let transport;
if (transportName === "sse") {
  const { SSEClientTransport } = await load("client/sse.js");
  transport = new SSEClientTransport(new URL(url), {
    requestInit: { headers },
    eventSourceInit: { fetch: (u, init) => fetch(u, { ...init, headers: { ...init?.headers, ...headers } }) },
  });
} else {
  const { StreamableHTTPClientTransport } = await load("client/streamableHttp.js");
  transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
}
const client = new Client({ name: "mcp-atlassian-ts-sdk-test", version: "1.0.0" });
// Any error the transport reports (a priming event it cannot parse, say) fails the run.
const transportErrors = [];
client.onerror = (e) => transportErrors.push(String(e?.message ?? e));
await client.connect(transport);
const tools = (await client.listTools()).tools.map((t) => t.name);
const result = await client.callTool({ name: "jira_get_issue", arguments: { issue_key: "DEMO-1" } });
await client.close();
console.log(JSON.stringify({ tools, result, protocol: transport.protocolVersion ?? null, transportErrors }));

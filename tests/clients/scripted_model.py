"""A scripted Gemini API endpoint on loopback, for the clients that talk to Gemini themselves
(Gemini CLI through GOOGLE_GEMINI_BASE_URL, google-genai through its base URL).

The first turn calls the declared function whose name ends in `jira_get_issue` with
issue_key DEMO-1; once a function response is in the conversation it answers with that
response's JSON as text. It serves generateContent, streamGenerateContent (SSE with
`alt=sse`, or a JSON array) and countTokens, and records every request it was sent.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ScriptedGemini:
    def __init__(self):
        self.requests: list[tuple[str, dict]] = []
        model = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                model.requests.append((self.path, body))
                if ":countTokens" in self.path:
                    return self._json({"totalTokens": 10})
                reply = {
                    "candidates": [{"content": {"role": "model", "parts": [model.next_part(body)]}, "finishReason": "STOP", "index": 0}],
                    "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15},
                }
                if ":streamGenerateContent" in self.path:
                    if "alt=sse" in self.path:
                        data = f"data: {json.dumps(reply)}\r\n\r\n".encode()
                        return self._send(data, "text/event-stream")
                    return self._json([reply])
                return self._json(reply)

            def _json(self, value):
                self._send(json.dumps(value).encode(), "application/json")

            def _send(self, data: bytes, content_type: str):
                self.send_response(200)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def declared_names(body: dict) -> list[str]:
        return [d.get("name", "") for t in body.get("tools", []) or [] for d in t.get("functionDeclarations", []) or []]

    def next_part(self, body: dict) -> dict:
        answered = [p["functionResponse"] for c in body.get("contents", []) for p in c.get("parts", []) if "functionResponse" in p]
        if answered:
            return {"text": json.dumps(answered[-1].get("response"))}
        names = [n for n in self.declared_names(body) if n.endswith("jira_get_issue")]
        if not names:
            return {"text": "no jira_get_issue tool was declared"}
        return {"functionCall": {"name": names[0], "args": {"issue_key": "DEMO-1"}}}

    def close(self):
        self.server.shutdown()

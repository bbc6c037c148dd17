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


class ScriptedAnthropic:
    """A scripted Anthropic Messages API on loopback (Claude Code through ANTHROPIC_BASE_URL).

    With a tool whose name ends in `jira_get_issue` among the request's tools and no tool
    result yet, it answers with a tool_use for DEMO-1; once a tool_result is in the
    conversation it answers with that result's text; anything else (Claude Code's side
    requests) gets a short text. Streams (SSE) when the request asks to.
    """

    def __init__(self):
        self.requests: list[tuple[str, dict]] = []
        model = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                model.requests.append((self.path, body))
                if "count_tokens" in self.path:
                    return self._send(json.dumps({"input_tokens": 10}).encode(), "application/json")
                block, stop = model.next_block(body)
                if body.get("stream"):
                    return self._send(model.stream(block, stop, body.get("model", "scripted")), "text/event-stream")
                message = {"id": "msg_scripted", "type": "message", "role": "assistant", "model": body.get("model", "scripted"),
                           "content": [block], "stop_reason": stop, "stop_sequence": None,
                           "usage": {"input_tokens": 10, "output_tokens": 5}}
                self._send(json.dumps(message).encode(), "application/json")

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
    def tool_names(body: dict) -> list[str]:
        return [t.get("name", "") for t in body.get("tools", []) or []]

    @staticmethod
    def tool_results(body: dict) -> list[str]:
        out = []
        for message in body.get("messages", []):
            content = message.get("content")
            for block in content if isinstance(content, list) else []:
                if block.get("type") == "tool_result":
                    inner = block.get("content")
                    if isinstance(inner, list):
                        inner = "".join(b.get("text", "") for b in inner if isinstance(b, dict))
                    out.append(str(inner))
        return out

    def next_block(self, body: dict) -> tuple[dict, str]:
        results = self.tool_results(body)
        if results:
            return {"type": "text", "text": results[-1]}, "end_turn"
        names = [n for n in self.tool_names(body) if n.endswith("jira_get_issue")]
        if names:
            return {"type": "tool_use", "id": "toolu_scripted", "name": names[0], "input": {"issue_key": "DEMO-1"}}, "tool_use"
        return {"type": "text", "text": "ok"}, "end_turn"

    @staticmethod
    def stream(block: dict, stop: str, model: str) -> bytes:
        def event(kind: str, data: dict) -> str:
            return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n"

        start = dict(block, input={}) if block["type"] == "tool_use" else {"type": "text", "text": ""}
        delta = (
            {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
            if block["type"] == "tool_use"
            else {"type": "text_delta", "text": block["text"]}
        )
        return "".join([
            event("message_start", {"message": {"id": "msg_scripted", "type": "message", "role": "assistant", "model": model, "content": [],
                                                "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 1}}}),
            event("content_block_start", {"index": 0, "content_block": start}),
            event("content_block_delta", {"index": 0, "delta": delta}),
            event("content_block_stop", {"index": 0}),
            event("message_delta", {"delta": {"stop_reason": stop, "stop_sequence": None}, "usage": {"output_tokens": 5}}),
            event("message_stop", {}),
        ]).encode()

    def close(self):
        self.server.shutdown()

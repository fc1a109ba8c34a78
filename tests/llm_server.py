"""A fake OpenAI-compatible chat-completions server for tests (no network, no real model).

`FakeLLM` runs an aiohttp server on its own event loop in a background thread, bound to 127.0.0.1 on a
free port, so litellm (or any OpenAI client) can talk to it over real HTTP:

    with FakeLLM() as server:
        await litellm.acompletion(model="openai/test-model", api_base=server.base_url, api_key="sk-test",
                                  messages=[{"role": "user", "content": "hi"}])   # -> "echo: hi"

What it answers is decided per request, in this order:

0. with `require_key` set, a request without `Authorization: Bearer <that key>` gets 401, as a real
   server would; dsbuild's preflight probe (see `is_probe`) gets "OK" unless `answer_probes` is False,
   so handlers and queued faults see only the requests for rows;
1. replies queued with `queue(*replies)` (FIFO, one per request) -- fault injection, e.g.
   `server.queue(Reply(status=429, headers={"Retry-After": "1"}))` and then normal answers;
2. the handler set with `FakeLLM(handler)` / `set_handler(handler)`: `handler(request_body) -> Reply`
   (a coroutine function works too);
3. `default_handler`: a deterministic "echo model". With `response_format` json_schema it returns a JSON
   object filling every property of the schema (see `fill_schema`); with `{"type": "json_object"}` it
   returns `{"echo": <last user message>}`; otherwise the content is "echo: <last user message>".

Each request sleeps for its own `Reply.delay` without blocking the others (hundreds of slow requests are
served concurrently); `max_in_flight` records the highest number served at once.

`python tests/llm_server.py --delay 1` runs the echo model in a process of its own (for benchmarks).
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = ["FakeLLM", "Reply", "default_handler", "echo_text", "fill_schema", "is_probe", "last_user_text"]

DEFAULT_MODEL = "test-model"

Handler = Callable[[dict], "Reply | Awaitable[Reply]"]

_ERROR_KINDS = {  # status -> (OpenAI error type, code, message)
    400: ("invalid_request_error", None, "Bad request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("permission_error", None, "Permission denied."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist."),
    408: ("timeout", None, "Request timed out."),
    422: ("invalid_request_error", None, "Unprocessable request."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again later."),
    500: ("server_error", None, "The server had an error while processing your request."),
    502: ("server_error", None, "Bad gateway."),
    503: ("server_error", "service_unavailable", "The engine is currently overloaded, please try again later."),
    504: ("server_error", None, "Gateway timeout."),
}


@dataclass
class Reply:
    """What the fake server sends back for one request."""

    content: str | None = None  # assistant message content (for error statuses: the error message)
    reasoning_content: str | None = None  # like DeepSeek-R1: choices[0].message.reasoning_content
    finish_reason: str = "stop"  # "length", "content_filter", "tool_calls", ...
    status: int = 200  # e.g. 429, 500, 503: an OpenAI-style error body is sent
    headers: dict[str, str] = field(default_factory=dict)  # e.g. {"Retry-After": "1"}
    delay: float = 0.0  # seconds to sleep before answering (client timeouts)
    raw_body: str | None = None  # send this body verbatim (with `status` and `headers`) instead
    prompt_tokens: int | None = None  # usage; default: a rough count from the request
    completion_tokens: int | None = None  # usage; default: a rough count from the content
    disconnect: bool = False  # after `delay`, drop the connection without sending any response


# ---------------------------------------------------------------------------------------------- echo model


def _text_of(content: Any) -> str:
    """The text of a message's content: a string, or the text parts of a list of content parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif isinstance(part, str):
                parts.append(part)
        return "\n".join(parts)
    return str(content)


def last_user_text(request: dict) -> str:
    """The text of the last user message of a chat-completions request body ("" if there is none)."""
    for message in reversed(request.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            return _text_of(message.get("content"))
    return ""


def echo_text(name: str, user_text: str) -> str:
    """The default echo model's value for string property `name`: "<name> for <8 hex of a hash>"."""
    digest = hashlib.sha256(f"{name}\x00{user_text}".encode()).hexdigest()[:8]
    return f"{name} for {digest}"


def _resolve(schema: Any, root: dict) -> dict:
    """Follow local "$ref"s ("#/$defs/X", "#/definitions/X") and pick a branch of anyOf/oneOf/allOf."""
    for _ in range(32):  # guard against reference cycles
        if not isinstance(schema, dict):
            return {}
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = root
            for key in ref[2:].split("/"):
                target = target.get(key, {}) if isinstance(target, dict) else {}
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            continue
        for key in ("anyOf", "oneOf"):
            branches = schema.get(key)
            if isinstance(branches, list) and branches:
                non_null = [b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
                chosen = (non_null or branches)[0]
                schema = {**{k: v for k, v in schema.items() if k != key}, **chosen}
                break
        else:
            if isinstance(schema.get("allOf"), list):
                merged = {k: v for k, v in schema.items() if k != "allOf"}
                for part in schema["allOf"]:
                    part = _resolve(part, root)
                    props = {**merged.get("properties", {}), **part.get("properties", {})}
                    required = [*merged.get("required", []), *part.get("required", [])]
                    merged = {**part, **merged, "properties": props, "required": required}
                schema = merged
                continue
            return schema
    return schema if isinstance(schema, dict) else {}


def _number_in_range(schema: dict, preferred: float, step: float) -> float:
    low = schema.get("minimum")
    high = schema.get("maximum")
    if schema.get("exclusiveMinimum") is not None and not isinstance(schema["exclusiveMinimum"], bool):
        low = schema["exclusiveMinimum"] + step
    if schema.get("exclusiveMaximum") is not None and not isinstance(schema["exclusiveMaximum"], bool):
        high = schema["exclusiveMaximum"] - step
    value = preferred
    if low is not None and value < low:
        value = low
    if high is not None and value > high:
        value = high
    return value


def fill_schema(schema: Any, user_text: str, name: str = "value", root: dict | None = None) -> Any:
    """A deterministic value valid for a (simple) JSON schema.

    Objects fill every property; strings are `echo_text(property, user_text)` (padded/trimmed to
    minLength/maxLength); integers 4 (clamped into minimum/maximum); numbers 0.5 (clamped); booleans true;
    arrays one element (or minItems elements) of the item type; enums/consts their first value; null null.
    """
    root = root if root is not None else (schema if isinstance(schema, dict) else {})
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), kind[0] if kind else None)
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    if kind == "object":
        props = schema.get("properties") or {}
        return {key: fill_schema(sub, user_text, key, root) for key, sub in props.items()}
    if kind == "array":
        count = max(1, int(schema.get("minItems") or 0))
        items = schema.get("items")
        if isinstance(items, list):  # tuple form
            return [fill_schema(sub, user_text, name, root) for sub in items]
        return [fill_schema(items or {"type": "string"}, user_text, name, root) for _ in range(count)]
    if kind == "integer":
        return int(_number_in_range(schema, 4, 1))
    if kind == "number":
        return float(_number_in_range(schema, 0.5, 1e-6))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    text = echo_text(name, user_text)
    min_len, max_len = schema.get("minLength"), schema.get("maxLength")
    if isinstance(min_len, int) and len(text) < min_len:
        text = (text + " ") * (min_len // (len(text) + 1) + 1)
        text = text[:min_len]
    if isinstance(max_len, int) and len(text) > max_len:
        text = text[:max_len]
    return text


PROBE_MARK = "dsbuild preflight"


def is_probe(request: dict) -> bool:
    """True for dsbuild's preflight probe (see dsbuild/llm/preflight.py)."""
    return last_user_text(request).startswith(PROBE_MARK)


def default_handler(request: dict) -> Reply:
    """The deterministic echo model used when no handler is set (see the module docstring)."""
    user_text = last_user_text(request)
    response_format = request.get("response_format")
    if isinstance(response_format, dict):
        kind = response_format.get("type")
        if kind == "json_schema":
            spec = response_format.get("json_schema") or {}
            schema = spec.get("schema") if isinstance(spec, dict) else None
            if not isinstance(schema, dict):
                schema = {"type": "object", "properties": {}}
            return Reply(content=json.dumps(fill_schema(schema, user_text), ensure_ascii=False))
        if kind == "json_object":
            return Reply(content=json.dumps({"echo": user_text}, ensure_ascii=False))
    return Reply(content=f"echo: {user_text}")


# -------------------------------------------------------------------------------------------------- server


def _rough_tokens(text: str) -> int:
    return max(1, (len(text) + 3) // 4) if text else 0


def _prompt_tokens(request: dict) -> int:
    total = 0
    for message in request.get("messages") or []:
        if isinstance(message, dict):
            total += 4 + _rough_tokens(_text_of(message.get("content")))
    return max(1, total)


def _json_response(body: dict, status: int, headers: dict[str, str]) -> web.Response:
    return web.Response(text=json.dumps(body, ensure_ascii=False), status=status,
                        headers={"Content-Type": "application/json", **headers})


def _error_response(status: int, message: str | None = None, headers: dict[str, str] | None = None,
                    kind: str | None = None, code: str | None = None) -> web.Response:
    default_kind, default_code, default_message = _ERROR_KINDS.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None, f"HTTP {status}"))
    body = {"error": {"message": message or default_message, "type": kind or default_kind,
                      "param": None, "code": code or default_code}}
    return _json_response(body, status, headers or {})


class FakeLLM:
    """An OpenAI-compatible chat-completions server on 127.0.0.1 in a background thread.

    Attributes: `base_url` ("http://127.0.0.1:<port>/v1", set by `start()`), `requests` (a snapshot list
    of every parsed request body, in arrival order), `request_headers` (their HTTP headers, same order),
    `count`, `probes` (how many of them were dsbuild's preflight probe), `calls` (count - probes: the
    requests for rows), `max_in_flight`, `in_flight`, `handler_errors` (exceptions raised by the handler;
    each made the server answer 500).
    """

    def __init__(self, handler: Handler | None = None, *, model: str = DEFAULT_MODEL, require_key: str | None = None):
        self._handler: Handler | None = handler
        self.model = model
        self.require_key = require_key
        self.answer_probes = True
        self._lock = threading.Lock()
        self._requests: list[dict] = []
        self._request_headers: list[dict[str, str]] = []
        self._queue: deque[Reply] = deque()
        self.handler_errors: list[BaseException] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.host = "127.0.0.1"
        self.port: int | None = None
        self.base_url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task] = set()

    # ---- configuration / inspection (callable from any thread)

    @property
    def requests(self) -> list[dict]:
        with self._lock:
            return list(self._requests)

    @property
    def request_headers(self) -> list[dict[str, str]]:
        with self._lock:
            return list(self._request_headers)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._requests)

    @property
    def probes(self) -> int:
        """Requests that were dsbuild's preflight probe (its fixed message)."""
        return sum(is_probe(r) for r in self.requests)

    @property
    def calls(self) -> int:
        """Requests other than preflight probes."""
        return self.count - self.probes

    @property
    def call_requests(self) -> list[dict]:
        """The request bodies other than preflight probes, in arrival order."""
        return [r for r in self.requests if not is_probe(r)]

    def reset(self) -> None:
        """Forget received requests, queued replies, handler errors and the in-flight high-water mark."""
        with self._lock:
            self._requests.clear()
            self._request_headers.clear()
            self._queue.clear()
            self.handler_errors.clear()
            self.max_in_flight = self.in_flight

    def set_handler(self, handler: Handler | None) -> None:
        """handler(request_body) -> Reply (or an awaitable of one); None restores the echo model."""
        with self._lock:
            self._handler = handler

    def queue(self, *replies: Reply) -> None:
        """Replies to use, first in first out, one per request, before the handler is consulted."""
        with self._lock:
            self._queue.extend(replies)

    # ---- lifecycle

    def start(self) -> FakeLLM:
        if self._thread is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        self.base_url = f"http://{self.host}:{self.port}/v1"
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve(sock))
            except BaseException as exc:  # noqa: BLE001 - reported to start()
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name=f"FakeLLM:{self.port}", daemon=True)
        self._thread.start()
        if not ready.wait(10) or failure:
            self._thread = None
            sock.close()
            raise RuntimeError(f"FakeLLM failed to start: {failure[0] if failure else 'timeout'}")
        return self

    def stop(self) -> None:
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            self._thread = None
            self._loop = None

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"FakeLLM(base_url={self.base_url!r}, count={self.count}, max_in_flight={self.max_in_flight})"

    # ---- inside the server's event loop

    async def _serve(self, sock: socket.socket) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        for prefix in ("/v1", ""):
            app.router.add_post(f"{prefix}/chat/completions", self._chat)
            app.router.add_get(f"{prefix}/models", self._models)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.SockSite(self._runner, sock, backlog=1024).start()

    async def _shutdown(self) -> None:
        for task in list(self._tasks):  # slow requests still sleeping: no need to wait for them
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _models(self, request: web.Request) -> web.Response:
        return _json_response({"object": "list", "data": [
            {"id": self.model, "object": "model", "created": 1700000000, "owned_by": "dsbuild-tests"}]}, 200, {})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw)
            if not isinstance(body, dict):
                raise ValueError("the request body is not a JSON object")
        except ValueError as exc:
            return _error_response(400, f"Invalid JSON body: {exc}")
        with self._lock:
            self._requests.append(body)
            self._request_headers.append(dict(request.headers))
            if self.require_key is not None and request.headers.get("Authorization") != f"Bearer {self.require_key}":
                reply = Reply(status=401)
            elif self.answer_probes and is_probe(body):
                reply = Reply(content="OK")
            else:
                reply = self._queue.popleft() if self._queue else None
            handler = self._handler
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            if reply is None:
                try:
                    result = (handler or default_handler)(body)
                    if inspect.isawaitable(result):
                        result = await result
                    if not isinstance(result, Reply):
                        raise TypeError(f"the handler returned {type(result).__name__}, not a Reply")
                    reply = result
                except Exception as exc:
                    with self._lock:
                        self.handler_errors.append(exc)
                    return _error_response(500, f"FakeLLM handler raised {type(exc).__name__}: {exc}")
            if reply.delay > 0:
                await asyncio.sleep(reply.delay)
            return self._render(request, body, reply)
        finally:
            with self._lock:
                self.in_flight -= 1
            if task is not None:
                self._tasks.discard(task)

    def _render(self, request: web.Request, body: dict, reply: Reply) -> web.StreamResponse:
        if reply.disconnect:
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # aiohttp drops a cancelled handler's connection silently
        if reply.raw_body is not None:
            return web.Response(text=reply.raw_body, status=reply.status,
                                headers={"Content-Type": "application/json", **reply.headers})
        if reply.status >= 400:
            return _error_response(reply.status, reply.content, reply.headers)
        if body.get("stream"):
            return _error_response(400, "FakeLLM does not support stream=true.", reply.headers)
        message: dict[str, Any] = {"role": "assistant", "content": reply.content}
        if reply.reasoning_content is not None:
            message["reasoning_content"] = reply.reasoning_content
        prompt_tokens = reply.prompt_tokens if reply.prompt_tokens is not None else _prompt_tokens(body)
        completion_tokens = (reply.completion_tokens if reply.completion_tokens is not None
                             else _rough_tokens(reply.content or "") + _rough_tokens(reply.reasoning_content or ""))
        payload = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or self.model,
            "system_fingerprint": "fp_fakellm",
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": reply.finish_reason}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }
        return _json_response(payload, reply.status, reply.headers)


def main() -> None:
    """`python tests/llm_server.py [--delay S]`: serve the echo model until killed; the first line out is the URL.

    For benchmarks, where the server must not share the client's process (a real server never does).
    """
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before every answer")
    delay = parser.parse_args().delay
    server = FakeLLM(lambda request: Reply(content=default_handler(request).content, delay=delay)).start()
    print(server.base_url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()

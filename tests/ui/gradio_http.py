"""The studio driven over Gradio's own HTTP protocol (queue/join, then the SSE stream of queue/data),
keeping every raw body it receives, so a test can read exactly what a browser would be sent."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx


class StudioSession:
    """One browser session of the studio (one ``session_hash``: its ``gr.State`` values persist)."""

    def __init__(self, base_url: str, *, login: tuple[str, str] | None = None) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=180)
        self.bodies: list[tuple[str, bytes]] = []  # (what was asked, raw answer)
        if login is not None:
            answer = self.client.post("/login", data={"username": login[0], "password": login[1]})
            assert answer.status_code == 200, answer.text
        self.config = self.get("/config").json()
        self._components = {c["id"]: c for c in self.config["components"]}
        self._ids = {c.get("props", {}).get("elem_id"): c["id"] for c in self.config["components"]}
        self.session_hash = uuid.uuid4().hex[:11]

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        answer = self.client.get(path, **kwargs)
        self.bodies.append((f"GET {path}", answer.content))
        return answer

    def trigger(self, elem_id: str, event: str, values: dict[str, Any] | None = None) -> list[Any]:
        """Fire ``event`` on the component ``elem_id`` with its inputs at their defaults but for
        ``values`` (by elem_id); returns the outputs of the last message (streams run to their end)."""
        target = self._ids[elem_id]
        dependency = next(
            d for d in self.config["dependencies"] if [target, event] in d["targets"] and d["backend_fn"]
        )
        values = values or {}
        data = []
        for input_id in dependency["inputs"]:
            props = self._components[input_id].get("props", {})
            data.append(values.get(props.get("elem_id"), props.get("value")))
        body = {
            "data": data,
            "event_data": None,
            "fn_index": dependency["id"],
            "trigger_id": target,
            "session_hash": self.session_hash,
        }
        joined = self.client.post("/gradio_api/queue/join", json=body)
        self.bodies.append((f"join {elem_id}", joined.content))
        assert joined.status_code == 200, joined.text
        raw = b""
        with self.client.stream(
            "GET", "/gradio_api/queue/data", params={"session_hash": self.session_hash}
        ) as s:
            for chunk in s.iter_bytes():
                raw += chunk
                if b'"close_stream"' in raw:
                    break
        self.bodies.append((f"stream {elem_id}", raw))
        messages = [json.loads(line[5:]) for line in raw.decode().splitlines() if line.startswith("data:")]
        completed = [m for m in messages if m.get("msg") == "process_completed"]
        assert completed and completed[-1]["success"], messages[-3:]
        return completed[-1]["output"]["data"]

    def close(self) -> None:
        self.client.close()

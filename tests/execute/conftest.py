"""Fixtures shared by the executor tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def actor_round_trips(monkeypatch) -> list[str]:
    """The model of every LLM round trip sent through the Ray actors (`RayCallPool`), in order."""
    from dsbuild.execute import ray_llm

    calls: list[str] = []
    original = ray_llm.RayCallPool.round_trip

    async def counted(self, kwargs):
        calls.append(kwargs["model"])
        return await original(self, kwargs)

    monkeypatch.setattr(ray_llm.RayCallPool, "round_trip", counted)
    return calls

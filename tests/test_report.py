"""The progress label of an LLM stage."""

from dsbuild.build import _llm_line
from dsbuild.llm.client import RunStats


def test_llm_progress_line_shows_done_cached_failed_and_cost():
    stats = RunStats(calls=10, done=7, cached=3, failed=1, cost_usd=0.01234)
    assert _llm_line("complete_cot", stats) == "complete_cot: 7/10 (3 cached, 1 failed, $0.0123)"

"""Back-translation end to end: litellm against the test LLM server, the response cache, failures per copy."""

import json
import os

import numpy as np
import pyarrow as pa
import pytest
from llm_server import Reply, is_probe, last_user_text

from dsbuild.augment.base import AugmentContext, Copies, MediaFolder
from dsbuild.augment.text import TextAugment
from dsbuild.augment.text_noise import CharNoise
from dsbuild.augment.text_translate import BackTranslate
from dsbuild.errors import UserError
from dsbuild.llm.session import LLMSession
from dsbuild.llm.settings import LLMSettings

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

QUESTIONS = ["孩子发烧三天了怎么办？", "头痛得厉害，要去医院吗？", "吃降压药以后头晕正常吗？"]
ENGLISH = "Can I take ibuprofen for a headache?"


class Translator:
    """A scripted model: QUESTIONS[n] -> "english text number <n>", and back to the question with a mark."""

    def __init__(self, faults=None):
        self.english: dict[str, str] = {}
        self.faults = faults or {}  # user text -> Reply to send instead

    def __call__(self, request: dict) -> Reply:
        text = last_user_text(request)
        if text in self.faults:
            return self.faults[text]
        system = request["messages"][0]["content"]
        if "into English" in system:
            self.english.setdefault(text, f"english text number {QUESTIONS.index(text)}")
            answer = self.english[text]
        else:
            original = next(zh for zh, en in self.english.items() if en == text)
            answer = original.replace("？", "（回译）？")
        return Reply(content=json.dumps({"translation": answer}, ensure_ascii=False))


def settings(server, tmp_path, **overrides):
    return LLMSettings(model="openai/test-model", api_base=server.base_url, max_retries=0, max_repairs=0,
                       timeout=10, cache_path=str(tmp_path / "llm.sqlite"), **{"max_failed_share": 1.0, **overrides})


def run(server, tmp_path, texts, transforms=None, **llm):
    batch = Copies(pa.table({"id": [f"r{i}" for i in range(len(texts))], "question": texts}),
                   np.arange(len(texts), dtype=np.uint32))
    augment = TextAugment(["question"], transforms or {"back_translation": BackTranslate(via="en", source="zh")})
    session = LLMSession(settings(server, tmp_path, **llm))
    try:
        return augment.augment(batch, AugmentContext(MediaFolder(tmp_path), llm=session))
    finally:
        session.close()


def test_two_calls_per_text_and_a_rebuild_replays_from_the_cache(llm_server, tmp_path):
    llm_server.set_handler(Translator())
    texts = [*QUESTIONS, *QUESTIONS, ENGLISH]  # two copies of each Chinese row, one English row
    first = run(llm_server, tmp_path, texts)
    assert llm_server.calls == 2 * len(QUESTIONS)  # equal texts share their calls; English is not zh: skipped
    assert first.columns["question"][:3] == [q.replace("？", "（回译）？") for q in QUESTIONS]
    assert first.columns["question"][3:6] == first.columns["question"][:3]
    assert first.changed == [True] * 6 + [False] and first.failed == [None] * 7
    assert first.applied[0] == [{"transform": "back_translation", "field": "question", "source": "zh", "via": "en",
                                 "intermediate": "english text number 0"}]
    systems = [r["messages"][0]["content"] for r in llm_server.call_requests if not is_probe(r)]
    assert sum("from Simplified Chinese into English" in s for s in systems) == 3
    assert sum("from English into Simplified Chinese" in s for s in systems) == 3

    again = run(llm_server, tmp_path, texts)
    assert llm_server.calls == 2 * len(QUESTIONS)  # no new call
    assert again.columns == first.columns and again.applied == first.applied


def test_a_failed_or_malformed_answer_fails_only_its_copies(llm_server, tmp_path):
    translator = Translator(faults={QUESTIONS[1]: Reply(status=500), "english text number 0": Reply(content="oops")})
    llm_server.set_handler(translator)
    out = run(llm_server, tmp_path, [*QUESTIONS, QUESTIONS[1]])
    assert out.failed[0].startswith("augment.text.transforms.back_translation (question): en->zh failed: ")
    assert "no JSON object" in out.failed[0]
    assert "zh->en failed" in out.failed[1] and "500" in out.failed[1] and out.failed[3] == out.failed[1]
    assert out.failed[2] is None and out.changed[2] and out.columns["question"][2].endswith("（回译）？")


def test_an_answer_in_the_wrong_language_is_a_failure(llm_server, tmp_path):
    llm_server.set_handler(lambda request: Reply(content=json.dumps({"translation": last_user_text(request)},
                                                                    ensure_ascii=False)))
    out = run(llm_server, tmp_path, QUESTIONS[:1])
    assert "translation is not in English" in out.failed[0]


def test_source_auto_and_a_later_transform_runs_on_the_back_translation(llm_server, tmp_path):
    llm_server.set_handler(Translator())
    transforms = {"back_translation": BackTranslate(source="auto"), "noise": CharNoise(rate=0.2, kinds=["width"])}
    out = run(llm_server, tmp_path, [QUESTIONS[0], ENGLISH], transforms)
    assert [e["transform"] for e in out.applied[0]] == ["back_translation", "noise"]
    assert [e["transform"] for e in out.applied[1]] == ["noise"]  # English is the `via` language: skipped
    assert llm_server.calls == 2


def test_without_a_backend_the_build_says_how_to_get_one(tmp_path):
    batch = Copies(pa.table({"question": QUESTIONS}), np.arange(3, dtype=np.uint32))
    augment = TextAugment(["question"], {"back_translation": BackTranslate()})
    assert augment.uses_llm and not TextAugment(["question"], {"noise": CharNoise()}).uses_llm
    with pytest.raises(UserError, match=r"back-translation needs an LLM backend, e\.g\. llm=deepseek"):
        augment.augment(batch, AugmentContext(MediaFolder(tmp_path)))
    with pytest.raises(UserError, match=r"BackTranslate\.via 'zh' is the source language"):
        BackTranslate(via="zh", source="zh")


def test_a_prompt_template_of_ones_own(llm_server, tmp_path):
    template = tmp_path / "translate.j2"
    template.write_text("{% block system %}Medical translator into {{ target }} ({{ target_code }}).{% endblock %}"
                        "{% block user %}{{ text }}{% endblock %}", encoding="utf-8")
    llm_server.set_handler(lambda request: Reply(content=json.dumps(
        {"translation": "english" if "(en)" in request["messages"][0]["content"] else "中文回译"}, ensure_ascii=False)))
    transform = BackTranslate(prompt=str(template))
    out = run(llm_server, tmp_path, QUESTIONS[:1], {"bt": transform})
    assert out.columns["question"] == ["中文回译"] and llm_server.calls == 2
    assert llm_server.call_requests[0]["messages"][0]["content"] == "Medical translator into English (en)."
    assert transform.fingerprint() == [{"path": str(template), "sha256": transform.prompt.sha256}]


def test_a_build_with_back_translation_records_usage_and_counts_the_model_in_the_version(
        llm_server, tmp_path, compose_cfg):
    from helpers import write_jsonl

    from dsbuild.build import build

    llm_server.set_handler(Translator())
    rows = [{"question": q, "response": f"回答{i}"} for i, q in enumerate(QUESTIONS)]
    data = write_jsonl(tmp_path / "qa.jsonl", rows)

    def overrides(model):
        return [f"source.path={data}", "source=files", "format=jsonl", "cleaning=none", "name=bt",
                f"output_dir={tmp_path / 'out'}", "augment=text", "augment/text=back_translation",
                "augment.max_fraction=1.0", "split.ratios=[1,0,0]", "llm=openai_compatible",
                f"llm.api_base={llm_server.base_url}", f"llm.model={model}", f"llm.cache_path={tmp_path / 'c.sqlite'}",
                "llm.max_retries=0"]

    built = build(compose_cfg(overrides("openai/test-model")), show_progress=False)
    manifest = json.loads((built.path / "manifest.json").read_text())
    usage = manifest["llm"]["augment.text.back_translation"]
    assert usage["model"] == "openai/test-model" and usage["sent"] == 2 * len(QUESTIONS) == llm_server.calls
    assert manifest["augment"]["splits"]["train"]["copies"] == len(QUESTIONS)
    other = build(compose_cfg(overrides("openai/other-model")), show_progress=False)
    assert other.version_id != built.version_id  # the model decides the copies' text

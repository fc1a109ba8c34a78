from dsbuild.secrets import redact, redact_overrides
from dsbuild.version.fingerprint import content_config, recipe_id, version_id


def test_secrets_never_reach_the_hash_or_the_manifest():
    cfg = {"llm": {"api_key": "sk-123", "model": "m", "nested": [{"hf_token": "t"}]}}
    assert redact(cfg) == {"llm": {"api_key": "***", "model": "m", "nested": [{"hf_token": "***"}]}}
    assert "sk-123" not in str(content_config(cfg))


def test_locations_do_not_change_the_version_but_content_does():
    inputs = [{"kind": "file", "path": "/a/x.jsonl", "name": "x.jsonl", "sha256": "1", "bytes": 3}]
    moved = [dict(inputs[0], path="/elsewhere/x.jsonl")]
    edited = [dict(inputs[0], sha256="2")]
    cfg = {"name": "n", "source": {"path": "/a/x.jsonl"}, "output_dir": "/out"}
    base = recipe_id(cfg, inputs, {})
    assert recipe_id(dict(cfg, output_dir="/other", source={"path": "/b"}), moved, {}) == base
    assert recipe_id(cfg, edited, {}) != base
    assert recipe_id(dict(cfg, seed=1), inputs, {}) != base
    assert recipe_id(cfg, inputs, {"cot.j2": "abc"}) != base


def test_llm_speed_settings_do_not_change_the_version_but_the_model_does():
    cfg = {"llm": {"model": "m", "concurrency": 16, "workers": "auto", "rpm": None, "cache": "use"}}
    base = recipe_id(cfg, [], {})
    faster = {"llm": {"model": "m", "concurrency": 128, "workers": 4, "rpm": 600, "cache": "refresh"}}
    assert recipe_id(faster, [], {}) == base
    assert recipe_id({"llm": dict(cfg["llm"], model="other")}, [], {}) != base


def test_secret_overrides_are_masked():
    assert redact_overrides(["llm.api_key=sk-1", "+llm.hf_token=t", "name=x", "source.password=p"]) == [
        "llm.api_key=***", "+llm.hf_token=***", "name=x", "source.password=***"]


def test_a_version_that_asked_an_llm_is_named_by_its_recipe_and_its_answers():
    recipe = recipe_id({"name": "n"}, [], {})
    assert version_id(recipe, None) == recipe  # no LLM call: the recipe's id
    answered = version_id(recipe, "a" * 64)
    assert answered != recipe and len(answered) == len(recipe)
    assert version_id(recipe, "b" * 64) != answered and version_id(recipe, "a" * 64) == answered


def test_max_tokens_and_other_llm_settings_that_change_answers_change_the_recipe():
    base = {"llm": {"model": "m", "max_tokens": 2048, "api_key_env": "A", "preflight": True}}
    assert recipe_id({"llm": dict(base["llm"], max_tokens=4096)}, [], {}) != recipe_id(base, [], {})
    assert recipe_id({"llm": dict(base["llm"], api_key_env="B", preflight=False)}, [], {}) == recipe_id(base, [], {})

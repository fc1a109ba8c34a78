"""What counts as a secret and how it is masked."""

import pytest

from dsbuild.secrets import is_secret_key, mask_credentials, redact, redact_overrides, secret_keys, secret_override


@pytest.mark.parametrize("key", ["api_key", "hf_token", "password", "db_passwd", "access_token", "client_secret",
                                 "aws_access_key_id", "credentials"])
def test_keys_that_hold_credentials_are_secret(key):
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["max_tokens", "max_tokens_cap", "api_key_env", "api_key_required", "url_env",
                                 "tokenizer", "unit", "per_passage", "exclude_keys"])
def test_settings_that_only_sound_like_secrets_are_not(key):
    assert not is_secret_key(key)


def test_credentials_in_urls_are_masked_wherever_they_appear():
    text = "cannot reach http://user:TOKEN@host:8000/v1 nor postgresql+psycopg://me:pw@db/x; see https://a.org/x@y"
    assert mask_credentials(text) == ("cannot reach http://***@host:8000/v1 nor postgresql+psycopg://***@db/x; "
                                      "see https://a.org/x@y")
    assert redact({"llm": {"api_base": "http://u:p@h/v1", "max_tokens": 4096}}) == {
        "llm": {"api_base": "http://***@h/v1", "max_tokens": 4096}}
    assert redact_overrides(["llm.api_base=http://u:p@h/v1", "llm.max_tokens=4096", "+llm.api_key=sk"]) == [
        "llm.api_base=http://***@h/v1", "llm.max_tokens=4096", "+llm.api_key=***"]


def test_overrides_that_set_a_secret_are_recognised():
    assert secret_override("+llm.api_key=sk-1") and secret_override("source.password=x")
    assert not secret_override("llm.api_key_env=MY_KEY") and not secret_override("llm.max_tokens=10")


def test_secret_keys_finds_values_under_secret_names_only():
    config = {"llm": {"api_key": "sk", "api_key_env": "K", "max_tokens": 9}, "source": {"password": None},
              "tasks": [{"hf_token": "t"}]}
    assert secret_keys(config) == ["llm.api_key", "tasks.0.hf_token"]

"""FetchSettings: defaults, reading a source config, and one-line errors naming source.<key>."""

from __future__ import annotations

import pytest

import dsbuild
from dsbuild.errors import UserError
from dsbuild.web.settings import FetchSettings


def test_defaults_and_user_agent():
    settings = FetchSettings()
    assert (settings.timeout, settings.retries, settings.max_bytes, settings.concurrency) == (20.0, 3, 5_000_000, 8)
    assert settings.respect_robots and not settings.refetch
    assert settings.user_agent == (f"dsbuild/{dsbuild.__version__} (dataset builder; "
                                   "+https://pypi.org/project/dsbuild/)")


def test_from_config_takes_its_keys_and_ignores_the_source_ones():
    settings = FetchSettings.from_config({"urls": ["https://a.example/"], "timeout": 5, "refetch": True,
                                          "user_agent": None, "name": "web"})
    assert (settings.timeout, settings.refetch) == (5, True)
    assert settings.user_agent.startswith("dsbuild/")


@pytest.mark.parametrize("key, value, says", [
    ("timeout", 0, "source.timeout: expected a number of seconds > 0, got 0"),
    ("timeout", "fast", "source.timeout: expected a number of seconds > 0, got 'fast'"),
    ("retries", -1, "source.retries: expected a whole number >= 0, got -1"),
    ("max_bytes", 1.5, "source.max_bytes: expected a whole number >= 1, got 1.5"),
    ("concurrency", True, "source.concurrency: expected a whole number >= 1, got True"),
    ("respect_robots", "no", "source.respect_robots: expected true or false, got 'no'"),
    ("refetch", 1, "source.refetch: expected true or false, got 1"),
    ("backoff", -0.5, "source.backoff: expected a number of seconds >= 0, got -0.5"),
    ("user_agent", "two\nlines", "source.user_agent: expected one non-empty line of text"),
])
def test_bad_values_name_the_key(key, value, says):
    with pytest.raises(UserError) as error:
        FetchSettings.from_config({key: value})
    assert str(error.value).startswith(says)
    assert "\n" not in str(error.value)

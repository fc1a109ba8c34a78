"""Overrides are recorded in plain text: the backslashes Hydra adds for a multirun job go when they change nothing."""

from dsbuild.overrides import unescape_overrides


def test_escapes_that_change_nothing_are_dropped():
    assert unescape_overrides([r"tracking.tracking_uri=http\://127.0.0.1\:15000", r"source.path=C\\data\\qa\ 1.jsonl",
                               "split.seed=1"]) == [
        "tracking.tracking_uri=http://127.0.0.1:15000", r"source.path=C\data\qa 1.jsonl", "split.seed=1"]


def test_escapes_that_carry_meaning_stay():
    assert unescape_overrides([r"name=a\,b\:c"]) == [r"name=a\,b:c"]  # `a,b` would be a sweep
    assert unescape_overrides([r"name=\ a", r"x=a\=b"]) == [r"name=\ a", r"x=a\=b"]  # a trimmed space; no parse


def test_a_plain_override_composes_to_the_same_config(compose_cfg):
    escaped = [r"tracking=mlflow", r"tracking.tracking_uri=http\://127.0.0.1\:15000", r"source.path=a\ b\\c.jsonl"]
    plain = unescape_overrides(escaped)
    assert plain != escaped and compose_cfg(plain) == compose_cfg(escaped)
    assert compose_cfg(plain).tracking.tracking_uri == "http://127.0.0.1:15000"

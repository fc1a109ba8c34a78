"""A NaN anywhere in the config is refused with the key's name (range checks alone let it through)."""

from __future__ import annotations

import pytest

from dsbuild.config_values import refuse_nan
from dsbuild.errors import UserError
from dsbuild.split import check_ratios


@pytest.mark.parametrize("config,key", [({"split": {"ratios": [0.5, float("nan"), 0.5]}}, "split.ratios[1]"),
                                        ({"cleaning": {"rules": {"x": {"min_chars": float("nan")}}}},
                                         "cleaning.rules.x.min_chars")])
def test_a_nan_is_refused_naming_its_key(config, key):
    with pytest.raises(UserError) as raised:
        refuse_nan(config)
    assert str(raised.value).startswith(f"{key}=nan: not a number")


def test_finite_values_and_infinity_pass():
    refuse_nan({"a": [0.1, 2, "nan", None, float("inf")], "b": {"c": True}})


def test_ratios_that_are_not_numbers_are_refused():
    with pytest.raises(UserError, match="not a number"):
        check_ratios([0.5, float("nan"), 0.5])


def test_from_the_command_line_nothing_is_built(run_cli, tmp_path):
    done = run_cli("split.ratios=[0.5,nan,0.5]")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "dsbuild: error: split.ratios[1]=nan: not a number; give a value (see `dsbuild --cfg job` for the key's "
        "default)"]
    assert not (tmp_path / "datasets").exists()

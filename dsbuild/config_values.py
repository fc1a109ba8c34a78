"""Checks on the resolved config's values that hold for every key: a NaN is never a setting.

`nan` parses as a float in Hydra's grammar and slips through every comparison (`nan < 0` and
`nan > 1` are both false), so a range check alone accepts it: `split.ratios=[0.5,nan,0.5]` once
built 80/76/0 rows. One walk over the config refuses it wherever it is, naming the key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .errors import UserError


def refuse_nan(config, path: str = "") -> None:
    """A UserError naming the first key (dotted, list items as [i]) whose value is NaN."""
    if isinstance(config, Mapping):
        for key, value in config.items():
            refuse_nan(value, f"{path}.{key}" if path else str(key))
    elif isinstance(config, (list, tuple)):
        for i, value in enumerate(config):
            refuse_nan(value, f"{path}[{i}]")
    elif isinstance(config, float) and math.isnan(config):
        raise UserError(f"{path}=nan: not a number; give a value (see `dsbuild --cfg job` for the key's default)")

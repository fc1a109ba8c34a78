"""Working with built versions: list them, show one, verify its files, diff two, and rebuild one.

`dsbuild versions | show | verify | diff | rebuild` (see `cli`); everything reads the version folders
and their manifest.json, nothing here builds except `rebuild`.
"""

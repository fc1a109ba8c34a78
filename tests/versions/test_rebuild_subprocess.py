"""`dsbuild rebuild` end to end in subprocesses: build the example with `dsbuild`, rebuild it byte for byte."""

import json

import pytest


@pytest.mark.slow
def test_a_cli_build_rebuilds_byte_identical(run_cli, dsbuild_subprocess, tmp_path):
    built = run_cli()
    assert built.returncode == 0, built.stderr
    folder = next((tmp_path / "datasets" / "doctor_qa").iterdir())
    result = dsbuild_subprocess("rebuild", folder)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    files = 1 + sum(bool(i.get("file")) + bool(i.get("lineage")) + bool(i.get("llamafactory"))
                    for i in manifest["splits"].values()) \
        + 1 + len(manifest["figures"]) + len(manifest["files"])
    assert result.stdout.splitlines()[-1] == f"byte-identical: {files} files"

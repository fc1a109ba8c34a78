import json
import tempfile
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hydra.utils import instantiate
from hypothesis import given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from dsbuild.errors import UserError
from dsbuild.export.formats import (
    Alpaca,
    CotSft,
    Exporter,
    Jsonl,
    OpenAI,
    Parquet,
    ShareGPT,
    validate_table,
)

CONF_FORMATS = Path(__file__).resolve().parents[2] / "conf" / "format"

ROWS = [
    {"id": "r1", "source": "s", "source_ref": "a.jsonl:1", "system": "你是一名医生。", "instruction": None,
     "question": "孩子发烧三十九度怎么办？", "input": None, "cot": "先看精神状态。\n再看持续时间。",
     "response": "多喝水，必要时用退烧药。"},
    {"id": "r2", "source": "s", "source_ref": "a.jsonl:2", "system": "  ", "instruction": "解释这个词",
     "question": "ignored", "input": "\"熵\"", "cot": "It's about disorder.", "response": "熵表示无序程度。"},
]


def _load(path: Path, cache: Path) -> list[dict]:
    kind = "parquet" if path.suffix == ".parquet" else "json"
    return datasets.load_dataset(kind, data_files=str(path), split="train", cache_dir=str(cache)).to_list()


def _without_nulls(record: dict) -> dict:
    """A loaded record without the null keys `datasets` fills in for keys other records have."""
    return {k: v for k, v in record.items() if v is not None}


# --- validation ---------------------------------------------------------------------------------

GOOD = {"id": "x", "question": "q?", "cot": "think", "response": "answer"}


@pytest.mark.parametrize(
    ("exporter", "row", "reason"),
    [
        (CotSft(), GOOD, None),
        (CotSft(), {**GOOD, "cot": ""}, "Complex-CoT is empty (field cot)"),
        (CotSft(), {**GOOD, "cot": " \n\t"}, "Complex-CoT is empty (field cot)"),
        (CotSft(), {"id": "x", "question": "q", "cot": "c"}, "Response is missing (field response)"),
        (CotSft(), {**GOOD, "response": None}, "Response is missing (field response)"),
        (CotSft(), {**GOOD, "question": 7}, "Question is not a string (field question: int)"),
        (CotSft(), {**GOOD, "instruction": "not used"}, None),
        (Alpaca(), {"response": "a", "instruction": "do it"}, None),
        (Alpaca(), {"response": "a", "instruction": " ", "question": "q"}, None),
        (Alpaca(), {"response": "a"}, "instruction is missing (field instruction or question)"),
        (Alpaca(), {"response": "a", "instruction": "", "question": " "},
         "instruction is empty (field instruction or question)"),
        (Alpaca(), {"response": "a", "instruction": 3, "question": "q"},
         "instruction is not a string (field instruction: int)"),
        (Alpaca(), {"response": "a", "instruction": "do it", "question": 3}, None),
        (Alpaca(), {"response": "a", "instruction": None, "question": 3},
         "instruction is not a string (field question: int)"),
        (Alpaca(), {"question": "q", "response": ""}, "output is empty (field response)"),
        (Alpaca(), {"question": "q", "response": "a", "input": ["x"]},
         "input is not a string (field input: list)"),
        (Alpaca(), {"question": "q", "response": "a", "system": 1.5},
         "system is not a string (field system: float)"),
        (Alpaca(), {"question": "q", "response": "a"}, None),
        (Alpaca(), {"question": "q", "response": "a", "cot": 3}, "reasoning is not a string (field cot: int)"),
        (Alpaca(), GOOD, None),
        (ShareGPT(), {"response": "a"}, "human value is missing (field instruction or question)"),
        (ShareGPT(), {"question": "q", "response": None}, "gpt value is missing (field response)"),
        (ShareGPT(), {**GOOD, "cot": ""}, None),
        (ShareGPT(), {"question": "q", "response": "a"}, None),
        (OpenAI(), {"question": "q", "response": "a"}, None),
        (OpenAI(), {"question": "q", "response": 5},
         "assistant content is not a string (field response: int)"),
        (OpenAI(), {"question": "q", "response": "a", "system": 0},
         "system content is not a string (field system: int)"),
        (Jsonl(), {"id": "x"}, None),
        (Jsonl(), {"question": "q"}, "id is missing (field id)"),
        (Parquet(), {"id": None, "question": "q"}, "id is missing (field id)"),
        (Parquet(), {"id": "x", "anything": 1}, None),
    ],
)
def test_validate_gives_exact_one_line_reason(exporter, row, reason):
    assert exporter.validate(row) == reason


def test_validate_table_rejects_rows_with_reason_and_keeps_order():
    table = pa.Table.from_pylist([
        {"id": "a", "question": "q1", "cot": "c", "response": "r"},
        {"id": "b", "question": "q2", "cot": None, "response": "r"},
        {"id": "c", "question": "q3", "cot": "c", "response": "r"},
        {"id": "d", "question": "q4", "cot": "c", "response": "  "},
    ])
    kept, rejected = validate_table(CotSft(), table)
    assert kept.column("id").to_pylist() == ["a", "c"]
    assert rejected.column("id").to_pylist() == ["b", "d"]
    assert set(rejected.column("_stage").to_pylist()) == {"validate"}
    assert set(rejected.column("_rule").to_pylist()) == {"format:cot_sft"}
    assert rejected.column("_reason").to_pylist() == [
        "Complex-CoT is missing (field cot)", "Response is empty (field response)",
    ]
    assert kept.num_rows + rejected.num_rows == table.num_rows
    assert rejected.drop_columns(["_stage", "_rule", "_reason"]).to_pylist() == table.take([1, 3]).to_pylist()


def test_validate_table_when_a_needed_column_is_absent():
    table = pa.table({"id": ["a", "b"], "question": ["q", "q"]})
    kept, rejected = validate_table(CotSft(), table)
    assert kept.num_rows == 0
    assert rejected.column("_reason").to_pylist() == ["Complex-CoT is missing (field cot)"] * 2
    kept, rejected = validate_table(Jsonl(), table.drop_columns(["id"]))
    assert rejected.column("_reason").to_pylist() == ["id is missing (field id)"] * 2


# --- records ------------------------------------------------------------------------------------


def test_cot_sft_record():
    assert CotSft().to_record(ROWS[0]) == {
        "Question": "孩子发烧三十九度怎么办？", "Complex-CoT": "先看精神状态。\n再看持续时间。",
        "Response": "多喝水，必要时用退烧药。",
    }


def test_alpaca_records():
    assert Alpaca(reasoning="drop").to_record(ROWS[0]) == {
        "instruction": "孩子发烧三十九度怎么办？", "input": "", "output": "多喝水，必要时用退烧药。",
        "system": "你是一名医生。",
    }
    assert Alpaca().to_record(ROWS[1]) == {
        "instruction": "解释这个词", "input": "\"熵\"",
        "output": "<think>\nIt's about disorder.\n</think>\n\n熵表示无序程度。",
    }
    assert Alpaca(reasoning="drop").to_record(ROWS[1])["output"] == "熵表示无序程度。"


def test_a_row_without_a_cot_gets_no_empty_think_block_and_another_wrapper_can_be_set():
    assert Alpaca().to_record({"question": "q", "cot": " ", "response": "a"})["output"] == "a"
    headings = Alpaca(reasoning_template="## Thinking\n\n{cot}\n\n## Final Response\n\n{response}")
    assert headings.to_record({"question": "q", "cot": "c {response}", "response": "a {cot}"})["output"] == (
        "## Thinking\n\nc {response}\n\n## Final Response\n\na {cot}")  # braces in the text stay as they are
    assert headings.split_answer("## Thinking\n\nc\n\n## Final Response\n\na") == ("c", "a")
    assert Alpaca().split_answer("no reasoning here") == (None, "no reasoning here")
    typed = Alpaca(reasoning_template="## Thinking\\n\\n{cot}\\n\\n## Final Response\\n\\n{response}")  # as typed
    assert typed.reasoning_template == headings.reasoning_template


@pytest.mark.parametrize("settings,message", [
    ({"reasoning": "inline"}, r"format.reasoning='inline': use one of think_tags, drop"),
    ({"reasoning_template": "{cot} only"}, r"must hold \{cot\} and \{response\}"),
    ({"reasoning": "drop", "reasoning_template": "{cot}{response}"}, r"reasoning=drop trains no reasoning"),
])
def test_bad_reasoning_settings_are_one_line_errors(settings, message):
    with pytest.raises(UserError, match=message):
        Alpaca(**settings)


def test_sharegpt_records():
    assert ShareGPT(reasoning="drop").to_record(ROWS[1]) == {"conversations": [
        {"from": "human", "value": "解释这个词\n\"熵\""}, {"from": "gpt", "value": "熵表示无序程度。"},
    ]}
    record = ShareGPT(system_prompt="默认").to_record(ROWS[0])
    assert record == {
        "conversations": [
            {"from": "human", "value": "孩子发烧三十九度怎么办？"},
            {"from": "gpt",
             "value": "<think>\n先看精神状态。\n再看持续时间。\n</think>\n\n多喝水，必要时用退烧药。"},
        ],
        "system": "你是一名医生。",
    }
    assert ShareGPT(system_prompt="默认").to_record(ROWS[1])["system"] == "默认"


def test_openai_records():
    assert OpenAI(reasoning="drop").to_record(ROWS[0]) == {"messages": [
        {"role": "system", "content": "你是一名医生。"},
        {"role": "user", "content": "孩子发烧三十九度怎么办？"},
        {"role": "assistant", "content": "多喝水，必要时用退烧药。"},
    ]}
    assert OpenAI().to_record(ROWS[0])["messages"][2]["content"].startswith("<think>\n先看精神状态。")
    assert OpenAI().to_record(ROWS[1])["messages"][0] == {"role": "user", "content": "解释这个词\n\"熵\""}
    with_default = OpenAI(system_prompt="默认").to_record(ROWS[1])
    assert with_default["messages"][0] == {"role": "system", "content": "默认"}


# --- writing and loading back -------------------------------------------------------------------

EXPORTERS = [
    CotSft(), Alpaca(), Alpaca(reasoning="drop"),
    ShareGPT(), ShareGPT(reasoning="drop", system_prompt="默认"),
    OpenAI(), OpenAI(reasoning="drop"), Jsonl(), Parquet(),
]


@pytest.mark.parametrize("exporter", EXPORTERS, ids=repr)
def test_written_file_loads_with_datasets_and_is_reproducible(exporter, tmp_path):
    table = pa.Table.from_pylist(ROWS)
    kept, rejected = validate_table(exporter, table)
    assert rejected.num_rows == 0
    path = tmp_path / f"train{exporter.extension}"
    exporter.write(kept, path)
    first = path.read_bytes()

    loaded = _load(path, tmp_path / "hf")
    if isinstance(exporter, (Jsonl, Parquet)):
        assert loaded == ROWS
    else:
        assert [_without_nulls(r) for r in loaded] == [exporter.to_record(r) for r in ROWS]

    type(exporter)(**{k: v for k, v in vars(exporter).items() if not k.startswith("_")}).write(kept, path)
    assert path.read_bytes() == first
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == [path.name]


def test_cot_sft_file_is_a_json_list_of_exactly_three_keys(tmp_path):
    CotSft().write(pa.Table.from_pylist(ROWS), tmp_path / "train.json")
    text = (tmp_path / "train.json").read_text(encoding="utf-8")
    records = json.loads(text)
    assert isinstance(records, list) and len(records) == 2
    assert all(list(r) == ["Question", "Complex-CoT", "Response"] for r in records)
    assert text.startswith("[\n{") and text.endswith("}\n]\n") and "孩子" in text


def test_json_list_formats_write_json_lists_and_openai_writes_lines(tmp_path):
    table = pa.Table.from_pylist(ROWS)
    for exporter in (Alpaca(), ShareGPT()):
        exporter.write(table, tmp_path / "a.json")
        assert isinstance(json.loads((tmp_path / "a.json").read_text(encoding="utf-8")), list)
    OpenAI().write(table, tmp_path / "o.jsonl")
    lines = (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [OpenAI().to_record(r) for r in ROWS]


def test_parquet_keeps_types_and_is_zstd(tmp_path):
    table = pa.table({"id": ["a", "b"], "label": pa.array([1, None], pa.int8()), "text": ["一", "二"]})
    Parquet().write(table, tmp_path / "t.parquet")
    assert pq.read_table(tmp_path / "t.parquet").equals(table)
    assert pq.ParquetFile(tmp_path / "t.parquet").metadata.row_group(0).column(0).compression == "ZSTD"


def test_empty_split_writes_an_empty_file_of_the_format(tmp_path):
    empty = pa.table({"id": pa.array([], pa.string())})
    CotSft().write(empty, tmp_path / "e.json")
    Alpaca().write(empty, tmp_path / "a.json")
    Jsonl().write(empty, tmp_path / "e.jsonl")
    assert json.loads((tmp_path / "e.json").read_text()) == []
    assert json.loads((tmp_path / "a.json").read_text()) == []
    assert (tmp_path / "e.jsonl").read_bytes() == b""


STRING_ROWS = st.lists(
    st.fixed_dictionaries({
        "id": st.text(min_size=1, max_size=10),
        "question": st.one_of(st.none(), st.text(max_size=30)),
        "response": st.text(max_size=30),
    }),
    max_size=20,
)


@settings(max_examples=80, deadline=None)
@given(rows=STRING_ROWS)
def test_jsonl_write_then_read_back_equals_input(rows):
    schema = pa.schema([("id", pa.string()), ("question", pa.string()), ("response", pa.string())])
    table = pa.Table.from_pylist(rows, schema=schema)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.jsonl"
        Jsonl().write(table, path)
        with open(path, encoding="utf-8", newline="") as f:
            back = [json.loads(line) for line in f]
    assert back == table.to_pylist()
    assert [dict(sorted(r.items())) for r in back] == [dict(sorted(r.items())) for r in rows]


# --- configuration ------------------------------------------------------------------------------


def test_exporters_build_from_hydra_config():
    exporter = instantiate(OmegaConf.create(
        {"_target_": "dsbuild.export.formats.ShareGPT", "reasoning": "drop", "system_prompt": "你好"}
    ))
    assert isinstance(exporter, ShareGPT)
    assert (exporter.reasoning, exporter.system_prompt) == ("drop", "你好")
    with pytest.raises(Exception, match="system_prompt"):
        instantiate({"_target_": "dsbuild.export.formats.CotSft", "system_prompt": "x"})


@pytest.mark.parametrize("config", sorted(CONF_FORMATS.glob("*.yaml")), ids=lambda p: p.stem)
def test_bundled_format_configs_build_the_named_exporter(config):
    exporter = instantiate(OmegaConf.load(config))
    assert isinstance(exporter, Exporter)
    assert exporter.name == config.stem
    assert exporter.extension in {".json", ".jsonl", ".parquet"}

import hashlib
import json
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dsbuild.clean.decontaminate import Decontaminate
from dsbuild.errors import UserError

EVAL_EN = ("What is the first-line treatment for an adult with uncomplicated community acquired pneumonia "
           "and no other illness?")
EVAL_ZH = "成年人患有无并发症的社区获得性肺炎且没有其他基础疾病时首选的治疗方案是什么"
EVAL_OTHER = "How long should a child with chickenpox stay away from school?"


@pytest.fixture
def eval_file(tmp_path):
    path = tmp_path / "eval.jsonl"
    lines = [{"question": q, "answer": "…"} for q in (EVAL_OTHER, EVAL_EN, EVAL_ZH)]
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    return path


def table(questions):
    return pa.table({"id": [f"r{i}" for i in range(len(questions))], "question": questions,
                     "response": ["A reasonable answer."] * len(questions)})


def test_a_shared_13_word_ngram_names_the_eval_line_and_the_ngram(eval_file):
    rows = [
        "Quick question: the first-line treatment for an adult with uncomplicated community acquired pneumonia "
        "and no other illness, please.",
        "What is the best treatment for an adult with a cold?",
        "what is the first-line treatment for an adult with uncomplicated community acquired pneumonia",  # 12 words
    ]
    v = Decontaminate(eval_path=str(eval_file), fields=["question"]).run(table(rows))
    assert v.reasons[0] == (
        "overlaps eval item eval.jsonl:line 2 ('What is the first-line treatment for an…'): shared 13-word n-gram "
        "'the first-line treatment for an adult with uncomplicated community acquired pne…'"
    )
    assert v.reasons[1] is None
    assert v.reasons[2] is not None and "line 2" in v.reasons[2]  # its own 12 words + "what" make 13 with line 2


def test_chinese_overlap_is_found_by_characters_and_inside_english_rows(eval_file):
    rows = [
        "请问" + EVAL_ZH[3:25] + "？谢谢",
        "My doctor asked: " + EVAL_ZH[:16] + " and I did not know what to answer about it at all, honestly.",
        "成年人感冒了应该怎么办，需要吃抗生素吗，还是多喝水休息就可以了",
    ]
    v = Decontaminate(eval_path=str(eval_file), fields="question").run(table(rows))
    expected = r"overlaps eval item eval\.jsonl:line 3 \('成年人患有.*什么'\): shared 20-character n-gram '患有无.{17}'"
    assert re.fullmatch(expected, v.reasons[0])
    assert "eval.jsonl:line 3" in v.reasons[1] and "shared 13-word n-gram" in v.reasons[1]
    assert v.reasons[2] is None


def test_minhash_catches_an_edited_copy_of_an_item(eval_file):
    edited = EVAL_EN.replace("What is", "what's").replace("illness?", "illnesses?")
    rows = [edited, "A completely different question about sleep and diet in teenagers?"]
    v = Decontaminate(eval_path=str(eval_file), method="minhash", threshold=0.6, fields=["question"]).run(table(rows))
    assert re.fullmatch(
        r"near-duplicate of eval item eval\.jsonl:line 2 \('What is the first-line treatment for an…'\) "
        r"\(estimated Jaccard 0\.\d\d >= 0\.6 on question\)",
        v.reasons[0],
    )
    assert v.reasons[1] is None


def test_csv_and_parquet_eval_sets_with_other_column_names(tmp_path):
    csv_path = tmp_path / "bench.csv"
    csv_path.write_text(f"prompt,gold\n{EVAL_OTHER},a\n\"{EVAL_EN}\",b\n", encoding="utf-8")
    parquet_path = tmp_path / "bench.parquet"
    pq.write_table(pa.table({"prompt": [EVAL_ZH, EVAL_EN]}), parquet_path)
    rows = table([EVAL_EN, "unrelated"])
    by_csv = Decontaminate(eval_path=str(csv_path), eval_fields="prompt", fields=["question"]).run(rows)
    assert by_csv.reasons[0].startswith("overlaps eval item bench.csv:row 2 (") and by_csv.reasons[1] is None
    by_parquet = Decontaminate(eval_path=str(parquet_path), eval_fields=["prompt"], fields=["question"]).run(rows)
    assert by_parquet.reasons[0].startswith("overlaps eval item bench.parquet:row 2 (")


def test_a_dataset_folder_loads_through_datasets(tmp_path):
    folder = tmp_path / "mybench"
    folder.mkdir()
    (folder / "test.jsonl").write_text(json.dumps({"question": EVAL_EN}) + "\n", encoding="utf-8")
    rule = Decontaminate(eval_hf=str(folder), eval_split="test", fields=["question"])
    v = rule.run(table(["unrelated", EVAL_EN + " Thanks."]))
    assert v.reasons[0] is None
    assert v.reasons[1].startswith(f"overlaps eval item {folder}:test[0] (")
    assert rule.fingerprint()[0]["kind"] == "hf"


def test_fingerprint_is_the_eval_files_sha256(eval_file):
    entry = Decontaminate(eval_path=str(eval_file)).fingerprint()[0]
    assert entry["sha256"] == hashlib.sha256(eval_file.read_bytes()).hexdigest() and entry["name"] == "eval.jsonl"


@pytest.mark.parametrize(
    ("make", "options", "message"),
    [
        (lambda d: None, {"eval_path": "{d}/missing.jsonl"}, "eval_path {d}/missing.jsonl: no such file"),
        (lambda d: (d / "bad.parquet").write_bytes(b"not parquet"), {"eval_path": "{d}/bad.parquet"},
         "eval_path {d}/bad.parquet: not a readable Parquet file"),
        (lambda d: (d / "eval.xlsx").write_bytes(b"x"), {"eval_path": "{d}/eval.xlsx"}, "cannot read '.xlsx' files"),
        (lambda d: (d / "e.jsonl").write_text('{"prompt": "x"}\n'), {"eval_path": "{d}/e.jsonl"},
         "eval set e.jsonl has none of the fields question (its columns: prompt); set eval_fields"),
        (lambda d: (d / "e.jsonl").write_text('{"prompt": "x"}\n'), {"eval_path": "{d}/e.jsonl", "eval_fields": "q"},
         "eval_fields names 'q', which is not in the eval set e.jsonl"),
        (lambda d: None, {"eval_hf": "{d}/no_such_dataset"}, "eval_hf '{d}/no_such_dataset' split 'test' could not"),
    ],
)
def test_unreadable_eval_sets_are_user_errors_naming_them(tmp_path, make, options, message):
    make(tmp_path)
    options = {k: v.format(d=tmp_path) for k, v in options.items()}
    with pytest.raises(UserError, match=re.escape(message.format(d=tmp_path))):
        Decontaminate(fields=["question"], **options).run(table(["some question"]))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "exactly one of eval_path"),
        ({"eval_path": "a.jsonl", "eval_hf": "org/set"}, "exactly one of eval_path"),
        ({"eval_path": "a.jsonl", "method": "exact"}, "method must be 'ngram' or 'minhash'"),
        ({"eval_path": "a.jsonl", "ngram": -1}, "ngram for chars must be a whole number >= 1"),
    ],
)
def test_config_mistakes_are_user_errors(options, message):
    with pytest.raises(UserError, match=re.escape(message)):
        Decontaminate(**options)


@pytest.mark.parametrize("method", ["ngram", "minhash"])
def test_batches_give_the_verdicts_of_one_pass(tmp_path, method):
    from dsbuild.clean.pipeline import named_steps, run_cleaning
    from dsbuild.execute.local import LocalExecutor

    eval_file = tmp_path / "eval.jsonl"
    items = [f"What is the first line treatment for condition number {i} in adults over sixty?" for i in range(5)]
    eval_file.write_text("".join(json.dumps({"question": q}) + "\n" for q in items), encoding="utf-8")
    questions = [items[i % 5] if i % 4 == 0 else f"An unrelated question about sleep and diet, number {i}"
                 for i in range(40)]
    data = pa.table({"id": [f"r{i}" for i in range(40)], "question": questions})
    steps = named_steps({"decontaminate": Decontaminate(eval_path=str(eval_file), method=method)})
    whole = run_cleaning(data, steps)
    batched = run_cleaning(data, steps, executor=LocalExecutor(batch_rows=3))
    assert batched[0].equals(whole[0]) and whole[2].by_rule == batched[2].by_rule == {"decontaminate": 10}
    assert [t.to_pylist() for t in batched[1]] == [t.to_pylist() for t in whole[1]]

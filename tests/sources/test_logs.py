import json

import pytest
from helpers import assert_same_version, write_jsonl

from dsbuild.errors import UserError
from dsbuild.execute.spill import Spill, WorkFolder
from dsbuild.sources.logs import LogsSource

CHAT_PATTERN = r"^(?P<timestamp>\S+ \S+) \[(?P<session>[^\]]+)\] (?P<role>\w+): (?P<message>.*)$"
CHAT = """\
2024-05-01 10:00:00 [s1] agent: 您好，请问有什么可以帮您？
2024-05-01 10:00:05 [s1] user: 我的订单还没到
2024-05-01 10:00:06 [s1] user: 订单号 123
2024-05-01 10:00:07 [s2] user: How do I reset my password?
2024-05-01 10:00:30 [s1] agent: 已为您查询，明天送达。
  如有问题请再联系。
2024-05-01 10:01:10 [s2] agent: Click "Forgot password" on the login page.
2024-05-01 10:02:00 [s2] user: Thanks! And how do I delete my account?
2024-05-01 10:03:00 [s3] system: session closed
"""
CONVERSATION = {"by": "session", "role": "role", "question": "user", "answer": "agent"}


def write(path, text, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def rejects_by_rule(loaded):
    grouped = {}
    for row in loaded.rejected.to_pylist():
        grouped.setdefault(row["_rule"], []).append(row)
    return grouped


def assert_accounted(loaded):
    rejected = 0 if loaded.rejected is None else loaded.rejected.num_rows
    assert loaded.rows_read == loaded.table.num_rows + rejected


def test_default_pattern_reads_timestamp_level_message_and_rejects_other_lines(tmp_path):
    path = write(tmp_path / "app.log", (
        "2024-05-01 10:00:00,123 INFO Server started\n"
        "[2024-05-01T10:00:01Z] [ERROR] 数据库连接失败\n"
        "\n"
        "Traceback (most recent call last):\n"
        "2024-05-01 10:00:02 WARN: disk 91% full\n"
    ))
    loaded = LogsSource(str(path)).load()
    rows = loaded.table.to_pylist()
    assert [(r["level"], r["message"]) for r in rows] == [
        ("INFO", "Server started"), ("ERROR", "数据库连接失败"), ("WARN", "disk 91% full")]
    assert rows[1]["timestamp"] == "2024-05-01T10:00:01Z" and rows[2]["source_ref"] == "app.log:line 5"
    (bad,) = loaded.rejected.to_pylist()
    assert (bad["_rule"], bad["source_ref"], bad["raw"]) == ("logs:parse", "app.log:line 4",
                                                             "Traceback (most recent call last):")
    assert bad["_reason"] == "does not match source.pattern"
    assert_accounted(loaded)


def test_multiline_continues_the_record_before(tmp_path):
    path = write(tmp_path / "app.log", (
        "  orphan continuation\n"
        "2024-05-01 10:00:00 ERROR boom\n"
        "Traceback (most recent call last):\n"
        "\n"
        "  File \"x.py\", line 1\n"
        "2024-05-01 10:00:05 INFO recovered\n"
    ))
    loaded = LogsSource(str(path), multiline=True).load()
    rows = loaded.table.to_pylist()
    assert rows[0]["message"] == "boom\nTraceback (most recent call last):\n\n  File \"x.py\", line 1"
    assert rows[0]["source_ref"] == "app.log:lines 2-5" and rows[1]["source_ref"] == "app.log:line 6"
    (bad,) = loaded.rejected.to_pylist()
    assert bad["source_ref"] == "app.log:line 1" and "no record starts before it" in bad["_reason"]
    assert_accounted(loaded)


def test_conversation_pairs_turns_per_session_and_rejects_unpaired(tmp_path):
    path = write(tmp_path / "support" / "chat.log", CHAT)
    loaded = LogsSource(str(path), pattern=CHAT_PATTERN, multiline=True, conversation=CONVERSATION).load()
    rows = loaded.table.to_pylist()
    assert [(r["session"], r["question"], r["response"], r["source_ref"]) for r in rows] == [
        ("s1", "我的订单还没到\n订单号 123", "已为您查询，明天送达。\n  如有问题请再联系。", "chat.log:lines 2-6"),
        ("s2", "How do I reset my password?", 'Click "Forgot password" on the login page.', "chat.log:lines 4-7"),
    ]
    assert rows[0]["timestamp"] == "2024-05-01 10:00:05" and rows[0]["source"] == "chat"
    unpaired = rejects_by_rule(loaded)["logs:unpaired"]
    assert [(r["source_ref"], r["role"]) for r in unpaired] == [
        ("chat.log:line 1", "agent"), ("chat.log:line 8", "user"), ("chat.log:line 9", "system")]
    assert "no user question before it in session 's1'" in unpaired[0]["_reason"]
    assert unpaired[1]["_reason"] == "user turn got no agent answer in session 's2'"
    assert unpaired[1]["message"] == "Thanks! And how do I delete my account?"
    assert "neither 'user' nor 'agent'" in unpaired[2]["_reason"]
    assert_accounted(loaded)


def test_jsonl_chat_with_dotted_fields_filters_and_bad_lines(tmp_path):
    lines = [
        {"ts": "t1", "meta": {"session": "a", "channel": "chat"}, "from": "customer", "text": "退货要多久？"},
        {"ts": "t2", "meta": {"session": "a", "channel": "chat"}, "from": "bot", "text": "typing…"},
        {"ts": "t3", "meta": {"session": "a", "channel": "chat"}, "from": "staff", "text": "3 到 5 个工作日。"},
        {"ts": "t4", "meta": {"session": "b", "channel": "email"}, "from": "customer", "text": "Invoice?"},
        {"ts": "t5", "meta": {"session": "c"}, "from": "customer", "text": "Hello?"},
    ]
    path = write_jsonl(tmp_path / "chat.jsonl", lines)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"ts": "t6", "from": \n["not", "an", "object"]\n')
    loaded = LogsSource(
        str(path), format="jsonl",
        fields={"session": "meta.session", "channel": "meta.channel", "role": "from", "message": "text", "ts": "ts"},
        include={"channel": "^chat$"}, exclude={"role": "^bot$"},
        conversation={**CONVERSATION, "question": "customer", "answer": "staff"},
    ).load()
    rows = loaded.table.to_pylist()
    assert [(r["question"], r["response"], r["session"], r["source_ref"]) for r in rows] == [
        ("退货要多久？", "3 到 5 个工作日。", "a", "chat.jsonl:lines 1-3")]
    rules = rejects_by_rule(loaded)
    filtered = {r["source_ref"]: r["_reason"] for r in rules["logs:filter"]}
    assert filtered == {
        "chat.jsonl:line 2": "role='bot' matches source.exclude.role '^bot$'",
        "chat.jsonl:line 4": "channel='email' does not match source.include.channel '^chat$'",
        "chat.jsonl:line 5": "has no channel (source.include.channel needs one)",
    }
    parse = {r["source_ref"]: r["_reason"] for r in rules["logs:parse"]}
    assert parse["chat.jsonl:line 6"].startswith("is not valid JSON")
    assert parse["chat.jsonl:line 7"] == "is a JSON list, not an object"
    assert_accounted(loaded)


def test_jsonl_without_fields_keeps_every_key_as_text_and_maps_columns(tmp_path):
    path = write_jsonl(tmp_path / "q.jsonl", [{"q": "发烧怎么办？", "a": "多喝水。", "latency_ms": 12, "id": 7}])
    columns = {"question": "q", "response": "a", "ms": "latency_ms"}
    loaded = LogsSource(str(path), format="jsonl", columns=columns).load()
    (row,) = loaded.table.to_pylist()
    assert (row["question"], row["response"], row["ms"]) == ("发烧怎么办？", "多喝水。", "12")
    assert row["source_ref"] == "q.jsonl:line 1" and loaded.rejected is None


def test_rejected_records_keep_fields_named_like_lineage(tmp_path):
    path = write_jsonl(tmp_path / "q.jsonl", [{"id": "x1", "level": "DEBUG"}, {"id": "x2", "level": "INFO"}])
    loaded = LogsSource(str(path), format="jsonl", exclude={"level": "DEBUG"},
                        columns={"text": "level"}).load()
    (reject,) = loaded.rejected.to_pylist()
    assert reject["log_id"] == "x1" and reject["_rule"] == "logs:filter"
    assert loaded.table.column("text").to_pylist() == ["INFO"]


def test_folder_of_logs_gb18030_and_an_undecodable_file(tmp_path):
    write(tmp_path / "logs" / "a.log", "2024-05-01 10:00:00 INFO 用户登录成功\n", encoding="gb18030")
    write(tmp_path / "logs" / "sub" / "b.log", "2024-05-01 10:00:01 INFO second file\n")
    (tmp_path / "logs" / "c.log").write_bytes(b"\xff\xfe\xfa\x00\x81" * 3)
    (tmp_path / "logs" / "notes.md").write_text("not a log", encoding="utf-8")
    loaded = LogsSource(str(tmp_path / "logs")).load()
    assert loaded.table.column("message").to_pylist() == ["用户登录成功", "second file"]
    assert loaded.table.column("source_ref").to_pylist() == ["a.log:line 1", "sub/b.log:line 1"]
    (unreadable,) = loaded.rejected.to_pylist()
    assert unreadable["_rule"] == "logs:read" and unreadable["source_ref"] == "c.log"
    assert "source.encoding" in unreadable["_reason"]
    assert [entry["name"] for entry in LogsSource(str(tmp_path / "logs")).fingerprint()] == [
        "a.log", "c.log", "sub/b.log"]
    assert_accounted(loaded)


def test_fingerprint_follows_content(tmp_path):
    path = write(tmp_path / "app.log", "2024-05-01 10:00:00 INFO a\n")
    first = LogsSource(str(path)).fingerprint()[0]
    write(path, "2024-05-01 10:00:00 INFO b\n")
    second = LogsSource(str(path)).fingerprint()[0]
    assert first["sha256"] != second["sha256"] and first["bytes"] == second["bytes"] == path.stat().st_size


@pytest.mark.parametrize("kwargs, message", [
    ({"format": "xml"}, "source.format 'xml' is unknown"),
    ({"pattern": "(unclosed"}, "source.pattern is not a valid regular expression"),
    ({"pattern": r"\d+ .*"}, "source.pattern has no named group"),
    ({"fields": {"msg": "body"}}, r"source.fields.msg names 'body'.*groups: timestamp, level, message"),
    ({"include": {"sesion": "x"}}, r"source.include.sesion names field 'sesion'"),
    ({"exclude": {"level": "("}}, "source.exclude.level is not a valid regular expression"),
    ({"format": "jsonl", "multiline": True}, "source.multiline applies to format=plain"),
    ({"conversation": {"by": "level", "role": "level"}}, "source.conversation.question is not set"),
    ({"conversation": {**CONVERSATION, "by": "level"}}, r"source.conversation.role names field 'role'"),
    ({"encoding": "klingon"}, "source.encoding='klingon' is not a text encoding"),
])
def test_config_mistakes_name_the_key(tmp_path, kwargs, message):
    path = write(tmp_path / "app.log", "2024-05-01 10:00:00 INFO a\n")
    with pytest.raises(UserError, match=message):
        LogsSource(str(path), **kwargs)


def test_empty_result_still_has_mapped_columns(tmp_path):
    path = write(tmp_path / "app.log", "2024-05-01 10:00:00 DEBUG noise\n")
    loaded = LogsSource(str(path), exclude={"level": "DEBUG"}, columns={"text": "message"}).load()
    assert loaded.table.num_rows == 0 and "text" in loaded.table.column_names
    assert json.loads(json.dumps(loaded.rejected.to_pylist()))[0]["_rule"] == "logs:filter"
    assert_accounted(loaded)


def test_build_end_to_end_with_source_logs(tmp_path, compose_cfg):
    from dsbuild.build import build

    write(tmp_path / "logs" / "chat-1.log", CHAT)
    cfg = compose_cfg([
        "source=logs", f"source.path={tmp_path / 'logs' / 'chat-*.log'}", "source.multiline=true",
        f"source.pattern='{CHAT_PATTERN}'",
        "source.conversation={by: session, role: role, question: user, answer: agent}",
        "name=support_chat", "format=alpaca", "split.ratios=[1.0,0.0,0.0]", f"output_dir={tmp_path / 'out'}",
    ])
    assert cfg.source.pattern == CHAT_PATTERN
    result = build(cfg, show_progress=False)
    train = json.loads((result.path / "train.json").read_text(encoding="utf-8"))
    assert sorted(r["instruction"] for r in train) == ["How do I reset my password?", "我的订单还没到\n订单号 123"]
    rejects = [json.loads(line) for line in (result.path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(r["source_ref"] for r in rejects if r["_rule"] == "logs:unpaired") == [
        "chat-1.log:line 1", "chat-1.log:line 8", "chat-1.log:line 9"]
    assert result.stages[0]["rows_in"] == 5 and result.stages[0]["kept"] == 2


# stream(): each file's kept rows written `executor.batch_rows` at a time into a spill, equal to load()'s.

def assert_streams_as_loaded(source, tmp_path, min_parts=2):
    streamed = source.stream(WorkFolder(tmp_path / "work", batch_rows=3))
    loaded = source.load()
    assert isinstance(streamed.table, Spill) and len(streamed.table.parts) >= min_parts
    table = streamed.table.read_all()
    assert table.schema.equals(loaded.table.schema), f"{table.schema}\n!=\n{loaded.table.schema}"
    assert table.equals(loaded.table)
    assert (streamed.rows_read, streamed.inputs) == (loaded.rows_read, loaded.inputs)
    assert (streamed.rejected is None) == (loaded.rejected is None)
    assert streamed.rejected is None or streamed.rejected.equals(loaded.rejected)
    assert_accounted(streamed)
    return table, streamed.rejected


def test_stream_plain_files_with_repeats_rejects_and_an_unreadable_file(tmp_path):
    same = "2024-05-01 10:00:00 INFO 用户登录成功"
    write(tmp_path / "logs" / "a.log", "\n".join([
        same, "2024-05-01 10:00:01 DEBUG noise", "not a log line", same, "2024-05-01 10:00:02 WARN disk",
        "  trace line", same, "2024-05-01 10:00:03 ERROR", same, ""]))
    write(tmp_path / "logs" / "b.log", "orphan line\n2024-05-01 10:00:04 DEBUG only noise\n")
    write(tmp_path / "logs" / "c.log", f"{same}\n2024-05-01 10:00:05 INFO second file\n", encoding="gb18030")
    (tmp_path / "logs" / "d.log").write_bytes(b"\xff\xfe\xfa\x00\x81" * 3)
    source = LogsSource(str(tmp_path / "logs"), multiline=True, exclude={"level": "DEBUG"})
    table, rejected = assert_streams_as_loaded(source, tmp_path)
    ids = table.column("id").to_pylist()
    assert table.num_rows == 8 and ids[1] == ids[0] + "-2" and ids[6] == ids[0] + "-5"
    assert table.column("message").to_pylist()[2] == "disk\n  trace line"
    assert [(r["_rule"], r["source_ref"]) for r in rejected.to_pylist()] == [
        ("logs:read", "d.log"), ("logs:parse", "b.log:line 1"), ("logs:filter", "a.log:lines 2-3"),
        ("logs:filter", "b.log:line 2")]


def test_stream_jsonl_keys_first_seen_in_later_chunks_and_mapped_columns(tmp_path):
    rows = [{"q": f"问题 {i % 4}", "a": "答", "n": i % 4} for i in range(8)]
    write_jsonl(tmp_path / "logs" / "a.jsonl", rows)
    write_jsonl(tmp_path / "logs" / "b.jsonl", [{"q": "late", "a": "x", "extra": [1, 2]}, {"q": "问题 1", "a": "答"}])
    with open(tmp_path / "logs" / "a.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"q": "broken"\n')
    table, rejected = assert_streams_as_loaded(LogsSource(str(tmp_path / "logs"), format="jsonl"), tmp_path)
    assert table.column_names == ["id", "q", "a", "n", "extra", "source", "source_ref"]
    assert table.column("id").to_pylist()[4].endswith("-2") and rejected.column("_rule").to_pylist() == ["logs:parse"]
    mapped = LogsSource(str(tmp_path / "logs"), format="jsonl", columns={"question": "q", "more": "extra"})
    table, _ = assert_streams_as_loaded(mapped, tmp_path / "mapped")
    assert table.column("more").to_pylist() == [None] * 8 + ["[1, 2]", None]


def other_sessions(chat: str) -> str:
    return chat.replace("[s1]", "[s6]").replace("[s2]", "[s4]").replace("[s3]", "[s7]")


def test_stream_conversation_pairs_each_file_whole(tmp_path):
    write(tmp_path / "support" / "chat-1.log", CHAT)
    write(tmp_path / "support" / "chat-2.log", CHAT + other_sessions(CHAT))
    source = LogsSource(str(tmp_path / "support"), pattern=CHAT_PATTERN, multiline=True, conversation=CONVERSATION)
    table, rejected = assert_streams_as_loaded(source, tmp_path)
    assert table.num_rows == 6 and table.column("source_ref").to_pylist()[2:] == [
        "chat-2.log:lines 2-6", "chat-2.log:lines 4-7", "chat-2.log:lines 11-15", "chat-2.log:lines 13-16"]
    assert table.column("id").to_pylist()[2] == table.column("id").to_pylist()[0] + "-2"
    assert set(rejected.column("_rule").to_pylist()) == {"logs:unpaired"}


def test_stream_with_every_record_rejected_gives_the_empty_table_of_load(tmp_path):
    path = write(tmp_path / "app.log", "2024-05-01 10:00:00 DEBUG a\n2024-05-01 10:00:01 DEBUG b\n")
    source = LogsSource(str(path), exclude={"level": "DEBUG"}, columns={"text": "message"})
    streamed, loaded = source.stream(WorkFolder(tmp_path / "work", batch_rows=3)), source.load()
    assert streamed.table.equals(loaded.table) and "text" in streamed.table.column_names
    assert streamed.rejected.equals(loaded.rejected) and streamed.rows_read == loaded.rows_read == 2
    assert not list((tmp_path / "work").glob("*.arrow"))


@pytest.mark.parametrize("rows, options, message", [
    ([{"q": "a"}] * 4, {"columns": {"question": "ask"}}, r"source.columns.question names column 'ask'"),
    ([{"q": "a"}] * 3 + [{"q": "b", "source": "web"}], {}, r"column 'source' collides with a lineage field"),
])
def test_stream_config_mistakes_give_the_error_load_gives(tmp_path, rows, options, message):
    path = write_jsonl(tmp_path / "q.jsonl", rows)
    with pytest.raises(UserError, match=message) as loading:
        LogsSource(str(path), format="jsonl", **options).load()
    with pytest.raises(UserError) as streaming:
        LogsSource(str(path), format="jsonl", **options).stream(WorkFolder(tmp_path / "work", batch_rows=3))
    assert str(streaming.value) == str(loading.value)
    assert not list((tmp_path / "work").glob("*.arrow"))


def test_build_in_batches_of_3_writes_the_same_files(tmp_path, compose_cfg):
    from dsbuild.build import build

    write(tmp_path / "logs" / "chat-1.log", CHAT + other_sessions(CHAT))
    write(tmp_path / "logs" / "chat-2.log", CHAT.replace("[s1]", "[s5]").replace("订单号", "单号"))
    overrides = [
        "source=logs", f"source.path={tmp_path / 'logs' / 'chat-*.log'}", "source.multiline=true",
        f"source.pattern='{CHAT_PATTERN}'", "name=support_chat", "format=alpaca",
        "source.conversation={by: session, role: role, question: user, answer: agent}",
    ]
    whole = build(compose_cfg([*overrides, f"output_dir={tmp_path / 'whole'}"]), show_progress=False)
    small = build(compose_cfg([*overrides, f"output_dir={tmp_path / 'small'}", "executor.batch_rows=3"]),
                  show_progress=False)
    manifest, _ = assert_same_version(whole, small)
    assert manifest["stages"][0]["rows_in"] == 15

import codecs

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from dsbuild.errors import UserError
from dsbuild.sources.encoding import decode, detect_encoding, to_utf8

ZH = '{"instruction": "把这句话翻译成英文", "output": "Translate this sentence."}\n'


def detect(data: bytes, declared: str = "auto") -> str:
    return detect_encoding(data, declared, where="data/train.jsonl")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "utf-8"),
        (b"plain ascii\n", "utf-8"),
        (ZH.encode("utf-8"), "utf-8"),
        (ZH.encode("utf-8-sig"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + ZH.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + ZH.encode("utf-16-be"), "utf-16"),
        (ZH.encode("utf-32"), "utf-32"),
        (ZH.encode("utf-16-le"), "utf-16-le"),
        (ZH.encode("utf-16-be"), "utf-16-be"),
        (ZH.encode("gb18030"), "gb18030"),
        (ZH.encode("gbk"), "gb18030"),
        (ZH.encode("gb2312"), "gb18030"),
    ],
)
def test_detects_encoding_and_decodes_back(data, expected):
    encoding = detect(data)
    assert encoding == expected
    text = decode(data, encoding, where="x")
    assert text == ("" if not data else "plain ascii\n" if data == b"plain ascii\n" else ZH)


@pytest.mark.parametrize(
    ("declared", "normalized"), [("latin-1", "iso8859-1"), ("UTF8", "utf-8"), ("GBK", "gbk")]
)
def test_declared_encoding_is_normalized(declared, normalized):
    assert detect(b"abc", declared) == normalized


def test_declared_encoding_is_used_rather_than_guessed():
    data = "café crème\n".encode("latin-1")
    encoding = detect(data, "latin-1")
    assert decode(data, encoding, where="x") == "café crème\n"


@pytest.mark.parametrize("declared", ["klingon", "base64", "rot13"])
def test_unknown_declared_encoding_names_the_key(declared):
    with pytest.raises(UserError) as info:
        detect(b"abc", declared)
    message = str(info.value)
    assert message.startswith("data/train.jsonl: ")
    assert "source.encoding" in message and "\n" not in message


def test_undetectable_bytes_name_file_offset_and_fix():
    data = "name\ncafé\n".encode("latin-1")  # 0xe9 then a newline: neither UTF-8 nor GB18030
    with pytest.raises(UserError) as info:
        detect(data)
    message = str(info.value)
    assert message.startswith("data/train.jsonl: ")
    assert "byte 0xe9 at offset 8, line 2," in message
    assert "source.encoding=" in message and "\n" not in message


def test_decode_error_names_offset_line_and_encoding():
    data = b'{"a": 1}\n{"a": 2}\n{"a": "\xff"}\n'
    with pytest.raises(UserError) as info:
        decode(data, "utf-8", where="in.jsonl")
    message = str(info.value)
    assert message.startswith("in.jsonl: byte 25 (line 3) is 0xff")
    assert "utf-8" in message and "source.encoding" in message and "\n" not in message


def test_decode_error_offset_counts_the_bom():
    data = codecs.BOM_UTF8 + b"ok\n\xff"
    with pytest.raises(UserError, match=r"byte 6 \(line 2\)"):
        decode(data, "utf-8-sig", where="x")


def test_decode_error_line_in_utf16():
    data = "一\n二\n三".encode("utf-16-le") + b"\x00"  # odd length: truncated last unit
    with pytest.raises(UserError, match=r"byte 10 \(line 3\)"):
        decode(data, "utf-16-le", where="x")


def test_decode_with_unknown_codec_is_a_user_error():
    with pytest.raises(UserError, match="source.encoding"):
        decode(b"abc", "klingon", where="x")


def test_to_utf8_keeps_valid_utf8_without_copying():
    data = ZH.encode("utf-8")
    assert to_utf8(data, "utf-8", where="x") is data


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "gb18030", "utf-8"])
def test_to_utf8_strips_bom_and_transcodes(encoding):
    data = ZH.encode(encoding)
    if encoding == "utf-8":
        data = codecs.BOM_UTF8 + data  # a BOM in a file declared utf-8 is not content either
    assert to_utf8(data, encoding, where="x") == ZH.encode("utf-8")


def test_to_utf8_reports_invalid_utf8_like_decode():
    with pytest.raises(UserError, match=r"x: byte 3 \(line 2\) is 0xc3"):
        to_utf8(b"ab\n\xc3(", "utf-8", where="x")


@given(st.text(), st.sampled_from(["utf-8-sig", "utf-16", "utf-32"]))
def test_any_text_with_a_bom_round_trips(text, encoding):
    assume(not text.startswith("\x00"))  # FF FE 00 00 is the UTF-32 BOM: UTF-16 "\x00..." is ambiguous
    data = text.encode(encoding)
    assert decode(data, detect(data), where="x") == text


@given(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00")))
def test_any_nul_free_utf8_text_is_detected_as_utf8(text):
    data = text.encode("utf-8")
    if data.startswith(codecs.BOM_UTF8):
        return
    assert detect(data) == "utf-8"

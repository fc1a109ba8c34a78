"""Text encodings of source files: detect them, and decode strictly with errors a user can act on.

Fine-tuning data often arrives as UTF-8, UTF-8 with a BOM, UTF-16 from Windows tools, or GB18030/GBK
from Chinese tools. Guessing wrong silently corrupts every row, so decoding is strict: when bytes
do not fit, the error names the file, byte offset and line, and says to set `source.encoding`.
UTF-8 is validated by Arrow without building a `str`, so checking a large file stays cheap.
"""

from __future__ import annotations

import codecs
import struct

import pyarrow as pa

from ..errors import UserError

AUTO = "auto"
_SAMPLE = 4096  # bytes looked at by the BOM-less UTF-16 heuristic


def detect_encoding(data: bytes, declared: str = AUTO, *, where: str) -> str:
    """The codec to decode `data` with: `declared` (validated, normalized) or, for "auto", a guess.

    The guess tries, in order: a BOM (UTF-8, UTF-32, UTF-16), BOM-less UTF-16 (NUL bytes on one side
    of each byte pair), strict UTF-8, strict GB18030 (a superset of GBK and GB2312).
    """
    if declared != AUTO:
        return _codec_name(declared, where)
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    utf16 = _bomless_utf16(data)
    if utf16 is not None:
        return utf16
    try:
        _check_utf8(data)
    except UnicodeDecodeError as utf8_error:
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            offset = utf8_error.start
            line = data.count(b"\n", 0, offset) + 1
            raise UserError(
                f"{where}: cannot tell the text encoding: not UTF-8 (byte 0x{data[offset]:02x} at offset "
                f"{offset}, line {line}, is invalid) and not GB18030; set source.encoding=<codec> to the "
                "file's encoding (e.g. source.encoding=latin-1 or source.encoding=shift_jis)"
            ) from None
        return "gb18030"
    return "utf-8"


def decode(data: bytes, encoding: str, *, where: str) -> str:
    """`data` decoded strictly with `encoding`; a byte that does not fit is a `UserError`."""
    try:
        return data.decode(encoding)
    except LookupError:
        raise UserError(_unknown_codec(encoding, where)) from None
    except UnicodeDecodeError as exc:
        offset = exc.start
        if codecs.lookup(encoding).name == "utf-8-sig" and data.startswith(codecs.BOM_UTF8):
            offset += len(codecs.BOM_UTF8)  # the utf-8-sig codec reports offsets after its BOM
        line = data[:offset].decode(encoding, errors="replace").count("\n") + 1
        raise UserError(
            f"{where}: byte {offset} (line {line}) is 0x{data[offset]:02x}, which is not valid "
            f"{encoding} ({exc.reason}); set source.encoding to the file's real encoding "
            "(e.g. source.encoding=gb18030 or source.encoding=latin-1) or fix that byte"
        ) from None


def to_utf8(data: bytes, encoding: str, *, where: str) -> bytes:
    """`data` as UTF-8 without a BOM, for parsers that want UTF-8 bytes (Arrow's JSON and CSV readers).

    UTF-8 input is only validated, not copied (unless a BOM has to go); other encodings are
    decoded strictly and re-encoded.
    """
    if _codec_name(encoding, where) in ("utf-8", "utf-8-sig"):
        body = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
        if _arrow_utf8_valid(body):
            return body
    return decode(data, encoding, where=where).removeprefix("\ufeff").encode("utf-8")


def _codec_name(name: str, where: str) -> str:
    try:
        info = codecs.lookup(name)
        "".encode(info.name)  # rejects codecs that are not text encodings, such as base64
    except LookupError:
        raise UserError(_unknown_codec(name, where)) from None
    return info.name


def _unknown_codec(name: str, where: str) -> str:
    return (
        f"{where}: source.encoding={name!r} is not a text encoding Python knows; use a codec name "
        "such as utf-8, gb18030, utf-16 or latin-1 (or auto to detect it)"
    )


def _bomless_utf16(data: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when NUL bytes sit on one side of the byte pairs (ASCII in UTF-16)."""
    if len(data) < 2 or len(data) % 2:
        return None
    sample = data[:_SAMPLE]
    pairs = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= pairs / 10 and even * 4 < odd:
        return "utf-16-le"
    if even >= pairs / 10 and odd * 4 < even:
        return "utf-16-be"
    return None


def _check_utf8(data: bytes) -> None:
    """Raise `UnicodeDecodeError` when `data` is not UTF-8: Arrow checks, Python locates the error."""
    if not _arrow_utf8_valid(data):
        data.decode("utf-8")


def _arrow_utf8_valid(data: bytes) -> bool:
    """Whether `data` is valid UTF-8, checked by Arrow in place (no copy, no `str`)."""
    offsets = pa.py_buffer(struct.pack("<qq", 0, len(data)))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data)).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True

"""Chat log records to question/answer rows: group by session, merge turns, pair each question with its answer.

Within one file, the messages of a session are taken in line order; consecutive messages of the same
role form one turn (their texts joined by line breaks). A question turn followed by an answer turn
becomes one row. Everything that cannot be paired (a question nobody answered, an answer with no
question before it, a message without a session or with another role) is returned with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import UserError
from .log_lines import LogRecord

REQUIRED_KEYS = ("by", "role", "question", "answer")
TEXT_FIELD = "message"


@dataclass(frozen=True)
class Conversation:
    """Which fields say the session, the role and the text, and which role values ask and answer."""

    by: str
    role: str
    question: str
    answer: str
    text: str = TEXT_FIELD

    @classmethod
    def from_config(cls, config: Mapping) -> Conversation:
        unknown = sorted(set(config) - {*REQUIRED_KEYS, "text"})
        if unknown:
            raise UserError(
                f"source.conversation.{unknown[0]} is not a setting; use by, role, question, answer and text"
            )
        missing = [key for key in REQUIRED_KEYS if not config.get(key)]
        if missing:
            raise UserError(
                f"source.conversation.{missing[0]} is not set; write e.g. "
                "source.conversation='{by: session, role: role, question: user, answer: agent}'"
            )
        return cls(**{key: str(value) for key, value in config.items() if value is not None})

    def field_names(self) -> tuple[str, str, str]:
        """The record fields a conversation reads."""
        return self.by, self.role, self.text


@dataclass
class Turn:
    """Consecutive messages of one role in one session."""

    role: str
    records: list[LogRecord]

    def text(self, field: str) -> str:
        return "\n".join(r.fields.get(field) or "" for r in self.records)

    @property
    def first(self) -> int:
        return self.records[0].first

    @property
    def last(self) -> int:
        return self.records[-1].last


@dataclass
class Paired:
    """Rows (fields, first line, last line) and unpaired pieces (fields, first line, last line, reason)."""

    rows: list[tuple[dict, int, int]]
    unpaired: list[tuple[dict, int, int, str]]


def pair_turns(records: list[LogRecord], conversation: Conversation) -> Paired:
    """Question/answer rows from the records of one file, in the order their questions start."""
    c = conversation
    sessions: dict[str, list[LogRecord]] = {}
    unpaired: list[tuple[dict, int, int, str]] = []
    for record in records:
        session, role = record.fields.get(c.by), record.fields.get(c.role)
        if session is None or not session.strip():
            unpaired.append((record.fields, record.first, record.last,
                             f"has no {c.by}, so it belongs to no conversation (source.conversation.by)"))
        elif role not in (c.question, c.answer):
            unpaired.append((record.fields, record.first, record.last,
                             f"{c.role} {role!r} is neither {c.question!r} nor {c.answer!r} (source.conversation)"))
        else:
            sessions.setdefault(session, []).append(record)
    rows: list[tuple[dict, int, int]] = []
    for session, messages in sessions.items():
        turns = _turns(messages, c.role)
        i = 0
        while i < len(turns):
            turn = turns[i]
            if turn.role == c.question and i + 1 < len(turns):
                rows.append((_row(turn, turns[i + 1], session, c), turn.first, turns[i + 1].last))
                i += 2
                continue
            if turn.role == c.question:
                reason = f"{c.question} turn got no {c.answer} answer in {c.by} {session!r}"
            else:
                reason = f"{c.answer} turn has no {c.question} question before it in {c.by} {session!r}"
            unpaired.append(({**turn.records[0].fields, c.text: turn.text(c.text)}, turn.first, turn.last, reason))
            i += 1
    rows.sort(key=lambda row: row[1])
    unpaired.sort(key=lambda piece: piece[1])
    return Paired(rows, unpaired)


def _turns(messages: list[LogRecord], role_field: str) -> list[Turn]:
    turns: list[Turn] = []
    for message in messages:
        role = message.fields[role_field]
        if turns and turns[-1].role == role:
            turns[-1].records.append(message)
        else:
            turns.append(Turn(role, [message]))
    return turns


def _row(question: Turn, answer: Turn, session: str, c: Conversation) -> dict:
    """The pair's row: question, response, the session, and the question's other fields (e.g. its timestamp)."""
    others = {k: v for k, v in question.records[0].fields.items() if k not in c.field_names()}
    return {**others, "question": question.text(c.text), "response": answer.text(c.text), c.by: session}

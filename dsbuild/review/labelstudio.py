"""Label Studio, both ways: the pack's tasks and labeling config, and verdicts read from a project's export.

Tasks are Label Studio's import format, `[{"data": {...}}]`, with the row id, its split and every
field (non-text values as JSON text). The labeling config shows the fields and asks for a `verdict`
(Choices accept / reject), a `reason` and, per editable field, a corrected text `edit_<field>` left
empty when the field is right. From the project's JSON export, each task's latest annotation that
was not cancelled is its verdict; a task without one was not reviewed.
"""

from __future__ import annotations

import json
import re
from xml.sax.saxutils import quoteattr

from ..errors import UserError
from .sampling import Item
from .verdict import Verdict, make_verdict, verdict_word

VERDICT, REASON, EDIT_PREFIX = "verdict", "reason", "edit_"
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # what a `$field` reference in a config can name


def display(value) -> str:
    """A field as text to show: strings as they are, null as empty, anything else as JSON."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def tasks(items: list[Item], fields: list[str]) -> list[dict]:
    """Label Studio import tasks, one per item."""
    return [{"data": {"id": item.id, "split": item.split,
                      **{f: display(item.fields[f]) for f in fields if f in item.fields}}} for item in items]


def labeling_config(fields: list[str], editable: list[str], title: str) -> str:
    """The labeling config XML for tasks made by `tasks` with these fields."""
    shown = ["id", "split", *[f for f in fields if _VARIABLE.match(f)]]
    anchor = quoteattr(f"text_{shown[0]}")
    lines = ["<View>", f"  <Header value={quoteattr(title)}/>"]
    for name in shown:
        lines += [f"  <Header value={quoteattr(name)} size=\"5\"/>",
                  f"  <Text name={quoteattr(f'text_{name}')} value={quoteattr(f'${name}')}/>"]
    lines += [
        '  <Header value="Verdict"/>',
        f'  <Choices name="{VERDICT}" toName={anchor} choice="single" showInline="true" required="true">',
        '    <Choice value="accept" hotkey="a"/>',
        '    <Choice value="reject" hotkey="r"/>',
        "  </Choices>",
        f'  <TextArea name="{REASON}" toName={anchor} rows="2" maxSubmissions="1" editable="true" '
        'placeholder="why it is rejected"/>',
        '  <Header value="Corrections: fill in only a field that is wrong, with its corrected text"/>',
    ]
    for name in editable:
        if _VARIABLE.match(name):
            lines.append(f"  <TextArea name={quoteattr(EDIT_PREFIX + name)} toName={anchor} rows=\"3\" "
                         f"maxSubmissions=\"1\" editable=\"true\" placeholder={quoteattr(f'corrected {name}')}/>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def is_export(data) -> bool:
    """True for a Label Studio JSON export (a list of tasks, each with `data`)."""
    return isinstance(data, list) and bool(data) and all(isinstance(t, dict) and "data" in t for t in data)


def read_export(data: list[dict], file: str) -> list[Verdict]:
    """The verdicts in a Label Studio JSON export; UserError naming the file and task for a bad one."""
    verdicts = []
    for number, task in enumerate(data, 1):
        where = f"task {number}" + (f" (Label Studio id {task['id']})" if "id" in task else "")
        row = task.get("data")
        if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not row["id"]:
            raise UserError(f"{file}: {where}: data has no row id; import labelstudio.json from the review pack, "
                            "whose tasks carry it")
        annotation = _latest(task.get("annotations"), file, where)
        if annotation is None:
            continue
        verdict, reason, edits = None, None, {}
        for result in annotation.get("result") or []:
            name, value = result.get("from_name"), result.get("value") or {}
            if name == VERDICT:
                choices = value.get("choices") or []
                if len(choices) != 1:
                    raise UserError(f"{file}: {where}: the verdict has {len(choices)} choices; pick accept or reject")
                verdict = verdict_word(choices[0], file, where)
            elif name == REASON:
                reason = _text(value, file, where)
            elif isinstance(name, str) and name.startswith(EDIT_PREFIX):
                text = _text(value, file, where)
                if text.strip():
                    edits[name[len(EDIT_PREFIX):]] = text
            else:
                raise UserError(f"{file}: {where}: result {name!r} is not a control of the review labeling config "
                                f"({VERDICT}, {REASON}, {EDIT_PREFIX}<field>); label with the pack's labelstudio.xml")
        if verdict or edits:
            verdicts.append(make_verdict(row["id"], verdict, reason, edits, where))
    return verdicts


def _latest(annotations, file: str, where: str) -> dict | None:
    """The most recently updated annotation that was not cancelled (None if there is none)."""
    if not isinstance(annotations, list):
        raise UserError(f"{file}: {where}: annotations is not a list; give Label Studio's JSON export (not JSON-MIN)")
    kept = [(str(a.get("updated_at") or a.get("created_at") or ""), i, a) for i, a in enumerate(annotations)
            if isinstance(a, dict) and not a.get("was_cancelled")]
    return max(kept, key=lambda k: k[:2])[2] if kept else None


def _text(value: dict, file: str, where: str) -> str:
    parts = value.get("text")
    if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
        raise UserError(f"{file}: {where}: a text answer is not a list of strings ({parts!r}); re-export the project")
    return "\n".join(parts)

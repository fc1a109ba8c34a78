"""Label Studio's side of the review pack: the tasks to import and the labeling config that shows them.

Tasks are Label Studio's import format, `[{"data": {...}}]`. Every data field carries the prefix
`dsb_`: `dsb_id` is the row id, `dsb_split` its split, then `dsb_<field>` for each field (non-text
values as JSON text). Label Studio has names of its own where data fields go: its task `id`, which
the JSON_MIN export writes over a data field `id`, and names such as `source` (a field of that name
was shown as the whole raw task); a prefixed name meets none of them. The labeling config shows the
fields under their own names and asks for a `verdict` (Choices accept / reject), a `reason` and, per
editable field, a corrected text `edit_<field>` left empty when the field is right. Reading a
project's export back is `labelstudio_export`.
"""

from __future__ import annotations

import json
import re
from xml.sax.saxutils import quoteattr

from .sampling import Item

VERDICT, REASON, EDIT_PREFIX = "verdict", "reason", "edit_"
DATA_PREFIX = "dsb_"
ROW_KEY = DATA_PREFIX + "id"
LEGACY_ROW_KEY = "id"  # where packs written before the prefix kept the row id
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # what a `$field` reference in a config can name


def display(value) -> str:
    """A field as text to show: strings as they are, null as empty, anything else as JSON."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def tasks(items: list[Item], fields: list[str]) -> list[dict]:
    """Label Studio import tasks, one per item, every data field named `dsb_<name>`."""
    return [{"data": {ROW_KEY: item.id, DATA_PREFIX + "split": item.split,
                      **{DATA_PREFIX + f: display(item.fields[f]) for f in fields if f in item.fields}}}
            for item in items]


def labeling_config(fields: list[str], editable: list[str], title: str) -> str:
    """The labeling config XML for tasks made by `tasks` with these fields."""
    shown = ["id", "split", *[f for f in fields if _VARIABLE.match(f)]]
    anchor = quoteattr(f"text_{shown[0]}")
    lines = ["<View>", f"  <Header value={quoteattr(title)}/>"]
    for name in shown:
        lines += [f"  <Header value={quoteattr(name)} size=\"5\"/>",
                  f"  <Text name={quoteattr(f'text_{name}')} value={quoteattr(f'${DATA_PREFIX}{name}')}/>"]
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

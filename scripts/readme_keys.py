#!/usr/bin/env python3
"""Regenerates the README's key table from src/tui/keys.rs (the table the key mapper and
the `?` popup use). Run from the repository root: python3 scripts/readme_keys.py"""
import re
from collections import OrderedDict

src = open("src/tui/keys.rs").read()
ROW = re.compile(r'bind\((Key::\w+\([^)]*\)), C::(\w+), A::(\w+), "([^"]+)"\)'
                 r'|inherit\(C::(\w+), C::(\w+), &\[([^\]]*)\]\)')
own = []  # (key, context, action, help) as declared
table = []  # rows in order: a binding, or (context, from, actions) to expand
for m in ROW.finditer(src):
    if m.group(1):
        own.append(m.group(1, 2, 3, 4))
        table.append(("bind", m.group(1, 2, 3, 4)))
    else:
        acts = [a.strip().removeprefix("A::") for a in m.group(7).split(",") if a.strip()]
        table.append(("inherit", (m.group(5), m.group(6), acts)))
# Inherited rows expand in place, action by action, each action's keys in the order of
# the context they come from (as keys::bindings does).
rows = []
for kind, row in table:
    if kind == "bind":
        rows.append((row[0], row[1], row[3]))
    else:
        ctx, frm, acts = row
        for a in acts:
            rows += [(k, ctx, h) for k, c, act, h in own if c == frm and act == a]
NAMES = {"Esc": "Esc", "Enter": "Enter", "Tab": "Tab", "BackTab": "Shift-Tab", "Up": "↑",
         "Down": "↓", "PageUp": "PgUp", "PageDown": "PgDn", "Home": "Home", "End": "End",
         "Backspace": "Backspace", "Delete": "Delete", "Left": "←", "Right": "→"}
CTX = {"Main": "main screen", "Step": "stepping", "Form": "target form",
       "Settings": "working settings (`W`)"}


def name(k):
    m = re.match(r"Key::ch\('(.*)'\)", k)
    if m:
        return m.group(1)
    m = re.match(r"Key::ctrl\('(.*)'\)", k)
    if m:
        return "Ctrl-" + m.group(1).upper()
    m = re.match(r"Key::plain\(K::(\w+)\)", k)
    return NAMES.get(m.group(1), m.group(1)) if m else k


groups = OrderedDict()
for k, c, h in rows:
    if c in CTX:
        groups.setdefault((c, h), []).append(name(k))
lines = ["| context | keys | action |", "|---|---|---|"]
for (c, h), ks in groups.items():
    lines.append(f"| {CTX[c]} | {' / '.join(f'`{x}`' for x in ks)} | {h} |")
lines.append("| anywhere | mouse click / wheel | select a matrix row / scroll the pane under the cursor |")
table = "\n".join(lines)
readme = open("README.md").read()
start = readme.index("| context | keys | action |")
end = readme.index("\n\nThe `?` popup is generated")
open("README.md", "w").write(readme[:start] + table + readme[end:])
print(f"{len(groups)} rows")

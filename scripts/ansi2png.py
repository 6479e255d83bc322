#!/usr/bin/env python3
"""Render `tmux capture-pane -e -p` output (text with ANSI SGR colours) to a PNG.

Usage: ansi2png.py CAPTURE.txt OUT.png [COLS ROWS]
Needs Pillow and the DejaVu Sans Mono font (Debian: fonts-dejavu-core).
"""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
SIZE = 15
BG = (24, 26, 33)
FG = (215, 218, 224)
BASE = [
    (40, 42, 54), (230, 80, 80), (80, 200, 120), (230, 190, 80),
    (90, 150, 240), (200, 110, 220), (80, 200, 210), (215, 218, 224),
    (100, 104, 120), (255, 110, 110), (110, 230, 150), (255, 220, 110),
    (130, 180, 255), (230, 140, 250), (120, 230, 240), (255, 255, 255),
]


def xterm256(n):
    if n < 16:
        return BASE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return (v, v, v)


def parse(text):
    """Yields rows of (char, fg, bg, bold, reverse)."""
    rows = []
    fg, bg, bold, rev, dim = FG, BG, False, False, False
    for line in text.split("\n"):
        row = []
        i = 0
        while i < len(line):
            m = re.match(r"\x1b\[([0-9;:]*)m", line[i:])
            if m:
                params = [p for p in re.split(r"[;:]", m.group(1))] or ["0"]
                params = [int(p) if p else 0 for p in params]
                j = 0
                while j < len(params):
                    p = params[j]
                    if p == 0:
                        fg, bg, bold, rev, dim = FG, BG, False, False, False
                    elif p == 1:
                        bold = True
                    elif p == 2:
                        dim = True
                    elif p == 7:
                        rev = True
                    elif p == 22:
                        bold = dim = False
                    elif p == 27:
                        rev = False
                    elif 30 <= p <= 37:
                        fg = BASE[p - 30]
                    elif 90 <= p <= 97:
                        fg = BASE[p - 90 + 8]
                    elif p == 39:
                        fg = FG
                    elif 40 <= p <= 47:
                        bg = BASE[p - 40]
                    elif 100 <= p <= 107:
                        bg = BASE[p - 100 + 8]
                    elif p == 49:
                        bg = BG
                    elif p in (38, 48) and j + 1 < len(params):
                        if params[j + 1] == 5 and j + 2 < len(params):
                            c = xterm256(params[j + 2])
                            j += 2
                        elif params[j + 1] == 2 and j + 4 < len(params):
                            c = tuple(params[j + 2:j + 5])
                            j += 4
                        else:
                            c = FG if p == 38 else BG
                        if p == 38:
                            fg = c
                        else:
                            bg = c
                    j += 1
                i += m.end()
                continue
            if line[i] == "\x1b":
                i += 1
                continue
            f, b = (bg, fg) if rev else (fg, bg)
            if dim:
                f = tuple(int(x * 0.6 + y * 0.4) for x, y in zip(f, BG))
            row.append((line[i], f, b, bold))
            i += 1
        rows.append(row)
    return rows


def main():
    src, out = sys.argv[1], sys.argv[2]
    cols = int(sys.argv[3]) if len(sys.argv) > 3 else 120
    nrows = int(sys.argv[4]) if len(sys.argv) > 4 else 40
    rows = parse(open(src, encoding="utf-8", errors="replace").read())[:nrows]
    font = ImageFont.truetype(FONT, SIZE)
    bold = ImageFont.truetype(BOLD, SIZE)
    cw = int(font.getlength("M"))
    ch = int(SIZE * 1.3)
    pad = 12
    img = Image.new("RGB", (cols * cw + 2 * pad, nrows * ch + 2 * pad), BG)
    d = ImageDraw.Draw(img)
    for y, row in enumerate(rows):
        for x, (c, f, b, bo) in enumerate(row[:cols]):
            px, py = pad + x * cw, pad + y * ch
            if b != BG:
                d.rectangle([px, py, px + cw, py + ch], fill=b)
            if c != " ":
                d.text((px, py + 2), c, font=bold if bo else font, fill=f)
    img.save(out)


if __name__ == "__main__":
    main()

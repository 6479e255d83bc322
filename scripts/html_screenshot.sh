#!/usr/bin/env bash
# Renders the HTML report of the demo in headless Chromium and writes
# screenshots/report.png. The report comes from the real TUI: the demo runs in tmux and
# `H` exports it; Chromium (Debian package `chromium`) loads the file with every network
# feature off, so the screenshot also shows that the file needs nothing from outside.
# Usage: scripts/html_screenshot.sh [WIDTH HEIGHT]   (default 1280 2400)
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-1280} H=${2:-2400}
cargo build --quiet
BIN="$PWD/target/debug/smtptui"
OUT="$PWD/screenshots"
WORK=$(mktemp -d)
SOCK="smtptui-html-$$"
trap 'tmux -L "$SOCK" kill-server 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
t() { tmux -L "$SOCK" "$@"; }
t -f /dev/null new-session -d -x 120 -y 40 -s s \
    "cd $WORK && TERM=xterm-256color XDG_STATE_HOME=$WORK $BIN --demo --export-dir $WORK; sleep 600"
for _ in $(seq 1 100); do
    t capture-pane -p -t s | grep -q "10/10 done" && break
    sleep 0.2
done
t send-keys -t s H
for _ in $(seq 1 50); do
    ls "$WORK"/smtptui-*.html >/dev/null 2>&1 && break
    sleep 0.2
done
t send-keys -t s q
REPORT=$(ls "$WORK"/smtptui-*.html | head -1)
echo "report: $(basename "$REPORT") ($(wc -c < "$REPORT") bytes)"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$WORK/chromium" --hide-scrollbars \
    --screenshot="$OUT/report.png" --window-size="$W,$H" "file://$REPORT" 2>/dev/null
echo "wrote screenshots/report.png"

#!/usr/bin/env bash
# Regenerates screenshots/*.png from the real TUI in demo mode (tmux + Pillow).
# Usage: scripts/screenshots.sh   (needs tmux, python3 with Pillow, fonts-dejavu-core)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
BIN="$PWD/target/debug/smtptui"
OUT="$PWD/screenshots"
WORK=$(mktemp -d)
SOCK="smtptui-shots-$$"
COLS=120 ROWS=40
trap 'tmux -L "$SOCK" kill-server 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

t() { tmux -L "$SOCK" "$@"; }
keys() { for k in "$@"; do t send-keys -t s "$k"; sleep 0.4; done; }
wait_for() {
    for _ in $(seq 1 100); do
        t capture-pane -p -t s | grep -q -- "$1" && return 0
        sleep 0.2
    done
    echo "timed out waiting for: $1" >&2
    t capture-pane -p -t s >&2
    return 1
}
shot() {
    sleep 0.5
    t capture-pane -e -p -t s > "$WORK/$1.ansi"
    python3 scripts/ansi2png.py "$WORK/$1.ansi" "$OUT/$1.png" "$COLS" "$ROWS"
    echo "wrote screenshots/$1.png"
}

t -f /dev/null new-session -d -x $COLS -y $ROWS -s s \
    "cd $WORK && TERM=xterm-256color XDG_STATE_HOME=$WORK $BIN --demo --export-dir $WORK; sleep 600"
wait_for "10/10 done"
shot matrix
keys j j j          # the expired-certificate endpoint
wait_for "cert_expired"
shot certificate
keys j j j j j      # the endpoint where AUTH fails
shot failure
keys W              # what works from here: settings and code
wait_for "Working settings"
shot settings
keys Tab            # the Python snippet
shot snippet
keys Escape
keys g s
wait_for "next:"
for _ in 1 2 3 4 5 6; do keys Enter; sleep 0.3; done
wait_for "authenticated as demo"
keys :
t send-keys -t s -l "NOOP"
keys Enter
wait_for "~>  NOOP"
shot stepping
keys Escape '?'
shot help
keys Escape q
sleep 0.5
t kill-server
# The compact layout at 80x24.
COLS=80 ROWS=24
t -f /dev/null new-session -d -x $COLS -y $ROWS -s s \
    "cd $WORK && TERM=xterm-256color XDG_STATE_HOME=$WORK $BIN --demo --export-dir $WORK; sleep 600"
wait_for "10/10 done"
keys j j j
shot compact

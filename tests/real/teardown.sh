#!/usr/bin/env bash
# Stops what tests/real/setup.sh started (Postfix, Dovecot, Exim) and removes its files
# under /opt/smtptui-real. Installed packages stay. Safe to run when nothing is running.
#   --keep-files   only stop the daemons (setup.sh uses this before rebuilding)
set -uo pipefail

ROOT=${SMTPTUI_REAL_ROOT:-/opt/smtptui-real}
MARK='# managed by smtptui tests/real/setup.sh'
keep=no
[ "${1:-}" = --keep-files ] && keep=yes
[ "$(id -u)" = 0 ] || { echo "teardown: run as root" >&2; exit 1; }

rm -f "$ROOT/ready"

# stop_pid FILE: SIGTERM the process whose pid FILE holds, wait up to 5 s, then SIGKILL.
stop_pid() {
    local f=$1 pid
    [ -s "$f" ] || return 0
    pid=$(head -n1 "$f" | tr -dc 0-9)
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
}

# Postfix: only when the running configuration is ours.
if [ -f /etc/postfix/main.cf ] && grep -qF "$MARK" /etc/postfix/main.cf; then
    if command -v postfix >/dev/null && postfix status >/dev/null 2>&1; then
        postfix stop >/dev/null 2>&1 || true
    fi
    stop_pid /var/spool/postfix/pid/master.pid
fi

# Dovecot: the instance whose base_dir is ours.
stop_pid "$ROOT/run/dovecot/master.pid"

# Exim: the daemon started with our pid file.
stop_pid "$ROOT/run/exim.pid"

if [ "$keep" = no ]; then
    for f in main.cf master.cf; do
        if [ ! -f "/etc/postfix/$f" ] || ! grep -qF "$MARK" "/etc/postfix/$f"; then continue; fi
        if [ -f "/etc/postfix/$f.smtptui-backup" ]; then
            mv -f "/etc/postfix/$f.smtptui-backup" "/etc/postfix/$f"
        else
            rm -f "/etc/postfix/$f"
        fi
    done
    if [ -f /etc/exim4/trusted_configs ]; then
        sed -i "\\|^$ROOT/exim/exim.conf\$|d" /etc/exim4/trusted_configs
        [ -s /etc/exim4/trusted_configs ] || rm -f /etc/exim4/trusted_configs
    fi
    # Keep the unpacked Exim packages (a later setup reuses them); drop everything else.
    if [ -d "$ROOT" ]; then
        find "$ROOT" -mindepth 1 -maxdepth 1 ! -name exim -exec rm -rf {} +
        find "$ROOT/exim" -mindepth 1 -maxdepth 1 ! -name root ! -name debs -exec rm -rf {} + 2>/dev/null
    fi
fi
echo "teardown: the real-server fixture is stopped"
exit 0

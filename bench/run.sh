#!/usr/bin/env bash
# Regenerates BENCHMARKS.md from measurements: `bash bench/run.sh` (BENCHMARKS.md records
# how long the run took, under Machine; the first build adds several minutes). Installs
# hyperfine, swaks, openssl, tmux and script (bsdutils) with apt-get when missing, builds
# the release binary and the bench helpers, runs every measurement, then rewrites
# BENCHMARKS.md from the files it wrote.
#
# `bash bench/run.sh STEP…` runs only the steps named (lab real roots matrix tui batch
# frames dns) and writes the report to target/bench-out/BENCHMARKS.partial.md instead,
# the steps not run shown as "not measured"; BENCHMARKS.md is left alone.
#
# Loopback only. Environment: DELAY_MS (relay one-way delay, default 50),
# IDLE_SECS (default 30), RUNS (whole-process runs per command, default 20), ROUNDS (the
# whole-process comparisons run in this many rounds, default 4).
set -euo pipefail
cd "$(dirname "$0")/.."

DELAY_MS=${DELAY_MS:-50}
IDLE_SECS=${IDLE_SECS:-30}
RUNS=${RUNS:-20}
ROUNDS=${ROUNDS:-4}
OUT=target/bench-out
# The binary measured: an installed copy of target/release/smtptui (see the build step).
BIN=$OUT/bin/smtptui
B=target/release/examples/bench
HOST=mail.lab.test

ALL_STEPS="lab real roots matrix tui batch frames dns"
if (($#)); then
    for step in "$@"; do
        if [[ " $ALL_STEPS " != *" $step "* ]]; then
            echo "bench/run.sh: unknown step '$step' (steps: $ALL_STEPS)" >&2
            exit 2
        fi
    done
    STEPS=" $* "
    MD="$OUT/BENCHMARKS.partial.md"
else
    STEPS=" $ALL_STEPS "
    MD=BENCHMARKS.md
fi
# want STEP: whether this run measures STEP.
want() { [[ $STEPS == *" $1 "* ]]; }

mkdir -p "$OUT"
# Every measurement file goes, so a step not run this time reads "not measured".
rm -f "$OUT"/*.json "$OUT"/*.txt

# Every background process this script starts is listed here and stopped by pid when
# its step ends (and on any exit).
PIDS=()
# stop_pid PID: SIGTERM, up to 5 s, then SIGKILL; reaps it.
stop_pid() {
    local pid=$1
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    if [ "${REAL_SET_UP:-0}" = 1 ] && [ "${KEEP_REAL:-0}" != 1 ]; then
        echo "== tests/real/teardown.sh (this run set the fixture up; KEEP_REAL=1 keeps it)"
        tests/real/teardown.sh >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

# Appends the load average, labelled, to machine.txt (the machine may be shared).
load_mark() {
    printf 'load:      %s (1/5/15 min, before %s)\n' "$(cut -d' ' -f1-3 /proc/loadavg)" "$1" >> "$OUT/machine.txt"
}

# Runs a command and records it, shell-quoted, in commands.txt (shown in BENCHMARKS.md).
run() {
    local a out=()
    for a in "$@"; do
        if [[ $a =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then
            out+=("$a")
        else
            out+=("'${a//\'/\'\\\'\'}'")
        fi
    done
    echo "${out[*]}" >> "$OUT/commands.txt"
    "$@"
}

# rotated OUT.json -n NAME CMD [-n NAME CMD]…: hyperfine (no shell) in $ROUNDS rounds of
# $RUNS/$ROUNDS runs (2 warm-up runs each), the order of the commands rotated every round,
# then `bench merge` joins the rounds into OUT.json (all runs of each command). On a
# shared machine a change of speed lasting a second then hits every command alike, where
# one block per command would give it all to one of them.
rotated() {
    local out=$1 names=() cmds=() r i k parts=() per=$((RUNS / ROUNDS))
    ((per > 0)) || per=1
    shift
    while (($#)); do names+=("$2"); cmds+=("$3"); shift 3; done
    for ((r = 0; r < ROUNDS; r++)); do
        local args=()
        for ((i = 0; i < ${#names[@]}; i++)); do
            k=$(((i + r) % ${#names[@]}))
            args+=(-n "${names[k]}" "${cmds[k]}")
        done
        parts+=("${out%.json}.round$r.json")
        run hyperfine -N --warmup 2 --runs "$per" --export-json "${parts[r]}" "${args[@]}"
    done
    run "$B" merge --out "$out" "${parts[@]}"
}

missing=()
for tool in hyperfine:hyperfine swaks:swaks openssl:openssl tmux:tmux script:bsdutils; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
if ((${#missing[@]})); then
    echo "== installing ${missing[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

echo "== building (release)"
cargo build --release --bin smtptui
cargo build --release --example bench
# Measured as installed: `cargo install` and packages copy the binary. The file the
# linker has just written starts measurably slower than a copy of the same bytes (more
# page faults: against the real Postfix, ~1 ms of a ~7 ms `check`; issue 14).
mkdir -p "$OUT/bin"
install -m 0755 target/release/smtptui "$BIN"

{
    echo "date:      $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit:    $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (uncommitted changes)')"
    echo "kernel:    $(uname -srm)"
    echo "cpu:       $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores"
    echo "memory:    $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, at the start)"
    echo "rustc:     $(rustc -V)"
    echo "hyperfine: $(hyperfine --version)"
    echo "swaks:     $(swaks --version 2>&1 | head -1)"
    echo "openssl:   $(openssl version)"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt"

LAB=""
if want lab || want matrix; then
    echo "== lab servers"
    echo "$B labserver --ca $OUT/ca.pem --delay-ms $DELAY_MS > $OUT/ports.txt &" >> "$OUT/commands.txt"
    "$B" labserver --ca "$OUT/ca.pem" --delay-ms "$DELAY_MS" > "$OUT/ports.txt" &
    LAB=$!
    PIDS+=("$LAB")
    for _ in $(seq 100); do grep -q '^ready$' "$OUT/ports.txt" 2>/dev/null && break; sleep 0.1; done
    grep -q '^ready$' "$OUT/ports.txt" || { echo "lab server did not start" >&2; exit 1; }
    AUTH=$(sed -n 's/^auth=//p' "$OUT/ports.txt")
    IFS=, read -r P25 P465 P587 P2525 <<< "$(sed -n 's/^matrix=//p' "$OUT/ports.txt")"
    CA="$OUT/ca.pem"
fi

if want lab; then
    echo "== one endpoint, whole process: smtptui vs swaks vs openssl"
    load_mark "lab, one endpoint"
    export SMTPTUI_PASSWORD=bench-password
    echo "export SMTPTUI_PASSWORD=bench-password" >> "$OUT/commands.txt"
    rotated "$OUT/whole.json" \
        -n smtptui "$BIN check $HOST --resolve $HOST:127.0.0.1 -p $AUTH/starttls --ca-file $CA -u bench -q" \
        -n swaks "swaks --server 127.0.0.1:$AUTH --tls --tls-verify --tls-ca-path $CA --auth PLAIN --auth-user bench --auth-password bench-password --to postmaster@lab.test --quit-after AUTH" \
        -n smtptui-no-system-roots "$BIN check $HOST --resolve $HOST:127.0.0.1 -p $AUTH/starttls --ca-file $CA --no-system-roots -u bench -q" \
        -n openssl "openssl s_client -starttls smtp -connect 127.0.0.1:$AUTH -servername $HOST -CAfile $CA -verify_return_error"
fi

if want real; then
    echo "== real servers: Postfix + Dovecot (tests/real), smtptui vs swaks vs openssl"
    REAL_FACTS=${REAL_FACTS:-/opt/smtptui-real/facts.env}
    real_fact() { sed -n "s/^$1='\(.*\)'\$/\1/p" "$REAL_FACTS"; }
    if [ ! -f "$REAL_FACTS" ] && [ "$(id -u)" -eq 0 ] && [ "${SKIP_REAL:-0}" != 1 ]; then
        echo "   the fixture is absent: tests/real/setup.sh (log in $OUT/real-setup.log)"
        echo "tests/real/setup.sh > $OUT/real-setup.log" >> "$OUT/commands.txt"
        if tests/real/setup.sh > "$OUT/real-setup.log" 2>&1; then
            REAL_SET_UP=1
        else
            echo "tests/real/setup.sh failed: see $OUT/real-setup.log" | tee "$OUT/real-skipped.txt"
        fi
    fi
    if [ "${SKIP_REAL:-0}" = 1 ]; then
        echo "SKIP_REAL=1" > "$OUT/real-skipped.txt"
    elif [ ! -f "$REAL_FACTS" ]; then
        echo "no $REAL_FACTS (run as root to set tests/real up)" >> "$OUT/real-skipped.txt"
    else
        RADDR=$(real_fact ADDR); RHOST=$(real_fact HOST); RCA=$(real_fact CA_FILE)
        RUSER=$(real_fact TEST_USER); PSUB=$(real_fact PORT_SUBMISSION); PSMTPS=$(real_fact PORT_SMTPS)
        {
            echo "postfix:   $(postconf -h mail_version 2>/dev/null || echo unknown)"
            echo "dovecot:   $(dovecot --version 2>/dev/null || echo unknown)"
        } >> "$OUT/machine.txt"
        # In a subshell: the real password stays out of the lab sections' environment, and
        # out of every command line (smtptui and swaks read it from the environment).
        (
            export SMTPTUI_PASSWORD SWAKS_OPT_auth_password
            SMTPTUI_PASSWORD=$(real_fact TEST_PASSWORD)
            SWAKS_OPT_auth_password=$SMTPTUI_PASSWORD
            echo "export SMTPTUI_PASSWORD=\"\$TEST_PASSWORD\" SWAKS_OPT_auth_password=\"\$TEST_PASSWORD\"  # from $REAL_FACTS" >> "$OUT/commands.txt"
            R="$BIN check $RHOST --resolve $RHOST:$RADDR --ca-file $RCA -u $RUSER -q"
            if ! $R -p "$PSUB/starttls" > "$OUT/real-check.txt" 2>&1; then
                echo "smtptui check against $RADDR:$PSUB failed (see $OUT/real-check.txt): real-server section skipped" | tee "$OUT/real-skipped.txt"
                exit 0
            fi
            S="swaks --server $RADDR:PORT --auth PLAIN --auth-user $RUSER --to postmaster@real.test --quit-after AUTH --tls-verify --tls-ca-path $RCA"
            load_mark "real servers, 587"
            rotated "$OUT/real_587.json" \
                -n smtptui "$R -p $PSUB/starttls" \
                -n smtptui-no-quickack "env SMTPTUI_QUICKACK=0 $R -p $PSUB/starttls" \
                -n swaks "${S/PORT/$PSUB} --tls" \
                -n openssl "openssl s_client -starttls smtp -connect $RADDR:$PSUB -servername $RHOST -CAfile $RCA -verify_return_error"
            load_mark "real servers, 465"
            rotated "$OUT/real_465.json" \
                -n smtptui "$R -p $PSMTPS/tls" \
                -n smtptui-no-quickack "env SMTPTUI_QUICKACK=0 $R -p $PSMTPS/tls" \
                -n swaks "${S/PORT/$PSMTPS} --tls-on-connect" \
                -n openssl "openssl s_client -connect $RADDR:$PSMTPS -servername $RHOST -CAfile $RCA -verify_return_error"
        )
    fi
fi

if want roots; then
    echo "== reading the system trust store"
    run "$B" roots --runs 10 --out "$OUT/roots.json"
fi

if want matrix; then
    echo "== matrix latency (D = $DELAY_MS ms each way)"
    load_mark "lab, matrix"
    M="$BIN check $HOST --resolve $HOST:127.0.0.1 -p $P25/starttls,$P465/tls,$P587/starttls,$P2525/starttls --ca-file $CA -q"
    run hyperfine -N --warmup 2 --runs 10 --export-json "$OUT/matrix.json" \
        -n full-matrix "$M" \
        -n sequential "$M --concurrency 1"
    # The relay's own hold, measured, for the calibrated bound.
    run "$B" relay-rtt --delay-ms "$DELAY_MS" --trips 22 --out "$OUT/relay.json"
fi

[ -z "$LAB" ] || stop_pid "$LAB"

if want tui; then
    echo "== TUI: time to first frame, idle CPU, RSS"
    load_mark "TUI"
    run "$B" ttff --bin "$BIN" --runs 10 --out "$OUT/ttff_demo.json" -- --demo
    run "$B" ttff --bin "$BIN" --runs 10 --out "$OUT/ttff_form.json"
    run "$B" idle --bin "$BIN" --secs "$IDLE_SECS" --out "$OUT/idle.json"
    run "$B" rss --lines 100000 --out "$OUT/rss.json"
fi

if want batch; then
    echo "== batch: 1,000 endpoints, concurrency 64"
    load_mark "batch"
    run "$B" batch --endpoints 1000 --concurrency 64 --addrs 10 --runs 3 --ca "$OUT/batch-ca.pem" --out "$OUT/batch.json"
fi

if want frames; then
    echo "== frame render (criterion)"
    load_mark "frame render"
    run cargo bench --bench render
    run "$B" frames --rounds 2000 --out "$OUT/frames.json"
fi

if want dns; then
    echo "== DNS report: a 500-MX domain (the scale test of tests/diagnose)"
    load_mark "DNS scale test"
    # The test prints its figures and bounds as `BENCH` lines; a failing test (or no line)
    # leaves the section "not measured" with the reason, instead of ending the script.
    if ! run cargo test --test diagnose scale -- --nocapture | grep '^BENCH ' > "$OUT/dns_scale.txt"; then
        echo "the scale test failed or printed no BENCH line (rerun: cargo test --test diagnose scale -- --nocapture)" | tee "$OUT/dns_scale-skipped.txt"
    fi
fi

echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, at the end)" >> "$OUT/machine.txt"
SECONDS_TAKEN=$SECONDS
echo "duration:  $((SECONDS_TAKEN / 60)) min $((SECONDS_TAKEN % 60)) s (the whole script, builds included)" >> "$OUT/machine.txt"

# Nothing this script started may outlive its step: background jobs still running, and
# processes of this build's binary (the TUI steps run it under script and tmux).
left=$(jobs -pr | wc -l)
strays=()
for p in $(pgrep -x smtptui || true); do
    if [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$(realpath "$BIN")" ]; then strays+=("$p"); fi
done
echo "left:      $left background job(s), ${#strays[@]} smtptui process(es) of this build still running${strays[*]:+ (pids ${strays[*]})}" >> "$OUT/machine.txt"

echo "== $MD"
# criterion's estimates outlive a run: a partial run without `frames` does not read them.
CRIT=target/criterion
want frames || CRIT="$OUT/no-criterion"
"$B" report --dir "$OUT" --criterion "$CRIT" --delay-ms "$DELAY_MS" --md "$MD"

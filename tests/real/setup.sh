#!/usr/bin/env bash
# Real-server interoperability fixture for smtptui: Postfix + Dovecot SASL (and Exim) on
# dedicated loopback addresses, with a throwaway test CA. Run as root on a Debian 12
# machine without systemd; idempotent (stops what a previous run started, then rebuilds).
#
#   127.0.0.25 (mail.real.test), Postfix:
#     25    STARTTLS offered, no AUTH           (relay for unauthenticated clients denied)
#     587   submission: STARTTLS required, AUTH only after TLS (smtpd_tls_auth_only)
#     465   smtps: implicit TLS, AUTH
#     2526  STARTTLS with an expired certificate
#     2527  STARTTLS with a certificate for another name (wrong.real.test)
#     2528  STARTTLS with a self-signed certificate
#     2529  no STARTTLS at all
#     2530  STARTTLS offered, AUTH offered before TLS too (smtpd_tls_auth_only = no)
#   127.0.0.26 (exim.real.test), Exim 4 (unpacked beside Postfix, see README.md):
#     25    STARTTLS offered, AUTH PLAIN/LOGIN after TLS (plaintext test authenticator)
#     587   the same, and MAIL without AUTH is refused: 530 5.7.0 Authentication required
#
# Nothing can leave the machine: no relayhost, every Postfix transport is `error` or
# `discard` (the smtp/relay/lmtp clients in master.cf run the error daemon), DNS disabled;
# Exim routes everything to :blackhole: and refuses foreign recipients.
#
# Writes /opt/smtptui-real/facts.env (addresses, ports, test user, certificate facts)
# and, when every listener answers, the marker /opt/smtptui-real/ready.
set -euo pipefail

ROOT=${SMTPTUI_REAL_ROOT:-/opt/smtptui-real}
HERE=$(cd "$(dirname "$0")" && pwd)
ADDR=127.0.0.25
HOST=mail.real.test
EXIM_ADDR=127.0.0.26
EXIM_HOST=exim.real.test
DOMAIN=real.test
TEST_USER=tester@real.test
MARK='# managed by smtptui tests/real/setup.sh'
started=$(date +%s)

log() { printf '[real-setup %3ss] %s\n' "$(($(date +%s) - started))" "$*"; }
die() { printf '[real-setup] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root"

# ---------------------------------------------------------------- packages
export DEBIAN_FRONTEND=noninteractive
pkgs=(postfix dovecot-core openssl
      # Exim's shared libraries (exim itself is unpacked, not installed: it conflicts
      # with postfix); `ldd` below checks nothing is missing.
      libgnutls30 libgnutls-dane0 libidn12 libidn2-0 libnsl2 libpcre2-8-0 libdb5.3 libcrypt1)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
updated=no
apt_update() { [ "$updated" = yes ] || { apt-get update -qq; updated=yes; }; }
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    # The packages' maintainer scripts must not start the system's own daemons (dovecot
    # with its default IMAP listeners): a temporary policy-rc.d forbids it when the image
    # has none (Debian container images usually ship one that does the same).
    own_policy=no
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
        own_policy=yes
    fi
    apt_update
    rc=0
    errs=$(mktemp)
    apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}" >/dev/null 2>"$errs" || rc=$?
    [ "$own_policy" = yes ] && rm -f /usr/sbin/policy-rc.d
    grep -v 'apt-utils is not installed' "$errs" >&2 || true
    rm -f "$errs"
    [ "$rc" = 0 ] || die "apt-get install failed ($rc)"
fi

# ---------------------------------------------------------------- stop a previous run
"$HERE/teardown.sh" --keep-files >/dev/null 2>&1 || true
rm -f "$ROOT/ready"
rm -rf "$ROOT/log"
mkdir -p "$ROOT"/{pki,dovecot,exim,log,run}
chmod 755 "$ROOT"

# ---------------------------------------------------------------- test CA and certificates
log "generating the test CA and certificates"
PKI=$ROOT/pki
rm -rf "$PKI" && mkdir -p "$PKI/ca/newcerts"
: >"$PKI/ca/index.txt"
echo 1000 >"$PKI/ca/serial"
cat >"$PKI/ca.cnf" <<EOF
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = $PKI/ca
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
certificate = $PKI/ca.pem
private_key = $PKI/ca.key
default_md = sha256
default_days = 365
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ policy_any ]
commonName = supplied
organizationName = optional
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ext_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ ext_mail ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:$HOST, DNS:$EXIM_HOST
[ ext_wrong ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:wrong.$DOMAIN
[ ext_self ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = DNS:$HOST, DNS:$EXIM_HOST
EOF
ossl() { openssl "$@" 2>>"$ROOT/log/openssl.log"; }
newkey() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
newkey "$PKI/ca.key"
ossl req -new -x509 -config "$PKI/ca.cnf" -extensions ext_ca -key "$PKI/ca.key" \
    -subj "/O=smtptui real-server tests/CN=smtptui Real Test CA" -days 3650 -out "$PKI/ca.pem"
# issue NAME CN EXTENSIONS [startdate enddate]
issue() {
    local name=$1 cn=$2 ext=$3
    newkey "$PKI/$name.key"
    ossl req -new -config "$PKI/ca.cnf" -key "$PKI/$name.key" \
        -subj "/O=smtptui real-server tests/CN=$cn" -out "$PKI/$name.csr"
    local dates=()
    [ $# -ge 5 ] && dates=(-startdate "$4" -enddate "$5")
    ossl ca -batch -notext -config "$PKI/ca.cnf" -extensions "$ext" "${dates[@]}" \
        -in "$PKI/$name.csr" -out "$PKI/$name.pem" >/dev/null
    cat "$PKI/$name.pem" "$PKI/ca.pem" >"$PKI/$name-chain.pem"
}
issue mail "$HOST" ext_mail
issue wrongname "wrong.$DOMAIN" ext_wrong
issue expired "$HOST" ext_mail 20240101000000Z 20240301000000Z
newkey "$PKI/selfsigned.key"
ossl req -new -x509 -config "$PKI/ca.cnf" -extensions ext_self -key "$PKI/selfsigned.key" \
    -subj "/O=smtptui real-server tests/CN=$HOST" -days 365 -out "$PKI/selfsigned.pem"
cp "$PKI/selfsigned.pem" "$PKI/selfsigned-chain.pem"
# Throwaway keys on loopback: readable by the daemons' unprivileged users.
chmod 755 "$PKI" && chmod 644 "$PKI"/*.pem "$PKI"/*.key

fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/^[^=]*=//'; }
# RFC 3339 UTC, as smtptui prints it.
enddate() { date -u -d "$(openssl x509 -in "$1" -noout -enddate | sed 's/^notAfter=//')" +%FT%TZ; }
# RFC 2253 order (most significant last), e.g. CN=mail.real.test,O=...
dn() { openssl x509 -in "$2" -noout "-$1" -nameopt RFC2253 | sed "s/^$1=//"; }

# ---------------------------------------------------------------- Dovecot (auth only)
log "configuring Dovecot (SASL auth only)"
PASSWORD="rt-$(openssl rand -hex 12)"
DOVE=$ROOT/dovecot
mkdir -p "$DOVE"
cat >"$DOVE/dovecot.conf" <<EOF
$MARK
# Authentication only: no IMAP/POP3, no network listener; Postfix asks over a unix socket.
protocols =
base_dir = $ROOT/run/dovecot
state_dir = $DOVE/state
log_path = $ROOT/log/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
passdb {
  driver = passwd-file
  args = scheme=SHA512-CRYPT username_format=%u $DOVE/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  unix_listener /var/spool/postfix/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
# Tests send wrong passwords on purpose: no failure delay and no per-IP auth penalty
# (which would slow every later login from 127.0.0.1 by seconds).
auth_failure_delay = 0
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF
mkdir -p "$DOVE/state"
hash=$(doveadm -c "$DOVE/dovecot.conf" pw -s SHA512-CRYPT -p "$PASSWORD")
printf '%s:%s::::::\n' "$TEST_USER" "$hash" >"$DOVE/users"
chown root:dovecot "$DOVE/users" && chmod 640 "$DOVE/users"

# ---------------------------------------------------------------- Postfix
log "configuring Postfix on $ADDR"
for f in main.cf master.cf; do # keep a configuration that is not ours (restored by teardown)
    if [ -f "/etc/postfix/$f" ] && ! grep -qF "$MARK" "/etc/postfix/$f"; then
        cp -n "/etc/postfix/$f" "/etc/postfix/$f.smtptui-backup"
    fi
done
cat >/etc/postfix/main.cf <<EOF
$MARK
# Test-only Postfix for smtptui's real-server suite. It can never deliver anywhere.
compatibility_level = 3.6
myhostname = $HOST
mydomain = $DOMAIN
myorigin = \$mydomain
mydestination = $HOST, $DOMAIN
# The listeners in master.cf bind $ADDR explicitly (it is not an interface address,
# so inet_interfaces cannot name it; all of 127/8 is routed to lo).
inet_interfaces = loopback-only
inet_protocols = ipv4
smtpd_banner = \$myhostname ESMTP Postfix smtptui-real
biff = no
append_dot_mydomain = no
alias_maps =
alias_database =
maillog_file = $ROOT/log/postfix.log
maillog_file_prefixes = $ROOT/log/

# No delivery, ever: every transport is error or discard, no relayhost, no DNS.
relayhost =
default_transport = error:smtptui test server delivers nothing
relay_transport = error:smtptui test server delivers nothing
virtual_transport = error:smtptui test server delivers nothing
local_transport = discard:smtptui test server
# Any address @real.test is accepted (and discarded).
local_recipient_maps =
transport_maps =
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtpd_peername_lookup = no
smtp_host_lookup = native

# Relay only for authenticated clients (and AUTH is only offered on 587/465).
mynetworks = $ADDR/32
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions =

# TLS with the generated test certificate; AUTH via Dovecot, only over TLS.
smtpd_tls_cert_file = $PKI/mail-chain.pem
smtpd_tls_key_file = $PKI/mail.key
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_tls_loglevel = 1
smtp_tls_security_level = none
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_auth_enable = no
smtpd_sasl_security_options = noanonymous
broken_sasl_auth_clients = no
EOF
listener() { # PORT NAME KEY CERT [extra -o lines]
    local port=$1 name=$2 key=$3 cert=$4
    shift 4
    printf '%s:%s inet n - n - - smtpd\n  -o syslog_name=postfix/%s\n' "$ADDR" "$port" "$name"
    [ -n "$key" ] && printf '  -o smtpd_tls_key_file=%s\n  -o smtpd_tls_cert_file=%s\n' "$key" "$cert"
    for o in "$@"; do printf '  -o %s\n' "$o"; done
}
{
    echo "$MARK"
    echo "# service type private unpriv chroot wakeup maxproc command"
    listener 25 smtp "" ""
    listener 587 submission "" "" smtpd_tls_security_level=encrypt smtpd_sasl_auth_enable=yes \
        smtpd_tls_auth_only=yes smtpd_client_restrictions=permit_sasl_authenticated,reject \
        smtpd_relay_restrictions=permit_sasl_authenticated,reject
    listener 465 smtps "" "" smtpd_tls_wrappermode=yes smtpd_sasl_auth_enable=yes \
        smtpd_client_restrictions=permit_sasl_authenticated,reject \
        smtpd_relay_restrictions=permit_sasl_authenticated,reject
    listener 2526 expired "$PKI/expired.key" "$PKI/expired-chain.pem"
    listener 2527 wrongname "$PKI/wrongname.key" "$PKI/wrongname-chain.pem"
    listener 2528 selfsigned "$PKI/selfsigned.key" "$PKI/selfsigned-chain.pem"
    listener 2529 nostarttls "" "" smtpd_tls_security_level=none
    listener 2530 authplain "" "" smtpd_sasl_auth_enable=yes smtpd_tls_auth_only=no
    cat <<'EOF'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
# The outbound clients and local delivery agents are replaced by error/discard daemons:
# even a misrouted message cannot leave this machine.
smtp      unix  -       -       n       -       -       error
relay     unix  -       -       n       -       -       error
lmtp      unix  -       -       n       -       -       error
local     unix  -       n       n       -       -       discard
virtual   unix  -       n       n       -       -       error
EOF
} >/etc/postfix/master.cf
mkdir -p "$ROOT/log"
# Postfix logs to syslog (absent here) until its postlogd runs; a tty makes it print.
script -qc "postfix check" /dev/null >&2 || true

# ---------------------------------------------------------------- Exim (unpacked)
log "preparing Exim on $EXIM_ADDR"

EXIM_DIR=$ROOT/exim
EXIM_BIN=$EXIM_DIR/root/usr/sbin/exim4
if [ ! -x "$EXIM_BIN" ]; then
    mkdir -p "$EXIM_DIR/debs" "$EXIM_DIR/root"
    (cd "$EXIM_DIR/debs" && { apt-get download -qq exim4-daemon-light exim4-base exim4-config 2>/dev/null \
        || { apt_update; apt-get download -qq exim4-daemon-light exim4-base exim4-config; }; })
    for d in "$EXIM_DIR"/debs/*.deb; do dpkg -x "$d" "$EXIM_DIR/root"; done
fi
if ldd "$EXIM_BIN" | grep -q 'not found'; then
    ldd "$EXIM_BIN" >&2
    die "exim needs libraries that are not installed"
fi
# Debian's exim has its user compiled in (Debian-exim); exim4-base's postinst would add it.
getent group Debian-exim >/dev/null || groupadd --system Debian-exim
getent passwd Debian-exim >/dev/null \
    || useradd --system --gid Debian-exim --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin Debian-exim
mkdir -p "$EXIM_DIR/spool"
mkdir -p "$ROOT/log/exim"
chown -R Debian-exim:Debian-exim "$EXIM_DIR/spool" "$ROOT/log/exim"
chmod 750 "$EXIM_DIR/spool"
cat >"$EXIM_DIR/exim.conf" <<EOF
$MARK
# Test-only Exim for smtptui's real-server suite: everything is refused or blackholed.
primary_hostname = $EXIM_HOST
qualify_domain = $DOMAIN
exim_path = $EXIM_BIN
never_users = root
spool_directory = $EXIM_DIR/spool
log_file_path = $ROOT/log/exim/%s.log
pid_file_path = $ROOT/run/exim.pid
local_interfaces = <; $EXIM_ADDR
daemon_smtp_ports = 25 : 587
disable_ipv6 = true
host_lookup =
rfc1413_hosts =
smtp_banner = \$primary_hostname ESMTP Exim \$version_number smtptui-real
domainlist local_domains = $DOMAIN : $EXIM_HOST
acl_smtp_mail = acl_check_mail
acl_smtp_rcpt = acl_check_rcpt
acl_smtp_data = acl_check_data
tls_advertise_hosts = *
tls_certificate = $PKI/mail-chain.pem
tls_privatekey = $PKI/mail.key
auth_advertise_hosts = \${if eq{\$tls_in_cipher}{}{}{*}}

begin acl
acl_check_mail:
  accept  condition = \${if !={\$received_port}{587}}
  accept  authenticated = *
  deny    message = 530 5.7.0 Authentication required
acl_check_rcpt:
  accept  authenticated = *
  accept  domains = +local_domains
  deny    message = relay not permitted (smtptui test server)
acl_check_data:
  accept

begin routers
blackhole:
  driver = redirect
  data = :blackhole:

begin transports

begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if and{{eq{\$auth2}{$TEST_USER}}{eq{\$auth3}{$PASSWORD}}}}
  server_set_id = \$auth2
login:
  driver = plaintext
  public_name = LOGIN
  server_prompts = Username:: : Password::
  server_condition = \${if and{{eq{\$auth1}{$TEST_USER}}{eq{\$auth2}{$PASSWORD}}}}
  server_set_id = \$auth1
EOF
chmod 640 "$EXIM_DIR/exim.conf"
chown root:Debian-exim "$EXIM_DIR/exim.conf"
# Debian's exim only keeps root (needed to bind port 25) for -C files listed here.
mkdir -p /etc/exim4
touch /etc/exim4/trusted_configs
grep -qxF "$EXIM_DIR/exim.conf" /etc/exim4/trusted_configs || echo "$EXIM_DIR/exim.conf" >>/etc/exim4/trusted_configs
"$EXIM_BIN" -C "$EXIM_DIR/exim.conf" -bV >"$ROOT/log/exim-version.txt" 2>&1 \
    || { cat "$ROOT/log/exim-version.txt" >&2; die "exim -bV failed"; }

# ---------------------------------------------------------------- start
log "starting Dovecot, Postfix and Exim"
# Daemons must not keep this script's stdout/stderr open (CI pipes them).
start_log=$ROOT/log/start.log
: >"$start_log"
dovecot -c "$DOVE/dovecot.conf" </dev/null >>"$start_log" 2>&1 \
    || { cat "$start_log" >&2; die "dovecot did not start"; }
postfix start </dev/null >>"$start_log" 2>&1 \
    || { cat "$start_log" >&2; tail -n 20 "$ROOT/log/postfix.log" >&2 2>/dev/null || true
         die "postfix did not start (no syslog here: see $ROOT/log/postfix.log, or run postfix start-fg)"; }
"$EXIM_BIN" -C "$EXIM_DIR/exim.conf" -bd </dev/null >>"$start_log" 2>&1 \
    || { cat "$start_log" >&2; die "exim did not start"; }

# ---------------------------------------------------------------- wait for every listener
wait_port() { # ADDR PORT
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    return 1
}
for p in 25 587 465 2526 2527 2528 2529 2530; do
    wait_port "$ADDR" "$p" || { tail -n 20 "$ROOT/log/postfix.log" >&2; die "postfix is not listening on $ADDR:$p"; }
done
for _ in $(seq 1 50); do [ -S /var/spool/postfix/private/auth ] && break; sleep 0.1; done
[ -S /var/spool/postfix/private/auth ] || { tail -n 20 "$ROOT/log/dovecot.log" >&2; die "dovecot auth socket missing"; }
for p in 25 587; do
    wait_port "$EXIM_ADDR" "$p" || { tail -n 20 "$ROOT/log/exim/main.log" "$ROOT/log/exim/panic.log" >&2 2>/dev/null; die "exim is not listening on $EXIM_ADDR:$p"; }
done

# ---------------------------------------------------------------- facts for the tests
cat >"$ROOT/facts.env" <<EOF
# Written by tests/real/setup.sh; read by tests/real_servers.rs. Throwaway test values.
ADDR='$ADDR'
HOST='$HOST'
EXIM_ADDR='$EXIM_ADDR'
EXIM_HOST='$EXIM_HOST'
CA_FILE='$PKI/ca.pem'
TEST_USER='$TEST_USER'
TEST_PASSWORD='$PASSWORD'
MAIL_PEM='$PKI/mail.pem'
MAIL_SUBJECT='$(dn subject "$PKI/mail.pem")'
MAIL_ISSUER='$(dn issuer "$PKI/mail.pem")'
MAIL_SANS='$HOST,$EXIM_HOST'
MAIL_NOT_AFTER='$(enddate "$PKI/mail.pem")'
MAIL_SHA256='$(fp "$PKI/mail.pem")'
EXPIRED_SHA256='$(fp "$PKI/expired.pem")'
WRONGNAME_SHA256='$(fp "$PKI/wrongname.pem")'
SELFSIGNED_SHA256='$(fp "$PKI/selfsigned.pem")'
PORT_SMTP='25'
PORT_SUBMISSION='587'
PORT_SMTPS='465'
PORT_EXPIRED='2526'
PORT_WRONGNAME='2527'
PORT_SELFSIGNED='2528'
PORT_NOSTARTTLS='2529'
PORT_AUTH_BEFORE_TLS='2530'
EXIM_PORT='25'
EXIM_SUBMISSION='587'
EOF
chmod 644 "$ROOT/facts.env"
date -u +%FT%TZ >"$ROOT/ready"
log "ready: Postfix on $ADDR (25 587 465 2526-2530), Exim on $EXIM_ADDR (25 587)"

#!/usr/bin/env bash
# services.sh: the real PostgreSQL 15, Dovecot (IMAP + LMTP) and Exim (SMTP) that nasbot's
# integration tests talk to, run as root without systemd, on 127.0.0.1 only, with all their
# state under .services/ at the repo root (git-ignored).
#
#   scripts/services.sh up      install what is missing, start what is stopped (idempotent)
#   scripts/services.sh down    stop what `up` started, by the PIDs it recorded
#   scripts/services.sh stop NAME   stop one of them (postgres, dovecot, exim); `up` starts it again
#   scripts/services.sh status  tell which services run (exit 3 when one does not)
#   scripts/services.sh env     print `export` lines for the tests (internal/testenv)
#
# `up` also writes .services/env as plain KEY=VALUE lines for a Makefile `include`.
#
# Overrides (environment):
#   NASBOT_SERVICES_PG_PORT   (55432)   NASBOT_SERVICES_IMAP_PORT (51143)
#   NASBOT_SERVICES_SMTP_PORT (52525)   NASBOT_SERVICES_DIR       (<repo>/.services)
#   NASBOT_SERVICES_OAUTH_PORT (58080)
#
# Mail model: every full address (pharmacy.fq7k2@nhs.net, requests@nas.test) is its own
# Dovecot user with its own INBOX; every user's password is nasbot-test. Exim accepts mail for
# any domain from loopback (with or without AUTH PLAIN/LOGIN) and hands every recipient to
# Dovecot over LMTP, so what the bot sends can be read back over IMAP.
#
# OAuth 2.0: Dovecot also takes AUTH=XOAUTH2 and AUTH=OAUTHBEARER, and Exim AUTH XOAUTH2 and
# OAUTHBEARER, checking each bearer token with RFC 7662 introspection at
# http://127.0.0.1:$NASBOT_SERVICES_OAUTH_PORT/introspect. Nothing listens there but a test that
# needs it (testenv.OAuthIdP); without it such logins fail, password logins are unaffected.
#
# `up` with the services already running rewrites changed Dovecot/Exim configs and reloads them
# (SIGHUP, after a syntax check), without a gap on the IMAP port. Dovecot then ends the IMAP
# sessions open at that moment (* BYE Server shutting down): tests running meanwhile may see one
# disconnect. Nothing is reloaded when the configs are unchanged.
set -euo pipefail

# The fast path (`up` when all runs) avoids forks: on a loaded 2-core machine each costs 5-50 ms.
_here=${BASH_SOURCE[0]}
[[ $_here == */* ]] || _here=./$_here
_svc=${NASBOT_SERVICES_DIR:-}
[[ -z $_svc || $_svc == /* ]] || _svc=$PWD/$_svc
cd -- "${_here%/*}/.."
readonly ROOT=$PWD
readonly SVC=${_svc:-$ROOT/.services}
readonly HOST=127.0.0.1
readonly PG_PORT=${NASBOT_SERVICES_PG_PORT:-55432}
readonly IMAP_PORT=${NASBOT_SERVICES_IMAP_PORT:-51143}
readonly SMTP_PORT=${NASBOT_SERVICES_SMTP_PORT:-52525}
readonly OAUTH_PORT=${NASBOT_SERVICES_OAUTH_PORT:-58080}
readonly PASSWORD=nasbot-test
readonly PACKAGES=(postgresql dovecot-imapd dovecot-lmtpd exim4-daemon-light)
readonly SERVICES=(postgres dovecot exim)
declare -rA COMM=([postgres]=postgres [dovecot]=dovecot [exim]=exim4)
declare -rA PORT=([postgres]=$PG_PORT [dovecot]=$IMAP_PORT [exim]=$SMTP_PORT)

die() {
	echo "services: $*" >&2
	exit 1
}
say() { echo "services: $*"; }

for _p in "$PG_PORT" "$IMAP_PORT" "$SMTP_PORT" "$OAUTH_PORT"; do
	[[ $_p =~ ^[0-9]+$ ]] && ((_p >= 1024 && _p <= 65535)) || die "port $_p: want a number in 1024-65535"
done

# PostgreSQL's server binaries: 15 on Debian 12; any installed major version works.
PG_BIN=/usr/lib/postgresql/15/bin
for _d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
	if [[ -x $_d/postgres ]]; then
		PG_BIN=$_d
		break
	fi
done
readonly PG_BIN

# The data folder is $SVC itself, unless its path is too long for unix sockets (~100 bytes:
# PostgreSQL's lock file and Dovecot's sockets add up to 40) or one of its parents is not
# traversable by postgres/Debian-exim/nobody (e.g. a clone under /root); then a short folder in
# /tmp is used and $SVC/data points to it. The choice is made once, when $SVC is first laid out.
traversable() {
	local d=$1
	while [[ $d != / && -n $d ]]; do
		if [[ -e $d ]]; then
			case $(stat -c %A "$d") in *x | *t) ;; *) return 1 ;; esac
		fi
		d=$(dirname "$d")
	done
}
if [[ -L $SVC/data ]]; then
	DATA=$(readlink "$SVC/data")
elif [[ -d $SVC/pids ]]; then
	DATA=$SVC
elif ((${#SVC} <= 60)) && [[ $SVC != *[[:space:]]* ]] && traversable "$(dirname "$SVC")"; then
	DATA=$SVC
else
	DATA=/tmp/nasbot-svc-$(printf %s "$SVC" | cksum | cut -d' ' -f1)
fi
readonly DATA

# ---------------------------------------------------------------- processes

# alive PID COMM: the process exists, is not a zombie (PID 1 here may not reap, and kill -0
# succeeds on zombies) and runs the expected program, so a recycled PID is never mistaken.
alive() {
	local pid=$1 stat comm
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	{ read -r stat <"/proc/$pid/stat" && read -r comm <"/proc/$pid/comm"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != [ZX] && $comm == "$2"* ]]
}

log_of() {
	case $1 in
	postgres) echo "$DATA/log/postgres.log" ;;
	dovecot) echo "$DATA/log/dovecot.log" ;;
	exim) echo "$DATA/exim/log/mainlog $DATA/exim/log/paniclog $DATA/log/exim.out" ;;
	esac
}

# recorded NAME sets REC_PID and REC_PORT from the record `up` wrote, if that process still runs.
recorded() {
	local f=$DATA/pids/$1
	REC_PID='' REC_PORT=''
	[[ -r $f ]] || return 1
	read -r REC_PID REC_PORT <"$f" || true
	alive "$REC_PID" "${COMM[$1]}"
}

record() { echo "$2 $3" >"$DATA/pids/$1"; }

# greets PORT PREFIX: something on 127.0.0.1:PORT answers with a line starting with PREFIX.
greets() {
	timeout 2 bash -c '
		exec 3<>"/dev/tcp/$0/$1" || exit 1
		IFS= read -r -t 2 line <&3 || exit 1
		printf "%s\r\n" "$3" >&3 2>/dev/null
		[[ $line == "$2"* ]]' "$HOST" "$1" "$2" "$3" 2>/dev/null
}
listening() { timeout 1 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$1" 2>/dev/null; }

# greeting_has PORT TEXT QUIT: the greeting on 127.0.0.1:PORT contains TEXT.
greeting_has() {
	timeout 2 bash -c '
		exec 3<>"/dev/tcp/$0/$1" || exit 1
		IFS= read -r -t 2 line <&3 || exit 1
		printf "%s\r\n" "$3" >&3 2>/dev/null
		[[ $line == *"$2"* ]]' "$HOST" "$1" "$2" "$3" 2>/dev/null
}

# same_file FILE TEXT: FILE holds exactly TEXT (read without a fork).
same_file() {
	local have=''
	[[ -r $1 ]] || return 1
	IFS= read -r -d '' have <"$1" || true
	[[ $have == "$2" ]]
}

# wait_greeting PORT PREFIX QUIT SECONDS
wait_greeting() {
	local i n=$(($4 * 20))
	for ((i = 0; i < n; i++)); do
		greets "$1" "$2" "$3" && return 0
		sleep 0.05
	done
	return 1
}

fail_start() {
	local name=$1 f
	shift
	echo "services: $name did not start: $*" >&2
	for f in $(log_of "$name"); do
		[[ -s $f ]] || continue
		echo "----- tail of $f" >&2
		tail -n 25 "$f" >&2
	done
	exit 1
}

port_free_or_die() {
	listening "$2" && die "$1: 127.0.0.1:$2 is already in use by a process this script did not start (see: ss -ltnp 'sport = :$2'); stop it or set NASBOT_SERVICES_*_PORT"
	return 0
}

# ---------------------------------------------------------------- install

installed() {
	[[ -x $PG_BIN/postgres && -x $PG_BIN/initdb && -x /usr/sbin/dovecot && -x /usr/lib/dovecot/imap &&
		-x /usr/lib/dovecot/lmtp && -x /usr/sbin/exim4 && -d /var/spool/exim4 ]]
}

POLICY_CREATED=0
remove_policy() {
	if ((POLICY_CREATED)); then
		rm -f /usr/sbin/policy-rc.d
		POLICY_CREATED=0
	fi
}

install_packages() {
	installed && return 0
	local t0=$SECONDS
	say "installing ${PACKAGES[*]} (Debian packages, once per machine)"
	# Keep the packages from starting system daemons on 5432, 143 and 25.
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		POLICY_CREATED=1
		trap remove_policy EXIT
	fi
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -s -qq "${PACKAGES[@]}" >/dev/null 2>&1; then
		apt-get update -qq || die "apt-get update failed"
	fi
	if ! apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >"$SVC/apt.log" 2>&1; then
		# Package lists may be stale (files gone from the mirror): refresh once and retry.
		apt-get update -qq || die "apt-get update failed"
		apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >"$SVC/apt.log" 2>&1 ||
			{
				tail -n 30 "$SVC/apt.log" >&2
				die "apt-get install ${PACKAGES[*]} failed"
			}
	fi
	remove_policy
	installed && getent passwd Debian-exim >/dev/null ||
		die "packages installed but binaries or the Debian-exim user are missing (PostgreSQL in $PG_BIN?)"
	say "installed in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------- layout

prepare_dirs() {
	mkdir -p "$SVC"
	[[ $DATA == "$SVC" ]] || {
		mkdir -p "$DATA"
		ln -sfn "$DATA" "$SVC/data"
	}
	chmod 755 "$DATA"
	mkdir -p "$DATA/pids" "$DATA/log" "$DATA/dovecot" "$DATA/dovecot-state" "$DATA/pg" "$DATA/mail" \
		"$DATA/exim/spool" "$DATA/exim/log"
	chmod 755 "$DATA/log" "$DATA/dovecot"
	touch "$DATA/log/postgres.log"
	chown postgres:postgres "$DATA/pg" "$DATA/log/postgres.log"
	chown 65534:65534 "$DATA/mail"
	chmod 700 "$DATA/mail"
	chown -R Debian-exim:Debian-exim "$DATA/exim"
	chmod 750 "$DATA/exim"
}

write_env() {
	local want="NASBOT_TEST_SERVICES=1
NASBOT_TEST_PG_URL=postgres://postgres@$HOST:$PG_PORT/postgres?sslmode=disable
NASBOT_TEST_IMAP_ADDR=$HOST:$IMAP_PORT
NASBOT_TEST_SMTP_ADDR=$HOST:$SMTP_PORT
NASBOT_TEST_OAUTH_ADDR=$HOST:$OAUTH_PORT
NASBOT_TEST_MAIL_PASSWORD=$PASSWORD" have=''
	[[ -r $SVC/env ]] && have=$(<"$SVC/env")
	[[ $have == "$want" ]] && return 0
	printf '%s\n' "$want" >"$SVC/env.tmp"
	mv -f "$SVC/env.tmp" "$SVC/env"
}

# ---------------------------------------------------------------- PostgreSQL

start_postgres() {
	local data=$DATA/pg/data pid
	if [[ ! -s $data/PG_VERSION ]]; then
		rm -rf "$data"
		runuser -u postgres -- "$PG_BIN/initdb" -D "$data" --auth=trust --no-sync -U postgres \
			-E UTF8 --locale=C.UTF-8 --no-instructions >"$DATA/log/postgres.log" 2>&1 ||
			fail_start postgres "initdb failed"
		echo "include_if_exists = 'nasbot.conf'" >>"$data/postgresql.conf"
	fi
	# Test settings: loopback only, socket under .services, durability off for speed.
	cat >"$data/nasbot.conf" <<EOF
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$DATA/pg'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
logging_collector = off
EOF
	chown postgres:postgres "$data/nasbot.conf"
	# A lock file naming a dead (or zombie, or recycled) PID makes PostgreSQL refuse to start.
	read -r pid 2>/dev/null <"$data/postmaster.pid" || pid=''
	[[ -n $pid ]] && ! alive "$pid" postgres && rm -f "$data/postmaster.pid"
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$data" -l "$DATA/log/postgres.log" -w -t 30 -s start \
		</dev/null >>"$DATA/log/postgres.log" 2>&1 9>&- || fail_start postgres "pg_ctl start failed"
	read -r pid 2>/dev/null <"$data/postmaster.pid" || pid=''
	alive "$pid" postgres || fail_start postgres "no live postmaster after pg_ctl start"
	record postgres "$pid" "$PG_PORT"
}

# ---------------------------------------------------------------- Dovecot

# dovecot_conf sets DOVECOT_CONF and OAUTH2_CONF to the text of Dovecot's config files (no fork:
# `up` compares them with the files each time).
dovecot_conf() {
	IFS= read -r -d '' DOVECOT_CONF <<EOF || true
# Written by scripts/services.sh: a standalone test Dovecot; includes nothing from /etc/dovecot.
instance_name = nasbot-test
base_dir = $DATA/dovecot
state_dir = $DATA/dovecot-state
log_path = $DATA/log/dovecot.log
protocols = imap lmtp
listen = $HOST
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
# Full addresses are user names; '+' kept so a+tag@x is its own user, not a's.
auth_username_chars = abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01234567890.-_@+=
recipient_delimiter =
mail_location = maildir:$DATA/mail/%u/Maildir
mail_fsync = never
mail_max_userip_connections = 200
lda_mailbox_autocreate = yes
passdb {
  driver = static
  mechanisms = plain login
  args = password=$PASSWORD
}
# Bearer tokens (XOAUTH2, OAUTHBEARER RFC 7628) are checked by the test's introspection endpoint.
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $DATA/dovecot-oauth2.conf.ext
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$DATA/mail/%u allow_all_users=yes
}
namespace inbox {
  inbox = yes
  separator = /
}
# Every user is uid 65534, so processes can be reused across users: fewer forks per login.
service imap-login {
  service_count = 0
  process_min_avail = 1
  inet_listener imap {
    address = $HOST
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
# No auth penalty socket, no penalty: otherwise one test's wrong password delays every later login
# from 127.0.0.1 (all the tests) by 2-15 s. Failed logins still answer ~0.5 s late (batched).
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap {
  service_count = 0
  process_min_avail = 1
  # Keeps auth's client_limit (1000) above the sum of the services' process limits.
  process_limit = 200
}
service lmtp {
  process_min_avail = 1
  unix_listener lmtp {
    mode = 0666
  }
}
protocol lmtp {
  postmaster_address = postmaster@nas.test
}
EOF
	# RFC 7662 introspection: POST token=...; {"active":true,"username":"<login>"} lets in exactly
	# that user. The test server answers with Connection: close, so that Dovecot never reuses a
	# connection to a server a finished test has shut down (its HTTP client does not retry).
	IFS= read -r -d '' OAUTH2_CONF <<EOF || true
# Written by scripts/services.sh: Dovecot's oauth2 passdb (2.3 syntax).
introspection_mode = post
introspection_url = http://$HOST:$OAUTH_PORT/introspect
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 5000
EOF
}

dovecot_conf_current() {
	dovecot_conf
	same_file "$DATA/dovecot.conf" "$DOVECOT_CONF" && same_file "$DATA/dovecot-oauth2.conf.ext" "$OAUTH2_CONF"
}

write_dovecot_conf() {
	dovecot_conf
	printf '%s' "$OAUTH2_CONF" >"$DATA/dovecot-oauth2.conf.ext"
	printf '%s' "$DOVECOT_CONF" >"$DATA/dovecot.conf"
}

# reload_dovecot PID: the running master takes the new config (checked first) on SIGHUP; the
# listeners stay, IMAP processes of the old config are ended (their clients get BYE).
reload_dovecot() {
	local f=$DATA/dovecot.conf i
	dovecot_conf
	printf '%s' "$DOVECOT_CONF" >"$f.new"
	printf '%s' "$OAUTH2_CONF" >"$DATA/dovecot-oauth2.conf.ext"
	/usr/sbin/dovecot -c "$f.new" -n >/dev/null 2>"$DATA/log/dovecot-check.out" || {
		cat "$DATA/log/dovecot-check.out" >&2
		die "dovecot: the new config $f.new is invalid; the running Dovecot keeps the old one"
	}
	mv -f "$f.new" "$f"
	kill -HUP "$1"
	for ((i = 0; i < 200; i++)); do # 10 s
		greeting_has "$IMAP_PORT" "AUTH=XOAUTH2" "a LOGOUT" && return 0
		sleep 0.05
	done
	fail_start dovecot "no IMAP greeting offering AUTH=XOAUTH2 on $HOST:$IMAP_PORT after the reload"
}

start_dovecot() {
	local pid
	write_dovecot_conf
	# A master.pid left by a dead (or zombie) master makes Dovecot refuse with "already running".
	pid=$(cat "$DATA/dovecot/master.pid" 2>/dev/null || true)
	[[ -n $pid ]] && ! alive "$pid" dovecot && rm -f "$DATA/dovecot/master.pid"
	# With mode = 0 no penalty socket is made; one left by an older config would be dialled in vain.
	rm -f "$DATA/dovecot/anvil-auth-penalty"
	/usr/sbin/dovecot -c "$DATA/dovecot.conf" </dev/null >>"$DATA/log/dovecot.log" 2>&1 9>&- ||
		fail_start dovecot "dovecot -c $DATA/dovecot.conf exited non-zero"
	wait_greeting "$IMAP_PORT" "* OK" "a LOGOUT" 10 || fail_start dovecot "no IMAP greeting on $HOST:$IMAP_PORT"
	pid=$(cat "$DATA/dovecot/master.pid" 2>/dev/null || true)
	alive "$pid" dovecot || fail_start dovecot "no live master in $DATA/dovecot/master.pid"
	[[ -S $DATA/dovecot/lmtp ]] || fail_start dovecot "no LMTP socket at $DATA/dovecot/lmtp"
	record dovecot "$pid" "$IMAP_PORT"
}

# ---------------------------------------------------------------- Exim

# exim_conf sets EXIM_CONF to the text of Exim's config file (no fork).
exim_conf() {
	IFS= read -r -d '' EXIM_CONF <<EOF || true
# Written by scripts/services.sh: a test Exim that accepts mail for any domain from loopback and
# delivers every recipient (full address) to the test Dovecot over LMTP.
primary_hostname = smtp.nas.test
qualify_domain = nas.test
daemon_smtp_ports = $SMTP_PORT
local_interfaces = $HOST
spool_directory = $DATA/exim/spool
log_file_path = $DATA/exim/log/%slog
pid_file_path = $DATA/exim/exim.pid
exim_user = Debian-exim
exim_group = Debian-exim
never_users = root
keep_environment =
host_lookup =
rfc1413_hosts =
tls_advertise_hosts =
auth_advertise_hosts = *
message_size_limit = 64M
# Without this the 11th and later messages of one connection wait for a queue run.
smtp_accept_queue_per_connection = 0
smtp_accept_max = 200
smtp_accept_max_per_host = 200
acl_smtp_rcpt = acl_rcpt
ignore_bounce_errors_after = 1h
timeout_frozen_after = 1d

begin acl

acl_rcpt:
  accept authenticated = *
  accept hosts = <; 127.0.0.1 ; ::1
  deny   message = relay not permitted

begin routers

to_dovecot:
  driver = accept
  transport = dovecot_lmtp

begin transports

dovecot_lmtp:
  driver = lmtp
  socket = $DATA/dovecot/lmtp
  batch_max = 200
  user = Debian-exim

begin retry

*   *   F,2h,10s; F,1d,10m

begin authenticators

plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if eq{\$auth3}{$PASSWORD}}
  server_set_id = \$auth2

login:
  driver = plaintext
  public_name = LOGIN
  server_prompts = <| Username: | Password:
  server_condition = \${if eq{\$auth2}{$PASSWORD}}
  server_set_id = \$auth1

# Bearer tokens: Exim has no OAuth driver, so plaintext takes the whole initial response (\$auth1,
# no NULs in it) and asks the test's introspection endpoint whether the token is active for the
# user named in it (GET, token and user restricted to characters safe in the request line).
# XOAUTH2: user=USER ^A auth=Bearer TOKEN ^A ^A.
xoauth2:
  driver = plaintext
  public_name = XOAUTH2
  server_prompts = :
  server_condition = \${if match{\$auth1}{\N^user=([A-Za-z0-9._@-]+)\x01auth=Bearer ([A-Za-z0-9._~+/=-]+)\x01\x01\$\N}{\${if match{\${readsocket{inet:$HOST:$OAUTH_PORT}{GET /introspect?token=\$2&username=\$1 HTTP/1.0\r\n\r\n}{5s}{}{}}}{\N"active": ?true\N}}}}
  server_set_id = \${if match{\$auth1}{\N^user=([^\x01]+)\N}{\$1}}

# OAUTHBEARER (RFC 7628): n,a=USER, ^A [key=value ^A]... auth=Bearer TOKEN ^A [key=value ^A]... ^A.
oauthbearer:
  driver = plaintext
  public_name = OAUTHBEARER
  server_prompts = :
  server_condition = \${if match{\$auth1}{\N^n,a=([A-Za-z0-9._@-]+),\x01(?:[a-z]+=[^\x01]*\x01)*?auth=Bearer ([A-Za-z0-9._~+/=-]+)\x01(?:[a-z]+=[^\x01]*\x01)*\x01\$\N}{\${if match{\${readsocket{inet:$HOST:$OAUTH_PORT}{GET /introspect?token=\$2&username=\$1 HTTP/1.0\r\n\r\n}{5s}{}{}}}{\N"active": ?true\N}}}}
  server_set_id = \${if match{\$auth1}{\N^n,a=([^,]+),\N}{\$1}}
EOF
}

# write_exim_conf [FILE]: writes the config to FILE (default $DATA/exim.conf).
write_exim_conf() {
	local f=${1:-$DATA/exim.conf}
	exim_conf
	printf '%s' "$EXIM_CONF" >"$f.tmp"
	# Exim refuses a config that is not root-owned or is group/world writable.
	chown root:root "$f.tmp"
	chmod 644 "$f.tmp"
	mv "$f.tmp" "$f"
}

exim_conf_current() {
	exim_conf
	same_file "$DATA/exim.conf" "$EXIM_CONF"
}

# reload_exim PID: the running daemon re-executes itself with the new config (checked first) on
# SIGHUP; sessions in progress finish, the port is closed for the moment of the re-exec.
reload_exim() {
	local f=$DATA/exim.conf i
	write_exim_conf "$f.new"
	/usr/sbin/exim4 -C "$f.new" -bV >"$DATA/log/exim-check.out" 2>&1 || {
		cat "$DATA/log/exim-check.out" >&2
		die "exim: the new config $f.new is invalid; the running Exim keeps the old one"
	}
	mv -f "$f.new" "$f"
	kill -HUP "$1"
	for ((i = 0; i < 200; i++)); do # 10 s
		ehlo_offers "$SMTP_PORT" XOAUTH2 && return 0
		sleep 0.05
	done
	fail_start exim "no EHLO offering AUTH XOAUTH2 on $HOST:$SMTP_PORT after the reload"
}

# ehlo_offers PORT WORD: the SMTP server on 127.0.0.1:PORT lists WORD in its EHLO answer.
ehlo_offers() {
	timeout 2 bash -c '
		exec 3<>"/dev/tcp/$0/$1" || exit 1
		IFS= read -r -t 2 line <&3 && [[ $line == 220* ]] || exit 1
		printf "EHLO services.sh\r\n" >&3
		found=1
		while IFS= read -r -t 2 line <&3; do
			[[ $line == *" $2"* ]] && found=0
			[[ $line == 250\ * ]] && break
		done
		printf "QUIT\r\n" >&3 2>/dev/null
		exit $found' "$HOST" "$1" "$2" 2>/dev/null
}

start_exim() {
	local pid
	write_exim_conf
	/usr/sbin/exim4 -C "$DATA/exim.conf" -bV >"$DATA/log/exim.out" 2>&1 ||
		fail_start exim "configuration check (exim4 -C $DATA/exim.conf -bV) failed"
	rm -f "$DATA/exim/exim.pid"
	# -bd: listen (forks to the background); -q10s: retry deferred deliveries every 10 s.
	/usr/sbin/exim4 -C "$DATA/exim.conf" -bd -q10s </dev/null >>"$DATA/log/exim.out" 2>&1 9>&- ||
		fail_start exim "exim4 -bd exited non-zero"
	# Exim exits 0 even when its daemon dies at once (e.g. unwritable spool): trust only the banner.
	wait_greeting "$SMTP_PORT" 220 QUIT 10 || fail_start exim "no 220 banner on $HOST:$SMTP_PORT"
	pid=$(cat "$DATA/exim/exim.pid" 2>/dev/null || true)
	alive "$pid" exim4 || fail_start exim "no live daemon in $DATA/exim/exim.pid"
	record exim "$pid" "$SMTP_PORT"
}

# ---------------------------------------------------------------- commands

ms_since() { echo $(((${EPOCHREALTIME/./} - ${1/./}) / 1000)); }

up() {
	((EUID == 0)) || die "must run as root (it installs packages and switches users)"
	local t0=$EPOCHREALTIME name running=() stopped=() started=() reloaded=()
	mkdir -p "$SVC"
	# Serialise concurrent up/down. Daemons are started with fd 9 closed (9>&-): one that
	# inherited it would hold the lock for as long as it runs.
	exec 9>"$SVC/.lock"
	flock 9
	for name in "${SERVICES[@]}"; do
		if recorded "$name"; then
			[[ $REC_PORT == "${PORT[$name]}" ]] ||
				die "$name already runs (pid $REC_PID) on port $REC_PORT, not ${PORT[$name]}: run '$0 down' first"
			running+=("$name")
		else
			stopped+=("$name")
		fi
	done
	# A config this script now writes differently (e.g. after a git pull) is loaded into the
	# running daemon, so that `up` alone brings the services up to date.
	for name in "${running[@]}"; do
		case $name in
		dovecot) dovecot_conf_current || { recorded dovecot && reload_dovecot "$REC_PID" && reloaded+=(dovecot); } ;;
		exim) exim_conf_current || { recorded exim && reload_exim "$REC_PID" && reloaded+=(exim); } ;;
		esac
	done
	if ((${#stopped[@]})); then
		install_packages
		prepare_dirs
		for name in "${stopped[@]}"; do
			port_free_or_die "$name" "${PORT[$name]}"
		done
		# Start in parallel: no service needs another to start (Exim reaches Dovecot only to
		# deliver, and retries), and on a busy machine each takes 0.5-2 s.
		local -A job=()
		for name in "${stopped[@]}"; do
			(
				t1=$EPOCHREALTIME
				"start_$name"
				say "$name started in $(ms_since "$t1") ms"
			) &
			job[$name]=$!
		done
		local failed=()
		for name in "${stopped[@]}"; do
			if wait "${job[$name]}"; then started+=("$name"); else failed+=("$name"); fi
		done
		((${#failed[@]} == 0)) || die "up failed: ${failed[*]} did not start (see above; '$0 status', '$0 down')"
	fi
	write_env
	((${#reloaded[@]} == 0)) || say "reloaded with a changed config: ${reloaded[*]}"
	if ((${#started[@]} == 0)); then
		say "already up: ${running[*]} ($(ms_since "$t0") ms)"
	else
		say "started: ${started[*]}${running:+; already running: ${running[*]}} ($(ms_since "$t0") ms)"
	fi
	say "PostgreSQL $HOST:$PG_PORT  IMAP $HOST:$IMAP_PORT  SMTP $HOST:$SMTP_PORT  password $PASSWORD  env: $SVC/env"
	say "OAuth tokens (XOAUTH2, OAUTHBEARER) are checked at http://$HOST:$OAUTH_PORT/introspect, served by the tests that need it"
}

# stop NAME SIGNAL: signal only the recorded PID, wait until it is gone and its port is closed.
stop() {
	local name=$1 sig=$2 pid port i
	if ! recorded "$name"; then
		rm -f "$DATA/pids/$name"
		say "$name: not running"
		return 0
	fi
	pid=$REC_PID port=$REC_PORT
	kill "-$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < 300; i++)); do # 15 s
		alive "$pid" "${COMM[$name]}" || break
		sleep 0.05
	done
	if alive "$pid" "${COMM[$name]}"; then
		echo "services: $name (pid $pid) still runs after 15 s; sending SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null || true
		sleep 0.2
	fi
	# Dovecot's login processes may hold the listener for a moment after the master is gone.
	for ((i = 0; i < 100; i++)); do
		[[ $port =~ ^[0-9]+$ ]] && listening "$port" || break
		sleep 0.05
	done
	rm -f "$DATA/pids/$name"
	say "$name: stopped (pid $pid)"
}

down() {
	[[ -d $SVC ]] || {
		say "nothing to stop ($SVC does not exist)"
		return 0
	}
	exec 9>"$SVC/.lock"
	flock 9
	stop exim TERM
	stop dovecot TERM
	stop postgres INT # PostgreSQL's "fast" shutdown
	[[ ! -e $DATA/dovecot/master.pid ]] || alive "$(cat "$DATA/dovecot/master.pid")" dovecot ||
		rm -f "$DATA/dovecot/master.pid"
}

# stop_one NAME: for the fault tests, which restart one service of their own set.
stop_one() {
	[[ -n ${COMM[${1:-}]:-} ]] || die "stop: want one of ${SERVICES[*]}"
	[[ -d $SVC ]] || die "stop: $SVC does not exist"
	exec 9>"$SVC/.lock"
	flock 9
	case $1 in
	postgres) stop postgres INT ;;
	*) stop "$1" TERM ;;
	esac
}

status() {
	local name all=0 health
	for name in "${SERVICES[@]}"; do
		if recorded "$name"; then
			health="answering"
			listening "$REC_PORT" || health="NOT answering"
			printf '%-9s running  pid %-7s %s:%s %s\n' "$name" "$REC_PID" "$HOST" "$REC_PORT" "$health"
			[[ $health == answering ]] || all=3
		else
			printf '%-9s stopped\n' "$name"
			all=3
		fi
	done
	return "$all"
}

print_env() {
	local line
	if [[ ! -r $SVC/env ]]; then
		mkdir -p "$SVC"
		write_env
	fi
	while IFS= read -r line; do
		[[ -n $line ]] && printf "export %s='%s'\n" "${line%%=*}" "${line#*=}"
	done <"$SVC/env"
}

case ${1:-} in
up) up ;;
down) down ;;
stop) stop_one "${2:-}" ;;
status) status ;;
env) print_env ;;
*)
	echo "usage: $0 up|down|stop NAME|status|env" >&2
	exit 2
	;;
esac

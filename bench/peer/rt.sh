#!/usr/bin/env bash
# Request Tracker 5 as nasbot's benchmark peer (issue 18): Debian's packages, PostgreSQL as its
# database (a database `rt5` in the project's own cluster of scripts/services.sh), a sendmail
# stand-in that writes each mail RT sends to a file (nothing leaves the machine), and RT's own
# server on 127.0.0.1 only.
#
#   bash bench/peer/rt.sh install   # idempotent: packages, site config, database, rights, template
#   bash bench/peer/rt.sh start     # a fresh rt5 database from the template, then rt-server
#   bash bench/peer/rt.sh stop      # stops the rt-server this script started (by its PID file)
#   bash bench/peer/rt.sh env       # prints RT_URL=… RT_PG_URL=… RT_SERVER_PID=… for the driver
#
# State (PID file, log, the mail RT "sent") lives in $RT_STATE (default out/peer/rt). The
# database server is the project's; this script never starts or stops it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STATE=${RT_STATE:-$ROOT/out/peer/rt}
PORT=${RT_PORT:-18088}
SERVICES=${SERVICES_DIR:-$ROOT/.services}
PKGS=(request-tracker5 rt5-db-postgresql rt5-clients rt5-standalone)
SITE_D=/etc/request-tracker5/RT_SiteConfig.d
RTLIB=/usr/share/request-tracker5/lib
DB=rt5
DB_USER=rt_bench
DB_PASS=rt-bench

die() { echo "rt.sh: $*" >&2; exit 1; }
say() { echo "$(date +%H:%M:%S) rt.sh: $*" >&2; }

# pg_admin_url is services.sh's PostgreSQL admin URL (NASBOT_TEST_PG_URL).
pg_admin_url() {
	local url=${NASBOT_TEST_PG_URL:-}
	if [[ -z $url && -f $SERVICES/env ]]; then
		url=$(sed -n 's/^NASBOT_TEST_PG_URL=//p' "$SERVICES/env")
	fi
	[[ -n $url ]] || die "no PostgreSQL: run 'bash scripts/services.sh up' first (or set NASBOT_TEST_PG_URL)"
	echo "$url"
}
pg_host() { local u; u=$(pg_admin_url); u=${u#*@}; echo "${u%%:*}"; }
pg_port() { local u; u=$(pg_admin_url); u=${u#*@}; u=${u#*:}; echo "${u%%/*}"; }
psql_admin() { psql "$(pg_admin_url)" -v ON_ERROR_STOP=1 -Atq "$@"; }

install_packages() {
	local missing=()
	for p in "${PKGS[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
	done
	[[ ${#missing[@]} -eq 0 ]] && return
	say "installing ${missing[*]}"
	# No database from dbconfig-common: this script makes it in the project's cluster itself.
	debconf-set-selections <<-EOF
		request-tracker5 request-tracker5/initial-root-password password rt-bench-root
		request-tracker5 request-tracker5/rtname string nas.test
		request-tracker5 request-tracker5/organization string nas.test
		request-tracker5 request-tracker5/correspondaddress string rt@nas.test
		request-tracker5 request-tracker5/commentaddress string rt-comment@nas.test
		request-tracker5 request-tracker5/webbaseurl string http://127.0.0.1:$PORT
		request-tracker5 request-tracker5/webpath string
		request-tracker5 request-tracker5/install-cronjobs boolean false
		request-tracker5 request-tracker5/dbconfig-install boolean false
		request-tracker5 request-tracker5/database-type select pgsql
	EOF
	# Without systemd nothing may start daemons: policy-rc.d says no (it is there already on
	# this machine kind; if not, one is put in place for the install and removed after).
	local policy=""
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
		policy=/usr/sbin/policy-rc.d
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >"$STATE/apt.log" 2>&1 ||
		{ [[ -n $policy ]] && rm -f "$policy"; die "apt-get install failed: see $STATE/apt.log"; }
	[[ -n $policy ]] && rm -f "$policy"
	return 0
}

write_config() {
	mkdir -p "$STATE/sent"
	chown www-data "$STATE/sent"
	# The sendmail stand-in: RT pipes each mail it sends (autoreplies, notifications) to it.
	cat >"$STATE/sendmail" <<-EOF
		#!/bin/sh
		exec cat >"$STATE/sent/\$(date +%s%N).\$\$.eml"
	EOF
	chmod 755 "$STATE/sendmail"
	cat >"$SITE_D/90-nasbot-bench.pm" <<-EOF
		# Written by nasbot's bench/peer/rt.sh: RT as a benchmark peer, on loopback only.
		Set(\$rtname, 'nas.test');
		Set(\$Organization, 'nas.test');
		Set(\$WebDomain, '127.0.0.1');
		Set(\$WebPort, $PORT);
		Set(\$WebBaseURL, 'http://127.0.0.1:$PORT');
		Set(\$WebPath, '');
		Set(\$DatabaseType, 'Pg');
		Set(\$DatabaseHost, '$(pg_host)');
		Set(\$DatabasePort, '$(pg_port)');
		Set(\$DatabaseName, '$DB');
		Set(\$DatabaseUser, '$DB_USER');
		Set(\$DatabasePassword, '$DB_PASS');
		Set(\$DatabaseAdmin, 'postgres');
		Set(\$MailCommand, 'sendmailpipe');
		Set(\$SendmailPath, '$STATE/sendmail');
		Set(\$LogToSyslog, undef);
		Set(\$LogToSTDERR, 'warning');
		Set(\$LogToFile, undef);
	EOF
	# The package leaves its config root-only; RT runs as www-data.
	chown root:www-data "$SITE_D"/*.pm /etc/request-tracker5/RT_SiteConfig.pm
	chmod 640 "$SITE_D"/*.pm /etc/request-tracker5/RT_SiteConfig.pm
}

# setup_database makes rt5 with RT's schema and the rights mail from unknown senders needs,
# then keeps a copy as the template each case starts from.
setup_database() {
	if [[ $(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '${DB}_template'") == 1 ]]; then
		return
	fi
	say "creating the $DB database on $(pg_host):$(pg_port)"
	psql_admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
	psql_admin -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASS'; END IF; END\$\$"
	# The cluster trusts loopback, so the DBA password is not checked.
	/usr/sbin/rt-setup-database-5 --action init --dba postgres --dba-password x \
		>"$STATE/setup-database.log" 2>&1 || die "rt-setup-database failed: see $STATE/setup-database.log"
	su -s /bin/sh www-data -c "perl -e '$(grant_rights_perl)'" || die "granting rights failed"
	psql_admin -c "CREATE DATABASE ${DB}_template TEMPLATE $DB OWNER $DB_USER"
}

grant_rights_perl() {
	cat <<-'EOF'
		use strict; use lib "/usr/share/request-tracker5/lib"; use RT;
		RT::LoadConfig(); RT::Init();
		my $q = RT::Queue->new(RT->SystemUser); $q->Load("General") or die "no General queue";
		my $g = RT::Group->new(RT->SystemUser); $g->LoadSystemInternalGroup("Everyone");
		for my $r (qw(CreateTicket ReplyToTicket SeeQueue)) {
			my ($ok, $msg) = $g->PrincipalObj->GrantRight(Right => $r, Object => $q);
			print STDERR "grant $r: $msg\n";
		}
	EOF
}

cmd_install() {
	mkdir -p "$STATE"
	install_packages
	write_config
	setup_database
	say "installed: RT $(dpkg-query -W -f='${Version}' request-tracker5), database $DB on $(pg_host):$(pg_port)"
}

pid_running() { [[ -f $STATE/rt-server.pid ]] && kill -0 "$(cat "$STATE/rt-server.pid")" 2>/dev/null; }

cmd_start() {
	pid_running && die "rt-server already running (PID $(cat "$STATE/rt-server.pid")); run stop first"
	[[ -f $SITE_D/90-nasbot-bench.pm ]] || die "not installed: run 'bash bench/peer/rt.sh install'"
	psql_admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
	psql_admin -c "CREATE DATABASE $DB TEMPLATE ${DB}_template OWNER $DB_USER"
	rm -f "$STATE"/sent/*.eml
	# setsid and setpriv exec in place: the PID is rt-server's, and it leads a process group of
	# its own with its workers, which stop stops together.
	setsid setpriv --reuid=www-data --regid=www-data --init-groups -- \
		/usr/share/request-tracker5/libexec/rt-server --port "$PORT" --host 127.0.0.1 \
		>"$STATE/rt-server.log" 2>&1 </dev/null &
	echo $! >"$STATE/rt-server.pid"
	for _ in $(seq 1 120); do
		if curl -fs -o /dev/null "http://127.0.0.1:$PORT/REST/1.0/"; then
			say "rt-server up on 127.0.0.1:$PORT (PID $(cat "$STATE/rt-server.pid"))"
			return
		fi
		pid_running || die "rt-server exited: see $STATE/rt-server.log"
		sleep 0.5
	done
	die "rt-server did not answer within 60 s: see $STATE/rt-server.log"
}

cmd_stop() {
	pid_running || { rm -f "$STATE/rt-server.pid"; return 0; }
	local pid
	pid=$(cat "$STATE/rt-server.pid")
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
	for _ in $(seq 1 30); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
	rm -f "$STATE/rt-server.pid"
	say "rt-server (PID $pid) stopped"
}

cmd_env() {
	local u
	u=$(pg_admin_url)
	echo "RT_URL=http://127.0.0.1:$PORT/"
	echo "RT_PG_URL=postgres://$DB_USER:$DB_PASS@$(pg_host):$(pg_port)/$DB?sslmode=disable"
	echo "RT_SERVER_PID=$(cat "$STATE/rt-server.pid" 2>/dev/null || true)"
	echo "RT_SENT_DIR=$STATE/sent"
}

[[ $(id -u) == 0 ]] || die "run as root (apt-get, and rt-server runs as www-data)"
case ${1:-} in
install) cmd_install ;;
start) cmd_start ;;
stop) cmd_stop ;;
env) cmd_env ;;
*) die "usage: rt.sh install|start|stop|env" ;;
esac

# e2e_svc.sh - end-to-end tests of vhost as a program that others start:
# the back-end conventions of vhost-user.rst (--socket-path, --fd with a
# listening and with a connected socket, through systemd-socket-activate,
# --print-capabilities), a socket in use that is never taken, running as
# a service (--pid-file, --socket-mode and --socket-group, SIGHUP, the
# example systemd units and busybox init script of docs/service/),
# --version, and messages and exit statuses a person can act on.
# Sourced by tests/run.sh after e2e.sh (same helpers and variables).
#
# Exit statuses (README, --help): 0 success, 1 failed, 2 bad command
# line, 3 could not start.

# vh_rc ARGS...: run the board's vhost (10 s at most); its output in OUT,
# its exit status in RC.
vh_rc() {
	OUT=$(timeout 10 $RUN "$VHOST" "$@" 2>&1 </dev/null)
	RC=$?
}

# fe_rc ARGS...: the same with the front-end.
fe_rc() {
	OUT=$(timeout 60 $FE_RUN "$FE_VHOST" "$@" 2>&1 </dev/null)
	RC=$?
}

# says RC TEXT...: the last vh_rc/fe_rc exited with RC and its output has
# each TEXT (fixed strings); says why not.
says() {
	local want=$1 t
	shift
	[ "$RC" -eq "$want" ] || { echo "  exit $RC, expected $want: $OUT"; return 1; }
	for t in "$@"; do
		grep -qF -- "$t" <<<"$OUT" || { echo "  no '$t' in: $OUT"; return 1; }
	done
}

# err WORDS NUMBER [GLIBC_WORDS]: how the board says an error: in musl's
# words (glibc's where they differ, for the SAN=1 build), or by number
# where it leaves the words out (CFG_ERROR_TEXT 0, board minimal).
err() {
	if grep -q "CFG_ERROR_TEXT 0" "board/$BOARD/board.h"; then
		echo "error $2"
	elif [ -n "${3:-}" ] && file -L "$VHOST" | grep -q "dynamically linked"; then
		echo "$3"
	else
		echo "$1"
	fi
}

# A socket file nobody listens on (a back-end killed): sets STALE.
stale_socket() {
	STALE=$E2E_DIR/stale-$RANDOM.sock
	start_bg "$E2E_DIR/stale.log" -s "$STALE"
	wait_for test -S "$STALE" || return 1
	kill -KILL "$BG_PID"
	{ wait "$BG_PID"; } 2>/dev/null
	test -S "$STALE"
}

# ---- the back-end conventions -------------------------------------------

t_socket_path() {
	# --socket-path=PATH and --socket-path PATH are -s
	local s=$E2E_DIR/conv.sock form
	for form in "--socket-path=$s" "--socket-path $s"; do
		BELOG=$E2E_DIR/be-conv.log
		start_bg "$BELOG" $form
		BE=$BG_PID
		wait_for test -S "$s" || return 1
		fe -q "$s" --frames 1000 >/dev/null 2>&1 || return 1
		stop "$BE" || return 1
		[ ! -e "$s" ] && has "$BELOG" "back-end listening on $s" || return 1
	done
}

t_print_capabilities() {
	# vhost-user.json @VHostUserBackendCapabilities for "net": the type
	# alone; other options and arguments are ignored, even wrong ones
	local want=$'{\n  "type": "net"\n}'
	vh_rc --print-capabilities
	[ "$RC" -eq 0 ] && [ "$OUT" = "$want" ] || { echo "  exit $RC: $OUT"; return 1; }
	vh_rc --bogus -s --print-capabilities --fd=x
	[ "$RC" -eq 0 ] && [ "$OUT" = "$want" ] || { echo "  exit $RC: $OUT"; return 1; }
}

# ssa_start LOG ARGS...: systemd-socket-activate listening on a fresh
# socket (SOCK), running the board's vhost --fd=3 with ARGS; sets BE.
ssa_start() {
	local log=$1
	shift
	command -v systemd-socket-activate >/dev/null ||
		{ echo "  systemd-socket-activate missing (Debian: systemd; tests/deps.sh)"; return 1; }
	SOCK=$E2E_DIR/ssa-$RANDOM.sock
	systemd-socket-activate "$@" -l "$SOCK" -- $RUN "$VHOST" --fd=3 >"$log" 2>&1 &
	BE=$!
	E2E_PIDS+=("$BE")
	wait_for test -S "$SOCK"
}

t_fd_listening() {
	# systemd's socket activation: the socket unit's listening socket as
	# fd 3; it serves one front-end after another, and the socket file
	# (systemd's) stays when vhost stops
	BELOG=$E2E_DIR/be-ssa.log
	ssa_start "$BELOG" || return 1
	fe -q "$SOCK" --frames 1000 >/dev/null 2>&1 &&
		fe -q "$SOCK" --frames 1000 --packed >/dev/null 2>&1 || return 1
	stop "$BE" || return 1
	has "$BELOG" "back-end listening on fd 3" &&
		has "$BELOG" "listening again on fd 3" &&
		has "$BELOG" "connections 2," && test -S "$SOCK"
}

t_fd_connected() {
	# Accept=yes: each connection, already accepted, as fd 3 of its own
	# vhost, which ends (status 0) when its front-end does
	BELOG=$E2E_DIR/be-ssa.log
	ssa_start "$BELOG" --accept || return 1
	fe -q "$SOCK" --frames 1000 >/dev/null 2>&1 &&
		fe -q "$SOCK" --frames 500 --indirect >/dev/null 2>&1 || return 1
	wait_for count_ge "$BELOG" "died with code" 2 || { cat "$BELOG"; return 1; }
	[ "$(count "$BELOG" "died with code 0")" -eq 2 ] &&
		[ "$(count "$BELOG" "connected to a front-end on fd 3")" -eq 2 ] &&
		has "$BELOG" "the device is done: its connection was fd 3" &&
		has "$BELOG" "q1 (tx): frames 500 "
}

t_fd_refused() {
	# not a socket, not open, not a unix stream socket: exit 3, naming it
	vh_rc --fd=0 || true
	says 3 "--fd 0: $(err "Not a socket" 88 "Socket operation on non-socket")" || return 1
	vh_rc --fd 57
	says 3 "--fd 57: $(err "Bad file descriptor" 9)" || return 1
	# (bash makes a connected UDP socket)
	OUT=$(exec 5<>/dev/udp/127.0.0.1/9 && timeout 10 $RUN "$VHOST" --fd 5 2>&1)
	RC=$?
	says 3 "--fd 5: $(err "Address family not supported by protocol" 97)"
}

# ---- a socket in use is never taken -------------------------------------

t_socket_in_use() {
	local first
	be_start || return 1
	first=$BE
	# a second back-end on the live socket is refused, and the first
	# still serves on it
	vh_rc -s "$SOCK"
	says 3 "$SOCK is in use by another back-end" || return 1
	vh_rc --socket-path="$SOCK" --sink
	says 3 "$SOCK is in use by another back-end" || return 1
	test -S "$SOCK" && fe -q "$SOCK" --frames 1000 >/dev/null 2>&1 || return 1
	# the same path twice in one command line
	vh_rc -s "$E2E_DIR/twice.sock" -s "$E2E_DIR/twice.sock"
	says 2 "$E2E_DIR/twice.sock: the same socket twice" || return 1
	[ ! -e "$E2E_DIR/twice.sock" ] || return 1
	# a stale socket (nobody listens) is replaced
	stale_socket || return 1
	start_bg "$E2E_DIR/be-stale.log" -s "$STALE"
	wait_for has "$E2E_DIR/be-stale.log" "listening on $STALE" || return 1
	fe -q "$STALE" --frames 100 >/dev/null 2>&1 || return 1
	stop "$BG_PID" && stop "$first"
}

t_unlink_only_ours() {
	# the first back-end's socket file is removed under it and a second
	# one takes the path: when the first stops, the second's stays
	local first second
	be_start || return 1
	first=$BE
	rm "$SOCK"
	start_bg "$E2E_DIR/be-second.log" -s "$SOCK"
	second=$BG_PID
	wait_for has "$E2E_DIR/be-second.log" "listening on $SOCK" || return 1
	stop "$first" || return 1
	has "$BELOG" "$SOCK is another's socket now: left in place" &&
		test -S "$SOCK" || return 1
	fe -q "$SOCK" --frames 100 >/dev/null 2>&1 || return 1
	stop "$second" && [ ! -e "$SOCK" ]
}

# ---- running as a service -----------------------------------------------

t_pid_file() {
	local p=$E2E_DIR/vhost.pid
	be_start --pid-file="$p" || return 1
	# written once the socket listens, holding the process id
	wait_for test -s "$p" || return 1
	[ "$(cat "$p")" = "$BE" ] || { echo "  pid file says $(cat "$p"), the process is $BE"; return 1; }
	stop "$BE" && [ ! -e "$p" ] && [ ! -e "$SOCK" ] || return 1
	# one that cannot be written: nothing starts, nothing is left
	vh_rc -s "$E2E_DIR/p.sock" --pid-file "$E2E_DIR/no/such/dir/x.pid"
	says 3 "--pid-file $E2E_DIR/no/such/dir/x.pid: No such file or directory" &&
		[ ! -e "$E2E_DIR/p.sock" ]
}

t_socket_perms() {
	# the socket file's mode and group, set before it listens; a group
	# name from /etc/group or a number
	local g gid
	g=$(awk -F: '$3 != 0 {print $1; exit}' /etc/group)
	gid=$(awk -F: -v g="$g" '$1 == g {print $3}' /etc/group)
	be_start --socket-mode=0660 --socket-group="$g" || return 1
	[ "$(stat -c '%a %g' "$SOCK")" = "660 $gid" ] ||
		{ echo "  $SOCK is $(stat -c '%a %g' "$SOCK"), expected 660 $gid"; return 1; }
	fe -q "$SOCK" --frames 100 >/dev/null 2>&1 && stop "$BE" || return 1
	be_start --socket-mode 0600 --socket-group "$gid" || return 1
	[ "$(stat -c '%a %g' "$SOCK")" = "600 $gid" ] && stop "$BE" || return 1
	# a user of that group (and no other) may connect to 0660, not 0600
	if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ] && [ -z "$FE_RUN" ]; then
		chmod 711 "$E2E_DIR" # (mktemp's 700 would stop the user before the socket)
		be_start --socket-mode 0660 --socket-group "$gid" || return 1
		setpriv --reuid=65534 --regid="$gid" --clear-groups \
			timeout 60 "$FE_VHOST" -q "$SOCK" --frames 100 >"$E2E_DIR/fe.log" 2>&1 ||
			{ cat "$E2E_DIR/fe.log"; return 1; }
		stop "$BE" || return 1
		be_start --socket-mode 0600 --socket-group "$gid" || return 1
		setpriv --reuid=65534 --regid="$gid" --clear-groups \
			timeout 60 "$FE_VHOST" -q "$SOCK" --frames 100 --timeout 1 >"$E2E_DIR/fe.log" 2>&1 &&
			return 1
		has "$E2E_DIR/fe.log" "Permission denied" && stop "$BE" || return 1
	fi
	vh_rc -s "$E2E_DIR/g.sock" --socket-group no-such-group-here
	says 2 "--socket-group no-such-group-here: no such group"
}

t_sighup() {
	# SIGHUP stops as SIGTERM does: counters printed, socket removed
	be_start || return 1
	fe -q "$SOCK" --frames 100 >/dev/null 2>&1 || return 1
	stop "$BE" HUP || return 1
	[ ! -e "$SOCK" ] && has "$BELOG" "vhost: stopping" && has "$BELOG" "connections 1,"
}

t_systemd_units() {
	# docs/service/: systemd accepts the units, and the command line of
	# the service runs under socket activation as systemd would run it
	local d=$E2E_DIR/units cmd
	command -v systemd-analyze >/dev/null ||
		{ echo "  systemd-analyze missing (Debian: systemd; tests/deps.sh)"; return 1; }
	mkdir -p "$d"
	sed "s|/usr/local/bin/vhost|$(readlink -f "$VHOST")|" docs/service/vhost@.service \
		>"$d/vhost@vm1.service"
	cp docs/service/vhost@.socket "$d/vhost@vm1.socket"
	(cd "$d" && systemd-analyze verify --man=no ./vhost@vm1.socket ./vhost@vm1.service) \
		>"$d/verify.log" 2>&1 || { cat "$d/verify.log"; return 1; }
	[ ! -s "$d/verify.log" ] || { cat "$d/verify.log"; return 1; }
	# ExecStart, with $VHOST_OPTS as /etc/default/vhost-%i would set it
	cmd=$(sed -n 's/^ExecStart=//p' "$d/vhost@vm1.service")
	cmd=${cmd//\$VHOST_OPTS/--sink}
	SOCK=$E2E_DIR/unit.sock
	BELOG=$E2E_DIR/be-unit.log
	systemd-socket-activate -l "$SOCK" -- $RUN $cmd >"$BELOG" 2>&1 &
	BE=$!
	E2E_PIDS+=("$BE")
	wait_for test -S "$SOCK" || return 1
	fe -q "$SOCK" --frames 1000 --expect-none >/dev/null 2>&1 || return 1
	stop "$BE" && has "$BELOG" "q1 (tx): frames 1000 "
}

# init_script ACTION: docs/service/S50vhost under busybox's sh (else
# sh), with its settings from the environment (INIT_* below).
init_script() {
	local sh=sh
	[ -x /bin/busybox ] && sh="/bin/busybox sh"
	DAEMON=$INIT_DAEMON PIDFILE=$INIT_PID LOGFILE=$INIT_LOG \
		VHOST_OPTS=$INIT_OPTS $sh docs/service/S50vhost "$1"
}

t_init_script() {
	# start (ready once the pid file is there), serve, a second start
	# that finds it running, stop (socket and pid file gone)
	local s=$E2E_DIR/init.sock
	INIT_DAEMON=$E2E_DIR/vhost-run INIT_PID=$E2E_DIR/init.pid
	INIT_LOG=$E2E_DIR/init.log INIT_OPTS="-s $s --socket-mode 0660"
	printf '#!/bin/sh\nexec %s %s "$@"\n' "$RUN" "$(readlink -f "$VHOST")" >"$INIT_DAEMON"
	chmod +x "$INIT_DAEMON"
	init_script start >"$E2E_DIR/rc.log" 2>&1 || { cat "$E2E_DIR/rc.log" "$INIT_LOG"; return 1; }
	E2E_PIDS+=("$(cat "$INIT_PID")")
	test -S "$s" && [ "$(stat -c %a "$s")" = 660 ] || return 1
	fe -q "$s" --frames 1000 >/dev/null 2>&1 || return 1
	init_script start >>"$E2E_DIR/rc.log" 2>&1 &&
		init_script stop >>"$E2E_DIR/rc.log" 2>&1 || { cat "$E2E_DIR/rc.log"; return 1; }
	grep -q "already running" "$E2E_DIR/rc.log" && [ ! -e "$s" ] &&
		[ ! -e "$INIT_PID" ] && grep -q "connections 1," "$INIT_LOG"
}

# ---- --version, and messages a person can act on -------------------------

t_version() {
	# `git describe` (or the Makefile's version), the board, its limits
	# and the features offered, by name
	local v
	v=$(make -s --no-print-directory BOARD="$BOARD" print-VHOST_VERSION)
	vh_rc --version
	says 0 "vhost $v, board $BOARD" "limits: devices " "ring size " \
		" VERSION_1 " " RING_PACKED" " REPLY_ACK " " INFLIGHT_SHMFD" || return 1
	! grep -q CFG_ <<<"$OUT"
}

t_permanent_errors() {
	# what cannot clear is said at once and not retried (exit 3); what
	# can (no socket yet, nobody listens yet) is retried
	local f=$E2E_DIR/plain-file t0
	: >"$f"
	t0=$(date +%s)
	vh_rc -c "$E2E_DIR/no-dir/x.sock"
	says 3 "cannot connect to $E2E_DIR/no-dir/x.sock: its directory does not exist (not retried)" || return 1
	vh_rc -c "$f"
	says 3 "cannot connect to $f: $(err "Not a socket" 88 "Socket operation on non-socket") (not retried)" || return 1
	vh_rc -s "$E2E_DIR/no-dir/x.sock"
	says 3 "cannot listen on $E2E_DIR/no-dir/x.sock: its directory does not exist" || return 1
	vh_rc -s "$f"
	says 3 "cannot listen on $f: $(err "File exists" 17)" || return 1
	[ $(($(date +%s) - t0)) -le 8 ] || { echo "  took $(($(date +%s) - t0)) s"; return 1; }
	# retried: nothing there yet, then a socket nobody listens on
	BELOG=$E2E_DIR/be-retry.log
	start_bg "$BELOG" -c "$E2E_DIR/later.sock"
	BE=$BG_PID
	wait_for has "$BELOG" "waiting for $E2E_DIR/later.sock ($(err "No such file or directory" 2)), retrying every" || return 1
	stale_socket || return 1
	start_bg "$E2E_DIR/be-retry2.log" -c "$STALE"
	wait_for has "$E2E_DIR/be-retry2.log" "waiting for $STALE ($(err "Connection refused" 111))" || return 1
	kill -0 "$BE" && kill -0 "$BG_PID" && stop "$BG_PID" && stop "$BE"
}

t_cli_refusals() {
	# limits found while parsing, in numbers; options where they do not
	# apply; two actions for one device: all exit 2 with one line
	local long n
	long=$E2E_DIR/$(printf '%0120d' 0).sock
	n=$(printf '%s' "$long" | wc -c)
	vh_rc -s "$long"
	says 2 "$long: $n bytes, a unix socket path takes 107" || return 1
	vh_rc -s "$E2E_DIR/a.sock" --dump --sink --echo
	says 2 "--dump and --sink: one action per device" || return 1
	vh_rc -s "$E2E_DIR/a.sock" --size 100
	says 2 "--size is for a front-end or --generate, not $E2E_DIR/a.sock" || return 1
	vh_rc -s "$E2E_DIR/a.sock" --echo=yes
	says 2 "--echo takes no value (got --echo=yes)" || return 1
	[ "$(wc -l <<<"$OUT")" -eq 1 ] || return 1
	if [ -z "$(unbuilt frontend)" ]; then
		vh_rc -s "$E2E_DIR/a.sock" --frames 10
		says 2 "--frames is for a front-end (-q), not $E2E_DIR/a.sock" || return 1
		vh_rc -q "$E2E_DIR/a.sock" --dump
		says 2 "--dump is for a back-end, not $E2E_DIR/a.sock" || return 1
	fi
	[ ! -e "$E2E_DIR/a.sock" ]
}

t_frontend_says_why() {
	# a front-end that fails says why: busy, refused, does not echo, the
	# time-out and the option that sets it; exit 1 (3 if it cannot start)
	local fepid t0
	# busy: one front-end at a time
	be_start || return 1
	fe_bg "$E2E_DIR/fe-long.log" -q "$SOCK" --frames 4000000000
	fepid=$BG_PID
	wait_for has "$BELOG" "connected to a front-end" || return 1
	fe_rc -q "$SOCK" --frames 10
	says 1 "is it serving another front-end? (one at a time)" || return 1
	stop "$fepid" KILL
	stop "$BE" || return 1
	# it does not echo (a --sink back-end), within --timeout
	be_start --sink || return 1
	t0=$(date +%s)
	fe_rc -q "$SOCK" --frames 100 --timeout=2
	says 1 "timed out after 2 s (--timeout SECS waits longer)" \
		"sent 100, completed 100, received 0" "it does not echo" || return 1
	[ $(($(date +%s) - t0)) -le 6 ] || { echo "  took $(($(date +%s) - t0)) s"; return 1; }
	# an echoing back-end with --expect-none
	stop "$BE" && be_start || return 1
	fe_rc -q "$SOCK" --frames 100 --expect-none
	says 1 "came back, and --expect-none wants none" || return 1
	stop "$BE" || return 1
	# refused: a socket file nobody listens on
	stale_socket || return 1
	fe_rc -q "$STALE" --timeout 1
	says 1 "no back-end on $STALE after 1 s: Connection refused, a socket file nobody listens on (--timeout SECS waits longer)" || return 1
	# cannot start: no such directory
	fe_rc -q "$E2E_DIR/no-dir/x.sock"
	says 3 "its directory does not exist (not retried)"
}

# What a test needs of the board's own binary (e2e.sh E2E_NEEDS).
E2E_NEEDS[t_pid_file]=service
E2E_NEEDS[t_socket_perms]=service
E2E_NEEDS[t_init_script]=service

E2E_SVC_TESTS=(t_socket_path t_print_capabilities t_fd_listening t_fd_connected
	t_fd_refused t_socket_in_use t_unlink_only_ours t_pid_file t_socket_perms
	t_sighup t_systemd_units t_init_script t_version t_permanent_errors
	t_cli_refusals t_frontend_says_why)

e2e_svc_all() {
	stage_begin "$LABEL e2e service" ${#E2E_SVC_TESTS[@]}
	e2e_run 8 "${E2E_SVC_TESTS[@]}"
	stage_end
}

# make.sh - tests of the build itself: a distribution's flags, the
# toolchain knobs, make install, make help, make demo's packages.  Each
# builds into a scratch O= of its own, so the boards' builds are not
# touched.  Sourced by tests/run.sh (pass, fail, skip_why, result).

BT_DIR=
BT_QEMU="qemu-aarch64 -cpu cortex-a53"

# bt_make LOG ARGS...: make with ARGS (no inherited command line: these
# tests say every variable they mean), output into LOG.
bt_make() {
	local log=$1
	shift
	MAKEFLAGS= MAKELEVEL= make --no-print-directory "$@" >"$log" 2>&1 ||
		{ echo "  make $* failed:"; tail -n 15 "$log" | sed 's/^/  | /'; return 1; }
}

# bt_static BINARY: statically linked, with no interpreter and no dynamic
# section.
bt_static() {
	local hdr
	file -L "$1" | grep -q "statically linked" || { echo "  $1: $(file -b "$1")"; return 1; }
	hdr=$(LC_ALL=C readelf -lW "$1" 2>/dev/null || aarch64-linux-gnu-readelf -lW "$1")
	! grep -qE "INTERP|DYNAMIC" <<<"$hdr" || { echo "  $1 has an INTERP or DYNAMIC segment"; return 1; }
}

# bt_compile_lines LOG: the compiler commands of core/ and port/ objects
# in a V=1 build log.
bt_compile_lines() { grep -E -- " -c (core|port|tests/make)/[^ ]*\.c " "$1"; }

# 1. A distribution's CFLAGS, CPPFLAGS and LDFLAGS (Yocto's, say) are
# added after the project's: the binary is still static, the sources still
# strict C11 (tests/make/stdcheck.c builds only so) with the warnings and
# -Werror, and the user's -O1 comes after our -O2.
b_user_flags() {
	local o=$BT_DIR/flags log=$BT_DIR/flags.log n bad
	bt_make "$log" BOARD=qemu-virt O="$o" V=1 CFLAGS="-O1 -pipe -g" \
		CPPFLAGS="-D_FILE_OFFSET_BITS=64" \
		LDFLAGS="-Wl,-O1 -Wl,--hash-style=gnu -Wl,--as-needed" \
		all "$o/qemu-virt/obj/tests/make/stdcheck.o" || return 1
	bt_static "$o/qemu-virt/vhost" || return 1
	[ -f "$o/qemu-virt/obj/tests/make/stdcheck.o" ] || { echo "  stdcheck.o not built"; return 1; }
	n=$(bt_compile_lines "$log" | wc -l)
	[ "$n" -gt 20 ] || { echo "  only $n compile lines in the V=1 log"; return 1; }
	# every compile line: ours first, then the user's
	bad=$(bt_compile_lines "$log" | grep -vE -- "-std=c11 .*-O2 .*-Wall .*-Werror .*-O1 -pipe -g" |
		head -n 3)
	[ -z "$bad" ] || { echo "  compile lines without -std=c11 -O2 -Wall -Werror ... -O1:"; echo "$bad" | cut -c1-200 | sed 's/^/  | /'; return 1; }
	bad=$(bt_compile_lines "$log" | grep -vE -- "-DVHOST_BOARD=.* -D_FILE_OFFSET_BITS=64" | head -n 3)
	[ -z "$bad" ] || { echo "  compile lines without the user's CPPFLAGS after ours"; return 1; }
	grep -E -- " -static .*-Wl,--as-needed .* -o $o/qemu-virt/vhost$" "$log" >/dev/null ||
		{ echo "  the link line has not -static and then the user's LDFLAGS"; return 1; }
	timeout 60 $BT_QEMU "$o/qemu-virt/vhost" --help >/dev/null ||
		{ echo "  the binary does not run"; return 1; }
}

# 2. WERROR=0 drops -Werror from every command, and only it.
b_werror() {
	local on=$BT_DIR/werror1.log off=$BT_DIR/werror0.log
	bt_make "$on" -n -B BOARD=qemu-virt O="$BT_DIR/werror" V=1 tests || return 1
	bt_make "$off" -n -B BOARD=qemu-virt O="$BT_DIR/werror" V=1 WERROR=0 tests || return 1
	[ "$(grep -c -- -Werror "$on")" -gt 20 ] || { echo "  -Werror missing by default"; return 1; }
	! grep -q -- -Werror "$off" || { echo "  WERROR=0 left -Werror in:"; grep -- -Werror "$off" | head -n 2 | cut -c1-200; return 1; }
	# the same commands otherwise
	diff <(sed 's/ -Werror//g' "$on" | tr -s ' ') <(tr -s ' ' <"$off") >/dev/null ||
		{ echo "  WERROR=0 changed more than -Werror"; return 1; }
}

# bt_toolchain DIR: a stand-in aarch64 toolchain "mytc-" in DIR, whose
# every tool records its call in DIR/calls and runs the real one.
bt_toolchain() {
	local d=$1 t
	mkdir -p "$d"
	printf '#!/bin/sh\necho mytc-gcc >>"%s/calls"\nexec aarch64-linux-musl-gcc "$@"\n' "$d" >"$d/mytc-gcc"
	for t in strip nm size objdump readelf; do
		printf '#!/bin/sh\necho mytc-%s >>"%s/calls"\nexec aarch64-linux-gnu-%s "$@"\n' \
			"$t" "$d" "$t" >"$d/mytc-$t"
	done
	chmod +x "$d"/mytc-*
}

# 3. CROSS_COMPILE names the toolchain for every tool: the compiler,
# strip, and the nm (and the others) the tests use.
b_cross_compile() {
	local tc=$BT_DIR/tc1 o=$BT_DIR/cross t v
	bt_toolchain "$tc"
	bt_make "$BT_DIR/cross.log" BOARD=qemu-virt O="$o" CROSS_COMPILE="$tc/mytc-" all || return 1
	grep -qx mytc-gcc "$tc/calls" && grep -qx mytc-strip "$tc/calls" ||
		{ echo "  calls: $(sort -u "$tc/calls" | tr '\n' ' ')"; return 1; }
	for t in NM STRIP SIZE OBJDUMP READELF; do
		v=$(MAKEFLAGS= make -s --no-print-directory BOARD=qemu-virt CROSS_COMPILE="$tc/mytc-" print-$t)
		[ "$v" = "$tc/mytc-$(echo $t | tr A-Z a-z)" ] || { echo "  $t is '$v'"; return 1; }
	done
	bt_static "$o/qemu-virt/vhost.stripped" &&
		file "$o/qemu-virt/vhost.stripped" | grep -q "ARM aarch64.*, stripped"
}

# 4. CC alone names it too: the binutils beside the compiler are used.
b_cc() {
	local tc=$BT_DIR/tc2 o=$BT_DIR/cc t v
	bt_toolchain "$tc"
	bt_make "$BT_DIR/cc.log" BOARD=qemu-virt O="$o" CC="$tc/mytc-gcc" all || return 1
	grep -qx mytc-gcc "$tc/calls" && grep -qx mytc-strip "$tc/calls" ||
		{ echo "  calls: $(sort -u "$tc/calls" | tr '\n' ' ')"; return 1; }
	for t in NM STRIP; do
		v=$(MAKEFLAGS= make -s --no-print-directory BOARD=qemu-virt CC="$tc/mytc-gcc" print-$t)
		[ "$v" = "$tc/mytc-$(echo $t | tr A-Z a-z)" ] || { echo "  $t is '$v'"; return 1; }
	done
	# a compiler with nothing beside it (Debian's musl wrapper): the
	# board's binutils
	v=$(MAKEFLAGS= make -s --no-print-directory BOARD=qemu-virt print-STRIP)
	[ "$v" = aarch64-linux-gnu-strip ] || { echo "  the default STRIP is '$v'"; return 1; }
}

# 5. The version reaches the one object that prints it, and --version.
b_version() {
	local o=$BT_DIR/version log=$BT_DIR/version.log n
	bt_make "$log" BOARD=host O="$o" V=1 VHOST_VERSION=9.8-test all || return 1
	n=$(grep -c -- "-DVHOST_VERSION=" "$log")
	[ "$n" = 1 ] && grep -- "-DVHOST_VERSION=" "$log" | grep -q " -c core/app/about.c " ||
		{ echo "  -DVHOST_VERSION on $n commands"; return 1; }
	"$o/host/vhost" --version | grep -q "9.8-test" ||
		{ echo "  --version: $("$o/host/vhost" --version | head -n 1)"; return 1; }
	# a second build with another version rebuilds that object alone
	bt_make "$log" BOARD=host O="$o" V=1 VHOST_VERSION=9.9-test all || return 1
	n=$(grep -cE -- " -c [^ ]+\.c " "$log")
	[ "$n" = 1 ] || { echo "  a new version recompiled $n objects"; return 1; }
}

# bt_descriptor FILE BINARY: FILE is a valid VhostUserBackend (QEMU's
# schema) of type net for BINARY.
bt_descriptor() {
	python3 tests/make/check_descriptor.py tests/make/vhost-user.json VhostUserBackend "$1" |
		sed 's/^/  /' || return 1
	python3 tests/make/check_descriptor.py tests/make/vhost-user.json VhostUserBackend "$1" \
		>/dev/null || return 1
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
ok = d["type"] == "net" and d["binary"] == sys.argv[2]
print("" if ok else "  type %s, binary %s" % (d["type"], d["binary"]), end="")
sys.exit(0 if ok else 1)' "$1" "$2"
}

# 6. make install DESTDIR= PREFIX=: exactly the stripped static binary,
# the man page and the descriptor, each right; bindir and mandir move
# them; uninstall removes them; a relative bindir is refused.
b_install() {
	local o=$BT_DIR/inst root=$BT_DIR/root got want man
	bt_make "$BT_DIR/install.log" BOARD=qemu-virt O="$o" DESTDIR="$root" PREFIX=/usr install || return 1
	got=$(cd "$root" && find . -type f | sort)
	want=$(printf '%s\n' ./usr/bin/vhost ./usr/share/man/man1/vhost.1 \
		./usr/share/qemu/vhost-user/50-vhost-net.json)
	[ "$got" = "$want" ] || { echo "  installed: $got"; return 1; }
	[ -x "$root/usr/bin/vhost" ] && bt_static "$root/usr/bin/vhost" &&
		file "$root/usr/bin/vhost" | grep -q "ARM aarch64.*, stripped" &&
		cmp -s "$root/usr/bin/vhost" "$o/qemu-virt/vhost.stripped" ||
		{ echo "  the binary: $(file -b "$root/usr/bin/vhost")"; return 1; }
	timeout 60 $BT_QEMU "$root/usr/bin/vhost" --help >/dev/null || { echo "  it does not run"; return 1; }
	man=$root/usr/share/man/man1/vhost.1
	! grep -q "@VERSION@" "$man" || { echo "  the man page's version is not filled in"; return 1; }
	got=$(groff -man -Tutf8 -ww -z "$man" 2>&1)
	[ -z "$got" ] || { echo "  groff warns:"; echo "$got" | head -n 5 | sed 's/^/  | /'; return 1; }
	MANWIDTH=80 man -l "$man" 2>&1 | grep -q "vhost - vhost-user virtio-net back-end" ||
		{ echo "  man -l does not render it"; return 1; }
	bt_descriptor "$root/usr/share/qemu/vhost-user/50-vhost-net.json" /usr/bin/vhost || return 1
	# the check is a real one: a wrong descriptor is refused
	sed 's/"net"/"nett"/' "$root/usr/share/qemu/vhost-user/50-vhost-net.json" >"$BT_DIR/bad.json"
	! python3 tests/make/check_descriptor.py tests/make/vhost-user.json VhostUserBackend \
		"$BT_DIR/bad.json" >/dev/null || { echo "  the checker took type \"nett\""; return 1; }
	bt_make "$BT_DIR/install.log" BOARD=qemu-virt O="$o" DESTDIR="$root" PREFIX=/usr uninstall || return 1
	got=$(cd "$root" && find . -type f)
	[ -z "$got" ] || { echo "  left after uninstall: $got"; return 1; }
	# GNU's directory variables
	bt_make "$BT_DIR/install.log" BOARD=qemu-virt O="$o" DESTDIR="$root" PREFIX=/usr \
		bindir=/usr/libexec/qemu mandir=/opt/man install || return 1
	[ -x "$root/usr/libexec/qemu/vhost" ] && [ -f "$root/opt/man/man1/vhost.1" ] ||
		{ echo "  bindir/mandir: $(cd "$root" && find . -type f)"; return 1; }
	bt_descriptor "$root/usr/share/qemu/vhost-user/50-vhost-net.json" /usr/libexec/qemu/vhost || return 1
	! MAKEFLAGS= make --no-print-directory BOARD=qemu-virt O="$o" DESTDIR="$root" \
		bindir=usr/bin install >"$BT_DIR/rel.log" 2>&1 &&
		grep -q "bindir=usr/bin must be an absolute path" "$BT_DIR/rel.log" ||
		{ echo "  a relative bindir was not refused"; cat "$BT_DIR/rel.log"; return 1; }
}

# 7. --print-capabilities prints what QEMU's schema says for type net
# (the host board's binary of this run).
b_capabilities() {
	local out rc i vhost=
	# the first host build with a binary (not the DEBUG=1 unit pass)
	for i in "${!boards[@]}"; do
		[ "${boards[$i]}" = host ] && [ -z "$vhost" ] &&
			[ -x "${builds[$i]}/vhost" ] && vhost=${builds[$i]}/vhost
	done
	if [ -z "$vhost" ]; then
		skip_why "build capabilities" "no host board in this run"
		return 77
	fi
	out=$("$vhost" --print-capabilities 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && grep -q "unknown option" <<<"$out"; then
		skip_why "build capabilities" "$vhost has no --print-capabilities"
		return 77
	fi
	[ $rc -eq 0 ] || { echo "  exit status $rc: $out"; return 1; }
	python3 tests/make/check_descriptor.py tests/make/vhost-user.json \
		VHostUserBackendCapabilities - <<<"$out" | sed 's/^/  /'
	python3 tests/make/check_descriptor.py tests/make/vhost-user.json \
		VHostUserBackendCapabilities - <<<"$out" >/dev/null &&
		python3 -c 'import json, sys; sys.exit(json.loads(sys.argv[1])["type"] != "net")' "$out"
}

# 8. make help names every board, every knob of core/config.h with its
# default, and every target.
b_help() {
	local h b k v t rc=0
	h=$(MAKEFLAGS= make --no-print-directory help 2>&1) || { echo "$h" | tail -n 5; return 1; }
	for b in $(ls board); do
		grep -qE "^  $b +[^ ]" <<<"$h" || { echo "  board $b not listed"; rc=1; }
	done
	while read -r k v; do
		grep -qE "^  $k +$(sed 's/[()]/\\&/g' <<<"$v")( |$)" <<<"$h" ||
			{ echo "  knob $k = $v not listed"; rc=1; }
	done < <(awk '$1 == "#ifndef" && $2 ~ /^CFG_/ { want = $2; next }
		$1 == "#define" && $2 == want { v = $0; sub(/^#define +[^ ]+ +/, "", v)
		gsub(/ /, "", v); print $2, v } { want = "" }' core/config.h)
	# the targets of every .PHONY line (with its continuation lines)
	for t in $(awk '/^\.PHONY:/ { on = 1; sub(/^\.PHONY:/, "") }
		on { c = sub(/\\$/, ""); print; if (!c) on = 0 }' Makefile |
		tr ' \t' '\n\n' | grep -v '^FORCE$' | grep . | sort -u); do
		grep -qE "^  ([a-z-]+, )*$t( |,|$)" <<<"$h" || { echo "  target $t not listed"; rc=1; }
	done
	return $rc
}

# 9. make demo installs only the compilers and qemu-user.
b_demo_deps() {
	local demo p
	demo=$(tests/deps.sh --list demo) || return 1
	for p in dpdk clang qemu-system linux-image musl-tools tcpdump; do
		! grep -qw -- "$p[a-z0-9-]*" <<<"$demo" || { echo "  demo installs $p: $demo"; return 1; }
	done
	for p in gcc-aarch64-linux-gnu musl-dev:arm64 qemu-user; do
		grep -qw -- "$p" <<<"$demo" || { echo "  demo lacks $p"; return 1; }
	done
	p=$(MAKEFLAGS= make -n --no-print-directory demo)
	grep -q "tests/deps.sh demo$" <<<"$p" ||
		{ echo "  make demo does not run deps.sh demo"; return 1; }
}

build_all() {
	local t rc
	BT_DIR=$(mktemp -d /tmp/vhost-build-tests.XXXXXX)
	for t in b_user_flags b_werror b_cross_compile b_cc b_version b_install \
		b_capabilities b_help b_demo_deps; do
		$t
		rc=$?
		case $rc in
		0) pass "build ${t#b_}" ;;
		77) ;; # skipped, and said so
		*) fail "build ${t#b_}" ;;
		esac
	done
	rm -rf "$BT_DIR"
}

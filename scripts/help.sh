#!/usr/bin/env bash
# help.sh - `make help`: the boards (board/*), the knobs with their
# defaults and each board's values (core/config.h, board/*/board.h), the
# make variables and the targets.  Everything but the targets' text is
# read from the tree, so a new board or knob shows up by itself.  The
# Makefile passes BOARDS, DEFAULT_BOARD, VERSION, VHOST_VERSION,
# TEST_BOARDS and QUICK_BOARDS.
set -euo pipefail
cd "$(dirname "$0")/.."

# summary BOARD: the board.h comment's first phrase, after "board/NAME - "
# and up to the first colon or full stop.
summary() {
	awk 'NR > 1 && /^ \*\/?/ { sub(/^ \*\/? ?/, ""); printf "%s ", $0 }
		/\*\// { exit }' "board/$1/board.h" |
		sed -E "s|^board/$1 - ||; s/[:.].*//; s/ +$//"
}

# knobs: "NAME VALUE" for each knob config.h lets a board set (#ifndef
# NAME / #define NAME VALUE), in the file's order.
knobs() {
	awk '$1 == "#ifndef" && $2 ~ /^CFG_/ { want = $2; next }
		$1 == "#define" && $2 == want { v = $0; sub(/^#define +[^ ]+ +/, "", v)
			gsub(/ /, "", v); print $2, v } { want = "" }' core/config.h
}

# board_value BOARD KNOB: what board.h sets KNOB to, or nothing.
board_value() {
	awk -v k="$2" '$1 == "#define" && $2 == k { v = $0
		sub(/^#define +[^ ]+ +/, "", v); gsub(/ /, "", v); print v }' "board/$1/board.h"
}

echo "vhost $VHOST_VERSION: make [VARIABLE=value ...] [target ...]"
echo
echo "Boards (board/NAME: board.h sets the knobs, board.mk the compiler):"
for b in $BOARDS; do
	tag=
	[ "$b" = "$DEFAULT_BOARD" ] && tag=" (the default)"
	printf '  %-14s %s%s\n' "$b" "$(summary "$b")" "$tag"
	mapfile -t v < <(make -s --no-print-directory BOARD="$b" print-CC \
		print-BOARD_CFLAGS print-BOARD_RUN print-BOARD_SIZE_LIMIT 2>/dev/null)
	cpu=$(echo "${v[1]:-}" | grep -oE -- '-m(cpu|arch)=[^ ]+' || true)
	printf '  %-14s %s%s; tests: %s; binary < %s KiB\n' "" \
		"${v[0]:-?}" "${cpu:+ $cpu}" "${v[2]:-native}" "$(( ${v[3]:-0} / 1024 ))"
done

echo
echo "Knobs (core/config.h has each one's default and meaning; a board.h sets"
echo "only those that differ, shown per board; '.' is the default):"
mapfile -t names < <(knobs | cut -d' ' -f1)
mapfile -t defaults < <(knobs | cut -d' ' -f2-)
header=$(printf '  %-19s %-10s' knob default)
for b in $BOARDS; do header="$header $(printf '%-*s' "$(( ${#b} > 9 ? ${#b} : 9 ))" "$b")"; done
echo "$header" | sed 's/ *$//'
for i in "${!names[@]}"; do
	line=$(printf '  %-19s %-10s' "${names[$i]}" "${defaults[$i]}")
	for b in $BOARDS; do
		v=$(board_value "$b" "${names[$i]}")
		line="$line $(printf '%-*s' "$(( ${#b} > 9 ? ${#b} : 9 ))" "${v:-.}")"
	done
	echo "$line" | sed 's/ *$//'
done

cat <<TEXT

Variables (on the command line):
  BOARD=$DEFAULT_BOARD       the board to build ($(echo $BOARDS | sed 's/ /, /g'))
  O=build               where builds go: O/BOARD/vhost, O/BOARD/obj, ...
  V=1                   show every command
  DEBUG=1               -O0 -g with asserts, into O/BOARD-debug
  SAN=1                 the host board under ASan and UBSan (make test)
  WERROR=0              warnings stay warnings (default 1: -Werror)
  CROSS_COMPILE=PREFIX  the aarch64 boards' toolchain (default
                        aarch64-linux-musl-); its binutils are used too
  CC=COMPILER           the compiler (binutils: those beside it, else the
                        board's); NM=, STRIP=, SIZE=, ... name one tool
  CPPFLAGS= CFLAGS= LDFLAGS=
                        added after the project's own flags, which they
                        cannot take away (-std=c11, -static, warnings)
  VHOST_VERSION=STRING  what --version prints (default: git describe, else
                        $VERSION)
  DESTDIR= PREFIX=/usr/local bindir=PREFIX/bin mandir=PREFIX/share/man
                        make install (GNU conventions; also prefix,
                        exec_prefix, datarootdir, datadir, man1dir)

Targets:
  all                   build O/BOARD/vhost and vhost.stripped (the default)
  install               the stripped binary, the man page (vhost.1) and
                        QEMU's descriptor (share/qemu/vhost-user/50-vhost-net.json)
  uninstall             remove what install put there
  test                  every test: the whole suite of $(echo $TEST_BOARDS | sed 's/ /, /g'),
                        the quick suite of $(echo $QUICK_BOARDS | sed 's/ /, /g');
                        installs what it needs (tests/deps.sh)
  test-all              the whole suite of every board
  check                 the tests of BOARD
  tests                 build BOARD's tests without running them
  unit-tests            build BOARD's unit and port tests alone
  demo                  the sample app's scenario, aarch64 under qemu-user
                        (needs only the compilers and qemu-user)
  deps, deps-demo       install what make test / make demo need
  fuzz, fuzz-build, fuzz-stdin, fuzz-corpus
                        the fuzzers (tests/fuzz/README)
  print-VARIABLE        a make variable's value
  help                  this text
  clean                 remove O
TEXT

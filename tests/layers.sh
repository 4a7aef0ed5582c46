#!/usr/bin/env bash
# layers.sh - the layers of core/ (docs/design.md), checked two ways.
#
#   tests/layers.sh includes
#       Every `#include "core/..."` in core/ points to the file's own layer
#       or one below.  Prints the matrix of include arrows, layer by layer.
#   tests/layers.sh calls NM OBJDIR
#       The arrows between the objects of core/ (OBJDIR/core/**.o): a file
#       that needs a symbol another file defines calls that file.  No arrow
#       runs to a higher layer, and no files call each other in a circle.
#
# The layers, lowest first.  The top of core/ (config.h, the log) is the
# floor everything stands on; app/ is the program, which only main calls.
# Exit status 0 when the rule holds; each arrow that breaks it is printed.
set -u
cd "$(dirname "$0")/.."

LAYERS=(top proto mem virtq net dev app)

# Arrows that still break the rule while the move to layers goes on: each
# line of tests/layers.todo is "FILE includes FILE" or "FILE calls FILE".
# They are reported, not failed; a line that no longer occurs fails, so
# the list only shrinks.
TODO=tests/layers.todo
declare -A todo=() seen=()
if [ -f "$TODO" ]; then
	while read -r line; do
		case $line in '' | '#'*) continue ;; esac
		todo[$line]=1
	done <"$TODO"
fi

# tolerated ARROW: true (and remembered) if the todo list names it.
tolerated() {
	[ -n "${todo[$1]:-}" ] || return 1
	seen[$1]=1
	echo "  still to fix: $1"
}

# stale KIND: todo lines of KIND ("includes"/"calls") that did not occur.
stale() {
	local k rc=0
	for k in "${!todo[@]}"; do
		case $k in *" $1 "*) ;; *) continue ;; esac
		[ -n "${seen[$k]:-}" ] && continue
		echo "  $TODO: '$k' no longer occurs: remove the line"
		rc=1
	done
	return $rc
}

# rank PATH: the layer's index of a file under core/, or -1.
rank() {
	local d=${1#core/} i
	case $d in
	*/*) d=${d%%/*} ;;
	*) d=top ;;
	esac
	for i in "${!LAYERS[@]}"; do
		[ "${LAYERS[$i]}" = "$d" ] && { echo "$i"; return; }
	done
	echo -1
}

# Files under core/ that sit in no known layer are an error too: a new
# folder must take its place in LAYERS.
check_folders() {
	local f rc=0
	for f in $(find core -name '*.[ch]' | sort); do
		if [ "$(rank "$f")" -lt 0 ]; then
			echo "  $f: in no layer (tests/layers.sh LAYERS)"
			rc=1
		fi
	done
	return $rc
}

includes() {
	local f inc from to rc=0 n=${#LAYERS[@]} i j line
	declare -A m=()
	check_folders || rc=1
	while read -r f inc; do
		from=$(rank "$f")
		to=$(rank "$inc")
		m[$from,$to]=$((${m[$from,$to]:-0} + 1))
		if [ "$to" -gt "$from" ] && ! tolerated "$f includes $inc"; then
			echo "  $f includes $inc: ${LAYERS[$from]} -> ${LAYERS[$to]} runs up"
			rc=1
		fi
	done < <(grep -o '^#include "core/[^"]*"' $(find core -name '*.[ch]' | sort) |
		sed -E 's/^([^:]*):#include "([^"]*)"/\1 \2/')
	# the matrix: row includes column; above the diagonal must be empty
	line=$(printf '%-6s' '')
	for j in "${!LAYERS[@]}"; do line+=$(printf '%6s' "${LAYERS[$j]}"); done
	echo "  $line"
	for ((i = 0; i < n; i++)); do
		line=$(printf '%-6s' "${LAYERS[$i]}")
		for ((j = 0; j < n; j++)); do
			if [ "$j" -gt "$i" ]; then
				line+=$(printf '%6s' "${m[$i,$j]:-.}")
			else
				line+=$(printf '%6s' "${m[$i,$j]:-}")
			fi
		done
		echo "  $line"
	done
	stale includes || rc=1
	return $rc
}

calls() {
	local nm=$1 dir=$2 t o src from to k rc=0
	t=$(mktemp -d)
	# who defines what: "symbol source"
	for o in $(find "$dir/core" -name '*.o' | sort); do
		src=${o#"$dir"/}
		src=${src%.o}.c
		"$nm" --defined-only "$o" | awk -v s="$src" 'NF==3 && $2 ~ /[TDBR]/ {print $3, s}'
	done | sort -k1,1 >"$t/defs"
	for o in $(find "$dir/core" -name '*.o' | sort); do
		src=${o#"$dir"/}
		src=${src%.o}.c
		"$nm" -u "$o" | awk -v s="$src" 'NF==2 {print $2, s}'
	done | sort -k1,1 >"$t/uses"
	# "caller callee", once per pair of files
	join "$t/uses" "$t/defs" | awk '$2 != $3 {print $2, $3}' | sort -u >"$t/all"
	: >"$t/edges"
	while read -r from to; do
		tolerated "$from calls $to" || echo "$from $to" >>"$t/edges"
	done <"$t/all"
	[ -s "$t/edges" ] || { echo "  no arrows found in $dir/core"; rc=1; }
	while read -r from to; do
		if [ "$(rank "$to")" -gt "$(rank "$from")" ]; then
			echo "  $from calls $to: runs up"
			rc=1
		fi
	done <"$t/edges"
	# an arrow is in a circle when its callee leads back to its caller
	if ! awk '
		{ n[$1] = n[$1] " " $2; e[NR] = $1 " " $2 }
		function reaches(a, b,   q, h, seen, x, i, k, m, nx) {
			q[1] = a; h = 1; k = 1; seen[a] = 1
			while (h <= k) {
				x = q[h++]
				if (x == b) return 1
				m = split(n[x], nx, " ")
				for (i = 1; i <= m; i++)
					if (!(nx[i] in seen)) { seen[nx[i]] = 1; q[++k] = nx[i] }
			}
			return 0
		}
		END {
			bad = 0
			for (i = 1; i <= NR; i++) {
				split(e[i], p, " ")
				if (reaches(p[2], p[1])) {
					print "  " p[1] " calls " p[2] ", which leads back: a circle"
					bad = 1
				}
			}
			exit bad
		}' "$t/edges"; then
		rc=1
	fi
	# a listed arrow to or from a file this board does not build (a part
	# it leaves out, core/config.h) cannot occur here, and is not stale
	for k in "${!todo[@]}"; do
		case $k in *" calls "*) ;; *) continue ;; esac
		from=${k%% calls *}
		to=${k##* calls }
		[ -f "$dir/${from%.c}.o" ] && [ -f "$dir/${to%.c}.o" ] || seen[$k]=1
	done
	stale calls || rc=1
	echo "  $(wc -l <"$t/all") arrows between $(find "$dir/core" -name '*.o' | wc -l) files"
	rm -rf "$t"
	return $rc
}

case ${1:-} in
includes) includes ;;
calls) calls "$2" "$3" ;;
*) echo "usage: tests/layers.sh includes | calls NM OBJDIR" >&2; exit 2 ;;
esac

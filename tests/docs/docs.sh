# docs.sh - every example command of README.md, docs/*.md and the manual
# page, run by tests/docs/doctest.py (which says how blocks are marked).
# Sourced by tests/run.sh: its lines are counted with pass/fail, and its
# skips as skips.  The builds of the boards in this run are what `vhost`
# is in the examples (boards, builds: run.sh's arrays).

# Every function port/port.h declares is in docs/porting.md, which says
# what a port must provide.
docs_port_complete() {
	local f missing=
	for f in $(grep -oE '\bport_[a-z_0-9]+\(' port/port.h | tr -d '(' | sort -u); do
		grep -qw "$f" docs/porting.md || missing="$missing $f"
	done
	[ -z "$missing" ] || { echo "  port.h functions missing from docs/porting.md:$missing"; return 1; }
}

docs_all() {
	local i line args=() failed0=$FAILED
	# the stage's count: this check, then what doctest.py plans (PLAN)
	stage_begin "docs" 1
	result "docs porting.md names every function of port.h" docs_port_complete
	# an example that runs the test suite must not run this again
	if [ -n "${VHOST_DOCTEST:-}" ]; then
		stage_more 1
		skip_why "docs examples" "run from inside a docs example"
		stage_end
		return
	fi
	# each board's product build (the first with a binary: not the
	# DEBUG=1 unit pass, which builds none)
	local -A seen=()
	for i in "${!boards[@]}"; do
		[ -x "${builds[$i]}/vhost" ] && [ -z "${seen[${boards[$i]}]:-}" ] ||
			continue
		seen[${boards[$i]}]=1
		args+=(--board "${boards[$i]}=${builds[$i]}")
	done
	if ! command -v python3 >/dev/null; then
		stage_more 1
		fail "docs: no python3 (tests/deps.sh installs it)"
		stage_end
		return
	fi
	while IFS= read -r line; do
		case $line in
		"PASS "*) pass "${line#PASS }" ;;
		"FAIL "*) fail "${line#FAIL }" ;;
		"SKIP "*) SKIPPED=$((SKIPPED + 1)); echo "$line" ;;
		"PLAN "*) stage_more "${line#PLAN }" ;;
		# doctest.py failed without naming a failure (it crashed)
		"STATUS "*) [ "${line#STATUS }" = 0 ] || [ "$FAILED" -gt "$failed0" ] ||
			fail "docs: doctest.py exited ${line#STATUS }" ;;
		*) echo "$line" ;;
		esac
	done < <(python3 tests/docs/doctest.py --tree . "${args[@]}" \
		README.md docs/*.md docs/*.1; echo "STATUS $?")
	stage_end
}

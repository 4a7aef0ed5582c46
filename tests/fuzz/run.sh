#!/usr/bin/env bash
# run.sh - run libFuzzer targets for a while each (`make fuzz`).
#
#   tests/fuzz/run.sh --build build/fuzz --secs 60 fuzz_msg fuzz_backend ...
#
# Each target runs on a scratch copy of its seeds (tests/fuzz/corpus/<t>/,
# only read) in <build>/run/<t>/: new inputs go to corpus/ there, a crash to
# artifacts/, the whole libFuzzer output to log.  Seeds named crash-* are
# inputs that once crashed: libFuzzer runs every seed first, so they are
# regression tests.  A crash, leak, time-out or failed check fails the
# target; the closing line counts them ("fuzz: N passed, N failed").
set -uo pipefail

build=build/fuzz
secs=60
targets=()
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--secs) secs=$2; shift 2 ;;
	-h | --help) sed -n '2,12p' "$0"; exit 0 ;;
	*) targets+=("$1"); shift ;;
	esac
done
[ ${#targets[@]} -gt 0 ] || { echo "run.sh: no targets" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)

# Readable stack traces need llvm-symbolizer (Debian: llvm, or llvm-14).
if ! command -v llvm-symbolizer >/dev/null 2>&1; then
	for s in /usr/lib/llvm-*/bin/llvm-symbolizer; do
		[ -x "$s" ] && export ASAN_SYMBOLIZER_PATH=$s
	done
fi
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Longest input per target: a guest memory image needs more room than a
# message stream.
max_len() {
	case $1 in
	fuzz_ring) echo 20544 ;; # 64 + 20 KiB of guest memory
	*) echo 8192 ;;
	esac
}

passed=0
failed=0
for t in "${targets[@]}"; do
	bin=$build/$t
	dir=$build/run/$t
	if [ ! -x "$bin" ]; then
		echo "fuzz: $t: $bin not built" >&2
		failed=$((failed + 1))
		continue
	fi
	rm -rf "$dir"
	mkdir -p "$dir/corpus" "$dir/artifacts"
	if [ -d "$here/corpus/$t" ]; then
		cp "$here/corpus/$t"/* "$dir/corpus/" 2>/dev/null
	fi
	echo "fuzz: $t: $secs s on $(ls "$dir/corpus" | wc -l) seeds ($dir)"
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len="$(max_len "$t")" -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/" "$dir/corpus" \
		>"$dir/log" 2>&1
	rc=$?
	# the last status line: "#N DONE cov: C ft: F corp: K/S lim: L exec/s: E rss: R"
	last=$(grep -E '^#[0-9]+' "$dir/log" | tail -n 1)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log")
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p')
	if [ $rc -eq 0 ]; then
		echo "fuzz: $t: ok: ${runs:-?} runs, ${eps:-?} exec/s, cov ${cov:-?}, features ${ft:-?}, corpus ${corp:-?}"
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "fuzz: $t: FAILED (exit $rc); the end of $dir/log:" >&2
		grep -vE '^#[0-9]+|^INFO:' "$dir/log" | tail -n 60 >&2
		for a in "$dir"/artifacts/*; do
			[ -e "$a" ] || continue
			known=
			for k in "$here/corpus/$t"/crash-*; do
				[ -e "$k" ] && cmp -s "$a" "$k" && known=$k
			done
			if [ -n "$known" ]; then
				echo "fuzz: $t: the kept crash ${known#"$here"/} still crashes" >&2
				continue
			fi
			echo "fuzz: $t: input kept in $a; as a regression seed:" >&2
			echo "  cp $a tests/fuzz/corpus/$t/crash-<short-name>" >&2
		done
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]

#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS [BUILD] - run every libFuzzer harness of
# tests/fuzz for SECONDS each, two at a time, on its seed corpus.
#
# BUILD is a build directory configured with -DB4NS_FUZZ=ON and clang
# (default: build-fuzz next to the source); the harnesses are (re)built in
# it first. Each harness starts from a scratch copy of its seed corpus
# (tests/fuzz/corpus/NAME) so a run never changes the tree; what it found
# is left in $B4NS_FUZZ_OUT (default /tmp/b4ns-fuzz), with its log and,
# after a crash, the input (crash-*, leak-*, timeout-*) to reproduce it:
#   BUILD/tests/fuzz/fuzz_NAME crash-...
# Only the names given in $B4NS_FUZZ_ONLY (space-separated) run, if set.
# Exit status: 0 if no harness found anything, 1 otherwise (each failure is
# named with the tail of its log).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
secs=${1:?usage: run.sh SECONDS [BUILD]}
build=${2:-$src/build-fuzz}
mkdir -p "$build"
build=$(cd "$build" && pwd)
out=${B4NS_FUZZ_OUT:-/tmp/b4ns-fuzz}
jobs=${B4NS_FUZZ_JOBS:-2}

rm -rf "$out"
mkdir -p "$out"
if ! { [ -f "$build/CMakeCache.txt" ] ||
       cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang \
	     -DCMAKE_BUILD_TYPE=Debug -DB4NS_FUZZ=ON; } >"$out/build.log" 2>&1 ||
   ! cmake --build "$build" --target fuzz -j"$(nproc)" >>"$out/build.log" 2>&1; then
	tail -30 "$out/build.log"
	echo "fuzz: building the harnesses in $build failed (log: $out/build.log)"
	exit 1
fi

names=${B4NS_FUZZ_ONLY:-$(cd "$here/corpus" && echo *)}
# the known leak of libconfig 1.5 (lsan.supp says which) is not ours
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# Harnesses whose library leaks on many inputs (the libconfig one): with
# leak checks, LeakSanitizer scans the heap after every such input, 30 times
# slower; they run without, then every input of the corpus they grew (the
# ones that reached new code) is run once more with leak checks.
late_leaks=" cfg "

# one() - run harness $1 for $secs seconds in $out/$1; 0 if it found nothing
one() {
	local name=$1 dir=$out/$1 bin=$build/tests/fuzz/fuzz_$1 leaks=1
	mkdir -p "$dir/corpus"
	cp "$here/corpus/$name"/* "$dir/corpus/"
	[[ $late_leaks == *" $name "* ]] && leaks=0
	(cd "$dir" && "$bin" -max_total_time="$secs" -detect_leaks=$leaks \
		-timeout=10 -rss_limit_mb=1024 -max_len=8192 -print_final_stats=1 \
		corpus >log 2>&1) || return 1
	if ((!leaks)); then
		(cd "$dir" && "$bin" -runs=0 -detect_leaks=1 corpus >>log 2>&1) ||
			return 1
	fi
}

fail=0
for name in $names; do
	if [ ! -x "$build/tests/fuzz/fuzz_$name" ]; then
		echo "fuzz: no harness fuzz_$name"
		fail=1
		continue
	fi
	while (($(jobs -rp | wc -l) >= jobs)); do
		wait -n || true
	done
	mkdir -p "$out/$name"
	{
		rc=0
		one "$name" || rc=$?
		echo "$rc" >"$out/$name/rc"
	} &
done
wait
for name in $names; do
	[ -d "$out/$name" ] || continue
	if [ "$(cat "$out/$name/rc" 2>/dev/null)" = 0 ]; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$name/log" | head -1)
		cov=$(grep -o 'cov: [0-9]*' "$out/$name/log" | tail -1)
		echo "fuzz: $name ok (${secs}s, ${execs:-?} runs, ${cov:-cov: ?})"
	else
		echo "fuzz: $name FAILED, log $out/$name/log:"
		sed -n '/ERROR\|assertion failed\|runtime error/,$p' "$out/$name/log" |
			grep -v '^#\|^INFO\|^MS:\|^stat::\|# Uses:' | head -40
		fail=1
	fi
done
exit $fail

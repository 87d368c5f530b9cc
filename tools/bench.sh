#!/usr/bin/env bash
# bench.sh - lstar against native execution and the sandboxes a user would
# otherwise pick, in one run, on this machine.  Prints wall-clock seconds
# (best of $REPS runs) and the ratio to native for each workload.
#
#   tools/bench.sh [BUILD_DIR]        (make bench calls it)
#   BASE=/path/to/old/lstar tools/bench.sh    adds a column for another
#                                     lstar binary: before/after a change,
#                                     in the same run on the same machine
#   ONLY=fuzz tools/bench.sh          only the lstar fuzz figures
#   ONLY=net tools/bench.sh           only the network rows
#   ONLY=oci tools/bench.sh           only podman's container start-up
#
# Peers: strace -f (ptrace), gVisor runsc with its ptrace platform, bwrap
# (namespaces).  "lstar -p args" runs lstar under a policy whose rules for
# getpid and write look at an argument, so that the shim evaluates them
# out of line instead of taking the fast path (docs/POLICY.md).  A peer that is missing or fails is shown as "n/a" with
# the reason below the table; it is never silently dropped.
set -u
B=${1:-build}
LSTAR=$B/lstar
REPS=${REPS:-3}
G=$B/guest

# Shell scripts the workloads run (lstar is granted this directory and
# /usr/bin, where busybox is).
SCRIPTS=$(mktemp -d /tmp/lstar-bench-XXXXXX)
{
	echo 'i=0'
	echo 'while [ $i -lt 200 ]; do /usr/bin/busybox true; i=$((i + 1)); done'
} > "$SCRIPTS/200.sh"
# Inputs: 1 MB of numbered lines out of order for sort, 64 MiB for
# sha256sum (read in a --ro tree: one read call per few KiB).
awk 'BEGIN { for (i = 0; i < 140000; i++) printf "%07d line\n", (i * 7919) % 140000 }' \
	> "$SCRIPTS/sort.in"
head -c $((64 << 20)) /dev/zero > "$SCRIPTS/64m"

# The peer of the network workloads: guest/bench's server, run natively
# on 127.0.0.1 and a port the kernel picks, for the whole run.
"$G/bench.musl" netserve > "$SCRIPTS/port" 2> "$SCRIPTS/netserve.err" &
NETSERVE=$!
trap 'kill $NETSERVE; rm -rf "$SCRIPTS"' EXIT
for ((i = 0; i < 100; i++)); do
	PORT=$(cat "$SCRIPTS/port")
	[[ -n $PORT ]] && break
	sleep 0.05
done

workloads=(
	"start-up (musl, empty)|$G/bench.musl getpid 0"
	"start-up (glibc, empty)|$G/bench.glibc getpid 0"
	"start-up (busybox true)|/usr/bin/busybox true"
	"2000 getpid (in-guest)|$G/bench.musl getpid 2000"
	"2000 gettid (in the shim)|$G/bench.musl gettid 2000"
	"2000 write (forwarded)|$G/bench.musl write 2000"
	"2000 signals (handled)|$G/bench.musl signal 2000"
	"2000 futex wakes (no waiter)|$G/bench.musl futex 2000"
	"200 threads (create, join)|$G/bench.musl threads 200"
	"2000 futex ping-pongs|$G/bench.musl pingpong 2000"
	"2000 mmap+munmap|$G/bench.musl map 2000"
	"2000 mmap+munmap, 2 threads|$G/bench.musl mapshared 2000"
	"2000 clock_gettime (musl)|$G/bench.musl clock 2000"
	"2000 clock_gettime (glibc)|$G/bench.glibc clock 2000"
	"compute 300M rounds|$G/bench.musl compute 300"
	"touch 64 MiB|$G/bench.musl touch 64"
	"200 x 1 MiB malloc+free (musl)|$G/bench.musl churn 200"
	"200 x 1 MiB malloc+free (glibc)|$G/bench.glibc churn 200"
	"busybox seq 1 200000|/bin/busybox seq 1 200000"
	"busybox sort, 1 MB|/usr/bin/busybox sort $SCRIPTS/sort.in"
	"busybox sha256sum, 64 MiB|/usr/bin/busybox sha256sum $SCRIPTS/64m"
	"100 fork+exit+wait|$G/bench.musl fork 100"
	"100 fork+exec+wait (true)|$G/bench.musl spawn 100"
	"200-command sh script|/usr/bin/busybox sh $SCRIPTS/200.sh"
	"1000 TCP round trips|$G/bench.musl rtt $PORT 1000|net"
	"200 TCP connect+1 B+close|$G/bench.musl connect $PORT 200|net"
	"TCP send 64 MiB|$G/bench.musl send $PORT 64|net"
	"TCP receive 64 MiB|$G/bench.musl recv $PORT 64|net"
)

runners=(native strace runsc bwrap lstar "lstar -p args")
BASE=${BASE:-}
if [[ -n $BASE ]]; then
	runners+=("base")
fi
declare -A note

# A policy whose conditions make the shim look at the arguments.
ARGS_POLICY=$(mktemp /tmp/lstar-bench-XXXXXX.policy)
trap 'kill $NETSERVE; rm -rf "$ARGS_POLICY" "$SCRIPTS" /tmp/lstar-bench.err' EXIT
cat > "$ARGS_POLICY" <<'POLICY'
use default
allow getpid if arg0 != 0xdeadbeefdeadbeef   # always true, but evaluated
allow write if arg0 == 1                      # standard output
POLICY

# Each runner's way to let a network workload ($net set) reach the peer
# and nothing else it can avoid: lstar's rule names the peer's address
# and port; runsc and bwrap have nothing finer than the host's network.
run_with() {	# runner, command...
	local r=$1 lnet=() rnet=(--network=none) bnet=()
	shift
	if [[ -n $net ]]; then
		lnet=(--net "connect 127.0.0.1:$PORT/tcp")
		# runsc do sets up a network namespace of its own (with
		# iptables) for any network but none, unless rootless: then
		# the host's, whose 127.0.0.1 is the peer's.
		rnet=(--rootless --network=host)
		bnet=(--share-net)
	fi
	case $r in
	native) "$@" ;;
	strace) strace -f -qq -o /dev/null "$@" ;;
	runsc) runsc --platform=ptrace "${rnet[@]}" --ignore-cgroups do "$@" ;;
	bwrap) bwrap --ro-bind / / --dev /dev --proc /proc --unshare-all "${bnet[@]}" "$@" ;;
	lstar) "$LSTAR" run "${lnet[@]}" --ro /usr/bin --ro "$SCRIPTS" -- "$@" ;;
	"lstar -p args") "$LSTAR" run -p "$ARGS_POLICY" "${lnet[@]}" --ro /usr/bin --ro "$SCRIPTS" -- "$@" ;;
	base) "$BASE" run "${lnet[@]}" --ro /usr/bin --ro "$SCRIPTS" -- "$@" ;;
	esac
}

# Best wall-clock time of $REPS runs, in seconds; "" if the run failed.
best_time() {
	local r=$1 best="" t0 t1 t st
	shift
	for ((i = 0; i < REPS; i++)); do
		t0=$(date +%s%N)
		run_with "$r" "$@" >/dev/null 2>/tmp/lstar-bench.err </dev/null
		st=$?
		if ((st)); then
			# best_time runs in a subshell ($(...)): the reason goes
			# to a file, printed below the table.
			printf 'note: %s failed %s (status %d): %s\n' "$r" "$name" "$st" \
				"$(head -c 200 /tmp/lstar-bench.err | tr '\n' ' ')" >> "$SCRIPTS/failures"
			echo ""
			return
		fi
		t1=$(date +%s%N)
		t=$((t1 - t0))
		if [[ -z $best || $t -lt $best ]]; then best=$t; fi
	done
	awk -v ns="$best" 'BEGIN { printf "%.4f", ns / 1e9 }'
}

for r in strace runsc bwrap; do
	command -v "$r" >/dev/null || note[$r]="not installed"
done

echo "lstar bench: $(uname -r), $(nproc) cores, best of $REPS runs, seconds (x native)"
"$LSTAR" doctor | grep -E '^  (platform|start-up|steps|floor|floor exit|gate|syscall|VMM exit|first touch) |^                (confinement|before boot|\(getpid\))'
[[ ${ONLY:-} == fuzz || ${ONLY:-} == oci ]] && workloads=()
if [[ ${ONLY:-} == net ]]; then
	for i in "${!workloads[@]}"; do
		[[ ${workloads[$i]} == *'|net' ]] || unset 'workloads[i]'
	done
fi
[[ -z $PORT ]] && note[net]="the peer (bench netserve) did not start"
if ((${#workloads[@]})); then
	printf '\n%-28s' "workload"
	for r in "${runners[@]}"; do printf '%18s' "$r"; done
	echo
fi
for w in "${workloads[@]}"; do
	IFS='|' read -r name cmd net <<<"$w"
	printf '%-28s' "$name"
	native=""
	for r in "${runners[@]}"; do
		if [[ -n ${note[$r]:-} && $r != native ]] && [[ ${note[$r]} == "not installed" ]]; then
			printf '%18s' "n/a"
			continue
		fi
		# shellcheck disable=SC2086
		t=$(best_time "$r" $cmd)
		if [[ -z $t ]]; then
			printf '%18s' "failed"
			continue
		fi
		[[ $r == native ]] && native=$t
		ratio=$(awk -v t="$t" -v n="$native" 'BEGIN { if (n > 0) printf "%.1fx", t / n; else printf "-" }')
		printf '%18s' "$t ($ratio)"
	done
	echo
done
for r in "${!note[@]}"; do
	echo "note: $r: ${note[$r]}"
done
[[ -f $SCRIPTS/failures ]] && cat "$SCRIPTS/failures"
if [[ -n $BASE ]]; then
	echo "base: $BASE"
fi
[[ ${ONLY:-} == net ]] && exit 0

# --- container runtimes -----------------------------------------------------
# `podman run --rm IMAGE true` with each OCI runtime podman can use here:
# lstar-oci, crun and runc (the engine's own), runsc (ptrace platform).  The
# image is busybox-static, imported once; a runtime that fails here is
# shown as "failed" with its error below, never left out.
oci_bench() {
	local img=localhost/lstar-bench-busybox:latest root rt t err
	if ! command -v podman >/dev/null; then
		echo "note: podman: not installed (make deps installs it)"
		return
	fi
	root=$(mktemp -d /tmp/lstar-bench-oci-XXXXXX)
	mkdir -p "$root/bin" && cp /bin/busybox "$root/bin/" && ln -s busybox "$root/bin/true"
	tar -C "$root" -cf "$root.tar" . && podman import -q "$root.tar" "$img" >/dev/null
	rm -rf "$root" "$root.tar"
	echo
	echo "podman run --rm --network none IMAGE true, best of $REPS runs, seconds"
	for rt in "$(realpath "$B/lstar-oci")" crun runc runsc; do
		local path flags=()
		path=$(command -v "$rt") || { printf '  %-12s n/a (not installed)\n' "${rt##*/}"; continue; }
		[[ $rt == runsc ]] && flags=(--runtime-flag network=none --runtime-flag ignore-cgroups)
		t=""
		for _ in $(seq "$REPS"); do
			local s e
			s=$(date +%s.%N)
			if ! err=$(podman --runtime "$path" "${flags[@]}" run --rm --network none "$img" true 2>&1); then
				t=failed
				break
			fi
			e=$(date +%s.%N)
			t=$(awk -v a="$s" -v b="$e" -v t="$t" 'BEGIN { d = b - a; if (t == "" || d < t) t = d; printf "%.3f", t }')
		done
		printf '  %-12s %s\n' "${rt##*/}" "$t"
		[[ $t == failed ]] && printf '               %s\n' "$(head -c 300 <<<"$err")"
	done
}
[[ ${ONLY:-} == oci || -z ${ONLY:-} ]] && oci_bench
[[ ${ONLY:-} == oci ]] && exit 0

# --- lstar fuzz -----------------------------------------------------------------
# A reset's cost by the pages an execution wrote (guest/fuzz_target's DIRT
# inputs: N pages of its .bss, no page-table change), then executions per
# second under afl-fuzz, one core each, on a trivial target (read stdin,
# compare four bytes, return): AFL++'s own fork server natively against
# lstar fuzz, and how long afl-fuzz under lstar takes to find the planted
# crash of examples/fuzz_me.c.
echo
echo "lstar fuzz: reset after an execution that wrote N pages (-v's average of 50)"
FUZZ=$(mktemp -d /tmp/lstar-bench-fuzz-XXXXXX)
trap 'kill $NETSERVE; rm -rf "$ARGS_POLICY" "$SCRIPTS" "$FUZZ" /tmp/lstar-bench.err' EXIT
for n in 1 16 256 4096; do
	mkdir -p "$FUZZ/dirt$n"
	for i in $(seq -w 1 50); do echo "DIRT$n" > "$FUZZ/dirt$n/$i"; done
	line=$("$LSTAR" fuzz -v --stdin --corpus "$FUZZ/dirt$n" -- "$G/fuzz_target.musl" 2>&1 >/dev/null |
	       sed -n 's/.*resets: \([0-9.]*\) us each.*/\1/p')
	printf '  %4d pages: %s us\n' "$n" "${line:-failed}"
done

if ! command -v afl-fuzz >/dev/null || ! command -v afl-clang-fast >/dev/null; then
	echo "note: afl-fuzz: not installed (make deps installs afl++)"
	exit 0
fi
cat > "$FUZZ/four.c" <<'C'
#include <unistd.h>
int main(void)
{
	char b[4] = { 0 };

	read(0, b, 4);
	if (b[0] == 'L' && b[1] == 'S' && b[2] == 'T' && b[3] == 'R')
		return 1;
	return 0;
}
C
AFL_QUIET=1 afl-clang-fast -static -O2 -o "$FUZZ/four" "$FUZZ/four.c"
mkdir -p "$FUZZ/in" && printf 'abcd' > "$FUZZ/in/seed"
afl_speed() {	# name, seconds, command...
	local name=$1 secs=$2
	shift 2
	rm -rf "$FUZZ/out"
	AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
		afl-fuzz -i "$FUZZ/in" -o "$FUZZ/out" -V "$secs" -- "$@" >/dev/null 2>&1
	printf '  %-36s %s execs/s\n' "$name" \
		"$(sed -n 's/^execs_per_sec *: *//p' "$FUZZ/out/default/fuzzer_stats" 2>/dev/null || echo failed)"
}
echo
echo "afl-fuzz, 20 s each, trivial static target"
afl_speed "native (AFL++'s fork server)" 20 "$FUZZ/four"
afl_speed "lstar fuzz --stdin" 20 "$LSTAR" fuzz --stdin -- "$FUZZ/four"
echo
rm -rf "$FUZZ/out"
printf 'a\001x' > "$FUZZ/in/seed"
AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
	afl-fuzz -i "$FUZZ/in" -o "$FUZZ/out" -V 60 -- "$LSTAR" fuzz --stdin -- "$B/examples/fuzz_me.afl" \
	>/dev/null 2>&1
first=$(ls "$FUZZ/out/default/crashes" 2>/dev/null | grep '^id:' | head -1)
if [[ -n $first ]]; then
	ms=$(sed -n 's/.*,time:\([0-9]*\),.*/\1/p' <<<"$first")
	"$LSTAR" run -- "$B/examples/fuzz_me" < "$FUZZ/out/default/crashes/$first" >/dev/null 2>&1
	echo "examples/fuzz_me under afl-fuzz and lstar fuzz: crash found after $ms ms; lstar run on it: status $?"
else
	echo "examples/fuzz_me under afl-fuzz and lstar fuzz: no crash in 60 s"
fi

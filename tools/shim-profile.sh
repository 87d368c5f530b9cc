#!/usr/bin/env bash
# shim-profile.sh - where the shim's time goes on PVM, counted.
#
#   tools/shim-profile.sh [-b BUILD_DIR] [-a FUNCTION] -- COMMAND...
#
# On PVM every instruction the shim runs in ring 0 is emulated by the
# host, and the host's kvm:kvm_emulate_insn tracepoint fires once for
# each: the count of those events is the shim's cost, far steadier than
# a clock.  This runs COMMAND (typically `build/lstar run -- PROG`) with
# the tracepoint on, then prints the emulated instructions per shim
# function, most first, from the shim's symbol table.  With -a FUNCTION
# it also prints each instruction of FUNCTION with its count.
#
# The second column is time: from each emulated instruction to the next
# one of the same vCPU thread, in microseconds, gaps over 200 us left out
# (ring 3 ran, or the VMM did).  It shows what a count cannot: a `rep`
# instruction is one event however many times it repeats, and a store to
# a page the guest never touched before pays the platform's fault.  The
# tracing itself adds to each instruction, so compare times with times.
#
# Needs root and tracefs.  Other guests running at the same time are
# counted too: profile on a quiet machine.  A long run may need a larger
# buffer: echo 20000 > /sys/kernel/tracing/buffer_size_kb.
set -euo pipefail

B=build
ANNOTATE=
while getopts "b:a:" opt; do
	case $opt in
	b) B=$OPTARG ;;
	a) ANNOTATE=$OPTARG ;;
	*) echo "usage: $0 [-b BUILD_DIR] [-a FUNCTION] -- COMMAND..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-b BUILD_DIR] [-a FUNCTION] -- COMMAND..." >&2; exit 2; }

ELF=$B/shim/shim.elf
T=/sys/kernel/tracing
[ -r "$ELF" ] || { echo "$0: no $ELF: build lstar first" >&2; exit 1; }
[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null ||
	{ echo "$0: tracefs is not mounted and cannot be (root?)" >&2; exit 1; }
[ -d $T/events/kvm/kvm_emulate_insn ] ||
	{ echo "$0: no kvm:kvm_emulate_insn tracepoint on this host" >&2; exit 1; }

RAW=$(mktemp /tmp/shim-profile-XXXXXX)
trap 'echo 0 > $T/events/kvm/kvm_emulate_insn/enable; rm -f "$RAW"' EXIT
echo 0 > $T/tracing_on
echo > $T/trace
echo 1 > $T/events/kvm/kvm_emulate_insn/enable
echo 1 > $T/tracing_on
status=0
"$@" || status=$?
echo 0 > $T/tracing_on
# "lstar-5089 [001] ..... 260.947884: kvm_emulate_insn: 0:ffffffff802000d0:0f 01 f8 (prot64)"
# becomes "ffffffff802000d0 5089 260.947884".
sed -n 's/.*-\([0-9]*\) *\[[0-9]*\] [^ ]* *\([0-9.]*\): kvm_emulate_insn: [0-9a-f]*:\([0-9a-f]*\):.*/\3 \1 \2/p' \
	$T/trace > "$RAW"
if grep -q "LOST\|overrun" $T/trace 2>/dev/null; then
	echo "$0: the trace buffer overflowed: counts are low (raise buffer_size_kb)" >&2
fi

# Function starts from the symbol table, then each rip to the function
# that holds it.
nm -n "$ELF" | awk '$2 ~ /^[tTwW]$/ { print $1, $3 }' > "$RAW.syms"
awk '
	# Addresses compare as 16-digit hex strings (mawk has no strtonum).
	function pad(a) { while (length(a) < 16) a = "0" a; return a }
	NR == FNR { addr[n] = pad($1); name[n++] = $2; next }
	{
		rip = pad($1); lo = 0; hi = n - 1; f = "?"
		if (rip >= addr[0]) {
			while (lo < hi) { mid = int((lo + hi + 1) / 2); if (addr[mid] <= rip) lo = mid; else hi = mid - 1 }
			f = name[lo]
		}
		count[f]++; total++
		if (f == annotate) at[$1]++
		# The previous instruction of this thread took until now.
		if ($2 in last_f) {
			us = ($3 - last_t[$2]) * 1e6
			if (us <= 200) { took[last_f[$2]] += us; took_all += us }
		}
		last_f[$2] = f; last_t[$2] = $3
	}
	END {
		printf "%9d %9s  emulated shim instructions in all\n", total, sprintf("%.0f us", took_all)
		for (f in count) printf "%9d %9s  %s\n", count[f], sprintf("%.0f us", took[f]), f | "sort -rn"
		close("sort -rn")
		if (annotate != "") {
			printf "\n%s, per instruction:\n", annotate
			for (a in at) printf "%s %d\n", a, at[a] > "/dev/stderr"
		}
	}' annotate="$ANNOTATE" "$RAW.syms" "$RAW" 2> "$RAW.at"
if [ -n "$ANNOTATE" ]; then
	# Each instruction of the function, with its count in the margin.
	objdump -d --no-show-raw-insn "$ELF" |
		awk -v f="<$ANNOTATE>:" '$2 == f { on = 1; next } on && /^$/ { exit } on' |
		awk 'NR == FNR { c[$1] = $2; next }
		     { a = $1; sub(":", "", a); printf "%7s %s\n", (a in c) ? c[a] : "", $0 }' \
			"$RAW.at" -
fi
rm -f "$RAW.syms" "$RAW.at"
exit $status

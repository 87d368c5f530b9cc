#!/usr/bin/env bash
# fuzz-boundary.sh - lstar's own boundary, fuzzed from inside: runs
# guest/boundary (random system calls from a seed) under a sanitizer
# build of lstar, seed after seed, for SECONDS, and checks after each run
#
#   - that lstar did not fail (status 125: a shim panic or failure, a KVM
#     error) and its stderr holds no sanitizer report;
#   - that it did not hang: every run ends within its --timeout (lstar's
#     own) plus a margin, or the harness kills it and reports;
#   - that nothing outside the granted trees changed: a canary directory
#     beside them (which a planted link points at), and the read-only
#     tree, are hashed before and after;
#   - that the VMM held no more host descriptors at its end than it opened
#     for itself (LSTAR_FD_AUDIT), and that the guest's page tables agree
#     with the shim's books at the end of the run (LSTAR_MM_AUDIT).
#
#   tools/fuzz-boundary.sh BUILD_DIR SECONDS [FIRST_SEED]
#
# A finding keeps its seed, stderr and trace in BUILD_DIR/fuzz/boundary/;
# `boundary SEED COUNT DIR` under lstar replays it.  Never run
# guest/boundary natively: its system calls are random.
set -u
B=${1:?build dir}
SECONDS_WANTED=${2:?seconds}
SEED=${3:-$(date +%s)}
COUNT=${COUNT:-3000}
LSTAR=$B/lstar
AGENT=$B/guest/boundary.musl
OUT=$B/fuzz/boundary
mkdir -p "$OUT"
[[ -x $LSTAR && -x $AGENT ]] || { echo "fuzz-boundary: build $LSTAR and $AGENT first"; exit 2; }

DIR=$(mktemp -d /tmp/lstar-boundary-XXXXXX)
trap 'rm -rf "$DIR"' EXIT
mkdir -p "$DIR"/{ro/sub,rw,outside}
echo "read-only" > "$DIR/ro/file"
echo "must not change" > "$DIR/outside/secret"
ln -s ../outside "$DIR/ro/out"

# Odd seeds run under a policy that allows every call, so that what the
# default profile refuses in the shim reaches the VMM too.
printf 'default allow\n' > "$DIR/all.policy"

snapshot() {	# what must not change: the canary and the read-only tree
	(cd "$DIR" && find outside ro -printf '%p %y %m %s %l\n' | sort &&
	 find outside ro -type f -exec sha256sum {} + | sort)
}
before=$(snapshot)

runs=0 findings=0 start=$(date +%s)
finding() {	# seed, why
	findings=$((findings + 1))
	echo "fuzz-boundary: seed $1: $2 (see $OUT/$1.*)"
	cp /tmp/lstar-boundary.err "$OUT/$1.stderr" 2>/dev/null
	echo "$LSTAR run -p $policy --ro $DIR/ro --rw $DIR/rw --timeout 10 -- $AGENT $1 $COUNT $DIR" \
		> "$OUT/$1.cmd"
}

while (( $(date +%s) - start < SECONDS_WANTED )); do
	rm -rf "$DIR/rw" && mkdir "$DIR/rw"
	t0=$(date +%s)
	policy=default
	(( SEED % 2 )) && policy=$DIR/all.policy
	LSTAR_FD_AUDIT=1 LSTAR_MM_AUDIT=1 timeout -s KILL 40 "$LSTAR" run -v -p "$policy" --ro "$DIR/ro" --rw "$DIR/rw" \
		--timeout 10 -- "$AGENT" "$SEED" "$COUNT" "$DIR" >/dev/null 2>/tmp/lstar-boundary.err </dev/null
	status=$?
	runs=$((runs + 1))
	if (( $(date +%s) - t0 >= 40 )); then
		finding "$SEED" "lstar did not end within 40 s (hang)"
	elif [[ $status -eq 125 ]]; then
		finding "$SEED" "lstar failed: $(grep -a -m1 'lstar:' /tmp/lstar-boundary.err)"
	elif grep -aqE 'AddressSanitizer|LeakSanitizer|runtime error|shim panic|shim failure' /tmp/lstar-boundary.err; then
		finding "$SEED" "$(grep -a -m1 -E 'AddressSanitizer|LeakSanitizer|runtime error|shim' /tmp/lstar-boundary.err)"
	elif grep -aqE 'fd audit: leaked|mm audit' /tmp/lstar-boundary.err; then
		finding "$SEED" "$(grep -a -m1 -E 'fd audit|mm audit' /tmp/lstar-boundary.err)"
	fi
	after=$(snapshot)
	if [[ $after != "$before" ]]; then
		finding "$SEED" "a file outside the writable tree changed"
		diff <(echo "$before") <(echo "$after") | head -5
		before=$after
	fi
	SEED=$((SEED + 1))
done
echo "fuzz-boundary: $runs runs ($COUNT calls each) in $SECONDS_WANTED s, $findings findings, next seed $SEED"
[[ $findings -eq 0 ]]

#!/usr/bin/env bash
# check-hw.sh - lstar's test suite on hardware KVM (AMD SVM), emulated.
#
#   tools/check-hw.sh [BUILD_DIR] [-- COMMAND [ARGS...]]   (make check-hw)
#
# The machines lstar is developed on offer /dev/kvm through PVM, where the
# shim's hardware entry path (entry_SYSCALL_64: CPL 0, swapgs, sysretq)
# never runs.  This script boots Debian 12's own kernel in QEMU's TCG
# emulator with an AMD CPU that has SVM, loads kvm-amd there, and runs
# `lstar doctor` and the whole Check runner inside that machine, on its
# real (nested, emulated) /dev/kvm.  The host reads the serial console and
# exits 0 only when the doctor found "hardware KVM (AMD SVM)" and passed,
# and the Check summary shows 0 failures and 0 errors.
#
# With "-- COMMAND ...", the guest runs COMMAND (after doctor) instead of
# the test runner: a way to try one program by hand on SVM, e.g.
#   tools/check-hw.sh build -- lstar run -- /lstar/guest/args.musl hi
# (PATH holds /lstar; the guest programs are in /lstar/guest; files in
# the directory HW_EXTRA, if set, are in /extra).  The exit status is then
# COMMAND's, and the Check verdict is not computed.
#
# Decisions (see docs/HARDWARE-TESTS.md):
# - Shared libraries, not static linking: lstar and lstar-tests are the
#   ones `make` built (dynamic), and the initramfs holds exactly what `ldd`
#   lists for them, plus the dynamic loader, at the same paths.  Nothing
#   is rebuilt for this test, so it tests the very binaries `make check`
#   tests.  The host's /bin/true (dynamic, coreutils) comes too: the cli
#   suite uses it as its example of a dynamically linked program.
# - Only Debian packages are downloaded: the kernel is the versioned
#   package linux-image-amd64 depends on, fetched with `apt-get download`
#   into BUILD_DIR/hw-cache/ and reused from there on every later run.
#   Packages the host needs (qemu-system-x86, xz-utils, busybox-static,
#   bash-static, cpio, afl++) are installed with apt-get only when missing.
# - Two machines at once, each with half the suites (HALF below and all the
#   others: the runner's LSTAR_SUITES and LSTAR_SKIP_SUITES), one vCPU
#   each: TCG runs a one-vCPU machine on one host thread, so two use both
#   cores of a two-core host; one machine with two vCPUs (MTTCG) hung
#   before its tests began.  Each has 2 GiB (room for the uncompressed
#   initramfs and for the fs tests' 64 MiB files in the tmpfs /tmp),
#   -cpu max,-la57: TCG's AMD model with SVM, nested paging, SMEP, SMAP
#   and FSGSBASE, with 4-level paging as on most KVM hosts (with LA57 the
#   guest kernel's own mmap answers, the tests' native reference, change).
# - TCG does not model a few corners of the architecture (ICEBP, #SS for
#   a non-canonical stack, #AC, SMAP on a ring-3 far return).  The tests
#   themselves see that they run under TCG (CPUID's hypervisor signature
#   "TCGTCGTCGTCG") and expect the emulator's answer there; the run must
#   end with 0 failures and 0 errors, nothing excused here.
# - The boot, tests and power-off are bounded by HW_TIMEOUT seconds of
#   wall clock (default 900; each machine took ~400 s on 2026-12-07).
#
# Environment: HW_TIMEOUT (seconds, default 900), HW_MACHINES (2, or 1:
# one machine runs every suite), HW_MEM (default 2G, each),
# HW_CPU (QEMU's -cpu, default max,-la57; it must have svm),
# LSTAR_HW_CACHE (default BUILD_DIR/hw-cache), HW_EXTRA (a directory
# copied to /extra in the guest, for "-- COMMAND").  CK_RUN_SUITE, CK_RUN_CASE,
# CK_VERBOSITY and CK_TIMEOUT_MULTIPLIER are passed to the runner inside.
set -euo pipefail

B=build
if [[ $# -gt 0 && $1 != -- ]]; then
	B=$1
	shift
fi
CMD=()
if [[ $# -gt 0 && $1 == -- ]]; then
	shift
	CMD=("$@")
fi

TIMEOUT=${HW_TIMEOUT:-900}
MEM=${HW_MEM:-2G}
CPU=${HW_CPU:-max,-la57}
CACHE=${LSTAR_HW_CACHE:-$B/hw-cache}
MACHINES=${HW_MACHINES:-2}
LOG=$B/hw-serial.log		# machine 1's (the only one with -- COMMAND)
LOG2=$B/hw-serial-2.log		# machine 2's
# The suites machine 1 runs (about half the time, and those that use the
# network together); machine 2 runs all the others.
HALF=fs,hostile,policy_run,net,vdso,dns
T_START=$(date +%s)

say() { printf 'check-hw: %s\n' "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }

# --- inputs -----------------------------------------------------------------
for f in "$B/lstar" "$B/lstar-policy" "$B/lstar-oci" "$B/tests/lstar-tests"; do
	[[ -x $f ]] || die "$f is missing: build it first (make B=$B $f)"
done
# The source files the tests read (golden files, example policies).
SRC=$(cd "$(dirname "$0")/.." && pwd)
shopt -s nullglob
guests=("$B"/guest/*)
shopt -u nullglob
[[ ${#guests[@]} -gt 0 ]] || die "$B/guest/ has no programs: build them first (make B=$B guest)"

# --- host packages ------------------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
missing=()
for p in qemu-system-x86 xz-utils busybox-static bash-static cpio afl++; do
	installed "$p" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
	say "installing ${missing[*]}"
	[[ $(id -u) -eq 0 ]] || die "need root to install ${missing[*]} (or install them yourself)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi
BUSYBOX=/bin/busybox
[[ -x $BUSYBOX ]] || die "$BUSYBOX missing although busybox-static is installed"
ldd "$BUSYBOX" >/dev/null 2>&1 && die "$BUSYBOX is dynamically linked; need busybox-static's"

# --- the kernel: Debian's own package, cached ------------------------------------
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
latest_deb() {
	local d
	d=$(ls "$CACHE"/linux-image-*-amd64_*_amd64.deb 2>/dev/null | sort -V | tail -1) || true
	printf '%s' "$d"
}
DEB=$(latest_deb)
if [[ -z $DEB ]]; then
	resolve() {
		apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -1
	}
	PKG=$(resolve)
	if [[ -z $PKG ]]; then
		[[ $(id -u) -eq 0 ]] && apt-get update -qq
		PKG=$(resolve)
	fi
	[[ -n $PKG ]] || die "cannot resolve linux-image-amd64 to a kernel package (apt-get update?)"
	say "downloading Debian package $PKG into $CACHE"
	sandbox=()
	[[ $(id -u) -eq 0 ]] && sandbox=(-o APT::Sandbox::User=root)	# no _apt warning
	(cd "$CACHE" && apt-get download -qq "${sandbox[@]}" "$PKG") ||
		die "apt-get download $PKG failed"
	DEB=$(latest_deb)
	[[ -n $DEB ]] || die "apt-get download $PKG left no .deb in $CACHE"
fi
KDIR=$CACHE/$(basename "$DEB" .deb)
if [[ ! -f $KDIR/.done ]]; then
	say "unpacking $(basename "$DEB")"
	rm -rf "$KDIR"
	mkdir -p "$KDIR/x"
	dpkg-deb --fsys-tarfile "$DEB" | tar -x -C "$KDIR/x" --wildcards \
		'./boot/vmlinuz-*' '*/virt/lib/irqbypass.ko*' '*/arch/x86/kvm/kvm.ko*' \
		'*/arch/x86/kvm/kvm-amd.ko*' '*/drivers/crypto/ccp/ccp.ko*'
	mkdir -p "$KDIR/modules"
	cp "$KDIR"/x/boot/vmlinuz-* "$KDIR/vmlinuz"
	for m in irqbypass kvm ccp kvm-amd; do
		f=$(find "$KDIR/x/lib/modules" -name "$m.ko*" | head -1)
		[[ -n $f ]] || die "$m.ko not in $(basename "$DEB")"
		case $f in
		*.ko) cp "$f" "$KDIR/modules/$m.ko" ;;
		*.ko.xz) xz -dc "$f" >"$KDIR/modules/$m.ko" ;;
		*) die "$f: unknown module compression" ;;
		esac
	done
	rm -rf "$KDIR/x"
	touch "$KDIR/.done"
fi
KVER=$(basename "$DEB" | sed 's/^linux-image-\([^_]*\)_.*/\1/')

# --- the initramfs ---------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lstar-hw.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
R=$WORK/root
mkdir -p "$R"/{bin,usr/bin,dev,proc,sys,tmp,etc,modules,lstar/guest,lstar/examples,lstar/src/tests,lstar/src/examples}

cp_lib() {	# copy a file to the same path under $R, dereferencing links
	mkdir -p "$R$(dirname "$1")"
	cp -L "$1" "$R$1"
}
# /bin/true first, so that busybox's applet links do not replace it.
cp -L /bin/true "$R/bin/true"
# What the dynamic suite (tests/test_dynamic.c) runs under --system: the
# host's own dynamically linked programs, at their paths in /usr/bin (this
# machine's /bin is busybox's), with python3's standard library below and
# the libraries its modules load (ctypes: libffi).
DYN_BINS=(/usr/bin/{ls,cat,wc,sort,head,grep,sed,mawk,dash,false,python3})
for bin in "${DYN_BINS[@]}"; do
	[[ -x $bin ]] || die "$bin is missing: make deps installs it"
	cp_lib "$bin"
done
PYLIB=/usr/lib/$(basename "$(readlink -f /usr/bin/python3)")
mkdir -p "$R$PYLIB"
tar -C "$PYLIB" -cf - --exclude=./test --exclude=./idlelib --exclude=./tkinter \
	--exclude=./lib2to3 --exclude=./ensurepip --exclude=./turtledemo --exclude=./site-packages \
	--exclude=./dist-packages . | tar -C "$R$PYLIB" -xf -
for bin in "$B/lstar" "$B/lstar-policy" "$B/lstar-oci" "$B/tests/lstar-tests" /bin/true \
	/usr/bin/afl-fuzz /usr/bin/afl-showmap /usr/bin/jq /usr/bin/script "${DYN_BINS[@]}" \
	"$PYLIB"/lib-dynload/*.so; do
	nf=$(ldd "$bin" | grep 'not found' || true)
	[[ -z $nf ]] || die "$bin: a library is missing: $nf"
	while read -r lib; do
		[[ -e $R$lib ]] || cp_lib "$lib"
	done < <(ldd "$bin" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p')
done
cp "$BUSYBOX" "$R/bin/busybox"
for a in $("$BUSYBOX" --list); do
	[[ -e $R/bin/$a ]] || ln -s busybox "$R/bin/$a"
done
# What the process tests run beneath --ro /usr/bin, as on the host: the
# shells, and a dynamic program for execve to refuse.
cp "$BUSYBOX" "$R/usr/bin/busybox"
cp /usr/bin/bash-static /usr/bin/env "$R/usr/bin/"
# afl-fuzz and afl-showmap, which the fuzz tests drive lstar with; jq,
# which reads the JSON trace; script, which gives lstar fuzz a terminal.
cp /usr/bin/afl-fuzz /usr/bin/afl-showmap /usr/bin/jq /usr/bin/script "$R/usr/bin/"
cp "$B/lstar" "$R/lstar/lstar"
cp "$B/lstar-policy" "$R/lstar/lstar-policy"
cp "$B/lstar-oci" "$R/lstar/lstar-oci"
cp "$B/tests/lstar-tests" "$R/lstar/lstar-tests"
cp "${guests[@]}" "$R/lstar/guest/"
cp "$B"/examples/* "$R/lstar/examples/"
cp -r "$SRC/tests/policy" "$SRC/tests/trace" "$R/lstar/src/tests/"
cp "$SRC"/examples/*.policy "$R/lstar/src/examples/"
cp "$KDIR"/modules/*.ko "$R/modules/"
if [[ -n ${HW_EXTRA:-} ]]; then
	[[ -d $HW_EXTRA ]] || die "HW_EXTRA=$HW_EXTRA is not a directory"
	mkdir -p "$R/extra"
	cp -r "$HW_EXTRA"/. "$R/extra/"
fi
printf 'root:x:0:0:root:/tmp:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\n' >"$R/etc/group"
# An installed system's resolver files: the dns suite grants the host's
# /etc and expects them there.
printf '127.0.0.1 localhost\n::1 localhost\n' >"$R/etc/hosts"
printf 'nameserver 127.0.0.53\n' >"$R/etc/resolv.conf"

{
	for v in CK_RUN_SUITE CK_RUN_CASE CK_VERBOSITY CK_TIMEOUT_MULTIPLIER; do
		[[ -n ${!v:-} ]] && printf 'export %s=%q\n' "$v" "${!v}"
	done
	if [[ ${#CMD[@]} -gt 0 ]]; then
		printf 'HW_CMD=%q\n' "$(printf '%q ' "${CMD[@]}")"
	fi
	printf 'HW_HALF=%q\n' "$HALF"
} >"$R/hw.env"

cat >"$R/init" <<'EOF'
#!/bin/sh
# /init of the check-hw machine: load kvm-amd, run doctor and the tests.
export PATH=/lstar:/bin HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# What udev makes on every system, and the tests compare against natively.
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
ln -sf /proc/self/fd /dev/fd
mkdir -p /dev/pts && mount -t devpts -o ptmxmode=0666 devpts /dev/pts	# script(1)'s terminal
mount -t tmpfs -o size=75% tmp /tmp	# the fs tests write 64 MiB files
# The net tests' peers listen on loopback, which the kernel leaves down
# until something brings it up (127.0.0.1 and ::1 come with it).
ip link set lo up || echo "lstar-hw: ip link set lo up failed"
. /hw.env
up() { read t _ </proc/uptime; echo "$t"; }
echo "lstar-hw: guest up, kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) cpu, uptime $(up) s"
grep -q ' svm' /proc/cpuinfo && echo "lstar-hw: cpu has svm" || echo "lstar-hw: cpu has NO svm"
echo "lstar-hw: cpu flags: $(grep -m1 ^flags /proc/cpuinfo | grep -o -w -E 'svm|npt|nrip_save|smep|smap|fsgsbase|xsave|avx|avx2|pku|hypervisor|umip|la57' | sort -u | tr '\n' ' ')"
for m in irqbypass kvm ccp kvm-amd; do
	insmod /modules/$m.ko || echo "lstar-hw: insmod $m.ko failed"
done
if [ -c /dev/kvm ]; then
	echo "lstar-hw: /dev/kvm present, npt=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null)"
else
	echo "lstar-hw: /dev/kvm MISSING"
fi
cd /tmp
echo "lstar-hw: doctor begin"
lstar doctor
echo "lstar-hw: doctor exit $?"
if [ -n "$HW_CMD" ]; then
	echo "lstar-hw: command: $HW_CMD"
	t0=$(up)
	eval "$HW_CMD"
	echo "lstar-hw: command exit $? after $t0 -> $(up) s"
else
	# Which suites: the kernel's command line says which machine this is.
	case " $(cat /proc/cmdline) " in
	*" lstar_half=1 "*) export LSTAR_SUITES=$HW_HALF ;;
	*" lstar_half=2 "*) export LSTAR_SKIP_SUITES=$HW_HALF ;;
	esac
	t0=$(up)
	echo "lstar-hw: runner begin at $t0 s${LSTAR_SUITES:+, suites $LSTAR_SUITES}${LSTAR_SKIP_SUITES:+, all suites but $LSTAR_SKIP_SUITES}"
	LSTAR=/lstar/lstar LSTAR_POLICY=/lstar/lstar-policy LSTAR_SRC=/lstar/src \
		LSTAR_GUEST_DIR=/lstar/guest CK_XML_LOG_FILE_NAME=/tmp/ck.xml /lstar/lstar-tests
	rc=$?
	echo "lstar-hw: runner exit $rc, $t0 -> $(up) s"
	# Where the time went, a line per suite and per test of 5 s or more
	# (Check's log has each test's duration), longest first: what keeps
	# make check-hw within its bound.
	awk -F'[<>]' '/<title>/ { s = $3 } /<id>/ { id = $3 } /<iteration>/ { it = $3 }
		/<duration>/ && s != "" { t[s] += $3
			if ($3 >= 5) printf "lstar-hw: test %s/%s:%s took %.1f s\n", s, id, it, $3 }
		/<\/suite>/ { s = "" }
		END { for (k in t) printf "lstar-hw: suite %s took %.1f s\n", k, t[k] }' /tmp/ck.xml | sort -t' ' -k5 -rn
fi
echo "lstar-hw: done"
poweroff -f
EOF
chmod 755 "$R/init"
(cd "$R" && find . | cpio -o -H newc -R 0:0 --quiet) >"$WORK/initramfs.cpio"

# --- boot ----------------------------------------------------------------------
[[ ${#CMD[@]} -gt 0 ]] && MACHINES=1
[[ $MACHINES == 1 || $MACHINES == 2 ]] || die "HW_MACHINES is 1 or 2, not $MACHINES"
# boot N LOG: one machine (lstar_half=N: 1 or 2, 0 for all the suites),
# its console in LOG and on stdout; QEMU's exit status in $WORK/qrc-N.
boot() {
	timeout -k 5 "$TIMEOUT" qemu-system-x86_64 \
		-accel tcg -cpu "$CPU" -smp 1 -m "$MEM" \
		-nodefaults -display none -serial stdio -no-reboot \
		-kernel "$KDIR/vmlinuz" -initrd "$WORK/initramfs.cpio" \
		-append "console=ttyS0 panic=-1 quiet lstar_half=$1" \
		</dev/null 2>&1 | sed -u 's/\r$//' | tee "$2"
	echo "${PIPESTATUS[0]}" >"$WORK/qrc-$1"
}
T_BOOT=$(date +%s)
set +e
if [[ $MACHINES == 2 ]]; then
	say "booting $KVER in two QEMU machines (TCG, -cpu $CPU), half the suites each;" \
	    "serial logs: $LOG (shown) and $LOG2; limit ${TIMEOUT}s"
	boot 1 "$LOG" &
	boot 2 "$LOG2" >/dev/null &
	wait
else
	say "booting $KVER in QEMU (TCG, -cpu $CPU); serial log: $LOG; limit ${TIMEOUT}s"
	boot 0 "$LOG"
fi
T_END=$(date +%s)

# --- verdict (errexit stays off: a grep that finds nothing is an answer) -------------
problems=()
summaries=()
# check_machine LOG QRC NAME: what went wrong in one machine, into problems
# (each line led by NAME when there are two), its Check summary into
# summaries.
check_machine() {
	local log=$1 qrc=$2 who=${3:+$3: } last summary
	has() { grep -qE -- "$1" "$log"; }

	if ! has '^lstar-hw: guest up'; then
		if [[ $qrc -eq 124 ]]; then
			problems+=("${who}the guest did not come up within ${TIMEOUT}s")
		else
			problems+=("${who}the guest did not come up: QEMU exited (status $qrc) before /init ran (kernel panic or reset? see $log)")
		fi
	else
		has '^lstar-hw: done' || {
			last=$(grep -E '^lstar-hw: ' "$log" | tail -1)
			if [[ $qrc -eq 124 ]]; then
				problems+=("${who}timed out after ${TIMEOUT}s; last step: ${last#lstar-hw: }")
			else
				problems+=("${who}the guest stopped early (QEMU exit $qrc; kernel panic?); last step: ${last#lstar-hw: }")
			fi
		}
		has '^lstar-hw: /dev/kvm present' || problems+=("${who}no /dev/kvm in the guest (kvm-amd did not load)")
	fi
	if has '^lstar-hw: doctor exit'; then
		has '^ *platform +hardware KVM \(AMD SVM\)$' ||
			problems+=("${who}lstar doctor did not report \"hardware KVM (AMD SVM)\"")
		has '^lstar-hw: doctor exit 0$' || problems+=("${who}lstar doctor failed: $(grep -E '^lstar-hw: doctor exit' "$log" || echo 'no exit status')")
	fi
	[[ ${#CMD[@]} -gt 0 ]] && return
	has '^lstar-hw: done' || return
	# (After "Running suite(s):" on its line when the runner had none.)
	summary=$(grep -oE '[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" | tail -1)
	if [[ -z $summary ]]; then
		problems+=("${who}no Check summary in the output")
	else
		summaries+=("$summary")
		[[ $summary =~ Failures:\ ([0-9]+),\ Errors:\ ([0-9]+) ]]
		if [[ $((BASH_REMATCH[1] + BASH_REMATCH[2])) -ne 0 ]]; then
			problems+=("${who}Check: $summary")
			while read -r line; do
				problems+=("  $line")
			done < <(grep -E '^[^ ]+:[0-9]+:[FE]:' "$log")
		fi
	fi
	has '^lstar tests: [0-9]+ KVM suites not run' &&
		problems+=("${who}KVM suites were not run: $(grep -E '^lstar tests: ' "$log" | head -1)")
	has '^lstar-hw: runner exit [0-9]+,' || problems+=("${who}the runner did not finish")
	has 'shim panic|shim failure|triple fault' &&
		problems+=("${who}lstar reported a shim panic/failure (see $log)")
}
runner_time() {
	sed -n 's/^lstar-hw: runner exit [0-9]*, \([0-9.]*\) -> \([0-9.]*\) s$/\1 \2/p' "$1" |
		awk '{ printf "%.1f", $2 - $1 }'
}

if [[ $MACHINES == 2 ]]; then
	check_machine "$LOG" "$(cat "$WORK/qrc-1")" "machine 1"
	check_machine "$LOG2" "$(cat "$WORK/qrc-2")" "machine 2"
	# Machine 2's own account of where its time went (machine 1's was shown).
	grep -E '^lstar-hw: (runner|suite|test) ' "$LOG2" | sed 's/^lstar-hw: /check-hw: machine 2: /' >&2
	runner_t="$(runner_time "$LOG") and $(runner_time "$LOG2")"
else
	check_machine "$LOG" "$(cat "$WORK/qrc-0")" ""
	runner_t=$(runner_time "$LOG")
fi
if [[ ${#CMD[@]} -gt 0 ]]; then
	crc=$(sed -n 's/^lstar-hw: command exit \([0-9]*\) .*/\1/p' "$LOG")
	say "command exit status: ${crc:-none}; wall time $((T_END - T_START))s"
	[[ ${#problems[@]} -eq 0 ]] || { for p in "${problems[@]}"; do say "note: $p"; done; }
	exit "${crc:-1}"
fi
# The whole suite's count: the machines' summaries added up.
summary=$(printf '%s\n' "${summaries[@]}" | awk -F'[:,] *' 'NF { c += $3; f += $5; e += $7 }
	END { printf "%d%%: Checks: %d, Failures: %d, Errors: %d", c ? 100 * (c - f - e) / c : 0, c, f, e }')
say "kernel $KVER; boot+tests+poweroff $((T_END - T_BOOT))s; test runner inside: ${runner_t:-?}s; total $((T_END - T_START))s"
if [[ ${#problems[@]} -gt 0 ]]; then
	for p in "${problems[@]}"; do say "FAIL: $p"; done
	exit 1
fi
say "PASS: ${summary} on hardware KVM (AMD SVM, emulated)"

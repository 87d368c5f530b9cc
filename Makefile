# lstar - one plain GNU Makefile.
#
#   make            build/lstar (the shim image embedded in it)
#   make deps       install the Debian packages the build and tests need
#   make check      build and run every test (Check)
#   make stress     the load tests, longer (CI runs it)
#   make check-hw   the tests on emulated hardware KVM (CI runs it)
#   make install    lstar, lstar-policy, lstar-oci, profiles, man pages, bash completion
#                   (PREFIX=/usr/local, DESTDIR=); make uninstall undoes it
#   make deb        a Debian package, build/lstar_VERSION_ARCH.deb
#   make clean
#
# V=1 shows the commands.  SAN=1 builds the host side with ASan + UBSan.

CC       ?= cc
MUSL_CC  ?= musl-gcc
B        := build
ifeq ($(SAN),1)
B        := build-san
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Host side (the VMM, tools, tests).
HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Wstrict-prototypes \
	-Wmissing-prototypes -Werror -D_GNU_SOURCE -Iinclude -Ipolicy -Ivmm -MMD -MP
# lstar's own libraries are linked in, so that each run does not spend a
# third of a millisecond loading and relocating them (glibc stays shared:
# a static glibc cannot look users and groups up).
HOST_LDLIBS := -Wl,-Bstatic -lelf -lz -lseccomp -lcap-ng -Wl,-Bdynamic
# libc's symbols bound at start and the GOT read-only after (full RELRO):
# nothing is resolved lazily once lstar has confined itself.
HOST_LDFLAGS := -Wl,-z,relro,-z,now
ifeq ($(SAN),1)
HOST_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -DLSTAR_SANITIZE
# GCC 12's object-size tracking misreads the instrumented code (fs.c's
# through_links: "reading 1 or more bytes from a region of size 0").
HOST_CFLAGS += -Wno-stringop-overread
HOST_LDFLAGS += -fsanitize=address,undefined
endif

# The shim: freestanding, kernel code model, no SSE, no red zone.  No
# padding before loops and jump targets: on PVM every shim instruction is
# emulated, a padding `nop` that execution falls into as dearly as any.
SHIM_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Wstrict-prototypes \
	-Wmissing-prototypes -Werror -Wno-override-init -ffreestanding -fno-pie -fno-pic \
	-fno-stack-protector -fno-builtin -mno-red-zone -mno-sse -mno-sse2 \
	-mno-mmx -mno-avx -mcmodel=kernel -fno-asynchronous-unwind-tables \
	-falign-jumps=1 -falign-loops=1 -falign-labels=1 \
	-fcf-protection=none -Iinclude -Ipolicy -Ishim-kernel -I$(B)/shim -MMD -MP
SHIM_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none \
	-Wl,-T,shim-kernel/shim.lds -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack

SHIM_SRCS := $(wildcard shim-kernel/*.c)
SHIM_SRCS := $(filter-out shim-kernel/asm-offsets.c,$(SHIM_SRCS))
SHIM_OBJS := $(SHIM_SRCS:%.c=$(B)/%.o) $(B)/shim-kernel/entry.o \
	$(B)/shim-kernel/policy_eval.o
SHIM_ELF  := $(B)/shim/shim.elf

# The policy language (policy/): the evaluator is built into the shim and
# into every host binary; the compiler and the stock profiles (embedded as
# C strings) into the host binaries.
POLICY_SRCS := $(wildcard policy/*.c)
POLICY_OBJS := $(POLICY_SRCS:%.c=$(B)/%.o) $(B)/policy/profiles.o
PROFILES    := $(sort $(wildcard policy/profiles/*.policy))

VMM_SRCS  := $(wildcard vmm/*.c)
VMM_OBJS  := $(VMM_SRCS:%.c=$(B)/%.o) $(B)/vmm/shim_image.o $(POLICY_OBJS)
LIB_OBJS  := $(filter-out $(B)/vmm/main.o,$(VMM_OBJS))

# The vDSO (vdso/): a tiny shared object the VMM maps into every program
# for clock_gettime and friends without a trap; embedded in lstar.
VDSO_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Wstrict-prototypes \
	-Wmissing-prototypes -Werror -ffreestanding -fPIC -fno-stack-protector \
	-fno-builtin -fno-plt -mno-sse -mno-sse2 -mno-mmx -mno-avx \
	-fcf-protection=none -Iinclude -MMD -MP
VDSO_LDFLAGS := -shared -nostdlib -Wl,--hash-style=both \
	-Wl,-soname=linux-vdso.so.1 -Wl,--no-undefined -Wl,-Bsymbolic \
	-Wl,--eh-frame-hdr -Wl,--build-id=none -Wl,-z,max-page-size=4096 \
	-Wl,-z,noexecstack -Wl,-T,$(B)/vdso/vdso.lds
VDSO_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard vdso/*.c)) \
	$(patsubst %.S,$(B)/%.o,$(filter-out %.lds.S,$(wildcard vdso/*.S)))
VDSO_SO   := $(B)/vdso/vdso.so
VMM_OBJS  += $(B)/vmm/vdso_image.o
LIB_OBJS  += $(B)/vmm/vdso_image.o

.PHONY: all bench bench-deps check check-hw clean deb deps examples fuzz-boundary fuzz-cc fuzz-parsers \
	fuzz-smoke \
	guest install stress tests uninstall
all: $(B)/lstar $(B)/lstar-policy $(B)/lstar-oci examples

# --- the shim ------------------------------------------------------------
$(B)/shim/asm-offsets.h: shim-kernel/asm-offsets.c shim-kernel/pt_regs.h shim-kernel/percpu.h \
		include/lstar_abi.h include/x86.h policy/policy.h
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)$(CC) $(SHIM_CFLAGS) -S -o $(B)/shim/asm-offsets.s $<
	$(Q){ echo "/* generated from shim-kernel/asm-offsets.c: do not edit */"; \
	  sed -n 's/.*->\([A-Z_0-9]*\) \$$\{0,1\}\([0-9]*\).*/#define \1 \2/p' \
	  $(B)/shim/asm-offsets.s; } > $@

$(B)/shim-kernel/%.o: shim-kernel/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(SHIM_CFLAGS) -c -o $@ $<

$(B)/shim-kernel/entry.o: shim-kernel/entry.S $(B)/shim/asm-offsets.h
	@mkdir -p $(dir $@)
	@echo "  AS      $@"
	$(Q)$(CC) $(SHIM_CFLAGS) -c -o $@ $<

# The one policy evaluator, built freestanding for the shim.
$(B)/shim-kernel/policy_eval.o: policy/eval.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(SHIM_CFLAGS) -c -o $@ $<

$(SHIM_ELF): $(SHIM_OBJS) shim-kernel/shim.lds
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(SHIM_CFLAGS) $(SHIM_LDFLAGS) -o $@ $(SHIM_OBJS) -lgcc

# --- the vDSO ------------------------------------------------------------
# The shim's syscall entry, from its image (expanded where used: after
# the image is built).
SHIM_ENTRY_FLAG = -DLSTAR_ENTRY_SYSCALL=0x$(shell nm $(SHIM_ELF) | sed -n 's/ T entry_SYSCALL_64$$//p')

$(B)/vdso/vdso.lds: vdso/vdso.lds.S include/lstar_abi.h
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)$(CC) -E -P -x assembler-with-cpp -Iinclude -o $@ $<

$(B)/vdso/%.o: vdso/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(VDSO_CFLAGS) -c -o $@ $<

# The syscall gate sends what it does not answer to the shim's syscall
# entry, whose address it learns from the shim image (as the hostile
# probes below do).
$(B)/vdso/%.o: vdso/%.S $(SHIM_ELF)
	@mkdir -p $(dir $@)
	@echo "  AS      $@"
	$(Q)$(CC) $(VDSO_CFLAGS) $(SHIM_ENTRY_FLAG) -c -o $@ $<

# vdso.dbg keeps the symbols and debug information (for gdb); the image
# lstar carries is stripped of both.
$(B)/vdso/vdso.dbg: $(VDSO_OBJS) $(B)/vdso/vdso.lds
	@echo "  LD      $@"
	$(Q)$(CC) $(VDSO_CFLAGS) $(VDSO_LDFLAGS) -o $@ $(VDSO_OBJS)

$(VDSO_SO): $(B)/vdso/vdso.dbg
	@echo "  STRIP   $@"
	$(Q)objcopy -S $< $@

$(B)/vmm/vdso_image.o: vmm/vdso_image.S $(VDSO_SO)
	@mkdir -p $(dir $@)
	@echo "  AS      $@"
	$(Q)$(CC) -DVDSO_SO='"$(VDSO_SO)"' -c -o $@ $<

# --- the VMM -----------------------------------------------------------
$(B)/vmm/%.o: vmm/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(HOST_CFLAGS) -c -o $@ $<

$(B)/vmm/shim_image.o: vmm/shim_image.S $(SHIM_ELF)
	@mkdir -p $(dir $@)
	@echo "  AS      $@"
	$(Q)$(CC) -DSHIM_ELF='"$(SHIM_ELF)"' -c -o $@ $<

$(B)/lstar: $(VMM_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LDLIBS)

# --- the policy language and lstar-policy --------------------------------
$(B)/policy/%.o: policy/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(HOST_CFLAGS) -c -o $@ $<

$(B)/policy/profiles.c: $(PROFILES) tools/embed-profiles.sh
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)tools/embed-profiles.sh $@ $(PROFILES)

$(B)/policy/profiles.o: $(B)/policy/profiles.c
	@echo "  CC      $@"
	$(Q)$(CC) $(HOST_CFLAGS) -c -o $@ $<

$(B)/tools/%.o: tools/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(HOST_CFLAGS) -c -o $@ $<

$(B)/lstar-policy: $(B)/tools/lstar-policy.o $(POLICY_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LDLIBS)

# --- lstar-oci: the OCI runtime command line over lstar run (oci/) ---------
OCI_SRCS := $(wildcard oci/*.c)
OCI_OBJS := $(OCI_SRCS:%.c=$(B)/%.o)

$(B)/oci/%.o: oci/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(HOST_CFLAGS) -Ioci -c -o $@ $<

# It writes each container's policy, quoting paths as the language does
# (policy/names.c).
$(B)/lstar-oci: $(OCI_OBJS) $(B)/policy/names.o
	@echo "  LD      $@"
	$(Q)$(CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LDLIBS)

# --- programs that run inside the sandbox (guest/) --------------------------
# Each guest/NAME.c is built static twice, NAME.musl and NAME.glibc, and
# args.c also as a static-PIE (args.pie) and dynamically linked against
# the host's glibc, as a PIE (args.dyn) and not (args.dynexec).  Hostile
# probes learn the shim's syscall entry address from the shim image.
GUEST_SRCS := $(wildcard guest/*.c)
GUEST_BINS := $(GUEST_SRCS:guest/%.c=$(B)/guest/%.musl) \
	$(GUEST_SRCS:guest/%.c=$(B)/guest/%.glibc) $(B)/guest/args.pie \
	$(B)/guest/args.dyn $(B)/guest/args.dynexec
GUEST_CFLAGS = -O2 -g -Wall -Wextra -Werror -Iinclude $(SHIM_ENTRY_FLAG)

$(B)/guest/%.musl: guest/%.c $(wildcard guest/*.h) $(SHIM_ELF)
	@mkdir -p $(dir $@)
	@echo "  MUSL    $@"
	$(Q)$(MUSL_CC) -static $(GUEST_CFLAGS) -o $@ $<

$(B)/guest/%.glibc: guest/%.c $(wildcard guest/*.h) $(SHIM_ELF)
	@mkdir -p $(dir $@)
	@echo "  GLIBC   $@"
	$(Q)$(CC) -static $(GUEST_CFLAGS) -o $@ $<

$(B)/guest/args.pie: guest/args.c $(SHIM_ELF)
	@mkdir -p $(dir $@)
	@echo "  PIE     $@"
	$(Q)$(CC) -static-pie -fPIE $(GUEST_CFLAGS) -o $@ $<

$(B)/guest/args.dyn: guest/args.c $(SHIM_ELF)
	@mkdir -p $(dir $@)
	@echo "  DYN     $@"
	$(Q)$(CC) -fPIE -pie $(GUEST_CFLAGS) -o $@ $<

$(B)/guest/args.dynexec: guest/args.c $(SHIM_ELF)
	@mkdir -p $(dir $@)
	@echo "  DYNEXEC $@"
	$(Q)$(CC) -fno-pie -no-pie $(GUEST_CFLAGS) -o $@ $<

# A static Go program (guest/go/NAME.go: CGO off, so the Go runtime makes
# its own system calls): threads, futexes, signals, epoll.
GO_BINS := $(patsubst guest/go/%.go,$(B)/guest/%.go,$(wildcard guest/go/*.go))

$(B)/guest/%.go: guest/go/%.go
	@mkdir -p $(dir $@)
	@echo "  GO      $@"
	$(Q)cd guest/go && CGO_ENABLED=0 GO111MODULE=off GOCACHE=$(abspath $(B))/go-cache \
		GOPATH=$(abspath $(B))/go-path go build -o $(abspath $@) $(notdir $<)

guest: $(GUEST_BINS) $(GO_BINS)

# --- examples: static programs to try lstar on (built with musl) -----------
EXAMPLES := $(patsubst examples/%.c,$(B)/examples/%,$(wildcard examples/*.c))

$(B)/examples/%: examples/%.c
	@mkdir -p $(dir $@)
	@echo "  MUSL    $@"
	$(Q)$(MUSL_CC) -static -O2 -Wall -Wextra -Werror -o $@ $<

# ... and the fuzzing example again, instrumented for AFL++ (afl-clang-fast,
# static): what the README fuzzes, and the tests run under afl-fuzz.
AFL_CC ?= afl-clang-fast
AFL_EXAMPLES := $(B)/examples/fuzz_me.afl

$(B)/examples/%.afl: examples/%.c
	@mkdir -p $(dir $@)
	@echo "  AFL     $@"
	@command -v $(AFL_CC) >/dev/null || { echo "$(AFL_CC) not found: make deps installs afl++"; exit 1; }
	$(Q)AFL_QUIET=1 $(AFL_CC) -static -O2 -Wall -Wextra -Werror -o $@ $<

examples: $(EXAMPLES) $(AFL_EXAMPLES)

# --- tests (Check) -----------------------------------------------------------
TEST_SRCS := $(wildcard tests/*.c)
TEST_OBJS := $(TEST_SRCS:%.c=$(B)/%.o)
TEST_BIN  := $(B)/tests/lstar-tests

$(B)/tests/%.o: tests/%.c $(B)/shim/asm-offsets.h
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(HOST_CFLAGS) -I$(B)/shim $$(pkg-config --cflags check) -c -o $@ $<

$(TEST_BIN): $(TEST_OBJS) $(LIB_OBJS) $(B)/oci/json.o
	@echo "  LD      $@"
	$(Q)$(CC) $(HOST_LDFLAGS) -o $@ $^ $(HOST_LDLIBS) $$(pkg-config --libs check)

tests: $(TEST_BIN)

check: $(B)/lstar $(B)/lstar-policy $(B)/lstar-oci guest tests examples fuzz-smoke
	@LSTAR=$(abspath $(B)/lstar) LSTAR_POLICY=$(abspath $(B)/lstar-policy) LSTAR_SRC=$(abspath .) LSTAR_GUEST_DIR=$(abspath $(B)/guest) CK_TIMEOUT_MULTIPLIER=1 $(TEST_BIN)

# --- fuzzing lstar's own parsers (tools/fuzz/): libFuzzer with ASan and UBSan
# on what reads untrusted input on the host: the ELF check, the policy
# compiler, the walk of the guest's page tables, the hypercall decoder,
# lstar-oci's JSON reader.  Each runs over its seeds in `make check`;
# `make fuzz-parsers SECONDS=N` fuzzes each for N seconds (new inputs go
# to build/fuzz/corpus-NAME).
FUZZ_CC     ?= clang
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -Wno-gnu-variable-sized-type-not-at-end \
	-D_GNU_SOURCE -Iinclude -Ipolicy -Ivmm -I$(B)/policy
FUZZ_NAMES  := elf policy guest_tables hcall json
FUZZ_BINS   := $(FUZZ_NAMES:%=$(B)/fuzz/%)
FUZZ_SEEDS_elf          := tools/fuzz/seeds/elf
FUZZ_SEEDS_policy       := tools/fuzz/seeds/policy policy/profiles tests/policy/errors examples
FUZZ_SEEDS_guest_tables := tools/fuzz/seeds/guest_tables
FUZZ_SEEDS_hcall        := tools/fuzz/seeds/hcall
FUZZ_SEEDS_json         := tools/fuzz/seeds/json
FUZZ_LIBS_elf           := -lelf
FUZZ_LIBS_policy        := -lseccomp
FUZZ_LIBS_hcall         := -lelf -lseccomp -lcap-ng -lpthread
SECONDS ?= 60

fuzz-cc:
	@command -v $(FUZZ_CC) >/dev/null || { echo "$(FUZZ_CC) not found: make deps installs it (with afl++)"; exit 1; }

# Each harness and what it tests; the hypercall decoder needs the whole
# VMM (its objects built again with the fuzzer's coverage), with the
# plain build's embedded images.
$(B)/fuzz/elf: tools/fuzz/fuzz_elf.c vmm/elf.c vmm/mem.c
$(B)/fuzz/policy: tools/fuzz/fuzz_policy.c $(POLICY_SRCS) $(B)/policy/profiles.c
$(B)/fuzz/guest_tables: tools/fuzz/fuzz_guest_tables.c vmm/mem.c
$(B)/fuzz/json: tools/fuzz/fuzz_json.c oci/json.c
$(B)/fuzz/hcall: tools/fuzz/fuzz_hcall.c $(filter-out vmm/main.c,$(VMM_SRCS)) $(POLICY_SRCS) \
		$(B)/policy/profiles.c $(B)/vmm/shim_image.o $(B)/vmm/vdso_image.o

$(FUZZ_BINS): | fuzz-cc
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(B)/shim -o $@ $^ $(FUZZ_LIBS_$(@F))

fuzz-smoke: $(FUZZ_BINS)
	@$(foreach f,$(FUZZ_NAMES), \
		$(B)/fuzz/$(f) -runs=0 -artifact_prefix=$(B)/fuzz/$(f)- $(FUZZ_SEEDS_$(f)) \
			> $(B)/fuzz/$(f).log 2>&1 || \
			{ tail -30 $(B)/fuzz/$(f).log; echo "fuzz-smoke: $(f) failed"; exit 1; }; \
		echo "fuzz-smoke: $(f): $$(grep -o 'INITED.*' $(B)/fuzz/$(f).log | head -1)";)

fuzz-parsers: $(FUZZ_BINS)
	@$(foreach f,$(FUZZ_NAMES), \
		mkdir -p $(B)/fuzz/corpus-$(f); \
		echo "fuzz-parsers: $(f) for $(SECONDS) s"; \
		$(B)/fuzz/$(f) -max_total_time=$(SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(B)/fuzz/$(f)- $(B)/fuzz/corpus-$(f) $(FUZZ_SEEDS_$(f)) \
			> $(B)/fuzz/$(f).log 2>&1 || { tail -40 $(B)/fuzz/$(f).log; exit 1; }; \
		grep -E 'stat::number_of_executed_units|cov:' $(B)/fuzz/$(f).log | tail -2;)

# lstar's own boundary, fuzzed from inside the sandbox by guest/boundary,
# against the sanitizer build: `make fuzz-boundary SECONDS=3600`.
fuzz-boundary:
	$(MAKE) SAN=1 build-san/lstar guest
	tools/fuzz-boundary.sh build-san $(SECONDS)

# Longer runs of the tests that look for what shows only under load:
# sixteen sandboxes at once, twenty rounds; the shim's memory code with
# forty seeds; 2000 random memory calls natively and under lstar.
STRESS_ENV = LSTAR=$(abspath $(B)/lstar) LSTAR_POLICY=$(abspath $(B)/lstar-policy) \
	LSTAR_SRC=$(abspath .) LSTAR_GUEST_DIR=$(abspath $(B)/guest) LSTAR_STRESS=1
stress: $(B)/lstar $(B)/lstar-policy guest tests
	@$(STRESS_ENV) CK_RUN_SUITE=load $(TEST_BIN)
	@$(STRESS_ENV) CK_RUN_SUITE=shim_mm $(TEST_BIN)
	@$(STRESS_ENV) CK_RUN_SUITE=run CK_RUN_CASE=differential $(TEST_BIN)

# The same tests on hardware KVM (AMD SVM), emulated by QEMU, so that the
# shim's CPL-0 syscall path really runs: docs/HARDWARE-TESTS.md.
check-hw: $(B)/lstar $(B)/lstar-policy $(B)/lstar-oci guest tests examples
	@tools/check-hw.sh $(B)

# --- benchmark -------------------------------------------------------------
# BASE=/path/to/lstar adds a column for another build (before/after).
bench: $(B)/lstar guest
	@BASE=$(BASE) tools/bench.sh $(B)

# --- install ---------------------------------------------------------------
# `make install PREFIX=/usr/local DESTDIR=`: the two commands, the stock
# profiles as reference text (both commands embed them; the files are
# for reading and copying), the man pages and bash completion.
# `make uninstall` with the same PREFIX and DESTDIR removes exactly those
# files, and lstar's own directory; shared ones (bin, man1, ...) stay.
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
DATADIR     ?= $(PREFIX)/share
MANDIR      ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
PROFILEDIR  := $(DATADIR)/lstar/profiles
MAN1        := docs/man/lstar.1 docs/man/lstar-policy.1 docs/man/lstar-oci.1
MAN5        := docs/man/lstar-policy.5
INSTALLED   := $(BINDIR)/lstar $(BINDIR)/lstar-policy $(BINDIR)/lstar-oci \
	$(PROFILES:policy/profiles/%=$(PROFILEDIR)/%) \
	$(MAN1:docs/man/%=$(MANDIR)/man1/%) $(MAN5:docs/man/%=$(MANDIR)/man5/%) \
	$(BASHCOMPDIR)/lstar $(BASHCOMPDIR)/lstar-policy

install: $(B)/lstar $(B)/lstar-policy $(B)/lstar-oci
	@echo "  INSTALL $(DESTDIR)$(PREFIX)"
	$(Q)install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PROFILEDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(BASHCOMPDIR)
	$(Q)install -m 0755 $(B)/lstar $(B)/lstar-policy $(B)/lstar-oci $(DESTDIR)$(BINDIR)
	$(Q)install -m 0644 $(PROFILES) $(DESTDIR)$(PROFILEDIR)
	$(Q)install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	$(Q)install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	$(Q)install -m 0644 tools/completion/lstar.bash $(DESTDIR)$(BASHCOMPDIR)/lstar
	$(Q)install -m 0644 tools/completion/lstar-policy.bash $(DESTDIR)$(BASHCOMPDIR)/lstar-policy

uninstall:
	@echo "  UNINST  $(DESTDIR)$(PREFIX)"
	$(Q)rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	$(Q)if [ -d $(DESTDIR)$(PROFILEDIR) ]; then \
		rmdir --ignore-fail-on-non-empty $(DESTDIR)$(PROFILEDIR) $(DESTDIR)$(DATADIR)/lstar; fi

# --- a Debian package: `make deb` -------------------------------------------
# The install above into a staging directory (build/deb/debian/lstar,
# PREFIX=/usr), made as Debian wants it (stripped binaries, man pages and
# changelog compressed, the copyright file), then dpkg-deb.  Depends is
# what dpkg-shlibdeps finds the binaries need (libc only: lstar's other
# libraries are linked in); Built-Using names the source packages of the
# LGPL ones linked in (libelf, libseccomp, libcap-ng: their licence asks
# that their source stay available), at the versions built with; zlib's
# licence does not.  packaging/debian/ has the texts.
VERSION        := $(shell sed -n 's/^.define LSTAR_VERSION "\(.*\)"/\1/p' include/lstar_version.h)
DEB_ARCH        = $(shell dpkg --print-architecture)
DEB_MAINTAINER ?= lstar maintainers <maintainers@users.noreply.h-seed-de3f2125.example>
DEB_DIR        := $(B)/deb
DEB_ROOT       := $(DEB_DIR)/debian/lstar
DEB_DOC        := $(DEB_ROOT)/usr/share/doc/lstar
DEB_DATE        = $(shell git log -1 --format=%aD 2>/dev/null || date -R)
DEB_STATIC      = $(shell dpkg-query -W -f='$${source:Package} (= $${source:Version}), ' \
	libelf-dev libseccomp-dev libcap-ng-dev | sed 's/, $$//')

deb: $(B)/lstar $(B)/lstar-policy $(B)/lstar-oci
	$(Q)rm -rf $(DEB_DIR)
	$(Q)$(MAKE) --no-print-directory install DESTDIR=$(abspath $(DEB_ROOT)) PREFIX=/usr
	@echo "  DEB     $(B)/lstar_$(VERSION)_$(DEB_ARCH).deb"
	$(Q)strip --strip-unneeded --remove-section=.comment --remove-section=.note \
		$(DEB_ROOT)/usr/bin/lstar $(DEB_ROOT)/usr/bin/lstar-policy $(DEB_ROOT)/usr/bin/lstar-oci
	$(Q)gzip -9n $(DEB_ROOT)/usr/share/man/man*/*
	$(Q)install -d $(DEB_DOC) $(DEB_ROOT)/DEBIAN
	$(Q)install -m 0644 packaging/debian/copyright $(DEB_DOC)/copyright
	$(Q)sed -e 's/@VERSION@/$(VERSION)/' -e 's/@MAINTAINER@/$(DEB_MAINTAINER)/' \
		-e 's/@DATE@/$(DEB_DATE)/' packaging/debian/changelog.in | gzip -9n > $(DEB_DOC)/changelog.gz
	$(Q)chmod 0644 $(DEB_DOC)/changelog.gz
	$(Q)printf 'Source: lstar\n\nPackage: lstar\nArchitecture: any\n' > $(DEB_DIR)/debian/control
	$(Q)cd $(DEB_DIR) && dpkg-shlibdeps -O debian/lstar/usr/bin/lstar \
		debian/lstar/usr/bin/lstar-policy debian/lstar/usr/bin/lstar-oci > shlibs.subst
	$(Q)sed -e 's/@VERSION@/$(VERSION)/' -e 's/@ARCH@/$(DEB_ARCH)/' \
		-e 's/@MAINTAINER@/$(DEB_MAINTAINER)/' \
		-e "s/@DEPENDS@/$$(sed -n 's/^shlibs:Depends=//p' $(DEB_DIR)/shlibs.subst)/" \
		-e 's/@STATIC@/$(DEB_STATIC)/' \
		-e "s/@SIZE@/$$(du -sk --exclude=DEBIAN $(DEB_ROOT) | cut -f1)/" \
		packaging/debian/control.in > $(DEB_ROOT)/DEBIAN/control
	$(Q)cd $(DEB_ROOT) && find usr -type f | LC_ALL=C sort | xargs md5sum > DEBIAN/md5sums
	$(Q)dpkg-deb --root-owner-group -Zxz --build $(DEB_ROOT) \
		$(B)/lstar_$(VERSION)_$(DEB_ARCH).deb >/dev/null

-include $(wildcard $(B)/*/*.d $(B)/*/*/*.d)

clean:
	rm -rf $(B)

deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		build-essential pkg-config libseccomp-dev libcap-ng-dev \
		libelf-dev zlib1g-dev check musl-tools busybox-static bash-static golang-go \
		afl++ clang groff-base jq python3
	# lstar-oci's tests drive podman (with its recommends: conmon, crun, the
	# storage configuration) and containerd, as their users have them.
	DEBIAN_FRONTEND=noninteractive apt-get install -y podman containerd

# The peers `make bench` compares with (not needed to build or test).
bench-deps:
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		strace runsc bubblewrap

# hv - top-level build.  `make` builds the test kernel and its GRUB ISO.
# `make help` lists every target (from the `## ` comment on its rule line);
# README.md says more.

BUILD    ?= build
# make's built-in default is CC=cc, which `?=` would keep: ask for gcc
# unless the user chose a compiler.
ifeq ($(origin CC),default)
CC       := gcc
endif
LD       := ld
NASM     := nasm
PYTHON   := /usr/bin/python3

# Kernel C flags (testkern and hv/).  The kernel is linked in the top 2 GiB,
# hence -mcmodel=kernel; Debian's gcc defaults to PIE, which that model refuses.
KCFLAGS  := -O2 -g -ffreestanding -fno-pie -fno-pic -mno-red-zone -mcmodel=kernel \
            -mno-mmx -mno-sse -mno-sse2 -msoft-float -fno-stack-protector \
            -fno-asynchronous-unwind-tables -fno-omit-frame-pointer -fno-common \
            -nostdinc -isystem $(shell $(CC) -print-file-name=include 2>/dev/null) \
            -Wall -Wextra -Wno-unused-parameter -Werror -MMD -MP
# testkern may use GNU C; hv/ must build with DragonFly's module flags too,
# so it is held to C99 and DragonFly's warning set here as well.
# testkern's folders (testkern/README.md) are all on the include path, so an
# #include names a header, not where it lives.
TK_DIRS   := kern framework ktests vmtests scn hist bench
TK_CFLAGS := $(KCFLAGS) -std=gnu11 $(TK_DIRS:%=-Itestkern/%) -Ihv -DHV_QUIRKS
HV_WARN   := -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith -Wcast-qual \
             -Wold-style-definition -Wundef -Wredundant-decls -Wnested-externs
# HV_QUIRKS: the hw.vmm.quirk.* historic-bug switches (hv/quirk.c); HV_HOSTCHECK:
# hw.vmm.hostcheck, the host-state comparison after every exit (hv/hostcheck.c).
# testkern only; the module build and module-check never define them.
HV_CFLAGS := $(KCFLAGS) -std=c99 $(HV_WARN) -Ihv -DHV_TESTKERN -DHV_QUIRKS -DHV_HOSTCHECK

BOOT_SRC := $(wildcard boot/*.asm)
# scn_info.c is a program for the build machine ($(SCN_INFO) below).
TK_SRC   := $(filter-out testkern/scn/scn_info.c,\
              $(foreach d,$(TK_DIRS),$(wildcard testkern/$(d)/*.c)))
HV_SRC   := $(wildcard hv/*.c hv/intel/*.c hv/amd/*.c)
HV_ASM   := $(wildcard hv/*.S hv/intel/*.S hv/amd/*.S)

KOBJS := $(BOOT_SRC:%.asm=$(BUILD)/%.o) $(TK_SRC:%.c=$(BUILD)/%.o) \
         $(HV_SRC:%.c=$(BUILD)/%.o) $(HV_ASM:%.S=$(BUILD)/%.o)

KERNEL := $(BUILD)/testkern.elf
ISO    := $(BUILD)/hv.iso

.PHONY: all kernel iso clean help
all: iso ## the default: build/testkern.elf, the guests and build/hv.iso

kernel: $(KERNEL) ## build/testkern.elf only
iso: $(ISO) ## build/hv.iso (GRUB, shell command line) with every guest and scenario

# x86_arch.inc: hv/x86_arch.h's X86_* macros in NASM syntax, for boot/ and
# guests/ (one definition of each architectural number).  The preprocessor
# reads the header's __ASSEMBLY__ side, so only plain numbers come out.
X86_INC := $(BUILD)/inc/x86_arch.inc

$(X86_INC): hv/x86_arch.h
	@mkdir -p $(dir $@)
	$(CC) -E -dM -undef -nostdinc -D__ASSEMBLY__ -x c $< | \
	    sed -nE 's/^#define[[:space:]]+(X86_[A-Za-z0-9_]+(\([a-z, ]*\))?)[[:space:]]+(.+)$$/%define \1 \3/p' | \
	    LC_ALL=C sort >$@.tmp && mv $@.tmp $@

$(BUILD)/boot/%.o: boot/%.asm boot/long_mode.inc $(X86_INC)
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -F dwarf -I boot/ -I $(dir $(X86_INC)) -o $@ $<

$(BUILD)/testkern/%.o: testkern/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TK_CFLAGS) -c -o $@ $<

$(BUILD)/hv/%.o: hv/%.c
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -c -o $@ $<

$(BUILD)/hv/%.o: hv/%.S
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -I$(BUILD)/hv/gen -D__ASSEMBLY__ -c -o $@ $<

# The structure offsets and exit codes the world switches use, generated
# from their C definitions: hv/*/NAME.sym -> build/hv/gen/NAME.h (hv/assym.h).
HV_SYM   := $(wildcard hv/intel/*.sym hv/amd/*.sym)
HV_ASSYM := $(patsubst %.sym,$(BUILD)/hv/gen/%.h,$(notdir $(HV_SYM)))
vpath %.sym $(sort $(dir $(HV_SYM)))
$(BUILD)/hv/gen/%.h: %.sym hv/genassym.sh $(wildcard hv/*.h hv/intel/*.h hv/amd/*.h)
	@mkdir -p $(dir $@)
	hv/genassym.sh $@ $< $(CC) $(filter-out -MMD -MP,$(HV_CFLAGS))
$(HV_ASM:%.S=$(BUILD)/%.o): $(HV_ASSYM)

$(KERNEL): $(KOBJS) boot/linker.ld
	$(LD) -n -nostdlib -z max-page-size=0x1000 -T boot/linker.ld -o $@ $(KOBJS)

# Guest programs: guests/*.asm -> NASM flat binaries loaded at
# HV_GUEST_LOAD_GPA, shipped in the ISO as multiboot2 modules named <guest>.bin.
# hv_abi.inc is hv/hv_abi.h's #defines in NASM syntax (one source of numbers).
GUEST_SRC := $(wildcard guests/*.asm)
GUESTS    := $(GUEST_SRC:guests/%.asm=$(BUILD)/guests/%.bin)
BENCH_GUEST_SRC := $(wildcard guests/bench/*.asm)
GUESTS    += $(BENCH_GUEST_SRC:guests/bench/%.asm=$(BUILD)/guests/%.bin)
GUEST_INC := $(wildcard guests/lib/*.inc) $(BUILD)/guests/hv_abi.inc $(X86_INC)

.PHONY: guests
guests: $(GUESTS) ## the guest binaries in build/guests/

$(BUILD)/guests/hv_abi.inc: hv/hv_abi.h
	@mkdir -p $(dir $@)
	sed -nE 's/^#define[[:space:]]+([A-Za-z0-9_]+)[[:space:]]+([^/]*[^/[:space:]]).*$$/%define \1 \2/p' $< | \
	    sed -E 's/\b(0x[0-9a-fA-F]+|[0-9]+)u\b/\1/g' >$@.tmp && mv $@.tmp $@

$(BUILD)/guests/%.bin: guests/%.asm $(GUEST_INC)
	$(NASM) -f bin -Werror -I guests/lib/ -I $(BUILD)/guests/ -I $(dir $(X86_INC)) -o $@ $<

# Scenario files (guests/README.md "Scenario files") ship as modules named
# NAME.scn next to the guest binaries; testkern runs each as test scn.NAME.
SCENARIOS := $(wildcard guests/*.scn)

# build/scn-info FILE...: the scenario parser on the build machine (one JSON
# line per file; testkern/scn/scn_info.c), checked against the kernel's own
# actions: the SCN_ACTION lines of testkern's sources.  pytest reads the
# scenarios through it.
SCN_INFO := $(BUILD)/scn-info

$(BUILD)/scn/scn_actions.inc: $(TK_SRC)
	@mkdir -p $(dir $@)
	sed -nE 's/^SCN_ACTION\(("[^"]*"), ("[^"]*"), ("[^"]*").*/\t{ \1, \2, \3 },/p' $(TK_SRC) | \
	    LC_ALL=C sort >$@.tmp && mv $@.tmp $@

$(SCN_INFO): testkern/scn/scn_info.c testkern/scn/scn_parse.c testkern/scn/scn_re.c \
    testkern/scn/scn.h $(BUILD)/scn/scn_actions.inc
	cc -std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -Werror -Itestkern/scn \
	   -I$(BUILD)/scn -o $@ $(filter %.c,$^)

# Benchmark guests (guests/bench/, `make bench`): built and shipped like the
# others, as modules named <guest>.bin.
$(BUILD)/guests/%.bin: guests/bench/%.asm $(GUEST_INC)
	$(NASM) -f bin -Werror -I guests/lib/ -I $(BUILD)/guests/ -I $(dir $(X86_INC)) -o $@ $<

# ---- images, runs and tests (scripts/, pytest/; see README.md) ----------
# Debian packages for building, both emulators, the tests and the reports.
DEB_PKGS := qemu-system-x86 bochs bochsbios vgabios bochs-term grub-pc-bin grub-common \
            xorriso mtools nasm gcc make python3-pytest python3-pexpect \
            python3-pytest-timeout python3-pytest-xdist clang lcov python3-matplotlib \
            libclang-rt-14-dev makefs bmake bison flex libbsd-dev
# `make run`'s suite: kernel and VM tests that need no console input (vm_int3
# waits for commands at its db> prompt); RUN_TESTS='*' runs every test.
RUN_TESTS   ?= aspace,copyin,fault_*,fsbase,ipi,leak,timer,vm_hello,vm_boot,vm_copy,vm_demand,vm_paging,vm_smp,scn.triple
SMP         ?= 2
PYTEST_ARGS ?= -n 2
# Everything the pytest suite needs built; later checks add themselves here.
TEST_QEMU_PREREQS := $(KERNEL) $(GUESTS) $(SCN_INFO)

.PHONY: deps run shell shell-bochs test-qemu

deps: ## install the missing Debian packages (DEB_PKGS) with apt-get
	@scripts/deps.sh $(DEB_PKGS)

$(ISO): $(KERNEL) $(GUESTS) $(SCENARIOS) scripts/mkimage.sh $(wildcard boot/grub.cfg.in)
	scripts/mkimage.sh -k $(KERNEL) -o $@ $(GUESTS) $(SCENARIOS) >/dev/null

# Boot QEMU, run RUN_TESTS at boot (run=...), print the result table.
run: deps ## boot QEMU with run=RUN_TESTS (SMP CPUs), print the result table
	@$(MAKE) --no-print-directory $(KERNEL) $(GUESTS)
	scripts/run-suite -e qemu -n $(SMP) -k $(KERNEL) '$(RUN_TESTS)' $(GUESTS) $(SCENARIOS)

# Interactive shell in QEMU, COM1 on this terminal (Ctrl-C or `poweroff` leaves).
shell: deps ## interactive hv> shell in QEMU on this terminal
	@$(MAKE) --no-print-directory $(ISO)
	scripts/run-qemu -i $(ISO) -n $(SMP) --serial stdio --timeout 3600 || true

# The same in Bochs (VMX+EPT CPU), COM1 relayed to this terminal.
shell-bochs: deps ## the same in Bochs (VMX+EPT), COM1 relayed to this terminal
	@$(MAKE) --no-print-directory $(ISO)
	scripts/run-bochs -i $(ISO) -n $(SMP) --serial stdio --timeout 3600 || true

# JUnit XML for CI in $(JUNIT_XML) whatever PYTEST_ARGS says.
JUNIT_XML := $(BUILD)/logs/junit.xml
test-qemu: deps ## everything CI runs: unit tests, module-check, pytest (JUnit XML: build/logs/junit.xml)
	@$(MAKE) --no-print-directory $(TEST_QEMU_PREREQS)
	$(PYTHON) -m pytest pytest/ --junitxml=$(JUNIT_XML) $(PYTEST_ARGS)

# make bench: testkern's `bench` test on both backends at once (SVM: QEMU
# -icount shift=0, VMX: Bochs), by scripts/bench.py: a table on the console,
# build/bench/results.json, build/bench/svm.png and vmx.png.  Not part of
# test-qemu.  make bench-compare BASE=<git rev>: the same for BASE (built in a
# git worktree, build/bench-base) and for this tree, then each figure's ratio;
# fails when one is more than BENCH_TOLERANCE percent slower.
BENCH_ITERS     ?= 1000
BENCH_TOLERANCE ?= 5
.PHONY: bench bench-compare
bench: deps ## cost of every exit path on both backends (build/bench/)
	@$(MAKE) --no-print-directory $(KERNEL) $(GUESTS)
	$(PYTHON) scripts/bench.py run --iters $(BENCH_ITERS)

bench-compare: deps ## make bench for BASE=<rev> and this tree, fail on a slowdown
	@test -n "$(BASE)" || { echo "usage: make bench-compare BASE=<git rev>" >&2; exit 2; }
	@$(MAKE) --no-print-directory $(KERNEL) $(GUESTS)
	scripts/bench-compare.sh '$(BASE)' $(BENCH_ITERS) $(BENCH_TOLERANCE)

# make fuzz-guest: testkern's fuzz_guest test (the hostile guest guests/fuzz.asm
# in episodes, testkern/vmtests/fuzz_guest.c) on both backends, SECONDS of
# episodes each from seed SEED (default: today's date, printed), at most
# EPISODES (0: as time allows), by scripts/fuzz_guest.py.  A failing episode
# reproduces with `make fuzz-guest SEED=<its seed> EPISODES=1`.  Not part of
# test-qemu (pytest/test_fuzz_guest.py runs a 30 s slice per backend).
SECONDS  ?= 60
SEED     ?= $(shell date -u +%Y%m%d)
EPISODES ?= 0
.PHONY: fuzz-guest
fuzz-guest: deps ## the hostile-guest fuzzer on both backends (SECONDS=60 SEED=<date> EPISODES=0)
	@$(MAKE) --no-print-directory $(KERNEL) $(GUESTS)
	$(PYTHON) scripts/fuzz_guest.py --seconds $(SECONDS) --seed $(SEED) --episodes $(EPISODES)
# make bench-floor: kvm-unit-tests' minimal SVM exit loop (svm.flat
# latency_run_exit, from `make kut`) on the same QEMU under -icount, beside make
# bench's SVM exit figures (scripts/bench-floor.sh); skips with a reason when
# KUT_SRC is absent.
.PHONY: bench-floor
bench-floor: kut ## the floor of an SVM exit (kvm-unit-tests on the same QEMU) beside make bench's
	scripts/bench-floor.sh '$(KUT_TREE)' '$(KUT_SRC)'

# Hosted unit tests of hv/ (hv/test): the same hv/ sources built for the
# build machine with ASan+UBSan; prints "N passed, N failed" last and exits
# non-zero on any failure.  Of the backends only their portable files are
# linked (EPT/NPT entry formats, exit names, VMX capability MSRs -> controls);
# --gc-sections drops the flush code in ept.c/npt.c, which needs the rest of
# the backend.  hv_cpuid is wrapped by the fake CPUID of hv/test/fake_cpu.c.
# hv/test/t_vmx_active.c includes hv/intel/vmx.c over a model of the VMX
# instructions (hence the extra prerequisite).
# make fuzz and make coverage: hv/test/test.mk.
UNIT_SRC := $(wildcard hv/*.c hv/test/*.c) hv/intel/ept.c hv/amd/npt.c \
            hv/intel/vmx_names.c hv/intel/vmx_ctls.c hv/intel/vmx_ctl_math.c \
            hv/amd/svm_names.c hv/amd/vmcb.c \
            testkern/scn/scn_parse.c testkern/scn/scn_re.c

UNIT_BIN := $(BUILD)/unit/hv-unit

# scripts/check-x86-facts.sh: no architectural number is defined outside
# hv/x86_arch.h; scripts/c-style.py: every C function definition in the form
# of docs/DESIGN.md "C style" (both run first, in a second).
.PHONY: test-unit
test-unit: $(UNIT_BIN) ## the x86-facts and C-style checks, the hosted unit tests of hv/ (ASan+UBSan)
	scripts/check-x86-facts.sh
	$(PYTHON) scripts/c-style.py $(shell find hv testkern -name '*.c')
	$(UNIT_BIN)

$(UNIT_BIN): $(UNIT_SRC) hv/intel/vmx.c $(wildcard hv/*.h hv/*/*.h hv/test/*.h) testkern/scn/scn.h
	@mkdir -p $(dir $@)
	cc -std=gnu11 -g -O1 -pthread -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer -no-pie -fno-pie -ffunction-sections -fdata-sections \
	   -Wl,--gc-sections -Wl,--wrap=hv_cpuid -Wall -Wextra -Wno-unused-parameter -Werror -Ihv -Ihv/test -Itestkern/scn \
	   -o $@ $(UNIT_SRC)

# make test-qemu (and so .ci/run) runs the unit tests first.
TEST_QEMU_PREREQS += test-unit

# make fuzz (libFuzzer targets) and make coverage: hv/test/test.mk.
include hv/test/test.mk

# vmm.ko, the DragonFly BSD module (hv/dragonfly; README "DragonFly module").
# `make module` on DragonFly (GNU make) runs hv/dragonfly/Makefile with the
# system's BSD make and bsd.kmod.mk.  `make module-check` runs anywhere; with
# DFLY_SYSDIR=<DragonFly src>/sys it also builds and inspects vmm.ko.
DFLY_MAKE ?= /usr/bin/make
SYSDIR    ?= /usr/src/sys
DFLY_OBJ  := $(abspath $(BUILD))/dfly-obj

.PHONY: module module-check
module: ## vmm.ko on DragonFly BSD (bsd.kmod.mk)
	@mkdir -p $(DFLY_OBJ)
	cd hv/dragonfly && MAKEOBJDIRPREFIX=$(DFLY_OBJ) $(DFLY_MAKE) SYSDIR=$(SYSDIR) obj
	cd hv/dragonfly && MAKEOBJDIRPREFIX=$(DFLY_OBJ) $(DFLY_MAKE) SYSDIR=$(SYSDIR)
	@cd hv/dragonfly && echo "vmm.ko is in $$(MAKEOBJDIRPREFIX=$(DFLY_OBJ) $(DFLY_MAKE) SYSDIR=$(SYSDIR) -V .OBJDIR)"

module-check: ## check the DragonFly module build on this machine (DFLY_SYSDIR for more)
	CC="$(CC)" hv/dragonfly/module-check.sh $(BUILD)/module-check

TEST_QEMU_PREREQS += module-check

# A real DragonFly kernel with vmm.ko (scripts/dragonfly/, README "DragonFly
# kernel under QEMU and Bochs").  `make dfly`: the kernel (cached by the hash
# of the source tarball, its configuration and build script), vmm.ko and
# hvtest.ko through DragonFly's bsd.kmod.mk, and DFLY_ISO, which boots them
# with the guests hvtest.ko runs.  `make test-dragonfly`: those pytest items
# alone.  Part of test-qemu when the DragonFly sources are here.
DFLY_SRC    ?= ../shared/dragonfly/dragonfly-src-f875a8eec7.tar.xz
DFLY_OUT    := $(BUILD)/dfly
DFLY_ISO    := $(DFLY_OUT)/hvtest.iso
DFLY_GUESTS := $(patsubst %,$(BUILD)/guests/%.bin,hello boot cpuid paging demand smp triple oob)
DFLY_MODSRC := $(HV_SRC) $(HV_ASM) $(wildcard hv/*.h hv/*/*.h hv/dragonfly/*.c \
               hv/dragonfly/*.h hv/dragonfly/include/*.h hv/dragonfly/ktest/*) \
               hv/dragonfly/Makefile
DFLY_KSRC   := $(wildcard $(DFLY_SRC)) hv/dragonfly/kernel/HVTEST scripts/dragonfly/build-kernel.sh \
               scripts/dragonfly/common.sh

.PHONY: dfly test-dragonfly
dfly: $(DFLY_ISO) ## the DragonFly kernel, vmm.ko, hvtest.ko and their boot image (build/dfly/)

# build.sh makes the kernel only when build-kernel.sh's key changed.
$(DFLY_OUT)/modules/vmm.ko: $(DFLY_KSRC) $(DFLY_MODSRC) scripts/dragonfly/build.sh
	@test -f "$(DFLY_SRC)" || { echo "make: no DragonFly sources $(DFLY_SRC) (set DFLY_SRC)" >&2; exit 1; }
	DFLY_SRC="$(abspath $(DFLY_SRC))" DFLY_OUT="$(DFLY_OUT)" scripts/dragonfly/build.sh

$(DFLY_ISO): $(DFLY_OUT)/modules/vmm.ko $(DFLY_GUESTS) scripts/dragonfly/mkimage.sh \
             scripts/dragonfly/grub-relocator-fix.py
	scripts/dragonfly/mkimage.sh -k $(DFLY_OUT)/kernel -o $@ -e $(DFLY_OUT)/modules/vmm.ko \
	    -e $(DFLY_OUT)/modules/hvtest.ko $(DFLY_GUESTS:%=-f %:hv_guest) >/dev/null

test-dragonfly: deps ## the DragonFly pytest items alone (kernel, vmm.ko, /dev/vmm from user space)
	@$(MAKE) --no-print-directory dfly dfly-user
	$(PYTHON) -m pytest pytest/test_dragonfly.py pytest/test_dragonfly_user.py $(PYTEST_ARGS)

ifneq ($(wildcard $(DFLY_SRC)),)
TEST_QEMU_PREREQS += dfly
endif

# vmmcheck (hv/dragonfly/user): /dev/vmm from DragonFly user space.  A
# freestanding init on a UFS md root (scripts/dragonfly/mkroot.sh) kldloads
# vmm.ko from it and drives its ioctls, sysctls and unload
# (pytest/test_dragonfly_user.py).  The quirks image carries a test build of
# vmm.ko (-DHV_QUIRKS) and switches hw.vmm.quirk.zero_host_fs on.
DFLY_USER      := $(DFLY_OUT)/user/vmmcheck
DFLY_UGUESTS   := $(patsubst %,$(BUILD)/guests/%.bin,hello irqrecv spin hist_tls)
DFLY_USER_ISOS := $(DFLY_OUT)/vmmcheck.iso $(DFLY_OUT)/vmmcheck-quirks.iso
DFLY_ROOTVARS  := -s vfs.root.mountfrom=ufs:md0

.PHONY: dfly-user
dfly-user: $(DFLY_USER_ISOS) ## the vmmcheck user-space images (/dev/vmm from DragonFly user space)

# the tree's headers come from build.sh's extracted sources
$(DFLY_USER): $(DFLY_OUT)/modules/vmm.ko $(wildcard hv/dragonfly/user/* hv/dragonfly/tools/guest_text.*) hv/dragonfly/vmm_dev.h hv/hv_abi.h
	$(MAKE) --no-print-directory -C hv/dragonfly/user DFLY_SRC=$(abspath $(DFLY_OUT))/src \
	    OUT=$(abspath $(DFLY_OUT))/user

$(DFLY_OUT)/quirks/vmm.ko: $(DFLY_OUT)/modules/vmm.ko
	DFLY_SRC="$(abspath $(DFLY_SRC))" DFLY_OUT="$(DFLY_OUT)" scripts/dragonfly/build.sh \
	    -V quirks -C -DHV_QUIRKS

$(DFLY_OUT)/vmmcheck-root.img: $(DFLY_OUT)/modules/vmm.ko
$(DFLY_OUT)/vmmcheck-quirks-root.img: $(DFLY_OUT)/quirks/vmm.ko
$(DFLY_OUT)/vmmcheck%root.img: $(DFLY_USER) $(DFLY_UGUESTS) scripts/dragonfly/mkroot.sh
	scripts/dragonfly/mkroot.sh -o $@ -i $(DFLY_USER) -k $(filter %vmm.ko,$^) $(DFLY_UGUESTS)

$(DFLY_OUT)/vmmcheck.iso: $(DFLY_OUT)/vmmcheck-root.img scripts/dragonfly/mkimage.sh
	scripts/dragonfly/mkimage.sh -k $(DFLY_OUT)/kernel -o $@ -f $<:md_image \
	    $(DFLY_ROOTVARS) >/dev/null
$(DFLY_OUT)/vmmcheck-quirks.iso: $(DFLY_OUT)/vmmcheck-quirks-root.img scripts/dragonfly/mkimage.sh
	scripts/dragonfly/mkimage.sh -k $(DFLY_OUT)/kernel -o $@ -f $<:md_image \
	    $(DFLY_ROOTVARS) -s vmmcheck.sysctl=hw.vmm.quirk.zero_host_fs=1 >/dev/null

ifneq ($(wildcard $(DFLY_SRC)),)
TEST_QEMU_PREREQS += dfly-user
endif

# kvm-unit-tests, the suite KVM is tested against, as outside guests
# (README "kvm-unit-tests"): `make kut` builds its x86_64 binaries from the
# tarball KUT_SRC under build/kut/ (./configure && make; about a minute).
# Its code is an input, never part of this tree.
KUT_SRC  ?= ../shared/peers/kvm-unit-tests-1da1819e.tar.xz
KUT_DIR  := $(BUILD)/kut
KUT_TREE := $(KUT_DIR)/kvm-unit-tests

.PHONY: kut
kut: ## kvm-unit-tests' x86 binaries from KUT_SRC in build/kut/ (skipped without it)
ifeq ($(wildcard $(KUT_SRC)),)
	@echo "make kut: skipped: no kvm-unit-tests tarball at $(KUT_SRC) (set KUT_SRC)"
else
	@$(MAKE) --no-print-directory $(KUT_DIR)/built.stamp
endif

# make test-kut: pytest/test_kut.py alone (one item per configuration and
# backend, judged against pytest/kut/expect_<backend>.txt); make test-qemu
# runs it too, after `make kut`, when KUT_SRC is here.
.PHONY: test-kut
test-kut: deps ## kvm-unit-tests as hv guests on both backends (make kut first; README)
	@$(MAKE) --no-print-directory kut $(KERNEL) $(SCN_INFO)
	$(PYTHON) -m pytest pytest/test_kut.py $(PYTEST_ARGS)

ifneq ($(wildcard $(KUT_SRC)),)
TEST_QEMU_PREREQS += kut
endif

$(KUT_DIR)/built.stamp: $(wildcard $(KUT_SRC))
	rm -rf $(KUT_TREE) && mkdir -p $(KUT_DIR)
	tar -xJf $(KUT_SRC) -C $(KUT_DIR)
	cd $(KUT_TREE) && ./configure >../configure.log 2>&1 && $(MAKE) -j2 >../make.log 2>&1 || \
	    { echo "make kut: the kvm-unit-tests build failed; see $(KUT_DIR)/configure.log, make.log" >&2; exit 1; }
	touch $@

clean: ## remove build/
	rm -rf $(BUILD)

help: ## this list
	@awk -F':[^#]*## ' '/^[a-zA-Z_-]+:[^=]*## / { printf "  %-14s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

-include $(KOBJS:.o=.d)

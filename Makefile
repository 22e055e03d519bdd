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
TK_CFLAGS := $(KCFLAGS) -std=gnu11 -Itestkern -Ihv -DHV_QUIRKS
HV_WARN   := -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith -Wcast-qual \
             -Wold-style-definition -Wundef -Wredundant-decls -Wnested-externs
# HV_QUIRKS: the hw.vmm.quirk.* historic-bug switches (hv/quirk.c), testkern
# only; the module build and module-check never define it.
HV_CFLAGS := $(KCFLAGS) -std=c99 $(HV_WARN) -Ihv -DHV_TESTKERN -DHV_QUIRKS

BOOT_SRC := $(wildcard boot/*.asm)
TK_SRC   := $(wildcard testkern/*.c)
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

$(BUILD)/boot/%.o: boot/%.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -F dwarf -o $@ $<

$(BUILD)/testkern/%.o: testkern/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TK_CFLAGS) -c -o $@ $<

$(BUILD)/hv/%.o: hv/%.c
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -c -o $@ $<

$(BUILD)/hv/%.o: hv/%.S
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -D__ASSEMBLY__ -c -o $@ $<

$(KERNEL): $(KOBJS) boot/linker.ld
	$(LD) -n -nostdlib -z max-page-size=0x1000 -T boot/linker.ld -o $@ $(KOBJS)

# Guest programs: guests/*.asm -> NASM flat binaries loaded at
# HV_GUEST_LOAD_GPA, shipped in the ISO as multiboot2 modules named <guest>.bin.
# hv_abi.inc is hv/hv_abi.h's #defines in NASM syntax (one source of numbers).
GUEST_SRC := $(wildcard guests/*.asm)
GUESTS    := $(GUEST_SRC:guests/%.asm=$(BUILD)/guests/%.bin)
BENCH_GUEST_SRC := $(wildcard guests/bench/*.asm)
GUESTS    += $(BENCH_GUEST_SRC:guests/bench/%.asm=$(BUILD)/guests/%.bin)
GUEST_INC := $(wildcard guests/lib/*.inc) $(BUILD)/guests/hv_abi.inc

.PHONY: guests
guests: $(GUESTS) ## the guest binaries in build/guests/

$(BUILD)/guests/hv_abi.inc: hv/hv_abi.h
	@mkdir -p $(dir $@)
	sed -nE 's/^#define[[:space:]]+([A-Za-z0-9_]+)[[:space:]]+([^/]*[^/[:space:]]).*$$/%define \1 \2/p' $< | \
	    sed -E 's/\b(0x[0-9a-fA-F]+|[0-9]+)u\b/\1/g' >$@.tmp && mv $@.tmp $@

$(BUILD)/guests/%.bin: guests/%.asm $(GUEST_INC)
	$(NASM) -f bin -Werror -I guests/lib/ -I $(BUILD)/guests/ -o $@ $<

# Scenario files (guests/README.md "Scenario files") ship as modules named
# NAME.scn next to the guest binaries; testkern runs each as test scn.NAME.
SCENARIOS := $(wildcard guests/*.scn)

# Benchmark guests (guests/bench/, `make bench`): built and shipped like the
# others, as modules named <guest>.bin.
$(BUILD)/guests/%.bin: guests/bench/%.asm $(GUEST_INC)
	$(NASM) -f bin -Werror -I guests/lib/ -I $(BUILD)/guests/ -o $@ $<

# ---- images, runs and tests (scripts/, pytest/; see README.md) ----------
# Debian packages for building, both emulators, the tests and the reports.
DEB_PKGS := qemu-system-x86 bochs bochsbios vgabios bochs-term grub-pc-bin grub-common \
            xorriso mtools nasm gcc make python3-pytest python3-pexpect \
            python3-pytest-timeout python3-pytest-xdist clang lcov python3-matplotlib \
            libclang-rt-14-dev
# `make run`'s suite: kernel and VM tests that need no console input (vm_int3
# waits for commands at its db> prompt); RUN_TESTS='*' runs every test.
RUN_TESTS   ?= aspace,copyin,fault_*,fsbase,ipi,leak,timer,vm_hello,vm_boot,vm_copy,vm_demand,vm_paging,vm_smp,vm_triple
SMP         ?= 2
PYTEST_ARGS ?= -n 2
# Everything the pytest suite needs built; later checks add themselves here.
TEST_QEMU_PREREQS := $(KERNEL) $(GUESTS)

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

# Hosted unit tests of hv/ (hv/test): the same hv/ sources built for the
# build machine with ASan+UBSan; prints "N passed, N failed" last and exits
# non-zero on any failure.  Of the backends only their portable files are
# linked (EPT/NPT entry formats, exit names, VMX capability MSRs -> controls);
# --gc-sections drops the flush code in ept.c/npt.c, which needs the rest of
# the backend.  hv_cpuid is wrapped by the fake CPUID of hv/test/fake_cpu.c.
# make fuzz and make coverage: hv/test/test.mk.
UNIT_SRC := $(wildcard hv/*.c hv/test/*.c) hv/intel/ept.c hv/amd/npt.c \
            hv/intel/vmx_names.c hv/intel/vmx_ctls.c hv/amd/svm_names.c \
            testkern/scn_parse.c testkern/scn_re.c

UNIT_BIN := $(BUILD)/unit/hv-unit

.PHONY: test-unit
test-unit: $(UNIT_BIN) ## hosted unit tests of hv/ (ASan+UBSan)
	$(UNIT_BIN)

$(UNIT_BIN): $(UNIT_SRC) $(wildcard hv/*.h hv/*/*.h hv/test/*.h) testkern/scn.h
	@mkdir -p $(dir $@)
	cc -std=gnu11 -g -O1 -pthread -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer -no-pie -fno-pie -ffunction-sections -fdata-sections \
	   -Wl,--gc-sections -Wl,--wrap=hv_cpuid -Wall -Wextra -Wno-unused-parameter -Werror -Ihv -Ihv/test \
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

clean: ## remove build/
	rm -rf $(BUILD)

help: ## this list
	@awk -F':[^#]*## ' '/^[a-zA-Z_-]+:[^=]*## / { printf "  %-14s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

-include $(KOBJS:.o=.d)

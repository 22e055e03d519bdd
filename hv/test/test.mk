# hv/test/test.mk - included by the top-level Makefile: libFuzzer targets
# (make fuzz) and line coverage of the unit tests (make coverage).  The
# unit-test build itself (make test-unit) is in the Makefile.

# ---- make fuzz -------------------------------------------------------------
# Each target in hv/test/fuzz/fuzz_<name>.c is linked with the same hv/
# sources as the unit tests, the fake OS/backend and clang's libFuzzer,
# ASan and UBSan, then run for FUZZ_SECONDS from its committed seeds
# (hv/test/fuzz/corpus/<name>/; new inputs go to build/fuzz/<name>/corpus).
# A crash or failed invariant stops make with the input saved as
# build/fuzz/<name>/crash-*; reproduce with `build/fuzz/<name>/fuzz FILE`.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(patsubst hv/test/fuzz/fuzz_%.c,%,$(filter-out hv/test/fuzz/fuzz_check.c,$(wildcard hv/test/fuzz/fuzz_*.c)))
FUZZ_CC      := clang
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -fno-sanitize-recover=all -fno-omit-frame-pointer \
                -ffunction-sections -fdata-sections -Wall -Wextra -Wno-unused-parameter \
                -Ihv -Ihv/test -Ihv/test/fuzz -Itestkern/scn
FUZZ_HV_SRC  := $(wildcard hv/*.c) hv/test/fake_os.c hv/test/fake_backend.c \
                hv/test/fuzz/fuzz_check.c hv/test/fuzz/ref_walk.c testkern/scn/scn_parse.c \
                testkern/scn/scn_re.c
# The EPT/NPT entry formats without coverage instrumentation: its tables
# would keep the backends' flush code (and its undefined references) alive
# past --gc-sections.
FUZZ_FMT_OBJ := $(BUILD)/fuzz/ept.o $(BUILD)/fuzz/npt.o
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%/fuzz)
.SECONDARY: $(FUZZ_FMT_OBJ)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS) ## build the libFuzzer targets of hv/test/fuzz/ only

fuzz: $(FUZZ_BINS) ## run each libFuzzer target for FUZZ_SECONDS; fails on a crash
	@set -e; for t in $(FUZZ_TARGETS); do \
	    d=$(BUILD)/fuzz/$$t; mkdir -p $$d/corpus; \
	    echo "fuzz $$t: $(FUZZ_SECONDS) s"; \
	    if ! $$d/fuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -artifact_prefix=$$d/ $$d/corpus hv/test/fuzz/corpus/$$t \
	        >$$d/log 2>&1; then \
	        tail -n 40 $$d/log; echo "fuzz $$t: FAILED (input in $$d/crash-*)"; exit 1; \
	    fi; \
	    grep -aE '^(stat::number_of_executed_units|stat::average_exec_per_sec|#[0-9]+[[:space:]]+DONE)' $$d/log \
	        | sed "s/^/  $$t: /"; \
	done; echo "fuzz: no crash in $(FUZZ_TARGETS)"

$(BUILD)/fuzz/%.o: hv/intel/%.c $(wildcard hv/*.h hv/intel/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=address,undefined -c -o $@ $<

$(BUILD)/fuzz/%.o: hv/amd/%.c $(wildcard hv/*.h hv/amd/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=address,undefined -c -o $@ $<

$(BUILD)/fuzz/%/fuzz: hv/test/fuzz/fuzz_%.c $(FUZZ_HV_SRC) $(FUZZ_FMT_OBJ) \
    $(wildcard hv/*.h hv/test/*.h hv/test/fuzz/*.h) testkern/scn/scn.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -Wl,--gc-sections \
	   -o $@ $< $(FUZZ_HV_SRC) $(FUZZ_FMT_OBJ)

# ---- make coverage ---------------------------------------------------------
# The unit tests (UNIT_SRC, same sources as make test-unit) built with gcc
# --coverage; prints per-file and total line coverage of the hv/ files
# (hv/test/coverage.sh; HTML in build/coverage/html).
.PHONY: coverage
coverage: ## line coverage of hv/ and the scenario parser by the unit tests
	hv/test/coverage.sh $(BUILD)/coverage $(UNIT_SRC)

# plansite: `make` builds the generator and renders content/ into public/;
# `make test` builds everything with AddressSanitizer and UBSan and runs every
# test. See README.md.

CC      ?= cc
PKGS    := libgit2 yaml-0.1 libcmark-gfm cairo pangocairo fontconfig
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
STD     := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L
OPT     ?= -O2 -g
SAN     := -O1 -g -DPLANSITE_TEST_HOOKS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# Each compile writes the headers it read into $@.d (included at the end),
# so a header's change remakes what includes it and nothing else.
DEPFLAGS = -MMD -MP -MF $@.d

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcmark-gfm-extensions -lpthread -lm

SRCS    := $(sort $(wildcard generator/*.c))
LIBSRCS := $(filter-out generator/main.c,$(SRCS))
HDRS    := $(wildcard generator/*.h)
UNIT    := $(sort $(wildcard tests/unit/test_*.c))
BUILD   ?= build

THEME     := $(shell find themes/default -type f ! -name '.*' 2>/dev/null | LC_ALL=C sort)

REL_OBJS  := $(SRCS:generator/%.c=$(BUILD)/rel/%.o) $(BUILD)/rel/theme_default.o
SAN_OBJS  := $(SRCS:generator/%.c=$(BUILD)/san/%.o) $(BUILD)/san/theme_default.o
SAN_LIB   := $(LIBSRCS:generator/%.c=$(BUILD)/san/%.o) $(BUILD)/san/theme_default.o
REL_LIB   := $(LIBSRCS:generator/%.c=$(BUILD)/rel/%.o) $(BUILD)/rel/theme_default.o
# tests/memory/loop.c: many builds in one process (run-memory.sh), release and sanitizers
LOOP_BINS := $(BUILD)/rel/memory/loop $(BUILD)/san/memory/loop
UNIT_BINS := $(UNIT:tests/unit/%.c=$(BUILD)/san/unit/%)

.PHONY: all site deps test-deps test unit check-example clean
.DELETE_ON_ERROR:

all: generator/plansite site

deps:
	@generator/deps.sh build

test-deps:
	@generator/deps.sh test

$(BUILD)/.deps-ok: generator/deps.sh
	@generator/deps.sh build
	@mkdir -p $(@D) && touch $@

generator/plansite: $(BUILD)/.deps-ok $(REL_OBJS)
	$(CC) $(OPT) -o $@ $(REL_OBJS) $(PKG_LIBS)

$(BUILD)/rel/%.o: generator/%.c $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) $(DEPFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/san/%.o: generator/%.c $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SAN) $(DEPFLAGS) $(PKG_CFLAGS) -c -o $@ $<

# The default theme is compiled into plansite, so a site needs no theme files.
$(BUILD)/gen/theme_default.c: generator/embed.sh $(THEME)
	@mkdir -p $(@D)
	generator/embed.sh themes/default embedded_default_theme > $@

$(BUILD)/rel/theme_default.o: $(BUILD)/gen/theme_default.c
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) $(DEPFLAGS) -Igenerator -c -o $@ $<

$(BUILD)/san/theme_default.o: $(BUILD)/gen/theme_default.c
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SAN) $(DEPFLAGS) -Igenerator -c -o $@ $<

$(BUILD)/san/plansite: $(SAN_OBJS)
	$(CC) $(SAN) -o $@ $(SAN_OBJS) $(PKG_LIBS)

$(BUILD)/san/unit/%: tests/unit/%.c $(SAN_LIB)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SAN) $(DEPFLAGS) $(PKG_CFLAGS) -Igenerator -o $@ $< $(SAN_LIB) $(PKG_LIBS) -lcmocka

$(BUILD)/rel/memory/loop: tests/memory/loop.c $(REL_LIB)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(OPT) $(DEPFLAGS) $(PKG_CFLAGS) -Igenerator -o $@ $< $(REL_LIB) $(PKG_LIBS)

$(BUILD)/san/memory/loop: tests/memory/loop.c $(SAN_LIB)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SAN) $(DEPFLAGS) $(PKG_CFLAGS) -Igenerator -o $@ $< $(SAN_LIB) $(PKG_LIBS)

# The example site describes DacCom in spring 2007: it is built as of the end
# of May 2007, so that its date warnings are those of that time.
EXAMPLE_TODAY ?= 2007-05-31

site: generator/plansite
	generator/plansite build --today $(EXAMPLE_TODAY)

unit: test-deps $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

# Every tests/run-*.sh gets the sanitizer build as $PLANSITE, and the release
# build as $PLANSITE_RELEASE (cost tests count its instructions with callgrind,
# which cannot run the sanitizers); run-faults.sh also gets the fault shim,
# $FAULT_SHIM, and run-memory.sh the build loop of tests/memory/loop.c, of
# each build, as $PLANSITE_LOOP and $PLANSITE_LOOP_SAN.
test: test-deps unit fuzz-replay $(BUILD)/san/plansite generator/plansite $(BUILD)/faults/shim.so \
		$(LOOP_BINS)
	@set -e; for s in $(sort $(wildcard tests/run-*.sh)); do \
		echo "== $$s"; PLANSITE=$(CURDIR)/$(BUILD)/san/plansite \
		PLANSITE_RELEASE=$(CURDIR)/generator/plansite \
		FAULT_SHIM=$(CURDIR)/$(BUILD)/faults/shim.so \
		PLANSITE_LOOP=$(CURDIR)/$(BUILD)/rel/memory/loop \
		PLANSITE_LOOP_SAN=$(CURDIR)/$(BUILD)/san/memory/loop sh $$s; done
	@echo "all tests passed"

# The LD_PRELOAD fault injector of tests/run-faults.sh (tests/faults/shim.c),
# preloaded into the release build: gcc, no sanitizer (ASan's allocator and
# an interposed malloc do not mix).
$(BUILD)/faults/shim.so: tests/faults/shim.c
	@mkdir -p $(@D)
	gcc -O2 -g -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

# The benchmark (not a test): plansite against Hugo and the cmark-gfm floor.
# N="1000 10000" RUNS=5 BENCH_HISTORY=1 ...: see tests/bench/README.md.
.PHONY: bench
bench:
	@bash tests/bench/run.sh

clean:
	rm -rf $(BUILD) generator/plansite

# ---------------------------------------------------------------- fuzzing
# tests/fuzz/: libFuzzer targets, see tests/fuzz/README.md. `make fuzz`
# builds them with clang (ASan, UBSan, libFuzzer) and runs each for
# FUZZ_SECONDS, its new inputs in $(FUZZ_OUT)/<target>; `make test` replays
# every committed corpus file and regression through driver.c (any compiler).
FUZZ_TARGETS := yaml markdown mustache fences site
FUZZ_SECONDS ?= 60
FUZZ_OUT     ?= $(BUILD)/fuzz-out
FUZZ_CC      ?= clang
FUZZ_SAN     := -O1 -g -DPLANSITE_TEST_HOOKS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_OBJS    := $(LIBSRCS:generator/%.c=$(BUILD)/fuzz/%.o) $(BUILD)/fuzz/theme_default.o
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
REPLAY_BINS  := $(FUZZ_TARGETS:%=$(BUILD)/san/fuzz/fuzz_%)

.PHONY: fuzz fuzz-build fuzz-replay
# (named only by pattern rules: kept, not removed as intermediate files)
.SECONDARY: $(FUZZ_OBJS) $(BUILD)/fuzz/.deps-ok
$(BUILD)/fuzz/.deps-ok: generator/deps.sh
	@generator/deps.sh fuzz
	@mkdir -p $(@D) && touch $@

$(BUILD)/fuzz/%.o: generator/%.c $(BUILD)/fuzz/.deps-ok
	@mkdir -p $(@D)
	$(FUZZ_CC) $(STD) $(WARN) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(DEPFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz/theme_default.o: $(BUILD)/gen/theme_default.c $(BUILD)/fuzz/.deps-ok
	@mkdir -p $(@D)
	$(FUZZ_CC) $(STD) $(WARN) $(FUZZ_SAN) $(DEPFLAGS) -Igenerator -c -o $@ $<

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(STD) $(WARN) $(FUZZ_SAN) -fsanitize=fuzzer $(DEPFLAGS) $(PKG_CFLAGS) -Igenerator -o $@ $< $(FUZZ_OBJS) $(PKG_LIBS)

# driver.c is an object of its own: one compile of two sources into a binary
# would write only the last one's headers into $@.d.
$(BUILD)/san/fuzz/driver.o: tests/fuzz/driver.c
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SAN) $(DEPFLAGS) $(PKG_CFLAGS) -Igenerator -c -o $@ $<

$(BUILD)/san/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/san/fuzz/driver.o $(SAN_LIB)
	@mkdir -p $(@D)
	$(CC) $(STD) $(WARN) $(SAN) $(DEPFLAGS) $(PKG_CFLAGS) -Igenerator -o $@ $< $(BUILD)/san/fuzz/driver.o $(SAN_LIB) $(PKG_LIBS)

fuzz-build: $(FUZZ_BINS)

# Each target from its committed corpus, for FUZZ_SECONDS; what it finds
# goes to $(FUZZ_OUT)/<target>/ (crash-*: add it to the target's regressions/).
fuzz: $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_OUT)/$$t/corpus; echo "== fuzz_$$t ($(FUZZ_SECONDS) s)"; \
		$(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-dict=tests/fuzz/$$t.dict -artifact_prefix=$(FUZZ_OUT)/$$t/ \
			$(FUZZ_OUT)/$$t/corpus tests/fuzz/$$t/corpus 2>$(FUZZ_OUT)/$$t/log || \
			{ tail -40 $(FUZZ_OUT)/$$t/log; exit 1; }; \
		grep -E '^#[0-9]+ *DONE' $(FUZZ_OUT)/$$t/log | tail -1; done

# Every corpus file and every crash found so far, under ASan and UBSan.
fuzz-replay: test-deps $(REPLAY_BINS)
	@set -e; for t in $(FUZZ_TARGETS); do echo "== fuzz_$$t (replay)"; \
		$(BUILD)/san/fuzz/fuzz_$$t tests/fuzz/$$t/corpus tests/fuzz/$$t/regressions; done

# ------------------------------------------------------ header dependencies
# Each compiled target's $@.d, from its last compile. A target made before it
# had one (by an older Makefile) depends on every header, as all did then,
# until it is made again.
COMPILED := $(REL_OBJS) $(SAN_OBJS) $(UNIT_BINS) $(FUZZ_OBJS) $(FUZZ_BINS) \
	$(REPLAY_BINS) $(BUILD)/san/fuzz/driver.o $(LOOP_BINS)
-include $(wildcard $(COMPILED:=.d))
$(filter-out $(patsubst %.d,%,$(wildcard $(COMPILED:=.d))),$(COMPILED)): \
	$(HDRS) tests/unit/unit.h tests/fuzz/fuzz.h

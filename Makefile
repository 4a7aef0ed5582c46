# Makefile - `make BOARD=<name>` builds build/<name>/vhost.
#
#   make help                the boards, the knobs and their defaults, the targets
#   make [BOARD=qemu-virt]   static aarch64 binary (the embedded default)
#   make BOARD=host          native static binary
#   make BOARD=minimal       the back-end alone, aarch64, under 64 KiB
#   make install             binary, man page, QEMU's JSON descriptor
#   make test                every test, every board (installs what it needs)
#   make test-all            the same with every board's whole suite
#   make test SAN=1          the host board's tests under ASan and UBSan
#   make check BOARD=x       the tests of one board
#   make demo                the sample app's scenario, aarch64 under qemu-user
#   make clean
# Knobs: V=1 (show commands), DEBUG=1, O=dir (output), CROSS_COMPILE=prefix,
# CC=, WERROR=0, and CPPFLAGS/CFLAGS/LDFLAGS, added after the project's own
# (toolchain.mk).

# The sanitizer build is native only (toolchain.mk).
ifeq ($(SAN),1)
BOARD ?= host
endif
DEFAULT_BOARD := qemu-virt
BOARD ?= $(DEFAULT_BOARD)
BOARDS := $(notdir $(wildcard board/*))
ifeq ($(filter $(BOARD),$(BOARDS)),)
$(error Unknown BOARD '$(BOARD)'. Valid boards: $(BOARDS))
endif

include board/$(BOARD)/board.mk
include toolchain.mk

O ?= build
BUILD := $(O)/$(BOARD)$(if $(filter 1,$(DEBUG)),-debug)$(if $(filter 1,$(SAN)),-san)

# FAULTS=1: a test build whose ring code can be made to die at chosen
# points (core/virtq/fault.h), for tests/crash/; in a folder of its own,
# never the product.
ifeq ($(FAULTS),1)
BUILD := $(BUILD)-faults
CPPFLAGS += -DVHOST_FAULTS
endif

# The optional parts (core/config.h) this board leaves out, asked of the
# preprocessor so that board.h stays the one place that says so: one
# name a line for each condition that holds.
PART_IF := frontend:!CFG_WITH_FRONTEND respond:!CFG_WITH_RESPOND \
	switch:!CFG_WITH_SWITCH pcap:!CFG_WITH_PCAP links:!CFG_WITH_LINKS \
	service:!CFG_WITH_SERVICE
part = $(word $(1),$(subst :, ,$(2)))
BOARD_WITHOUT := $(shell printf '$(foreach p,$(PART_IF),\043if $(call \
	part,2,$(p))\n$(call part,1,$(p))\n\043endif\n)' | $(CC) -E -P -I. \
	-Iboard/$(BOARD) $(CPPFLAGS) -include core/config.h -x c - 2>/dev/null)

# Each part's files (the port's among them: port.h, FEATURES) and unit
# tests; a part left out is not built, so a call to it that the core
# still makes fails the link.
PART_SRC_frontend := core/dev/frontend.c $(wildcard core/dev/fe_*.c)
PART_SRC_respond := core/net/respond.c
PART_SRC_switch := core/net/l2sw.c
PART_SRC_pcap := core/net/pcap.c port/$(BOARD_PORT)/file.c
PART_SRC_links := port/$(BOARD_PORT)/net.c
PART_SRC_service := port/$(BOARD_PORT)/svc.c
PART_TEST_frontend := tests/unit/test_frontend.c
PART_TEST_respond := tests/unit/test_respond.c tests/unit/test_fwd.c
PART_TEST_switch := tests/unit/test_l2sw.c tests/unit/test_fwd.c
PART_TEST_pcap := tests/unit/test_pcap.c
PART_TEST_links := tests/unit/test_fwd.c
SRC_OUT := $(foreach p,$(BOARD_WITHOUT),$(PART_SRC_$(p)) $(PART_TEST_$(p)))

CORE_SRC_ALL := $(sort $(wildcard core/*.c core/*/*.c))
CORE_SRC := $(filter-out $(SRC_OUT),$(CORE_SRC_ALL))
PORT_SRC := $(filter-out $(SRC_OUT),$(sort $(wildcard port/$(BOARD_PORT)/*.c)))
FAKE_SRC := $(sort $(wildcard tests/fake/*.c))
UNIT_SRC := $(filter-out $(SRC_OUT),$(sort $(wildcard tests/unit/test_*.c)))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
CORE_OBJ := $(call obj,$(CORE_SRC))
PORT_OBJ := $(call obj,$(PORT_SRC))
FAKE_OBJ := $(call obj,$(FAKE_SRC))
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all tests unit-tests check test test-all demo clean deps deps-demo help \
	install uninstall FORCE
all: $(BUILD)/vhost $(BUILD)/vhost.stripped

# The version --version prints: `git describe` of this checkout (never of
# a repository around it, such as a distribution's build tree), else
# VERSION.  VHOST_VERSION=... on the command line sets it (a package's
# version).  Only the object that prints it is rebuilt when it changes.
VERSION := 0.3
git_describe = $(shell [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = \
	"$$(pwd -P)" ] && git describe --always --dirty 2>/dev/null)
ifeq ($(origin VHOST_VERSION),undefined)
VHOST_VERSION = $(eval VHOST_VERSION := $(or $(git_describe),$(VERSION)))$(VHOST_VERSION)
endif
VERSION_OBJ := $(BUILD)/obj/core/app/about.o
$(VERSION_OBJ): VHOST_CPPFLAGS += -DVHOST_VERSION='"$(VHOST_VERSION)"'
$(VERSION_OBJ): $(BUILD)/version
$(BUILD)/version: FORCE
	@mkdir -p $(dir $@)
	@echo '$(VHOST_VERSION)' | cmp -s - $@ 2>/dev/null || \
		echo '$(VHOST_VERSION)' >$@

# A board's flags are in its board.mk (and those it includes): a change
# there rebuilds its objects.
BOARD_MK := $(filter board/%/board.mk toolchain.mk,$(MAKEFILE_LIST))

$(BUILD)/obj/%.o: %.c $(BOARD_MK)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/vhost: $(CORE_OBJ) $(PORT_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(BOARD_LTO) $^ -o $@

$(BUILD)/vhost.stripped: $(BUILD)/vhost
	$(Q)$(STRIP) -o $@ $<

# Unit tests: the real core against the fake port (no app.c: it needs the
# real loop).  tests/unit/check.h is the whole framework.
$(BUILD)/tests/%: tests/unit/%.c $(filter-out $(BUILD)/obj/core/app/app.o,$(CORE_OBJ)) $(FAKE_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(NO_LTO) $(ALL_LDFLAGS) $(filter-out %.h,$^) -o $@

# Tests of the Linux port itself (no fake: they talk to the OS).
PORT_TEST_SRC := $(sort $(wildcard tests/port/test_*.c))
PORT_TEST_BIN := $(patsubst tests/port/%.c,$(BUILD)/tests/%,$(PORT_TEST_SRC))
$(BUILD)/tests/test_port_%: tests/port/test_port_%.c $(filter-out $(BUILD)/obj/port/$(BOARD_PORT)/main.o,$(PORT_OBJ))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(NO_LTO) $(ALL_LDFLAGS) $(filter-out %.h,$^) -o $@

# Test tools for the end-to-end tests (plain libc programs).
TOOL_SRC := $(sort $(wildcard tests/e2e/*.c))
TOOL_BIN := $(patsubst tests/e2e/%.c,$(BUILD)/tools/%,$(TOOL_SRC))
$(BUILD)/tools/%: tests/e2e/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TOOL    $@")
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra $(WERROR_FLAG) $(BOARD_CFLAGS) -static $< -o $@

# The security tests (tests/security/README): one hostile front-end per
# class of published vulnerability, each linked with hostile.c.
SEC_SRC := $(filter-out tests/security/hostile.c,\
	$(sort $(wildcard tests/security/*.c)))
SEC_BIN := $(patsubst tests/security/%.c,$(BUILD)/security/%,$(SEC_SRC))
$(BUILD)/security/%: tests/security/%.c tests/security/hostile.c \
		tests/security/hostile.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  SEC     $@")
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra $(WERROR_FLAG) -I. -Iboard/$(BOARD) \
		$(BOARD_CFLAGS) -static $< tests/security/hostile.c -o $@

tests: all $(UNIT_BIN) $(PORT_TEST_BIN) $(TOOL_BIN) $(SEC_BIN)

# The crash test's front-end (tests/crash/): plain libc, with hostile.c.
CRASH_BIN := $(BUILD)/tools/crashfe
$(CRASH_BIN): tests/crash/crashfe.c tests/security/hostile.c \
		tests/security/hostile.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TOOL    $@")
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra $(WERROR_FLAG) -I. -Iboard/$(BOARD) \
		$(BOARD_CFLAGS) -static $< tests/security/hostile.c -o $@
tests: $(CRASH_BIN)

# The unit and port tests alone (make test builds them with DEBUG=1 too:
# the one pass with CORE_ASSERT on).
unit-tests: $(UNIT_BIN) $(PORT_TEST_BIN)

# The fake port's objects are shared by every unit test: keep them.
.SECONDARY: $(FAKE_OBJ)

# `make print-VAR`: a make variable, for the test scripts.
print-%:
	@echo '$($*)'

# The tests of this board (unit, then end-to-end); tests/run.sh counts.
# A board without the front-end is driven by the host board's.
ifneq ($(filter frontend,$(BOARD_WITHOUT)),)
check: tests
	$(Q)$(MAKE) --no-print-directory BOARD=host DEBUG= SAN= all
	$(Q)tests/run.sh --board $(BOARD) --build $(BUILD) --frontend $(O)/host/vhost
else
check: tests
	$(Q)tests/run.sh --board $(BOARD) --build $(BUILD)
endif

# What this machine needs: everything the tests use (deps), or only the
# compilers and qemu-user (deps-demo, for make demo).
deps:
	$(Q)tests/deps.sh test

deps-demo:
	$(Q)tests/deps.sh demo

# The boards `make test` runs the whole suite of, and those it runs the
# quick suite of (unit tests, the binary checks, a few end-to-end tests:
# tests/run.sh --quick); `make test-all` runs every board's whole suite.
TEST_BOARDS := host qemu-virt minimal
QUICK_BOARDS := rpi3 ampere-altra
run_args = $(foreach b,$(1),--board $(b) --build $(O)/$(b)) \
	$(foreach b,$(2),--board $(b) --build $(O)/$(b) --quick)

# Every board, everything, from a fresh machine (minimal's back-end is
# driven by the host board's front-end).  SAN=1: the host board under
# ASan and UBSan (the aarch64 binary still joins the interop test).
ifeq ($(SAN),1)
test: deps
	$(Q)$(MAKE) --no-print-directory BOARD=host SAN=1 tests
	$(Q)$(MAKE) --no-print-directory BOARD=qemu-virt SAN= tests
	$(Q)tests/run.sh --san --board host --build $(O)/host-san \
		--aarch64 $(O)/qemu-virt/vhost

test-all: test
else
test: deps
	$(Q)$(foreach b,$(TEST_BOARDS) $(QUICK_BOARDS),\
		$(MAKE) --no-print-directory BOARD=$(b) tests &&) true
	$(Q)$(MAKE) --no-print-directory BOARD=host DEBUG=1 unit-tests
	$(Q)tests/run.sh $(call run_args,$(TEST_BOARDS),$(QUICK_BOARDS)) \
		--board host --build $(O)/host-debug --stages unit

test-all: deps
	$(Q)$(foreach b,$(TEST_BOARDS) $(QUICK_BOARDS),\
		$(MAKE) --no-print-directory BOARD=$(b) tests &&) true
	$(Q)$(MAKE) --no-print-directory BOARD=host DEBUG=1 unit-tests
	$(Q)IOP_RESTARTS=20 tests/run.sh $(call run_args,$(TEST_BOARDS) $(QUICK_BOARDS),) \
		--board host --build $(O)/host-debug --stages unit
endif

demo: deps-demo
	$(Q)$(MAKE) --no-print-directory BOARD=qemu-virt all
	$(Q)tests/demo.sh $(O)/qemu-virt/vhost

# ==== install (GNU conventions) ==============================================
#   make install [BOARD=...] [DESTDIR=/staging] [PREFIX=/usr/local]
#                [bindir=...] [mandir=...]
# installs the stripped binary, its man page, and the JSON descriptor by
# which QEMU's management layers find a vhost-user back-end
# (docs/interop/vhost-user.json in QEMU: "50-<name>-<type>.json" under
# share/qemu/vhost-user/), with the installed binary's absolute path in
# it.  DESTDIR is a staging root only: it is in no installed file.
PREFIX ?= /usr/local
prefix ?= $(PREFIX)
exec_prefix ?= $(prefix)
bindir ?= $(exec_prefix)/bin
datarootdir ?= $(prefix)/share
datadir ?= $(datarootdir)
mandir ?= $(datarootdir)/man
man1dir ?= $(mandir)/man1
vhostuserdir ?= $(datadir)/qemu/vhost-user
INSTALL ?= install
DESCRIPTOR := 50-vhost-net.json

# install_path VAR: $(VAR), refused unless an absolute path that the
# descriptor can carry as a JSON string and a shell word as it stands.
install_path = $(if $(filter /%,$($(1))),,$(error $(1)=$($(1)) must be an \
	absolute path))$(if $(findstring ",$($(1)))$(findstring \,$($(1)))$(findstring \
	',$($(1)))$(word 2,$($(1))),$(error $(1)=$($(1)): quotes, backslashes and \
	spaces are not supported))$($(1))

install: all
	$(Q)$(INSTALL) -d "$(DESTDIR)$(call install_path,bindir)" \
		"$(DESTDIR)$(call install_path,man1dir)" \
		"$(DESTDIR)$(call install_path,vhostuserdir)"
	$(Q)$(INSTALL) -m 0755 $(BUILD)/vhost.stripped "$(DESTDIR)$(bindir)/vhost"
	$(Q)sed 's|@VERSION@|$(VHOST_VERSION)|' docs/vhost.1 >$(BUILD)/vhost.1
	$(Q)$(INSTALL) -m 0644 $(BUILD)/vhost.1 "$(DESTDIR)$(man1dir)/vhost.1"
	$(Q)printf '%s\n' '{' \
		'  "description": "vhost: a vhost-user virtio-net back-end (board $(BOARD))",' \
		'  "type": "net",' \
		'  "binary": "$(bindir)/vhost",' \
		'  "tags": [ "board=$(BOARD)", "version=$(VHOST_VERSION)" ]' \
		'}' >$(BUILD)/$(DESCRIPTOR)
	$(Q)$(INSTALL) -m 0644 $(BUILD)/$(DESCRIPTOR) \
		"$(DESTDIR)$(vhostuserdir)/$(DESCRIPTOR)"
	@echo "  INSTALL $(DESTDIR)$(bindir)/vhost, $(DESTDIR)$(man1dir)/vhost.1," \
		"$(DESTDIR)$(vhostuserdir)/$(DESCRIPTOR)"

uninstall:
	rm -f "$(DESTDIR)$(bindir)/vhost" "$(DESTDIR)$(man1dir)/vhost.1" \
		"$(DESTDIR)$(vhostuserdir)/$(DESCRIPTOR)"

# The boards (board/*), the knobs with their defaults and each board's
# values (core/config.h, board/*/board.h), the make variables, the targets.
help:
	@BOARDS="$(BOARDS)" DEFAULT_BOARD=$(DEFAULT_BOARD) VERSION="$(VERSION)" \
		VHOST_VERSION="$(VHOST_VERSION)" \
		TEST_BOARDS="$(TEST_BOARDS)" QUICK_BOARDS="$(QUICK_BOARDS)" \
		scripts/help.sh

clean:
	rm -rf $(O)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ==== fuzzing (tests/fuzz/README) ==========================================
# Separate from the board builds above: its own compiler, flags and
# directories, whatever BOARD says.
#
#   make fuzz [FUZZ_SECS=60] [FUZZ_TARGETS="fuzz_msg ..."]
#       Build every tests/fuzz/fuzz_<name>.c with clang, libFuzzer, ASan and
#       UBSan into $(O)/fuzz/ (core and fake port included, for
#       FUZZ_BOARD=host), then run each for FUZZ_SECS seconds on a scratch
#       copy of its seeds (tests/fuzz/corpus/<target>/ is only read).  Fails
#       on any crash, leak, time-out or failed check.  Debian packages:
#       clang, libclang-rt-14-dev (libFuzzer, sanitizer runtimes), llvm
#       (llvm-symbolizer: stack traces with file and line).
#   make fuzz-build            only build them.
#   make fuzz-stdin [FUZZ_CC=cc]
#       The same targets as plain programs that read one input on stdin
#       (tests/fuzz/fuzz_main.c), built with the host compiler into
#       $(O)/fuzz-stdin/; then the seeds (but crash-*) are replayed
#       through them.  AFL++ (Debian package afl++), persistent mode, with
#       ASan and UBSan:
#         make fuzz-stdin FUZZ_CC=afl-clang-fast AFL_USE_ASAN=1 AFL_USE_UBSAN=1
#         AFL_SKIP_CRASHES=1 afl-fuzz -i tests/fuzz/corpus/fuzz_msg \
#           -o /tmp/afl-fuzz_msg -- build/fuzz-stdin/fuzz_msg
#       (AFL_SKIP_CRASHES: past the crash-* seeds; add AFL_SKIP_CPUFREQ=1
#       AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 where the
#       CPU governor, core_pattern or affinity cannot be set).  Objects do
#       not track the compiler: `rm -rf build/fuzz-stdin` when switching.
#   make fuzz-corpus           write the seeds anew (tests/fuzz/mkcorpus.c).

FUZZ_SECS ?= 60
FUZZ_BOARD ?= host
FUZZ_CLANG ?= clang
FUZZ_CC ?= cc
FUZZ_DIR := $(O)/fuzz
FUZZ_STDIN_DIR := $(O)/fuzz-stdin
FUZZ_TARGETS ?= $(filter-out fuzz_util fuzz_main,\
	$(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c))))

# The project's warnings, less the stack limits (sanitizers grow frames,
# and clang has no -Wstack-usage).
FUZZ_WARN := $(filter-out -Wframe-larger-than=% -Wstack-usage=%,$(WARN))
FUZZ_CPPFLAGS := -I. -Iboard/$(FUZZ_BOARD) -MMD -MP
# FUZZ_SAN_EXTRA adds to them, e.g. -fno-sanitize=alignment to look past a
# known misalignment report (with its own O=, objects do not track flags).
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	$(FUZZ_SAN_EXTRA)
# -DDEBUG: CORE_ASSERT on, so hostile input that breaks an invariant of
# ours stops the fuzzer (core/log.h).
FUZZ_CFLAGS := -std=c11 -O2 -g -fno-omit-frame-pointer -DDEBUG $(FUZZ_WARN) \
	$(FUZZ_SAN)
FUZZ_STDIN_CFLAGS := -std=c11 -O2 -g $(FUZZ_WARN)

# Everything but the fuzz entry points (app.c needs the real loop).
FUZZ_LIB_SRC := $(filter-out core/app/app.c,$(CORE_SRC_ALL)) $(FAKE_SRC) \
	tests/fuzz/fuzz_util.c
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_LIB_SRC))
FUZZ_STDIN_LIB_OBJ := $(patsubst %.c,$(FUZZ_STDIN_DIR)/obj/%.o,$(FUZZ_LIB_SRC))
FUZZ_ENTRY_OBJ := $(patsubst %,$(FUZZ_DIR)/obj/tests/fuzz/%.o,$(FUZZ_TARGETS))
FUZZ_STDIN_ENTRY_OBJ := $(patsubst %,$(FUZZ_STDIN_DIR)/obj/tests/fuzz/%.o,\
	$(FUZZ_TARGETS) fuzz_main)
FUZZ_BIN := $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))
FUZZ_STDIN_BIN := $(addprefix $(FUZZ_STDIN_DIR)/,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-build fuzz-stdin fuzz-corpus
fuzz: fuzz-build
	$(Q)tests/fuzz/run.sh --build $(FUZZ_DIR) --secs $(FUZZ_SECS) \
		$(FUZZ_TARGETS)

fuzz-build: $(FUZZ_BIN)

# clang, libFuzzer and the sanitizer runtimes are there (once per build
# directory), else a fix-it message instead of a link error.
$(FUZZ_DIR)/.tools-ok:
	@mkdir -p $(dir $@)
	$(Q)printf 'int LLVMFuzzerTestOneInput(const char *d, long n);\n%s\n' \
		'int LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; return (int)n * 0; }' \
		>$(FUZZ_DIR)/tools-check.c
	$(Q)$(FUZZ_CLANG) -fsanitize=fuzzer,address,undefined \
		$(FUZZ_DIR)/tools-check.c -o $(FUZZ_DIR)/tools-check 2>/dev/null || { \
		echo "fuzz: '$(FUZZ_CLANG) -fsanitize=fuzzer,address,undefined' cannot" \
		"link; on Debian: apt-get install clang libclang-rt-14-dev llvm" >&2; \
		exit 1; }
	$(Q)touch $@

# Libraries with coverage instrumentation only; libFuzzer's main at the link.
$(FUZZ_DIR)/obj/%.o: %.c | $(FUZZ_DIR)/.tools-ok
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CLANG) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) \
		-fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJ)
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ -o $@

# The replay leaves out the crash-* seeds: a build without sanitizers may
# run through them silently, one with them stops (make fuzz runs them).
fuzz-stdin: $(FUZZ_STDIN_BIN)
	$(Q)for t in $(FUZZ_TARGETS); do \
		seeds=$$(ls tests/fuzz/corpus/$$t/* | grep -v '/crash-'); \
		echo "  REPLAY  $$t: $$(echo "$$seeds" | wc -l) seeds"; \
		$(FUZZ_STDIN_DIR)/$$t $$seeds || exit 1; \
	done

$(FUZZ_STDIN_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_STDIN_CFLAGS) -c $< -o $@

$(FUZZ_STDIN_DIR)/fuzz_%: $(FUZZ_STDIN_DIR)/obj/tests/fuzz/fuzz_%.o \
		$(FUZZ_STDIN_DIR)/obj/tests/fuzz/fuzz_main.o $(FUZZ_STDIN_LIB_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(FUZZ_CC) $(FUZZ_STDIN_CFLAGS) $^ -o $@

fuzz-corpus: $(FUZZ_STDIN_DIR)/mkcorpus
	$(Q)$< tests/fuzz/corpus

$(FUZZ_STDIN_DIR)/mkcorpus: tests/fuzz/mkcorpus.c
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_STDIN_CFLAGS) $< -o $@

.SECONDARY: $(FUZZ_LIB_OBJ) $(FUZZ_STDIN_LIB_OBJ) $(FUZZ_ENTRY_OBJ) \
	$(FUZZ_STDIN_ENTRY_OBJ)

-include $(shell find $(FUZZ_DIR) $(FUZZ_STDIN_DIR) -name '*.d' 2>/dev/null)

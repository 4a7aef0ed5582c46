# Makefile - `make BOARD=<name>` builds build/<name>/vhost.
#
#   make [BOARD=qemu-virt]   static aarch64 binary (the embedded default)
#   make BOARD=host          native static binary
#   make test                every test, both boards (installs what it needs)
#   make test SAN=1          the host board's tests under ASan and UBSan
#   make check BOARD=x       the tests of one board
#   make demo                the sample app's scenario, aarch64 under qemu-user
#   make clean
# Knobs: V=1 (show commands), DEBUG=1, O=dir (output), CROSS_COMPILE=prefix.

BOARD ?= qemu-virt
BOARDS := $(notdir $(wildcard board/*))
ifeq ($(filter $(BOARD),$(BOARDS)),)
$(error Unknown BOARD '$(BOARD)'. Valid boards: $(BOARDS))
endif

include board/$(BOARD)/board.mk
include toolchain.mk

O ?= build
BUILD := $(O)/$(BOARD)$(if $(filter 1,$(DEBUG)),-debug)$(if $(filter 1,$(SAN)),-san)

CORE_SRC := $(sort $(wildcard core/*.c))
PORT_SRC := $(sort $(wildcard port/linux/*.c))
FAKE_SRC := $(sort $(wildcard tests/fake/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
CORE_OBJ := $(call obj,$(CORE_SRC))
PORT_OBJ := $(call obj,$(PORT_SRC))
FAKE_OBJ := $(call obj,$(FAKE_SRC))
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all tests check test demo clean deps
all: $(BUILD)/vhost $(BUILD)/vhost.stripped

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/vhost: $(CORE_OBJ) $(PORT_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@

$(BUILD)/vhost.stripped: $(BUILD)/vhost
	$(Q)$(STRIP) -o $@ $<

# Unit tests: the real core against the fake port (no app.c: it needs the
# real loop).  tests/unit/check.h is the whole framework.
$(BUILD)/tests/%: tests/unit/%.c $(filter-out $(BUILD)/obj/core/app.o,$(CORE_OBJ)) $(FAKE_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $^ -o $@

# Test tools for the end-to-end tests (plain libc programs).
TOOL_SRC := $(sort $(wildcard tests/e2e/*.c))
TOOL_BIN := $(patsubst tests/e2e/%.c,$(BUILD)/tools/%,$(TOOL_SRC))
$(BUILD)/tools/%: tests/e2e/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TOOL    $@")
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror $(BOARD_CFLAGS) -static $< -o $@

tests: all $(UNIT_BIN) $(TOOL_BIN)

# The fake port's objects are shared by every unit test: keep them.
.SECONDARY: $(FAKE_OBJ)

# `make print-VAR`: a make variable, for the test scripts.
print-%:
	@echo '$($*)'

# The tests of this board (unit, then end-to-end); tests/run.sh counts.
check: tests
	$(Q)tests/run.sh --board $(BOARD) --build $(BUILD)

deps:
	$(Q)tests/deps.sh

# Both boards, everything, from a fresh machine.  SAN=1: the host board
# under ASan and UBSan (the aarch64 binary still joins the interop test).
ifeq ($(SAN),1)
test: deps
	$(Q)$(MAKE) --no-print-directory BOARD=host SAN=1 tests
	$(Q)$(MAKE) --no-print-directory BOARD=qemu-virt SAN= tests
	$(Q)tests/run.sh --san --board host --build $(O)/host-san \
		--aarch64 $(O)/qemu-virt/vhost
else
test: deps
	$(Q)$(MAKE) --no-print-directory BOARD=host tests
	$(Q)$(MAKE) --no-print-directory BOARD=qemu-virt tests
	$(Q)tests/run.sh --board host --build $(O)/host \
		--board qemu-virt --build $(O)/qemu-virt
endif

demo: deps
	$(Q)$(MAKE) --no-print-directory BOARD=qemu-virt all
	$(Q)tests/demo.sh $(O)/qemu-virt/vhost

clean:
	rm -rf $(O)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

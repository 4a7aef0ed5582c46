# toolchain.mk - tools and flags common to every board.  A board's
# board.mk only adds to these (BOARD_CC, BOARD_CFLAGS, BOARD_OPT,
# BOARD_RUN, BOARD_SIZE_LIMIT, ...).
#
# The project's own flags are VHOST_CPPFLAGS, VHOST_CFLAGS and
# VHOST_LDFLAGS.  The user's CPPFLAGS, CFLAGS and LDFLAGS (on make's
# command line or in the environment, as Buildroot and Yocto pass them)
# come after them on every command: they add to ours (a later -O wins)
# and cannot take -std=c11, -static or the warnings away.

# The compiler: the board's (board.mk, from CROSS_COMPILE), or CC= on the
# command line.  CC in the environment is not taken: it names the build
# machine's compiler, which would silently build for the wrong machine.
CC := $(BOARD_CC)

# The binutils of the same toolchain as the compiler: those beside it
# (CROSS_COMPILE=/opt/x/bin/aarch64-poky-linux- or CC=/opt/x/bin/
# aarch64-poky-linux-gcc: /opt/x/bin/aarch64-poky-linux-strip), else the
# board's BOARD_BINUTILS prefix (musl's gcc wrapper has none of its own).
# NM=, STRIP=, ... on the command line name one tool.
tool_exists = $(shell command -v $(1) >/dev/null 2>&1 && echo y)
CC_PREFIX := $(patsubst %gcc,%,$(firstword $(filter %gcc,$(CC))))
TOOL_PREFIX := $(strip $(if $(call tool_exists,$(CC_PREFIX)strip),\
	$(CC_PREFIX),$(BOARD_BINUTILS)))
NM := $(TOOL_PREFIX)nm
STRIP := $(TOOL_PREFIX)strip
SIZE := $(TOOL_PREFIX)size
OBJDUMP := $(TOOL_PREFIX)objdump
READELF := $(TOOL_PREFIX)readelf

# What the tests allow the stripped binary (bytes).
BOARD_SIZE_LIMIT ?= 131072
# The port the board runs on: port/$(BOARD_PORT)/*.c implement port/port.h
# (docs/porting.md).
BOARD_PORT ?= linux

# WERROR=0 keeps warnings warnings (a newer compiler's new warning need
# not stop a distribution's build); the default stops on any.
WERROR ?= 1
WERROR_FLAG := $(if $(filter 0,$(WERROR)),,-Werror)

WARN := -Wall -Wextra $(WERROR_FLAG) -Wvla -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wcast-align \
	-Wframe-larger-than=$(BOARD_FRAME_LIMIT) -Wstack-usage=$(BOARD_FRAME_LIMIT)

ifeq ($(DEBUG),1)
OPT := -O0 -g -DDEBUG
else
# A board may optimise for size instead (BOARD_OPT := -Os).
OPT := $(or $(BOARD_OPT),-O2)
endif

VHOST_CFLAGS := -std=c11 $(OPT) $(WARN) -ffunction-sections -fdata-sections \
	-fno-common $(BOARD_CFLAGS) $(EXTRA_CFLAGS)
VHOST_CPPFLAGS := -I. -Iboard/$(BOARD) -DVHOST_BOARD='"$(BOARD)"' -MMD -MP
# BOARD_LTO (-flto): the product is optimised at link time.  Objects are
# fat (real code as well) for the checks that read them with nm
# (tests/layers.sh, the syscall check), and the test programs link them
# without LTO (NO_LTO): their own code is not the product's.
ifneq ($(BOARD_LTO),)
VHOST_CFLAGS += $(BOARD_LTO) -ffat-lto-objects
NO_LTO := -fno-lto
endif
VHOST_LDFLAGS := -static -Wl,--gc-sections $(BOARD_LDFLAGS) $(EXTRA_LDFLAGS)

# SAN=1: AddressSanitizer and UndefinedBehaviorSanitizer, host board only.
# Their runtimes need glibc's gcc and a dynamic link (and bring their own
# allocator), so the static/no-allocator/size checks do not apply there.
ifeq ($(SAN),1)
ifneq ($(BOARD),host)
$(error SAN=1 is for BOARD=host only)
endif
CC := gcc
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -g
VHOST_CFLAGS := $(filter-out -Wframe-larger-than=% -Wstack-usage=%,\
	$(VHOST_CFLAGS)) $(SAN_FLAGS)
VHOST_LDFLAGS := -Wl,--gc-sections $(SAN_FLAGS) $(EXTRA_LDFLAGS)
endif

# Every command uses these: ours, then the user's.  (Recursive, so that
# a target-specific addition to VHOST_CPPFLAGS reaches them.)
ALL_CPPFLAGS = $(VHOST_CPPFLAGS) $(CPPFLAGS)
ALL_CFLAGS = $(VHOST_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(VHOST_LDFLAGS) $(LDFLAGS)

ifeq ($(V),1)
Q :=
else
Q := @
endif

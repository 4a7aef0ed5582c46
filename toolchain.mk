# toolchain.mk - tools and flags common to every board.  A board's
# board.mk only adds to these (BOARD_CC, BOARD_CFLAGS, BOARD_OPT,
# BOARD_RUN, BOARD_SIZE_LIMIT, ...).

CC := $(BOARD_CC)
# What the tests allow the stripped binary (bytes).
BOARD_SIZE_LIMIT ?= 131072
NM := $(BOARD_BINUTILS)nm
STRIP := $(BOARD_BINUTILS)strip
SIZE := $(BOARD_BINUTILS)size

WARN := -Wall -Wextra -Werror -Wvla -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wcast-align \
	-Wframe-larger-than=$(BOARD_FRAME_LIMIT) -Wstack-usage=$(BOARD_FRAME_LIMIT)

ifeq ($(DEBUG),1)
OPT := -O0 -g -DDEBUG
else
# A board may optimise for size instead (BOARD_OPT := -Os).
OPT := $(or $(BOARD_OPT),-O2)
endif

CFLAGS := -std=c11 $(OPT) $(WARN) -ffunction-sections -fdata-sections \
	-fno-common $(BOARD_CFLAGS) $(EXTRA_CFLAGS)
# BOARD_LTO (-flto): the product is optimised at link time.  Objects are
# fat (real code as well) for the checks that read them with nm
# (tests/layers.sh, the syscall check), and the test programs link them
# without LTO (NO_LTO): their own code is not the product's.
ifneq ($(BOARD_LTO),)
CFLAGS += $(BOARD_LTO) -ffat-lto-objects
NO_LTO := -fno-lto
endif
CPPFLAGS := -I. -Iboard/$(BOARD) -DVHOST_BOARD='"$(BOARD)"' -MMD -MP
LDFLAGS := -static -Wl,--gc-sections $(BOARD_LDFLAGS) $(EXTRA_LDFLAGS)

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
CFLAGS := $(filter-out -Wframe-larger-than=% -Wstack-usage=%,$(CFLAGS)) \
	$(SAN_FLAGS)
LDFLAGS := -Wl,--gc-sections $(SAN_FLAGS) $(EXTRA_LDFLAGS)
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

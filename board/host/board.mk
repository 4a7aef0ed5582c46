# board/host: native, static, musl (Debian package musl-tools).
BOARD_CC ?= musl-gcc
BOARD_CFLAGS :=
# No unwind tables, as on qemu-virt: nothing here unwinds, and they are a
# tenth of the binary.  A profile with call stacks wants DEBUG=1 or
# EXTRA_CFLAGS=-fasynchronous-unwind-tables.
BOARD_CFLAGS += -fno-asynchronous-unwind-tables -fno-unwind-tables
# Stack frame limit (-Wframe-larger-than), bytes.
BOARD_FRAME_LIMIT := 1536
# How test binaries run: natively.
BOARD_RUN :=
BOARD_LDFLAGS :=

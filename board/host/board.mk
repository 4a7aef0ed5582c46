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
# What the tests allow its stripped binary (bytes): 144 KiB.  It was the
# default 128 KiB until multiqueue, EVENT_IDX, the MTU and a tap's offloads
# came in, at 129.2 KB: x86-64 code at -O2, every segment in whole pages.
# The embedded boards' limits are what must stay small.
BOARD_SIZE_LIMIT := 147456

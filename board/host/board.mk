# board/host: native, static, musl (Debian package musl-tools).
BOARD_CC ?= musl-gcc
# No unwind tables, as for qemu-virt: C needs none to run, and they were
# 16 KiB of the binary (its .eh_frame), within a page of 128 KiB.
BOARD_CFLAGS := -fno-asynchronous-unwind-tables -fno-unwind-tables
# Stack frame limit (-Wframe-larger-than), bytes.
BOARD_FRAME_LIMIT := 1536
# How test binaries run: natively.
BOARD_RUN :=
BOARD_LDFLAGS :=

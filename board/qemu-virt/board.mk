# board/qemu-virt: aarch64, static, musl (Debian packages musl-dev:arm64
# and gcc-aarch64-linux-gnu).  CROSS_COMPILE= overrides the prefix.
CROSS_COMPILE ?= aarch64-linux-musl-
BOARD_CC ?= $(CROSS_COMPILE)gcc
# musl's wrapper has no binutils of its own: use the GNU cross ones.
BOARD_BINUTILS ?= aarch64-linux-gnu-
BOARD_CFLAGS := -march=armv8-a
# No unwind tables: C needs none to run (nothing here throws or unwinds),
# and they are a tenth of the binary.  A DEBUG=1 build has -g, whose
# .debug_frame serves a debugger's backtraces.
BOARD_CFLAGS += -fno-asynchronous-unwind-tables -fno-unwind-tables
BOARD_FRAME_LIMIT := 1536
# How test binaries run on the build machine: under qemu-user.
BOARD_RUN := qemu-aarch64
# Loadable on 4 KiB and 64 KiB page kernels alike (max-page-size stays
# 64 KiB), without the up-to-64 KiB of file padding that aligning the
# RELRO segment costs: keeps the stripped binary well under 128 KiB.
BOARD_LDFLAGS := -Wl,-z,norelro
# Link-time optimisation of the product (toolchain.mk: BOARD_LTO): about
# 4.5 KiB less, which keeps multiqueue, EVENT_IDX, the MTU and a tap's
# offloads inside 128 KiB.  The boards that include this file inherit it.
BOARD_LTO := -flto

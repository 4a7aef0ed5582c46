# board/minimal: the qemu-virt toolchain, flags and runner (aarch64,
# static, musl), for a binary with only the back-end in it.
include board/qemu-virt/board.mk
# Size before speed (no unwind tables either, as on qemu-virt).
BOARD_OPT := -Os
# Link-time optimisation of the product: about 4.5 KiB less
# (toolchain.mk: BOARD_LTO).
BOARD_LTO := -flto
# The data segment may start inside the text's last 4 KiB page instead of
# on the next one (up to 4 KiB less file padding); max-page-size stays
# 64 KiB, so it still loads on 4 and 64 KiB page kernels.
BOARD_LDFLAGS += -Wl,-z,common-page-size=64
# What the tests allow its stripped binary (bytes): 68 KiB.  It was 64
# KiB until ring errors, dirty-log coverage, packed ring recovery and
# QEMU's back-end conventions came in, with LTO, at 66.7 KB.
BOARD_SIZE_LIMIT := 69632

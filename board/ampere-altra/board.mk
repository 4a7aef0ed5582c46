# board/ampere-altra: Neoverse-N1 (ARMv8.2-A), aarch64, static, musl; the
# qemu-virt toolchain and runner, tuned for the core and run on a model
# of it.
include board/qemu-virt/board.mk
# -mcpu instead of -march: ARMv8.2-A with LSE atomics inline (no outline
# helpers for the dirty log's atomics) and scheduling for the N1.
BOARD_CFLAGS := $(filter-out -march=%,$(BOARD_CFLAGS)) -mcpu=neoverse-n1
# The unit and end-to-end tests run on QEMU's model of this core.
BOARD_RUN := qemu-aarch64 -cpu neoverse-n1
# max-page-size stays 64 KiB (qemu-virt's): server distributions run
# aarch64 kernels with 64 KiB pages.

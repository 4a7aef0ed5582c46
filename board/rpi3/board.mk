# board/rpi3: Cortex-A53, aarch64, static, musl; the qemu-virt toolchain
# and runner, tuned for the core and run on a model of it.
include board/qemu-virt/board.mk
# -mcpu instead of -march: scheduling for the in-order A53.  The two A53
# errata workarounds (835769: multiply-accumulate after a load; 843419:
# ADRP at the end of a 4 KiB page, fixed by the linker) are named here
# because not every toolchain turns them on by default (Debian's does).
BOARD_CFLAGS := $(filter-out -march=%,$(BOARD_CFLAGS)) -mcpu=cortex-a53 \
	-mfix-cortex-a53-835769 -mfix-cortex-a53-843419
# The unit and end-to-end tests run on QEMU's model of this core, so an
# instruction the A53 lacks (ARMv8.1 atomics, say) fails them.
BOARD_RUN := qemu-aarch64 -cpu cortex-a53

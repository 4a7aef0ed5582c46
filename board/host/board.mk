# board/host: native, static, musl (Debian package musl-tools).
BOARD_CC ?= musl-gcc
BOARD_CFLAGS :=
# Stack frame limit (-Wframe-larger-than), bytes.
BOARD_FRAME_LIMIT := 1536
# How test binaries run: natively.
BOARD_RUN :=
BOARD_LDFLAGS :=

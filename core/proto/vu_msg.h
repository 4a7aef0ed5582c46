/*
 * vu_msg.h - vhost-user message framing over a stream socket.
 *
 * A message is reassembled from as many reads as the peer cares to split it
 * into, never reading past its end (so two messages in one write are two
 * messages, and the fds of one never land in the other).  The header is
 * checked (version, payload size against our buffer) before any payload is
 * read, so the peer can never size a read.
 */
#ifndef CORE_VU_MSG_H
#define CORE_VU_MSG_H

#include <stdint.h>

#include "core/config.h"
#include "core/proto/vu_proto.h"

struct vu_msg {
	struct vu_hdr hdr;
	union {
		uint64_t u64;
		struct vu_state state;
		struct vu_addr addr;
		struct vu_memhdr mem; /* followed by struct vu_region[] */
		struct vu_log log;
		struct vu_inflight inflight;
		uint8_t bytes[CFG_MSG_PAYLOAD_MAX];
	} p;
	int fds[CFG_MAX_MSG_FDS]; /* -1 once taken or closed */
	unsigned nfds;
};

/* The regions that follow a SET_MEM_TABLE header. */
static inline const struct vu_region *vu_msg_regions(const struct vu_msg *m)
{
	return (const struct vu_region *)(const void *)(m->p.bytes +
							sizeof(struct vu_memhdr));
}

/* Reassembly state of one connection. */
struct vu_rx {
	struct vu_msg msg;
	uint32_t have; /* bytes of header + payload received so far */
};

void vu_rx_init(struct vu_rx *rx);

/* Drop a partial or unconsumed message, closing the fds it brought. */
void vu_rx_reset(struct vu_rx *rx);

/*
 * Read what is there of the current message from fd.
 * Returns 1 when rx->msg is complete (the caller then owns its fds: take or
 * close them, then vu_rx_reset), 0 when more bytes are needed, -PORT_EPIPE
 * when the peer closed the stream, or another negative errno (logged with
 * prefix `who`) when the peer broke the framing.
 */
int vu_rx_read(struct vu_rx *rx, int fd, const char *who);

/* Take fd i out of the message (the message will not close it). */
int vu_msg_take_fd(struct vu_msg *m, unsigned i);

/* Close every fd the message still holds. */
void vu_msg_close_fds(struct vu_msg *m);

/* Send header + payload with fds attached. */
int vu_send(int fd, uint32_t request, uint32_t flags, const void *payload,
	    uint32_t size, const int *fds, unsigned nfds);

#endif /* CORE_VU_MSG_H */

/*
 * vu_msg.c - vhost-user message framing (vhost-user.rst "Message
 * Specification").
 */
#include "core/proto/vu_msg.h"

#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "port/port.h"

const char *vu_req_name(uint32_t request)
{
	switch (request) {
#define VU_REQ_NAME(n, name, sz, fd, h) \
	case n:                         \
		return "VHOST_USER_" #name;
		VU_REQUESTS(VU_REQ_NAME)
#undef VU_REQ_NAME
	default:
		return "UNKNOWN";
	}
}

void vu_rx_init(struct vu_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
	for (unsigned i = 0; i < CFG_MAX_MSG_FDS; i++)
		rx->msg.fds[i] = -1;
}

void vu_rx_reset(struct vu_rx *rx)
{
	vu_msg_close_fds(&rx->msg);
	rx->have = 0;
}

int vu_msg_take_fd(struct vu_msg *m, unsigned i)
{
	int fd;

	if (i >= m->nfds)
		return -1;
	fd = m->fds[i];
	m->fds[i] = -1;
	return fd;
}

void vu_msg_close_fds(struct vu_msg *m)
{
	for (unsigned i = 0; i < m->nfds; i++) {
		port_fd_close(m->fds[i]);
		m->fds[i] = -1;
	}
	m->nfds = 0;
}

/* One read of at most `want` bytes into dst; fds appended to the message. */
static int rx_some(struct vu_rx *rx, int fd, void *dst, uint32_t want,
		   const char *who)
{
	unsigned got_fds = 0;
	long n = port_sock_recv(fd, dst, want, rx->msg.fds + rx->msg.nfds,
				&got_fds, CFG_MAX_MSG_FDS - rx->msg.nfds);

	if (n == -PORT_EMSGSIZE) {
		LOG_ERR("%s: more than %u fds sent with one message", who,
			(unsigned)CFG_MAX_MSG_FDS);
		return -PORT_EPROTO;
	}
	if (n < 0 && n != -PORT_EAGAIN && n != -PORT_EINTR)
		LOG_ERR("%s: socket read failed: %s", who, err_text((int)n));
	if (n < 0)
		return n == -PORT_EINTR ? -PORT_EAGAIN : (int)n;
	rx->msg.nfds += got_fds;
	if (n == 0) {
		/* fds can come with no bytes only with a broken peer */
		return -PORT_EPIPE;
	}
	rx->have += (uint32_t)n;
	return 0;
}

int vu_rx_read(struct vu_rx *rx, int fd, const char *who)
{
	struct vu_msg *m = &rx->msg;
	int rc;

	while (rx->have < VU_HDR_SIZE) {
		rc = rx_some(rx, fd, (uint8_t *)&m->hdr + rx->have,
			     VU_HDR_SIZE - rx->have, who);
		if (rc == -PORT_EAGAIN)
			return 0;
		if (rc < 0)
			return rc;
		if (rx->have < VU_HDR_SIZE)
			continue;
		/* The whole header is here: judge it before reading on. */
		if ((m->hdr.flags & VU_FLAG_VERSION_MASK) != VU_VERSION) {
			LOG_ERR("%s: %s (%u): protocol version %u, expected %u",
				who, vu_req_name(m->hdr.request),
				m->hdr.request,
				m->hdr.flags & VU_FLAG_VERSION_MASK, VU_VERSION);
			return -PORT_EPROTO;
		}
		if (m->hdr.size > CFG_MSG_PAYLOAD_MAX) {
			LOG_ERR("%s: %s (%u): payload size %u larger than any "
				"request we take (%u)", who,
				vu_req_name(m->hdr.request), m->hdr.request,
				m->hdr.size, (unsigned)CFG_MSG_PAYLOAD_MAX);
			return -PORT_EMSGSIZE;
		}
	}
	while (rx->have < VU_HDR_SIZE + m->hdr.size) {
		uint32_t off = rx->have - VU_HDR_SIZE;
		rc = rx_some(rx, fd, m->p.bytes + off, m->hdr.size - off, who);
		if (rc == -PORT_EAGAIN)
			return 0;
		if (rc < 0)
			return rc;
	}
	return 1;
}

int vu_send(int fd, uint32_t request, uint32_t flags, const void *payload,
	    uint32_t size, const int *fds, unsigned nfds)
{
	/* One buffer, one send: header and payload leave together. */
	struct {
		struct vu_hdr hdr;
		uint8_t body[CFG_MSG_PAYLOAD_MAX];
	} out;
	long n;

	if (size > sizeof(out.body))
		return -PORT_EMSGSIZE;
	out.hdr.request = request;
	out.hdr.flags = flags | VU_VERSION;
	out.hdr.size = size;
	if (size > 0)
		memcpy(out.body, payload, size);
	n = port_sock_send(fd, &out, VU_HDR_SIZE + size, fds, nfds);
	if (n < 0)
		return (int)n;
	return n == (long)(VU_HDR_SIZE + size) ? 0 : -PORT_EPIPE;
}

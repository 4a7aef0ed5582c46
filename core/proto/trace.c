/*
 * trace.c - the `-v` message trace, in the style of the sample app's log,
 * each line after the name of the device it is about:
 *
 *   dev0: Cmd: VHOST_USER_SET_VRING_ADDR (0x9)
 *   dev0: Flags: 0x1
 *   dev0: Size: 40
 *   dev0: ...decoded payload...
 *   dev0: Fds: 7
 *
 * Only what the header says fits is decoded, so a short payload cannot make
 * the trace read past it.
 */
#include "core/proto/trace.h"

#include <stdbool.h>

#include "core/log.h"

/* Lines of the trace, each after "who: ". */
#define T(...) log_trace(LOG_MESSAGES, who, __VA_ARGS__)

static void trace_payload(const char *who, const struct vu_msg *m)
{
	uint32_t sz = m->hdr.size;
	bool reply = (m->hdr.flags & VU_FLAG_REPLY) != 0;

	/* a REPLY_ACK status, or a GET_* value */
	if (reply && m->hdr.request != VU_GET_VRING_BASE &&
	    m->hdr.request != VU_GET_INFLIGHT_FD) {
		if (sz == 8)
			T("u64: 0x%016llx\n", (unsigned long long)m->p.u64);
		return;
	}
	switch (m->hdr.request) {
	case VU_SET_MEM_TABLE: {
		const struct vu_region *r = vu_msg_regions(m);
		uint32_t n;

		if (sz < sizeof(struct vu_memhdr))
			break;
		n = m->p.mem.nregions;
		T("nregions: %u\n", n);
		for (uint32_t i = 0; i < n; i++) {
			if (sizeof(struct vu_memhdr) +
				    (i + 1) * sizeof(struct vu_region) > sz)
				break;
			T("region %u:\n"
			  "\tguest_phys_addr: 0x%016llx\n"
			  "\tmemory_size: 0x%016llx\n"
			  "\tuserspace_addr: 0x%016llx\n"
			  "\tmmap_offset: 0x%016llx\n",
			  i, (unsigned long long)r[i].gpa,
			  (unsigned long long)r[i].size,
			  (unsigned long long)r[i].uva,
			  (unsigned long long)r[i].mmap_offset);
		}
		return;
	}
	case VU_SET_VRING_NUM:
	case VU_SET_VRING_BASE:
	case VU_GET_VRING_BASE:
	case VU_SET_VRING_ENABLE:
		if (sz >= sizeof(struct vu_state)) {
			T("state.index: %u\nstate.num: %u\n",
			  m->p.state.index, m->p.state.num);
			return;
		}
		break;
	case VU_SET_VRING_ADDR:
		if (sz >= sizeof(struct vu_addr)) {
			T("addr.index: %u\naddr.flags: 0x%x\n"
			  "addr.desc_user_addr: 0x%016llx\n"
			  "addr.used_user_addr: 0x%016llx\n"
			  "addr.avail_user_addr: 0x%016llx\n"
			  "addr.log_guest_addr: 0x%016llx\n",
			  m->p.addr.index, m->p.addr.flags,
			  (unsigned long long)m->p.addr.desc,
			  (unsigned long long)m->p.addr.used,
			  (unsigned long long)m->p.addr.avail,
			  (unsigned long long)m->p.addr.log);
			return;
		}
		break;
	case VU_SET_LOG_BASE:
		if (sz >= sizeof(struct vu_log)) {
			T("log.size: 0x%016llx\nlog.offset: 0x%016llx\n",
			  (unsigned long long)m->p.log.size,
			  (unsigned long long)m->p.log.offset);
			return;
		}
		break;
	case VU_GET_INFLIGHT_FD:
	case VU_SET_INFLIGHT_FD:
		if (sz >= sizeof(struct vu_inflight)) {
			T("inflight.mmap_size: 0x%016llx\n"
			  "inflight.mmap_offset: 0x%016llx\n"
			  "inflight.num_queues: %u\n"
			  "inflight.queue_size: %u\n",
			  (unsigned long long)m->p.inflight.mmap_size,
			  (unsigned long long)m->p.inflight.mmap_offset,
			  m->p.inflight.num_queues,
			  m->p.inflight.queue_size);
			return;
		}
		break;
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		if (sz >= 8) {
			T("u64: 0x%016llx (index %u%s)\n",
			  (unsigned long long)m->p.u64,
			  (unsigned)(m->p.u64 & VU_VRING_IDX_MASK),
			  (m->p.u64 & VU_VRING_NOFD) ? ", no fd" : "");
			return;
		}
		break;
	default:
		break;
	}
	if (sz == 8)
		T("u64: 0x%016llx\n", (unsigned long long)m->p.u64);
}

void trace_msg(const char *who, const struct vu_msg *m)
{
	if (log_level < LOG_MESSAGES)
		return;
	T("%s: %s (0x%x)\nFlags: 0x%x\nSize: %u\n",
	  (m->hdr.flags & VU_FLAG_REPLY) ? "Reply" : "Cmd",
	  vu_req_name(m->hdr.request), m->hdr.request, m->hdr.flags,
	  m->hdr.size);
	trace_payload(who, m);
	if (m->nfds > 0) {
		char buf[CFG_MAX_MSG_FDS * 12 + 1];
		unsigned o = 0;

		/* small itoa: the core has no snprintf */
		for (unsigned i = 0; i < m->nfds; i++) {
			char tmp[11];
			unsigned t = 0, v = m->fds[i] < 0 ? 0u : (unsigned)m->fds[i];
			do {
				tmp[t++] = (char)('0' + v % 10);
				v /= 10;
			} while (v > 0);
			buf[o++] = ' ';
			while (t > 0)
				buf[o++] = tmp[--t];
		}
		buf[o] = '\0';
		T("Fds:%s\n", buf);
	}
	T("\n"); /* a blank line between messages, untagged */
	  }
	  
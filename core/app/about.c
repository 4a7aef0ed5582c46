/*
 * about.c - --version and --print-capabilities.
 */
#include "core/app/about.h"

#include "core/config.h"
#include "core/dev/backend.h"
#include "core/log.h"

/* `git describe` of the tree it was built from (the Makefile passes it;
 * outside a git checkout, the Makefile's own version). */
#ifndef VHOST_VERSION
#define VHOST_VERSION "unknown"
#endif
/* The board this binary was built for (the Makefile sets it). */
#ifndef VHOST_BOARD
#define VHOST_BOARD "custom"
#endif

void about_version(void)
{
	LOG_OUT("vhost " VHOST_VERSION ", board " VHOST_BOARD "\n"
		 "limits: devices %u, queue pairs %u, memory regions %u, ring "
		 "size %u, frame size %u, links %u\n"
		 "features (0x%llx):" BE_FEATURE_LIST(BE_FEATURE_NAME_)
		 "\nprotocol features (0x%llx):"
		 BE_PROTOCOL_FEATURE_LIST(BE_FEATURE_NAME_) "\n",
		 (unsigned)CFG_MAX_DEVICES, (unsigned)CFG_MAX_QUEUE_PAIRS,
		 (unsigned)CFG_MAX_REGIONS, (unsigned)CFG_QUEUE_SIZE_MAX,
		 (unsigned)CFG_FRAME_MAX, (unsigned)CFG_MAX_LINKS,
		 (unsigned long long)BE_FEATURES,
		 (unsigned long long)BE_PROTOCOL_FEATURES);
}

void about_capabilities(void)
{
	/* vhost-user.json gives type "net" no capabilities of its own (the
	 * union @VHostUserBackendCapabilities has branches for "block",
	 * "input" and "gpu" only), so the object holds the type alone. */
	LOG_OUT("{\n  \"type\": \"net\"\n}\n");
}

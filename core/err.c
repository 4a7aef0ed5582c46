/*
 * err.c - the words for an error code in a message (err.h).
 */
#include "core/err.h"

#include <string.h>

#include "core/config.h"
#include "port/port.h"

/* "error 4294967295": the number, where the board has no words. */
static char err_num[18];

const char *err_text(int rc)
{
	char *p = err_num + sizeof(err_num);
	unsigned v;

	if (CFG_ERROR_TEXT)
		return port_strerror(rc);
	v = rc < 0 ? 0u - (unsigned)rc : (unsigned)rc;
	if (v == PORT_ENODIR) /* ours, no errno: its number means nothing */
		return "its directory does not exist";
	*--p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	p -= 6;
	memcpy(p, "error ", 6);
	return p;
}

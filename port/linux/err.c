/*
 * err.c - the words for an error code.
 */
#define _GNU_SOURCE

#include <string.h>

#include "port/port.h"

const char *port_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err == PORT_ENODIR)
		return "its directory does not exist";
	return strerror(err);
}

/*
 * err.h - the words for an error code in a message.
 */
#ifndef CORE_ERR_H
#define CORE_ERR_H

/* What error code rc (negative or positive) means, for a message: the
 * OS's words (port_strerror), or on a board that leaves them out
 * (CFG_ERROR_TEXT 0) "error N".  Good until the next call: one per
 * message. */
const char *err_text(int rc);

#endif /* CORE_ERR_H */

/*
 * about.h - what the binary says about itself: --version and, as
 * vhost-user.rst "Backend program conventions" asks, --print-capabilities.
 */
#ifndef CORE_ABOUT_H
#define CORE_ABOUT_H

/* The version (`git describe` at build time), the board, its limits, its
 * parts and the features the back-end offers, by name. */
void about_version(void);

/* The back-end's capabilities, in the JSON of QEMU's vhost-user.json
 * (@VHostUserBackendCapabilities) for type "net". */
void about_capabilities(void);

#endif /* CORE_ABOUT_H */

/*
 * about.h - what the binary says about itself: --version.
 */
#ifndef CORE_ABOUT_H
#define CORE_ABOUT_H

/* The version (`git describe` at build time), the board, its limits, its
 * parts and the features the back-end offers, by name. */
void about_version(void);

#endif /* CORE_ABOUT_H */

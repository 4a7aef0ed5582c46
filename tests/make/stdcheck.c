/*
 * stdcheck.c - built by the build tests (tests/make/make.sh) through
 * the Makefile's own rule for core/ and port/, with a distribution's
 * CFLAGS added: it compiles only as strict ISO C11, so the user's flags
 * did not take -std=c11 away.
 */
#if !defined(__STDC_VERSION__) || __STDC_VERSION__ != 201112L
#error "not compiled as C11 (-std=c11)"
#endif
#ifndef __STRICT_ANSI__
#error "compiled with GNU extensions (-std=gnu11, or no -std), not -std=c11"
#endif

_Static_assert(sizeof(char) == 1, "C11's _Static_assert");

int stdcheck(void);

int stdcheck(void)
{
	return 0;
}

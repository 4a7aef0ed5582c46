/*
 * app.h - the `vhost` program: command line, device table, poll loop.
 */
#ifndef CORE_APP_H
#define CORE_APP_H

/* Run the program; returns the process exit status (0 success, 1 failure,
 * 2 bad command line).  Called by the port's main(). */
int app_main(int argc, char **argv);

#endif /* CORE_APP_H */

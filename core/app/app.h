/*
 * app.h - the `vhost` program: command line, device table, poll loop.
 */
#ifndef CORE_APP_H
#define CORE_APP_H

/* Run the program; returns the process exit status: 0 success, 1 a
 * front-end's run failed (or a device that could not go on), 2 a bad
 * command line, 3 could not start (a socket in use or a path we may not
 * use, --fd no socket, the pid file).  Called by the port's main(). */
int app_main(int argc, char **argv);

#endif /* CORE_APP_H */

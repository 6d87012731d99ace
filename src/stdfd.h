/* Standard descriptors that are never a socket. */
#ifndef STDFD_H
#define STDFD_H

/* Opens /dev/null on each of stdin, stdout and stderr that is closed, so
 * that no descriptor opened later takes its place (a socket on 1 would
 * get what is meant for stdout). Call it first. Returns 0, or -1 with
 * errno set when /dev/null cannot be opened. */
int stdfd_sanitise(void);

#endif

/* Stdout that never blocks the loop. */
#ifndef OUTFD_H
#define OUTFD_H

/* Makes fd nonblocking, so one write never stalls the loop (nor keeps a
 * signal from being heard): a pipe or socket gets O_NONBLOCK; a terminal,
 * whose open file description is shared with the shell, is opened anew
 * on fd, nonblocking, leaving the shell's as it was; a file is left
 * alone. Returns the flags to restore, or -1 when there is nothing to
 * restore (nothing changed, or fd is our own terminal description now). */
int outfd_nonblock(int fd);
void outfd_restore(int fd, int saved);

#endif

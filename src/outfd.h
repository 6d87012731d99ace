/* Stdout that never blocks the loop. */
#ifndef OUTFD_H
#define OUTFD_H

/* Makes fd nonblocking when it is a pipe or socket, so one write never
 * stalls the loop; a terminal or file is left alone (a terminal's flags
 * are shared with the shell). Returns the flags to restore, or -1 when
 * nothing was changed. */
int outfd_nonblock(int fd);
void outfd_restore(int fd, int saved);

#endif

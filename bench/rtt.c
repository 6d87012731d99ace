/*
 * rtt - round-trip latency driver for bench/run.
 *
 * Starts CMD with its stdin and stdout on pipes, then N times: writes one
 * SIZE-byte line (sequence number, padding, '\n'), reads the echoed line
 * back and times the pair with CLOCK_MONOTONIC.  The far side must echo.
 *
 * usage: rtt [-n COUNT] [-s SIZE] [-w WARMUP] [-t TIMEOUT_MS] [-p PID]
 *            -- CMD [ARG...]
 *
 * -p names the listener's PID so its CPU time over the timed loop can be
 * read too.  CPU time comes from /proc/PID/task/TID/schedstat (ns on CPU),
 * summed over threads; "cpu_*=na" when that file is missing.
 *
 * Prints one line of key=value pairs on stdout; exits 1 (with a message on
 * stderr and whatever it measured so far) on a timeout, a short read, a
 * wrong echo, or a child that dies.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "schedstat.h"

#define LINE_MAX_SIZE 4096 /* largest -s accepted */

static const char *argv0 = "rtt";

static void
die(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", argv0);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Returns 0 when all of buf went out, -1 on error or timeout. */
static int
write_all(int fd, const char *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	ssize_t w;

	while (len > 0) {
		if (poll(&p, 1, timeout_ms) <= 0)
			return -1;
		w = write(fd, buf, len);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Returns 0 when exactly len bytes ending in '\n' came, -1 otherwise. */
static int
read_line(int fd, char *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		if (poll(&p, 1, timeout_ms) <= 0)
			return -1;
		r = read(fd, buf + got, len - got);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return buf[len - 1] == '\n' ? 0 : -1;
}

static long long
pct(const long long *v, long n, double p)
{
	long i = (long)(p * (double)(n - 1) + 0.5);

	return v[i];
}

/* Ends the session: closes the child's stdin and stops the listener (the
 * peer goes away), then reaps the child, polling every 100 us for 3 s at
 * most.  *exit_ns gets how long the client took to notice and exit. */
static const char *
finish(pid_t child, int to_child, pid_t listener, long long *exit_ns)
{
	long long t0 = now_ns();
	int i, status;

	*exit_ns = -1;
	close(to_child);
	if (listener > 0)
		kill(listener, SIGTERM);
	for (i = 0; i < 30000; i++) {
		if (waitpid(child, &status, WNOHANG) == child) {
			*exit_ns = now_ns() - t0;
			return WIFEXITED(status) && WEXITSTATUS(status) == 0 ?
			    "exit0" : "exit-other";
		}
		usleep(100);
	}
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	return "killed";
}

int
main(int argc, char **argv)
{
	long count = 10000, warmup = 200, size = 32, i, done = 0;
	int timeout_ms = 5000, c, in[2], out[2];
	pid_t listener = 0, child;
	long long *lat, t0, c_cli0, c_cli1, c_lis0, c_lis1, sum = 0, exit_ns;
	char wbuf[LINE_MAX_SIZE], rbuf[LINE_MAX_SIZE];
	const char *fail = NULL, *how;

	while ((c = getopt(argc, argv, "n:s:w:t:p:")) != -1) {
		switch (c) {
		case 'n': count = atol(optarg); break;
		case 's': size = atol(optarg); break;
		case 'w': warmup = atol(optarg); break;
		case 't': timeout_ms = atoi(optarg); break;
		case 'p': listener = (pid_t)atol(optarg); break;
		default:
			die("%s", "usage: rtt [-n N] [-s SIZE] [-w W] [-t MS] "
			    "[-p PID] -- CMD...");
		}
	}
	if (optind >= argc)
		die("%s", "no command given");
	if (count < 1 || size < 12 || size > LINE_MAX_SIZE || warmup < 1 ||
	    timeout_ms < 1)
		die("%s", "bad -n, -s, -w or -t");
	if ((lat = calloc((size_t)count, sizeof *lat)) == NULL)
		die("%s", "out of memory");
	signal(SIGPIPE, SIG_IGN);
	if (pipe(in) == -1 || pipe(out) == -1)
		die("pipe: %s", strerror(errno));
	if ((child = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (child == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]); close(in[1]); close(out[0]); close(out[1]);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "%s: exec %s: %s\n", argv0, argv[optind],
		    strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);

	memset(wbuf, 'x', (size_t)size);
	wbuf[size - 1] = '\n';
	c_cli0 = c_lis0 = -1;
	for (i = -warmup; i < count; i++) {
		snprintf(rbuf, sizeof rbuf, "%010ld", i + warmup);
		memcpy(wbuf, rbuf, 10);
		if (i == 0) {
			c_cli0 = task_cpu_ns((long)child);
			c_lis0 = task_cpu_ns((long)listener);
		}
		t0 = now_ns();
		if (write_all(in[1], wbuf, (size_t)size, timeout_ms) == -1) {
			fail = "write failed or timed out";
			break;
		}
		/* the first line also waits for the connection to come up */
		if (read_line(out[0], rbuf, (size_t)size,
		    i == -warmup ? 4 * timeout_ms : timeout_ms) == -1) {
			fail = "no full echo (timeout, EOF or short line)";
			break;
		}
		if (i >= 0)
			lat[done++] = now_ns() - t0;
		if (memcmp(wbuf, rbuf, (size_t)size) != 0) {
			fail = "echo differs from what was sent";
			break;
		}
	}
	c_cli1 = task_cpu_ns((long)child);
	c_lis1 = task_cpu_ns((long)listener);
	how = finish(child, in[1], listener, &exit_ns);

	printf("done=%ld", done);
	if (done > 0) {
		qsort(lat, (size_t)done, sizeof *lat, cmp_ll);
		for (i = 0; i < done; i++)
			sum += lat[i];
		printf(" p50_us=%.1f p99_us=%.1f mean_us=%.1f max_us=%.1f",
		    pct(lat, done, 0.50) / 1e3, pct(lat, done, 0.99) / 1e3,
		    (double)sum / (double)done / 1e3, lat[done - 1] / 1e3);
	}
	if (done > 0 && c_cli0 >= 0 && c_cli1 >= 0)
		printf(" cpu_client_us=%.2f", (c_cli1 - c_cli0) / 1e3 / done);
	else
		printf(" cpu_client_us=na");
	if (done > 0 && c_lis0 >= 0 && c_lis1 >= 0)
		printf(" cpu_listen_us=%.2f", (c_lis1 - c_lis0) / 1e3 / done);
	else
		printf(" cpu_listen_us=na");
	if (exit_ns >= 0)
		printf(" exit_ms=%.2f", exit_ns / 1e6);
	else
		printf(" exit_ms=na");
	printf(" client_end=%s\n", how);
	if (fail) {
		fprintf(stderr, "%s: after %ld round trips: %s\n", argv0, done,
		    fail);
		return 1;
	}
	return 0;
}

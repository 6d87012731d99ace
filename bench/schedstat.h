/*
 * schedstat.h - CPU time of another process, for the bench drivers (rtt.c,
 * roomc.c): the ns on CPU in /proc/PID/task/TID/schedstat, summed over its
 * threads.  Header-only, so each driver still builds from one cc command.
 */
#ifndef BENCH_SCHEDSTAT_H
#define BENCH_SCHEDSTAT_H

#include <dirent.h>
#include <stdio.h>

/* Returns ns spent on CPU by every thread of pid, or -1 if unknown. */
static long long
task_cpu_ns(long pid)
{
	char path[64], file[384];
	struct dirent *de;
	long long sum = 0, v;
	DIR *d;
	FILE *f;
	int seen = 0;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%ld/task", pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof file, "%s/%.256s/schedstat", path,
		    de->d_name);
		if ((f = fopen(file, "r")) == NULL)
			continue;
		if (fscanf(f, "%lld", &v) == 1) {
			sum += v;
			seen = 1;
		}
		fclose(f);
	}
	closedir(d);
	return seen ? sum : -1;
}

#endif

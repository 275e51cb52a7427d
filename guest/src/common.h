/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the guest programs (the .c files of guest/src). Header only:
 * each program is one static binary built from one .c file by
 * scripts/guest.sh, which rebuilds them all when this file changes.
 *
 * A program defines PROG (its name in messages) before including it.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PROG
#error "define PROG (the program's name in messages) before including common.h"
#endif

/* What older libc headers lack. */
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif
#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE 1
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif
#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE (1 << 1)
#endif
#ifndef MPOL_MF_MOVE_ALL
#define MPOL_MF_MOVE_ALL (1 << 2)
#endif

#define COMMON_FN static __attribute__((unused))

/* "PROG: WHAT: strerror(errno)" and exit 1. */
COMMON_FN __attribute__((noreturn)) void die_errno(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * "PROG WHO: FAIL: message" and _exit 1 (safe in a forked child). A program
 * whose processes say who they are: #define die(...) fail_exit(who, __VA_ARGS__).
 */
COMMON_FN __attribute__((noreturn, format(printf, 2, 3)))
void fail_exit(const char *who, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG " %s: FAIL: ", who);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(1);
}

/* xorshift64: the seeded generator of faultinj and pressure. */
COMMON_FN uint64_t xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

COMMON_FN uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Has CLOCK_MONOTONIC reached *t? */
COMMON_FN int past(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec ||
	       (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/* move_pages(2) without libnuma. */
COMMON_FN long sys_move_pages(int pid, unsigned long count, void **pages,
			      const int *nodes, int *status, int flags)
{
	return syscall(SYS_move_pages, pid, count, pages, nodes, status, flags);
}

/*
 * Map n private anonymous VMAs of `pages` pages of size ps each, separated
 * by 1-page holes so that they neither merge nor share an anon_vma with a
 * neighbour; untouched. Returns the base of the n * (pages + 1) page span.
 */
COMMON_FN char *map_holed_vmas(size_t n, size_t pages, size_t ps)
{
	size_t stride = (pages + 1) * ps;
	char *base = mmap(NULL, n * stride, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (base == MAP_FAILED)
		die_errno("mmap reservation");
	for (size_t i = 0; i < n; i++) {
		char *v = base + i * stride;

		if (mmap(v, pages * ps, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != v)
			die_errno("mmap vma");
		if (munmap(v + pages * ps, ps))
			die_errno("munmap hole");
	}
	return base;
}

/*
 * Wait for n children; print "# PROG: FAIL: WHAT PID killed by signal ..."
 * or "... exited N" for each that failed. Returns how many failed, -1 if
 * wait() failed.
 */
COMMON_FN int reap_children(int n, const char *what)
{
	int fails = 0;

	for (int i = 0; i < n; i++) {
		int status;
		pid_t pid = wait(&status);

		if (pid < 0) {
			perror("wait");
			return -1;
		}
		if (WIFSIGNALED(status)) {
			printf("# " PROG ": FAIL: %s %d killed by signal %d (%s)\n", what, pid,
			       WTERMSIG(status), strsignal(WTERMSIG(status)));
			fails++;
		} else if (WEXITSTATUS(status)) {
			printf("# " PROG ": FAIL: %s %d exited %d\n", what, pid,
			       WEXITSTATUS(status));
			fails++;
		}
	}
	return fails;
}

/*
 * The end of a program that forked n children: reap them, then print
 * "# PROG: PASS" or "# PROG: FAIL". Returns the program's exit code.
 */
COMMON_FN int reap_and_report(int n, const char *what)
{
	int fails = reap_children(n, what);

	if (fails < 0)
		return 1;
	printf("# " PROG ": %s\n", fails ? "FAIL" : "PASS");
	return fails ? 1 : 0;
}

/* One cache's line of /proc/slabinfo (version 2.1). */
struct slabinfo {
	char name[128];
	unsigned long active_objs, num_objs, objsize, objperslab, pagesperslab;
	unsigned long active_slabs, num_slabs;
};

/* Parse a /proc/slabinfo line; 0 if it is not a cache's line. */
COMMON_FN int slabinfo_parse(const char *line, struct slabinfo *s)
{
	unsigned long shared;
	const char *sd;

	if (sscanf(line, "%127s %lu %lu %lu %lu %lu", s->name, &s->active_objs,
		   &s->num_objs, &s->objsize, &s->objperslab, &s->pagesperslab) != 6)
		return 0;
	sd = strstr(line, ": slabdata");
	return sd && sscanf(sd, ": slabdata %lu %lu %lu", &s->active_slabs,
			    &s->num_slabs, &shared) == 3;
}

/*
 * The /proc/slabinfo lines of the n caches names[]: out[i], and found[i]
 * set to 1 if the cache is listed, 0 if not.
 */
COMMON_FN void slabinfo_read(const char *const names[], size_t n,
			     struct slabinfo out[], int found[])
{
	char line[1024];
	struct slabinfo si;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		die_errno("open /proc/slabinfo");
	for (size_t i = 0; i < n; i++)
		found[i] = 0;
	while (fgets(line, sizeof(line), f)) {
		if (!slabinfo_parse(line, &si))
			continue;
		for (size_t i = 0; i < n; i++)
			if (!found[i] && !strcmp(si.name, names[i])) {
				out[i] = si;
				found[i] = 1;
			}
	}
	if (ferror(f))
		die_errno("read /proc/slabinfo");
	fclose(f);
}

/*
 * Print the caches slabinfo_read() found as "bench-data: slab" lines, @tags
 * (the caller's k=v pairs) first.
 */
COMMON_FN void slabinfo_print(const char *tags, const struct slabinfo si[],
			      const int found[], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (found[i])
			printf("bench-data: slab %s cache=%s active_objs=%lu num_objs=%lu objsize=%lu pagesperslab=%lu num_slabs=%lu\n",
			       tags, si[i].name, si[i].active_objs,
			       si[i].num_objs, si[i].objsize,
			       si[i].pagesperslab, si[i].num_slabs);
}

/* Set *@val to the /proc/vmstat counter @key; 0 if the kernel has none. */
COMMON_FN int vmstat_find(const char *key, unsigned long long *val)
{
	char k[128];
	unsigned long long v;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		die_errno("open /proc/vmstat");
	while (fscanf(f, "%127s %llu", k, &v) == 2)
		if (!strcmp(k, key)) {
			fclose(f);
			*val = v;
			return 1;
		}
	fclose(f);
	return 0;
}

#endif

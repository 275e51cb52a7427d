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
#include <sys/syscall.h>
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

/* "WHO: FAIL: message" and _exit 1 (safe in a forked child). */
COMMON_FN __attribute__((noreturn)) void vfail_exit(const char *who, const char *fmt,
						     va_list ap)
{
	fprintf(stderr, "%s: FAIL: ", who);
	vfprintf(stderr, fmt, ap);
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

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * demo.c - workload for the headline anon_vma memory table.
 *
 * Usage: demo [-v NVMAS] [-c NCHILDREN] [-p PAGES_PER_VMA] [-f NFILES]
 *        (defaults: 1000 VMAs, 4 children, 4 pages per VMA, 100 files)
 *
 * Phases (slab + vmstat snapshot printed at each):
 *   idle      before anything is mapped
 *   mapped    NVMAS non-mergeable private anon VMAs (1-page holes), all
 *             pages touched
 *   forked    NCHILDREN children alive; each COW-wrote one page of every
 *             VMA and mapped+touched 16 private VMAs of its own
 *   reaped    children told to exit (pipe closed) and reaped
 *   unmapped  parent munmapped all VMAs
 *   filecow   NFILES private mappings of a file (1-page holes), one page
 *             of each COW-written, as a program's library data is
 *
 * Output lines:
 *   bench-data: demo nvmas=N nchildren=N pages=N nfiles=N
 *   bench-data: slab phase=P cache=C active_objs=N num_objs=N objsize=N
 *               pagesperslab=N num_slabs=N          (one line, no wrap)
 *   bench-data: slab phase=P cache=C missing=1      (cache not listed,
 *               e.g. merged into another cache by SLUB; boot with
 *               slab_nomerge to avoid)
 *   bench-data: vmstat phase=P key=K value=N        (keys anon_vma_lazy*)
 *
 * Needs root (/proc/slabinfo is mode 0400). Exit 0 on success, 1 on error.
 *
 * Build: gcc -static -O2 -Wall -Wextra -o demo demo.c   (no libnuma needed;
 *        the harness -I/-isystem/-lnuma flags are harmless)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG "demo"
#include "common.h"

#define CHILD_VMAS 16

/* anon_vma_lazy: lazy anon_vmas, a cache of their own (patched kernels) */
static const char *const caches[] = { "anon_vma", "anon_vma_chain",
				      "vm_area_struct", "anon_vma_lazy" };
#define NCACHES (sizeof(caches) / sizeof(caches[0]))

static size_t ps;

static void print_slab(const char *phase)
{
	struct slabinfo si[NCACHES];
	int found[NCACHES];
	char tags[160];

	slabinfo_read(caches, NCACHES, si, found);
	snprintf(tags, sizeof(tags), "phase=%s", phase);
	slabinfo_print(tags, si, found, NCACHES);
	for (size_t i = 0; i < NCACHES; i++)
		if (!found[i])
			printf("bench-data: slab phase=%s cache=%s missing=1\n",
			       phase, caches[i]);
}

/* The series' counters (anon_vma_lazy_walk: CONFIG_DEBUG_VM kernels only) */
static const char *const counters[] = { "anon_vma_lazy_root",
					"anon_vma_lazy_fork",
					"anon_vma_lazy_child",
					"anon_vma_lazy_walk" };

static void print_vmstat(const char *phase)
{
	unsigned long long val;

	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		if (vmstat_find(counters[i], &val))
			printf("bench-data: vmstat phase=%s key=%s value=%llu\n",
			       phase, counters[i], val);
}

static void phase(const char *name)
{
	print_slab(name);
	print_vmstat(name);
	fflush(stdout);
}

/*
 * Map n private anonymous VMAs of `pages` pages each, separated by 1-page
 * holes so they can neither merge nor share an anon_vma with a neighbour,
 * and touch every page. Returns base of the (pages+1)*n page span.
 */
static char *map_vmas(size_t n, size_t pages, int seed)
{
	size_t stride = (pages + 1) * ps;
	char *base = map_holed_vmas(n, pages, ps);

	for (size_t i = 0; i < n; i++)
		for (size_t p = 0; p < pages; p++)
			memset(base + i * stride + p * ps, (int)((seed + i + p) & 0x7f) | 1, ps);
	return base;
}

static void unmap_vmas(char *base, size_t n, size_t pages)
{
	if (munmap(base, n * (pages + 1) * ps))
		die_errno("munmap");
}

static void child(char *base, size_t nvmas, size_t pages, int idx,
		  int ready_w, int go_r)
{
	size_t stride = (pages + 1) * ps;
	char c = 'r', *own;
	ssize_t r;

	/* COW-write one page (the first) of every inherited VMA. */
	for (size_t i = 0; i < nvmas; i++)
		base[i * stride] = (char)(0x80 | idx);
	own = map_vmas(CHILD_VMAS, 1, 0x40 + idx);
	(void)own;
	if (write(ready_w, &c, 1) != 1)
		die_errno("child: write ready");
	close(ready_w);
	/* Wait until the parent closes the go pipe (EOF) or kills us. */
	do {
		r = read(go_r, &c, 1);
	} while (r < 0 && errno == EINTR);
	_exit(0);
}

/*
 * Map n private mappings of one 2-page file, each with a hole after it so
 * that none merges, and COW-write the first page of each.
 */
static void map_file_cow(size_t n)
{
	int fd = memfd_create("demo", 0);
	char *base;

	if (fd < 0 || ftruncate(fd, 2 * ps))
		die_errno("memfd");
	base = mmap(NULL, n * 3 * ps, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		die_errno("mmap reservation");
	for (size_t i = 0; i < n; i++) {
		char *v = base + i * 3 * ps;

		if (mmap(v, 2 * ps, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_FIXED, fd, 0) != v)
			die_errno("mmap file");
		if (munmap(v + 2 * ps, ps))
			die_errno("munmap hole");
		v[0] = 1;
	}
	close(fd);
}

static unsigned long parse_ul(const char *s, const char *opt)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || !*s || v == 0) {
		fprintf(stderr, "demo: bad value for %s: '%s'\n", opt, s);
		exit(1);
	}
	return v;
}

int main(int argc, char **argv)
{
	size_t nvmas = 1000, nchildren = 4, pages = 4, nfiles = 100;
	int ready[2], go[2], opt;
	pid_t *pids;
	char *base;

	while ((opt = getopt(argc, argv, "v:c:p:f:h")) != -1) {
		switch (opt) {
		case 'v': nvmas = parse_ul(optarg, "-v"); break;
		case 'c': nchildren = parse_ul(optarg, "-c"); break;
		case 'p': pages = parse_ul(optarg, "-p"); break;
		case 'f': nfiles = parse_ul(optarg, "-f"); break;
		default:
			fprintf(stderr, "usage: %s [-v NVMAS] [-c NCHILDREN] [-p PAGES_PER_VMA] [-f NFILES]\n",
				argv[0]);
			return 1;
		}
	}
	ps = (size_t)sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("bench-data: demo nvmas=%zu nchildren=%zu pages=%zu nfiles=%zu\n",
	       nvmas, nchildren, pages, nfiles);

	phase("idle");

	base = map_vmas(nvmas, pages, 1);
	phase("mapped");

	pids = calloc(nchildren, sizeof(*pids));
	if (!pids)
		die_errno("calloc");
	if (pipe(ready) || pipe(go))
		die_errno("pipe");
	for (size_t i = 0; i < nchildren; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			int e = errno;

			for (size_t j = 0; j < i; j++)
				kill(pids[j], SIGKILL);
			errno = e;
			die_errno("fork");
		}
		if (pids[i] == 0) {
			close(ready[0]);
			close(go[1]);
			child(base, nvmas, pages, (int)i, ready[1], go[0]);
		}
	}
	close(ready[1]);
	close(go[0]);

	/* Wait for every child to report readiness. */
	for (size_t got = 0; got < nchildren;) {
		char buf[64];
		ssize_t r = read(ready[0], buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "demo: only %zu/%zu children became ready\n",
				got, nchildren);
			for (size_t j = 0; j < nchildren; j++)
				kill(pids[j], SIGKILL);
			return 1;
		}
		got += (size_t)r;
	}
	close(ready[0]);
	phase("forked");

	/* Release children (EOF on go pipe), then reap and check status. */
	close(go[1]);
	int bad = 0;

	for (size_t i = 0; i < nchildren; i++) {
		int st;

		if (waitpid(pids[i], &st, 0) != pids[i])
			die_errno("waitpid");
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "demo: child %zu bad status 0x%x\n", i, st);
			bad = 1;
		}
	}
	if (bad)
		return 1;
	phase("reaped");

	unmap_vmas(base, nvmas, pages);
	free(pids);
	phase("unmapped");

	map_file_cow(nfiles);
	phase("filecow");
	return 0;
}

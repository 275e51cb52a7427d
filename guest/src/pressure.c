// SPDX-License-Identifier: GPL-2.0
/*
 * pressure.c - anonymous memory bigger than RAM, shared by fork, under
 * reclaim, swap, compaction and migration, checked page by page.
 *
 * The parent maps one private anonymous region of -m MiB (or -p percent
 * of MemAvailable, default 125) and writes every page; then it forks -c children, so every
 * page starts shared by all of them (one anon_vma tree, reclaim has to
 * unmap each page from every process through the reverse map). Until the
 * time is up, every process, in a random order:
 *
 *   - rewrites random pages of its own window, a quarter of the region
 *     (COW breaks; new tag per page; the windows bound the memory all
 *     processes together can dirty to 1 + (children + 1) / 4 regions),
 *   - verifies random ranges (swap-ins),
 *   - MADV_PAGEOUTs a range (reclaim through rmap of shared pages),
 *   - mprotects a range read-only and back (splits and merges the VMA),
 *   - moves the whole region with mremap(MREMAP_FIXED) (page tables move,
 *     swap entries and rmap must follow),
 *   - migrates a range to the other NUMA node with move_pages(2), with -f
 *     now and then the whole process with migrate_pages(2) (rmap walks for
 *     migration of pages that may be swapped or shared).
 *
 * Every page is filled with one repeated 64-bit word: zram stores such
 * "same-filled" pages without compressed data, so swapping them really
 * frees memory and the run does not drive the machine out of memory
 * (an OOM kill fails the boot: scripts/verdict.py).
 *
 * The caller proves that pressure happened (guest/suites/pressure reads
 * pswpout, pgsteal and compaction counters from /proc/vmstat).
 *
 * At the end the parent verifies every page; the children verify their
 * window and every 16th page of the rest (all of it with -f: under heavy
 * swapping under TCG a full pass costs about a millisecond per page).
 *
 * usage: pressure -t SECONDS [-m MIB | -p PERCENT] [-c CHILDREN] [-s SEED] [-f]
 * Exit: 0 pass, 1 fail (a page with the wrong content, a syscall error
 * other than ENOMEM/EAGAIN/EBUSY, a process killed by a signal), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

#define PROG "pressure"
#include "common.h"

#define PS		4096UL
#define GOLDEN		0x9E3779B97F4A7C15ULL
#define MAXCHILD	8

static uint64_t rng;
static uint64_t *shadow;	/* expected word per page */
static unsigned long npages;
static char *base;		/* current address of the region */
static char *alt;		/* reserved second place for mremap moves */
static int id;			/* 0 = parent, 1.. = children */
static int nnodes;
static unsigned long win_start, win_len;	/* pages this process rewrites */
static struct timespec t0;
static int full_verify;
static struct timespec deadline;
static unsigned long st_write, st_verify, st_pageout, st_split, st_move, st_migrate,
		     st_verified;

static char who[16] = "0";	/* id, for messages */
#define die(...) fail_exit(who, __VA_ARGS__)

static uint64_t newtag(unsigned long pg)
{
	uint64_t t = (xorshift64(&rng) & ~0xfffffULL) | (pg & 0xfffff);

	return t ? t : 1;
}

static void fill(unsigned long pg, uint64_t w)
{
	uint64_t *p = (uint64_t *)(base + pg * PS);
	unsigned int i;

	for (i = 0; i < PS / 8; i++)
		p[i] = w;
	shadow[pg] = w;
}

static void verify(unsigned long pg)
{
	volatile uint64_t *p = (volatile uint64_t *)(base + pg * PS);
	unsigned int i;

	for (i = 0; i < PS / 8; i += 37)
		if (p[i] != shadow[pg])
			die("page %lu (at %p) word %u: %#llx, want %#llx", pg,
			    (void *)(base + pg * PS), i, (unsigned long long)p[i],
			    (unsigned long long)shadow[pg]);
	if (p[PS / 8 - 1] != shadow[pg])
		die("page %lu last word: %#llx, want %#llx", pg,
		    (unsigned long long)p[PS / 8 - 1], (unsigned long long)shadow[pg]);
	st_verified++;
}

static long meminfo(const char *key)
{
	char buf[4096], *p;
	int fd = open("/proc/meminfo", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, key);
	return p ? atol(p + strlen(key) + 1) : -1;
}

static int count_nodes(void)
{
	char path[64];
	int n = 0;

	for (;;) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", n);
		if (access(path, F_OK))
			return n;
		n++;
	}
}

static void range(unsigned long *a, unsigned long *n, unsigned long max)
{
	*n = 1 + xorshift64(&rng) % max;
	if (*n > npages)
		*n = npages;
	*a = xorshift64(&rng) % (npages - *n + 1);
}

static void op_write(void)
{
	unsigned long a, n, i;

	n = 1 + xorshift64(&rng) % 64;
	if (n > win_len)
		n = win_len;
	a = win_start + xorshift64(&rng) % (win_len - n + 1);
	for (i = a; i < a + n; i++)
		fill(i, newtag(i));
	st_write++;
}

static void op_verify(void)
{
	unsigned long a, n, i;

	range(&a, &n, 256);
	for (i = a; i < a + n; i++)
		verify(i);
	st_verify++;
}

static void op_pageout(void)
{
	unsigned long a, n;

	range(&a, &n, 512);
	if (madvise(base + a * PS, n * PS, MADV_PAGEOUT) && errno != EAGAIN &&
	    errno != ENOMEM)
		die("madvise(PAGEOUT): %s", strerror(errno));
	st_pageout++;
}

static void op_split(void)
{
	unsigned long a, n, i;

	range(&a, &n, 128);
	if (mprotect(base + a * PS, n * PS, PROT_READ)) {
		if (errno != ENOMEM)
			die("mprotect(READ): %s", strerror(errno));
		return;
	}
	for (i = a; i < a + n; i += 7)
		verify(i);
	while (mprotect(base + a * PS, n * PS, PROT_READ | PROT_WRITE))
		if (errno != ENOMEM)
			die("mprotect(RW): %s", strerror(errno));
	st_split++;
}

static void op_move(void)
{
	char *p;
	unsigned long i;

	/* The region may be several VMAs (splits not merged back): move each. */
	p = mremap(base, npages * PS, npages * PS, MREMAP_MAYMOVE | MREMAP_FIXED, alt);
	if (p == MAP_FAILED) {
		if (errno == EFAULT || errno == ENOMEM || errno == EAGAIN)
			return;
		die("mremap(FIXED): %s", strerror(errno));
	}
	/* The old place is unmapped now: reserve it for the next move. */
	if (mmap(base, npages * PS, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
		 MAP_NORESERVE, -1, 0) == MAP_FAILED)
		die("mmap(reserve): %s", strerror(errno));
	alt = base;
	base = p;
	for (i = 0; i < 16; i++)
		verify(xorshift64(&rng) % npages);
	st_move++;
}

/*
 * Migrate a range of up to 256 pages to the other node with move_pages(2):
 * resident pages move (shared ones only with MPOL_MF_MOVE_ALL, which root
 * has), swapped ones report -EFAULT/-ENOENT. With -f, now and then the
 * whole process with migrate_pages(2) (slow under TCG: a second or more
 * per thousand resident pages).
 */
static void op_migrate(void)
{
	static void *pages[256];
	static int nodes[256], status[256];
	unsigned long a, n, i, from = 1, to = 2;
	int node = xorshift64(&rng) & 1;
	long r;

	if (nnodes < 2)
		return;
	if (full_verify && xorshift64(&rng) % 32 == 0) {
		if (node) {
			from = 2;
			to = 1;
		}
		r = syscall(SYS_migrate_pages, 0, 8 * sizeof(unsigned long), &from, &to);
		if (r < 0 && errno != ENOMEM && errno != EBUSY && errno != EAGAIN)
			die("migrate_pages: %s", strerror(errno));
		st_migrate++;
		return;
	}
	range(&a, &n, 256);
	for (i = 0; i < n; i++) {
		pages[i] = base + (a + i) * PS;
		nodes[i] = node;
	}
	r = syscall(SYS_move_pages, 0, n, pages, nodes, status, 4 /* MPOL_MF_MOVE_ALL */);
	if (r < 0 && errno != ENOMEM && errno != EBUSY && errno != EAGAIN)
		die("move_pages: %s", strerror(errno));
	for (i = 0; i < n; i++)
		verify(a + i);
	st_migrate++;
}

static long elapsed(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - t0.tv_sec;
}

static void run(void)
{
	unsigned long i;

	win_len = npages / 4 ? npages / 4 : 1;
	win_start = (id * win_len) % (npages - win_len + 1);

	while (!past(&deadline)) {
		switch (xorshift64(&rng) % 16) {
		case 0 ... 5: op_write(); break;
		case 6 ... 10: op_verify(); break;
		case 11 ... 12: op_pageout(); break;
		case 13: op_split(); break;
		case 14: op_move(); break;
		case 15: op_migrate(); break;
		}
	}
	printf("# pressure %d: %lds: random phase over, verifying all pages\n", id, elapsed());
	for (i = 0; i < npages; i++)
		if (!id || full_verify || (i >= win_start && i < win_start + win_len) || i % 16 == 0)
			verify(i);
	printf("# pressure %d: %lds: writes %lu, verifies %lu, pageouts %lu, splits %lu, moves %lu, "
	       "migrations %lu, pages verified %lu; at the end %s of %lu pages\n",
	       id, elapsed(), st_write, st_verify, st_pageout, st_split, st_move, st_migrate,
	       st_verified, !id || full_verify ? "all" : "window + 1/16", npages);
}

int main(int argc, char **argv)
{
	int c, seconds = 0, children = 2, i, percent = 125;
	long mib = 0;
	uint64_t seed = 1;
	unsigned long pg;

	while ((c = getopt(argc, argv, "t:m:p:c:s:f")) != -1) {
		switch (c) {
		case 'p': percent = atoi(optarg); break;
		case 'f': full_verify = 1; break;
		case 't': seconds = atoi(optarg); break;
		case 'm': mib = atol(optarg); break;
		case 'c': children = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		default: goto usage;
		}
	}
	if (seconds <= 0 || children < 0 || children > MAXCHILD || mib < 0 || percent <= 0)
		goto usage;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mib)
		mib = meminfo("MemAvailable:") * percent / 100 / 1024;
	if (mib < 16)
		mib = 16;
	npages = mib * 256;
	nnodes = count_nodes();
	rng = seed * GOLDEN + 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	printf("# pressure: seed %llu, %d s, %ld MiB (%lu pages), %d children, %d NUMA nodes; "
	       "MemAvailable %ld kB, SwapFree %ld kB\n", (unsigned long long)seed, seconds, mib,
	       npages, children, nnodes, meminfo("MemAvailable:"), meminfo("SwapFree:"));

	shadow = mmap(NULL, npages * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	base = mmap(NULL, npages * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	alt = mmap(NULL, npages * PS, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (shadow == MAP_FAILED || base == MAP_FAILED || alt == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (pg = 0; pg < npages; pg++)
		fill(pg, newtag(pg));
	printf("# pressure: %lds: filled; MemAvailable %ld kB, SwapFree %ld kB\n",
	       elapsed(), meminfo("MemAvailable:"), meminfo("SwapFree:"));

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += seconds;
	for (i = 1; i <= children; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			id = i;
			snprintf(who, sizeof(who), "%d", id);
			rng = seed * GOLDEN + i + 1;
			run();
			_exit(0);
		}
	}
	run();
	return reap_and_report(children, "child");
usage:
	fprintf(stderr, "usage: pressure -t SECONDS [-m MIB | -p PERCENT] [-c CHILDREN] [-s SEED] [-f]\n");
	return 2;
}

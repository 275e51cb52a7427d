// SPDX-License-Identifier: GPL-2.0
/*
 * ANON_VMA_LAZY selftests (guest/src/lazy_rmap.c): one test per review
 * objection and per VMA operation. checkpatch --strict clean as
 * tools/testing/selftests/mm/anon_vma_lazy.c (with the include
 * "../kselftest_harness.h"); the candidate to replace the series' selftest.
 *
 * With /proc/sys/vm/anon_vma_lazy=1, a process's faulted private anonymous
 * VMAs attach to one lazy root anon_vma (no anon_vma_chain) until fork
 * upgrades the root. These tests check that every page stays reachable by
 * the reverse map (reclaim, migration, KSM, THP split) across the VMA
 * operations the review of the original series worried about, and, through
 * the /proc/vmstat counters, which path the kernel took:
 *
 *   anon_vma_lazy_root     lazy roots created
 *   anon_vma_lazy_upgrade  lazy roots upgraded at fork
 *   anon_vma_lazy_walk     rmap walks that visited the lazy VMA tree
 *
 * The tests run with whatever value the sysctl has. With 1 they assert the
 * lazy counters moved; with 0 they assert they did not (upstream path).
 * Without the sysctl (unpatched kernel) every test skips.
 *
 * Reachability is proven, not assumed: MADV_PAGEOUT must leave a swap
 * entry (pagemap bit 62) for every page, move_pages() must report every
 * page on the target node, KSM must merge, and data is checked after each
 * step.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/mman.h>
#include <linux/mempolicy.h>
#include <linux/userfaultfd.h>

#include "kselftest_harness.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

#define SYSCTL_PATH	"/proc/sys/vm/anon_vma_lazy"
#define KSM_DIR		"/sys/kernel/mm/ksm/"
#define SPLIT_PATH	"/sys/kernel/debug/split_huge_pages"
#define EXEC_FLAG	"--anon-vma-lazy-exec-child"
#define PMD_SIZE_	(2UL << 20)
/*
 * Other processes of the system may create a lazy root while a test
 * counts; allow this many foreign roots in "at most one root" checks.
 */
#define ROOT_SLACK	1

/*
 * READ_ONCE()/WRITE_ONCE() stand-ins for data shared with other threads,
 * a signal handler or the kernel: the access is done, exactly once.
 */
#ifndef READ_ONCE
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#endif
#ifndef WRITE_ONCE
#define WRITE_ONCE(x, val)	__atomic_store_n(&(x), (val), __ATOMIC_RELAXED)
#endif

static size_t psz;

/* ---------------------------------------------------------------- */
/* small helpers                                                     */

static int read_file_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

static int write_file_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static long read_file_long(const char *path)
{
	char buf[64];

	if (read_file_str(path, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

static int write_file_long(const char *path, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", v);
	return write_file_str(path, buf);
}

/* -1: no sysctl (kernel without the series), else 0 or 1 */
static int lazy_mode(void)
{
	return (int)read_file_long(SYSCTL_PATH);
}

static long read_vmstat(const char *name)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char key[128];
	long val, ret = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%127s %ld", key, &val) == 2) {
		if (!strcmp(key, name)) {
			ret = val;
			break;
		}
	}
	fclose(f);
	return ret;
}

struct ctrs {
	long root, upgrade, walk;
};

static void snap(struct ctrs *c)
{
	c->root = read_vmstat("anon_vma_lazy_root");
	c->upgrade = read_vmstat("anon_vma_lazy_upgrade");
	c->walk = read_vmstat("anon_vma_lazy_walk");
}

static bool have_swap(void)
{
	FILE *f = fopen("/proc/swaps", "r");
	char line[256];
	int n = 0;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n > 1;	/* header + at least one device */
}

static bool have_two_nodes(void)
{
	return access("/sys/devices/system/node/node1", F_OK) == 0;
}

static long sys_move_pages(int pid, unsigned long count, void **pages,
			   const int *nodes, int *status, int flags)
{
	return syscall(__NR_move_pages, pid, count, pages, nodes, status, flags);
}

/*
 * Every test starts here: skip on an unpatched kernel, return the mode.
 * Returns -1 when the test was marked skipped: the caller must return.
 */
static int require_lazy(struct __test_metadata *_metadata)
{
	int mode = lazy_mode();

	if (mode < 0)
		SKIP(return -1, "no " SYSCTL_PATH
		     ": kernel without ANON_VMA_LAZY (unpatched), skipping");
	ASSERT_GE(read_vmstat("anon_vma_lazy_root"), 0)
		TH_LOG("sysctl present but anon_vma_lazy_* vmstat missing");
	return mode;
}

/* false when the test was marked skipped: the caller must return */
static bool require_swap(struct __test_metadata *_metadata)
{
	if (!have_swap())
		SKIP(return false,
		     "no swap in /proc/swaps: cannot prove rmap reachability with MADV_PAGEOUT");
	return true;
}

/*
 * Forget this process's lazy root (if any): fork upgrades or drops it and
 * leaves mm->anon_vma_lazy NULL, so the next fault of a fresh VMA must
 * create a new root. Makes root counting independent of test history.
 */
static void reset_lazy_root(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/*
 * Assert the path taken: mode 1, the counter moved; mode 0, it did not.
 */
static long ctr_at(const struct ctrs *c, size_t off)
{
	return *(const long *)((const char *)c + off);
}

#define ASSERT_PATH(mode, before, field) do {				\
	const size_t __off = offsetof(struct ctrs, field);		\
	struct ctrs __now;						\
	long __now_v, __before_v;					\
	snap(&__now);							\
	__now_v = ctr_at(&__now, __off);				\
	__before_v = ctr_at((before), __off);				\
	if ((mode) == 1) {						\
		ASSERT_GT(__now_v, __before_v)				\
			TH_LOG("lazy=1 but anon_vma_lazy_%s did not rise", #field); \
	} else {							\
		ASSERT_EQ(__now_v, __before_v)				\
			TH_LOG("lazy=0 but anon_vma_lazy_%s moved", #field); \
	}								\
} while (0)

/* Data pattern: every 64-bit word names its seed, page and word. */
static inline uint64_t pat(uint64_t seed, size_t page, size_t word)
{
	return (seed << 40) ^ ((uint64_t)page << 16) ^ word ^ 0x5aa5000000000000ULL;
}

static void fill(char *addr, size_t npages, uint64_t seed)
{
	for (size_t p = 0; p < npages; p++) {
		uint64_t *w = (uint64_t *)(addr + p * psz);

		for (size_t i = 0; i < psz / 8; i++)
			w[i] = pat(seed, p, i);
	}
}

/* Pages [first, first + n) of @base hold @seed? Index of first bad or -1 */
static long check_idx(const char *base, size_t first, size_t n, uint64_t seed)
{
	for (size_t p = first; p < first + n; p++) {
		const uint64_t *w = (const uint64_t *)(base + p * psz);

		for (size_t i = 0; i < psz / 8; i++)
			if (w[i] != pat(seed, p, i))
				return p;
	}
	return -1;
}

static long check(const char *addr, size_t npages, uint64_t seed)
{
	return check_idx(addr, 0, npages, seed);
}

/* Count pages of [addr, +npages) that are not swapped out */
static size_t not_swapped(const char *addr, size_t npages)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	size_t bad = 0;

	if (fd < 0)
		return npages;
	for (size_t p = 0; p < npages; p++) {
		uint64_t e = 0;

		if (pread(fd, &e, 8, ((uintptr_t)(addr + p * psz) / psz) * 8) != 8 ||
		    !(e & (1ULL << 62)))
			bad++;
	}
	close(fd);
	return bad;
}

/*
 * MADV_PAGEOUT (up to 5 tries) must leave every page swapped out: reclaim
 * found every mapping through the reverse map (try_to_unmap).
 * Returns 0, or the number of pages still not swapped.
 */
static long sys_move_pages(int pid, unsigned long count, void **pages,
			   const int *nodes, int *status, int flags);

/*
 * Folios still in another CPU's LRU batch cannot be isolated, and
 * MADV_PAGEOUT only drains the local CPU. move_pages() drains all CPUs
 * (lru_cache_disable()): migrate one dummy page to the node it is on.
 */
static void drain_all_lru(void)
{
	static char *dummy;
	int node = -1, st;

	if (!dummy) {
		dummy = mmap(NULL, psz, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (dummy == MAP_FAILED) {
			dummy = NULL;
			return;
		}
	}
	dummy[0] = 1;
	if (sys_move_pages(0, 1, (void **)&dummy, NULL, &node, 0) || node < 0)
		return;
	sys_move_pages(0, 1, (void **)&dummy, &node, &st, MPOL_MF_MOVE);
}

static size_t do_pageout(char *addr, size_t npages)
{
	size_t bad = npages;

	for (int t = 0; t < 5 && bad; t++) {
		if (t)
			drain_all_lru();
		if (madvise(addr, npages * psz, MADV_PAGEOUT))
			return npages;
		bad = not_swapped(addr, npages);
	}
	return bad;
}

#define PAGEOUT_VERIFY(addr, npages, seed) do {				\
	char *__pv_addr = (char *)(addr);				\
	size_t __pv_npages = (npages);					\
	long __bad = (long)do_pageout(__pv_addr, __pv_npages);		\
	ASSERT_EQ(0, __bad)						\
		TH_LOG("%ld of %zu pages at %p not swapped after MADV_PAGEOUT", \
		       __bad, __pv_npages, (void *)__pv_addr);		\
	ASSERT_EQ(-1, check(__pv_addr, __pv_npages, (seed)))		\
		TH_LOG("data corrupt after swap-in at %p", (void *)__pv_addr); \
} while (0)

/*
 * move_pages() every page to @node; returns the number of pages whose
 * status is not @node afterwards (-1 if the syscall failed).
 */
static long migrate_to(char *addr, size_t npages, int node, int flags,
		       int *first_bad_status)
{
	void **pages = calloc(npages, sizeof(void *));
	int *nodes = calloc(npages, sizeof(int));
	int *status = calloc(npages, sizeof(int));
	long bad = 0, ret;

	for (size_t i = 0; i < npages; i++) {
		pages[i] = addr + i * psz;
		nodes[i] = node;
		status[i] = -1000;
	}
	ret = sys_move_pages(0, npages, pages, nodes, status, flags);
	if (ret < 0) {
		bad = -1;
		if (first_bad_status)
			*first_bad_status = -errno;
		goto out;
	}
	/* query where the pages are now */
	ret = sys_move_pages(0, npages, pages, NULL, status, 0);
	if (ret < 0) {
		bad = -1;
		if (first_bad_status)
			*first_bad_status = -errno;
		goto out;
	}
	for (size_t i = 0; i < npages; i++) {
		if (status[i] != node) {
			if (!bad && first_bad_status)
				*first_bad_status = status[i];
			bad++;
		}
	}
out:
	free(pages);
	free(nodes);
	free(status);
	return bad;
}

static int page_node(void *addr)
{
	int status = -1000;

	if (sys_move_pages(0, 1, &addr, NULL, &status, 0))
		return -1000;
	return status;
}

#define MIGRATE_VERIFY(addr, npages, seed, node, flags) do {		\
	char *__mv_addr = (char *)(addr);				\
	size_t __mv_npages = (npages);					\
	int __mv_node = (node);						\
	int __st = 0;							\
	long __bad = migrate_to(__mv_addr, __mv_npages, __mv_node, (flags), &__st); \
	ASSERT_EQ(0, __bad)						\
		TH_LOG("%ld of %zu pages not on node %d after move_pages (status %d)", \
		       __bad, __mv_npages, __mv_node, __st);		\
	ASSERT_EQ(-1, check(__mv_addr, __mv_npages, (seed)))		\
		TH_LOG("data corrupt after migration at %p", (void *)__mv_addr); \
} while (0)

/* The other node of a two-node machine, relative to where @addr lives */
static int other_node(void *addr)
{
	return page_node(addr) == 0 ? 1 : 0;
}

/*
 * Map @n separate private anonymous VMAs of @npages each, separated by
 * PROT_NONE guard pages so that they neither merge nor share an
 * anon_vma through a neighbour. Returns the base; VMA i starts at
 * base + i * (npages + 1) * psz.
 */
static char *map_vmas(size_t n, size_t npages)
{
	size_t stride = (npages + 1) * psz;
	char *base = mmap(NULL, n * stride + psz, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (base == MAP_FAILED)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char *v = base + psz + i * stride;

		if (mmap(v, npages * psz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != v)
			return NULL;
	}
	return base + psz;
}

#define VMA(base, i, npages) ((base) + (i) * ((npages) + 1) * psz)

/* AnonHugePages (kB) of the VMA containing @addr, -1 if not found */
static long anon_huge_kb(void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false;
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') &&
		    line[strlen(line) - 1] == '\n' && !strstr(line, "kB")) {
			in = (uintptr_t)addr >= s && (uintptr_t)addr < e;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static bool thp_possible(void)
{
	char buf[128];

	if (read_file_str("/sys/kernel/mm/transparent_hugepage/enabled",
			  buf, sizeof(buf)))
		return false;
	return !strstr(buf, "[never]");
}

/* A 2 MiB aligned MADV_HUGEPAGE region, filled with @seed; NULL if no THP */
static char *map_thp(uint64_t seed)
{
	char *raw = mmap(NULL, 2 * PMD_SIZE_, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;

	if (raw == MAP_FAILED)
		return NULL;
	p = (char *)(((uintptr_t)raw + PMD_SIZE_ - 1) & ~(PMD_SIZE_ - 1));
	if (p > raw)
		munmap(raw, p - raw);
	if (p + PMD_SIZE_ < raw + 2 * PMD_SIZE_)
		munmap(p + PMD_SIZE_, raw + 2 * PMD_SIZE_ - (p + PMD_SIZE_));
	if (madvise(p, PMD_SIZE_, MADV_HUGEPAGE)) {
		munmap(p, PMD_SIZE_);
		return NULL;
	}
	fill(p, PMD_SIZE_ / psz, seed);
	if (anon_huge_kb(p) < (long)(PMD_SIZE_ >> 10)) {
		munmap(p, PMD_SIZE_);
		return NULL;
	}
	return p;
}

static int stop_flag;

/* ---------------------------------------------------------------- */
/* 9. the premise: a root is created at first fault, not at mmap    */

TEST(first_fault_premise)
{
	const size_t n = 16, np = 2;
	struct ctrs c0, c1, c2;
	char *b;
	int mode;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	reset_lazy_root();

	snap(&c0);
	b = map_vmas(n, np);
	ASSERT_NE(NULL, b);
	snap(&c1);
	/* mmap alone: no root, whatever the mode */
	ASSERT_EQ(c0.root, c1.root) TH_LOG("mmap created a lazy root");

	/* reading maps the zero page: still no anon_vma, no root */
	ASSERT_EQ(0, READ_ONCE(*VMA(b, 0, np)));
	snap(&c1);
	ASSERT_EQ(c0.root, c1.root) TH_LOG("read fault created a lazy root");

	/* first write fault creates the root (lazy=1) */
	fill(VMA(b, 0, np), np, 1);
	ASSERT_PATH(mode, &c0, root);
	snap(&c1);
	if (mode == 1)
		ASSERT_EQ(c0.root + 1, c1.root);

	/* the other VMAs join it: no further roots */
	for (size_t i = 1; i < n; i++)
		fill(VMA(b, i, np), np, i + 1);
	snap(&c2);
	ASSERT_LE(c2.root - c1.root, ROOT_SLACK)
		TH_LOG("%ld more roots for %zu VMAs of one process",
		       c2.root - c1.root, n - 1);

	snap(&c1);
	for (size_t i = 0; i < n; i++)
		PAGEOUT_VERIFY(VMA(b, i, np), np, i + 1);
	ASSERT_PATH(mode, &c1, walk);
}

/* ---------------------------------------------------------------- */
/* 2a. many VMAs, one anchor                                         */

TEST(many_vmas_one_anchor)
{
	const size_t n = 256, np = 1;
	struct ctrs c0, c1;
	char *b;
	int mode;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	reset_lazy_root();

	b = map_vmas(n, np);
	ASSERT_NE(NULL, b);
	snap(&c0);
	for (size_t i = 0; i < n; i++)
		fill(VMA(b, i, np), np, i + 7);
	snap(&c1);
	if (mode == 1) {
		ASSERT_GE(c1.root - c0.root, 1);
		ASSERT_LE(c1.root - c0.root, 1 + ROOT_SLACK)
			TH_LOG("%ld lazy roots for %zu VMAs of one process",
			       c1.root - c0.root, n);
	} else {
		ASSERT_EQ(c1.root, c0.root);
	}
	snap(&c0);
	for (size_t i = 0; i < n; i++)
		PAGEOUT_VERIFY(VMA(b, i, np), np, i + 7);
	ASSERT_PATH(mode, &c0, walk);
	if (have_two_nodes()) {
		for (size_t i = 0; i < n; i += 8) {
			int node = other_node(VMA(b, i, np));

			MIGRATE_VERIFY(VMA(b, i, np), np, i + 7, node, MPOL_MF_MOVE);
		}
	}
}

/* ---------------------------------------------------------------- */
/* 1. stable anchor across split, merge, move, expand                */

TEST(stable_anchor)
{
	const size_t n = 16, np = 8;
	struct ctrs c0, c1;
	char *b, *v, *dst, *res;
	bool numa = have_two_nodes();
	int mode;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	reset_lazy_root();

	snap(&c0);
	b = map_vmas(n, np);
	ASSERT_NE(NULL, b);
	for (size_t i = 0; i < n; i++)
		fill(VMA(b, i, np), np, 100 + i);
	snap(&c1);
	if (mode == 1)
		ASSERT_LE(c1.root - c0.root, 1 + ROOT_SLACK);
	for (size_t i = 0; i < n; i++)
		PAGEOUT_VERIFY(VMA(b, i, np), np, 100 + i);
	ASSERT_PATH(mode, &c0, root);
	ASSERT_PATH(mode, &c0, walk);

	v = VMA(b, 3, np);
	/* split into three VMAs */
	ASSERT_EQ(0, mprotect(v + 2 * psz, 4 * psz, PROT_READ));
	PAGEOUT_VERIFY(v, np, 103);
	if (numa)
		MIGRATE_VERIFY(v, np, 103, other_node(v), MPOL_MF_MOVE);
	PAGEOUT_VERIFY(v, np, 103);

	/* merge back */
	ASSERT_EQ(0, mprotect(v + 2 * psz, 4 * psz, PROT_READ | PROT_WRITE));
	PAGEOUT_VERIFY(v, np, 103);
	if (numa)
		MIGRATE_VERIFY(v, np, 103, other_node(v), MPOL_MF_MOVE);

	/* mremap move to a fixed address with room to grow after it */
	res = mmap(NULL, 4 * np * psz, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, res);
	dst = res + np * psz;
	ASSERT_EQ(0, munmap(dst, 3 * np * psz));
	ASSERT_EQ(dst, mremap(v, np * psz, np * psz,
			      MREMAP_MAYMOVE | MREMAP_FIXED, dst));
	ASSERT_EQ(-1, check(dst, np, 103));
	PAGEOUT_VERIFY(dst, np, 103);
	if (numa)
		MIGRATE_VERIFY(dst, np, 103, other_node(dst), MPOL_MF_MOVE);

	/* grow in place */
	ASSERT_EQ(dst, mremap(dst, np * psz, 2 * np * psz, 0));
	ASSERT_EQ(-1, check(dst, np, 103));
	fill(dst + np * psz, np, 203);
	PAGEOUT_VERIFY(dst, np, 103);
	PAGEOUT_VERIFY(dst + np * psz, np, 203);
	if (numa) {
		int node = other_node(dst);

		MIGRATE_VERIFY(dst, np, 103, node, MPOL_MF_MOVE);
		MIGRATE_VERIFY(dst + np * psz, np, 203, node, MPOL_MF_MOVE);
	}

	/* the untouched VMAs are still reachable */
	for (size_t i = 0; i < n; i++)
		if (i != 3)
			PAGEOUT_VERIFY(VMA(b, i, np), np, 100 + i);
}

/* ---------------------------------------------------------------- */
/* 2b. one THP mapped by several VMAs after a split                  */

TEST(thp_across_split)
{
	const size_t np = PMD_SIZE_ / 4096;
	struct ctrs c0;
	char *p;
	int mode;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	if (psz != 4096 || !thp_possible())
		SKIP(return, "THP not available");
	reset_lazy_root();
	snap(&c0);
	p = map_thp(11);
	if (!p)
		SKIP(return, "could not get a THP (AnonHugePages 0)");
	ASSERT_PATH(mode, &c0, root);

	/* one THP, now PTE-mapped by three VMAs */
	ASSERT_EQ(0, mprotect(p + 256 * psz, psz, PROT_READ));
	ASSERT_EQ(-1, check(p, np, 11));

	snap(&c0);
	if (have_two_nodes())
		MIGRATE_VERIFY(p, np, 11, other_node(p), MPOL_MF_MOVE);
	PAGEOUT_VERIFY(p, np, 11);
	ASSERT_PATH(mode, &c0, walk);
	if (have_two_nodes())
		MIGRATE_VERIFY(p, np, 11, other_node(p), MPOL_MF_MOVE);
	ASSERT_EQ(0, munmap(p, PMD_SIZE_));
}

/* ---------------------------------------------------------------- */
/* 6. THP split stays atomic with respect to rmap                    */

TEST(thp_split)
{
	const size_t np = PMD_SIZE_ / 4096;
	char buf[128];
	struct ctrs c0;
	char *p;
	int mode;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	if (psz != 4096 || !thp_possible())
		SKIP(return, "THP not available");
	if (access(SPLIT_PATH, W_OK))
		SKIP(return, SPLIT_PATH " not available (debugfs)");
	p = map_thp(12);
	if (!p)
		SKIP(return, "could not get a THP (AnonHugePages 0)");

	snap(&c0);
	if (have_two_nodes()) {
		/* a whole-THP migration walks the rmap for the PMD mapping */
		MIGRATE_VERIFY(p, np, 12, other_node(p), MPOL_MF_MOVE);
	}
	snprintf(buf, sizeof(buf), "%d,0x%lx,0x%lx", getpid(),
		 (unsigned long)p, (unsigned long)(p + PMD_SIZE_));
	ASSERT_EQ(0, write_file_str(SPLIT_PATH, buf));
	ASSERT_EQ(0, anon_huge_kb(p)) TH_LOG("THP was not split");
	ASSERT_EQ(-1, check(p, np, 12));
	if (mode == 1 && have_two_nodes())
		ASSERT_PATH(mode, &c0, walk);	/* split + migration walked */
	if (have_two_nodes())
		MIGRATE_VERIFY(p, np, 12, other_node(p), MPOL_MF_MOVE);
	PAGEOUT_VERIFY(p, np, 12);
	ASSERT_PATH(mode, &c0, walk);
	ASSERT_EQ(0, munmap(p, PMD_SIZE_));
}

/* ---------------------------------------------------------------- */
/* khugepaged-style collapse (MADV_COLLAPSE) of lazy small pages     */

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

TEST(thp_collapse)
{
	const size_t np = PMD_SIZE_ / 4096;
	struct ctrs c0;
	char *raw, *p;
	int mode;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	if (psz != 4096 || !thp_possible())
		SKIP(return, "THP not available");
	raw = mmap(NULL, 2 * PMD_SIZE_, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	p = (char *)(((uintptr_t)raw + PMD_SIZE_ - 1) & ~(PMD_SIZE_ - 1));
	/* small pages first: no THP at fault time */
	ASSERT_EQ(0, madvise(p, PMD_SIZE_, MADV_NOHUGEPAGE));
	fill(p, np, 1600);
	ASSERT_EQ(0, anon_huge_kb(p));
	/* split and merge once, so the range was two VMAs at some point */
	ASSERT_EQ(0, mprotect(p + PMD_SIZE_ / 2, psz, PROT_READ));
	ASSERT_EQ(0, mprotect(p + PMD_SIZE_ / 2, psz, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, madvise(p, PMD_SIZE_, MADV_HUGEPAGE));
	snap(&c0);
	if (madvise(p, PMD_SIZE_, MADV_COLLAPSE)) {
		if (errno == EINVAL)
			SKIP(return, "MADV_COLLAPSE not supported");
		ASSERT_EQ(0, errno) TH_LOG("MADV_COLLAPSE failed");
	}
	ASSERT_EQ((long)(PMD_SIZE_ >> 10), anon_huge_kb(p)) TH_LOG("not collapsed");
	ASSERT_EQ(-1, check(p, np, 1600));
	if (have_two_nodes())
		MIGRATE_VERIFY(p, np, 1600, other_node(p), MPOL_MF_MOVE);
	PAGEOUT_VERIFY(p, np, 1600);
	ASSERT_PATH(mode, &c0, walk);
}

/* ---------------------------------------------------------------- */
/* 3. no VMA refcount: VMAs vanish while rmap walks run              */

struct churn {
	char *arena;
	size_t npages;
	int errors;
	int last_err;
};

static void *walker(void *arg)
{
	struct churn *c = arg;
	void **pages = calloc(c->npages, sizeof(void *));
	int *nodes = calloc(c->npages, sizeof(int));
	int *status = calloc(c->npages, sizeof(int));
	int round = 0;

	for (size_t i = 0; i < c->npages; i++)
		pages[i] = c->arena + i * psz;
	while (!READ_ONCE(stop_flag)) {
		/* holes in the range give ENOMEM; the mapped parts are done */
		if (madvise(c->arena, c->npages * psz, MADV_PAGEOUT) &&
		    errno != ENOMEM) {
			c->errors++;
			c->last_err = errno;
		}
		if (have_two_nodes()) {
			for (size_t i = 0; i < c->npages; i++)
				nodes[i] = round & 1;
			if (sys_move_pages(0, c->npages, pages, nodes, status,
					   MPOL_MF_MOVE) < 0 &&
			    errno != ENOENT && errno != EFAULT) {
				c->errors++;
				c->last_err = errno;
			}
		}
		round++;
	}
	free(pages);
	free(nodes);
	free(status);
	return NULL;
}

/* map, fault and unmap slots 1..nslots-1 of the arena, @rounds times */
static int churn_slots(struct churn *c, size_t nslots, size_t slot_pages,
		       int rounds)
{
	for (int r = 0; r < rounds; r++) {
		for (size_t s = 1; s < nslots; s++) {
			char *v = c->arena + s * slot_pages * psz;

			if (mmap(v, (slot_pages - 1) * psz, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != v)
				return -1;
			fill(v, slot_pages - 1, 1000 + s);
			if (check(v, slot_pages - 1, 1000 + s) != -1)
				return -2;
		}
		for (size_t s = 1 + (r & 1); s < nslots; s += 2)
			munmap(c->arena + s * slot_pages * psz,
			       (slot_pages - 1) * psz);
	}
	return 0;
}

TEST(no_vma_refcount)
{
	const size_t nslots = 16, slot_pages = 5;
	struct churn c = { 0 };
	pthread_t t;
	pid_t pid;
	int status, mode;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;

	c.npages = nslots * slot_pages;
	c.arena = mmap(NULL, c.npages * psz, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, c.arena);
	/* slot 0 is a stable VMA whose data must survive */
	ASSERT_EQ(0, mprotect(c.arena, (slot_pages - 1) * psz,
			      PROT_READ | PROT_WRITE));
	fill(c.arena, slot_pages - 1, 77);

	WRITE_ONCE(stop_flag, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, walker, &c));
	ASSERT_EQ(0, churn_slots(&c, nslots, slot_pages, 12));
	WRITE_ONCE(stop_flag, 1);
	pthread_join(t, NULL);
	ASSERT_EQ(0, c.errors) TH_LOG("walker errno %d", c.last_err);
	ASSERT_EQ(-1, check(c.arena, slot_pages - 1, 77));
	PAGEOUT_VERIFY(c.arena, slot_pages - 1, 77);

	/* exit (exit_mmap, lazy root release) while the walker runs */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		WRITE_ONCE(stop_flag, 0);
		c.errors = 0;
		fill(c.arena, slot_pages - 1, 78);
		if (pthread_create(&t, NULL, walker, &c))
			_exit(2);
		if (churn_slots(&c, nslots, slot_pages, 3))
			_exit(3);
		_exit(c.errors ? 4 : 0);	/* walker still running */
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(-1, check(c.arena, slot_pages - 1, 77));
}

/* ---------------------------------------------------------------- */
/* 4. sleeping rmap callbacks vs concurrent split/merge              */

struct splitter {
	char *p;
	int errors;
};

static void *split_merge(void *arg)
{
	struct splitter *s = arg;

	while (!READ_ONCE(stop_flag)) {
		if (mprotect(s->p + 8 * psz, 8 * psz, PROT_READ))
			s->errors++;
		sched_yield();
		if (mprotect(s->p + 8 * psz, 8 * psz, PROT_READ | PROT_WRITE))
			s->errors++;
		sched_yield();
	}
	return NULL;
}

TEST(sleeping_rmap_callbacks)
{
	const size_t np = 32;
	struct splitter s = { 0 };
	struct ctrs c0;
	bool numa = have_two_nodes();
	long moved_total = 0;
	pthread_t t;
	int mode;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	s.p = mmap(NULL, np * psz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, s.p);
	fill(s.p, np, 21);
	snap(&c0);

	WRITE_ONCE(stop_flag, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, split_merge, &s));
	for (int i = 0; i < 12; i++) {
		size_t bad = do_pageout(s.p, np);

		if (bad) {
			WRITE_ONCE(stop_flag, 1);
			pthread_join(t, NULL);
		}
		ASSERT_EQ(0UL, bad) TH_LOG("round %d: %zu pages not swapped", i, bad);
		/* read only: the thread may have made part of it read-only */
		if (check(s.p, np, 21) != -1) {
			WRITE_ONCE(stop_flag, 1);
			pthread_join(t, NULL);
		}
		ASSERT_EQ(-1, check(s.p, np, 21));
		if (numa) {
			int st = 0;
			long r = migrate_to(s.p, np, i & 1, MPOL_MF_MOVE, &st);

			/* transient -EBUSY/-EAGAIN is allowed under churn */
			if (r < 0 || (r > 0 && st != -EBUSY && st != -EAGAIN &&
				      st != (i & 1) && st != !(i & 1))) {
				WRITE_ONCE(stop_flag, 1);
				pthread_join(t, NULL);
				ASSERT_TRUE(0) TH_LOG("move_pages: %ld bad, status %d", r, st);
			}
			moved_total += np - r;
		}
	}
	WRITE_ONCE(stop_flag, 1);
	pthread_join(t, NULL);
	ASSERT_EQ(0, s.errors);
	if (numa) {
		ASSERT_GT(moved_total, 0);
		MIGRATE_VERIFY(s.p, np, 21, other_node(s.p), MPOL_MF_MOVE);
	}
	PAGEOUT_VERIFY(s.p, np, 21);
	ASSERT_PATH(mode, &c0, walk);
}

/* ---------------------------------------------------------------- */
/* 5. every migration entry is found again                           */

struct rw_thread {
	char *p;
	size_t np;
	uint64_t *expect;
	long errors;
	long iters;
};

static void *reader_writer(void *arg)
{
	struct rw_thread *r = arg;

	while (!READ_ONCE(stop_flag)) {
		for (size_t i = 0; i < r->np; i++) {
			uint64_t *w = (uint64_t *)(r->p + i * psz);
			uint64_t v = READ_ONCE(w[1]);

			if (v != r->expect[i])
				r->errors++;
			r->expect[i] = v + 1;
			WRITE_ONCE(w[1], v + 1);
			WRITE_ONCE(w[psz / 8 - 1], v + 1);
		}
		r->iters++;
	}
	return NULL;
}

TEST(migration_entries)
{
	const size_t np = 32;
	struct rw_thread r = { 0 };
	struct ctrs c0;
	long moved = 0;
	pthread_t t;
	int mode;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!have_two_nodes())
		SKIP(return, "needs two NUMA nodes");
	r.np = np;
	r.expect = calloc(np, sizeof(uint64_t));
	r.p = mmap(NULL, np * psz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r.p);
	memset(r.p, 0, np * psz);
	snap(&c0);

	WRITE_ONCE(stop_flag, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, reader_writer, &r));
	for (int i = 0; i < 20; i++) {
		int st = 0;
		long bad = migrate_to(r.p, np, (i + 1) & 1, MPOL_MF_MOVE, &st);

		if (bad < 0) {
			WRITE_ONCE(stop_flag, 1);
			pthread_join(t, NULL);
			ASSERT_TRUE(0) TH_LOG("move_pages failed: %d", st);
		}
		moved += np - bad;
	}
	WRITE_ONCE(stop_flag, 1);
	pthread_join(t, NULL);
	ASSERT_EQ(0, r.errors) TH_LOG("%ld lost writes/stale reads", r.errors);
	ASSERT_GT(r.iters, 0);
	ASSERT_GT(moved, 0);
	for (size_t i = 0; i < np; i++) {
		uint64_t *w = (uint64_t *)(r.p + i * psz);

		ASSERT_EQ(r.expect[i], w[1]);
		ASSERT_EQ(r.expect[i], w[psz / 8 - 1]);
	}
	/* quiet now: every page must move */
	ASSERT_EQ(0, migrate_to(r.p, np, other_node(r.p), MPOL_MF_MOVE, NULL));
	ASSERT_PATH(mode, &c0, walk);
	if (have_swap()) {
		ASSERT_EQ(0UL, do_pageout(r.p, np));
		for (size_t i = 0; i < np; i++)
			ASSERT_EQ(r.expect[i], ((uint64_t *)(r.p + i * psz))[1]);
	}
}

/* ---------------------------------------------------------------- */
/* operations: merging an unfaulted VMA into a faulted lazy one      */

TEST(merge_unfaulted_neighbour)
{
	const size_t np = 8;
	struct ctrs c0;
	char *r, *a, *b, *d;
	int mode;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	/* [guard][A: RO, unfaulted][B: RW, faulted][D: RO, unfaulted][guard] */
	r = map_vmas(1, 3 * np);
	ASSERT_NE(NULL, r);
	a = r;
	b = r + np * psz;
	d = r + 2 * np * psz;
	ASSERT_EQ(0, mprotect(a, np * psz, PROT_READ));
	ASSERT_EQ(0, mprotect(d, np * psz, PROT_READ));
	snap(&c0);
	fill(b, np, 700);
	/* A merges with B: A takes B's anon_vma (dup_anon_vma) */
	ASSERT_EQ(0, mprotect(a, np * psz, PROT_READ | PROT_WRITE));
	fill(a, np, 701);
	PAGEOUT_VERIFY(a, np, 701);
	PAGEOUT_VERIFY(b, np, 700);
	/* D merges too, then the whole range is one VMA */
	ASSERT_EQ(0, mprotect(d, np * psz, PROT_READ | PROT_WRITE));
	fill(d, np, 702);
	PAGEOUT_VERIFY(a, np, 701);
	PAGEOUT_VERIFY(b, np, 700);
	PAGEOUT_VERIFY(d, np, 702);
	ASSERT_PATH(mode, &c0, walk);
	if (have_two_nodes()) {
		int node = other_node(a);

		MIGRATE_VERIFY(a, np, 701, node, MPOL_MF_MOVE);
		MIGRATE_VERIFY(b, np, 700, node, MPOL_MF_MOVE);
		MIGRATE_VERIFY(d, np, 702, node, MPOL_MF_MOVE);
	}
	/* split off the middle again and move it away with mremap */
	ASSERT_EQ(0, mprotect(b, np * psz, PROT_READ));
	ASSERT_EQ(0, mprotect(b, np * psz, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, munmap(b, psz));
	PAGEOUT_VERIFY(a, np, 701);
	PAGEOUT_VERIFY(d, np, 702);
	ASSERT_EQ(-1, check_idx(b, 1, np - 1, 700));
}

/* ---------------------------------------------------------------- */
/* operations: anonymous COW pages of a private file mapping         */

TEST(private_file_cow)
{
	const size_t np = 16;
	struct ctrs c0;
	int fd, status, mode;
	char *p;
	pid_t pid;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	fd = memfd_create("anon_vma_lazy", 0);
	if (fd < 0)
		SKIP(return, "memfd_create not available");
	ASSERT_EQ(0, ftruncate(fd, np * psz));
	p = mmap(NULL, np * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	reset_lazy_root();
	snap(&c0);
	fill(p, np, 800);		/* COW: anon folios in a file VMA */
	ASSERT_PATH(mode, &c0, root);
	PAGEOUT_VERIFY(p, np, 800);
	if (have_two_nodes())
		MIGRATE_VERIFY(p, np, 800, other_node(p), MPOL_MF_MOVE);
	/* split, merge, fork: the file VMA keeps its avc */
	ASSERT_EQ(0, mprotect(p + 4 * psz, 4 * psz, PROT_READ));
	PAGEOUT_VERIFY(p, np, 800);
	ASSERT_EQ(0, mprotect(p + 4 * psz, 4 * psz, PROT_READ | PROT_WRITE));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (check(p, np, 800) != -1)
			_exit(50);
		fill(p, 4, 801);
		if (do_pageout(p, 4) || check(p, 4, 801) != -1)
			_exit(51);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("child failed at step %d",
						 WEXITSTATUS(status));
	PAGEOUT_VERIFY(p, np, 800);
	close(fd);
}

/* ---------------------------------------------------------------- */
/* memory-failure's collect_procs_anon() walks the lazy tree too     */

static sig_atomic_t bus_code;
static void *bus_addr;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	WRITE_ONCE(bus_code, si->si_code);
	WRITE_ONCE(bus_addr, si->si_addr);
}

static int hwpoison_child(void)
{
	const size_t n = 8, np = 4;
	struct sigaction sa = { 0 };
	char *b, *t;

	if (prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0))
		return 60;
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGBUS, &sa, NULL))
		return 61;
	b = map_vmas(n, np);
	if (!b)
		return 62;
	for (size_t i = 0; i < n; i++)
		fill(VMA(b, i, np), np, 900 + i);
	t = VMA(b, 5, np) + 2 * psz;
	if (madvise(t, psz, MADV_HWPOISON))
		return errno == EPERM || errno == EINVAL ? 4 : 63;
	/* early kill: the process was found through the reverse map */
	for (int i = 0; i < 100 && !READ_ONCE(bus_code); i++)
		usleep(1000);
	if (READ_ONCE(bus_code) != BUS_MCEERR_AO &&
	    READ_ONCE(bus_code) != BUS_MCEERR_AR)
		return 64;
	if (READ_ONCE(bus_addr) != t)
		return 65;
	/* the rest of that VMA and the other VMAs are intact */
	if (check_idx(VMA(b, 5, np), 0, 2, 905) != -1 ||
	    check_idx(VMA(b, 5, np), 3, 1, 905) != -1)
		return 66;
	for (size_t i = 0; i < n; i++)
		if (i != 5 && check(VMA(b, i, np), np, 900 + i) != -1)
			return 67;
	return 0;
}

TEST(hwpoison_early_kill)
{
	struct ctrs c0;
	int status, mode;
	pid_t pid;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (getuid() != 0)
		SKIP(return, "MADV_HWPOISON needs root");
	snap(&c0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(hwpoison_child());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status) == 4)
		SKIP(return, "MADV_HWPOISON not supported (CONFIG_MEMORY_FAILURE)");
	ASSERT_EQ(0, WEXITSTATUS(status))
		TH_LOG("child failed at step %d (64: no early SIGBUS, 65: wrong address)",
		       WEXITSTATUS(status));
	ASSERT_PATH(mode, &c0, walk);
}

/* ---------------------------------------------------------------- */
/* operations: UFFDIO_MOVE re-points folios to another lazy VMA      */

TEST(uffd_move)
{
	const size_t np = 8;
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_MOVE };
	struct uffdio_register reg = { 0 };
	struct uffdio_move mv = { 0 };
	struct ctrs c0;
	char *b, *src, *dst, *dst2;
	int uffd, mode;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		SKIP(return, "userfaultfd not available");
	if (ioctl(uffd, UFFDIO_API, &api) || !(api.features & UFFD_FEATURE_MOVE))
		SKIP(return, "UFFDIO_MOVE not supported");
	/* src: faulted; dst: first half faulted; dst2: never faulted */
	b = map_vmas(3, 2 * np);
	ASSERT_NE(NULL, b);
	src = VMA(b, 0, 2 * np);
	dst = VMA(b, 1, 2 * np);
	dst2 = VMA(b, 2, 2 * np);
	fill(src, 2 * np, 1000);
	fill(dst, np, 1001);
	/* the guard page between them is PROT_NONE: register each VMA */
	reg.range.start = (unsigned long)dst;
	reg.range.len = 2 * np * psz;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
	reg.range.start = (unsigned long)dst2;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));

	/* src pages 0..np-1 -> dst pages np..2np-1 (other VMA, other index) */
	mv.dst = (unsigned long)(dst + np * psz);
	mv.src = (unsigned long)src;
	mv.len = np * psz;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_MOVE, &mv)) TH_LOG("UFFDIO_MOVE: %s", strerror(errno));
	ASSERT_EQ((long)(np * psz), (long)mv.move);
	/* src pages np..2np-1 -> dst2 (unfaulted VMA: anon_vma prepared by the move) */
	mv.dst = (unsigned long)dst2;
	mv.src = (unsigned long)(src + np * psz);
	mv.move = 0;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_MOVE, &mv)) TH_LOG("UFFDIO_MOVE: %s", strerror(errno));
	ASSERT_EQ((long)(np * psz), (long)mv.move);

	for (size_t i = 0; i < np; i++) {
		const uint64_t *w = (const uint64_t *)(dst + (np + i) * psz);
		const uint64_t *w2 = (const uint64_t *)(dst2 + i * psz);

		ASSERT_EQ(pat(1000, i, 7), w[7]);
		ASSERT_EQ(pat(1000, np + i, 7), w2[7]);
	}
	snap(&c0);
	/* reclaim must find the moved folios through their new VMA */
	ASSERT_EQ(0UL, do_pageout(dst, 2 * np));
	ASSERT_EQ(0UL, do_pageout(dst2, np));
	ASSERT_PATH(mode, &c0, walk);
	ASSERT_EQ(-1, check(dst, np, 1001));
	for (size_t i = 0; i < np; i++) {
		ASSERT_EQ(pat(1000, i, 9), ((uint64_t *)(dst + (np + i) * psz))[9]);
		ASSERT_EQ(pat(1000, np + i, 9), ((uint64_t *)(dst2 + i * psz))[9]);
	}
	if (have_two_nodes()) {
		int st = 0, node = other_node(dst + np * psz);

		ASSERT_EQ(0, migrate_to(dst + np * psz, np, node, MPOL_MF_MOVE, &st))
			TH_LOG("status %d", st);
		ASSERT_EQ(0, migrate_to(dst2, np, node, MPOL_MF_MOVE, &st))
			TH_LOG("status %d", st);
	}
	/* src is empty now */
	ASSERT_EQ(0UL, ((uint64_t *)src)[0]);
	close(uffd);
}

/* ---------------------------------------------------------------- */
/* concurrent first faults install exactly one lazy root             */

#define FF_THREADS 4

struct ff_arg {
	char *v;
	pthread_barrier_t *bar;
	int idx;
};

static void *first_fault_thread(void *arg)
{
	struct ff_arg *a = arg;

	pthread_barrier_wait(a->bar);
	fill(a->v, 2, 1100 + a->idx);
	return NULL;
}

TEST(concurrent_first_fault)
{
	struct ff_arg args[FF_THREADS];
	pthread_t t[FF_THREADS];
	pthread_barrier_t bar;
	struct ctrs c0, c1;
	char *b;
	int mode;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	b = map_vmas(FF_THREADS, 2);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, pthread_barrier_init(&bar, NULL, FF_THREADS));
	reset_lazy_root();
	snap(&c0);
	for (int i = 0; i < FF_THREADS; i++) {
		args[i] = (struct ff_arg){ VMA(b, i, 2), &bar, i };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, first_fault_thread, &args[i]));
	}
	for (int i = 0; i < FF_THREADS; i++)
		pthread_join(t[i], NULL);
	snap(&c1);
	if (mode == 1) {
		ASSERT_GE(c1.root - c0.root, 1);
		ASSERT_LE(c1.root - c0.root, 1 + ROOT_SLACK)
			TH_LOG("%ld roots from %d racing first faults",
			       c1.root - c0.root, FF_THREADS);
	} else {
		ASSERT_EQ(c1.root, c0.root);
	}
	for (int i = 0; i < FF_THREADS; i++)
		PAGEOUT_VERIFY(VMA(b, i, 2), 2, 1100 + i);
	ASSERT_PATH(mode, &c0, walk);
}

/* ---------------------------------------------------------------- */
/* fork while other threads fault: upgrade vs per-VMA-lock faults    */

struct ff_load {
	char *big;		/* one big lazy VMA, filled page by page */
	size_t big_pages;
	size_t done;
	char *v[32];
	int nv;
};

static void *fault_load(void *arg)
{
	struct ff_load *l = arg;

	while (!READ_ONCE(stop_flag) && (l->done < l->big_pages || l->nv < 32)) {
		if (l->done < l->big_pages) {
			fill(l->big + l->done * psz, 1, 1200 + l->done);
			__atomic_store_n(&l->done, l->done + 1, __ATOMIC_RELEASE);
		}
		if (l->nv < 32) {
			char *v = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (v == MAP_FAILED)
				break;
			mprotect(v + psz, psz, PROT_NONE);
			fill(v, 1, 1300 + l->nv);
			l->v[l->nv] = v;
			__atomic_store_n(&l->nv, l->nv + 1, __ATOMIC_RELEASE);
		}
	}
	return NULL;
}

TEST(fork_while_faulting)
{
	struct ff_load l = { 0 };
	struct ctrs c0;
	pthread_t t;
	int mode, status, forks = 0;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	l.big_pages = 64;
	l.big = mmap(NULL, l.big_pages * psz, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, l.big);
	fill(l.big, 1, 1200);	/* the VMA has its anon_vma before forks */
	l.done = 1;
	snap(&c0);
	WRITE_ONCE(stop_flag, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, fault_load, &l));
	for (int i = 0; i < 10; i++) {
		size_t done = __atomic_load_n(&l.done, __ATOMIC_ACQUIRE);
		pid_t pid = fork();

		ASSERT_GE(pid, 0);
		if (pid == 0) {
			/* the child sees every page completed before fork */
			for (size_t p = 0; p + 1 < done; p++)
				if (((uint64_t *)(l.big + p * psz))[1] != pat(1200 + p, 0, 1))
					_exit(70);
			_exit(0);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status));
		forks++;
		usleep(1000);
	}
	WRITE_ONCE(stop_flag, 1);
	pthread_join(t, NULL);
	if (mode == 1)
		ASSERT_GE(read_vmstat("anon_vma_lazy_upgrade") - c0.upgrade, 1);
	for (size_t p = 0; p < l.done; p++)
		ASSERT_EQ(pat(1200 + p, 0, 3), ((uint64_t *)(l.big + p * psz))[3]);
	ASSERT_EQ(0UL, do_pageout(l.big, l.done));
	for (size_t p = 0; p < l.done; p++)
		ASSERT_EQ(pat(1200 + p, 0, 5), ((uint64_t *)(l.big + p * psz))[5]);
	for (int i = 0; i < l.nv; i++)
		PAGEOUT_VERIFY(l.v[i], 1, 1300 + i);
	if (have_two_nodes())
		MIGRATE_VERIFY(l.v[0], 1, 1300, other_node(l.v[0]), MPOL_MF_MOVE);
}

/* ---------------------------------------------------------------- */
/* /dev/zero MAP_PRIVATE: anonymous, but with a vm_file              */

TEST(dev_zero_private)
{
	const size_t np = 8;
	int fd, mode, status;
	char *p, *q, *res;
	pid_t pid;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	fd = open("/dev/zero", O_RDWR);
	if (fd < 0)
		SKIP(return, "no /dev/zero");
	p = mmap(NULL, np * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	fill(p, np, 1400);
	PAGEOUT_VERIFY(p, np, 1400);
	ASSERT_EQ(0, mprotect(p + 2 * psz, 2 * psz, PROT_READ));
	PAGEOUT_VERIFY(p, np, 1400);
	ASSERT_EQ(0, mprotect(p + 2 * psz, 2 * psz, PROT_READ | PROT_WRITE));
	res = mmap(NULL, np * psz, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, res);
	q = mremap(p, np * psz, np * psz, MREMAP_MAYMOVE | MREMAP_FIXED, res);
	ASSERT_EQ(res, q);
	PAGEOUT_VERIFY(q, np, 1400);
	if (have_two_nodes())
		MIGRATE_VERIFY(q, np, 1400, other_node(q), MPOL_MF_MOVE);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (check(q, np, 1400) != -1)
			_exit(80);
		fill(q, np / 2, 1401);
		if (do_pageout(q, np / 2) || check(q, np / 2, 1401) != -1)
			_exit(81);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	PAGEOUT_VERIFY(q, np, 1400);
}

/* ---------------------------------------------------------------- */
/* page_idle: the young-bit rmap walk (folio_referenced-like)        */

#define IDLE_BITMAP "/sys/kernel/mm/page_idle/bitmap"

/*
 * Set (write) or read the idle bit of @pfn. The kernel processes the last,
 * partial 64-bit chunk below max_pfn but reports 0 bytes for it (upstream
 * page_idle.c only advances its buffer at the end of a whole chunk):
 * return -2 then, and let the caller ignore that page.
 */
static int idle_rw(int fd, uint64_t pfn, bool write)
{
	uint64_t w = 1ULL << (pfn % 64);
	off_t off = (pfn / 64) * 8;
	ssize_t n;

	if (write) {
		n = pwrite(fd, &w, 8, off);
		return n == 8 ? 0 : n == 0 ? -2 : -1;
	}
	n = pread(fd, &w, 8, off);
	if (n == 0)
		return -2;
	if (n != 8)
		return -1;
	return (w >> (pfn % 64)) & 1;
}

static uint64_t page_pfn(const void *addr)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t e = 0;

	if (fd < 0)
		return 0;
	if (pread(fd, &e, 8, ((uintptr_t)addr / psz) * 8) != 8)
		e = 0;
	close(fd);
	return (e & (1ULL << 63)) ? (e & ((1ULL << 55) - 1)) : 0;
}

TEST(page_idle_young)
{
	const size_t n = 4, np = 4;
	uint64_t pfn[16];
	struct ctrs c0;
	int fd, mode, node;
	char *b;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	fd = open(IDLE_BITMAP, O_RDWR);
	if (fd < 0)
		SKIP(return, IDLE_BITMAP " not available");
	b = map_vmas(n, np);
	ASSERT_NE(NULL, b);
	for (size_t i = 0; i < n; i++)
		fill(VMA(b, i, np), np, 1500 + i);
	/* move_pages() drains the per-CPU LRU batches: pages are on the LRU */
	node = page_node(b);
	for (size_t i = 0; i < n; i++)
		ASSERT_EQ(0, migrate_to(VMA(b, i, np), np, node, MPOL_MF_MOVE, NULL));
	for (size_t i = 0; i < n * np; i++) {
		pfn[i] = page_pfn(VMA(b, i / np, np) + (i % np) * psz);
		ASSERT_NE(0UL, pfn[i]) TH_LOG("no PFN (not root?)");
	}
	snap(&c0);
	/* mark idle: the walk clears the young bits of every mapping */
	for (size_t i = 0; i < n * np; i++) {
		int r = idle_rw(fd, pfn[i], true);

		if (r == -2) {
			pfn[i] = 0;	/* last partial chunk: cannot read back */
			continue;
		}
		ASSERT_EQ(0, r) TH_LOG("page_idle write: %s", strerror(errno));
	}
	for (size_t i = 0; i < n * np; i++) {
		if (pfn[i])
			ASSERT_EQ(1, idle_rw(fd, pfn[i], false)) TH_LOG("page %zu not idle", i);
	}
	/* flush the TLB (mprotect), then touch every other page */
	for (size_t i = 0; i < n; i++) {
		ASSERT_EQ(0, mprotect(VMA(b, i, np), np * psz, PROT_READ));
		ASSERT_EQ(0, mprotect(VMA(b, i, np), np * psz, PROT_READ | PROT_WRITE));
	}
	for (size_t i = 0; i < n * np; i += 2)
		ASSERT_EQ(pat(1500 + i / np, i % np, 1),
			  READ_ONCE(((uint64_t *)(VMA(b, i / np, np) + (i % np) * psz))[1]));
	/* reading the bitmap walks the rmap: touched pages are found young */
	for (size_t i = 0; i < n * np; i++) {
		if (!pfn[i])
			continue;
		ASSERT_EQ(i % 2 ? 1 : 0, idle_rw(fd, pfn[i], false))
			TH_LOG("page %zu: idle bit wrong (young PTE %s)", i,
			       i % 2 ? "invented" : "not found by the rmap walk");
	}
	ASSERT_PATH(mode, &c0, walk);
	close(fd);
}

/* ---------------------------------------------------------------- */
/* 7. KSM                                                            */

FIXTURE(ksm) {
	long run, pages_to_scan, sleep_ms;
	bool saved;
};

FIXTURE_SETUP(ksm)
{
	self->saved = false;
	if (access(KSM_DIR "run", W_OK))
		return;
	self->run = read_file_long(KSM_DIR "run");
	self->pages_to_scan = read_file_long(KSM_DIR "pages_to_scan");
	self->sleep_ms = read_file_long(KSM_DIR "sleep_millisecs");
	self->saved = true;
}

FIXTURE_TEARDOWN(ksm)
{
	if (!self->saved)
		return;
	write_file_long(KSM_DIR "run", self->run);
	write_file_long(KSM_DIR "pages_to_scan", self->pages_to_scan);
	write_file_long(KSM_DIR "sleep_millisecs", self->sleep_ms);
}

static long ksm_merging_pages_self(void)
{
	return read_file_long("/proc/self/ksm_merging_pages");
}

TEST_F(ksm, ksm_merge_unmerge)
{
	const size_t n = 4, np = 8;
	long sharing0, sharing = 0, merged = 0;
	struct ctrs c0;
	char *b;
	int mode;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!self->saved)
		SKIP(return, "KSM not available (or not root)");
	b = map_vmas(n, np);
	ASSERT_NE(NULL, b);
	for (size_t i = 0; i < n; i++) {
		memset(VMA(b, i, np), 0x5c, np * psz);
		ASSERT_EQ(0, madvise(VMA(b, i, np), np * psz, MADV_MERGEABLE));
	}
	sharing0 = read_file_long(KSM_DIR "pages_sharing");
	ASSERT_EQ(0, write_file_long(KSM_DIR "pages_to_scan", 1000));
	ASSERT_EQ(0, write_file_long(KSM_DIR "sleep_millisecs", 10));
	ASSERT_EQ(0, write_file_long(KSM_DIR "run", 1));
	/* bounded wait: 30 s */
	for (int i = 0; i < 300; i++) {
		sharing = read_file_long(KSM_DIR "pages_sharing");
		merged = ksm_merging_pages_self();
		if (sharing > sharing0 && merged >= (long)(n * np))
			break;
		usleep(100000);
	}
	ASSERT_GT(sharing, sharing0) TH_LOG("KSM did not merge");
	if (merged >= 0)	/* /proc/self/ksm_merging_pages (>= 6.1) */
		ASSERT_GE(merged, (long)(n * np / 2));

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < np * psz; j += 512)
			ASSERT_EQ(0x5c, VMA(b, i, np)[j]);

	/* KSM rmap walk: migrate the shared KSM pages (MOVE_ALL) */
	/* stop ksmd (merged pages stay merged) so it holds no page locks */
#ifndef KSM_DIAG
	ASSERT_EQ(0, write_file_long(KSM_DIR "run", 0));
#endif
	snap(&c0);
	if (have_two_nodes()) {
		int node = other_node(VMA(b, 0, np));

		for (size_t i = 0; i < n; i++) {
			int st = 0;
			long bad = 0;

			/* a few tries: a KSM folio may be briefly busy */
			for (int t = 0; t < 3; t++) {
				bad = migrate_to(VMA(b, i, np), np, node,
						 MPOL_MF_MOVE_ALL, &st);
				if (!bad)
					break;
				TH_LOG("VMA %zu try %d: %ld KSM pages not on node %d (status %d)",
				       i, t, bad, node, st);
#ifdef KSM_DIAG
				break;
#endif
			}
			ASSERT_EQ(0, bad)
				TH_LOG("VMA %zu: %ld KSM pages not moved to node %d (status %d)",
				       i, bad, node, st);
		}
		ASSERT_PATH(mode, &c0, walk);
	}
	ASSERT_EQ(0, write_file_long(KSM_DIR "run", 1));

	/* unmerge: data intact, pages private again */
	for (size_t i = 0; i < n; i++)
		ASSERT_EQ(0, madvise(VMA(b, i, np), np * psz, MADV_UNMERGEABLE));
	/* rmap_items go away at ksmd's next pass: bounded wait */
	if (merged >= 0) {
		for (int i = 0; i < 100 && ksm_merging_pages_self() > 0; i++)
			usleep(100000);
		ASSERT_EQ(0, ksm_merging_pages_self());
	}
	for (size_t i = 0; i < n; i++) {
		const char *v = VMA(b, i, np);

		for (size_t j = 0; j < np * psz; j++)
			if (v[j] != 0x5c)
				ASSERT_EQ(0x5c, v[j]);
	}
	if (have_swap()) {
		snap(&c0);
		for (size_t i = 0; i < n; i++) {
			fill(VMA(b, i, np), np, 300 + i);
			PAGEOUT_VERIFY(VMA(b, i, np), np, 300 + i);
		}
		ASSERT_PATH(mode, &c0, walk);
	}
}

/* ---------------------------------------------------------------- */
/* 8. fork upgrades the root; both sides stay reachable              */

static int sync_read(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? c : -1;
}

static void sync_write(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		_exit(99);
}

TEST(fork_upgrade)
{
	const size_t np = 32;
	int p2c[2], c2p[2], status, mode, target;
	struct ctrs c0, c1;
	char *p, *q;
	pid_t pid;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	reset_lazy_root();
	p = mmap(NULL, np * psz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, np, 40);
	ASSERT_EQ(0, pipe(p2c));
	ASSERT_EQ(0, pipe(c2p));
	target = have_two_nodes() ? other_node(p + 16 * psz) : -1;

	snap(&c0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* pages 0-7: COW in the child */
		fill(p, 8, 41);
		sync_write(c2p[1], 'w');
		if (sync_read(p2c[0]) != 'w')
			_exit(10);
		/* child's own copies: reclaim finds them via the child VMA */
		if (do_pageout(p, 8))
			_exit(11);
		if (check(p, 8, 41) != -1)
			_exit(12);
		/* pages 8-15: parent COWed, so the originals are ours alone */
		if (do_pageout(p + 8 * psz, 8))
			_exit(13);
		if (check_idx(p, 8, 8, 40) != -1)
			_exit(14);
		sync_write(c2p[1], 'p');
		/* parent moved the shared pages 16-31 */
		if (sync_read(p2c[0]) != 'm')
			_exit(15);
		for (size_t i = 16; i < np; i++) {
			if (target >= 0 && page_node(p + i * psz) != target)
				_exit(16);
			if (check_idx(p, i, 1, 40) != -1)
				_exit(17);
		}
		_exit(0);
	}

	snap(&c1);
	if (mode == 1) {
		ASSERT_GE(c1.upgrade - c0.upgrade, 1)
			TH_LOG("fork of a process with a lazy root did not upgrade it");
	} else {
		ASSERT_EQ(c1.upgrade, c0.upgrade);
	}

	ASSERT_EQ('w', sync_read(c2p[0]));
	/* pages 8-15: COW in the parent */
	for (size_t i = 8; i < 16; i++) {
		uint64_t *w = (uint64_t *)(p + i * psz);

		for (size_t k = 0; k < psz / 8; k++)
			w[k] = pat(42, i, k);
	}
	sync_write(p2c[1], 'w');
	/* parent's exclusive pages: 0-7 (child COWed) and 8-15 (own COW) */
	ASSERT_EQ(0UL, do_pageout(p, 16));
	ASSERT_EQ(-1, check_idx(p, 0, 8, 40));
	ASSERT_EQ(-1, check_idx(p, 8, 8, 42));
	ASSERT_EQ('p', sync_read(c2p[0]));

	/* shared pages 16-31: migration must find the child's mapping too */
	if (target >= 0) {
		int st = 0;

		ASSERT_EQ(0, migrate_to(p + 16 * psz, 16, target,
					MPOL_MF_MOVE_ALL, &st))
			TH_LOG("shared pages not migrated, status %d", st);
	}
	sync_write(p2c[1], 'm');
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("child failed at step %d",
						 WEXITSTATUS(status));

	/* after fork, new VMAs of the parent start a fresh lazy root */
	snap(&c0);
	/* guard pages: no merge with, or anon_vma reuse from, a neighbour */
	q = map_vmas(1, 4);
	ASSERT_NE(NULL, q);
	fill(q, 4, 43);
	ASSERT_PATH(mode, &c0, root);
	PAGEOUT_VERIFY(q, 4, 43);
	ASSERT_PATH(mode, &c0, walk);
	/* the upgraded root's pages are still reachable from the parent */
	ASSERT_EQ(-1, check_idx(p, 0, 8, 40));
	ASSERT_EQ(0UL, do_pageout(p, 16));
	ASSERT_EQ(-1, check_idx(p, 0, 8, 40));
	ASSERT_EQ(-1, check_idx(p, 8, 8, 42));
	ASSERT_EQ(-1, check_idx(p, 16, 16, 40));
}

/* ---------------------------------------------------------------- */
/* operations: mremap(MREMAP_DONTUNMAP)                              */

TEST(mremap_dontunmap)
{
	const size_t np = 16;
	struct ctrs c0;
	char *p, *q;
	int mode;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	p = mmap(NULL, np * psz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, np, 50);
	q = mremap(p, np * psz, np * psz, MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
		   NULL);
	if (q == MAP_FAILED && errno == EINVAL)
		SKIP(return, "MREMAP_DONTUNMAP not supported");
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(-1, check(q, np, 50));
	snap(&c0);
	PAGEOUT_VERIFY(q, np, 50);
	ASSERT_PATH(mode, &c0, walk);
	/* the old range is empty, faults afresh */
	for (size_t i = 0; i < np; i++)
		ASSERT_EQ(0UL, ((uint64_t *)(p + i * psz))[0]);
	fill(p, np, 51);
	PAGEOUT_VERIFY(p, np, 51);
	PAGEOUT_VERIFY(q, np, 50);
	if (have_two_nodes()) {
		MIGRATE_VERIFY(q, np, 50, other_node(q), MPOL_MF_MOVE);
		MIGRATE_VERIFY(p, np, 51, other_node(p), MPOL_MF_MOVE);
	}
}

/* ---------------------------------------------------------------- */
/* operations: MADV_DONTFORK / MADV_WIPEONFORK across fork           */

TEST(dontfork_wipeonfork)
{
	const size_t np = 8;
	struct ctrs c0;
	char *b, *a, *w, *c;
	int status, mode;
	pid_t pid;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	b = map_vmas(3, np);
	ASSERT_NE(NULL, b);
	a = VMA(b, 0, np);
	w = VMA(b, 1, np);
	c = VMA(b, 2, np);
	fill(a, np, 60);
	fill(w, np, 61);
	fill(c, np, 62);
	ASSERT_EQ(0, madvise(a, np * psz, MADV_DONTFORK));
	ASSERT_EQ(0, madvise(w, np * psz, MADV_WIPEONFORK));

	snap(&c0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		unsigned char vec;

		/* A is not mapped in the child */
		if (mincore(a, psz, &vec) != -1 || errno != ENOMEM)
			_exit(20);
		/* W reads zero */
		for (size_t i = 0; i < np; i++)
			if (((uint64_t *)(w + i * psz))[0] != 0)
				_exit(21);
		fill(w, np, 63);
		if (do_pageout(w, np) || check(w, np, 63) != -1)
			_exit(22);
		if (check(c, np, 62) != -1)
			_exit(23);
		fill(c, np, 64);	/* COW */
		if (do_pageout(c, np) || check(c, np, 64) != -1)
			_exit(24);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("child failed at step %d",
						 WEXITSTATUS(status));
	ASSERT_PATH(mode, &c0, upgrade);
	PAGEOUT_VERIFY(a, np, 60);
	PAGEOUT_VERIFY(w, np, 61);
	PAGEOUT_VERIFY(c, np, 62);
	if (have_two_nodes())
		for (size_t i = 0; i < 3; i++)
			MIGRATE_VERIFY(VMA(b, i, np), np, 60 + i,
				       other_node(VMA(b, i, np)), MPOL_MF_MOVE);
}

/* ---------------------------------------------------------------- */
/* operations: brk growth                                            */

TEST(brk_growth)
{
	const size_t step = 4;
	char *start, *cur;
	int mode;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	start = sbrk(0);
	/* page-align the break */
	cur = (char *)(((uintptr_t)start + psz - 1) & ~(psz - 1));
	ASSERT_NE((void *)-1, sbrk(cur - start));
	for (int i = 0; i < 8; i++) {
		ASSERT_EQ(cur + i * step * psz, sbrk(step * psz));
		fill(cur + i * step * psz, step, 70 + i);
	}
	for (int i = 0; i < 8; i++)
		PAGEOUT_VERIFY(cur + i * step * psz, step, 70 + i);
	if (have_two_nodes())
		for (int i = 0; i < 8; i++)
			MIGRATE_VERIFY(cur + i * step * psz, step, 70 + i,
				       other_node(cur + i * step * psz),
				       MPOL_MF_MOVE);
	/* shrink and grow again: the new pages fault afresh */
	ASSERT_NE((void *)-1, sbrk(-(intptr_t)(4 * step * psz)));
	ASSERT_NE((void *)-1, sbrk(4 * step * psz));
	for (int i = 4; i < 8; i++)
		ASSERT_EQ(0UL, ((uint64_t *)(cur + i * step * psz))[0]);
	for (int i = 0; i < 4; i++)
		PAGEOUT_VERIFY(cur + i * step * psz, step, 70 + i);
	ASSERT_NE((void *)-1, sbrk(cur - (char *)sbrk(0)));
}

/* ---------------------------------------------------------------- */
/* operations: exec gives a fresh process                            */

static int exec_child(void)
{
	const size_t n = 8, np = 4;
	struct ctrs c0, c1;
	int mode = lazy_mode();
	char *b;

	psz = getpagesize();
	snap(&c0);
	b = map_vmas(n, np);
	if (!b)
		return 30;
	for (size_t i = 0; i < n; i++)
		fill(VMA(b, i, np), np, 80 + i);
	snap(&c1);
	/* exec faulted the new stack already: at most one root either way */
	if (c1.root - c0.root > 1 + ROOT_SLACK)
		return 31;
	if (mode == 0 && c1.root != c0.root)
		return 32;
	for (size_t i = 0; i < n; i++) {
		if (do_pageout(VMA(b, i, np), np))
			return 33;
		if (check(VMA(b, i, np), np, 80 + i) != -1)
			return 34;
	}
	snap(&c1);
	if (mode == 1 && c1.walk <= c0.walk)
		return 35;
	if (mode == 0 && c1.walk != c0.walk)
		return 36;
	return 0;
}

TEST(exec_fresh)
{
	struct ctrs c0;
	char *p;
	int status, mode;
	pid_t pid;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	/* the parent owns lazy pages when it forks */
	p = mmap(NULL, 8 * psz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, 8, 90);
	snap(&c0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char *const argv[] = { "anon_vma_lazy", EXEC_FLAG, NULL };

		execv("/proc/self/exe", argv);
		_exit(98);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("exec'd child failed at step %d",
						 WEXITSTATUS(status));
	/* the exec'd image got a lazy root of its own */
	ASSERT_PATH(mode, &c0, root);
	PAGEOUT_VERIFY(p, 8, 90);
}

/* ---------------------------------------------------------------- */
/* sysctl flip under load (last: it changes the global switch)       */

FIXTURE(sysctl) {
	int orig;
};

FIXTURE_SETUP(sysctl)
{
	self->orig = lazy_mode();
}

FIXTURE_TEARDOWN(sysctl)
{
	if (self->orig >= 0)
		write_file_long(SYSCTL_PATH, self->orig);
}

#define FLIP_VMAS 48

struct faulter {
	char *v[FLIP_VMAS];
	int n;
};

static void *fault_new_vmas(void *arg)
{
	struct faulter *f = arg;

	for (int i = 0; i < FLIP_VMAS; i++) {
		char *v = mmap(NULL, 3 * psz, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (v == MAP_FAILED)
			break;
		/* guard page: keep the VMAs apart */
		mprotect(v + 2 * psz, psz, PROT_NONE);
		fill(v, 2, 500 + i);
		f->v[i] = v;
		f->n = i + 1;
		usleep(200);
	}
	return NULL;
}

TEST_F(sysctl, sysctl_flip)
{
	struct faulter f = { 0 };
	struct ctrs c0;
	pthread_t t;
	int mode, status;
	pid_t pid;

	mode = require_lazy(_metadata);
	if (mode < 0)
		return;
	if (!require_swap(_metadata))
		return;
	if (write_file_long(SYSCTL_PATH, mode))
		SKIP(return, "cannot write " SYSCTL_PATH " (not root?)");
	reset_lazy_root();
	snap(&c0);
	ASSERT_EQ(0, pthread_create(&t, NULL, fault_new_vmas, &f));
	for (int i = 0; i < 20; i++) {
		ASSERT_EQ(0, write_file_long(SYSCTL_PATH, 0));
		usleep(500);
		ASSERT_EQ(0, write_file_long(SYSCTL_PATH, 1));
		usleep(500);
	}
	pthread_join(t, NULL);
	ASSERT_EQ(0, write_file_long(SYSCTL_PATH, self->orig));
	ASSERT_EQ(FLIP_VMAS, f.n);
	for (int i = 0; i < f.n; i++)
		PAGEOUT_VERIFY(f.v[i], 2, 500 + i);

	/* fork with a mix of lazy and regular VMAs, child COWs */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		for (int i = 0; i < f.n; i++) {
			if (check(f.v[i], 2, 500 + i) != -1)
				_exit(40);
			fill(f.v[i], 2, 600 + i);
			if (do_pageout(f.v[i], 2))
				_exit(41);
		}
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	for (int i = 0; i < f.n; i++) {
		PAGEOUT_VERIFY(f.v[i], 2, 500 + i);
		if (have_two_nodes())
			MIGRATE_VERIFY(f.v[i], 2, 500 + i, other_node(f.v[i]),
				       MPOL_MF_MOVE);
	}
}

int main(int argc, char **argv)
{
	psz = getpagesize();
	if (argc > 1 && !strcmp(argv[1], EXEC_FLAG))
		return exec_child();
	return test_harness_run(argc, argv);
}

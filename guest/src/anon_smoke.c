// SPDX-License-Identifier: GPL-2.0
/*
 * anon_smoke.c - fast correctness smoke test for anonymous memory reverse
 * mapping (anon_vma / anon_vma_chain): many VMAs, fork/COW, MADV_PAGEOUT
 * (rmap-driven unmap + swap), VMA split/merge, mremap, NUMA migration of
 * private and fork-shared pages, and pageout of a PTE-mapped THP spanning
 * several VMAs.
 *
 * NUMA: uses the raw SYS_move_pages syscall, NOT libnuma (TEST(move_pages)
 * defines a static function named move_pages, which clashes with numaif.h).
 * Linking with -lnuma is therefore harmless but unnecessary.
 *
 * Build:
 *   gcc -static -O2 -Wall -Wextra \
 *       -I/work/main/build/linux/tools/testing/selftests \
 *       -isystem /work/main/build/out-hdr/usr/include \
 *       -o anon_smoke anon_smoke.c -lnuma
 *
 * Sizes are deliberately small (tens of pages, one 4 MiB THP region) so the
 * whole run stays well under 20 s under QEMU TCG.
 *
 * Helper processes forked inside a TEST() never use ASSERT_xxx or EXPECT_xxx (the
 * harness longjmp()s on failure, which must not happen in a forked child);
 * they print diagnostics to stderr and report through their exit status.
 */
#define _GNU_SOURCE
/* kselftest_harness.h macros trip -Wunused-parameter under -Wextra. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define PROG "anon_smoke"
#include "common.h"


#define PM_PFN_MASK	((uint64_t)((1ULL << 55) - 1))
#define PM_EXCLUSIVE	(1ULL << 56)
#define PM_SWAP		(1ULL << 62)
#define PM_PRESENT	(1ULL << 63)

#define PAGEOUT_TRIES	5
#define HPAGE_SIZE	(2UL << 20)

static size_t psz;

static size_t pagesz(void)
{
	if (!psz)
		psz = (size_t)sysconf(_SC_PAGESIZE);
	return psz;
}

/* Deterministic, non-zero, non-duplicated (across pages and seeds) words. */
static inline uint64_t pat(unsigned int seed, size_t page, size_t word)
{
	return 0x8000000000000000ULL | ((uint64_t)(seed & 0xff) << 48) |
	       ((uint64_t)(page & 0xffffff) << 24) | (uint64_t)(word & 0xffffff);
}

static void fill_pages(char *base, size_t first, size_t n, unsigned int seed)
{
	size_t words = pagesz() / sizeof(uint64_t);

	for (size_t p = first; p < first + n; p++) {
		uint64_t *w = (uint64_t *)(base + p * pagesz());

		for (size_t i = 0; i < words; i++)
			w[i] = pat(seed, p, i);
	}
}

/*
 * Check pages [first, first+n) against seed. Returns -1 if all good, else the
 * first bad page index; word, got and exp describe the mismatch.
 */
static long check_pages(const char *base, size_t first, size_t n,
			unsigned int seed, size_t *word, uint64_t *got,
			uint64_t *exp)
{
	size_t words = pagesz() / sizeof(uint64_t);

	for (size_t p = first; p < first + n; p++) {
		const volatile uint64_t *w =
			(const volatile uint64_t *)(base + p * pagesz());

		for (size_t i = 0; i < words; i++) {
			uint64_t v = w[i];

			if (v != pat(seed, p, i)) {
				*word = i;
				*got = v;
				*exp = pat(seed, p, i);
				return (long)p;
			}
		}
	}
	return -1;
}

/* For use inside TEST bodies. */
#define VERIFY(base, first, n, seed) do { \
	size_t __w = 0; uint64_t __g = 0, __e = 0; \
	long __bad = check_pages((base), (first), (n), (seed), &__w, &__g, &__e); \
	if (__bad >= 0) \
		TH_LOG("data mismatch: page %ld word %zu expected 0x%016" PRIx64 \
		       " got 0x%016" PRIx64, __bad, __w, __e, __g); \
	ASSERT_EQ(-1, __bad); \
} while (0)

/* For use in forked helper processes: prints and returns nonzero on error. */
static int child_verify(const char *who, const char *base, size_t first,
			size_t n, unsigned int seed)
{
	size_t w = 0;
	uint64_t g = 0, e = 0;
	long bad = check_pages(base, first, n, seed, &w, &g, &e);

	if (bad >= 0) {
		fprintf(stderr, "# %s: data mismatch: page %ld word %zu expected 0x%016"
			PRIx64 " got 0x%016" PRIx64 "\n", who, bad, w, e, g);
		return 1;
	}
	return 0;
}

static int read_pagemap(const void *addr, size_t npages, uint64_t *ents)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	off_t off = (off_t)((uintptr_t)addr / pagesz()) * sizeof(uint64_t);
	size_t len = npages * sizeof(uint64_t), done = 0;

	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t r = pread(fd, (char *)ents + done, len - done, off + done);

		if (r <= 0) {
			int err = r < 0 ? -errno : -EIO;

			close(fd);
			return err;
		}
		done += (size_t)r;
	}
	close(fd);
	return 0;
}

/* Returns index of first page not (swapped && !present), or -1. */
static long first_not_swapped(const uint64_t *ents, size_t npages)
{
	for (size_t i = 0; i < npages; i++)
		if (!(ents[i] & PM_SWAP) || (ents[i] & PM_PRESENT))
			return (long)i;
	return -1;
}

/*
 * MADV_PAGEOUT the range and check that every page became a swap entry.
 * MADV_PAGEOUT is best effort (a freshly faulted folio may still sit in a
 * per-CPU LRU batch, a large-folio split may hit a transient extra ref), so
 * retry a few times; a page whose mapping rmap cannot find stays present on
 * every try and fails.
 * Returns 0 on success, 1 if madvise gave EINVAL (unsupported), -1 on
 * failure (diagnostics written to stderr with prefix `who`).
 */
static int pageout_and_check(const char *who, char *addr, size_t npages,
			     int *tries_out)
{
	uint64_t *ents = calloc(npages, sizeof(*ents));
	long bad = 0;
	int t, ret = -1;

	if (!ents) {
		fprintf(stderr, "# %s: calloc failed\n", who);
		return -1;
	}
	for (t = 1; t <= PAGEOUT_TRIES; t++) {
		if (madvise(addr, npages * pagesz(), MADV_PAGEOUT)) {
			if (errno == EINVAL) {
				ret = 1;
				goto out;
			}
			fprintf(stderr, "# %s: madvise(MADV_PAGEOUT): %s\n",
				who, strerror(errno));
			goto out;
		}
		int err = read_pagemap(addr, npages, ents);

		if (err) {
			fprintf(stderr, "# %s: read pagemap: %s\n", who,
				strerror(-err));
			goto out;
		}
		bad = first_not_swapped(ents, npages);
		if (bad < 0)
			break;
		usleep(10000);
	}
	if (bad >= 0) {
		size_t nbad = 0;

		for (size_t i = 0; i < npages; i++)
			if (!(ents[i] & PM_SWAP) || (ents[i] & PM_PRESENT))
				nbad++;
		fprintf(stderr, "# %s: after %d MADV_PAGEOUT tries %zu/%zu pages not swapped; first: page %ld pagemap=0x%016" PRIx64
			" (present=%d swapped=%d), expected swapped=1 present=0\n",
			who, PAGEOUT_TRIES, nbad, npages, bad, ents[bad],
			!!(ents[bad] & PM_PRESENT), !!(ents[bad] & PM_SWAP));
		goto out;
	}
	if (t > 1)
		fprintf(stderr, "# %s: note: all pages swapped after %d MADV_PAGEOUT tries\n",
			who, t);
	if (tries_out)
		*tries_out = t;
	ret = 0;
out:
	free(ents);
	return ret;
}

#define PAGEOUT_OK(addr, npages) do { \
	int __r = pageout_and_check(_metadata->name, (addr), (npages), NULL); \
	if (__r == 1) \
		SKIP(return, "MADV_PAGEOUT not supported (EINVAL)"); \
	ASSERT_EQ(0, __r); \
} while (0)

static int swap_active(void)
{
	FILE *f = fopen("/proc/swaps", "r");
	char line[512];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n > 1; /* header + at least one device */
}

#define REQUIRE_SWAP() do { \
	if (!swap_active()) \
		SKIP(return, "no active swap in /proc/swaps"); \
} while (0)

/* Keep the test on one CPU so lru_add_drain() in MADV_PAGEOUT sees our pages. */
static void pin_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static char *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int wait_child(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1000;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return -WTERMSIG(st);
	return -999;
}

static int numa_two_nodes(void)
{
	return access("/sys/devices/system/node/node1", F_OK) == 0;
}

/* ------------------------------------------------------------------ */

TEST(many_vmas)
{
	const size_t nvmas = 64, per = 2, stride = per + 1;
	size_t ps = pagesz(), vmas_found = 0;
	char *res, line[512];
	FILE *f;

	/* Reserve, then punch 1-page holes so the 64 VMAs cannot merge. */
	res = mmap(NULL, nvmas * stride * ps, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, res);
	for (size_t i = 0; i < nvmas; i++) {
		char *v = res + i * stride * ps;

		ASSERT_EQ(v, mmap(v, per * ps, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
		ASSERT_EQ(0, munmap(v + per * ps, ps));
	}
	for (size_t i = 0; i < nvmas; i++)
		fill_pages(res + i * stride * ps, 0, per, (unsigned int)i + 1);

	/* Confirm the layout really is 64 distinct VMAs. */
	f = fopen("/proc/self/maps", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx", &s, &e) != 2)
			continue;
		if (s >= (uintptr_t)res && e <= (uintptr_t)res + nvmas * stride * ps) {
			if (e - s != per * ps)
				TH_LOG("unexpected VMA %lx-%lx (len %lu)", s, e, e - s);
			EXPECT_EQ(per * ps, e - s);
			vmas_found++;
		}
	}
	fclose(f);
	EXPECT_EQ(nvmas, vmas_found);

	for (size_t i = 0; i < nvmas; i++) {
		char *v = res + i * stride * ps;

		if (check_pages(v, 0, per, (unsigned int)i + 1,
				&(size_t){0}, &(uint64_t){0}, &(uint64_t){0}) >= 0)
			TH_LOG("VMA %zu at %p bad", i, v);
		VERIFY(v, 0, per, (unsigned int)i + 1);
	}
	munmap(res, nvmas * stride * ps);
}

TEST(fork_cow)
{
	const size_t n = 32;
	char *buf = map_anon(n * pagesz());
	pid_t pid;

	ASSERT_NE(NULL, buf);
	fill_pages(buf, 0, n, 1);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int rc = 0;
		pid_t gc;

		/* Child: overwrite first half, keep second half. */
		fill_pages(buf, 0, n / 2, 2);
		rc |= child_verify("child", buf, 0, n / 2, 2);
		rc |= child_verify("child", buf, n / 2, n / 2, 1);

		gc = fork();
		if (gc < 0)
			_exit(20);
		if (gc == 0) {
			int grc = 0;

			/* Grandchild: overwrite pages 8..23 (both halves). */
			grc |= child_verify("grandchild(pre)", buf, 0, n / 2, 2);
			grc |= child_verify("grandchild(pre)", buf, n / 2, n / 2, 1);
			fill_pages(buf, 8, 16, 3);
			grc |= child_verify("grandchild", buf, 0, 8, 2);
			grc |= child_verify("grandchild", buf, 8, 16, 3);
			grc |= child_verify("grandchild", buf, 24, 8, 1);
			_exit(grc ? 31 : 0);
		}
		int gst = wait_child(gc);

		if (gst != 0) {
			fprintf(stderr, "# child: grandchild status %d\n", gst);
			rc |= 2;
		}
		/* Grandchild writes must not leak into the child. */
		if (child_verify("child(after grandchild)", buf, 0, n / 2, 2) ||
		    child_verify("child(after grandchild)", buf, n / 2, n / 2, 1))
			rc |= 4;
		_exit(rc ? 10 + rc : 0);
	}
	int st = wait_child(pid);

	if (st)
		TH_LOG("child exit status %d (11-17: data errors, 20: fork failed)", st);
	EXPECT_EQ(0, st);
	VERIFY(buf, 0, n, 1);
	munmap(buf, n * pagesz());
}

TEST(pageout)
{
	const size_t n = 64;
	char *buf;

	REQUIRE_SWAP();
	pin_cpu();
	buf = map_anon(n * pagesz());
	ASSERT_NE(NULL, buf);
	fill_pages(buf, 0, n, 5);
	PAGEOUT_OK(buf, n);
	VERIFY(buf, 0, n, 5);
	munmap(buf, n * pagesz());
}

TEST(pageout_child_cow)
{
	const size_t n = 32;
	char *buf;
	pid_t pid;

	REQUIRE_SWAP();
	pin_cpu();
	buf = map_anon(n * pagesz());
	ASSERT_NE(NULL, buf);
	fill_pages(buf, 0, n, 6);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int r;

		fill_pages(buf, 0, n, 7); /* COW every page */
		r = pageout_and_check("pageout_child_cow(child)", buf, n, NULL);
		if (r == 1)
			_exit(4);
		if (r)
			_exit(1);
		if (child_verify("pageout_child_cow(child)", buf, 0, n, 7))
			_exit(2);
		_exit(0);
	}
	int st = wait_child(pid);

	if (st == 4)
		SKIP(return, "MADV_PAGEOUT not supported (EINVAL)");
	if (st)
		TH_LOG("child exit status %d (1: not swapped, 2: data)", st);
	EXPECT_EQ(0, st);
	VERIFY(buf, 0, n, 6);
	/* Parent's own pages are exclusive again: must page out too. */
	PAGEOUT_OK(buf, n);
	VERIFY(buf, 0, n, 6);
	munmap(buf, n * pagesz());
}

TEST(pageout_after_split)
{
	const size_t n = 64;
	size_t ps = pagesz();
	char *buf;

	REQUIRE_SWAP();
	pin_cpu();
	buf = map_anon(n * ps);
	ASSERT_NE(NULL, buf);
	fill_pages(buf, 0, n, 8);
	/* Split into 3 VMAs sharing one anon_vma. */
	ASSERT_EQ(0, mprotect(buf + 24 * ps, 16 * ps, PROT_READ));
	PAGEOUT_OK(buf, n);
	/* Merge back. */
	ASSERT_EQ(0, mprotect(buf + 24 * ps, 16 * ps, PROT_READ | PROT_WRITE));
	VERIFY(buf, 0, n, 8);
	/* Write after merge, page out again, re-verify. */
	fill_pages(buf, 20, 24, 9);
	PAGEOUT_OK(buf, n);
	VERIFY(buf, 0, 20, 8);
	VERIFY(buf, 20, 24, 9);
	VERIFY(buf, 44, 20, 8);
	munmap(buf, n * ps);
}

TEST(pageout_after_mremap)
{
	const size_t n = 32;
	size_t ps = pagesz();
	char *src, *dst, *res;

	REQUIRE_SWAP();
	pin_cpu();
	src = map_anon(n * ps);
	ASSERT_NE(NULL, src);
	fill_pages(src, 0, n, 10);

	/* Destination: reserve with a guard page on each side. */
	res = mmap(NULL, (n + 2) * ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, res);
	dst = res + ps;
	ASSERT_NE(src, dst);
	ASSERT_EQ(dst, mremap(src, n * ps, n * ps, MREMAP_MAYMOVE | MREMAP_FIXED, dst));
	PAGEOUT_OK(dst, n);
	VERIFY(dst, 0, n, 10);
	munmap(res, (n + 2) * ps);
}

/* Query current node of each page; returns 0 or -errno. */
static long query_nodes(void **pages, size_t n, int *status)
{
	for (size_t i = 0; i < n; i++)
		status[i] = -12345;
	if (sys_move_pages(0, n, pages, NULL, status, 0) < 0)
		return -errno;
	return 0;
}

TEST(move_pages)
{
	const size_t n = 32;
	size_t ps = pagesz();
	void *pages[32];
	int nodes[32], status[32], target;
	char *buf;
	long r;

	if (!numa_two_nodes())
		SKIP(return, "fewer than 2 NUMA nodes (no node1)");
	buf = map_anon(n * ps);
	ASSERT_NE(NULL, buf);
	fill_pages(buf, 0, n, 11);
	for (size_t i = 0; i < n; i++)
		pages[i] = buf + i * ps;

	r = query_nodes(pages, n, status);
	if (r == -ENOSYS)
		SKIP(return, "move_pages not supported");
	ASSERT_EQ(0, r);
	ASSERT_GE(status[0], 0);
	target = status[0] == 0 ? 1 : 0;
	for (size_t i = 0; i < n; i++)
		nodes[i] = target;

	r = sys_move_pages(0, n, pages, nodes, status, MPOL_MF_MOVE);
	if (r)
		TH_LOG("move_pages returned %ld errno %d (%s)", r, errno, strerror(errno));
	ASSERT_EQ(0, r);
	for (size_t i = 0; i < n; i++) {
		if (status[i] != target)
			TH_LOG("page %zu: status %d expected node %d", i, status[i], target);
		EXPECT_EQ(target, status[i]);
	}
	VERIFY(buf, 0, n, 11);
	/* Re-query: pages must be on target. */
	ASSERT_EQ(0, query_nodes(pages, n, status));
	for (size_t i = 0; i < n; i++) {
		if (status[i] != target)
			TH_LOG("page %zu: now on node %d expected %d", i, status[i], target);
		EXPECT_EQ(target, status[i]);
	}
	munmap(buf, n * ps);
}

struct mp_msg {
	int target;
	int have_pfn;
	uint64_t pfn[32];
};

TEST(move_pages_after_fork)
{
	const size_t n = 32;
	size_t ps = pagesz();
	void *pages[32];
	int nodes[32], status[32], target, p2c[2];
	uint64_t ents[32];
	struct mp_msg msg;
	char *buf;
	pid_t pid;
	long r;

	if (!numa_two_nodes())
		SKIP(return, "fewer than 2 NUMA nodes (no node1)");
	buf = map_anon(n * ps);
	ASSERT_NE(NULL, buf);
	fill_pages(buf, 0, n, 12);
	for (size_t i = 0; i < n; i++)
		pages[i] = buf + i * ps;
	ASSERT_EQ(0, pipe(p2c));

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct mp_msg m;
		size_t got = 0;
		int rc = 0;

		close(p2c[1]);
		while (got < sizeof(m)) {
			ssize_t k = read(p2c[0], (char *)&m + got, sizeof(m) - got);

			if (k <= 0)
				_exit(k == 0 ? 40 : 41); /* parent aborted */
			got += (size_t)k;
		}
		if (child_verify("move_pages_after_fork(child)", buf, 0, n, 12))
			rc |= 1;
		if (query_nodes(pages, n, status)) {
			fprintf(stderr, "# child: move_pages query: %s\n", strerror(errno));
			_exit(42);
		}
		for (size_t i = 0; i < n; i++) {
			if (status[i] != m.target) {
				fprintf(stderr, "# child: page %zu on node %d expected %d\n",
					i, status[i], m.target);
				rc |= 2;
				break;
			}
		}
		if (m.have_pfn && !read_pagemap(buf, n, ents)) {
			for (size_t i = 0; i < n; i++) {
				if ((ents[i] & PM_PFN_MASK) != m.pfn[i]) {
					fprintf(stderr, "# child: page %zu pfn 0x%" PRIx64
						" != parent pfn 0x%" PRIx64 " (sharing lost)\n",
						i, ents[i] & PM_PFN_MASK, m.pfn[i]);
					rc |= 4;
					break;
				}
			}
		}
		_exit(rc ? 50 + rc : 0);
	}
	close(p2c[0]);

	r = query_nodes(pages, n, status);
	if (r) {
		kill(pid, SIGKILL);
		wait_child(pid);
	}
	if (r == -ENOSYS)
		SKIP(return, "move_pages not supported");
	ASSERT_EQ(0, r);
	target = status[0] == 0 ? 1 : 0;
	for (size_t i = 0; i < n; i++)
		nodes[i] = target;
	/* Pages are mapped by parent and child: MOVE_ALL is needed (root). */
	r = sys_move_pages(0, n, pages, nodes, status, MPOL_MF_MOVE_ALL);
	if (r) {
		TH_LOG("move_pages returned %ld errno %d (%s)", r, errno, strerror(errno));
		kill(pid, SIGKILL);
		wait_child(pid);
	}
	ASSERT_EQ(0, r);
	for (size_t i = 0; i < n; i++) {
		if (status[i] != target)
			TH_LOG("page %zu: status %d expected node %d", i, status[i], target);
		EXPECT_EQ(target, status[i]);
	}
	memset(&msg, 0, sizeof(msg));
	msg.target = target;
	if (!read_pagemap(buf, n, ents)) {
		msg.have_pfn = 1;
		for (size_t i = 0; i < n; i++) {
			msg.pfn[i] = ents[i] & PM_PFN_MASK;
			if (!(ents[i] & PM_PRESENT) || !msg.pfn[i])
				msg.have_pfn = 0; /* no PFNs visible */
			/* Still shared with the child -> not exclusively mapped. */
			if (ents[i] & PM_EXCLUSIVE)
				TH_LOG("page %zu unexpectedly exclusive after migration", i);
			EXPECT_EQ(0, !!(ents[i] & PM_EXCLUSIVE));
		}
	}
	ASSERT_EQ((ssize_t)sizeof(msg), write(p2c[1], &msg, sizeof(msg)));
	close(p2c[1]);
	int st = wait_child(pid);

	if (st)
		TH_LOG("child exit status %d (51: data, 52: node, 54: pfn mismatch)", st);
	EXPECT_EQ(0, st);
	VERIFY(buf, 0, n, 12);
	munmap(buf, n * ps);
}

/* AnonHugePages (kB) summed over VMAs that overlap [start, end). */
static long smaps_anon_huge_kb(uintptr_t start, uintptr_t end)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	long total = 0;
	int in = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		long kb;

		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') &&
		    line[0] != ' ') {
			in = s < end && e > start;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			total += kb;
	}
	fclose(f);
	return total;
}

TEST(thp_pageout)
{
	const size_t len = 2 * HPAGE_SIZE;
	size_t ps = pagesz(), n = len / ps;
	char *raw, *buf;
	uintptr_t a;
	long kb;

	if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK))
		SKIP(return, "no /sys/kernel/mm/transparent_hugepage/enabled");
	REQUIRE_SWAP();
	pin_cpu();

	raw = mmap(NULL, len + HPAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	a = ((uintptr_t)raw + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1);
	buf = (char *)a;
	/* Trim so the VMA is exactly the aligned 4 MiB. */
	if (buf > raw)
		ASSERT_EQ(0, munmap(raw, buf - raw));
	if (raw + len + HPAGE_SIZE > buf + len)
		ASSERT_EQ(0, munmap(buf + len, raw + len + HPAGE_SIZE - (buf + len)));
	if (madvise(buf, len, MADV_HUGEPAGE))
		TH_LOG("MADV_HUGEPAGE: %s (continuing)", strerror(errno));
	fill_pages(buf, 0, n, 13);

	kb = smaps_anon_huge_kb(a, a + len);
	TH_LOG("AnonHugePages in range: %ld kB", kb);
	if (kb < (long)(HPAGE_SIZE >> 10)) {
		munmap(buf, len);
		SKIP(return, "no THP obtained (AnonHugePages=%ld kB)", kb);
	}

	/* Split the VMA in the middle of the first huge page (PMD split). */
	ASSERT_EQ(0, mprotect(buf + HPAGE_SIZE / 2, ps, PROT_READ));
	VERIFY(buf, 0, n, 13);
	PAGEOUT_OK(buf, n);
	VERIFY(buf, 0, n, 13);
	ASSERT_EQ(0, mprotect(buf + HPAGE_SIZE / 2, ps, PROT_READ | PROT_WRITE));
	VERIFY(buf, 0, n, 13);
	munmap(buf, len);
}

TEST_HARNESS_MAIN

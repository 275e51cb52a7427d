// SPDX-License-Identifier: GPL-2.0
/*
 * torture.c - seeded, reproducible torture test for the anonymous reverse
 * map (anon_vma / anon_vma_chain).
 *
 * A tree of processes (depth <= 4, at most -p live processes) performs
 * random operations on private anonymous memory: mmap (small, or 4 MiB
 * 2 MiB-aligned with MADV_HUGEPAGE), munmap (whole, head, tail, middle),
 * mprotect (split) and back (merge), mremap (grow in place, grow with
 * MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP, shrink), madvise (DONTNEED,
 * PAGEOUT, COLD, MERGEABLE/UNMERGEABLE, HUGEPAGE/NOHUGEPAGE, DONTFORK/DOFORK,
 * WIPEONFORK/KEEPONFORK, POPULATE_WRITE), brk growth and shrink, writes
 * (COW after fork), move_pages to the other NUMA node, fork, exit, and
 * exec of itself.
 *
 * Every process keeps a shadow of its memory: per page a 64-bit tag (0 =
 * zero page) from which the whole page content is derived, so any page can
 * be verified at any time. Rmap reachability is checked directly: after
 * MADV_PAGEOUT every page that only this process maps must show up as
 * swapped in /proc/self/pagemap (5 retries, then 20 more 100 ms apart, each
 * page past 5 reported with its /proc/kpageflags state: under memory
 * pressure and compaction a page can stay isolated for a while; a walk
 * that misses the VMA leaves it mapped every time), and after move_pages
 * every migrated page must be on the target node.
 *
 * Pages that a relative may still map (inherited over fork) and KSM
 * candidates are left out of these two checks. KSM (-k) is reported on
 * (pages_shared/pages_sharing sampled during the run), never failed on.
 *
 * Everything is derived from the seed (modulo scheduling: which forks are
 * refused for lack of process slots, and when children are reaped). On
 * failure the process prints the seed, its position in the process tree
 * (r, r.0, r.0.2, ...) and its last operations, and the run exits 1.
 * Checks that need swap (pageout) or a second NUMA node (move_pages)
 * skip themselves when the machine has neither.
 *
 * The program uses no malloc and no stdio (it drives brk itself): all state
 * lives in static memory (.bss: itself private anonymous memory, which is
 * COW-shared on fork).
 *
 * usage: torture -s SEED -t SECONDS [-p MAXPROCS] [-k] [-f] [-v]
 *   -k  enable the KSM daemon (writes /sys/kernel/mm/ksm/{run,...}; the
 *       previous values are restored at the end). Use inside a test guest.
 *   -f  map half of the small regions MAP_PRIVATE from a memfd of zeros
 *       (at random offsets of a 16 MiB window, so that offsets collide):
 *       writes COW them, so the same operations run on private file VMAs
 *       with anonymous pages (the lazy anon_vma's file list, or its avc
 *       tree once splits make many).
 *   -v  log every operation of the root process to stderr.
 * Exit: 0 pass, 1 fail, 2 usage.
 *
 * Build (as guest.sh does; libnuma is not used, move_pages is a raw syscall):
 *   gcc -static -O2 -g -Wall -Wextra -o torture torture.c
 *   (-DBREAK_SHADOW corrupts one shadow entry on purpose: the run must fail.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
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
#include <linux/mman.h>

#define PROG "torture"
#include "common.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#define MADV_KEEPONFORK 19
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#define MPOL_MF_MOVE (1 << 1)

#define PS		4096UL
#define WORDS		(PS / 8)
#define GOLDEN		0x9E3779B97F4A7C15ULL
#define MAXPG		1024		/* pages per region (4 MiB) */
#define MAXREG		48		/* regions per process */
#define MAXTOT		4096		/* shadowed pages per process (16 MiB) */
#define MAXDEPTH	4
#define MAXCHILD	16
#define HARD_MAXPROCS	32
#define RING		64
#define RINGSHOW	50
#define PAGEOUT_TRIES	5
#define PAGEOUT_LATE	20		/* more tries, 100 ms apart, then fail */
#define PM_PFN(e)	((e) & ((1ULL << 55) - 1))	/* of a pagemap entry */
#define NDUP		4

/* Per-page shadow flags. VMA-level ones mirror the VMA the page is in. */
#define F_RO		0x01	/* PROT_READ */
#define F_DONTFORK	0x02
#define F_WIPE		0x04	/* WIPEONFORK */
#define F_MERGE		0x08	/* MADV_MERGEABLE */
#define F_HUGE		0x10	/* MADV_HUGEPAGE */
#define F_VMA		(F_RO | F_DONTFORK | F_WIPE | F_MERGE | F_HUGE)
#define F_SHARED	0x20	/* may be mapped by a live relative (fork) */

struct region {
	unsigned long addr;
	int n;			/* pages; 0 = free slot */
	int brk;		/* the brk heap (only grown/shrunk by brk) */
	int file;		/* MAP_PRIVATE of file_fd (-f) */
	uint64_t tag[MAXPG];
	uint8_t fl[MAXPG];
};

enum op {
	OP_WRITE, OP_MMAP, OP_MMAP_THP, OP_MUNMAP, OP_MPROTECT, OP_MPROTECT_BACK,
	OP_MREMAP_GROW, OP_MREMAP_MAYMOVE, OP_MREMAP_FIXED, OP_MREMAP_DONTUNMAP,
	OP_MREMAP_SHRINK, OP_DONTNEED, OP_PAGEOUT, OP_COLD, OP_MERGEABLE,
	OP_UNMERGEABLE, OP_HUGEPAGE, OP_NOHUGEPAGE, OP_DONTFORK, OP_DOFORK,
	OP_WIPEONFORK, OP_KEEPONFORK, OP_POPULATE, OP_BRK, OP_MOVE_PAGES,
	OP_FORK, OP_EXEC, OP_EXIT, OP_VERIFY, NOPS
};

static const struct {
	const char *name;
	int weight;
} ops[NOPS] = {
	[OP_WRITE] = { "write", 22 },
	[OP_MMAP] = { "mmap", 8 },
	[OP_MMAP_THP] = { "mmap_thp", 1 },
	[OP_MUNMAP] = { "munmap", 5 },
	[OP_MPROTECT] = { "mprotect", 5 },
	[OP_MPROTECT_BACK] = { "mprotect_back", 3 },
	[OP_MREMAP_GROW] = { "mremap_grow", 3 },
	[OP_MREMAP_MAYMOVE] = { "mremap_maymove", 3 },
	[OP_MREMAP_FIXED] = { "mremap_fixed", 3 },
	[OP_MREMAP_DONTUNMAP] = { "mremap_dontunmap", 2 },
	[OP_MREMAP_SHRINK] = { "mremap_shrink", 1 },
	[OP_DONTNEED] = { "madv_dontneed", 4 },
	[OP_PAGEOUT] = { "madv_pageout", 6 },
	[OP_COLD] = { "madv_cold", 2 },
	[OP_MERGEABLE] = { "madv_mergeable", 3 },
	[OP_UNMERGEABLE] = { "madv_unmergeable", 1 },
	[OP_HUGEPAGE] = { "madv_hugepage", 2 },
	[OP_NOHUGEPAGE] = { "madv_nohugepage", 1 },
	[OP_DONTFORK] = { "madv_dontfork", 2 },
	[OP_DOFORK] = { "madv_dofork", 1 },
	[OP_WIPEONFORK] = { "madv_wipeonfork", 2 },
	[OP_KEEPONFORK] = { "madv_keeponfork", 1 },
	[OP_POPULATE] = { "madv_populate_write", 2 },
	[OP_BRK] = { "brk", 4 },
	[OP_MOVE_PAGES] = { "move_pages", 4 },
	[OP_FORK] = { "fork", 3 },
	[OP_EXEC] = { "exec", 1 },
	[OP_EXIT] = { "exit", 1 },
	[OP_VERIFY] = { "verify", 3 },
};

/* Counters shared by the whole process tree (one MAP_SHARED page). */
struct stats {
	uint64_t ops[NOPS];
	uint64_t op_failed[NOPS];	/* syscall refused (tolerated) */
	uint64_t procs, execs, live, max_live;
	uint64_t pages_verified, full_verifies;
	uint64_t pageout_calls, pageout_checked, pageout_retried;
	uint64_t pageout_missed, pageout_large_shared, pageout_late;
	uint64_t mp_calls, mp_pages, mp_moved, mp_busy, mp_nomem, mp_eacces;
	uint64_t mp_enoent, mp_efault, mp_partial, mp_checked;
	uint64_t ksm_dups;
	uint64_t splits, thp_regions;
	uint64_t failed;
};

/* ---- global (per-process after fork) state ---- */
static struct region R[MAXREG];
static struct stats *S;
static uint64_t rng_state;
static uint64_t seed;
static int seconds = 60, maxprocs = 8, verbose, ksm_ctl;
static int file_fd = -1;	/* -f: the memfd file regions map */
/* -f: file regions start in the first FILE_WINDOW pages of a memfd twice
 * as long, so that a region grown or cut never reaches past its end. */
#define FILE_WINDOW	(4 * MAXPG)
static int depth;
static char path[64] = "r";
static uint64_t opno;
static struct timespec deadline;
static int have_swap, have_numa, numa_balancing;
static int ksm_ok = 1;
static int live_children;
static pid_t children[MAXCHILD];
static unsigned long brk_base;		/* page-aligned start of our brk heap */
static int brk_reg = -1;
static const char *self_exe = "/proc/self/exe";
#ifdef BREAK_SHADOW
static int broken;
#endif

static char ring[RING][128];
static unsigned int ring_pos;

/* ---- output (no stdio: fork-safe, malloc-free) ---- */
static void out(int fd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void out(int fd, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w <= 0)
			break;
		n -= w;
	}
}

static void logop(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logop(const char *fmt, ...)
{
	char *e = ring[ring_pos++ % RING];
	int n;
	va_list ap;

	n = snprintf(e, sizeof(ring[0]), "#%llu ", (unsigned long long)opno);
	va_start(ap, fmt);
	vsnprintf(e + n, sizeof(ring[0]) - n, fmt, ap);
	va_end(ap);
	if (verbose && depth == 0)
		out(2, "[%s] %s\n", path, e);
}

static void dump_ring(void)
{
	unsigned int n = ring_pos < RINGSHOW ? ring_pos : RINGSHOW;
	unsigned int i;

	out(2, "--- last %u operations of process %s (pid %d, depth %d) ---\n",
	    n, path, getpid(), depth);
	for (i = ring_pos - n; i != ring_pos; i++)
		out(2, "  %s\n", ring[i % RING]);
	out(2, "--- end of log ---\n");
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out(2, "FAIL: seed %llu process %s pid %d op #%llu: %s\n",
	    (unsigned long long)seed, path, getpid(),
	    (unsigned long long)opno, buf);
	dump_ring();
	out(2, "reproduce: torture -s %llu -t %d -p %d%s\n",
	    (unsigned long long)seed, seconds, maxprocs, ksm_ctl ? " -k" : "");
	if (S)
		__atomic_fetch_add(&S->failed, 1, __ATOMIC_RELAXED);
	_exit(1);
}

static void crash_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fail("signal %d (%s) at address %p", sig, strsignal(sig), si->si_addr);
}

/* ---- PRNG: xorshift64*, seeded via splitmix64 ---- */
static uint64_t splitmix(uint64_t x)
{
	x += GOLDEN;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static unsigned int rn(unsigned int n)	/* [0, n) */
{
	return n ? (unsigned int)((rnd() >> 11) % n) : 0;
}

static int chance(unsigned int pct)
{
	return rn(100) < pct;
}

static uint64_t new_tag(void)
{
	uint64_t t;

	do
		t = rnd();
	while (t == 0);
	return t;
}

/* Same across all processes so KSM can merge across the whole tree. */
static uint64_t dup_tag(unsigned int k)
{
	return 0xD0D0D0D000000000ULL | (k + 1);
}

#define STAT(f, v) __atomic_fetch_add(&S->f, (v), __ATOMIC_RELAXED)

/* ---- time ---- */
static void ms_sleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- page content ---- */
static void fill_page(unsigned long addr, uint64_t tag)
{
	uint64_t *p = (uint64_t *)addr;
	unsigned int i;

	if (!tag) {
		memset(p, 0, PS);
		return;
	}
	for (i = 0; i < WORDS; i++)
		p[i] = tag ^ (i * GOLDEN);
}

static uint64_t pagemap_entry(unsigned long addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (addr / PS) * 8) != sizeof(e))
		e = 0;
	close(fd);
	return e;
}

static int page_mapped(unsigned long addr)
{
	unsigned char vec[1];

	if (mincore((void *)addr, PS, vec) == 0)
		return 1;
	if (errno != ENOMEM)
		fail("mincore(%#lx): %s", addr, strerror(errno));
	return 0;
}

static void verify_page(int ri, int i)
{
	struct region *r = &R[ri];
	unsigned long addr = r->addr + i * PS;
	volatile uint64_t *p = (volatile uint64_t *)addr;
	uint64_t tag = r->tag[i];
	unsigned int w;

	for (w = 0; w < WORDS; w++) {
		uint64_t want = tag ? tag ^ (w * GOLDEN) : 0;
		uint64_t got = p[w];

		if (got != want) {
			uint64_t pm = pagemap_entry(addr);

			fail("page content mismatch at %#lx (region %d [%#lx, +%d pages) page %d, flags %#x): "
			     "word %u = %#llx, expected %#llx (expected tag %#llx, found data looks like tag %#llx; "
			     "pagemap %#llx: present=%d swapped=%d)",
			     addr, ri, r->addr, r->n, i, r->fl[i], w,
			     (unsigned long long)got, (unsigned long long)want,
			     (unsigned long long)tag,
			     (unsigned long long)(got ^ (w * GOLDEN)),
			     (unsigned long long)pm, (int)(pm >> 63 & 1),
			     (int)(pm >> 62 & 1));
		}
	}
	STAT(pages_verified, 1);
}

static void verify_range(int ri, int s, int n)
{
	int i;

	for (i = s; i < s + n; i++)
		verify_page(ri, i);
}

static void verify_all(void)
{
	int ri;

	for (ri = 0; ri < MAXREG; ri++)
		if (R[ri].n)
			verify_range(ri, 0, R[ri].n);
	STAT(full_verifies, 1);
}

static void verify_sample(int n)
{
	int ri, k;

	for (k = 0; k < n; k++) {
		ri = rn(MAXREG);
		if (R[ri].n)
			verify_page(ri, rn(R[ri].n));
	}
}

/* ---- shadow bookkeeping ---- */
static int total_pages(void)
{
	int ri, t = 0;

	for (ri = 0; ri < MAXREG; ri++)
		t += R[ri].n;
	return t;
}

static int free_slots(void)
{
	int ri, f = 0;

	for (ri = 0; ri < MAXREG; ri++)
		f += !R[ri].n;
	return f;
}

static int new_region(unsigned long addr, int n)
{
	int ri;

	for (ri = 0; ri < MAXREG; ri++) {
		if (!R[ri].n) {
			R[ri].addr = addr;
			R[ri].n = n;
			R[ri].brk = 0;
			R[ri].file = 0;
			memset(R[ri].tag, 0, sizeof(R[ri].tag[0]) * n);
			memset(R[ri].fl, 0, n);
			return ri;
		}
	}
	fail("internal: no free region slot");
}

/* A random live region; brk: 0 = exclude the brk heap, 1 = allow it. */
static int pick_region(int allow_brk)
{
	int ri, k, cand[MAXREG];

	for (ri = 0, k = 0; ri < MAXREG; ri++)
		if (R[ri].n && (allow_brk || !R[ri].brk))
			cand[k++] = ri;
	return k ? cand[rn(k)] : -1;
}

/* A random sub-range of region ri: whole region 1/4 of the time. */
static void pick_range(int ri, int *s, int *n)
{
	int len = R[ri].n;

	if (chance(25) || len == 1) {
		*s = 0;
		*n = len;
		return;
	}
	*n = 1 + rn(len < 64 ? len : 64);
	*s = rn(len - *n + 1);
}

/*
 * Forget pages [s, s+n) of region ri (they were unmapped or moved away).
 * Removing from the middle needs a free slot (callers check first).
 */
static void region_cut(int ri, int s, int n)
{
	struct region *r = &R[ri];

	if (s == 0 && n == r->n) {
		r->n = 0;
		if (ri == brk_reg)
			brk_reg = -1;
		return;
	}
	if (s == 0) {
		memmove(r->tag, r->tag + n, sizeof(r->tag[0]) * (r->n - n));
		memmove(r->fl, r->fl + n, r->n - n);
		r->addr += n * PS;
		r->n -= n;
	} else if (s + n == r->n) {
		r->n = s;
	} else {
		int tail = r->n - s - n;
		int ti = new_region(r->addr + (s + n) * PS, tail);

		memcpy(R[ti].tag, r->tag + s + n, sizeof(r->tag[0]) * tail);
		memcpy(R[ti].fl, r->fl + s + n, tail);
		R[ti].brk = r->brk;
		R[ti].file = r->file;
		r->n = s;
		STAT(splits, 1);
	}
}

static void set_flags(int ri, int s, int n, uint8_t set, uint8_t clr)
{
	int i;

	for (i = s; i < s + n; i++)
		R[ri].fl[i] = (R[ri].fl[i] & ~clr) | set;
}

static void clear_shared_all(void)
{
	int ri;

	for (ri = 0; ri < MAXREG; ri++)
		if (R[ri].n)
			set_flags(ri, 0, R[ri].n, 0, F_SHARED);
}

static int any_flag(int ri, int s, int n, uint8_t f)
{
	int i;

	for (i = s; i < s + n; i++)
		if (R[ri].fl[i] & f)
			return 1;
	return 0;
}

/* ---- children ---- */
static void child_exited(pid_t pid, int status)
{
	int i;

	for (i = 0; i < MAXCHILD; i++) {
		if (children[i] == pid) {
			children[i] = 0;
			live_children--;
			__atomic_fetch_sub(&S->live, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	if (i == MAXCHILD)
		return;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		out(2, "FAIL: seed %llu process %s: child pid %d %s %d\n",
		    (unsigned long long)seed, path, pid,
		    WIFEXITED(status) ? "exited with" : "killed by signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		_exit(3);
	}
	logop("reaped child %d", pid);
	/*
	 * No descendant maps our pages any more: they are exclusive again
	 * (only in the root: a child still shares with its parent).
	 */
	if (!live_children && depth == 0)
		clear_shared_all();
}

static void reap(int block_until_all, int grace_s)
{
	struct timespec lim;
	int status;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &lim);
	lim.tv_sec += grace_s;
	for (;;) {
		if (!live_children)
			return;
		pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			child_exited(pid, status);
			continue;
		}
		if (!block_until_all)
			return;
		if (past(&lim)) {
			int i;

			for (i = 0; i < MAXCHILD; i++)
				if (children[i])
					kill(children[i], SIGKILL);
			fail("%d children still running %ds after the deadline (hang?)",
			     live_children, grace_s);
		}
		ms_sleep(20);
	}
}

/* ---- operations ---- */
static void do_write(void)
{
	int ri = pick_region(1), s, n, i, dups = 0;
	struct region *r;

	if (ri < 0)
		return;
	r = &R[ri];
	pick_range(ri, &s, &n);
	for (i = s; i < s + n; i++) {
		uint64_t t;

		if (r->fl[i] & F_RO)
			continue;
		if (!chance(70))
			continue;
		if ((r->fl[i] & F_MERGE) && chance(40)) {
			t = dup_tag(rn(NDUP));
			dups++;
		} else {
			t = new_tag();
		}
		fill_page(r->addr + i * PS, t);
		r->tag[i] = t;
		r->fl[i] &= ~F_SHARED;	/* COW broken: now our own page */
	}
	if (dups)
		STAT(ksm_dups, dups);
	logop("write region %d [%#lx +%d] pages %d..%d (%d dups)", ri, r->addr,
	      r->n, s, s + n - 1, dups);
	verify_range(ri, s, n);
}

static void populate(int ri, int pct)
{
	struct region *r = &R[ri];
	int i;

	for (i = 0; i < r->n; i++) {
		if (!(r->fl[i] & F_RO) && chance(pct)) {
			r->tag[i] = new_tag();
			fill_page(r->addr + i * PS, r->tag[i]);
		}
	}
}

static void do_mmap(void)
{
	int n = 1 + rn(64), ri, adj, fd = -1;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	unsigned long hint = 0;
	void *p = MAP_FAILED;
	off_t off = 0;

	if (!free_slots() || total_pages() + n > MAXTOT)
		return;
	if (file_fd >= 0 && chance(50)) {
		fd = file_fd;
		flags = MAP_PRIVATE;
		off = (off_t)rn(FILE_WINDOW) * PS;
	}
	/* Sometimes place it right next to an existing region (merge). */
	adj = pick_region(0);
	if (adj >= 0 && chance(40)) {
		if (chance(50))
			hint = R[adj].addr + R[adj].n * PS;
		else
			hint = R[adj].addr - n * PS;
		p = mmap((void *)hint, n * PS, PROT_READ | PROT_WRITE,
			 flags | MAP_FIXED_NOREPLACE, fd, off);
		if (p != MAP_FAILED && (unsigned long)p != hint) {
			munmap(p, n * PS);	/* old kernel: hint only */
			p = MAP_FAILED;
		}
	}
	if (p == MAP_FAILED) {
		hint = 0;
		p = mmap(NULL, n * PS, PROT_READ | PROT_WRITE, flags, fd, off);
	}
	if (p == MAP_FAILED) {
		STAT(op_failed[OP_MMAP], 1);
		logop("mmap %d pages failed: %s", n, strerror(errno));
		return;
	}
	ri = new_region((unsigned long)p, n);
	R[ri].file = fd >= 0;
	populate(ri, rn(101));
	logop("mmap region %d [%#lx +%d]%s%s", ri, R[ri].addr, n,
	      hint ? " adjacent" : "", fd >= 0 ? " file" : "");
	verify_range(ri, 0, n);
}

static void do_mmap_thp(void)
{
	unsigned long sz = MAXPG * PS, big = sz + (2UL << 20), a, start;
	int ri;
	void *p;

	if (!free_slots() || total_pages() + MAXPG > MAXTOT)
		return;
	p = mmap(NULL, big, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		STAT(op_failed[OP_MMAP_THP], 1);
		return;
	}
	start = (unsigned long)p;
	a = (start + (2UL << 20) - 1) & ~((2UL << 20) - 1);
	if (a > start)
		munmap(p, a - start);
	if (start + big > a + sz)
		munmap((void *)(a + sz), start + big - (a + sz));
	ri = new_region(a, MAXPG);
	if (madvise((void *)a, sz, MADV_HUGEPAGE) == 0)
		set_flags(ri, 0, MAXPG, F_HUGE, 0);
	populate(ri, 30 + rn(71));
	STAT(thp_regions, 1);
	logop("mmap_thp region %d [%#lx +%d]", ri, a, MAXPG);
	verify_range(ri, 0, MAXPG);
}

static void do_munmap(void)
{
	int ri = pick_region(0), s, n;

	if (ri < 0)
		return;
	pick_range(ri, &s, &n);
	if (s > 0 && s + n < R[ri].n && !free_slots())
		return;
	if (munmap((void *)(R[ri].addr + s * PS), n * PS))
		fail("munmap(%#lx, %d pages): %s", R[ri].addr + s * PS, n,
		     strerror(errno));
	logop("munmap region %d [%#lx +%d] pages %d..%d", ri, R[ri].addr,
	      R[ri].n, s, s + n - 1);
	region_cut(ri, s, n);
}

static void do_mprotect(int back)
{
	int ri = pick_region(0), s, n;
	unsigned long a;

	if (ri < 0)
		return;
	if (back) {
		s = 0;
		n = R[ri].n;
	} else {
		pick_range(ri, &s, &n);
	}
	a = R[ri].addr + s * PS;
	if (mprotect((void *)a, n * PS, back ? PROT_READ | PROT_WRITE : PROT_READ))
		fail("mprotect(%#lx, %d pages, %s): %s", a, n,
		     back ? "RW" : "R", strerror(errno));
	if (back)
		set_flags(ri, s, n, 0, F_RO);
	else
		set_flags(ri, s, n, F_RO, 0);
	logop("mprotect region %d [%#lx +%d] pages %d..%d %s", ri, R[ri].addr,
	      R[ri].n, s, s + n - 1, back ? "RW (merge)" : "R (split)");
	verify_range(ri, s, n);
}

/*
 * mremap pages [s, s+n) of region ri. Kinds:
 *   OP_MREMAP_GROW      grow in place (tail of the region), no MAYMOVE
 *   OP_MREMAP_MAYMOVE   grow, the kernel may move it
 *   OP_MREMAP_FIXED     move (and resize) to a reserved address
 *   OP_MREMAP_DONTUNMAP move, the old range stays mapped and reads as zero
 *   OP_MREMAP_SHRINK    shrink in place
 */
static void do_mremap(int kind)
{
	int ri = pick_region(0), s, n, nn, g = 0, ni, i;
	unsigned long old, res = 0, ret;
	int flags = 0;
	struct region *r;
	const char *how = "";

	if (ri < 0 || free_slots() < 2)
		return;
	r = &R[ri];
	pick_range(ri, &s, &n);
	switch (kind) {
	case OP_MREMAP_GROW:
		s = r->n - n;
		/* fall through */
	case OP_MREMAP_MAYMOVE:
		g = 1 + rn(16);
		nn = n + g;
		if (r->n + g > MAXPG)
			return;
		flags = kind == OP_MREMAP_MAYMOVE ? MREMAP_MAYMOVE : 0;
		break;
	case OP_MREMAP_FIXED:
		nn = chance(50) ? n : 1 + (int)rn(n + 8);
		flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		break;
	case OP_MREMAP_DONTUNMAP:
		nn = n;
		flags = MREMAP_MAYMOVE | MREMAP_DONTUNMAP;
		if (chance(50))
			flags |= MREMAP_FIXED;
		break;
	default: /* OP_MREMAP_SHRINK */
		if (n < 2)
			return;
		nn = 1 + rn(n - 1);
		break;
	}
	if (nn > MAXPG || total_pages() + (nn > n ? nn - n : 0) +
	    (kind == OP_MREMAP_DONTUNMAP ? n : 0) > MAXTOT)
		return;
	old = r->addr + s * PS;
	if (flags & MREMAP_FIXED) {
		void *p = MAP_FAILED;
		int adj = pick_region(0);

		/* Sometimes move it right behind another region (merge). */
		if (adj >= 0 && adj != ri && chance(40)) {
			unsigned long h = R[adj].addr + R[adj].n * PS;

			p = mmap((void *)h, nn * PS, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
				 MAP_FIXED_NOREPLACE, -1, 0);
			if (p != MAP_FAILED && (unsigned long)p != h) {
				munmap(p, nn * PS);
				p = MAP_FAILED;
			}
			how = " adjacent";
		}
		if (p == MAP_FAILED) {
			p = mmap(NULL, nn * PS, PROT_NONE, MAP_PRIVATE |
				 MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
			how = "";
		}
		if (p == MAP_FAILED) {
			STAT(op_failed[kind], 1);
			return;
		}
		res = (unsigned long)p;
	}
	ret = (unsigned long)mremap((void *)old, n * PS, nn * PS, flags,
				    (void *)res);
	if (ret == (unsigned long)MAP_FAILED) {
		int e = errno;

		if (res)
			munmap((void *)res, nn * PS);
		STAT(op_failed[kind], 1);
		logop("%s region %d [%#lx +%d] pages %d..%d -> %d pages: %s "
		      "(tolerated)", ops[kind].name, ri, r->addr, r->n, s,
		      s + n - 1, nn, strerror(e));
		if (e != ENOMEM && e != EFAULT && e != EINVAL && e != EAGAIN)
			fail("mremap: unexpected error %s", strerror(e));
		/*
		 * A shrinking MREMAP_FIXED unmaps the tail of the source
		 * before it looks at the rest (mm/mremap.c: mremap_to()), so
		 * that tail may be gone although the call failed.
		 */
		if ((flags & MREMAP_FIXED) && nn < n &&
		    !page_mapped(old + nn * PS)) {
			for (i = s + nn; i < s + n; i++)
				if (page_mapped(r->addr + i * PS))
					fail("failed mremap unmapped part of the tail: page %d (%#lx) still mapped",
					     i, r->addr + i * PS);
			logop("  (the failed mremap unmapped pages %d..%d)",
			      s + nn, s + n - 1);
			region_cut(ri, s + nn, n - nn);
		}
		return;
	}
	logop("%s region %d [%#lx +%d] pages %d..%d (%#lx) -> %#lx +%d%s",
	      ops[kind].name, ri, r->addr, r->n, s, s + n - 1, old, ret, nn,
	      how);
	if (res && ret != res)
		fail("mremap FIXED returned %#lx, asked for %#lx", ret, res);
	if (ret == old && !(flags & MREMAP_DONTUNMAP)) {
		/* Resized in place. */
		if (nn < n) {
			region_cut(ri, s + nn, n - nn);
			verify_range(ri, s, nn);
		} else if (nn > n) {
			uint8_t vf;

			if (s + n != r->n)
				fail("mremap grew [%#lx +%d] in place but region continues (%d pages)",
				     old, n, r->n);
			vf = r->fl[s + n - 1] & F_VMA;
			for (i = r->n; i < r->n + (nn - n); i++) {
				r->tag[i] = 0;
				r->fl[i] = vf;
			}
			r->n += nn - n;
			verify_range(ri, s, nn);
		}
		return;
	}
	/* Moved: build the new region, then forget or zero the source. */
	ni = new_region(ret, nn);
	R[ni].file = r->file;
	for (i = 0; i < nn; i++) {
		int src = i < n ? s + i : s + n - 1;

		R[ni].tag[i] = i < n ? r->tag[s + i] : 0;
		R[ni].fl[i] = r->fl[src] & (i < n ? 0xff : F_VMA);
	}
	if (flags & MREMAP_DONTUNMAP) {
		for (i = s; i < s + n; i++) {
			r->tag[i] = 0;
			r->fl[i] &= ~F_SHARED;
		}
		verify_range(ri, s, n);
	} else {
		region_cut(ri, s, n);
	}
	verify_range(ni, 0, nn);
}

/*
 * MADV_PAGEOUT leaves a large folio in place when it is, or looks, mapped
 * more than once: folio_likely_mapped_shared(), or a folio mapcount that is
 * not its page count (mm/madvise.c). A page of ours alone can sit in such a
 * folio, with the rest of the folio still mapped by a child. True if the
 * page at @pfn is in a large folio whose pages are not each mapped exactly
 * once (/proc/kpageflags, /proc/kpagecount): upstream skips it by design,
 * so not finding it swapped says nothing about rmap.
 */
static int large_folio_not_exclusive(uint64_t pfn)
{
	int ff = open("/proc/kpageflags", O_RDONLY);
	int fc = open("/proc/kpagecount", O_RDONLY);
	uint64_t fl = 0, cnt, head = pfn, p;
	int ret = 0;

	if (ff < 0 || fc < 0 || pread(ff, &fl, 8, pfn * 8) != 8 ||
	    !(fl & (1ULL << 15 | 1ULL << 16)))		/* KPF_COMPOUND_HEAD/TAIL */
		goto out;
	while (head > 0 && pfn - head < 512 && (fl & 1ULL << 16)) {
		head--;
		if (pread(ff, &fl, 8, head * 8) != 8)
			goto out;
	}
	for (p = head; p < head + 512; p++) {
		if (p != head && (pread(ff, &fl, 8, p * 8) != 8 || !(fl & 1ULL << 16)))
			break;
		if (pread(fc, &cnt, 8, p * 8) != 8 || cnt != 1) {
			ret = 1;
			break;
		}
	}
out:
	if (ff >= 0)
		close(ff);
	if (fc >= 0)
		close(fc);
	return ret;
}

/*
 * What the kernel says of the page at @pfn, for a page that MADV_PAGEOUT
 * leaves mapped: a page being migrated is locked or off the LRU, a full
 * swap device refuses it; an rmap walk that misses this process's VMA
 * leaves it unlocked, on the LRU, with swap free.
 */
static void page_state(uint64_t pfn, char *buf, size_t len)
{
	int ff = open("/proc/kpageflags", O_RDONLY);
	int fc = open("/proc/kpagecount", O_RDONLY);
	uint64_t fl = ~0ULL, cnt = ~0ULL;
	long swfree = -1;
	char line[128];
	FILE *m = fopen("/proc/meminfo", "r");

	if (ff >= 0 && pread(ff, &fl, 8, pfn * 8) != 8)
		fl = ~0ULL;
	if (fc >= 0 && pread(fc, &cnt, 8, pfn * 8) != 8)
		cnt = ~0ULL;
	while (m && fgets(line, sizeof(line), m))
		if (sscanf(line, "SwapFree: %ld", &swfree) == 1)
			break;
	if (m)
		fclose(m);
	if (ff >= 0)
		close(ff);
	if (fc >= 0)
		close(fc);
	snprintf(buf, len, "pfn %#llx kpageflags %#llx (locked %d lru %d swapcache %d writeback %d) kpagecount %lld, SwapFree %ld kB",
		 (unsigned long long)pfn, (unsigned long long)fl, (int)(fl & 1),
		 (int)(fl >> 5 & 1), (int)(fl >> 13 & 1), (int)(fl >> 8 & 1),
		 (long long)cnt, swfree);
}

static void pageout_check(int ri, int s, int n)
{
	struct region *r = &R[ri];
	int fd, i, try, pinned = 0, ncpu = 0;
	cpu_set_t oldmask;
	char late[200];

	if (!have_swap)
		return;
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return;
	for (i = s; i < s + n; i++) {
		unsigned long a = r->addr + i * PS;
		uint64_t e = 0;

		/* Only pages that are ours alone and not KSM candidates. */
		if (!r->tag[i] || (r->fl[i] & (F_SHARED | F_MERGE)))
			continue;
		STAT(pageout_checked, 1);
		for (try = 0; try <= PAGEOUT_TRIES + PAGEOUT_LATE; try++) {
			if (pread(fd, &e, 8, (a / PS) * 8) != 8)
				fail("pagemap read: %s", strerror(errno));
			if (e >> 62 & 1)
				break;
			if (try == PAGEOUT_TRIES + PAGEOUT_LATE)
				break;
			if (try == PAGEOUT_TRIES) {
				/* by design: see below, no late tries */
				if ((e >> 63 & 1) &&
				    large_folio_not_exclusive(PM_PFN(e)))
					break;
				/* Rare, and worth seeing: say why, go on. */
				page_state(PM_PFN(e), late, sizeof(late));
				STAT(pageout_late, 1);
				out(2, "[%s] page %#lx (region %d page %d, flags %#x) not swapped after %d MADV_PAGEOUT retries, %d more 100 ms apart: %s\n",
				    path, a, ri, i, r->fl[i], PAGEOUT_TRIES,
				    PAGEOUT_LATE, late);
			}
			STAT(pageout_retried, 1);
			logop("  pageout retry %d: page %d (%#lx) pagemap %#llx",
			      try + 1, i, a, (unsigned long long)e);
			/*
			 * A folio that still sits in another CPU's LRU-add
			 * batch cannot be isolated, and madvise drains only
			 * the local batch: run the retry on each CPU in turn.
			 */
			if (!pinned) {
				pinned = !sched_getaffinity(0, sizeof(oldmask), &oldmask);
				ncpu = pinned ? CPU_COUNT(&oldmask) : 0;
			}
			if (ncpu > 0) {
				int want = try % ncpu, cpu;
				cpu_set_t one;

				for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
					if (CPU_ISSET(cpu, &oldmask) && !want--)
						break;
				CPU_ZERO(&one);
				CPU_SET(cpu, &one);
				sched_setaffinity(0, sizeof(one), &one);
			}
			ms_sleep(try < PAGEOUT_TRIES ? 5 << try : 100);
			if (madvise((void *)a, PS, MADV_PAGEOUT))
				fail("madvise(PAGEOUT) retry: %s", strerror(errno));
		}
		if (!(e >> 62 & 1)) {
			if (pinned)
				sched_setaffinity(0, sizeof(oldmask), &oldmask);
			if ((e >> 63 & 1) &&
			    large_folio_not_exclusive(PM_PFN(e))) {
				STAT(pageout_large_shared, 1);
				logop("  page %d (%#lx) is in a large folio mapped more than once: not paged out, by design",
				      i, a);
				continue;
			}
			STAT(pageout_missed, 1);
			close(fd);
			page_state(PM_PFN(e), late, sizeof(late));
			fail("rmap: page %#lx (region %d page %d, tag %#llx, flags %#x) exclusive to this process "
			     "still not swapped after %d MADV_PAGEOUT retries: pagemap %#llx, %s",
			     a, ri, i, (unsigned long long)r->tag[i], r->fl[i],
			     PAGEOUT_TRIES + PAGEOUT_LATE, (unsigned long long)e, late);
		}
	}
	if (pinned)
		sched_setaffinity(0, sizeof(oldmask), &oldmask);
	close(fd);
}

static void do_madvise(int kind)
{
	int ri = pick_region(kind != OP_DONTFORK && kind != OP_WIPEONFORK &&
			     kind != OP_DOFORK && kind != OP_KEEPONFORK), s, n;
	struct region *r;
	unsigned long a;
	int adv, rc, e;

	if (ri < 0)
		return;
	r = &R[ri];
	pick_range(ri, &s, &n);
	a = r->addr + s * PS;
	switch (kind) {
	case OP_DONTNEED: adv = MADV_DONTNEED; break;
	case OP_PAGEOUT: adv = MADV_PAGEOUT; break;
	case OP_COLD: adv = MADV_COLD; break;
	case OP_MERGEABLE: adv = MADV_MERGEABLE; break;
	case OP_UNMERGEABLE: adv = MADV_UNMERGEABLE; break;
	case OP_HUGEPAGE: adv = MADV_HUGEPAGE; break;
	case OP_NOHUGEPAGE: adv = MADV_NOHUGEPAGE; break;
	case OP_DONTFORK: adv = MADV_DONTFORK; break;
	case OP_DOFORK: adv = MADV_DOFORK; break;
	case OP_WIPEONFORK: adv = MADV_WIPEONFORK; break;
	case OP_KEEPONFORK: adv = MADV_KEEPONFORK; break;
	default: adv = MADV_POPULATE_WRITE; break;
	}
	if ((kind == OP_MERGEABLE || kind == OP_UNMERGEABLE) && !ksm_ok)
		return;
	if (kind == OP_POPULATE && any_flag(ri, s, n, F_RO))
		return;		/* would fail with EFAULT by design */
	rc = madvise((void *)a, n * PS, adv);
	e = errno;
	logop("%s region %d [%#lx +%d] pages %d..%d%s%s", ops[kind].name, ri,
	      r->addr, r->n, s, s + n - 1, rc ? ": " : "",
	      rc ? strerror(e) : "");
	if (rc) {
		STAT(op_failed[kind], 1);
		if ((kind == OP_MERGEABLE || kind == OP_UNMERGEABLE) && e == EINVAL) {
			ksm_ok = 0;	/* no CONFIG_KSM */
			return;
		}
		/* KSM unmerge and populate may be interrupted or run short. */
		if ((kind == OP_UNMERGEABLE || kind == OP_POPULATE) &&
		    (e == EINTR || e == ENOMEM || e == EAGAIN))
			return;
		if ((kind == OP_HUGEPAGE || kind == OP_NOHUGEPAGE) && e == EINVAL)
			return;		/* no THP */
		/* WIPEONFORK and KEEPONFORK are for anonymous memory only */
		if ((kind == OP_WIPEONFORK || kind == OP_KEEPONFORK) &&
		    e == EINVAL && r->file)
			return;
		fail("madvise(%#lx, %d pages, %s): %s", a, n, ops[kind].name,
		     strerror(e));
	}
	switch (kind) {
	case OP_DONTNEED:
		for (int i = s; i < s + n; i++)
			r->tag[i] = 0;
		set_flags(ri, s, n, 0, F_SHARED);
		break;
	case OP_PAGEOUT:
		STAT(pageout_calls, 1);
		pageout_check(ri, s, n);
		break;
	case OP_MERGEABLE: set_flags(ri, s, n, F_MERGE, 0); break;
	case OP_UNMERGEABLE: set_flags(ri, s, n, 0, F_MERGE); break;
	case OP_HUGEPAGE: set_flags(ri, s, n, F_HUGE, 0); break;
	case OP_NOHUGEPAGE: set_flags(ri, s, n, 0, F_HUGE); break;
	case OP_DONTFORK: set_flags(ri, s, n, F_DONTFORK, 0); break;
	case OP_DOFORK: set_flags(ri, s, n, 0, F_DONTFORK); break;
	case OP_WIPEONFORK: set_flags(ri, s, n, F_WIPE, 0); break;
	case OP_KEEPONFORK: set_flags(ri, s, n, 0, F_WIPE); break;
	}
	verify_range(ri, s, n);
}

static void do_brk(void)
{
	unsigned long cur = (unsigned long)sbrk(0);
	int grow, k;

	if (brk_reg < 0) {
		/* Start (or restart) our heap at the current page-aligned break. */
		unsigned long a = (cur + PS - 1) & ~(PS - 1);

		if (!free_slots() || total_pages() + 16 > MAXTOT)
			return;
		if (a != cur && sbrk(a - cur) == (void *)-1)
			goto failed;
		k = 1 + rn(16);
		if (sbrk(k * PS) == (void *)-1)
			goto failed;
		brk_base = a;
		brk_reg = new_region(a, k);
		R[brk_reg].brk = 1;
		populate(brk_reg, 50);
		logop("brk new heap region %d [%#lx +%d]", brk_reg, a, k);
		verify_range(brk_reg, 0, k);
		return;
	}
	if (cur != R[brk_reg].addr + R[brk_reg].n * PS)
		fail("break is %#lx, expected %#lx", cur,
		     R[brk_reg].addr + R[brk_reg].n * PS);
	grow = chance(60);
	if (grow) {
		k = 1 + rn(16);
		if (R[brk_reg].n + k > MAXPG || total_pages() + k > MAXTOT)
			return;
		if (sbrk(k * PS) == (void *)-1)
			goto failed;
		for (int i = R[brk_reg].n; i < R[brk_reg].n + k; i++) {
			R[brk_reg].tag[i] = 0;
			R[brk_reg].fl[i] = R[brk_reg].fl[R[brk_reg].n - 1] & F_VMA;
		}
		R[brk_reg].n += k;
		populate(brk_reg, 20);
	} else {
		k = 1 + rn(R[brk_reg].n);
		if (sbrk(-(long)k * PS) == (void *)-1)
			goto failed;
		R[brk_reg].n -= k;
		if (!R[brk_reg].n)
			brk_reg = -1;
	}
	logop("brk %s %d pages -> break %#lx", grow ? "grow" : "shrink", k,
	      (unsigned long)sbrk(0));
	if (brk_reg >= 0)
		verify_range(brk_reg, 0, R[brk_reg].n);
	return;
failed:
	STAT(op_failed[OP_BRK], 1);
	logop("brk failed: %s (tolerated)", strerror(errno));
}

static void do_move_pages(void)
{
	int ri = pick_region(1), s, n, i, k = 0, target;
	int idx[8], nodes[8], status[8], now[8];
	void *pages[8];
	struct region *r;
	long rc;

	if (!have_numa || ri < 0)
		return;
	r = &R[ri];
	pick_range(ri, &s, &n);
	for (i = s; i < s + n && k < 8; i++) {
		if (!r->tag[i] || (r->fl[i] & (F_MERGE | F_HUGE)) || chance(50))
			continue;
		idx[k] = i;
		pages[k++] = (void *)(r->addr + i * PS);
	}
	if (!k)
		return;
	/* Where are they now? Move them to the other node. */
	if (sys_move_pages(0, k, pages, NULL, now, 0))
		fail("move_pages query: %s", strerror(errno));
	target = now[0] >= 0 ? !now[0] : (int)rn(2);
	for (i = 0; i < k; i++) {
		nodes[i] = target;
		status[i] = -12345;
	}
	rc = sys_move_pages(0, k, pages, nodes, status, MPOL_MF_MOVE);
	STAT(mp_calls, 1);
	STAT(mp_pages, k);
	logop("move_pages region %d [%#lx +%d] %d pages from %d..%d to node %d: rc %ld",
	      ri, r->addr, r->n, k, idx[0], idx[k - 1], target, rc);
	if (rc < 0) {
		if (errno != ENOMEM && errno != EBUSY)
			fail("move_pages: %s", strerror(errno));
		STAT(mp_nomem, 1);
		goto verify;
	}
	if (rc > 0)
		STAT(mp_partial, 1);	/* some folios failed to migrate */
	for (i = 0; i < k; i++) {
		switch (status[i]) {
		case -12345: break;	/* not reported (rc > 0) */
		case -EBUSY: STAT(mp_busy, 1); break;
		case -ENOMEM: STAT(mp_nomem, 1); break;
		case -EACCES: STAT(mp_eacces, 1);
			if (!(r->fl[idx[i]] & F_SHARED))
				fail("move_pages: page %p (region %d page %d) exclusive to us reported -EACCES (mapped shared?)",
				     pages[i], ri, idx[i]);
			break;
		case -ENOENT: STAT(mp_enoent, 1); break;	/* swapped out */
		case -EFAULT: STAT(mp_efault, 1); break;
		default:
			if (status[i] < 0)
				fail("move_pages: page %p status %d", pages[i], status[i]);
			if (status[i] != target)
				fail("move_pages: page %p status %d, target node %d",
				     pages[i], status[i], target);
			STAT(mp_moved, 1);
		}
	}
	/* Ask again: what was reported as moved must be on the target node. */
	if (sys_move_pages(0, k, pages, NULL, now, 0))
		fail("move_pages query: %s", strerror(errno));
	for (i = 0; i < k; i++) {
		if (status[i] != target)
			continue;
		STAT(mp_checked, 1);
		if (now[i] >= 0 && now[i] != target && !numa_balancing)
			fail("rmap: page %p (region %d page %d) reported moved to node %d but is on node %d",
			     pages[i], ri, idx[i], target, now[i]);
	}
verify:
	for (i = 0; i < k; i++)
		verify_page(ri, idx[i]);
}

static void child_main(void);

static void do_fork(void)
{
	int slot, ri;
	uint64_t cseed;
	pid_t pid;

	cseed = rnd();	/* drawn first: the stream does not depend on timing */
	if (depth >= MAXDEPTH || live_children >= MAXCHILD)
		return;
	for (slot = 0; children[slot]; slot++)
		;
	if (__atomic_add_fetch(&S->live, 1, __ATOMIC_RELAXED) > (uint64_t)maxprocs) {
		__atomic_fetch_sub(&S->live, 1, __ATOMIC_RELAXED);
		return;
	}
	logop("fork child slot %d (seed %#llx)", slot, (unsigned long long)cseed);
	pid = fork();
	if (pid < 0) {
		__atomic_fetch_sub(&S->live, 1, __ATOMIC_RELAXED);
		STAT(op_failed[OP_FORK], 1);
		logop("fork failed: %s (tolerated)", strerror(errno));
		return;
	}
	if (pid == 0) {
		size_t l = strlen(path);

		snprintf(path + l, sizeof(path) - l, ".%d", slot);
		rng_state = splitmix(cseed) | 1;
		depth++;
		live_children = 0;
		memset(children, 0, sizeof(children));
		ring_pos = 0;
		opno = 0;
		child_main();	/* does not return */
	}
	children[slot] = pid;
	live_children++;
	STAT(procs, 1);
	{
		uint64_t l = S->live, m = S->max_live;

		while (l > m && !__atomic_compare_exchange_n(&S->max_live, &m, l,
				0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
	}
	/* The child now maps every page that it inherited. */
	for (ri = 0; ri < MAXREG; ri++)
		for (int i = 0; i < R[ri].n; i++)
			if (!(R[ri].fl[i] & (F_DONTFORK | F_WIPE)))
				R[ri].fl[i] |= F_SHARED;
}

static void do_exec(void)
{
	struct timespec lim;
	int status;
	pid_t pid, w;

	if (__atomic_add_fetch(&S->live, 1, __ATOMIC_RELAXED) > (uint64_t)maxprocs) {
		__atomic_fetch_sub(&S->live, 1, __ATOMIC_RELAXED);
		return;
	}
	pid = fork();
	if (pid < 0) {
		__atomic_fetch_sub(&S->live, 1, __ATOMIC_RELAXED);
		STAT(op_failed[OP_EXEC], 1);
		return;
	}
	if (pid == 0) {
		char *argv[] = { "torture", "--exec-check", NULL };

		execv(self_exe, argv);
		out(2, "exec %s: %s\n", self_exe, strerror(errno));
		_exit(1);
	}
	clock_gettime(CLOCK_MONOTONIC, &lim);
	lim.tv_sec += 120;
	while ((w = waitpid(pid, &status, WNOHANG)) == 0) {
		if (past(&lim)) {
			kill(pid, SIGKILL);
			fail("exec'ed child %d did not finish in 120 s", pid);
		}
		ms_sleep(10);
	}
	__atomic_fetch_sub(&S->live, 1, __ATOMIC_RELAXED);
	STAT(execs, 1);
	logop("exec child %d: status %#x", pid, status);
	if (w < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("exec'ed child %d failed: status %#x", pid, status);
}

#ifdef BREAK_SHADOW
static void break_shadow(void)
{
	int ri, i;

	for (ri = 0; ri < MAXREG; ri++)
		for (i = 0; i < R[ri].n; i++)
			if (R[ri].tag[i]) {
				R[ri].tag[i] ^= 1;
				logop("BREAK_SHADOW: corrupted shadow tag of %#lx (region %d page %d)",
				      R[ri].addr + i * PS, ri, i);
				broken = 1;
				return;
			}
}
#endif

static int pick_op(void)
{
	static int total;
	int w, k;

	if (!total)
		for (k = 0; k < NOPS; k++)
			total += ops[k].weight;
	w = rn(total);
	for (k = 0; k < NOPS; k++) {
		w -= ops[k].weight;
		if (w < 0)
			return k;
	}
	return OP_WRITE;
}

/* Run random operations until the deadline or max_ops (0 = unlimited). */
static void run_ops(uint64_t max_ops)
{
	while (!past(&deadline) && (!max_ops || opno < max_ops)) {
		int op = pick_op();

		opno++;
		reap(0, 0);
		if (op == OP_EXIT) {
			if (depth > 0 && chance(20)) {
				logop("random exit");
				return;
			}
			continue;
		}
		STAT(ops[op], 1);
		switch (op) {
		case OP_WRITE: do_write(); break;
		case OP_MMAP: do_mmap(); break;
		case OP_MMAP_THP: do_mmap_thp(); break;
		case OP_MUNMAP: do_munmap(); break;
		case OP_MPROTECT: do_mprotect(0); break;
		case OP_MPROTECT_BACK: do_mprotect(1); break;
		case OP_MREMAP_GROW:
		case OP_MREMAP_MAYMOVE:
		case OP_MREMAP_FIXED:
		case OP_MREMAP_DONTUNMAP:
		case OP_MREMAP_SHRINK: do_mremap(op); break;
		case OP_BRK: do_brk(); break;
		case OP_MOVE_PAGES: do_move_pages(); break;
		case OP_FORK: do_fork(); break;
		case OP_EXEC: do_exec(); break;
		case OP_VERIFY: verify_sample(64); break;
		default: do_madvise(op); break;
		}
#ifdef BREAK_SHADOW
		if (depth == 0 && opno >= 50 && !broken)
			break_shadow();
#endif
		if (opno % 16 == 0)
			verify_sample(32);
		if (opno % 64 == 0)
			verify_all();
	}
}

/* A forked child: check what we inherited, work, check, exit. */
static void child_main(void)
{
	int ri, i;

	/* DONTFORK ranges are not mapped here; WIPEONFORK ranges are zero. */
	for (ri = 0; ri < MAXREG; ri++) {
		if (!R[ri].n)
			continue;
		for (i = 0; i < R[ri].n; i++) {
			if (R[ri].fl[i] & F_WIPE)
				R[ri].tag[i] = 0;
			else
				R[ri].fl[i] |= F_SHARED;
		}
	}
	for (;;) {
		int found = 0;

		for (ri = 0; ri < MAXREG && !found; ri++) {
			for (i = 0; i < R[ri].n; i++) {
				unsigned long a;
				int j = i;

				if (!(R[ri].fl[i] & F_DONTFORK))
					continue;
				while (j < R[ri].n && (R[ri].fl[j] & F_DONTFORK))
					j++;
				/* Must not be mapped in the child. */
				a = R[ri].addr + i * PS;
				if (page_mapped(a))
					fail("MADV_DONTFORK page %#lx (region %d page %d) is mapped in the child",
					     a, ri, i);
				/* A middle cut needs a slot: drop the tail instead. */
				if (i > 0 && j < R[ri].n && !free_slots())
					j = R[ri].n;
				region_cut(ri, i, j - i);
				found = 1;
				break;
			}
		}
		if (!found)
			break;
	}
	logop("child %s start: %d regions, %d pages", path,
	      MAXREG - free_slots(), total_pages());
	verify_all();
	run_ops(30 + rn(300));
	reap(1, 120 + seconds);
	verify_all();
	logop("child %s done", path);
	_exit(0);
}

static int exec_check(void)
{
	int n = 8, i, status;
	uint64_t *p = mmap(NULL, n * PS, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	if (p == MAP_FAILED)
		return 1;
	for (i = 0; i < n; i++)
		fill_page((unsigned long)p + i * PS, i + 1);
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < n; i++)
			if (p[i * WORDS + 7] != ((uint64_t)(i + 1) ^ (7 * GOLDEN)))
				_exit(1);
		fill_page((unsigned long)p, 99);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status)
		return 1;
	for (i = 0; i < n; i++)
		if (p[i * WORDS + 7] != ((uint64_t)(i + 1) ^ (7 * GOLDEN)))
			return 1;
	return munmap(p, n * PS) ? 1 : 0;
}

/* ---- KSM control ---- */
static const char *ksm_dir = "/sys/kernel/mm/ksm";
static char ksm_saved[3][32];
static const char *ksm_knobs[3] = { "run", "sleep_millisecs", "pages_to_scan" };

static int read_file(const char *p, char *buf, int len)
{
	int fd = open(p, O_RDONLY), n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return n;
}

static int write_file(const char *p, const char *v)
{
	int fd = open(p, O_WRONLY), rc;

	if (fd < 0)
		return -1;
	rc = write(fd, v, strlen(v)) == (ssize_t)strlen(v) ? 0 : -1;
	close(fd);
	return rc;
}

static long ksm_stat(const char *name)
{
	char p[128], buf[32];

	snprintf(p, sizeof(p), "%s/%s", ksm_dir, name);
	if (read_file(p, buf, sizeof(buf)) < 0)
		return -1;
	return atol(buf);
}

static void ksm_setup(int on)
{
	static const char *val[3] = { "1", "20", "1000" };
	char p[128];
	int k;

	for (k = 0; k < 3; k++) {
		snprintf(p, sizeof(p), "%s/%s", ksm_dir, ksm_knobs[k]);
		if (on) {
			if (read_file(p, ksm_saved[k], sizeof(ksm_saved[k])) < 0 ||
			    write_file(p, val[k])) {
				out(1, "# ksm: cannot set %s, KSM daemon not used\n", p);
				ksm_ctl = 0;
				return;
			}
		} else if (ksm_saved[k][0]) {
			/* Restore run last: the order is reversed. */
			snprintf(p, sizeof(p), "%s/%s", ksm_dir, ksm_knobs[2 - k]);
			write_file(p, ksm_saved[2 - k]);
		}
	}
}

static void usage(void)
{
	out(2, "usage: torture -s SEED -t SECONDS [-p MAXPROCS] [-k] [-f] [-v]\n"
	       "  -s SEED      PRNG seed (everything is derived from it)\n"
	       "  -t SECONDS   run time (default 60)\n"
	       "  -p MAXPROCS  max live processes, 1..%d (default 8)\n"
	       "  -k           run the KSM daemon (changes /sys/kernel/mm/ksm)\n"
	       "  -f           map half of the small regions from a memfd\n"
	       "  -v           log every operation of the root process\n",
	       HARD_MAXPROCS);
	exit(2);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	char buf[64];
	int c, k, rc;
	long shared_before, sharing, shared, max_sharing = 0, max_shared = 0;
	uint64_t total_ops = 0;
	pid_t pid;
	int status;

	if (argc == 2 && !strcmp(argv[1], "--exec-check"))
		return exec_check();
	while ((c = getopt(argc, argv, "s:t:p:kfvh")) != -1) {
		switch (c) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 't': seconds = atoi(optarg); break;
		case 'p': maxprocs = atoi(optarg); break;
		case 'k': ksm_ctl = 1; break;
		case 'f': file_fd = 0; break;
		case 'v': verbose = 1; break;
		default: usage();
		}
	}
	if (optind != argc || seconds <= 0 || maxprocs < 1 ||
	    maxprocs > HARD_MAXPROCS)
		usage();
	rng_state = splitmix(seed) | 1;

	S = mmap(NULL, PS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	if (S == MAP_FAILED) {
		out(2, "mmap shared: %s\n", strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = crash_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	if (file_fd >= 0) {
		file_fd = memfd_create("torture", 0);
		if (file_fd < 0 || ftruncate(file_fd, 2 * FILE_WINDOW * PS)) {
			out(2, "memfd: %s\n", strerror(errno));
			return 1;
		}
	}

	/* What can be checked here? */
	{
		char sw[256];
		int n = read_file("/proc/swaps", sw, sizeof(sw));

		have_swap = n > 0 && strchr(sw, '\n') != NULL;
	}
	if (!access("/sys/devices/system/node/node1", F_OK)) {
		int st;
		void *pg = S;

		have_numa = sys_move_pages(0, 1, &pg, NULL, &st, 0) == 0;
	}
	if (read_file("/proc/sys/kernel/numa_balancing", buf, sizeof(buf)) > 0)
		numa_balancing = atoi(buf);
	if (access(ksm_dir, F_OK))
		ksm_ok = 0;
	if (ksm_ctl && ksm_ok)
		ksm_setup(1);
	shared_before = ksm_stat("pages_sharing");
	if (read_file("/proc/sys/vm/anon_vma_lazy", buf, sizeof(buf)) < 0)
		strcpy(buf, "absent");

	out(1, "# torture: seed %llu, %d s, max %d processes, swap %s, numa %s%s, "
	    "ksm %s, file regions %s, vm.anon_vma_lazy %s\n",
	    (unsigned long long)seed, seconds,
	    maxprocs, have_swap ? "yes" : "no (pageout checks skipped)",
	    have_numa ? "yes" : "no (move_pages skipped)",
	    numa_balancing ? " (balancing on: node checks relaxed)" : "",
	    !ksm_ok ? "absent" : ksm_ctl ? "daemon on" : "madvise only",
	    file_fd >= 0 ? "yes" : "no", buf);

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += seconds;
	S->live = S->max_live = 1;
	S->procs = 1;

	/*
	 * The tree runs in a child of this process so that this one can
	 * restore KSM settings and print the summary whatever happens.
	 */
	pid = fork();
	if (pid < 0) {
		out(2, "fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		run_ops(0);
		reap(1, 120 + seconds);
		verify_all();
#ifdef BREAK_SHADOW
		out(2, "BREAK_SHADOW build: corruption was not detected\n");
		_exit(1);
#endif
		_exit(0);
	}
	/* KSM merges only while the tree runs: sample its counters. */
	for (;;) {
		long v;

		k = waitpid(pid, &status, WNOHANG);
		if (k == pid || (k < 0 && errno != EINTR))
			break;
		v = ksm_stat("pages_sharing");
		if (v > max_sharing)
			max_sharing = v;
		v = ksm_stat("pages_shared");
		if (v > max_shared)
			max_shared = v;
		ms_sleep(200);
	}
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	sharing = ksm_stat("pages_sharing");
	shared = ksm_stat("pages_shared");
	if (ksm_ctl)
		ksm_setup(0);

	out(1, "# torture summary (seed %llu):\n", (unsigned long long)seed);
	for (k = 0; k < NOPS; k++) {
		total_ops += S->ops[k];
		if (S->ops[k] || S->op_failed[k])
			out(1, "#   op %-20s %8llu  (refused, tolerated: %llu)\n",
			    ops[k].name, (unsigned long long)S->ops[k],
			    (unsigned long long)S->op_failed[k]);
	}
	out(1, "#   total ops %llu, processes %llu (max live %llu), execs %llu, region splits %llu, thp regions %llu\n",
	    (unsigned long long)total_ops, (unsigned long long)S->procs,
	    (unsigned long long)S->max_live, (unsigned long long)S->execs,
	    (unsigned long long)S->splits, (unsigned long long)S->thp_regions);
	out(1, "#   pages verified %llu, full verifications %llu\n",
	    (unsigned long long)S->pages_verified,
	    (unsigned long long)S->full_verifies);
	out(1, "#   pageout: %llu calls, %llu pages checked swapped%s, %llu retries, %llu pages past %d retries, "
	    "%llu never swapped, %llu left in a shared large folio\n",
	    (unsigned long long)S->pageout_calls,
	    (unsigned long long)S->pageout_checked,
	    have_swap ? "" : " (no swap: skipped)",
	    (unsigned long long)S->pageout_retried,
	    (unsigned long long)S->pageout_late, PAGEOUT_TRIES,
	    (unsigned long long)S->pageout_missed,
	    (unsigned long long)S->pageout_large_shared);
	out(1, "#   move_pages: %llu calls, %llu pages, %llu moved, %llu checked on target; tolerated: "
	    "%llu busy, %llu nomem, %llu eacces(shared), %llu enoent, %llu efault, %llu partial%s\n",
	    (unsigned long long)S->mp_calls, (unsigned long long)S->mp_pages,
	    (unsigned long long)S->mp_moved, (unsigned long long)S->mp_checked,
	    (unsigned long long)S->mp_busy, (unsigned long long)S->mp_nomem,
	    (unsigned long long)S->mp_eacces, (unsigned long long)S->mp_enoent,
	    (unsigned long long)S->mp_efault, (unsigned long long)S->mp_partial,
	    have_numa ? "" : " (single node: skipped)");
	out(1, "#   ksm: %llu duplicate pages written; during the run max pages_shared %ld, max pages_sharing %ld; "
	    "at the end %ld/%ld (before: sharing %ld)%s\n",
	    (unsigned long long)S->ksm_dups, max_shared, max_sharing, shared,
	    sharing, shared_before,
	    ksm_ok && ksm_ctl && S->ksm_dups && max_sharing <= 0 && !rc ?
	    " -- note: no merging observed" : "");
	/* The figures the host reads (scripts/figures.py, FIGURES["torture"]). */
	out(1, "bench-data: figures src=torture seed=%llu torture_ops=%llu torture_procs=%llu "
	    "torture_execs=%llu pages_verified=%llu pageout_checked=%llu "
	    "pageout_large_shared=%llu pages_migrated=%llu ksm_dup_pages=%llu\n",
	    (unsigned long long)seed, (unsigned long long)total_ops,
	    (unsigned long long)S->procs, (unsigned long long)S->execs,
	    (unsigned long long)S->pages_verified,
	    (unsigned long long)S->pageout_checked,
	    (unsigned long long)S->pageout_large_shared,
	    (unsigned long long)S->mp_moved, (unsigned long long)S->ksm_dups);
	if (rc) {
		out(1, "# torture: FAIL (seed %llu, exit %d); reproduce: torture -s %llu -t %d -p %d%s\n",
		    (unsigned long long)seed, rc, (unsigned long long)seed,
		    seconds, maxprocs, ksm_ctl ? " -k" : "");
		return 1;
	}
	out(1, "# torture: PASS (seed %llu)\n", (unsigned long long)seed);
	return 0;
}

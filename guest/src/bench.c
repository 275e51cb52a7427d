// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - memory, speed and lock-contention workloads of make bench.
 *
 * Usage:
 *   bench mem                  slab usage of the memory workloads
 *   bench speed [-r REPS] [-q] timings of the speed workloads (-q: quick
 *                              subset with smaller sizes, for make run)
 *   bench lock [-i ITERS] [-n] zygote with VMA churn and reclaim, then the
 *                              anon_vma lines of /proc/lock_stat (-n: the
 *                              workload only, for kernels without LOCK_STAT)
 *   bench walk [-r REPS]       timings of the rmap walk precision workloads
 *   bench life [-i STARTS]     Android-like lifecycle: a zygote with 2,000
 *                              faulted VMAs starts and kills apps (24
 *                              alive) while its shared pages migrate
 *   bench mem -q               the memory workloads without vmas-10000
 *
 * Every workload runs in a fresh process (fork + exec of this program), so
 * it starts with an mm of its own, as a real program would. The driver
 * forks once before its idle snapshot, so that its own first fork (which
 * releases its lazy root) is not charged to the first workload.
 *
 * Output (one line each, read by scripts/benchreport.py):
 *   bench-data: slab wl=W phase=P cache=C active_objs=N num_objs=N
 *               objsize=N pagesperslab=N num_slabs=N
 *       phase idle (driver, before any workload), peak (the workload
 *       with all its processes alive), after (driver, workload reaped)
 *   bench-data: time test=T n=N rep=R ops=N ns=N
 *       ns is the total CLOCK_MONOTONIC time of ops operations
 *   bench-data: check test=T key=K value=N
 *       sanity figures (pages swapped out, pages migrated, ...)
 *   bench-data: life starts=N apps=N vmas=N fork_p50_ns=N fork_p99_ns=N
 *               start_p50_ns=N start_p99_ns=N kill_p50_ns=N kill_p99_ns=N
 *               migrated=N ns=N
 *   bench-lockstat: <a line of /proc/lock_stat>
 *       the statistics lines of &anon_vma->rwsem and &mm->mmap_lock
 *
 * Needs root, /proc/slabinfo, zram swap (pageout), 2 NUMA nodes
 * (migration), KSM, and /proc/lock_stat for "lock". Exit 0 on success.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG "bench"
#include "common.h"


#define NWORKERS 24

/* anon_vma_lazy: lazy anon_vmas, a cache of their own (patched kernels) */
static const char *const caches[] = { "anon_vma", "anon_vma_chain",
				      "vm_area_struct", "anon_vma_lazy" };
#define NCACHES (sizeof(caches) / sizeof(caches[0]))
#define NREQUIRED 3

static size_t ps;
static const char *self = "/proc/self/exe";

static void fail(const char *what)
{
	fprintf(stderr, "bench: %s\n", what);
	exit(1);
}

/*
 * vm_area_structs are freed through call_rcu(): wait for grace periods
 * (MEMBARRIER_CMD_GLOBAL is synchronize_rcu()) and give the callbacks
 * time to run, so that a snapshot does not count VMAs already unmapped.
 */
static void settle_rcu(void)
{
	for (int i = 0; i < 2; i++) {
		if (syscall(SYS_membarrier, 1 /* MEMBARRIER_CMD_GLOBAL */, 0, 0))
			die_errno("membarrier");
		usleep(20000);
	}
}

static void print_slab(const char *wl, const char *phase)
{
	struct slabinfo si[NCACHES];
	int found[NCACHES];
	char tags[256];

	settle_rcu();
	slabinfo_read(caches, NCACHES, si, found);
	snprintf(tags, sizeof(tags), "wl=%s phase=%s", wl, phase);
	slabinfo_print(tags, si, found, NCACHES);
	for (size_t i = 0; i < NREQUIRED; i++)
		if (!found[i]) {
			fprintf(stderr, "bench: cache %s missing from /proc/slabinfo (boot with slab_nomerge)\n",
				caches[i]);
			exit(1);
		}
	fflush(stdout);
}

static unsigned long long vmstat(const char *key)
{
	unsigned long long v = 0;

	vmstat_find(key, &v);
	return v;
}

static void write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val)) {
		fprintf(stderr, "bench: write %s to %s: %s\n", val, path,
			strerror(errno));
		exit(1);
	}
	close(fd);
}

static unsigned long read_ul(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (fd < 0)
		die_errno(path);
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		die_errno(path);
	return strtoul(buf, NULL, 10);
}

/*
 * Map n private anonymous VMAs of `pages` pages, separated by 1-page
 * holes so that they neither merge nor share an anon_vma with a
 * neighbour; touch every page if `touch`.
 */
static char *map_vmas(size_t n, size_t pages, int touch)
{
	size_t stride = (pages + 1) * ps;
	char *base = map_holed_vmas(n, pages, ps);

	for (size_t i = 0; touch && i < n; i++)
		for (size_t p = 0; p < pages; p++)
			memset(base + i * stride + p * ps, (int)((i + p) & 0x7f) | 1, 64);
	return base;
}

static char *vma_at(char *base, size_t pages, size_t i)
{
	return base + i * (pages + 1) * ps;
}

/* ---- process plumbing --------------------------------------------- */

struct gate {
	int ready[2];	/* workers write one byte when set up */
	int go[2];	/* closed by the leader: EOF releases everyone */
};

static void gate_init(struct gate *g)
{
	if (pipe(g->ready) || pipe(g->go))
		die_errno("pipe");
}

static pid_t xfork(void)
{
	pid_t pid = fork();

	if (pid < 0)
		die_errno("fork");
	return pid;
}

/* fork() a worker of @g: 0 in the worker, its pid in the leader. */
static pid_t gate_fork(struct gate *g)
{
	pid_t pid = xfork();

	if (pid == 0) {
		close(g->ready[0]);
		close(g->go[1]);
	}
	return pid;
}

static void gate_ready(struct gate *g)
{
	char c = 'r';

	if (write(g->ready[1], &c, 1) != 1)
		die_errno("write ready");
}

static void gate_wait_go(struct gate *g)
{
	char c;
	ssize_t r;

	do {
		r = read(g->go[0], &c, 1);
	} while (r < 0 && errno == EINTR);
}

/* In the leader: wait for n ready bytes. */
static void gate_wait_ready(struct gate *g, size_t n)
{
	size_t got = 0;

	while (got < n) {
		char buf[64];
		ssize_t r = read(g->ready[0], buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			fail("a worker died before it was ready");
		got += (size_t)r;
	}
}

static void reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		die_errno("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "bench: child %d ended with status 0x%x\n",
			(int)pid, st);
		exit(1);
	}
}

/* Run this program again as "bench ARGV..." in a fresh process; wait. */
static void run_fresh(char *const argv[])
{
	pid_t pid = fork();

	if (pid < 0)
		die_errno("fork");
	if (pid == 0) {
		execv(self, argv);
		die_errno("execv self");
	}
	reap(pid);
}

/* ---- memory workloads ------------------------------------------------ */

/* One process with n faulted 1-page VMAs. */
static void wl_vmas(const char *wl, size_t n)
{
	map_vmas(n, 1, 1);
	print_slab(wl, "peak");
}

/*
 * Workers of a forking leader: read every inherited page, COW-write the
 * first page of every `cow_every`-th inherited VMA, map and touch `own`
 * private VMAs of 4 pages, report ready and wait.
 */
static void worker(struct gate *g, char *base, size_t n, size_t pages,
		   size_t cow_every, size_t own)
{
	volatile char sum = 0;

	for (size_t i = 0; i < n; i++) {
		char *v = vma_at(base, pages, i);

		for (size_t p = 0; p < pages; p++)
			sum += v[p * ps];
		if (cow_every && i % cow_every == 0)
			v[0] = (char)(0x80 | (i & 0x7f));
	}
	map_vmas(own, 4, 1);
	gate_ready(g);
	gate_wait_go(g);
	_exit(0);
}

static void leader(const char *wl, size_t n, size_t pages, size_t cow_every,
		   size_t own)
{
	struct gate g;
	pid_t pids[NWORKERS];
	char *base = map_vmas(n, pages, 1);

	gate_init(&g);
	for (size_t i = 0; i < NWORKERS; i++) {
		pids[i] = gate_fork(&g);
		if (pids[i] == 0)
			worker(&g, base, n, pages, cow_every, own);
	}
	close(g.ready[1]);
	close(g.go[0]);
	gate_wait_ready(&g, NWORKERS);
	print_slab(wl, "peak");
	close(g.go[1]);
	for (size_t i = 0; i < NWORKERS; i++)
		reap(pids[i]);
}

/*
 * A prefork server: the parent's inherited memory (500 VMAs of 8 pages),
 * 24 workers that read all of it, write every 2nd VMA's first page, and
 * use 32 private VMAs each.
 */
static void wl_prefork(void)
{
	leader("prefork", 500, 8, 2, 32);
}

/*
 * A zygote: the parent preloads 2000 VMAs of 4 pages, forks 24 apps that
 * each COW-write one page in every 8th preloaded VMA and map 64 private
 * VMAs of their own.
 */
static void wl_zygote(void)
{
	leader("zygote", 2000, 4, 8, 64);
}

/*
 * Fork + exec: a parent with 100 faulted VMAs starts 24 programs (this
 * binary again, "child-exec") that each map 16 VMAs and stay alive.
 */
static void wl_forkexec(void)
{
	struct gate g;
	pid_t pids[NWORKERS];
	char fd[16];

	map_vmas(100, 4, 1);
	gate_init(&g);
	for (size_t i = 0; i < NWORKERS; i++) {
		pids[i] = gate_fork(&g);
		if (pids[i] == 0) {
			if (dup2(g.ready[1], 3) < 0 || dup2(g.go[0], 0) < 0)
				die_errno("dup2");
			snprintf(fd, sizeof(fd), "%d", 3);
			execl(self, "bench", "child-exec", fd, (char *)NULL);
			die_errno("exec child-exec");
		}
	}
	close(g.ready[1]);
	close(g.go[0]);
	gate_wait_ready(&g, NWORKERS);
	print_slab("forkexec", "peak");
	close(g.go[1]);
	for (size_t i = 0; i < NWORKERS; i++)
		reap(pids[i]);
}

static void child_exec(void)
{
	char c = 'r';
	ssize_t r;

	map_vmas(16, 4, 1);
	if (write(3, &c, 1) != 1)
		die_errno("child-exec: write ready");
	do {
		r = read(0, &c, 1);
	} while (r < 0 && errno == EINTR);
	_exit(0);
}

/*
 * A fork chain of depth 24: each level maps 32 VMAs of 2 pages, writes
 * one page of every VMA it inherited, and forks the next level. All
 * levels stay alive until the measurement.
 */
#define CHAIN_DEPTH 24
#define CHAIN_VMAS 32

static void chain_level(struct gate *g, char **bases)
{
	pid_t pid = 0;
	int level;

	for (level = 0; level < CHAIN_DEPTH; level++) {
		bases[level] = map_vmas(CHAIN_VMAS, 2, 1);
		for (int l = 0; l < level; l++)
			for (size_t i = 0; i < CHAIN_VMAS; i++)
				vma_at(bases[l], 2, i)[0] = (char)level;
		gate_ready(g);
		if (level + 1 == CHAIN_DEPTH)
			break;
		pid = xfork();
		if (pid)
			break;
	}
	gate_wait_go(g);
	if (pid)
		reap(pid);
	_exit(0);
}

static void wl_forkchain(void)
{
	static char *bases[CHAIN_DEPTH];
	struct gate g;
	pid_t pid;

	gate_init(&g);
	pid = gate_fork(&g);
	if (pid == 0) {
		chain_level(&g, bases);
	}
	close(g.ready[1]);
	close(g.go[0]);
	gate_wait_ready(&g, CHAIN_DEPTH);
	print_slab("forkchain", "peak");
	close(g.go[1]);
	reap(pid);
}

/*
 * A process that grows while it spawns short-lived helpers, as a shell or
 * a job runner does: 1,000 1-page VMAs, each faulted after a fork whose
 * child exits at once.
 */
static void wl_forkfault(void)
{
	char *base = map_vmas(1000, 1, 0);
	pid_t pid;

	for (size_t i = 0; i < 1000; i++) {
		vma_at(base, 1, i)[0] = (char)(i | 1);
		pid = xfork();
		if (pid == 0)
			_exit(0);
		reap(pid);
	}
	print_slab("forkfault", "peak");
}

static void run_mem(const char *wl)
{
	if (!strncmp(wl, "vmas-", 5))
		wl_vmas(wl, strtoul(wl + 5, NULL, 10));
	else if (!strcmp(wl, "prefork"))
		wl_prefork();
	else if (!strcmp(wl, "zygote"))
		wl_zygote();
	else if (!strcmp(wl, "forkexec"))
		wl_forkexec();
	else if (!strcmp(wl, "forkchain"))
		wl_forkchain();
	else if (!strcmp(wl, "forkfault"))
		wl_forkfault();
	else
		fail("unknown memory workload");
}

static void warm_up(void)
{
	pid_t pid = fork();

	if (pid < 0)
		die_errno("fork");
	if (pid == 0)
		_exit(0);
	reap(pid);
}

static int cmd_mem(int quick)
{
	static const char *const wls[] = {
		"vmas-10", "vmas-100", "vmas-1000", "vmas-10000",
		"prefork", "forkexec", "zygote", "forkchain", "forkfault",
	};

	warm_up();
	print_slab("all", "idle");
	for (size_t i = 0; i < sizeof(wls) / sizeof(wls[0]); i++) {
		char *argv[] = { "bench", "run-mem", (char *)wls[i], NULL };

		if (quick && !strcmp(wls[i], "vmas-10000"))
			continue;
		run_fresh(argv);
		print_slab(wls[i], "after");
	}
	return 0;
}

/* ---- speed workloads ------------------------------------------------- */

static int rep_no;

static void report(const char *test, size_t n, size_t ops, uint64_t ns)
{
	printf("bench-data: time test=%s n=%zu rep=%d ops=%zu ns=%llu\n",
	       test, n, rep_no, ops, (unsigned long long)ns);
	fflush(stdout);
}

static void check(const char *test, const char *key, long long value)
{
	printf("bench-data: check test=%s key=%s value=%lld\n", test, key,
	       value);
	fflush(stdout);
}

/*
 * Time one fork (parent side, until fork() returns). The child waits for
 * EOF on a pipe before it exits, so its exit is not part of the figure.
 */
static uint64_t timed_fork(void)
{
	uint64_t t0, t;
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		die_errno("pipe");
	t0 = now_ns();
	pid = fork();
	t = now_ns() - t0;
	if (pid < 0)
		die_errno("fork");
	if (pid == 0) {
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	close(p[1]);
	reap(pid);
	return t;
}

/*
 * Fork latency of a process with n faulted 1-page VMAs: the first fork
 * (the first after the faults, which upgraded a lazy root in series v2)
 * and the mean of the next four.
 */
static void sp_fork(size_t n)
{
	uint64_t t = 0;

	map_vmas(n, 1, 1);
	report("fork1", n, 1, timed_fork());
	for (int i = 0; i < 4; i++)
		t += timed_fork();
	report("fork2", n, 4, t);
}

/* First touch of n fresh 1-page VMAs: one anon_vma_prepare() each. */
static void sp_fault_vmas(size_t n)
{
	char *base = map_vmas(n, 1, 0);
	uint64_t t0 = now_ns();

	for (size_t i = 0; i < n; i++)
		vma_at(base, 1, i)[0] = 1;
	report("fault-vmas", n, n, now_ns() - t0);
}

/* First touch of the n pages of one VMA (one anon_vma_prepare total). */
static void sp_fault_pages(size_t n)
{
	char *p = mmap(NULL, n * ps, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t t0;

	if (p == MAP_FAILED)
		die_errno("mmap");
	if (madvise(p, n * ps, MADV_NOHUGEPAGE))
		die_errno("madvise NOHUGEPAGE");
	t0 = now_ns();
	for (size_t i = 0; i < n; i++)
		p[i * ps] = 1;
	report("fault-pages", n, n, now_ns() - t0);
}

/*
 * MADV_PAGEOUT of nvmas VMAs of `pages` exclusively mapped pages: every
 * page goes through try_to_unmap(), an rmap walk of its anon_vma.
 */
static void sp_pageout(size_t nvmas, size_t pages)
{
	char *base = map_vmas(nvmas, pages, 1);
	unsigned long long before = vmstat("pswpout");
	uint64_t t0 = now_ns(), t;

	for (size_t i = 0; i < nvmas; i++)
		if (madvise(vma_at(base, pages, i), pages * ps, MADV_PAGEOUT))
			die_errno("madvise PAGEOUT");
	t = now_ns() - t0;
	report("pageout", nvmas * pages, nvmas * pages, t);
	if (rep_no == 1)
		check("pageout", "pswpout", (long long)(vmstat("pswpout") - before));
}

static void timed_migrate(const char *test, size_t nlog, char **v, size_t n,
			  int flags);

/* move_pages() of every page to node 1 and back to node 0. */
static void sp_migrate(size_t nvmas, size_t pages)
{
	size_t n = nvmas * pages;
	char *base = map_vmas(nvmas, pages, 1);
	char **addr = calloc(n, sizeof(*addr));

	if (!addr)
		die_errno("calloc");
	for (size_t i = 0; i < nvmas; i++)
		for (size_t p = 0; p < pages; p++)
			addr[i * pages + p] = vma_at(base, pages, i) + p * ps;
	timed_migrate("migrate", n, addr, n, MPOL_MF_MOVE);
	free(addr);
}

/* mmap 4 pages, write one, munmap; n times. */
static void sp_mmap_churn(size_t n)
{
	uint64_t t0 = now_ns();

	for (size_t i = 0; i < n; i++) {
		char *p = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die_errno("mmap");
		p[ps] = 1;
		if (munmap(p, 4 * ps))
			die_errno("munmap");
	}
	report("mmap-churn", n, n, now_ns() - t0);
}

/* Split a faulted 64-page VMA with mprotect and merge it back; n times. */
static void sp_mprotect_churn(size_t n)
{
	char *p = mmap(NULL, 64 * ps, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t t0;

	if (p == MAP_FAILED)
		die_errno("mmap");
	for (size_t i = 0; i < 64; i++)
		p[i * ps] = 1;
	t0 = now_ns();
	for (size_t i = 0; i < n; i++) {
		if (mprotect(p + 16 * ps, 2 * ps, PROT_READ) ||
		    mprotect(p + 16 * ps, 2 * ps, PROT_READ | PROT_WRITE))
			die_errno("mprotect");
	}
	report("mprotect-churn", n, n, now_ns() - t0);
}

/*
 * KSM: n identical pages in VMAs of 32 pages; time from MADV_MERGEABLE
 * until ksmd has merged them all: pages_shared + pages_sharing >= n (one
 * KSM page serves at most max_page_sharing mappings, so n identical pages
 * become several KSM pages).
 */
static void sp_ksm(size_t n)
{
	size_t nvmas = n / 32;
	char *base = map_vmas(nvmas, 32, 0);
	uint64_t t0, t;
	unsigned long sharing = 0;

	for (size_t i = 0; i < nvmas; i++) {
		char *v = vma_at(base, 32, i);

		memset(v, 0x5a, 32 * ps);
	}
	write_file("/sys/kernel/mm/ksm/run", "2");
	write_file("/sys/kernel/mm/ksm/pages_to_scan", "4096");
	write_file("/sys/kernel/mm/ksm/sleep_millisecs", "1");
	t0 = now_ns();
	for (size_t i = 0; i < nvmas; i++)
		if (madvise(vma_at(base, 32, i), 32 * ps, MADV_MERGEABLE))
			die_errno("madvise MERGEABLE");
	write_file("/sys/kernel/mm/ksm/run", "1");
	for (;;) {
		sharing = read_ul("/sys/kernel/mm/ksm/pages_sharing") +
			  read_ul("/sys/kernel/mm/ksm/pages_shared");
		if (sharing >= nvmas * 32)
			break;
		t = now_ns() - t0;
		if (t > 600ull * 1000000000ull)
			fail("KSM did not merge within 600 s of guest time");
		usleep(500);
	}
	t = now_ns() - t0;
	write_file("/sys/kernel/mm/ksm/run", "2");
	report("ksm", nvmas * 32, 1, t);
	if (rep_no == 1)
		check("ksm", "pages_merged", (long long)sharing);
	write_file("/sys/kernel/mm/ksm/run", "0");
}

/* Exit of a process with nvmas faulted VMAs: from SIGKILL to waitpid(). */
static void sp_exit(size_t nvmas, size_t pages)
{
	struct gate g;
	uint64_t t0;
	pid_t pid;

	gate_init(&g);
	pid = gate_fork(&g);
	if (pid == 0) {
		map_vmas(nvmas, pages, 1);
		gate_ready(&g);
		gate_wait_go(&g);
		_exit(0);
	}
	close(g.ready[1]);
	close(g.go[0]);
	gate_wait_ready(&g, 1);
	t0 = now_ns();
	kill(pid, SIGKILL);
	if (waitpid(pid, NULL, 0) != pid)
		die_errno("waitpid");
	report("exit", nvmas, 1, now_ns() - t0);
	close(g.go[1]);
}

/* fork + exec + exit + wait of a static program, n times, from a parent
 * with 100 faulted VMAs. */
static void sp_forkexec(size_t n)
{
	uint64_t t0;

	map_vmas(100, 4, 1);
	t0 = now_ns();
	for (size_t i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die_errno("fork");
		if (pid == 0) {
			execl(self, "bench", "noop", (char *)NULL);
			die_errno("exec noop");
		}
		reap(pid);
	}
	report("forkexec", n, n, now_ns() - t0);
}

/* ---- rmap walk precision --------------------------------------------- */

/*
 * Shapes where one lazy anon_vma per process would make a walk visit
 * VMAs that cannot map the page (issue 12's table). Upstream gives each
 * VMA an anon_vma of its own, so its cost per page is flat in n. Only the
 * walks are timed: MADV_PAGEOUT (try_to_unmap) or move_pages() there and
 * back (try_to_migrate, remove_migration_ptes).
 */
static int memfd_pages(size_t pages)
{
	int fd = memfd_create("bench", 0);

	if (fd < 0 || ftruncate(fd, (off_t)(pages * ps)))
		die_errno("memfd");
	return fd;
}

/* n private 1-page mappings of fd, mapping i at page offset i % span, COWed */
static char **map_cowed(int fd, size_t n, size_t span)
{
	char **v = calloc(n, sizeof(*v));

	if (!v)
		die_errno("calloc");
	for (size_t i = 0; i < n; i++) {
		v[i] = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
			    (off_t)((i % span) * ps));
		if (v[i] == MAP_FAILED)
			die_errno("mmap file");
		v[i][0] = (char)(i | 1);
	}
	return v;
}

/*
 * VMAs that walks found in lazy anon_vmas since @before: patched kernels
 * with CONFIG_DEBUG_VM only (the counter ticks per visited VMA).
 */
static void check_visits(const char *test, unsigned long long before)
{
	unsigned long long v;

	if (rep_no == 1 && vmstat_find("anon_vma_lazy_walk", &v))
		check(test, "lazy_walk_visits", (long long)(v - before));
}

static void timed_pageout(const char *test, size_t nlog, char **v, size_t n)
{
	unsigned long long before = vmstat("pswpout");
	unsigned long long visits = vmstat("anon_vma_lazy_walk");
	uint64_t t0 = now_ns();

	for (size_t i = 0; i < n; i++)
		if (madvise(v[i], ps, MADV_PAGEOUT))
			die_errno("madvise PAGEOUT");
	report(test, nlog, n, now_ns() - t0);
	check_visits(test, visits);
	if (rep_no == 1)
		check(test, "pswpout", (long long)(vmstat("pswpout") - before));
}

/* move_pages() of n pages to node 1 and back, timed; checks where they went */
static void timed_migrate(const char *test, size_t nlog, char **v, size_t n,
			  int flags)
{
	int *nodes = calloc(n, sizeof(int)), *status = calloc(n, sizeof(int));
	unsigned long long visits;
	uint64_t t0;
	size_t ok = 0;

	if (!nodes || !status)
		die_errno("calloc");
	visits = vmstat("anon_vma_lazy_walk");
	t0 = now_ns();
	for (int target = 1; target >= 0; target--) {
		for (size_t i = 0; i < n; i++)
			nodes[i] = target;
		if (syscall(SYS_move_pages, 0, n, v, nodes, status, flags))
			die_errno("move_pages");
		for (size_t i = 0; i < n; i++)
			ok += status[i] == target;
	}
	report(test, nlog, 2 * n, now_ns() - t0);
	check_visits(test, visits);
	if (rep_no == 1)
		check(test, "pages_on_target", (long long)ok);
	free(nodes);
	free(status);
}

/* Private file (or /dev/zero) mappings all at offset 0: pageout of each */
static void wk_offset0(size_t n, int devzero)
{
	int fd = devzero ? open("/dev/zero", O_RDWR) : memfd_pages(1);

	if (fd < 0)
		die_errno("open /dev/zero");
	timed_pageout(devzero ? "walk-devzero" : "walk-files0", n,
		      map_cowed(fd, n, 1), n);
}

/* n anonymous VMAs of one vm_pgoff: each mapped at one address, mremapped */
static void wk_moved(size_t n)
{
	char *base = map_vmas(n + 1, 1, 0), *fixed = vma_at(base, 1, n);
	char **v = calloc(n, sizeof(*v));

	if (!v)
		die_errno("calloc");
	for (size_t i = 0; i < n; i++) {
		if (i && mmap(fixed, ps, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != fixed)
			die_errno("mmap fixed");
		fixed[0] = (char)(i | 1);
		v[i] = mremap(fixed, ps, ps, MREMAP_MAYMOVE | MREMAP_FIXED,
			      vma_at(base, 1, i));
		if (v[i] != vma_at(base, 1, i))
			die_errno("mremap");
	}
	timed_pageout("walk-moved", n, v, n);
}

/*
 * n anonymous 1-page VMAs a page apart, each moved by mremap() and grown
 * to `grow` pages where it lands, as realloc() does: it keeps vm_pgoff,
 * so its page offsets now cover those of the grow / 2 VMAs mapped after
 * it. 6.12 gave each VMA an anon_vma of its own (no neighbour to share
 * one with). MADV_PAGEOUT of each VMA's one faulted page (per page).
 */
static void wk_grown(size_t n, size_t grow)
{
	size_t stride = (grow + 1) * ps;
	char *base = map_vmas(n, 1, 1), **v = calloc(n, sizeof(*v));
	char *dst = mmap(NULL, n * stride, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (!v || dst == MAP_FAILED)
		die_errno("walk-grown set-up");
	for (size_t i = 0; i < n; i++) {
		v[i] = mremap(vma_at(base, 1, i), ps, grow * ps,
			      MREMAP_MAYMOVE | MREMAP_FIXED, dst + i * stride);
		if (v[i] != dst + i * stride)
			die_errno("mremap");
	}
	timed_pageout("walk-grown", n, v, n);
}

/*
 * Fork `kids` children that wait until release_kids(); each first unmaps
 * drop_len bytes at drop, if drop, and maps n COWed private mappings of fd
 * of its own, if fd >= 0.
 */
static pid_t kid_pids[64];

static void spawn_kids(struct gate *g, size_t kids, int fd, size_t n,
		       char *drop, size_t drop_len)
{
	if (kids > sizeof(kid_pids) / sizeof(kid_pids[0]))
		fail("too many children");
	gate_init(g);
	for (size_t k = 0; k < kids; k++) {
		kid_pids[k] = gate_fork(g);
		if (kid_pids[k] == 0) {
			if (drop && munmap(drop, drop_len))
				die_errno("munmap");
			if (fd >= 0)
				map_cowed(fd, n, 16);
			gate_ready(g);
			gate_wait_go(g);
			_exit(0);
		}
	}
	gate_wait_ready(g, kids);
}

static void release_kids(struct gate *g, size_t kids)
{
	close(g->go[1]);
	for (size_t k = 0; k < kids; k++)
		reap(kid_pids[k]);
}

/*
 * n anonymous 1-page VMAs, faulted, then `kids` children that each unmap
 * all but the first: move_pages() there and back of the parent's now
 * unshared pages of the others (per page move). 6.12's walk of each visits
 * one VMA, the children's avcs gone with their VMAs. Migration, because
 * remove_migration_ptes() walks every VMA the anon_vma may hold, where the
 * walks of reclaim stop once the one mapping is gone.
 */
static void wk_unshared(size_t kids, size_t n)
{
	char *base = map_vmas(n, 1, 1), **v = calloc(n, sizeof(*v));
	struct gate g;

	if (!v)
		die_errno("calloc");
	spawn_kids(&g, kids, -1, 0, vma_at(base, 1, 1), (n - 1) * 2 * ps);
	for (size_t i = 1; i < n; i++)
		v[i - 1] = vma_at(base, 1, i);
	timed_migrate("walk-unshared", kids, v, n - 1, MPOL_MF_MOVE);
	release_kids(&g, kids);
}

/*
 * n private file mappings at 16 overlapping offsets, COWed, then shared
 * with `kids` children that map as many of their own: migrate the shared
 * pages.
 */
static void wk_shared_files(size_t kids, size_t n)
{
	int fd = memfd_pages(16);
	char **v = map_cowed(fd, n, 16);
	struct gate g;

	spawn_kids(&g, kids, fd, n, NULL, 0);
	timed_migrate("walk-shared-files", kids, v, n, MPOL_MF_MOVE_ALL);
	release_kids(&g, kids);
}

/*
 * Every fork starts a new lazy root for the parent's later faults: n VMAs
 * alternating between two roots, shared with 8 children, migrated.
 */
static void wk_interleaved(size_t n)
{
	char *base = map_vmas(n, 1, 0);
	char **v = calloc(n, sizeof(*v));
	struct gate g;
	pid_t pid;

	if (!v)
		die_errno("calloc");
	for (int odd = 0; odd < 2; odd++) {
		for (size_t i = odd; i < n; i += 2) {
			v[i] = vma_at(base, 1, i);
			v[i][0] = (char)(i | 1);
		}
		pid = xfork();
		if (pid == 0)
			_exit(0);
		reap(pid);
	}
	spawn_kids(&g, 8, -1, 0, NULL, 0);
	timed_migrate("walk-interleaved", n, v, n, MPOL_MF_MOVE_ALL);
	release_kids(&g, 8);
}

/*
 * One private file mapping of n pages, COWed, then split into n VMAs by
 * mprotect() of every other page: pageout of each page. Upstream chains
 * the pieces to one anon_vma (an interval tree); a lazy anon_vma keeps
 * them on its file list.
 */
static void wk_split_files(size_t n)
{
	int fd = memfd_pages(n);
	char *p = mmap(NULL, n * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char **v = calloc(n, sizeof(*v));

	if (p == MAP_FAILED || !v)
		die_errno("mmap file");
	for (size_t i = 0; i < n; i++) {
		v[i] = p + i * ps;
		v[i][0] = (char)(i | 1);
	}
	for (size_t i = 1; i < n; i += 2)
		if (mprotect(v[i], ps, PROT_READ))
			die_errno("mprotect");
	timed_pageout("walk-split-files", n, v, n);
}

#define KSM_PAGES 512

/*
 * KSM_PAGES KSM pages, each merged from a page of VMA a and the same page
 * of VMA b, in a process with n other VMAs: migrate a's pages (each
 * migration walks two rmap_items). Moved: a and b were faulted and then
 * mremap()ed, so their page offsets are not their addresses. Each
 * move_pages() call first drains the LRU caches of every CPU, a stall
 * whose length varies: 512 pages per call make it small against the walks
 * (with 64, reps of one kernel were up to 6x apart).
 */
static void wk_ksm(size_t n, int moved)
{
	char *a = mmap(NULL, KSM_PAGES * ps, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *b = mmap(NULL, KSM_PAGES * ps, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char **v = calloc(KSM_PAGES, sizeof(*v));
	uint64_t t0 = now_ns();

	if (a == MAP_FAILED || b == MAP_FAILED || !v)
		die_errno("mmap");
	if (moved) {
		char *to = mmap(NULL, 4 * KSM_PAGES * ps, PROT_NONE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (to == MAP_FAILED)
			die_errno("mmap");
		/* copy_vma() resets an unfaulted VMA's offset to its address */
		a[0] = b[0] = 1;
		a = mremap(a, KSM_PAGES * ps, KSM_PAGES * ps,
			   MREMAP_MAYMOVE | MREMAP_FIXED, to);
		b = mremap(b, KSM_PAGES * ps, KSM_PAGES * ps,
			   MREMAP_MAYMOVE | MREMAP_FIXED, to + 2 * KSM_PAGES * ps);
		if (a != to || b != to + 2 * KSM_PAGES * ps)
			die_errno("mremap");
	}
	map_vmas(n, 1, 1);
	for (size_t i = 0; i < KSM_PAGES; i++) {
		/* page i of a and of b alike, unlike every other page */
		memset(a + i * ps, 0x40, ps);
		memcpy(a + i * ps, &i, sizeof(i));
		memcpy(b + i * ps, a + i * ps, ps);
		v[i] = a + i * ps;
	}
	write_file("/sys/kernel/mm/ksm/run", "2");
	write_file("/sys/kernel/mm/ksm/pages_to_scan", "4096");
	write_file("/sys/kernel/mm/ksm/sleep_millisecs", "1");
	if (madvise(a, KSM_PAGES * ps, MADV_MERGEABLE) ||
	    madvise(b, KSM_PAGES * ps, MADV_MERGEABLE))
		die_errno("madvise MERGEABLE");
	write_file("/sys/kernel/mm/ksm/run", "1");
	while (read_ul("/sys/kernel/mm/ksm/pages_sharing") +
	       read_ul("/sys/kernel/mm/ksm/pages_shared") < 2 * KSM_PAGES) {
		if (now_ns() - t0 > 600ull * 1000000000ull)
			fail("KSM did not merge within 600 s of guest time");
		usleep(500);
	}
	write_file("/sys/kernel/mm/ksm/run", "0");
	timed_migrate(moved ? "walk-ksm-moved" : "walk-ksm", n, v, KSM_PAGES,
		      MPOL_MF_MOVE_ALL);
	write_file("/sys/kernel/mm/ksm/run", "2");
	free(v);
}

struct speed_test {
	const char *name;
	size_t a, b;
	int quick;	/* part of the quick subset (make run) */
	int walk;	/* part of "bench walk", not of "bench speed" */
};

static const struct speed_test speed_tests[] = {
	{ "fork", 10, 0, 1, 0 },
	{ "fork", 100, 0, 0, 0 },
	{ "fork", 1000, 0, 1, 0 },
	{ "fork", 10000, 0, 0, 0 },
	{ "fault-vmas", 10000, 0, 1, 0 },
	{ "fault-pages", 16384, 0, 1, 0 },
	{ "pageout", 1000, 16, 1, 0 },
	{ "migrate", 1000, 8, 1, 0 },
	{ "mmap-churn", 20000, 0, 1, 0 },
	{ "mprotect-churn", 20000, 0, 1, 0 },
	{ "ksm", 4096, 0, 1, 0 },
	{ "exit", 1000, 4, 1, 0 },
	{ "exit", 10000, 1, 0, 0 },
	{ "forkexec", 200, 0, 1, 0 },
	{ "walk-files0", 100, 0, 0, 1 },
	{ "walk-files0", 1000, 0, 0, 1 },
	{ "walk-devzero", 1000, 0, 0, 1 },
	{ "walk-moved", 1000, 0, 0, 1 },
	{ "walk-moved", 4000, 0, 0, 1 },
	{ "walk-shared-files", 8, 1000, 0, 1 },
	{ "walk-shared-files", 32, 1000, 0, 1 },
	{ "walk-interleaved", 1000, 0, 0, 1 },
	{ "walk-ksm", 1000, 0, 0, 1 },
	{ "walk-ksm", 10000, 0, 0, 1 },
	{ "walk-ksm-moved", 10000, 0, 0, 1 },
	{ "walk-split-files", 1000, 0, 0, 1 },
	{ "walk-split-files", 4000, 0, 0, 1 },
	{ "walk-grown", 1000, 64, 0, 1 },
	{ "walk-unshared", 8, 1000, 0, 1 },
	{ "walk-unshared", 32, 1000, 0, 1 },
};

static void run_speed(const char *name, size_t a, size_t b)
{
	if (!strcmp(name, "fork"))
		sp_fork(a);
	else if (!strcmp(name, "fault-vmas"))
		sp_fault_vmas(a);
	else if (!strcmp(name, "fault-pages"))
		sp_fault_pages(a);
	else if (!strcmp(name, "pageout"))
		sp_pageout(a, b);
	else if (!strcmp(name, "migrate"))
		sp_migrate(a, b);
	else if (!strcmp(name, "mmap-churn"))
		sp_mmap_churn(a);
	else if (!strcmp(name, "mprotect-churn"))
		sp_mprotect_churn(a);
	else if (!strcmp(name, "ksm"))
		sp_ksm(a);
	else if (!strcmp(name, "exit"))
		sp_exit(a, b);
	else if (!strcmp(name, "forkexec"))
		sp_forkexec(a);
	else if (!strcmp(name, "walk-files0"))
		wk_offset0(a, 0);
	else if (!strcmp(name, "walk-devzero"))
		wk_offset0(a, 1);
	else if (!strcmp(name, "walk-moved"))
		wk_moved(a);
	else if (!strcmp(name, "walk-shared-files"))
		wk_shared_files(a, b);
	else if (!strcmp(name, "walk-interleaved"))
		wk_interleaved(a);
	else if (!strcmp(name, "walk-ksm"))
		wk_ksm(a, 0);
	else if (!strcmp(name, "walk-ksm-moved"))
		wk_ksm(a, 1);
	else if (!strcmp(name, "walk-split-files"))
		wk_split_files(a);
	else if (!strcmp(name, "walk-grown"))
		wk_grown(a, b);
	else if (!strcmp(name, "walk-unshared"))
		wk_unshared(a, b);
	else
		fail("unknown speed test");
}

static int cmd_speed(int reps, int quick, int walk)
{
	warm_up();
	for (int r = 1; r <= reps; r++) {
		for (size_t i = 0; i < sizeof(speed_tests) / sizeof(speed_tests[0]); i++) {
			const struct speed_test *t = &speed_tests[i];
			char rs[16], as[32], bs[32];
			char *argv[] = { "bench", "run-speed", (char *)t->name,
					 as, bs, rs, NULL };

			if ((quick && !t->quick) || t->walk != walk)
				continue;
			snprintf(rs, sizeof(rs), "%d", r);
			snprintf(as, sizeof(as), "%zu", t->a);
			snprintf(bs, sizeof(bs), "%zu", t->b);
			run_fresh(argv);
		}
	}
	return 0;
}

/* ---- lock contention ------------------------------------------------- */

#define LOCK_VMAS 1000
#define LOCK_PAGES 4

/*
 * A zygote child under churn: for each iteration, pick an inherited VMA,
 * COW-write a page of it, split and merge it with mprotect (write lock of
 * its anon_vma root), page the VMA out (rmap walk under the read lock of
 * the same root), and mmap/touch/munmap a private VMA.
 */
static void lock_child(struct gate *g, char *base, int idx, size_t iters)
{
	gate_ready(g);
	gate_wait_go(g);
	for (size_t k = 0; k < iters; k++) {
		size_t i = ((size_t)idx * 7919 + k * 31) % LOCK_VMAS;
		char *v = vma_at(base, LOCK_PAGES, i);
		char *p;

		v[(k % LOCK_PAGES) * ps] = (char)k;
		if (mprotect(v + ps, ps, PROT_READ) ||
		    mprotect(v + ps, ps, PROT_READ | PROT_WRITE))
			die_errno("mprotect");
		if (madvise(v, LOCK_PAGES * ps, MADV_PAGEOUT))
			die_errno("madvise PAGEOUT");
		p = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die_errno("mmap");
		p[0] = 1;
		if (munmap(p, 4 * ps))
			die_errno("munmap");
	}
	_exit(0);
}

static void print_lockstat(void)
{
	char line[1024];
	FILE *f = fopen("/proc/lock_stat", "r");
	int n = 0;

	if (!f)
		die_errno("open /proc/lock_stat (needs CONFIG_LOCK_STAT)");
	while (fgets(line, sizeof(line), f)) {
		char *s = line;

		while (*s == ' ')
			s++;
		if ((strncmp(s, "&anon_vma->rwsem", 16) &&
		     strncmp(s, "&mm->mmap_lock", 14)) || !strchr(s, ':'))
			continue;
		/* statistics lines only, not the contention points */
		if (strchr(s, '['))
			continue;
		printf("bench-lockstat: %s", s);
		n++;
	}
	fclose(f);
	if (!n)
		fail("no &anon_vma->rwsem line in /proc/lock_stat");
	fflush(stdout);
}

static int cmd_lock(size_t iters, int no_lockstat)
{
	struct gate g;
	pid_t pids[NWORKERS];
	char *base;
	uint64_t t0, t;
	size_t rounds = 0;
	int st;

	if (!no_lockstat)
		write_file("/proc/sys/kernel/lock_stat", "1");
	base = map_vmas(LOCK_VMAS, LOCK_PAGES, 1);
	gate_init(&g);
	for (int i = 0; i < NWORKERS; i++) {
		pids[i] = gate_fork(&g);
		if (pids[i] == 0)
			lock_child(&g, base, i, iters);
	}
	close(g.ready[1]);
	close(g.go[0]);
	gate_wait_ready(&g, NWORKERS);
	if (!no_lockstat)
		write_file("/proc/lock_stat", "0");
	t0 = now_ns();
	close(g.go[1]);
	/*
	 * The parent is the reclaimer: it COW-writes its own copy of a page
	 * and pages it out, VMA after VMA, until every child is done.
	 */
	for (size_t done = 0; done < NWORKERS;) {
		for (size_t i = 0; i < LOCK_VMAS; i += 10) {
			char *v = vma_at(base, LOCK_PAGES, i);

			v[2 * ps] = (char)rounds;
			if (madvise(v, LOCK_PAGES * ps, MADV_PAGEOUT))
				die_errno("madvise PAGEOUT");
		}
		rounds++;
		for (int i = 0; i < NWORKERS; i++) {
			pid_t r;

			if (!pids[i])
				continue;
			r = waitpid(pids[i], &st, WNOHANG);
			if (r < 0)
				die_errno("waitpid");
			if (r == 0)
				continue;
			if (!WIFEXITED(st) || WEXITSTATUS(st))
				fail("a lock worker failed");
			pids[i] = 0;
			done++;
		}
	}
	t = now_ns() - t0;
	printf("bench-data: lock iters=%zu workers=%d vmas=%d parent_rounds=%zu ns=%llu\n",
	       iters, NWORKERS, LOCK_VMAS, rounds, (unsigned long long)t);
	if (!no_lockstat)
		print_lockstat();
	return 0;
}

/* ---- Android-like lifecycle ----------------------------------------- */

#define LIFE_VMAS 2000
#define LIFE_PAGES 4
#define LIFE_APPS 24
#define LIFE_COW 64	/* inherited VMAs an app writes to */
#define LIFE_BATCH 100	/* pages per move_pages() call */

/*
 * An app: COW-write page 1 of LIFE_COW inherited VMAs, map and touch a
 * private VMA, say it is up, and wait to be killed.
 */
static void life_app(char *base, int up_fd, size_t idx)
{
	char *p;

	for (size_t k = 0; k < LIFE_COW; k++)
		vma_at(base, LIFE_PAGES, (idx * 131 + k * 29) % LIFE_VMAS)[ps] = (char)k;
	p = mmap(NULL, 16 * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die_errno("mmap");
	for (size_t i = 0; i < 16; i++)
		p[i * ps] = 1;
	if (write(up_fd, "u", 1) != 1)
		die_errno("write");
	for (;;)
		pause();
}

/*
 * Reclaim's stand-in: MADV_PAGEOUT skips pages mapped by more than one
 * process and the bench kernels have no memcg (memory.reclaim), so this
 * moves the zygote's shared pages (page 0 of every VMA, which no app
 * writes) to the other node and back with MPOL_MF_MOVE_ALL, until killed.
 * Migration walks the rmap of each page twice (unmap, then remove the
 * migration entries) under the anon_vma lock, as reclaim's unmap does.
 */
static void life_migrator(char *base, unsigned long *moved)
{
	void *pages[LIFE_BATCH];
	int nodes[LIFE_BATCH], status[LIFE_BATCH];

	for (int target = 1;; target ^= 1) {
		for (size_t i = 0; i < LIFE_VMAS; i += LIFE_BATCH) {
			unsigned long ok = 0;

			for (size_t j = 0; j < LIFE_BATCH; j++) {
				pages[j] = vma_at(base, LIFE_PAGES, i + j);
				nodes[j] = target;
			}
			if (syscall(SYS_move_pages, 0, LIFE_BATCH, pages, nodes,
				    status, MPOL_MF_MOVE_ALL) < 0)
				die_errno("move_pages");
			for (size_t j = 0; j < LIFE_BATCH; j++)
				ok += status[j] == target;
			__atomic_add_fetch(moved, ok, __ATOMIC_RELAXED);
		}
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The p-th percentile of n samples (sorts them) */
static uint64_t pct_ns(uint64_t *v, size_t n, int p)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[(n - 1) * (size_t)p / 100];
}

static int cmd_life(size_t starts)
{
	uint64_t *fork_ns = calloc(starts, sizeof(uint64_t));
	uint64_t *start_ns = calloc(starts, sizeof(uint64_t));
	uint64_t *kill_ns = calloc(starts, sizeof(uint64_t));
	pid_t apps[LIFE_APPS] = { 0 }, mig;
	unsigned long *moved, moved0;
	size_t nkill = 0;
	uint64_t t0, t;
	char *base;
	int up[2];

	if (!fork_ns || !start_ns || !kill_ns || starts <= LIFE_APPS)
		fail("life: needs more starts than apps, and memory");
	moved = mmap(NULL, ps, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (moved == MAP_FAILED)
		die_errno("mmap");
	base = map_vmas(LIFE_VMAS, LIFE_PAGES, 1);
	if (pipe(up))
		die_errno("pipe");
	mig = xfork();
	if (!mig)
		life_migrator(base, moved);
	usleep(100000);
	moved0 = __atomic_load_n(moved, __ATOMIC_RELAXED);
	t0 = now_ns();
	for (size_t s = 0; s < starts; s++) {
		size_t slot = s % LIFE_APPS;
		pid_t pid;
		char c;

		if (apps[slot]) {
			t = now_ns();
			if (kill(apps[slot], SIGKILL) ||
			    waitpid(apps[slot], NULL, 0) != apps[slot])
				die_errno("kill app");
			kill_ns[nkill++] = now_ns() - t;
		}
		t = now_ns();
		pid = xfork();
		if (!pid)
			life_app(base, up[1], s);
		fork_ns[s] = now_ns() - t;
		if (read(up[0], &c, 1) != 1)
			die_errno("read: an app died before it was up");
		start_ns[s] = now_ns() - t;
		apps[slot] = pid;
	}
	t = now_ns() - t0;
	moved0 = __atomic_load_n(moved, __ATOMIC_RELAXED) - moved0;
	for (size_t i = 0; i < LIFE_APPS; i++)
		if (apps[i] && (kill(apps[i], SIGKILL) || waitpid(apps[i], NULL, 0) < 0))
			die_errno("kill app");
	if (kill(mig, SIGKILL) || waitpid(mig, NULL, 0) < 0)
		die_errno("kill migrator");
	if (!moved0)
		fail("life: no page migrated (needs 2 NUMA nodes)");
	printf("bench-data: life starts=%zu apps=%d vmas=%d fork_p50_ns=%llu fork_p99_ns=%llu start_p50_ns=%llu start_p99_ns=%llu kill_p50_ns=%llu kill_p99_ns=%llu migrated=%lu ns=%llu\n",
	       starts, LIFE_APPS, LIFE_VMAS,
	       (unsigned long long)pct_ns(fork_ns, starts, 50),
	       (unsigned long long)pct_ns(fork_ns, starts, 99),
	       (unsigned long long)pct_ns(start_ns, starts, 50),
	       (unsigned long long)pct_ns(start_ns, starts, 99),
	       (unsigned long long)pct_ns(kill_ns, nkill, 50),
	       (unsigned long long)pct_ns(kill_ns, nkill, 99),
	       moved0, (unsigned long long)t);
	return 0;
}

/* ---- main ------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr, "usage: bench mem [-q] | speed [-r REPS] [-q] | walk [-r REPS] | lock [-i ITERS] [-n] | life [-i STARTS]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	int reps = 5, quick = 0, no_lockstat = 0, opt;
	size_t iters = 300;
	const char *cmd;

	ps = (size_t)sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	cmd = argv[1];
	/* internal entry points of fresh processes */
	if (!strcmp(cmd, "noop"))
		return 0;
	if (!strcmp(cmd, "child-exec")) {
		child_exec();
		return 0;
	}
	if (!strcmp(cmd, "run-mem") && argc == 3) {
		run_mem(argv[2]);
		return 0;
	}
	if (!strcmp(cmd, "run-speed") && argc == 6) {
		cpu_set_t cpus;

		/*
		 * Everything on CPU 0: under QEMU -icount the guest clock
		 * counts the instructions of every vCPU, so work on the other
		 * CPU would be charged to the timed section.
		 */
		CPU_ZERO(&cpus);
		CPU_SET(0, &cpus);
		if (sched_setaffinity(0, sizeof(cpus), &cpus))
			die_errno("sched_setaffinity");
		rep_no = atoi(argv[5]);
		run_speed(argv[2], strtoul(argv[3], NULL, 10),
			  strtoul(argv[4], NULL, 10));
		return 0;
	}
	optind = 2;
	while ((opt = getopt(argc, argv, "qnr:i:")) != -1) {
		switch (opt) {
		case 'q': quick = 1; break;
		case 'n': no_lockstat = 1; break;
		case 'r': reps = atoi(optarg); break;
		case 'i': iters = strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (reps < 1 || !iters)
		usage();
	if (!strcmp(cmd, "mem"))
		return cmd_mem(quick);
	if (!strcmp(cmd, "speed"))
		return cmd_speed(reps, quick, 0);
	if (!strcmp(cmd, "walk"))
		return cmd_speed(reps, 0, 1);
	if (!strcmp(cmd, "lock"))
		return cmd_lock(iters, no_lockstat);
	if (!strcmp(cmd, "life"))
		return cmd_life(iters);
	usage();
	return 1;
}

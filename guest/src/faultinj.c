// SPDX-License-Identifier: GPL-2.0
/*
 * faultinj.c - anonymous-memory operations under injected allocation
 * failures.
 *
 * Forks worker processes that mark themselves for fault injection
 * (/proc/self/make-it-fail = 1; the failslab / fail_page_alloc settings in
 * debugfs are made by the caller, see guest/suites/faultinj) and then, for
 * the given time, do random operations on private anonymous memory:
 *
 *   fault   mmap a region and write every page (first-touch faults)
 *   fork    fork; the child verifies, COW-writes, splits, mremaps and exits
 *   mremap  grow in place / move (MAYMOVE), move to a fixed address
 *   split   mprotect the middle of a region read-only and back; munmap one
 *           page out of the middle (three-way and two-way VMA splits)
 *   write   rewrite random pages (COW after fork)
 *   unmap   munmap a whole region
 *
 * Every page carries a tag the process remembers (a shadow): after every
 * operation, successful or not, the pages it touched are verified, so a
 * failed split/mremap/fork that loses or corrupts memory is caught.
 * A syscall may fail only with the errors the man pages document for lack
 * of memory (ENOMEM, EAGAIN for fork); anything else fails the run. Page
 * faults must never kill the process: a fault whose allocation was failed
 * returns VM_FAULT_OOM and is retried by the kernel; SIGBUS or SIGSEGV
 * fails the run.
 *
 * usage: faultinj -t SECONDS [-s SEED] [-w WORKERS] [-F]
 *        faultinj -S
 *   -F  no fork (for runs that fail vmalloc-backed allocations: a failed
 *       kernel stack allocation prints a warn_alloc() stack trace)
 *   -S  print the in-use objects of the anon_vma and anon_vma_chain slab
 *       caches ("anon_vma N anon_vma_chain M") and exit. Exact: it first
 *       flushes the per-CPU slabs (/sys/kernel/slab/CACHE/shrink), whose
 *       free objects /proc/slabinfo would count as active, and allocates
 *       nothing from these caches between the flush and the read.
 * Exit: 0 pass, 1 fail, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG "faultinj"
#include "common.h"

#define PS		4096UL
#define MAXPG		64
#define MAXREG		24
#define GOLDEN		0x9E3779B97F4A7C15ULL

struct region {
	unsigned long addr;	/* 0: free slot */
	int n;
	int frag;		/* split or holed once: may span several VMAs */
	uint64_t tag[MAXPG];	/* 0: page unmapped (hole) */
};

static struct region reg[MAXREG];
static uint64_t rng;
static const char *who = "w";
static struct timespec deadline;

enum { OP_FAULT, OP_FORK, OP_MREMAP, OP_MOVE, OP_SPLIT, OP_HOLE, OP_WRITE, OP_UNMAP, NOPS };
static const char *opname[NOPS] = {
	"fault", "fork", "mremap", "move", "split", "hole", "write", "unmap"
};
static unsigned long nops[NOPS], nfailed[NOPS], nspan;
static int no_fork;

#define die(...) fail_exit(who, __VA_ARGS__)

static uint64_t newtag(void)
{
	uint64_t t;

	do
		t = xorshift64(&rng);
	while (!t);
	return t;
}

static void fill(unsigned long addr, uint64_t tag)
{
	uint64_t *p = (uint64_t *)addr;
	unsigned int i;

	for (i = 0; i < PS / 8; i += 64)
		p[i] = tag ^ (i * GOLDEN);
	p[PS / 8 - 1] = ~tag;
}

static void check(int ri, int i, const char *ctx)
{
	struct region *r = &reg[ri];
	volatile uint64_t *p = (volatile uint64_t *)(r->addr + i * PS);
	uint64_t tag = r->tag[i];
	unsigned int w;

	if (!tag)
		return;
	for (w = 0; w < PS / 8; w += 64)
		if (p[w] != (tag ^ (w * GOLDEN)))
			die("%s: region %d page %d word %u at %#lx: %#llx, want %#llx",
			    ctx, ri, i, w, r->addr + i * PS,
			    (unsigned long long)p[w],
			    (unsigned long long)(tag ^ (w * GOLDEN)));
	if (p[PS / 8 - 1] != ~tag)
		die("%s: region %d page %d last word differs", ctx, ri, i);
}

static void check_region(int ri, const char *ctx)
{
	int i;

	for (i = 0; i < reg[ri].n; i++)
		check(ri, i, ctx);
}

static void check_all(const char *ctx)
{
	int ri;

	for (ri = 0; ri < MAXREG; ri++)
		if (reg[ri].addr)
			check_region(ri, ctx);
}

/* A syscall failed: only a lack-of-memory error is allowed. */
static void tolerate(int op, int e, const char *call)
{
	if (e != ENOMEM && !(op == OP_FORK && e == EAGAIN))
		die("%s: %s (only ENOMEM%s is documented for lack of memory)",
		    call, strerror(e), op == OP_FORK ? "/EAGAIN" : "");
	nfailed[op]++;
}

static int pick(int used)
{
	int ri, start = xorshift64(&rng) % MAXREG;

	for (ri = 0; ri < MAXREG; ri++) {
		int k = (start + ri) % MAXREG;

		if (!!reg[k].addr == used)
			return k;
	}
	return -1;
}

static void op_fault(void)
{
	int ri = pick(0), n = 1 + xorshift64(&rng) % MAXPG, i;
	void *p;

	if (ri < 0)
		return;
	p = mmap(NULL, n * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		tolerate(OP_FAULT, errno, "mmap");
		return;
	}
	reg[ri].addr = (unsigned long)p;
	reg[ri].n = n;
	reg[ri].frag = 0;
	for (i = 0; i < n; i++) {
		reg[ri].tag[i] = newtag();
		fill(reg[ri].addr + i * PS, reg[ri].tag[i]);
	}
	check_region(ri, "after fault");
}

static void op_write(void)
{
	int ri = pick(1), k, i;

	if (ri < 0)
		return;
	for (k = 0; k < 8; k++) {
		i = xorshift64(&rng) % reg[ri].n;
		if (!reg[ri].tag[i])
			continue;
		reg[ri].tag[i] = newtag();
		fill(reg[ri].addr + i * PS, reg[ri].tag[i]);
	}
	check_region(ri, "after write");
}

static void op_unmap(void)
{
	int ri = pick(1);

	if (ri < 0)
		return;
	if (munmap((void *)reg[ri].addr, reg[ri].n * PS))
		tolerate(OP_UNMAP, errno, "munmap");
	else
		reg[ri].addr = 0;
}

static void op_mremap(int fixed)
{
	int ri = pick(1), n;
	unsigned long old;
	void *p, *hole = NULL;

	if (ri < 0)
		return;
	old = reg[ri].addr;
	if (fixed) {
		n = reg[ri].n;
		hole = mmap(NULL, n * PS, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (hole == MAP_FAILED) {
			tolerate(OP_MOVE, errno, "mmap(hole)");
			return;
		}
		p = mremap((void *)old, n * PS, n * PS, MREMAP_MAYMOVE | MREMAP_FIXED, hole);
	} else {
		n = reg[ri].n + 1 + xorshift64(&rng) % 8;
		if (n > MAXPG)
			n = MAXPG;
		p = mremap((void *)old, reg[ri].n * PS, n * PS, MREMAP_MAYMOVE);
	}
	if (p == MAP_FAILED) {
		/*
		 * A region that was split may stay several VMAs (merging is
		 * not guaranteed, e.g. after fork): mremap refuses to span
		 * VMAs with EFAULT.
		 */
		if (errno == EFAULT && reg[ri].frag)
			nspan++;
		else
			tolerate(fixed ? OP_MOVE : OP_MREMAP, errno,
				 fixed ? "mremap(FIXED)" : "mremap(MAYMOVE)");
		if (hole && munmap(hole, n * PS))
			tolerate(OP_MOVE, errno, "munmap(hole)");
		check_region(ri, "after failed mremap");
		return;
	}
	reg[ri].addr = (unsigned long)p;
	if (!fixed) {
		int i;

		/* The new tail reads as zero (not yet faulted): give it tags. */
		for (i = reg[ri].n; i < n; i++) {
			reg[ri].tag[i] = newtag();
			fill(reg[ri].addr + i * PS, reg[ri].tag[i]);
		}
		reg[ri].n = n;
	}
	check_region(ri, "after mremap");
}

static void op_split(void)
{
	int ri = pick(1), a, b, tries;
	unsigned long addr;

	if (ri < 0 || reg[ri].n < 3)
		return;
	a = 1 + xorshift64(&rng) % (reg[ri].n - 2);
	b = a + 1 + xorshift64(&rng) % (reg[ri].n - 1 - a);
	addr = reg[ri].addr + a * PS;
	reg[ri].frag = 1;
	/*
	 * mprotect() changes a range VMA by VMA: when it fails, part of the
	 * range may be read-only already. The loop below restores it.
	 */
	if (mprotect((void *)addr, (b - a) * PS, PROT_READ))
		tolerate(OP_SPLIT, errno, "mprotect(split)");
	else
		check_region(ri, "after split");
	/* Back to one VMA. Merging may need memory too: retry a while. */
	for (tries = 0; mprotect((void *)addr, (b - a) * PS, PROT_READ | PROT_WRITE); tries++) {
		tolerate(OP_SPLIT, errno, "mprotect(merge)");
		if (tries > 10000)
			die("mprotect(merge) kept failing");
	}
	check_region(ri, "after merge");
}

static void op_hole(void)
{
	int ri = pick(1), i;

	if (ri < 0 || reg[ri].n < 3)
		return;
	i = 1 + xorshift64(&rng) % (reg[ri].n - 2);
	if (!reg[ri].tag[i])
		return;
	reg[ri].frag = 1;
	if (munmap((void *)(reg[ri].addr + i * PS), PS)) {
		tolerate(OP_HOLE, errno, "munmap(middle)");
	} else {
		int tries = 0;

		reg[ri].tag[i] = 0;
		/* Refill the hole so that later mremaps see one range. */
		while (mmap((void *)(reg[ri].addr + i * PS), PS, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
			tolerate(OP_HOLE, errno, "mmap(MAP_FIXED) over the hole");
			if (++tries > 10000)
				die("mmap(MAP_FIXED) over the hole kept failing");
		}
		reg[ri].tag[i] = newtag();
		fill(reg[ri].addr + i * PS, reg[ri].tag[i]);
	}
	check_region(ri, "after hole");
}

static void one_op(int allow_fork);

static void op_fork(void)
{
	pid_t pid;
	int status, k;

	pid = fork();
	if (pid < 0) {
		tolerate(OP_FORK, errno, "fork");
		check_all("after failed fork");
		return;
	}
	if (pid == 0) {
		who = "child";
		check_all("in child");
		for (k = 0; k < 20; k++)
			one_op(0);
		check_all("child end");
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("forked child %s %d", WIFEXITED(status) ? "exited" : "killed by signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	check_all("after fork");
}

static void one_op(int allow_fork)
{
	int op;

	do
		op = xorshift64(&rng) % NOPS;
	while (op == OP_FORK && (!allow_fork || no_fork));
	nops[op]++;
	switch (op) {
	case OP_FAULT: op_fault(); break;
	case OP_FORK: op_fork(); break;
	case OP_MREMAP: op_mremap(0); break;
	case OP_MOVE: op_mremap(1); break;
	case OP_SPLIT: op_split(); break;
	case OP_HOLE: op_hole(); break;
	case OP_WRITE: op_write(); break;
	case OP_UNMAP: op_unmap(); break;
	}
}

static void worker(int id, uint64_t seed)
{
	int fd, k;

	rng = seed * GOLDEN + id + 1;
	fd = open("/proc/self/make-it-fail", O_WRONLY);
	if (fd < 0 || write(fd, "1", 1) != 1)
		die("cannot write /proc/self/make-it-fail (CONFIG_FAULT_INJECTION?): %s",
		    strerror(errno));
	close(fd);
	while (!past(&deadline))
		one_op(1);
	check_all("end");
	/* Report (stdout is a pipe to the parent's stdout). */
	printf("# faultinj worker %d:", id);
	for (k = 0; k < NOPS; k++)
		printf(" %s %lu/%lu", opname[k], nops[k], nfailed[k]);
	printf(" (ops/failed cleanly); mremap across VMAs refused %lu\n", nspan);
	fflush(stdout);
	_exit(0);
}

/*
 * Lazy anon_vmas come from a cache of their own, "anon_vma_lazy" (patched
 * kernels only): they count as anon_vmas.
 */
static int slab_counts(void)
{
	static const char *const caches[] = { "anon_vma", "anon_vma_chain",
					      "anon_vma_lazy" };
	struct slabinfo si[3];
	int found[3], i;
	char path[96];
	int fd;
	int lazy = !access("/sys/kernel/slab/anon_vma_lazy", F_OK);

	for (i = 0; i < 2 + lazy; i++) {
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", caches[i]);
		fd = open(path, O_WRONLY);
		if (fd < 0 || write(fd, "1", 1) != 1) {
			fprintf(stderr, "faultinj: %s: %s\n", path, strerror(errno));
			return 1;
		}
		close(fd);
	}
	slabinfo_read(caches, 3, si, found);
	for (i = 0; i < 2 + lazy; i++)
		if (!found[i]) {
			fprintf(stderr, "faultinj: no %s line in /proc/slabinfo\n", caches[i]);
			return 1;
		}
	printf("anon_vma %lu anon_vma_chain %lu\n",
	       si[0].active_objs + (lazy ? si[2].active_objs : 0),
	       si[1].active_objs);
	return 0;
}

int main(int argc, char **argv)
{
	int c, seconds = 0, workers = 2, i;
	uint64_t seed = 1;

	while ((c = getopt(argc, argv, "t:s:w:FS")) != -1) {
		switch (c) {
		case 'S': return slab_counts();
		case 't': seconds = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'w': workers = atoi(optarg); break;
		case 'F': no_fork = 1; break;
		default: goto usage;
		}
	}
	if (seconds <= 0 || workers <= 0 || workers > 16)
		goto usage;
	setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += seconds;
	printf("# faultinj: seed %llu, %d s, %d workers%s\n", (unsigned long long)seed,
	       seconds, workers, no_fork ? ", no fork" : "");
	for (i = 0; i < workers; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			worker(i, seed);
	}
	return reap_and_report(workers, "worker");
usage:
	fprintf(stderr, "usage: faultinj -t SECONDS [-s SEED] [-w WORKERS] [-F]\n");
	return 2;
}

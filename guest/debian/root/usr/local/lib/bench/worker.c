// SPDX-License-Identifier: GPL-2.0
/*
 * Compiled by gcc in the guest during the apps24 phase, then left running:
 * a few private anonymous mappings and a heap, touched, then it sleeps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *heap = malloc(4 << 20);
	FILE *f;
	int i;

	memset(heap, 1, 4 << 20);
	for (i = 0; i < 16; i++) {
		char *p = mmap(NULL, 65536, i % 2 ? PROT_READ | PROT_WRITE : PROT_READ,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return 1;
		if (i % 2)
			memset(p, i, 65536);
	}
	if (argc > 1) {
		f = fopen(argv[1], "w");
		if (f)
			fclose(f);
	}
	for (;;)
		pause();
	return 0;
}

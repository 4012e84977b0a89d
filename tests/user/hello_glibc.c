/*
 * A trivial program against Debian's glibc, linked -static-pie by the
 * host's gcc: its start-up (TLS through arch_prctl, IRELATIVE relocations,
 * malloc's brk and mmap, stdio on a tty) is what the kernel must get
 * right for real programs.  Built twice: as static-pie (hello_glibc,
 * placed at VM_DYN_BASE) and as plain -static (hello_static), a non-PIE
 * program linked at 0x400000 as any `gcc -static` one is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	char *p = malloc(100000);

	if (!p)
		return 3;
	memset(p, 'x', 100000);
	printf("hello from glibc (argc %d, argv[0] %s)\n", argc, argv[0]);
	free(p);
	return 0;
}

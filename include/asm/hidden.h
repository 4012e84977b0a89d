/*
 * Put before every kernel source (-include in the Makefile).  The kernel
 * is compiled -fpie but linked as one static executable: every symbol is
 * defined in it, so telling the compiler so (hidden visibility, also for
 * what is only declared) makes it take a function's or a variable's
 * address with `lea sym(%rip)` instead of loading it from a GOT entry,
 * which a static link at an upper-half address could not turn back into
 * an immediate.
 */
#pragma GCC visibility push(hidden)

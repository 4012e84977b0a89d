/* Benchmarks for make bench: the paravirt ops (kernel/bench.c) and lock-holder
 * preemption (kernel/bench_lhp.c). */
#ifndef AMPHI_BENCH_H
#define AMPHI_BENCH_H
#include <amphi/types.h>

/* Runs every benchmark, printing one "bench:" line each; false when one
 * could not run.  With bench=lhp, bench_lhp instead. */
bool bench_run(void);
/* Lock-holder preemption: every CPU on one lock for a fixed time
 * (kernel/bench_lhp.c); false when the lock lost increments. */
bool bench_lhp(void);
/* An IPI round trip and a TLB shootdown to every other CPU (kernel/
 * bench_smp.c); needs CPU 1 online. */
bool bench_smp(void);
/* getpid's round trip from user mode (kernel/bench_user.c); true when it
 * ran or the platform has no user mode yet (said on its line). */
bool bench_syscall(void);

#endif

/* Microbenchmarks of the paravirt ops (kernel/bench.c), for make bench. */
#ifndef AMPHI_BENCH_H
#define AMPHI_BENCH_H
#include <amphi/types.h>

/* Runs every benchmark, printing one "bench:" line each; false when one
 * could not run. */
bool bench_run(void);

#endif

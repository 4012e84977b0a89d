/* The kernel's command-line options (kernel/params.c). */
#ifndef AMPHI_PARAMS_H
#define AMPHI_PARAMS_H
#include <amphi/ipconfig.h>
#include <amphi/types.h>

/* console=NAME[,options]: NULL when not given. */
extern const char *param_console;
/* earlyprintk=xen was given. */
extern bool param_earlyprintk_xen;

/* nopvpatch: leave paravirt call sites as indirect calls. */
extern bool param_nopvpatch;

/* nopvspin: spinlock waiters only spin, never block (Xen's poll/kick
 * slow path off, for comparison). */
extern bool param_nopvspin;

/* maxcpus=N: bring up at most N CPUs, the boot CPU included (0 when not
 * given; maxcpus=0 means the boot CPU alone, as in Linux). */
extern unsigned int param_maxcpus;

/* bench on the command line: run the microbenchmarks and power off;
 * bench=lhp: the lock-holder preemption run instead (kernel/bench_lhp.c);
 * bench=smp: IPIs and TLB shootdowns between CPUs (kernel/bench_smp.c). */
enum bench_kind { BENCH_NONE, BENCH_OPS, BENCH_LHP, BENCH_SMP };
extern enum bench_kind param_bench;

/* ip=client::gateway:netmask[:hostname[:device]]: the static address of
 * one network device (param_ip.configured false when not given). */
extern struct ipconfig param_ip;

/* rdinit=PATH: PID 1 from the initramfs (NULL when not given: /init;
 * "" when given empty: none, the built-in shell); init=PATH: Linux's
 * next choice; shell: the built-in shell even with an initramfs. */
extern const char *param_rdinit;
extern const char *param_init;
extern bool param_shell;

/* Parses the boot command line, reporting every problem. */
void params_parse(const char *cmdline);

#endif

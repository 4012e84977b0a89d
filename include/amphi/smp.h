/*
 * What CPUs ask of each other (kernel/smp_call.c): an inter-processor
 * interrupt to reschedule, and a function run on another CPU, or on all of
 * them, while the caller waits.  The platform carries the interrupt
 * (platform_ops.send_ipi: the local APIC natively, an event channel per
 * vCPU on Xen); what it means is decided here, the same everywhere.
 *
 * A called function runs in interrupt context on its CPU, interrupts off,
 * so it must not sleep.  A caller may wait with interrupts off: while it
 * waits it runs what others ask of its own CPU, so two CPUs calling each
 * other cannot deadlock.
 */
#ifndef AMPHI_SMP_H
#define AMPHI_SMP_H
#include <amphi/cpu.h>
#include <amphi/types.h>

/* The kinds of IPI, enum ipi_kind, are in amphi/cpu.h with the per-CPU counts. */

/* A set of CPUs, by id: NR_CPUS bits. */
typedef uint64_t cpumask_t;
_Static_assert(NR_CPUS <= 64, "cpumask_t is one word");
#define cpumask_of(id) ((cpumask_t)1 << (id))
/* Every CPU, online or not: a thread allowed on all of them runs on any
 * that is online, those that come online later included. */
#define CPUMASK_ALL (~(cpumask_t)0)
/* The online CPUs other than this one. */
cpumask_t cpumask_online_others(void);

/* One queued call (kept on the caller's stack until done). */
struct smp_call {
	void (*fn)(void *arg);
	void *arg;
	struct smp_call *next;
	volatile bool done;
};

/* Runs fn(arg) on CPU `id` and waits for it: 0, or -ENODEV when that CPU
 * is not online.  On this CPU it is a plain call with interrupts off. */
int smp_call_function_single(unsigned int id, void (*fn)(void *arg), void *arg);
/* Runs fn(arg) on every CPU in `mask` but this one, concurrently, and
 * waits for them all; CPUs not online are skipped. */
void smp_call_function_many(cpumask_t mask, void (*fn)(void *arg), void *arg);
/* Runs fn(arg) on every online CPU, this one included (interrupts off),
 * and returns when all have finished. */
void on_each_cpu(void (*fn)(void *arg), void *arg);
/* Asks CPU `id` to look at its run queue now. */
void smp_send_reschedule(unsigned int id);

/* On a CPU going offline, interrupts off: runs what is queued for it. */
void smp_cpu_dying(void);
/* On a CPU coming (back) online: takes calls again. */
void smp_cpu_alive(void);

/* Taking a CPU offline and back (kernel/smp_hotplug.c), from thread
 * context: 0, or a negative errno after saying why it was refused
 * (the boot CPU, the last online one, no such CPU, already so). */
int cpu_offline(unsigned int id);
int cpu_online(unsigned int id);

/* The platform's IPI handlers call this, in interrupt context. */
void smp_ipi_received(enum ipi_kind kind);
/* IPIs received on CPU `id`, per kind, for reports. */
uint64_t smp_ipi_count(unsigned int id, enum ipi_kind kind);

#endif

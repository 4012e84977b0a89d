/*
 * The CPUs' own state (include/amphi/cpu.h).  The boot CPU's struct is in
 * the GS base before any C runs: the entry stubs load it (wrmsr natively
 * and on PVH, set_segment_base on Xen PV), so this_cpu() works from the
 * first line of C, before the platform is even known.  It is in .data,
 * not the BSS, because the stubs clear the BSS first.
 */
#include <amphi/cpu.h>
#include <asm/entry.h>

_Static_assert(offsetof(struct cpu, entry_user_rsp) == CPU_ENTRY_USER_RSP, "syscall_64.S");
_Static_assert(offsetof(struct cpu, entry_sp0) == CPU_ENTRY_SP0, "syscall_64.S");

struct cpu cpus[NR_CPUS] = {[0] = {.self = &cpus[0], .online = true}};

/*
 * The ticket lock's slow path, common to every platform, in the shape of
 * Linux's PV ticket locks: a waiter spins on the head, and every
 * SPIN_THRESHOLD turns offers the platform to block (lock_spinning).  A
 * platform that blocks waiters installs, with spinlock_pv_init, an unlock
 * that kicks them: it moves the head with a locked xadd (a full barrier, so
 * the flag read after it cannot pass it) and, when a waiter has flagged
 * the lock, either clears the flag (nobody holds or waits any more) or
 * calls unlock_kick for the ticket now served.  Natively neither op is
 * installed: lock_spinning's site is a NOP, the unlock one inline add, and
 * nothing here runs unless the lock is actually contended.
 *
 * Why a waiter cannot miss its kick: it records what it waits for, then
 * sets the flag (a locked op), then reads the head once more before it
 * blocks.  An unlock that did not see the flag made its add before that
 * flag was set, so the waiter's read sees the head moved; one that saw it
 * also sees the record and kicks.
 */
#include <amphi/cpu.h>
#include <amphi/printk.h>
#include <amphi/shell.h>
#include <amphi/spinlock.h>
#include <asm/paravirt.h>

_Static_assert(TICKET_INC == 2, "NATIVE_SPIN_UNLOCK and paravirt_native.S add 2 to the head");
_Static_assert(offsetof(struct spinlock, head) == 0, "the head is the word's low byte");
_Static_assert(NR_CPUS <= TICKET_MAX_CPUS, "every CPU can hold a ticket of one lock");

struct spinlock_stats spinlock_stats[NR_CPUS];
static const char *spinlock_slowpath = "native (plain spinning)";
static bool spinlock_blocks;
static volatile bool spinlock_spin_only;

void spin_lock_slow(struct spinlock *l, unsigned long old)
{
	uint8_t ticket = ticket_of((uint16_t)old);

	spinlock_stats[smp_processor_id()].slow++;
	for (;;) {
		for (unsigned int n = SPIN_THRESHOLD; n; n--) {
			if (ticket_served(__atomic_load_n(&l->head_tail, __ATOMIC_ACQUIRE), ticket))
				return;
			cpu_relax();
		}
		if (!spinlock_spin_only)
			pv_lock_spinning(l, ticket);
	}
}
PV_CALLEE_SAVE_THUNK_VOID(spin_lock_slow);

/* The flag was up when the head moved to `head`: with nobody holding a
 * ticket it goes (unless a locker came meanwhile), so later locks are fast
 * again; else the waiter of `head` may be blocked.  Called from
 * pv_ticket_unlock through its thunk. */
void pv_ticket_unlock_slow(struct spinlock *l, unsigned long next)
{
	uint8_t head = (uint8_t)next;
	uint16_t idle = ticket_word(head, head | TICKET_SLOWPATH);

	if (__atomic_compare_exchange_n(&l->head_tail, &idle, ticket_word(head, head), false,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return;
	pv_unlock_kick(l, head);
}
PV_CALLEE_SAVE_THUNK_VOID(pv_ticket_unlock_slow);

/*
 * The unlock op of a platform whose waiters block (callee-save), in
 * assembly so that the common case, no waiter flagged, saves no more than
 * the register it needs: the head moves on with a locked xadd (a full
 * barrier, so the flag's read cannot pass it), and only a set flag goes
 * on to C, with the head it handed the lock to.
 */
_Static_assert(offsetof(struct spinlock, tail) == 1 && TICKET_SLOWPATH == 1, "the flag's test");
__asm__(".text\n.balign 16\n.globl pv_ticket_unlock\npv_ticket_unlock:\n\t"
	"push %rsi\n\t"
	"mov $2, %esi\n\t"
	"lock xaddb %sil, (%rdi)\n\t"
	"testb $1, 1(%rdi)\n\t"
	"jnz 1f\n\t"
	"pop %rsi\n\t"
	"ret\n"
	"1:\taddb $2, %sil\n\t"
	"movzbl %sil, %esi\n\t"
	"call pv_ticket_unlock_slow_thunk\n\t"
	"pop %rsi\n\t"
	"ret\n");
extern uint8_t pv_ticket_unlock[];

void spinlock_pv_init(void (*lock_spinning)(struct spinlock *l, unsigned int want),
		      void (*unlock_kick)(struct spinlock *l, unsigned int next), const char *name)
{
	pv_ops.lock.spin_unlock = (void (*)(struct spinlock *))(void *)pv_ticket_unlock;
	pv_ops.lock.lock_spinning = lock_spinning;
	pv_ops.lock.unlock_kick = unlock_kick;
	spinlock_slowpath = name;
	spinlock_blocks = true;
}

void spinlock_describe(const char *name)
{
	spinlock_slowpath = name;
}

bool spinlock_can_block(void)
{
	return spinlock_blocks;
}

void spinlock_set_spin_only(bool on)
{
	if (spinlock_spin_only != on)
		spinlock_spin_only = on;
}

void spinlock_report(void)
{
	pr_info("spinlock: ticket, %s\n", spinlock_slowpath);
}

void spinlock_stats_total(struct spinlock_stats *t)
{
	*t = (struct spinlock_stats){0};
	for (unsigned int i = 0; i < NR_CPUS; i++) {
		const struct spinlock_stats *s = &spinlock_stats[i];

		t->slow += READ_ONCE(s->slow);
		t->polls += READ_ONCE(s->polls);
		t->kicks += READ_ONCE(s->kicks);
		t->lost += READ_ONCE(s->lost);
	}
}

SHELL_CMD(spinlock, "spinlocks: the slow path in use, and per CPU its waits, polls and kicks")
{
	kprintf("spinlock: ticket, %s\n", spinlock_slowpath);
	kprintf("cpu        slow       polls       kicks  lost kicks\n");
	for (unsigned int i = 0; i < nr_cpus_present; i++) {
		const struct spinlock_stats *s = &spinlock_stats[i];

		kprintf("%3u %11lu %11lu %11lu %11lu\n", i, READ_ONCE(s->slow), READ_ONCE(s->polls),
			READ_ONCE(s->kicks), READ_ONCE(s->lost));
	}
	return 0;
}

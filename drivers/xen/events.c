/*
 * Xen event channels over the 2-level ABI, the one every Xen offers: the
 * shared info page holds a pending and a mask bit per port, and the
 * vcpu_info of the vCPU a port is bound to has the selector word that
 * says which words of pending bits changed.
 *
 * The handler table is allocated one selector word (64 ports) at a time, on
 * first use: the ABI allows 4096 ports, a guest uses a handful, and this
 * keeps every port reachable without a fixed small limit.  Every port
 * number, whether Xen returned it or a caller passed it, is range-checked
 * before it indexes anything.  The scan remembers the port after the last
 * one it served and starts there next time, so a port that keeps firing
 * cannot starve the ports after it.
 *
 * Several CPUs: each vCPU scans for the ports bound to it, in interrupt
 * context, while threads on other CPUs bind, close and move ports.  The
 * table's entries change only under evtchn_lock; a delivery copies its
 * entry under the lock and calls the handler without it.  A port's
 * handler never runs on two CPUs at once (a port moved by
 * evtchn_bind_vcpu while its handler runs on the old vCPU waits for it),
 * and evtchn_close returns only once no handler of the port is running,
 * so the caller may free what the handler uses.  A vCPU going offline
 * hands the ports that can move to an online CPU first
 * (evtchn_cpu_offline); they stay there when it comes back.  A table block, once
 * published, is never freed, so a binding's address stays valid.
 */
#include <amphi/cpu.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/shell.h>
#include <amphi/spinlock.h>
#include <amphi/string.h>
#include <asm/paravirt.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/xen.h>
#include <drivers/xen/events.h>
#include <xen/errno.h>

#define BITS_PER_WORD (sizeof(xen_ulong_t) * 8)
#define NR_WORDS (EVTCHN_NR_PORTS / BITS_PER_WORD)
/* Passes over the selector in one upcall; what is left after them is
 * still flagged pending and comes back as a fresh upcall. */
#define UPCALL_MAX_ROUNDS 8

_Static_assert(NR_WORDS <= BITS_PER_WORD, "one selector word covers every pending word");

enum evtchn_kind {
	EVTCHN_FREE,
	EVTCHN_VIRQ,
	EVTCHN_IPI,
	EVTCHN_INTERDOMAIN,
	EVTCHN_UNBOUND,
	EVTCHN_EXISTING,
};

struct evtchn_binding {
	evtchn_handler_t fn;
	void *arg;
	const char *name;
	uint64_t delivered;
	enum evtchn_kind kind;
	uint32_t what;	      /* the VIRQ, or the remote domain */
	uint32_t remote_port; /* interdomain only */
	uint32_t vcpu;	      /* the vCPU Xen notifies (0 unless bound or moved) */
};

static struct evtchn_binding *evtchn_table[NR_WORDS];
/* Guards every entry of the table and the publication of its blocks. */
static struct spinlock evtchn_lock = SPINLOCK_INIT;
/* Per port, 1 + the CPU running its handler now, 0 when none: kept apart
 * from the entries, which are rewritten whole under the lock, because a
 * delivery sets it with an atomic exchange outside the lock. */
static uint8_t evtchn_runner[EVTCHN_NR_PORTS];
_Static_assert(NR_CPUS < 255, "evtchn_runner holds 1 + a CPU id in a byte");
/* Each CPU's port its next scan starts at: one past the last it served. */
static unsigned int evtchn_next_ports[NR_CPUS];
#define evtchn_next_port (evtchn_next_ports[smp_processor_id()])
static uint64_t evtchn_upcalls, evtchn_stray;

static inline xen_ulong_t bit(unsigned int b)
{
	return (xen_ulong_t)1 << b;
}

/* Xen changes these words concurrently, so every write is atomic. */
static void bit_set(xen_ulong_t *w, unsigned int b)
{
	__atomic_fetch_or(w, bit(b), __ATOMIC_SEQ_CST);
}

static void bit_clear(xen_ulong_t *w, unsigned int b)
{
	__atomic_fetch_and(w, ~bit(b), __ATOMIC_SEQ_CST);
}

static bool bit_test_and_clear(xen_ulong_t *w, unsigned int b)
{
	return __atomic_fetch_and(w, ~bit(b), __ATOMIC_SEQ_CST) & bit(b);
}

static bool bit_test(const xen_ulong_t *w, unsigned int b)
{
	return (READ_ONCE(*w) >> b) & 1;
}

/* The vcpu_info of the CPU we run on: where Xen flags its events. */
static struct vcpu_info *evtchn_vcpu(void)
{
	return this_cpu()->vcpu_info;
}

static bool evtchn_valid(evtchn_port_t port)
{
	return xen_shared_info && port < EVTCHN_NR_PORTS;
}

/* The binding of a port, or NULL when its block was never allocated.
 * No lock: a block is published whole (release) and never freed. */
static struct evtchn_binding *evtchn_binding(evtchn_port_t port)
{
	struct evtchn_binding *block;

	if (port >= EVTCHN_NR_PORTS)
		return NULL;
	block = __atomic_load_n(&evtchn_table[port / BITS_PER_WORD], __ATOMIC_ACQUIRE);
	return block ? &block[port % BITS_PER_WORD] : NULL;
}

/* Thread context: allocates the port's block if it has none (outside the
 * lock; a CPU that lost the race frees its copy). */
static struct evtchn_binding *evtchn_binding_alloc(evtchn_port_t port)
{
	struct evtchn_binding **slot = &evtchn_table[port / BITS_PER_WORD], *b;
	unsigned long flags;

	if (evtchn_binding(port))
		return evtchn_binding(port);
	if (!(b = kmalloc(BITS_PER_WORD * sizeof(*b))))
		return NULL;
	for (unsigned int i = 0; i < BITS_PER_WORD; i++)
		b[i] = (struct evtchn_binding){.kind = EVTCHN_FREE};
	flags = spin_lock_irqsave(&evtchn_lock);
	if (!*slot) {
		__atomic_store_n(slot, b, __ATOMIC_RELEASE);
		b = NULL;
	}
	spin_unlock_irqrestore(&evtchn_lock, flags);
	kfree(b);
	return evtchn_binding(port);
}

/* A port's handler runs on one CPU at a time: a delivery claims the port
 * (spinning while another CPU finishes its handler, which only happens
 * right after the port moved) and lets go after the handler returns. */
static void evtchn_run_begin(evtchn_port_t port)
{
	uint8_t me = (uint8_t)(smp_processor_id() + 1), idle = 0;

	while (!__atomic_compare_exchange_n(&evtchn_runner[port], &idle, me, false,
					    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		idle = 0;
		cpu_relax();
	}
}

static void evtchn_run_end(evtchn_port_t port)
{
	__atomic_store_n(&evtchn_runner[port], 0, __ATOMIC_RELEASE);
}

/* Waits until no other CPU runs the port's handler.  A handler that
 * closes its own port does not wait for itself. */
static void evtchn_wait_idle(evtchn_port_t port)
{
	uint8_t me = (uint8_t)(smp_processor_id() + 1), r;

	while ((r = __atomic_load_n(&evtchn_runner[port], __ATOMIC_ACQUIRE)) && r != me)
		cpu_relax();
}

void evtchn_init(void)
{
	if (!xen_shared_info)
		panic("evtchn: no shared info page, so no event channels");
	/* Nothing is delivered until someone binds a handler. */
	for (unsigned int w = 0; w < NR_WORDS; w++)
		__atomic_store_n(&xen_shared_info->evtchn_mask[w], ~(xen_ulong_t)0,
				 __ATOMIC_SEQ_CST);
	pr_info("evtchn: 2-level ABI, %u ports, all masked until bound\n",
		(unsigned int)EVTCHN_NR_PORTS);
}

/* A domain restored from a save has none of our event channels: every
 * binding is forgotten (there is nothing to close in Xen), and every port
 * masked until it is bound again.  On the one CPU left, interrupts off,
 * before anything binds. */
void evtchn_resume_forget(void)
{
	unsigned long flags = spin_lock_irqsave(&evtchn_lock);

	for (unsigned int w = 0; w < NR_WORDS; w++) {
		struct evtchn_binding *block = evtchn_table[w];

		__atomic_store_n(&xen_shared_info->evtchn_mask[w], ~(xen_ulong_t)0,
				 __ATOMIC_SEQ_CST);
		__atomic_store_n(&xen_shared_info->evtchn_pending[w], 0, __ATOMIC_SEQ_CST);
		for (unsigned int i = 0; block && i < BITS_PER_WORD; i++)
			block[i] = (struct evtchn_binding){.kind = EVTCHN_FREE};
	}
	memset(evtchn_runner, 0, sizeof(evtchn_runner));
	memset(evtchn_next_ports, 0, sizeof(evtchn_next_ports));
	spin_unlock_irqrestore(&evtchn_lock, flags);
}

/* Interrupts off.  The handler is the one bound when the entry was read
 * under the lock; a close that comes after waits for it to return. */
static void evtchn_deliver(evtchn_port_t port)
{
	struct evtchn_binding *b = evtchn_binding(port);
	evtchn_handler_t fn = NULL;
	void *arg = NULL;

	evtchn_run_begin(port);
	spin_lock(&evtchn_lock);
	if (b && b->fn) {
		fn = b->fn;
		arg = b->arg;
		b->delivered++;
	}
	spin_unlock(&evtchn_lock);
	if (fn) {
		fn(port, arg);
	} else {
		/* Nobody listens: keep it from firing again. */
		__atomic_fetch_add(&evtchn_stray, 1, __ATOMIC_RELAXED);
		bit_set(&xen_shared_info->evtchn_mask[port / BITS_PER_WORD], port % BITS_PER_WORD);
	}
	evtchn_run_end(port);
}

/* Whether `port` is this vCPU's to serve: a word of pending bits holds
 * ports of every vCPU, and one that is another's stays pending for it
 * (Xen flagged its word in that vCPU's selector too).  A port nobody
 * bound is vCPU 0's, which masks it as stray.  Read without the lock: a
 * port being moved is masked meanwhile and raised again on its new vCPU
 * afterwards (evtchn_bind_vcpu), so a stale answer loses nothing. */
static bool evtchn_ours(evtchn_port_t port, uint32_t vcpu)
{
	struct evtchn_binding *b = evtchn_binding(port);

	return (b && READ_ONCE(b->kind) != EVTCHN_FREE ? READ_ONCE(b->vcpu) : 0) == vcpu;
}

static void evtchn_serve_word(unsigned int w, xen_ulong_t bits)
{
	uint32_t vcpu = this_cpu()->xen_vcpu_id;

	while (bits) {
		unsigned int b = (unsigned int)__builtin_ctzl(bits);
		evtchn_port_t port = w * BITS_PER_WORD + b;

		bits &= bits - 1;
		if (!evtchn_ours(port, vcpu))
			continue;
		if (!bit_test_and_clear(&xen_shared_info->evtchn_pending[w], b))
			continue;
		evtchn_next_port = (port + 1) % EVTCHN_NR_PORTS;
		evtchn_deliver(port);
	}
}

/* One pass over the words named in `sel`, in port order starting at
 * evtchn_next_port: the start word's upper bits first, the other words,
 * then its lower bits last. */
static void evtchn_scan(xen_ulong_t sel)
{
	unsigned int start = evtchn_next_port / BITS_PER_WORD;
	unsigned int first = evtchn_next_port % BITS_PER_WORD;

	for (unsigned int i = 0; i <= NR_WORDS; i++) {
		unsigned int w = (start + i) % NR_WORDS;
		xen_ulong_t bits;

		if (!(sel & bit(w)))
			continue;
		bits = READ_ONCE(xen_shared_info->evtchn_pending[w]) &
		       ~READ_ONCE(xen_shared_info->evtchn_mask[w]);
		if (i == 0)
			bits &= ~(xen_ulong_t)0 << first;
		else if (i == NR_WORDS)
			bits &= ~(~(xen_ulong_t)0 << first);
		evtchn_serve_word(w, bits);
	}
}

void evtchn_do_upcall(void)
{
	struct vcpu_info *v;

	if (!xen_shared_info)
		return;
	v = evtchn_vcpu();
	__atomic_fetch_add(&evtchn_upcalls, 1, __ATOMIC_RELAXED);
	for (int round = 0; round < UPCALL_MAX_ROUNDS; round++) {
		/* Cleared before the selector is read, as the ABI asks, so an
		 * event arriving during the scan sets it again. */
		WRITE_ONCE(v->evtchn_upcall_pending, 0);
		xen_ulong_t sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);

		evtchn_scan(sel);
		if (!READ_ONCE(v->evtchn_upcall_pending))
			break;
	}
}

void evtchn_mask(evtchn_port_t port)
{
	if (evtchn_valid(port))
		bit_set(&xen_shared_info->evtchn_mask[port / BITS_PER_WORD], port % BITS_PER_WORD);
}

/* A hypercall costs little, and returning from one delivers pending
 * events: on PV through the upcall when events are enabled, on PVH at the
 * VM entry (or as soon as the guest enables interrupts). */
static void evtchn_force_upcall(void)
{
	hypercall_xen_version(XENVER_version, NULL);
}

/* The 2-level ABI does not remember an event that arrived while the port
 * was masked: the guest must re-raise it through the selector itself.
 * Interrupts off while it does: the selector and the upcall flag are this
 * vCPU's own, and an upcall here in between must see both or neither. */
void evtchn_unmask(evtchn_port_t port)
{
	unsigned int w = port / BITS_PER_WORD, b = port % BITS_PER_WORD;
	struct vcpu_info *v;
	unsigned long flags;
	bool raised = false;

	if (!evtchn_valid(port))
		return;
	if (!evtchn_ours(port, this_cpu()->xen_vcpu_id)) {
		/* Another vCPU's: Xen re-raises it there and kicks it. */
		struct evtchn_unmask op = {.port = port};

		hypercall_event_channel_op(EVTCHNOP_unmask, &op);
		return;
	}
	v = evtchn_vcpu();
	flags = local_irq_save();
	bit_clear(&xen_shared_info->evtchn_mask[w], b);
	if (bit_test(&xen_shared_info->evtchn_pending[w], b)) {
		bit_set(&v->evtchn_pending_sel, w);
		WRITE_ONCE(v->evtchn_upcall_pending, 1);
		raised = true;
	}
	local_irq_restore(flags);
	if (raised && READ_ONCE(v->evtchn_upcall_pending))
		evtchn_force_upcall();
}

int evtchn_send(evtchn_port_t port)
{
	if (!evtchn_valid(port))
		return -XEN_EINVAL;
	return xen_evtchn_send(port);
}

bool evtchn_is_pending(evtchn_port_t port)
{
	return evtchn_valid(port) &&
	       bit_test(&xen_shared_info->evtchn_pending[port / BITS_PER_WORD],
			port % BITS_PER_WORD);
}

bool evtchn_is_masked(evtchn_port_t port)
{
	return evtchn_valid(port) &&
	       bit_test(&xen_shared_info->evtchn_mask[port / BITS_PER_WORD], port % BITS_PER_WORD);
}

void evtchn_clear_pending(evtchn_port_t port)
{
	if (evtchn_valid(port))
		bit_clear(&xen_shared_info->evtchn_pending[port / BITS_PER_WORD],
			  port % BITS_PER_WORD);
}

uint64_t evtchn_delivered(evtchn_port_t port)
{
	struct evtchn_binding *b = evtchn_binding(port);

	return b ? READ_ONCE(b->delivered) : 0;
}

int evtchn_port_vcpu(evtchn_port_t port)
{
	struct evtchn_binding *b = evtchn_binding(port);
	unsigned long flags = spin_lock_irqsave(&evtchn_lock);
	int vcpu = b && b->kind != EVTCHN_FREE ? (int)b->vcpu : -1;

	spin_unlock_irqrestore(&evtchn_lock, flags);
	return vcpu;
}

unsigned int evtchn_scan_next(void)
{
	return evtchn_next_port;
}

static int evtchn_close_in_xen(evtchn_port_t port)
{
	struct evtchn_close c = {.port = port};

	return (int)hypercall_event_channel_op(EVTCHNOP_close, &c);
}

/* Records a port Xen gave us and unmasks it.  On failure a port we asked
 * Xen for is closed again, so Xen and the table never disagree. */
static int evtchn_attach(long rc, evtchn_port_t port, struct evtchn_binding tmpl)
{
	struct evtchn_binding *b = NULL;
	unsigned long flags;

	if (rc)
		return (int)rc;
	if (!evtchn_valid(port) || !tmpl.fn) {
		pr_err("evtchn: port %u: %s\n", port,
		       tmpl.fn ? "beyond the 2-level ABI" : "no handler");
		rc = -XEN_EINVAL;
	} else if (!(b = evtchn_binding_alloc(port))) {
		pr_err("evtchn: port %u: out of memory for its binding\n", port);
		rc = -XEN_ENOMEM;
	} else {
		flags = spin_lock_irqsave(&evtchn_lock);
		if (b->kind != EVTCHN_FREE)
			rc = -XEN_EBUSY;
		else
			*b = tmpl;
		spin_unlock_irqrestore(&evtchn_lock, flags);
		if (rc)
			pr_err("evtchn: port %u is already bound\n", port);
	}
	if (rc) {
		if (tmpl.kind != EVTCHN_EXISTING)
			evtchn_close_in_xen(port);
		return (int)rc;
	}
	evtchn_unmask(port);
	return (int)port;
}

static struct evtchn_binding binding(enum evtchn_kind kind, uint32_t what, uint32_t remote_port,
				     evtchn_handler_t fn, void *arg, const char *name)
{
	return (struct evtchn_binding){
	    .fn = fn,
	    .arg = arg,
	    .name = name,
	    .kind = kind,
	    .what = what,
	    .remote_port = remote_port,
	};
}

int evtchn_bind_virq_vcpu(uint32_t virq, uint32_t vcpu, evtchn_handler_t fn, void *arg,
			  const char *name)
{
	struct evtchn_bind_virq op = {.virq = virq, .vcpu = vcpu};
	long rc = hypercall_event_channel_op(EVTCHNOP_bind_virq, &op);
	struct evtchn_binding b = binding(EVTCHN_VIRQ, virq, 0, fn, arg, name);

	b.vcpu = vcpu;
	return evtchn_attach(rc, op.port, b);
}

int evtchn_bind_virq(uint32_t virq, evtchn_handler_t fn, void *arg, const char *name)
{
	return evtchn_bind_virq_vcpu(virq, this_cpu()->xen_vcpu_id, fn, arg, name);
}

int evtchn_bind_ipi_vcpu(uint32_t vcpu, evtchn_handler_t fn, void *arg, const char *name)
{
	struct evtchn_bind_ipi op = {.vcpu = vcpu};
	long rc = hypercall_event_channel_op(EVTCHNOP_bind_ipi, &op);
	struct evtchn_binding b = binding(EVTCHN_IPI, vcpu, 0, fn, arg, name);

	b.vcpu = vcpu;
	return evtchn_attach(rc, op.port, b);
}

int evtchn_bind_ipi(evtchn_handler_t fn, void *arg, const char *name)
{
	return evtchn_bind_ipi_vcpu(this_cpu()->xen_vcpu_id, fn, arg, name);
}

int evtchn_bind_interdomain(domid_t remote_dom, evtchn_port_t remote_port, evtchn_handler_t fn,
			    void *arg, const char *name)
{
	struct evtchn_bind_interdomain op = {.remote_dom = remote_dom, .remote_port = remote_port};
	long rc = hypercall_event_channel_op(EVTCHNOP_bind_interdomain, &op);

	return evtchn_attach(rc, op.local_port,
			     binding(EVTCHN_INTERDOMAIN, remote_dom, remote_port, fn, arg, name));
}

int evtchn_alloc_unbound(domid_t remote_dom, evtchn_handler_t fn, void *arg, const char *name)
{
	struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = remote_dom};
	long rc = hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &op);

	return evtchn_attach(rc, op.port, binding(EVTCHN_UNBOUND, remote_dom, 0, fn, arg, name));
}

int evtchn_bind_existing(evtchn_port_t port, evtchn_handler_t fn, void *arg, const char *name)
{
	return evtchn_attach(0, port, binding(EVTCHN_EXISTING, 0, 0, fn, arg, name));
}

int evtchn_close(evtchn_port_t port)
{
	struct evtchn_binding *b = evtchn_binding(port);
	unsigned long flags;
	int rc;

	if (!evtchn_valid(port))
		return -XEN_EINVAL;
	evtchn_mask(port);
	flags = spin_lock_irqsave(&evtchn_lock);
	if (b)
		*b = (struct evtchn_binding){.kind = EVTCHN_FREE};
	spin_unlock_irqrestore(&evtchn_lock, flags);
	/* A handler that read the entry before it went may still run on
	 * another CPU; once it returns nothing reaches the old one. */
	evtchn_wait_idle(port);
	/* A stale event must not reach whoever is given this port next; the
	 * flag is cleared while the port is still ours.  Cleared after the
	 * close, it could be the next owner's event, just sent by a thread
	 * that was given the port in between: lost.  One that comes between
	 * the two steps reaches the next owner as a spurious event, which
	 * every handler takes. */
	evtchn_clear_pending(port);
	rc = evtchn_close_in_xen(port);
	return rc;
}

/* Masks the port; whether it was masked already. */
static bool evtchn_test_and_mask(evtchn_port_t port)
{
	return __atomic_fetch_or(&xen_shared_info->evtchn_mask[port / BITS_PER_WORD],
				 bit(port % BITS_PER_WORD), __ATOMIC_SEQ_CST) &
	       bit(port % BITS_PER_WORD);
}

/* Lock held: Xen's notify vCPU and ours change together. */
static int evtchn_rebind_locked(evtchn_port_t port, uint32_t vcpu)
{
	struct evtchn_binding *b = evtchn_binding(port);
	struct evtchn_bind_vcpu op = {.port = port, .vcpu = vcpu};
	int rc;

	if (!b || b->kind == EVTCHN_FREE)
		return -XEN_EINVAL;
	rc = (int)hypercall_event_channel_op(EVTCHNOP_bind_vcpu, &op);
	if (!rc)
		b->vcpu = vcpu;
	return rc;
}

/* Masked while it moves, so no event is flagged to a vCPU whose scan no
 * longer takes the port.  Afterwards, unless it was masked before, Xen
 * unmasks it, which raises what is pending on the new vCPU (the old one's
 * scan may have skipped it, or a local unmask raised it there). */
int evtchn_bind_vcpu(evtchn_port_t port, unsigned int cpu)
{
	unsigned long flags;
	bool masked;
	int rc;

	if (!evtchn_valid(port) || cpu >= nr_cpus_present ||
	    !__atomic_load_n(&cpus[cpu].online, __ATOMIC_ACQUIRE))
		return -XEN_EINVAL;
	masked = evtchn_test_and_mask(port);
	flags = spin_lock_irqsave(&evtchn_lock);
	rc = evtchn_rebind_locked(port, cpus[cpu].xen_vcpu_id);
	spin_unlock_irqrestore(&evtchn_lock, flags);
	if (!masked) {
		struct evtchn_unmask op = {.port = port};

		hypercall_event_channel_op(EVTCHNOP_unmask, &op);
	}
	return rc;
}

/* Ports that may move to another vCPU: those of other domains and those
 * we were handed; IPIs and VIRQs belong to the vCPU they were bound on. */
static bool evtchn_movable(const struct evtchn_binding *b)
{
	enum evtchn_kind k = READ_ONCE(b->kind);

	return k == EVTCHN_INTERDOMAIN || k == EVTCHN_UNBOUND || k == EVTCHN_EXISTING;
}

/* The first online CPU; CPU `cpu` itself is no longer online by now. */
static unsigned int evtchn_cpu_for_orphans(unsigned int cpu)
{
	for (unsigned int c = 0; c < nr_cpus_present; c++)
		if (c != cpu && __atomic_load_n(&cpus[c].online, __ATOMIC_ACQUIRE))
			return c;
	return cpu;
}

void evtchn_cpu_offline(unsigned int cpu)
{
	uint32_t vcpu = cpus[cpu].xen_vcpu_id;
	unsigned int to = evtchn_cpu_for_orphans(cpu), moved = 0;

	if (!xen_shared_info || to == cpu)
		return;
	for (evtchn_port_t port = 0; port < EVTCHN_NR_PORTS; port++) {
		struct evtchn_binding *b = evtchn_binding(port);

		if (b && evtchn_movable(b) && READ_ONCE(b->vcpu) == vcpu &&
		    evtchn_bind_vcpu(port, to) == 0)
			moved++;
	}
	if (moved)
		pr_info("evtchn: vCPU %u going offline: %u port%s moved to CPU %u\n", vcpu, moved,
			moved == 1 ? "" : "s", to);
}

static void evtchn_describe(char *buf, size_t len, const struct evtchn_binding *b)
{
	switch (b->kind) {
	case EVTCHN_VIRQ:
		snprintf(buf, len, "virq %u", b->what);
		break;
	case EVTCHN_IPI:
		snprintf(buf, len, "ipi vcpu %u", b->what);
		break;
	case EVTCHN_INTERDOMAIN:
		snprintf(buf, len, "domain %u port %u", b->what, b->remote_port);
		break;
	case EVTCHN_UNBOUND:
		snprintf(buf, len, "unbound, for domain %u", b->what);
		break;
	default:
		snprintf(buf, len, "existing port");
		break;
	}
}

SHELL_CMD(evtchn, "event channels: bound ports, what they are bound to, deliveries")
{
	char what[40];

	if (!xen_shared_info) {
		kprintf("evtchn: no event channels (not running on Xen)\n");
		return 0;
	}
	kprintf("port  bound to                 name              delivered  state\n");
	/* A glance without the lock: an entry may change while printed. */
	for (evtchn_port_t port = 0; port < EVTCHN_NR_PORTS; port++) {
		const struct evtchn_binding *b = evtchn_binding(port);

		if (!b || b->kind == EVTCHN_FREE)
			continue;
		evtchn_describe(what, sizeof(what), b);
		kprintf("%4u  %-24s %-16s %10lu  %s%s, vcpu %u\n", port, what,
			b->name ? b->name : "-", b->delivered,
			evtchn_is_masked(port) ? "masked" : "open",
			evtchn_is_pending(port) ? ", pending" : "", b->vcpu);
	}
	kprintf("upcalls %lu, events on unbound ports %lu\n", evtchn_upcalls, evtchn_stray);
	return 0;
}

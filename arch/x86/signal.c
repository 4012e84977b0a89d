/*
 * The x86-64 signal frame, as Linux lays it out and glibc's sa_restorer
 * (__restore_rt: mov $15, %eax; syscall) expects it: at the handler's
 * entry rsp points at struct rt_sigframe, whose first word is the return
 * address (sa_restorer), then a ucontext whose uc_mcontext is struct
 * sigcontext (arch/x86/include/uapi/asm/sigcontext.h), then the siginfo;
 * the FPU state (fxsave's 512 bytes, 64-byte aligned) lies above it and
 * uc_mcontext.fpstate points at it.  The frame goes below the 128-byte
 * red zone of the interrupted code (or on the alternate stack) and rsp
 * is 8 modulo 16 at entry, as after a call.  The handler gets rdi = sig,
 * rsi = &info, rdx = &uc, and starts with the FPU in its initial state.
 *
 * rt_sigreturn takes the registers back from uc_mcontext (rip and rsp
 * canonical, else SIGSEGV), the flags only
 * as far as user mode may set them, the segments always the user's, the
 * mask from uc_sigmask and the FPU from fpstate (MXCSR's reserved bits
 * cleared, so that fxrstor cannot fault).
 */
#include <amphi/errno.h>
#include <amphi/process.h>
#include <amphi/string.h>
#include <amphi/uaccess.h>
#include <asm/desc.h>
#include <asm/user.h>

#define FLAG_CF 0x1
#define FLAG_PF 0x4
#define FLAG_AF 0x10
#define FLAG_ZF 0x40
#define FLAG_SF 0x80
#define FLAG_TF 0x100
#define FLAG_DF 0x400
#define FLAG_OF 0x800
#define FLAG_RF 0x10000
#define FLAG_AC 0x40000
/* What sigreturn may change (Linux's FIX_EFLAGS). */
#define USER_FLAGS                                                                                 \
	(FLAG_AC | FLAG_OF | FLAG_DF | FLAG_TF | FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF | \
	 FLAG_RF)
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SA_ONSTACK 0x08000000
#define SA_SIGINFO 4
#define RED_ZONE 128

struct x86_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate;
	uint64_t reserved1[8];
};

struct x86_ucontext {
	uint64_t flags, link;
	struct {
		uint64_t sp;
		int32_t flags, pad;
		uint64_t size;
	} stack;
	struct x86_sigcontext mcontext;
	uint64_t sigmask;
};

struct x86_siginfo {
	int32_t signo, errno_, code, pad;
	union {
		struct {
			int32_t pid, uid, status, pad;
			int64_t utime, stime;
		} chld;
		uint64_t addr;
		uint8_t bytes[112];
	};
};

struct x86_rt_sigframe {
	uint64_t pretcode;
	struct x86_ucontext uc;
	struct x86_siginfo info;
};

_Static_assert(sizeof(struct x86_sigcontext) == 256, "struct sigcontext is 256 bytes");
_Static_assert(offsetof(struct x86_ucontext, mcontext) == 40, "uc_mcontext at 40");
_Static_assert(offsetof(struct x86_ucontext, sigmask) == 296, "uc_sigmask at 296");
_Static_assert(sizeof(struct x86_siginfo) == 128, "siginfo is 128 bytes");
_Static_assert(offsetof(struct x86_rt_sigframe, info) == 312, "info after the ucontext");

static void fill_info(struct x86_siginfo *si, const struct ksiginfo *info)
{
	memset(si, 0, sizeof(*si));
	si->signo = info->signo;
	si->code = info->code;
	if (info->addr)
		si->addr = info->addr;
	else {
		si->chld.pid = info->pid;
		si->chld.status = info->status;
	}
}

static void fill_mcontext(struct x86_sigcontext *mc, const struct trap_frame *f)
{
	*mc = (struct x86_sigcontext){
	    .r8 = f->r8,
	    .r9 = f->r9,
	    .r10 = f->r10,
	    .r11 = f->r11,
	    .r12 = f->r12,
	    .r13 = f->r13,
	    .r14 = f->r14,
	    .r15 = f->r15,
	    .rdi = f->rdi,
	    .rsi = f->rsi,
	    .rbp = f->rbp,
	    .rbx = f->rbx,
	    .rdx = f->rdx,
	    .rax = f->rax,
	    .rcx = f->rcx,
	    .rsp = f->rsp,
	    .rip = f->rip,
	    .eflags = f->rflags,
	    .cs = (uint16_t)f->cs,
	    .ss = (uint16_t)f->ss,
	};
	if (f->vector < 32) {
		mc->trapno = f->vector;
		mc->err = f->error_code;
	}
}

static bool on_altstack(const struct process *p, uint64_t sp)
{
	return p->altstack.size && sp > p->altstack.sp && sp <= p->altstack.sp + p->altstack.size;
}

/* Where the frame's top is: the alternate stack's when asked and set. */
static uint64_t frame_top(const struct process *p, const struct trap_frame *f,
			  const struct k_sigaction *ka)
{
	if ((ka->flags & SA_ONSTACK) && p->altstack.size && !(p->altstack.flags & SS_DISABLE) &&
	    !on_altstack(p, f->rsp))
		return p->altstack.sp + p->altstack.size;
	return f->rsp - RED_ZONE;
}

int arch_signal_setup(struct process *p, struct trap_frame *f, int sig, const struct ksiginfo *info,
		      const struct k_sigaction *ka, uint64_t oldmask)
{
	uint8_t fpu[512] __aligned(16);
	struct x86_rt_sigframe fr;
	uint64_t fpstate = (frame_top(p, f, ka) - sizeof(fpu)) & ~63UL;
	uint64_t sp = ((fpstate - sizeof(fr)) & ~15UL) - 8;

	__asm__ __volatile__("fxsaveq %0" : "=m"(fpu));
	memset(&fr, 0, sizeof(fr));
	fr.pretcode = ka->restorer;
	fr.uc.flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	fr.uc.stack.sp = p->altstack.sp;
	fr.uc.stack.size = p->altstack.size;
	fr.uc.stack.flags = on_altstack(p, f->rsp) ? SS_ONSTACK : p->altstack.flags;
	fill_mcontext(&fr.uc.mcontext, f);
	fr.uc.mcontext.oldmask = oldmask;
	fr.uc.mcontext.fpstate = fpstate;
	fr.uc.mcontext.cr2 = info->addr;
	fr.uc.sigmask = oldmask;
	fill_info(&fr.info, info);
	if (!user_range_ok(sp, fpstate + sizeof(fpu) - sp) ||
	    copy_to_user(fpstate, fpu, sizeof(fpu)) || copy_to_user(sp, &fr, sizeof(fr)))
		return -EFAULT;
	f->rdi = (uint64_t)sig;
	f->rsi = sp + offsetof(struct x86_rt_sigframe, info);
	f->rdx = sp + offsetof(struct x86_rt_sigframe, uc);
	f->rax = 0;
	f->rip = ka->handler;
	f->rsp = sp;
	f->rflags &= ~(uint64_t)(FLAG_TF | FLAG_DF | FLAG_RF | FLAG_AC);
	f->cs = user_cs;
	f->ss = user_ss;
	fpu_init_state(fpu);
	__asm__ __volatile__("fxrstorq %0" : : "m"(fpu));
	return 0;
}

/* The MXCSR bits this CPU accepts (fxsave's MXCSR_MASK; 0 means the
 * default 0xffbf). */
static uint32_t mxcsr_mask(void)
{
	uint8_t now[512] __aligned(16);
	uint32_t mask;

	__asm__ __volatile__("fxsaveq %0" : "=m"(now));
	mask = *(uint32_t *)(now + 28);
	return mask ? mask : 0xffbf;
}

static void restore_fpu(uint64_t fpstate)
{
	uint8_t fpu[512] __aligned(16);

	if (!fpstate || copy_from_user(fpu, fpstate, sizeof(fpu))) {
		fpu_init_state(fpu);
		__asm__ __volatile__("fxrstorq %0" : : "m"(fpu));
		return;
	}
	*(uint32_t *)(fpu + 24) &= mxcsr_mask();
	__asm__ __volatile__("fxrstorq %0" : : "m"(fpu));
}

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

int arch_signal_return(struct process *p, struct trap_frame *f)
{
	struct x86_ucontext uc;
	const struct x86_sigcontext *mc = &uc.mcontext;

	if (copy_from_user(&uc, f->rsp - 8 + offsetof(struct x86_rt_sigframe, uc), sizeof(uc)))
		return -EFAULT;
	/* iretq to a non-canonical rip faults in the kernel on Intel CPUs,
	 * not in the program: such a frame is refused here (SIGSEGV, as
	 * Linux's failed return gives). */
	if (!canonical(mc->rip) || !canonical(mc->rsp))
		return -EFAULT;
	f->r8 = mc->r8, f->r9 = mc->r9, f->r10 = mc->r10, f->r11 = mc->r11;
	f->r12 = mc->r12, f->r13 = mc->r13, f->r14 = mc->r14, f->r15 = mc->r15;
	f->rdi = mc->rdi, f->rsi = mc->rsi, f->rbp = mc->rbp, f->rbx = mc->rbx;
	f->rdx = mc->rdx, f->rax = mc->rax, f->rcx = mc->rcx, f->rsp = mc->rsp;
	f->rip = mc->rip;
	f->rflags = (f->rflags & ~(uint64_t)USER_FLAGS) | (mc->eflags & USER_FLAGS);
	f->cs = user_cs;
	f->ss = user_ss;
	p->sigmask = uc.sigmask & ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
	restore_fpu(mc->fpstate);
	return 0;
}

/*
 * Loading a program (amphi/process.h): the image is judged by lib/elf.c
 * first, then each PT_LOAD becomes a region with its own protection and
 * its file bytes are copied in (the rest of it is demand zero); brk starts
 * on the page after the last segment; the stack is a region of 8 MiB
 * below VM_STACK_TOP, with nothing mapped below it, and its top is laid
 * out as Linux's execve lays it out for the program's _start:
 *
 *	rsp ->	argc
 *		argv[0..argc-1], NULL
 *		envp[...], NULL
 *		auxv pairs, AT_NULL
 *		(padding)
 *		AT_RANDOM's 16 bytes, the strings, AT_PLATFORM's, AT_EXECFN's
 *
 * with rsp 16-byte aligned and every other register zero (rdx, the
 * function a dynamic loader leaves for atexit, must be).  An ET_DYN
 * program without an interpreter (static-pie) is placed at VM_DYN_BASE;
 * an ET_EXEC one where it says, which must be inside the user range.
 */
#include <amphi/elf.h>
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/process.h>
#include <amphi/string.h>
#include <amphi/uaccess.h>
#include <amphi/vm.h>
#include <asm/desc.h>
#include <asm/paravirt.h>

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31
#define NAUX 19
/* The arguments, environment and strings: at most this much. */
#define EXEC_ARGS_MAX (32 * 1024)
#define EXEC_ARGS_COUNT 1024

static int load_fail(struct process *p, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->load_error, sizeof(p->load_error), fmt, ap);
	va_end(ap);
	return err;
}

static unsigned phdr_prot(uint32_t flags)
{
	return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) |
	       (flags & PF_X ? PROT_EXEC : 0);
}

/* A segment whose first page the one before already holds shares it:
 * that page gets both protections. */
static int map_segment(struct vm *vm, const struct elf64_phdr *ph, uint64_t bias,
		       uint64_t *prev_end, unsigned *prev_prot)
{
	uint64_t start = (ph->p_vaddr + bias) & ~(PAGE_SIZE - 1);
	uint64_t end = ALIGN_UP(ph->p_vaddr + bias + ph->p_memsz, PAGE_SIZE);
	unsigned prot = phdr_prot(ph->p_flags);
	int rc = 0;

	if (start < *prev_end) {
		rc = (int)vm_mprotect(vm, start, PAGE_SIZE, prot | *prev_prot);
		start += PAGE_SIZE;
	}
	if (!rc && start < end)
		rc = vm_region_add(vm, start, end - start, prot);
	*prev_end = end;
	*prev_prot = prot;
	return rc;
}

static int load_segments(struct process *p, const struct elf_info *info, uint64_t bias)
{
	const uint8_t *img = p->spec.image;
	uint64_t prev_end = 0;
	unsigned prev_prot = 0;

	for (unsigned i = 0; i < info->phnum; i++) {
		const struct elf64_phdr *ph = elf_phdr(img, i);
		int rc;

		if (ph->p_type != PT_LOAD)
			continue;
		if ((rc = map_segment(p->vm, ph, bias, &prev_end, &prev_prot)) ||
		    (rc = vm_write(p->vm, ph->p_vaddr + bias, img + ph->p_offset, ph->p_filesz)))
			return load_fail(p, rc, "cannot map a PT_LOAD at %#lx (%d)",
					 ph->p_vaddr + bias, rc);
	}
	p->vm->brk_start = p->vm->brk = info->hi + bias;
	return 0;
}

/* --- the initial stack --- */

struct stack_builder {
	uint8_t *buf;	  /* the copy of [base, VM_STACK_TOP) being built */
	uint64_t base;	  /* its user address */
	uint64_t strings; /* the next string goes below this address */
};

static uint64_t push_bytes(struct stack_builder *b, const void *s, size_t n)
{
	b->strings -= n;
	memcpy(b->buf + (b->strings - b->base), s, n);
	return b->strings;
}

static uint64_t push_str(struct stack_builder *b, const char *s)
{
	return push_bytes(b, s, strlen(s) + 1);
}

static unsigned count(const char *const *v, size_t *bytes)
{
	unsigned n = 0;

	for (; v && v[n] && n <= EXEC_ARGS_COUNT; n++)
		*bytes += strlen(v[n]) + 1;
	return n;
}

static void random_bytes(uint8_t out[16])
{
	uint64_t x = rdtsc() ^ sched_clock() ^ ((uint64_t)(uintptr_t)out << 17);

	for (int i = 0; i < 16; i++) {
		x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
		out[i] = (uint8_t)((x * 0x2545f4914f6cdd1dULL) >> 56);
	}
}

static void put_aux(uint64_t **w, uint64_t type, uint64_t val)
{
	*(*w)++ = type;
	*(*w)++ = val;
}

static void fill_auxv(uint64_t *w, const struct elf_info *info, uint64_t bias, uint64_t random,
		      uint64_t platform, uint64_t execfn)
{
	put_aux(&w, AT_PHDR, info->phdr_vaddr + bias);
	put_aux(&w, AT_PHENT, sizeof(struct elf64_phdr));
	put_aux(&w, AT_PHNUM, info->phnum);
	put_aux(&w, AT_PAGESZ, PAGE_SIZE);
	put_aux(&w, AT_BASE, 0);
	put_aux(&w, AT_FLAGS, 0);
	put_aux(&w, AT_ENTRY, info->entry + bias);
	put_aux(&w, AT_UID, 0);
	put_aux(&w, AT_EUID, 0);
	put_aux(&w, AT_GID, 0);
	put_aux(&w, AT_EGID, 0);
	put_aux(&w, AT_SECURE, 0);
	put_aux(&w, AT_HWCAP, pv_cpuid(1, 0).edx);
	put_aux(&w, AT_HWCAP2, 0);
	put_aux(&w, AT_CLKTCK, 100);
	put_aux(&w, AT_RANDOM, random);
	put_aux(&w, AT_PLATFORM, platform);
	put_aux(&w, AT_EXECFN, execfn);
	put_aux(&w, AT_NULL, 0);
}

static uint64_t *push_vector(uint64_t *w, struct stack_builder *b, const char *const *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		*w++ = push_str(b, v[i]);
	*w++ = 0;
	return w;
}

/* Fills b's buffer: the strings from the top down, then argc, the two
 * vectors and auxv from the bottom (its base, 16-byte aligned) up. */
static void lay_out(struct stack_builder *b, const struct process *p, const char *fn, unsigned argc,
		    unsigned envc, const struct elf_info *info, uint64_t bias)
{
	uint8_t random[16];
	uint64_t execfn = push_str(b, fn);
	uint64_t platform = push_str(b, "x86_64");
	uint64_t *w = (uint64_t *)b->buf, rnd;

	random_bytes(random);
	rnd = push_bytes(b, random, 16);
	*w++ = argc;
	w = push_vector(w, b, p->spec.argv, argc);
	w = push_vector(w, b, p->spec.envp, envc);
	fill_auxv(w, info, bias, rnd, platform, execfn);
}

/* Lays the stack out in a kernel buffer, then copies it in. */
static int build_stack(struct process *p, const struct elf_info *info, uint64_t bias, uint64_t *rsp)
{
	const char *const *argv = p->spec.argv;
	const char *fn = argv && argv[0] ? argv[0] : p->name;
	size_t bytes = 16 + sizeof("x86_64") + strlen(fn) + 1;
	unsigned argc = count(argv, &bytes), envc = count(p->spec.envp, &bytes);
	size_t words = 1 + argc + 1 + envc + 1 + 2 * NAUX;
	size_t total = ALIGN_UP(bytes, 16) + ALIGN_UP(words * 8, 16);
	struct stack_builder b = {.base = VM_STACK_TOP - total, .strings = VM_STACK_TOP};
	int rc;

	if (argc > EXEC_ARGS_COUNT || envc > EXEC_ARGS_COUNT || total > EXEC_ARGS_MAX)
		return load_fail(p, -E2BIG, "arguments and environment too long");
	if (!(b.buf = kmalloc(total)))
		return load_fail(p, -ENOMEM, "out of memory for the stack");
	memset(b.buf, 0, total);
	lay_out(&b, p, fn, argc, envc, info, bias);
	rc = vm_region_add(p->vm, VM_STACK_TOP - VM_STACK_SIZE, VM_STACK_SIZE,
			   PROT_READ | PROT_WRITE);
	if (!rc)
		rc = vm_write(p->vm, b.base, b.buf, total);
	kfree(b.buf);
	*rsp = b.base;
	return rc ? load_fail(p, rc, "cannot map the stack (%d)", rc) : 0;
}

static void first_frame(struct trap_frame *f, uint64_t rip, uint64_t rsp)
{
	memset(f, 0, sizeof(*f));
	f->rip = rip;
	f->cs = USER_CS;
	f->rflags = X86_EFLAGS_IF | 0x2;
	f->rsp = rsp;
	f->ss = USER_DS;
}

int exec_load(struct process *p, struct trap_frame *f)
{
	struct elf_info info;
	const char *why = elf_check(p->spec.image, p->spec.image_len, &info);
	uint64_t bias = 0, rsp = 0;
	int rc;

	if (why)
		return load_fail(p, -ENOEXEC, "not a program this kernel runs: %s", why);
	if (info.type == ET_DYN)
		bias = VM_DYN_BASE - info.lo;
	if (info.lo + bias < USER_BASE || info.hi + bias > VM_MMAP_BASE)
		return load_fail(p, -ENOEXEC,
				 "its segments (%#lx-%#lx) are outside the user range %#lx-%#lx",
				 info.lo, info.hi, USER_BASE, VM_MMAP_BASE);
	if ((rc = load_segments(p, &info, bias)) || (rc = build_stack(p, &info, bias, &rsp)))
		return rc;
	first_frame(f, info.entry + bias, rsp);
	return 0;
}

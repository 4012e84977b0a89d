/*
 * Loading a program (amphi/process.h): the image is judged by lib/elf.c
 * first, then each PT_LOAD becomes a region with its own protection and
 * its file bytes go in (the rest of it is demand zero): from a file, each
 * page the segment fills whole is the file's own page, mapped read-only
 * and copied on a write (file_segment), the others copied; a built-in
 * program's bytes are copied from the kernel's image.  brk starts
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
 *
 * execve reads the file's headers through the VFS (the initramfs is there; a
 * relative path from the working directory, execveat's from its dirfd,
 * with AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW), after copying the
 * arguments and environment in (at most EXEC_ARGS_MAX bytes,
 * else -E2BIG); a "#!" line makes the interpreter the program, with its
 * one optional argument, the script's path and the rest of argv, as
 * Linux does.  The new image is loaded into a new address space and only
 * once it is in does the old one go: a refused file (-ENOENT, -EACCES,
 * -ENOEXEC, -ENOMEM) leaves the caller running as it was.  AT_EXECFN is
 * the path given to execve.
 */
#include <amphi/elf.h>
#include <amphi/errno.h>
#include <amphi/fs.h>
#include <amphi/syscall.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/process.h>
#include <amphi/string.h>
#include <amphi/uaccess.h>
#include <amphi/vm.h>
#include <asm/desc.h>
#include <asm/paravirt.h>
#include <asm/user.h>
#include "sys_fs.h"

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

/* One load: the image and what goes on the stack, the space it goes
 * into, and where the reason for a refusal is written. */
struct exec_image {
	const uint8_t *image; /* the whole program, or its headers (file) */
	size_t len;	      /* the program's length */
	struct inode *file;   /* the file it is read from, or NULL */
	const char *const *argv, *const *envp;
	const char *execfn; /* AT_EXECFN's string */
	struct vm *vm;
	char *why;
	size_t why_len;
};

static int load_fail(struct exec_image *x, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->why, x->why_len, fmt, ap);
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

/* --- a segment's bytes from a file --- */

struct file_map {
	struct vm *vm;
	uint64_t va;
};

static int file_map_one(void *arg, void *page)
{
	struct file_map *m = arg;

	return vm_map_shared(m->vm, m->va, page);
}

/* File bytes [off, off + n) to va, through buf (a page). */
static int file_copy(struct exec_image *p, uint64_t va, uint64_t off, size_t n, uint8_t *buf)
{
	long got = fs_read(p->file, off, buf, n);

	if (got < 0)
		return (int)got;
	if ((size_t)got < n)
		return -EIO; /* the file shrank under the loader */
	return vm_write(p->vm, va, buf, n);
}

/*
 * A segment from the program's file: each page the segment's file bytes
 * fill whole is the file's own page, mapped shared and read-only (a write
 * to a writable segment's page faults and copies it), so that what a
 * program never touches is never copied; the rest (a page the segment
 * starts or ends in part of, the page it shares with the segment before,
 * a hole in the file) is copied as before.  from: the first address no
 * earlier segment holds.
 */
static int file_segment(struct exec_image *p, const struct elf64_phdr *ph, uint64_t bias,
			uint64_t from, uint8_t *buf)
{
	uint64_t va = ph->p_vaddr + bias, end = va + ph->p_filesz;

	while (va < end) {
		uint64_t page = va & ~(PAGE_SIZE - 1), next = MIN(page + PAGE_SIZE, end);
		uint64_t off = ph->p_offset + (va - ph->p_vaddr - bias);
		struct file_map m = {p->vm, page};
		int rc = 1;

		if (va == page && next == page + PAGE_SIZE && page >= from)
			rc = fs_map_page(p->file, off / PAGE_SIZE, file_map_one, &m);
		if (rc > 0)
			rc = file_copy(p, va, off, next - va, buf);
		if (rc)
			return rc;
		va = next;
	}
	return 0;
}

static int fill_segment(struct exec_image *p, const struct elf64_phdr *ph, uint64_t bias,
			uint64_t from, uint8_t *buf)
{
	if (!p->file)
		return vm_write(p->vm, ph->p_vaddr + bias, p->image + ph->p_offset, ph->p_filesz);
	return file_segment(p, ph, bias, from, buf);
}

static int load_segments(struct exec_image *p, const struct elf_info *info, uint64_t bias)
{
	const uint8_t *img = p->image;
	uint64_t prev_end = 0;
	unsigned prev_prot = 0;
	uint8_t *buf = p->file ? kmalloc(PAGE_SIZE) : NULL;

	if (p->file && !buf)
		return load_fail(p, -ENOMEM, "no memory to load the program");
	for (unsigned i = 0; i < info->phnum; i++) {
		const struct elf64_phdr *ph = elf_phdr(img, i);
		uint64_t from = prev_end;
		int rc;

		if (ph->p_type != PT_LOAD)
			continue;
		if ((rc = map_segment(p->vm, ph, bias, &prev_end, &prev_prot)) ||
		    (rc = fill_segment(p, ph, bias, from, buf))) {
			kfree(buf);
			return load_fail(p, rc, "cannot map a PT_LOAD at %#lx (%d)",
					 ph->p_vaddr + bias, rc);
		}
	}
	kfree(buf);
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
static void lay_out(struct stack_builder *b, const struct exec_image *p, const char *fn,
		    unsigned argc, unsigned envc, const struct elf_info *info, uint64_t bias)
{
	uint8_t random[16];
	uint64_t execfn = push_str(b, fn);
	uint64_t platform = push_str(b, "x86_64");
	uint64_t *w = (uint64_t *)b->buf, rnd;

	random_bytes(random);
	rnd = push_bytes(b, random, 16);
	*w++ = argc;
	w = push_vector(w, b, p->argv, argc);
	w = push_vector(w, b, p->envp, envc);
	fill_auxv(w, info, bias, rnd, platform, execfn);
}

/* Lays the stack out in a kernel buffer, then copies it in. */
static int build_stack(struct exec_image *p, const struct elf_info *info, uint64_t bias,
		       uint64_t *rsp)
{
	const char *const *argv = p->argv;
	const char *fn = p->execfn;
	size_t bytes = 16 + sizeof("x86_64") + strlen(fn) + 1;
	unsigned argc = count(argv, &bytes), envc = count(p->envp, &bytes);
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
	f->cs = user_cs;
	f->rflags = X86_EFLAGS_IF | 0x2;
	f->rsp = rsp;
	f->ss = user_ss;
}

static int exec_image_load(struct exec_image *p, struct trap_frame *f)
{
	struct elf_info info;
	const char *why = elf_check(p->image, p->len, &info);
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

static long exec_load_path(struct process *p, struct trap_frame *f);

int exec_load(struct process *p, struct trap_frame *f)
{
	const char *const *argv = p->spec.argv;
	struct exec_image x = {
	    .image = p->spec.image,
	    .len = p->spec.image_len,
	    .argv = argv,
	    .envp = p->spec.envp,
	    .execfn = argv && argv[0] ? argv[0] : p->name,
	    .vm = p->vm,
	    .why = p->load_error,
	    .why_len = sizeof(p->load_error),
	};

	if (p->spec.path)
		return (int)exec_load_path(p, f);
	return exec_image_load(&x, f);
}

/* --- execve --- */

/* Interpreters in a row (a script run by a script...): Linux's limit. */
#define EXEC_SCRIPT_DEPTH 4
/* The bytes of a file looked at for "#!" and its line (BINPRM_BUF_SIZE). */
#define EXEC_HEAD 256
#define EXEC_FILE_MAX (64UL << 20)
#define EXEC_VEC_ROOM (EXEC_ARGS_COUNT + 2 * EXEC_SCRIPT_DEPTH + 2)
#define MSR_FS_BASE 0xc0000100
#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EMPTY_PATH 0x1000

/* The arguments and environment, copied in before anything changes. */
struct exec_args {
	char *strings; /* EXEC_ARGS_MAX bytes */
	size_t used;
	const char **argv, **envp; /* EXEC_VEC_ROOM each */
	unsigned argc, envc;
};

static const char *args_add(struct exec_args *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *at = a->strings + a->used;

	if (n > EXEC_ARGS_MAX - a->used)
		return NULL;
	memcpy(at, s, n);
	a->used += n;
	return at;
}

static long copy_vector(struct exec_args *a, uint64_t uv, const char **out, unsigned *n)
{
	for (*n = 0; uv; (*n)++) {
		uint64_t ptr;
		long len;

		if (copy_from_user(&ptr, uv + 8 * *n, sizeof(ptr)))
			return -EFAULT;
		if (!ptr)
			break;
		if (*n >= EXEC_ARGS_COUNT)
			return -E2BIG;
		len = strncpy_from_user(a->strings + a->used, ptr, EXEC_ARGS_MAX - a->used);
		if (len < 0)
			return len == -ENAMETOOLONG ? -E2BIG : len;
		out[*n] = a->strings + a->used;
		a->used += (size_t)len + 1;
	}
	out[*n] = NULL;
	return 0;
}

static void args_free(struct exec_args *a)
{
	kfree(a->strings);
	kfree(a->argv);
	kfree(a->envp);
}

static long args_copy(struct exec_args *a, uint64_t uargv, uint64_t uenvp)
{
	long rc;

	a->strings = kmalloc(EXEC_ARGS_MAX);
	a->argv = kmalloc(EXEC_VEC_ROOM * sizeof(char *));
	a->envp = kmalloc(EXEC_VEC_ROOM * sizeof(char *));
	if (!a->strings || !a->argv || !a->envp)
		return -ENOMEM;
	if ((rc = copy_vector(a, uargv, a->argv, &a->argc)))
		return rc;
	return copy_vector(a, uenvp, a->envp, &a->envc);
}

/* A program file being run: its head, read, and the file, held. */
struct exec_file {
	uint8_t *head;
	size_t head_len;
	uint64_t size;
	struct inode *file;
};

/* Where execve finds its file: a path from a directory (the caller's
 * working directory for execve, dirfd's for execveat), or execveat's
 * AT_EMPTY_PATH file itself.  The interpreter of a "#!" script is looked
 * up from the working directory, as Linux opens it. */
struct exec_at {
	uint64_t dirfd; /* AT_FDCWD, or execveat's */
	const char *path;
	unsigned int fsflags; /* FS_NOFOLLOW for AT_SYMLINK_NOFOLLOW */
	bool empty_ok;	      /* AT_EMPTY_PATH */
	bool kernel;	      /* PID 1's program: from the root */
};

static long exec_lookup(const struct exec_at *at, struct inode **ip)
{
	if (at->kernel)
		return fs_lookup(NULL, at->path, at->fsflags, ip);
	return sys_at_lookup_path(at->dirfd, at->path, at->fsflags, at->empty_ok, ip);
}

/* Of a program file, what is read: its headers (the ELF header and
 * program headers, or a "#!" line); the segments come later, page by page
 * (file_segment). */
#define EXEC_HDR_READ PAGE_SIZE
#define EXEC_PHDRS_MAX (64 * 1024)

/* The bytes from 0 that hold the program headers, if the ELF header says
 * they lie further than the first read went (at most EXEC_PHDRS_MAX). */
static size_t hdr_need(const uint8_t *h, size_t got, size_t size)
{
	const struct elf64_ehdr *eh = (const void *)h;
	uint64_t end;

	if (got < sizeof(*eh) || memcmp(h, "\177ELF", 4))
		return got;
	end = eh->e_phoff + (uint64_t)eh->e_phnum * eh->e_phentsize;
	if (eh->e_phoff > size || end > size)
		return got; /* lib/elf.c refuses it before it reads them */
	return MAX(got, (size_t)end);
}

/* The head of the file at, if it may be run, and the file itself, held:
 * 0 or -errno. */
static long read_program(const struct exec_at *at, struct exec_file *ef)
{
	struct inode *ip;
	struct fs_stat st;
	size_t want;
	long rc = exec_lookup(at, &ip);

	if (rc)
		return rc;
	fs_stat(ip, &st);
	if (S_ISLNK(st.mode))
		rc = -ELOOP; /* AT_SYMLINK_NOFOLLOW on a symlink */
	else if (!S_ISREG(st.mode) || !(st.mode & 0111))
		rc = -EACCES;
	else if (st.size > EXEC_FILE_MAX)
		rc = -ENOMEM;
	else if (!st.size)
		rc = -ENOEXEC;
	want = MIN(st.size, EXEC_HDR_READ);
	for (int tries = 0; !rc && tries < 2; tries++) {
		if (want > EXEC_PHDRS_MAX) {
			rc = -ENOEXEC; /* program headers far into the file */
			break;
		}
		kfree(ef->head);
		if (!(ef->head = kmalloc_aligned(want, 16)))
			rc = -ENOMEM;
		else if ((rc = fs_read(ip, 0, ef->head, want)) >= 0) {
			ef->head_len = (size_t)rc;
			rc = 0;
			if ((want = hdr_need(ef->head, ef->head_len, st.size)) <= ef->head_len)
				break;
		}
	}
	/* The ELF checks read the program headers: they must be in. */
	if (!rc && hdr_need(ef->head, ef->head_len, st.size) > ef->head_len)
		rc = -ENOEXEC;
	if (rc) {
		kfree(ef->head);
		ef->head = NULL;
		inode_put(ip);
		return rc;
	}
	ef->file = ip;
	ef->size = st.size;
	return 0;
}

static void exec_file_put(struct exec_file *ef)
{
	kfree(ef->head);
	if (ef->file)
		inode_put(ef->file);
	*ef = (struct exec_file){0};
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* "#!interp [arg]": argv becomes interp, [arg,] path, argv[1..]; the
 * path to run is interp's.  -ENOEXEC when there is no interpreter. */
static long script_args(struct exec_args *a, const uint8_t *img, size_t len, const char **path)
{
	char line[EXEC_HEAD];
	size_t n = MIN(len, sizeof(line) - 1);
	char *interp, *arg = NULL, *end;
	unsigned shift;
	const char *s_interp, *s_arg = NULL, *s_path;

	memcpy(line, img + 2, n - 2);
	line[n - 2] = 0;
	if ((end = strchr(line, '\n')))
		*end = 0;
	for (interp = line; blank(*interp); interp++)
		;
	for (end = interp; *end && !blank(*end); end++)
		;
	if (end == interp)
		return -ENOEXEC;
	if (*end) {
		*end++ = 0;
		while (blank(*end))
			end++;
		arg = *end ? end : NULL;
		for (char *t = end + strlen(end); arg && t > arg && blank(t[-1]); t--)
			t[-1] = 0;
	}
	s_interp = args_add(a, interp);
	s_arg = arg ? args_add(a, arg) : NULL;
	s_path = args_add(a, *path);
	if (!s_interp || (arg && !s_arg) || !s_path || a->argc + 3 > EXEC_VEC_ROOM - 1)
		return -E2BIG;
	shift = arg ? 3 : 2;
	/* argv[0] goes: the path takes its place, after the interpreter's. */
	if (a->argc)
		memmove(a->argv + shift, a->argv + 1, a->argc * sizeof(char *));
	else
		a->argv[shift] = NULL;
	a->argv[0] = s_interp;
	if (arg)
		a->argv[1] = s_arg;
	a->argv[shift - 1] = s_path;
	a->argc = a->argc ? a->argc + shift - 1 : shift;
	*path = s_interp;
	return 0;
}

/* The program to run for at, through its "#!" lines; at ends naming the
 * file it came from. */
static long find_image(struct exec_args *a, struct exec_at *at, const char *name,
		       struct exec_file *ef)
{
	for (int depth = 0;; depth++) {
		long rc = read_program(at, ef);
		const char *interp = name; /* the script's, for its interpreter's argv */

		if (rc)
			return rc;
		if (ef->head_len < 2 || ef->head[0] != '#' || ef->head[1] != '!')
			return 0;
		rc = depth == EXEC_SCRIPT_DEPTH ? -ELOOP
						: script_args(a, ef->head, ef->head_len, &interp);
		exec_file_put(ef);
		if (rc)
			return rc;
		*at = (struct exec_at){
		    .dirfd = (uint64_t)AT_FDCWD, .path = interp, .kernel = at->kernel};
		name = interp;
	}
}

/* The new image is in: the old space goes, and with it what the old
 * program had set up for itself. */
static void exec_commit(struct process *p, struct vm *vm, const char *path,
			const struct trap_frame *nf)
{
	struct vm *old = p->vm;
	const char *base = path;
	unsigned long flags = local_irq_save();

	p->vm = vm;
	vm_activate(vm);
	p->fs_base = 0;
	wrmsr(MSR_FS_BASE, 0);
	fpu_init_state(p->fpu);
	__asm__ __volatile__("fxrstorq %0" : : "m"(p->fpu));
	local_irq_restore(flags);
	vm_destroy(old);
	for (const char *c = path; *c; c++)
		if (*c == '/')
			base = c + 1;
	signal_exec_reset(p);
	p->clear_child_tid = p->robust_list = 0;
	strlcpy(p->name, base, sizeof(p->name));
	p->did_exec = true;
	process_files_exec(p);
	*user_frame() = *nf;
}

/* /proc's view of the new program: the file's absolute path, every
 * symlink followed, as Linux's /proc/PID/exe gives it (so that busybox's
 * execve of /proc/self/exe finds the file itself), and its arguments.
 * Set before the old image goes: it is the last step that can fail.  A
 * file run by descriptor alone (AT_EMPTY_PATH) has no path here: its
 * AT_EXECFN stands in. */
static long exec_image_info(struct process *p, const struct exec_at *at, const char *execfn,
			    const char *const *argv)
{
	char *real = kmalloc(FS_PATH_MAX);
	struct inode *dir = NULL;
	long rc = real ? 0 : -ENOMEM;

	if (!rc && !at->kernel && !(at->empty_ok && !at->path[0]))
		rc = sys_at_dir(at->dirfd, at->path, &dir);
	if (!rc && !at->path[0])
		rc = (long)strlcpy(real, execfn, FS_PATH_MAX) + 1;
	else if (!rc)
		rc = fs_realpath(dir, at->path, real, FS_PATH_MAX);
	if (dir)
		inode_put(dir);
	if (rc > 0)
		rc = process_set_image_info(p, real, argv);
	kfree(real);
	return rc;
}

static long exec_path(struct process *p, struct exec_args *a, struct exec_at *at,
		      const char *execfn)
{
	char why[160];
	struct exec_file ef = {0};
	struct trap_frame nf;
	struct exec_image x = {.execfn = execfn, .why = why, .why_len = sizeof(why)};
	long rc = find_image(a, at, execfn, &ef);

	if (rc)
		return rc;
	x.image = ef.head;
	x.len = ef.size;
	x.file = ef.file;
	x.argv = a->argv;
	x.envp = a->envp;
	if (!(x.vm = vm_create())) {
		exec_file_put(&ef);
		return -ENOMEM;
	}
	rc = exec_image_load(&x, &nf);
	exec_file_put(&ef);
	if (!rc)
		rc = exec_image_info(p, at, execfn, a->argv);
	if (rc) {
		vm_destroy(x.vm);
		return rc;
	}
	exec_commit(p, x.vm, execfn, &nf);
	return 0;
}

/* The kernel's own vector (NULL-terminated, or NULL) into a. */
static long args_vector(struct exec_args *a, const char *const *v, const char **out, unsigned *n)
{
	for (*n = 0; v && v[*n]; (*n)++) {
		if (*n >= EXEC_ARGS_COUNT || !(out[*n] = args_add(a, v[*n])))
			return -E2BIG;
	}
	out[*n] = NULL;
	return 0;
}

/* A program the kernel starts by its path (PID 1): its file, through
 * "#!" lines, into p's empty address space. */
static long exec_load_path(struct process *p, struct trap_frame *f)
{
	struct exec_args a = {0};
	struct exec_image x = {.vm = p->vm, .why = p->load_error, .why_len = sizeof(p->load_error)};
	struct exec_file ef = {0};
	struct exec_at at = {.path = p->spec.path, .kernel = true};
	long rc = -ENOMEM;

	a.strings = kmalloc(EXEC_ARGS_MAX);
	a.argv = kmalloc(EXEC_VEC_ROOM * sizeof(char *));
	a.envp = kmalloc(EXEC_VEC_ROOM * sizeof(char *));
	if (a.strings && a.argv && a.envp && !(rc = args_vector(&a, p->spec.argv, a.argv, &a.argc)))
		rc = args_vector(&a, p->spec.envp, a.envp, &a.envc);
	if (!rc)
		rc = find_image(&a, &at, p->spec.path, &ef);
	if (!rc) {
		x.image = ef.head;
		x.len = ef.size;
		x.file = ef.file;
		x.argv = a.argv;
		x.envp = a.envp;
		x.execfn = p->spec.path;
		rc = exec_image_load(&x, f);
		if (!rc)
			rc = exec_image_info(p, &at, p->spec.path, a.argv);
	} else {
		snprintf(p->load_error, sizeof(p->load_error), "%s: error %ld", p->spec.path, rc);
	}
	exec_file_put(&ef);
	args_free(&a);
	return rc;
}

/* execfn for execveat from a descriptor, as Linux names the file:
 * "/dev/fd/N" or "/dev/fd/N/path" (an absolute path, or one from the
 * working directory, is itself). */
static long execveat_name(uint64_t dirfd, const char *path, char *out)
{
	int n;

	if ((int)dirfd == AT_FDCWD || path[0] == '/')
		n = snprintf(out, FS_PATH_MAX, "%s", path);
	else if (!path[0])
		n = snprintf(out, FS_PATH_MAX, "/dev/fd/%d", (int)dirfd);
	else
		n = snprintf(out, FS_PATH_MAX, "/dev/fd/%d/%s", (int)dirfd, path);
	return n < FS_PATH_MAX ? 0 : -ENAMETOOLONG;
}

static long do_execveat(uint64_t dirfd, uint64_t upath, uint64_t uargv, uint64_t uenvp,
			uint64_t flags)
{
	struct exec_args a = {0};
	char *path = kmalloc(FS_PATH_MAX), *execfn = kmalloc(FS_PATH_MAX);
	struct exec_at at = {.dirfd = dirfd, .path = path};
	long rc = path && execfn ? strncpy_from_user(path, upath, FS_PATH_MAX) : -ENOMEM;

	if (rc >= 0 && (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)))
		rc = -EINVAL;
	at.fsflags = flags & AT_SYMLINK_NOFOLLOW ? FS_NOFOLLOW : 0;
	at.empty_ok = flags & AT_EMPTY_PATH;
	if (rc >= 0 && !path[0] && !at.empty_ok)
		rc = -ENOENT;
	if (rc >= 0)
		rc = execveat_name(dirfd, path, execfn);
	if (rc >= 0)
		rc = args_copy(&a, uargv, uenvp);
	if (rc >= 0)
		rc = exec_path(current_process(), &a, &at, execfn);
	args_free(&a);
	kfree(path);
	kfree(execfn);
	return rc;
}

long sys_execve(const struct sysargs *sa)
{
	return do_execveat((uint64_t)AT_FDCWD, sa->a[0], sa->a[1], sa->a[2], 0);
}

long sys_execveat(const struct sysargs *sa)
{
	return do_execveat(sa->a[0], sa->a[1], sa->a[2], sa->a[3], sa->a[4]);
}

/*
 * The little a freestanding test program needs: Linux system calls by
 * number through `syscall`, a few string helpers and output.  No C
 * library, on purpose: these programs test the kernel's system-call ABI
 * one call at a time, with arguments no library would pass.
 */
#ifndef ULIB_H
#define ULIB_H

typedef unsigned long u64;
typedef long s64;

static inline s64 sys6(s64 n, u64 a, u64 b, u64 c, u64 d, u64 e, u64 f)
{
	register u64 r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
	s64 ret;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			     : "rcx", "r11", "memory");
	return ret;
}
#define sys0(n) sys6(n, 0, 0, 0, 0, 0, 0)
#define sys1(n, a) sys6(n, (u64)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) sys6(n, (u64)(a), (u64)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) sys6(n, (u64)(a), (u64)(b), (u64)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) sys6(n, (u64)(a), (u64)(b), (u64)(c), (u64)(d), 0, 0)

static inline u64 ustrlen(const char *s)
{
	u64 n = 0;
	while (s[n])
		n++;
	return n;
}

static inline int ustreq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static inline int ustreq_n(const char *a, const char *b, u64 n)
{
	for (u64 i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static inline void puts1(const char *s)
{
	sys3(1, 1, s, ustrlen(s));
}

static inline void putnum(s64 v)
{
	char buf[24];
	int i = 23;
	int neg = v < 0;
	u64 u = neg ? -(u64)v : (u64)v;

	buf[i] = 0;
	do {
		buf[--i] = '0' + u % 10;
		u /= 10;
	} while (u);
	if (neg)
		buf[--i] = '-';
	puts1(buf + i);
}

static inline void puthex(u64 v)
{
	char buf[19];
	buf[18] = 0;
	for (int i = 17; i >= 2; i--, v >>= 4)
		buf[i] = "0123456789abcdef"[v & 15];
	buf[0] = '0', buf[1] = 'x';
	puts1(buf);
}

static inline void __attribute__((noreturn)) uexit(int code)
{
	sys1(60, code);
	for (;;)
		;
}

static inline u64 atou(const char *s)
{
	u64 v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (u64)(*s++ - '0');
	return v;
}

/* The entry: the program defines start_c, which gets the stack as the
 * kernel laid it out (argc, argv, envp, auxv) and must not return. */
__attribute__((used)) static void start_c(u64 *sp);

__attribute__((naked)) void _start(void)
{
	__asm__ __volatile__("xor %ebp, %ebp\n\t"
			     "mov %rsp, %rdi\n\t"
			     "and $-16, %rsp\n\t"
			     "call start_c\n\t"
			     "ud2");
}

#endif

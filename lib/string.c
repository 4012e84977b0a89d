/* Freestanding string and memory functions.
 *
 * The compiler emits calls to memcpy, memmove, memset and memcmp on its own
 * (structure copies, large initialisers), so the kernel has to provide them.
 * They are plain C so the same file runs in the host unit tests; the copy
 * and fill loops move a word at a time once both pointers are aligned, and
 * a long run of words (a page, a program's segment) goes by one `rep movsq`
 * or `rep stosq`, as Linux's memcpy and clear_page without ERMS: the CPU's
 * string engine on hardware, and a quarter of the loop's instructions
 * under QEMU's instruction count (execve copies a program's whole file
 * twice and clears its pages).  GCC would recognise those
 * loops as memcpy/memset idioms and turn them into calls to the very
 * function being defined, so that transformation is switched off here. */
#include <amphi/string.h>

#if defined(__GNUC__) && !defined(__clang__)
#define NO_IDIOMS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NO_IDIOMS
#endif

/* Word accesses alias whatever the caller's buffer really holds. */
typedef uint64_t __attribute__((may_alias)) word_t;

#define WORD_SIZE sizeof(word_t)

static bool both_aligned(const void *a, const void *b)
{
	return (((uintptr_t)a | (uintptr_t)b) & (WORD_SIZE - 1)) == 0;
}

/* Runs of at least this many bytes go by the string instructions. */
#define STRING_INSN_MIN 256

/* n / WORD_SIZE words from *s to *d, both aligned, the pointers moved
 * past them; returns what is left of n. */
NO_IDIOMS static size_t copy_words(unsigned char **d, const unsigned char **s, size_t n)
{
	size_t words = n / WORD_SIZE;

	if (n >= STRING_INSN_MIN) {
		__asm__ __volatile__("rep movsq" : "+D"(*d), "+S"(*s), "+c"(words) : : "memory");
		return n % WORD_SIZE;
	}
	for (; n >= WORD_SIZE; n -= WORD_SIZE, *d += WORD_SIZE, *s += WORD_SIZE)
		*(word_t *)*d = *(const word_t *)*s;
	return n;
}

NO_IDIOMS void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (both_aligned(d, s))
		n = copy_words(&d, &s, n);
	while (n--)
		*d++ = *s++;
	return dst;
}

/* Copies from the top down, for when the destination overlaps the source
 * from above and a forward copy would overwrite bytes not yet read. */
NO_IDIOMS static void copy_backward(unsigned char *d, const unsigned char *s, size_t n)
{
	d += n;
	s += n;
	if (both_aligned(d, s)) {
		for (; n >= WORD_SIZE; n -= WORD_SIZE) {
			d -= WORD_SIZE;
			s -= WORD_SIZE;
			*(word_t *)d = *(const word_t *)s;
		}
	}
	while (n--)
		*--d = *--s;
}

NO_IDIOMS void *memmove(void *dst, const void *src, size_t n)
{
	uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;

	/* Only a destination starting inside the source needs the backward
	 * walk; everything else is safe to copy forward. */
	if (d > s && d - s < n)
		copy_backward(dst, src, n);
	else if (d != s)
		memcpy(dst, src, n);
	return dst;
}

NO_IDIOMS void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	word_t pattern = (unsigned char)c * (word_t)0x0101010101010101ULL;

	while (n && ((uintptr_t)d & (WORD_SIZE - 1))) {
		*d++ = (unsigned char)c;
		n--;
	}
	if (n >= STRING_INSN_MIN) {
		size_t words = n / WORD_SIZE;

		__asm__ __volatile__("rep stosq" : "+D"(d), "+c"(words) : "a"(pattern) : "memory");
		n %= WORD_SIZE;
	}
	for (; n >= WORD_SIZE; n -= WORD_SIZE, d += WORD_SIZE)
		*(word_t *)d = pattern;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

NO_IDIOMS int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p < *q ? -1 : 1;
	}
	return 0;
}

NO_IDIOMS size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

NO_IDIOMS size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* Characters compare as unsigned char, as the C library does. */
NO_IDIOMS int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;

		if (x != y)
			return x < y ? -1 : 1;
		if (!x)
			break;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, SIZE_MAX);
}

/* The terminator counts as part of the string, so strchr(s, 0) finds it. */
NO_IDIOMS char *strchr(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* A lone "0x" is no number at all rather than a zero followed by junk: the
 * callers parse option values, where "0x" is a typo to report. */
size_t parse_u64(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	size_t i = 0, start;
	uint64_t v = 0;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	for (start = i; i < len; i++) {
		int d = digit_value(s[i]);

		if (d >= (int)base)
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return 0;
		v = v * base + (uint64_t)d;
	}
	if (i == start)
		return 0;
	*out = v;
	return i;
}

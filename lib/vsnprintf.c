/* Formatted output into a buffer, with C99 snprintf semantics.
 *
 * Every character goes through one sink that stores it only while there is
 * room and counts it regardless, so truncation, a zero size (and a NULL
 * buffer) and the "length it would have had" return value all fall out of
 * one place.  Numbers are converted through 64-bit unsigned arithmetic only:
 * the kernel has no floating point and no 128-bit division.  %n is left out
 * on purpose: a format string must never be able to write to memory. */
#include <amphi/printf.h>

/* The largest count the int return value can carry. */
#define RET_MAX ((size_t)(~0U >> 1))

struct sink {
	char *buf;
	size_t size;
	size_t len; /* characters produced so far, stored or not */
};

enum {
	F_LEFT = 1,  /* '-' */
	F_ZERO = 2,  /* '0' */
	F_PLUS = 4,  /* '+' */
	F_SPACE = 8, /* ' ' */
	F_ALT = 16,  /* '#' */
};

enum length { L_INT, L_CHAR, L_SHORT, L_LONG, L_LLONG, L_SIZE, L_PTRDIFF, L_MAX };

struct spec {
	unsigned flags;
	int width;
	int prec; /* -1 when not given */
	enum length length;
	char conv;
};

static void put(struct sink *s, char c)
{
	if (s->size && s->len < s->size - 1)
		s->buf[s->len] = c;
	s->len++;
}

static void put_repeat(struct sink *s, char c, int n)
{
	while (n-- > 0)
		put(s, c);
}

static void put_chars(struct sink *s, const char *p, size_t n)
{
	while (n--)
		put(s, *p++);
}

static size_t bounded_len(const char *p, int max)
{
	size_t n = 0;

	/* A precision bounds how far the string is read, not just printed:
	 * the argument need not be terminated within that many bytes. */
	while ((max < 0 || n < (size_t)max) && p[n])
		n++;
	return n;
}

/* Pads a field of n characters to the width, on the side the flags say. */
static void put_field(struct sink *s, const struct spec *sp, const char *p, size_t n)
{
	int pad = (size_t)sp->width > n ? sp->width - (int)n : 0;

	if (!(sp->flags & F_LEFT))
		put_repeat(s, ' ', pad);
	put_chars(s, p, n);
	if (sp->flags & F_LEFT)
		put_repeat(s, ' ', pad);
}

/* Writes the digits of v backwards from end; returns where they start. */
static char *convert(char *end, uint64_t v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	do {
		*--end = digits[v % base];
		v /= base;
	} while (v);
	return end;
}

/* Lays out prefix (sign or 0x), zeros and digits as C99 describes: the
 * precision is a minimum digit count (a zero value with precision 0 prints
 * no digits at all), and '0' pads only when no precision is given. */
static void put_number(struct sink *s, const struct spec *sp, uint64_t v, unsigned base,
		       const char *prefix)
{
	char buf[24], *end = buf + sizeof(buf), *digits = end; /* 22 octal digits at most */
	size_t plen = bounded_len(prefix, -1);
	int ndigits, zeros, pad;

	if (v || sp->prec != 0)
		digits = convert(end, v, base, sp->conv == 'X');
	ndigits = (int)(end - digits);
	zeros = sp->prec > ndigits ? sp->prec - ndigits : 0;
	/* '#' with %o asks for a leading zero, unless there already is one. */
	if (base == 8 && (sp->flags & F_ALT) && zeros == 0 && (ndigits == 0 || *digits != '0'))
		zeros = 1;
	pad = sp->width - (int)plen - zeros - ndigits;
	if (pad > 0 && (sp->flags & (F_ZERO | F_LEFT)) == F_ZERO && sp->prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!(sp->flags & F_LEFT))
		put_repeat(s, ' ', pad);
	put_chars(s, prefix, plen);
	put_repeat(s, '0', zeros);
	put_chars(s, digits, (size_t)ndigits);
	if (sp->flags & F_LEFT)
		put_repeat(s, ' ', pad);
}

/* %zd reads ptrdiff_t: it has the width of size_t on every target here. */
static int64_t get_signed(enum length l, va_list *ap)
{
	switch (l) {
	case L_CHAR:
		return (signed char)va_arg(*ap, int);
	case L_SHORT:
		return (short)va_arg(*ap, int);
	case L_LONG:
		return va_arg(*ap, long);
	case L_LLONG:
		return va_arg(*ap, long long);
	case L_SIZE:
	case L_PTRDIFF:
		return va_arg(*ap, ptrdiff_t);
	case L_MAX:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t get_unsigned(enum length l, va_list *ap)
{
	switch (l) {
	case L_CHAR:
		return (unsigned char)va_arg(*ap, unsigned int);
	case L_SHORT:
		return (unsigned short)va_arg(*ap, unsigned int);
	case L_LONG:
		return va_arg(*ap, unsigned long);
	case L_LLONG:
		return va_arg(*ap, unsigned long long);
	case L_SIZE:
	case L_PTRDIFF:
		return va_arg(*ap, size_t);
	case L_MAX:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static void put_signed(struct sink *s, const struct spec *sp, va_list *ap)
{
	int64_t v = get_signed(sp->length, ap);
	/* Negating in unsigned arithmetic keeps INT64_MIN well defined. */
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	const char *sign = "";

	if (v < 0)
		sign = "-";
	else if (sp->flags & F_PLUS)
		sign = "+";
	else if (sp->flags & F_SPACE)
		sign = " ";
	put_number(s, sp, mag, 10, sign);
}

static void put_unsigned(struct sink *s, const struct spec *sp, va_list *ap)
{
	uint64_t v = get_unsigned(sp->length, ap);
	const char *prefix = "";
	unsigned base = 16;

	if (sp->conv == 'u')
		base = 10;
	else if (sp->conv == 'o')
		base = 8;
	else if ((sp->flags & F_ALT) && v)
		prefix = sp->conv == 'X' ? "0X" : "0x";
	put_number(s, sp, v, base, prefix);
}

/* Matches glibc, so host and kernel logs read alike: 0x and hex digits,
 * or "(nil)" for a null pointer. */
static void put_pointer(struct sink *s, const struct spec *sp, va_list *ap)
{
	uintptr_t p = (uintptr_t)va_arg(*ap, void *);

	if (p)
		put_number(s, sp, p, 16, "0x");
	else
		put_field(s, sp, "(nil)", 5);
}

static void put_string(struct sink *s, const struct spec *sp, va_list *ap)
{
	const char *str = va_arg(*ap, const char *);

	if (!str)
		str = "(null)";
	put_field(s, sp, str, bounded_len(str, sp->prec));
}

/* Reads a decimal field or '*'; the value is capped so it cannot overflow. */
static const char *parse_number(const char *f, int *out, va_list *ap)
{
	int v = 0;

	if (*f == '*') {
		*out = va_arg(*ap, int);
		return f + 1;
	}
	for (; *f >= '0' && *f <= '9'; f++)
		v = v > 100000000 ? v : v * 10 + (*f - '0');
	*out = v;
	return f;
}

static const char *parse_length(const char *f, enum length *l)
{
	switch (*f) {
	case 'h':
		*l = f[1] == 'h' ? L_CHAR : L_SHORT;
		return f + (f[1] == 'h' ? 2 : 1);
	case 'l':
		*l = f[1] == 'l' ? L_LLONG : L_LONG;
		return f + (f[1] == 'l' ? 2 : 1);
	case 'z':
		*l = L_SIZE;
		return f + 1;
	case 't':
		*l = L_PTRDIFF;
		return f + 1;
	case 'j':
		*l = L_MAX;
		return f + 1;
	default:
		*l = L_INT;
		return f;
	}
}

static unsigned flag_bit(char c)
{
	switch (c) {
	case '-':
		return F_LEFT;
	case '0':
		return F_ZERO;
	case '+':
		return F_PLUS;
	case ' ':
		return F_SPACE;
	case '#':
		return F_ALT;
	default:
		return 0;
	}
}

/* Parses everything between '%' and the conversion character, which it
 * stores in sp->conv (NUL when the format ends first); returns a pointer to
 * that character.  A negative '*' width means '-'; a negative '*' precision
 * means none, as C99 says. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	sp->flags = 0;
	sp->prec = -1;
	for (; flag_bit(*f); f++)
		sp->flags |= flag_bit(*f);
	f = parse_number(f, &sp->width, ap);
	if (sp->width < 0) {
		sp->flags |= F_LEFT;
		sp->width = sp->width < -100000000 ? 100000000 : -sp->width;
	}
	if (*f == '.') {
		f = parse_number(f + 1, &sp->prec, ap);
		if (sp->prec < 0)
			sp->prec = -1;
	}
	f = parse_length(f, &sp->length);
	sp->conv = *f;
	return f;
}

/* Formats one conversion starting at the '%'; returns where to go on. */
static const char *format_one(struct sink *s, const char *start, va_list *ap)
{
	struct spec sp;
	const char *f = parse_spec(start + 1, &sp, ap);

	switch (sp.conv) {
	case 'd':
	case 'i':
		put_signed(s, &sp, ap);
		break;
	case 'u':
	case 'o':
	case 'x':
	case 'X':
		put_unsigned(s, &sp, ap);
		break;
	case 'p':
		put_pointer(s, &sp, ap);
		break;
	case 's':
		put_string(s, &sp, ap);
		break;
	case 'c': {
		char c = (char)va_arg(*ap, int);

		put_field(s, &sp, &c, 1);
		break;
	}
	case '%':
		put(s, '%');
		break;
	case '\0':
		/* A format ending in a lone '%...' prints what is there. */
		put_chars(s, start, (size_t)(f - start));
		return f;
	default:
		put_chars(s, start, (size_t)(f + 1 - start));
		break;
	}
	return f + 1;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = {buf, size, 0};
	va_list args;

	/* A copy can be passed by pointer to the helpers on every ABI. */
	va_copy(args, ap);
	while (*fmt) {
		if (*fmt == '%')
			fmt = format_one(&s, fmt, &args);
		else
			put(&s, *fmt++);
	}
	va_end(args);
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return s.len > RET_MAX ? -1 : (int)s.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

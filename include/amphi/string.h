/* Freestanding string and memory functions (lib/string.c). */
#ifndef AMPHI_STRING_H
#define AMPHI_STRING_H
#include <amphi/types.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);
/* The value of a hexadecimal digit (either case), or 99 for any other
 * character. */
int digit_value(char c);
/* Parses an unsigned number in base 10, or 16 with a 0x prefix; returns the
 * number of characters consumed, 0 if there is no number or it overflows. */
size_t parse_u64(const char *s, size_t len, uint64_t *out);

#endif

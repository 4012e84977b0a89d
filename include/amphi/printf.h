/* Formatted output into a buffer (lib/vsnprintf.c), C99 semantics: the return
 * value is the length the whole output would have, the buffer always ends in
 * a NUL when size > 0.  Supported: %d %i %u %x %X %o %p %s %c %%, the flags
 * '-' '0' '+' ' ' '#', a width and precision (also '*'), and the length
 * modifiers hh h l ll z t j.  An unknown conversion is printed as-is. */
#ifndef AMPHI_PRINTF_H
#define AMPHI_PRINTF_H
#include <amphi/types.h>

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif

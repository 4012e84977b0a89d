/*
 * lwIP's compiler and platform glue (lwIP's arch.h reads it): the kernel is
 * freestanding, so lwIP gets the compiler's own headers (stdint, stddef,
 * limits) and nothing of a C library; formats, assertions and diagnostics
 * go to printk and panic.
 */
#ifndef AMPHI_LWIP_ARCH_CC_H
#define AMPHI_LWIP_ARCH_CC_H
#include <amphi/types.h>

#define BYTE_ORDER LITTLE_ENDIAN
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_UNISTD_H 1
#define LWIP_NO_CTYPE_H 1
#define LWIP_NO_LIMITS_H 1
#define INT_MAX __INT_MAX__
#define SSIZE_MAX __LONG_MAX__
typedef long ssize_t;

#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

void lwip_port_diag(const char *fmt, ...) __printf(1, 2);
__noreturn void lwip_port_assert(const char *msg, const char *file, int line);
#define LWIP_PLATFORM_DIAG(x)                                                                      \
	do {                                                                                       \
		lwip_port_diag x;                                                                  \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x) lwip_port_assert(x, __FILE__, __LINE__)

/* The port's services to lwIP (net/sys_arch.c). */
uint32_t lwip_port_rand(void);
void *lwip_port_malloc(size_t size);
void *lwip_port_calloc(size_t count, size_t size);
void lwip_port_free(void *p);
#endif

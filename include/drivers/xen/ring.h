/*
 * Xen's shared-ring macros (xen/io/ring.h) with the barriers they leave to
 * the includer.  x86 keeps stores in order and loads in order, so only the
 * full barrier (a store then a load, in the notify checks) needs a fence;
 * the others only stop the compiler.  Include this before any xen/io/
 * header that defines rings.
 */
#ifndef DRIVERS_XEN_RING_H
#define DRIVERS_XEN_RING_H
#ifndef xen_mb
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __asm__ __volatile__("" ::: "memory")
#define xen_wmb() __asm__ __volatile__("" ::: "memory")
#endif
#include <xen/io/ring.h>
#endif

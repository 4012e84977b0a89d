/*
 * Helpers the xenstore and xenbus selftests share (xs_selftest.c).
 */
#ifndef XENBUS_XS_SELFTEST_H
#define XENBUS_XS_SELFTEST_H
#include <amphi/selftest.h>

/* SELFTEST_SUCCESS when there is a store to test; else the skip (native,
 * dom0 without xenstored) or failure (a domU that cannot reach its store)
 * with its reason set. */
enum selftest_result xs_selftest_need_store(struct selftest_ctx *ctx);
/* Reads path and compares it with want; false with the failure in ctx. */
bool xs_selftest_expect(struct selftest_ctx *ctx, const char *path, const char *want);

#endif

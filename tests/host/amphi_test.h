/* Common prelude of the host unit tests.
 *
 * The C library and cmocka headers come first, unrenamed.  The kernel
 * headers are then read with host_rename.h in force, so they declare the
 * amphi_ names that the kernel objects were built with, and the renaming is
 * dropped again so that memcpy or snprintf in a test means the host's. */
#ifndef AMPHI_TEST_H
#define AMPHI_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "host_rename.h"
#include <amphi/types.h>
#include <amphi/string.h>
#include <amphi/printf.h>
#include <amphi/cmdline.h>
#include <amphi/memmap.h>
#include <amphi/frame.h>
#include <amphi/heap.h>
#include <amphi/pvpatch.h>

#include "host_unrename.h"

#endif

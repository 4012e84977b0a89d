/* Undoes tests/host/host_rename.h for test code, once it has included the
 * kernel headers (which declare the amphi_ names): the test's own
 * memcpy, snprintf... are the C library's again.  Included by
 * amphi_test.h and tests/fuzz/fuzz.h; a name added there is added here. */
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strlcpy
#undef vsnprintf
#undef snprintf

/* Forced into every kernel source compiled for the host tests.
 *
 * The kernel defines functions the host C library also has.  Renaming them
 * here lets one test binary hold both: the tests call the kernel versions
 * by their amphi_ names, while cmocka, the sanitizers and the C library keep
 * using their own.  host_unrename.h undoes it for the test code. */
#ifndef AMPHI_HOST_RENAME_H
#define AMPHI_HOST_RENAME_H

#define memcpy amphi_memcpy
#define memmove amphi_memmove
#define memset amphi_memset
#define memcmp amphi_memcmp
#define strlen amphi_strlen
#define strnlen amphi_strnlen
#define strcmp amphi_strcmp
#define strncmp amphi_strncmp
#define strchr amphi_strchr
#define strlcpy amphi_strlcpy
#define vsnprintf amphi_vsnprintf
#define snprintf amphi_snprintf

#endif

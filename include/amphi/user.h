/*
 * User mode at boot (kernel/user.c) and the programs built into the
 * kernel for the selftests and the shell's `run` (kernel/user_blobs.S),
 * until the initramfs brings files.
 */
#ifndef AMPHI_USER_H
#define AMPHI_USER_H
#include <amphi/types.h>

void user_init(void);
/* NULL when programs can run here, else why not. */
const char *user_unavailable(void);

struct user_prog {
	const char *name;
	const uint8_t *image;
	size_t len;
};
/* The built-in programs, by name; NULL when there is none. */
const struct user_prog *user_prog_find(const char *name);
extern const struct user_prog user_progs[];
extern const unsigned int nr_user_progs;

#endif

/* Finding a built-in program by name (amphi/user.h, kernel/user_blobs.S). */
#include <amphi/string.h>
#include <amphi/user.h>

const struct user_prog *user_prog_find(const char *name)
{
	for (unsigned i = 0; i < nr_user_progs; i++)
		if (!strcmp(user_progs[i].name, name))
			return &user_progs[i];
	return NULL;
}

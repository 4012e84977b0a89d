/* lwIP includes <string.h>; the kernel has its own (lib/string.c). */
#include <amphi/string.h>

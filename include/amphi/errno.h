/* Error numbers, Linux's values, returned negated (-ENOENT). */
#ifndef AMPHI_ERRNO_H
#define AMPHI_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EIO 5
#define E2BIG 7
#define ENOEXEC 8
#define EBADF 9
#define ECHILD 10
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EISDIR 21
#define EINVAL 22
#define ENOTTY 25
#define ENOSPC 28
#define EROFS 30
#define ERANGE 34
#define ENAMETOOLONG 36
#define ENOSYS 38
#define ENOTEMPTY 39
#define ETIME 62
#define EBADMSG 74
#define ENETDOWN 100
#define EISCONN 106
#define ETIMEDOUT 110
#define EALREADY 114

#endif

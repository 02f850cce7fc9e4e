/*
 * exedir.c - paths beside the running program (exedir.h).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exedir.h"

int exedir_join(const char *rel, char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = 0;
    int len = snprintf(out, cap, "%s/%s", exe, rel);
    return len >= 0 && (size_t)len < cap ? 0 : -1;
}

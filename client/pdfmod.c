/*
 * pdfmod.c - finding and opening wo-pdf.so (pdfmod.h).
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pdfmod.h"

/* DIR/../lib/wo/wo-pdf.so for the running DIR/wo. */
static int module_path(char *out, size_t cap)
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
    return snprintf(out, cap, "%s/../lib/wo/wo-pdf.so", exe) < (int)cap ? 0
                                                                         : -1;
}

const struct pdfmod *pdfmod_load(char *err, size_t errlen)
{
    static const struct pdfmod *mod;
    char path[PATH_MAX + 32];
    if (mod)
        return mod;
    if (module_path(path, sizeof path)) {
        snprintf(err, errlen, "cannot tell where wo is installed, to find "
                 "wo-pdf.so beside it");
        return NULL;
    }
    /* kept open until exit: fontconfig and pango keep state in it */
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(err, errlen, "cannot load the PDF module (%s); reinstall "
                 "wo with its lib/wo directory", dlerror());
        return NULL;
    }
    const struct pdfmod *m = dlsym(h, PDFMOD_SYMBOL);
    if (!m || m->version != PDFMOD_VERSION) {
        snprintf(err, errlen, "%s is a PDF module of another version of wo; "
                 "reinstall wo", path);
        dlclose(h);
        return NULL;
    }
    return mod = m;
}

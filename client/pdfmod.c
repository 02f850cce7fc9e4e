/*
 * pdfmod.c - finding and opening wo-pdf.so (pdfmod.h).
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exedir.h"
#include "pdfmod.h"

const struct pdfmod *pdfmod_load(char *err, size_t errlen)
{
    static const struct pdfmod *mod;
    char path[PATH_MAX + 32];
    if (mod)
        return mod;
    if (exedir_join("../lib/wo/wo-pdf.so", path, sizeof path)) {
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

/*
 * web.c - the web console's files and their policy (see web.h).
 */
#include <string.h>
#include <strings.h>

#include "web.h"

static const char *const headers[][2] = {
    {"content-security-policy:",
     "default-src 'none'; script-src 'self'; style-src 'self'; "
     "img-src 'self'; connect-src 'self'; base-uri 'none'; "
     "form-action 'none'; frame-ancestors 'none'"},
    {"x-content-type-options:", "nosniff"},
    {"referrer-policy:", "no-referrer"},
    {"x-frame-options:", "DENY"},
    {"cross-origin-opener-policy:", "same-origin"},
    {"cache-control:", "no-cache"},
};

const struct web_asset *web_find(const char *path)
{
    size_t n = strcspn(path, "?#");
    for (const struct web_asset *a = web_assets; a->path; a++)
        if (strlen(a->path) == n && !strncmp(a->path, path, n))
            return a;
    return NULL;
}

int web_header(size_t i, const char **name, const char **value)
{
    if (i >= sizeof headers / sizeof headers[0])
        return 0;
    *name = headers[i][0];
    *value = headers[i][1];
    return 1;
}

int web_origin_ok(const char *origin, const char *allowed)
{
    /* a browser sends "scheme://host[:port]" or "null"; anything else
     * (wo sends its server's bare host name) is not a page's origin, and
     * Origin protects nobody but browsers */
    if (!origin || !*origin || (strcmp(origin, "null") &&
                                !strstr(origin, "://")))
        return 1;
    size_t n = strlen(origin);
    for (const char *p = allowed; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && !strncasecmp(p, origin, n))
            return 1;
        p += len;
        p += *p == ',';
    }
    return 0;
}

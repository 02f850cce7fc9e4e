/*
 * web.h - the web console's files and the headers they are served with.
 *
 * The files (web/ and the pinned msgpack codec) are compiled into
 * wo-server by cmake/web_assets.cmake; ws.c serves them on the TLS port
 * it listens on. This module holds what is served and under which
 * policy; ws.c only does the HTTP.
 */
#ifndef WEB_H
#define WEB_H

#include <stddef.h>

struct web_asset {
    const char *path;           /* URL path, e.g. "/" or "/console.js" */
    const char *type;           /* Content-Type */
    const unsigned char *data;
    size_t len;
};

/* The generated table, ended by an entry whose path is NULL. */
extern const struct web_asset web_assets[];

/* The asset served at URL path `path` (a query string is ignored), or
 * NULL. */
const struct web_asset *web_find(const char *path);

/* The i-th header every answer carries ("name:" with its colon, as lws
 * wants it, and the value), or 0 past the last. Among them a strict
 * Content-Security-Policy: scripts, styles and connections from this
 * origin only, nothing inline, no frames. */
int web_header(size_t i, const char **name, const char **value);

/*
 * 1 when a WebSocket upgrade with this Origin header may go on: no
 * Origin, or one that is not a browser's ("scheme://host[:port]" or
 * "null"; wo sends its server's bare host), or one of the comma-separated
 * origins in `allowed` ("https://host:port", compared whole,
 * case-insensitively). A page from any other origin must not drive a
 * signed-in browser.
 */
int web_origin_ok(const char *origin, const char *allowed);

#endif

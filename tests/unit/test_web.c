/*
 * Unit tests for the web console's files and policy (server/web.c): the
 * table compiled from web/, the headers every answer carries, and which
 * Origin may open a WebSocket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "web.h"

static void test_files(void **state)
{
    (void)state;
    const struct web_asset *a = web_find("/");
    assert_non_null(a);
    assert_string_equal(a->type, "text/html; charset=utf-8");
    assert_non_null(strstr((const char *)a->data, "/console.js"));
    assert_ptr_equal(web_find("/?lang=id"), a);     /* a query is ignored */
    a = web_find("/vendor/msgpack.min.js");
    assert_non_null(a);
    assert_true(a->len > 1000);
    assert_string_equal(a->type, "text/javascript; charset=utf-8");
    assert_non_null(web_find("/i18n/id.json"));
    assert_null(web_find("/console"));
    assert_null(web_find("/../server.db"));
    assert_null(web_find("//console.js"));
    assert_null(web_find(""));
}

static void test_headers(void **state)
{
    (void)state;
    const char *name, *value, *csp = NULL;
    size_t i;
    for (i = 0; web_header(i, &name, &value); i++) {
        assert_non_null(strchr(name, ':'));
        if (!strcmp(name, "content-security-policy:"))
            csp = value;
    }
    assert_true(i >= 3);
    assert_non_null(csp);
    assert_non_null(strstr(csp, "default-src 'none'"));
    assert_non_null(strstr(csp, "script-src 'self'"));
    assert_non_null(strstr(csp, "connect-src 'self'"));
    assert_non_null(strstr(csp, "frame-ancestors 'none'"));
    assert_null(strstr(csp, "unsafe"));
}

static void test_origins(void **state)
{
    (void)state;
    const char *ok = "https://127.0.0.1:8443,https://localhost:8443";
    assert_true(web_origin_ok(NULL, ok));          /* not a browser */
    assert_true(web_origin_ok("", ok));
    assert_true(web_origin_ok("127.0.0.1", ok));   /* not a page's origin */
    assert_true(web_origin_ok("https://127.0.0.1:8443", ok));
    assert_true(web_origin_ok("https://LOCALHOST:8443", ok));
    assert_false(web_origin_ok("https://127.0.0.1:8444", ok));
    assert_false(web_origin_ok("http://127.0.0.1:8443", ok));
    assert_false(web_origin_ok("https://127.0.0.1", ok));
    assert_false(web_origin_ok("https://127.0.0.1:8443.evil.example", ok));
    assert_false(web_origin_ok("https://evil.example", ok));
    assert_false(web_origin_ok("null", ok));       /* a sandboxed page */
    assert_false(web_origin_ok("https://127.0.0.1:8443", ""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_origins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

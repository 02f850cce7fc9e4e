/* wo_err.c - messages and wire statuses for the WO_E* list in wo_err.h. */
#include "wo_err.h"

const char *wo_strerror(int code)
{
    switch (code) {
    case WO_OK: return "ok";
#define WO__ERRSTR(name, val, status, msg) case WO_##name: return msg;
    WO_ERRNO_MAP(WO__ERRSTR)
#undef WO__ERRSTR
    }
    return "unknown error";
}

int wo_err_status(int code)
{
    switch (code) {
    case WO_OK: return 200;
#define WO__ERRST(name, val, status, msg) case WO_##name: return status;
    WO_ERRNO_MAP(WO__ERRST)
#undef WO__ERRST
    }
    return 500;
}

/*
 * wo_err.h - the one list of error codes shared by every module.
 *
 * Functions return 0 on success or a negative WO_E* code. The wire uses the
 * positive "status" numbers in the same table (docs/protocol.md, "Errors"),
 * so one place maps a code to what a peer sees.
 */
#ifndef WO_ERR_H
#define WO_ERR_H

/* X(name, value, wire status, message) */
#define WO_ERRNO_MAP(X)                                                     \
    X(EINVAL, -1, 400, "invalid argument")                                  \
    X(ENOMEM, -2, 500, "out of memory")                                     \
    X(EPROTO, -3, 400, "malformed frame")                                   \
    X(ETOOBIG, -4, 413, "frame too large")                                  \
    X(EAUTH, -5, 401, "not authenticated")                                  \
    X(EPERM, -6, 403, "not allowed for this role")                          \
    X(ENOTFOUND, -7, 404, "not found")                                      \
    X(ESTATE, -8, 409, "not allowed in the current state")                  \
    X(EIO, -9, 503, "storage error")                                        \
    X(ECRYPTO, -10, 422, "signature or statement does not verify")          \
    X(EEXIST, -11, 409, "already exists")                                   \
    X(ESCHEMA, -12, 500, "database schema is newer than this program")      \
    X(ENET, -13, 503, "network error")                                      \
    X(ETIMEDOUT, -14, 504, "timed out")                                     \
    X(EUNKNOWN, -15, 400, "unknown frame type")

enum wo_err {
    WO_OK = 0,
#define WO__ERRENUM(name, val, status, msg) WO_##name = val,
    WO_ERRNO_MAP(WO__ERRENUM)
#undef WO__ERRENUM
};

/* Human message for a WO_E* code; never NULL. */
const char *wo_strerror(int code);

/* Wire status (HTTP-like, 400..599) for a WO_E* code; 500 if unknown. */
int wo_err_status(int code);

#endif

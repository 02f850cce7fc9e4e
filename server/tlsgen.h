/*
 * tlsgen.h - development TLS material for `wo-server init`: a local CA
 * and a server certificate for localhost / 127.0.0.1 signed by it.
 * Production deployments bring their own certificate (--cert/--key).
 */
#ifndef TLSGEN_H
#define TLSGEN_H

/* Write DIR/ca.pem, DIR/ca.key, DIR/server.pem, DIR/server.key (keys
 * 0600). 0 or a WO_E* code; err says what failed. */
int tlsgen_dev(const char *dir, char *err, size_t errlen);

#endif

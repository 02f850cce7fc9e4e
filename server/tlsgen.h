/*
 * tlsgen.h - development TLS material for `wo-server init`: a local CA
 * and a server certificate for localhost / 127.0.0.1 signed by it.
 * Production deployments bring their own certificate (--cert/--key).
 */
#ifndef TLSGEN_H
#define TLSGEN_H

/*
 * Make a CA and a server certificate it signs. The CA's private key goes
 * to ca_dir (ca.key, with a copy of ca.pem), apart from the data
 * directory a running server reads: a server that is broken into must
 * not hand out a key that can sign certificates its clients trust.
 * tls_dir gets ca.pem (what clients are given), server.pem and
 * server.key. Every file is 0600; both directories must exist. 0 or a
 * WO_E* code; err says what failed.
 */
int tlsgen_dev(const char *tls_dir, const char *ca_dir, char *err,
               size_t errlen);

#endif

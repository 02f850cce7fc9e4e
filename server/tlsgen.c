/* tlsgen.c - P-256 keys and X.509 certificates through OpenSSL 3. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tlsgen.h"
#include "wo_err.h"

static EVP_PKEY *new_key(void)
{
    return EVP_EC_gen("P-256");
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ex)
        return -1;
    int ok = X509_add_ext(cert, ex, -1);
    X509_EXTENSION_free(ex);
    return ok ? 0 : -1;
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer,
                       EVP_PKEY *issuer_key, int ca, long serial)
{
    X509 *c = X509_new();
    if (!c)
        return NULL;
    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
    /* development only: a laptop whose clock is days or months behind
     * still connects (and is told its clock is off, client/net.c); the
     * 825 days ahead are what browsers accept for a leaf */
    X509_gmtime_adj(X509_getm_notBefore(c), -60L * 60 * 24 * 365);
    X509_gmtime_adj(X509_getm_notAfter(c), 60L * 60 * 24 * 825);
    X509_set_pubkey(c, key);
    X509_NAME *name = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               (const unsigned char *)"wo development", -1,
                               -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
    X509 *iss = issuer ? issuer : c;
    int bad = 0;
    if (ca) {
        bad |= add_ext(c, iss, NID_basic_constraints, "critical,CA:TRUE");
        bad |= add_ext(c, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        bad |= add_ext(c, iss, NID_basic_constraints, "critical,CA:FALSE");
        bad |= add_ext(c, iss, NID_key_usage,
                       "critical,digitalSignature,keyAgreement");
        bad |= add_ext(c, iss, NID_ext_key_usage, "serverAuth");
        bad |= add_ext(c, iss, NID_subject_alt_name,
                       "DNS:localhost,IP:127.0.0.1");
    }
    bad |= add_ext(c, iss, NID_subject_key_identifier, "hash");
    if (bad || !X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256())) {
        X509_free(c);
        return NULL;
    }
    return c;
}

/* Every file 0600, certificates too: the data directory holds nothing
 * for others to read (clients get ca.pem from the admin). An existing
 * file is truncated and made 0600 whatever its mode was. */
static int write_pem(const char *dir, const char *name, EVP_PKEY *key,
                     X509 *cert)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                  0600);
    if (fd < 0)
        return WO_EIO;
    if (fchmod(fd, 0600) != 0) {
        close(fd);
        return WO_EIO;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return WO_EIO;
    }
    int ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
                 : PEM_write_X509(f, cert);
    return fclose(f) == 0 && ok ? 0 : WO_EIO;
}

int tlsgen_dev(const char *tls_dir, const char *ca_dir, char *err,
               size_t errlen)
{
    int rc = WO_ECRYPTO;
    EVP_PKEY *cak = new_key(), *srk = new_key();
    X509 *ca = NULL, *sr = NULL;
    if (!cak || !srk)
        goto out;
    ca = make_cert(cak, "wo development CA", NULL, NULL, 1, 1);
    sr = ca ? make_cert(srk, "localhost", ca, cak, 0, 2) : NULL;
    if (!sr)
        goto out;
    /* the CA's key first: without it in a safe place the rest is no use */
    if ((rc = write_pem(ca_dir, "ca.key", cak, NULL)) ||
        (rc = write_pem(ca_dir, "ca.pem", NULL, ca)))
        snprintf(err, errlen, "cannot write the CA's files in %s", ca_dir);
    else if ((rc = write_pem(tls_dir, "ca.pem", NULL, ca)) ||
             (rc = write_pem(tls_dir, "server.pem", NULL, sr)) ||
             (rc = write_pem(tls_dir, "server.key", srk, NULL)))
        snprintf(err, errlen, "cannot write TLS files in %s", tls_dir);
out:
    if (rc == WO_ECRYPTO)
        snprintf(err, errlen, "cannot generate TLS keys or certificates");
    X509_free(ca);
    X509_free(sr);
    EVP_PKEY_free(cak);
    EVP_PKEY_free(srk);
    return rc;
}

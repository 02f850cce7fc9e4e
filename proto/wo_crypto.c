/*
 * wo_crypto.c - Ed25519 and SHA-256 through OpenSSL 3's EVP interface.
 * This is the only file in proto/ that includes OpenSSL headers.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "wo_crypto.h"
#include "wo_err.h"

int wo_random(uint8_t *buf, size_t n)
{
    return RAND_bytes(buf, (int)n) == 1 ? 0 : WO_ECRYPTO;
}

void wo_sha256(const void *data, size_t n, uint8_t out[32])
{
    unsigned int len = 32;
    EVP_Digest(data, n, out, &len, EVP_sha256(), NULL);
}

void wo_hex(const uint8_t *in, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * n] = 0;
}

int wo_uuid(char out[37])
{
    uint8_t b[16];
    char h[33];
    struct timespec ts;
    if (wo_random(b, sizeof b))
        return WO_ECRYPTO;
    /* version 7: 48-bit Unix time in ms first, so ids made close in time
     * sort close together and land in the same B-tree pages (the server
     * keys ops and records by them) */
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(ms >> (40 - 8 * i));
    b[6] = (b[6] & 0x0F) | 0x70;
    b[8] = (b[8] & 0x3F) | 0x80;
    wo_hex(b, 16, h);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16,
             h + 20);
    return 0;
}

int wo_key_generate(uint8_t priv[WO_KEY_LEN], uint8_t pub[WO_KEY_LEN])
{
    EVP_PKEY *k = NULL;
    size_t a = WO_KEY_LEN, b = WO_KEY_LEN;
    int rc = WO_ECRYPTO;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    if (!c || EVP_PKEY_keygen_init(c) <= 0 || EVP_PKEY_keygen(c, &k) <= 0)
        goto out;
    if (EVP_PKEY_get_raw_private_key(k, priv, &a) != 1 ||
        EVP_PKEY_get_raw_public_key(k, pub, &b) != 1)
        goto out;
    rc = 0;
out:
    EVP_PKEY_free(k);
    EVP_PKEY_CTX_free(c);
    return rc;
}

int wo_key_save(const char *path, const uint8_t priv[WO_KEY_LEN])
{
    int rc = WO_EIO;
    FILE *f = NULL;
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv,
                                               WO_KEY_LEN);
    if (!k)
        return WO_ECRYPTO;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = errno == EEXIST ? WO_EEXIST : WO_EIO;
        goto out;
    }
    f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        goto out;
    }
    if (PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1)
        goto out;
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        goto out;
    rc = 0;
out:
    if (f && fclose(f) != 0)
        rc = WO_EIO;
    EVP_PKEY_free(k);
    return rc;
}

int wo_key_load(const char *path, uint8_t priv[WO_KEY_LEN],
                uint8_t pub[WO_KEY_LEN])
{
    struct stat st;
    size_t a = WO_KEY_LEN, b = WO_KEY_LEN;
    int rc = WO_ECRYPTO;
    if (stat(path, &st) != 0)
        return WO_ENOTFOUND;
    if (st.st_mode & 077)
        return WO_EPERM;
    FILE *f = fopen(path, "r");
    if (!f)
        return WO_ENOTFOUND;
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!k)
        return WO_ECRYPTO;
    if (EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519 &&
        EVP_PKEY_get_raw_private_key(k, priv, &a) == 1 &&
        EVP_PKEY_get_raw_public_key(k, pub, &b) == 1)
        rc = 0;
    EVP_PKEY_free(k);
    return rc;
}

int wo_sign(const uint8_t priv[WO_KEY_LEN], const void *msg, size_t n,
            uint8_t sig[WO_SIG_LEN])
{
    uint8_t h[32];
    size_t sl = WO_SIG_LEN;
    int rc = WO_ECRYPTO;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv,
                                               WO_KEY_LEN);
    wo_sha256(msg, n, h);
    if (c && k && EVP_DigestSignInit(c, NULL, NULL, NULL, k) == 1 &&
        EVP_DigestSign(c, sig, &sl, h, sizeof h) == 1 && sl == WO_SIG_LEN)
        rc = 0;
    EVP_MD_CTX_free(c);
    EVP_PKEY_free(k);
    return rc;
}

int wo_verify(const uint8_t pub[WO_KEY_LEN], const void *msg, size_t n,
              const uint8_t sig[WO_SIG_LEN])
{
    uint8_t h[32];
    int rc = WO_ECRYPTO;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
                                              WO_KEY_LEN);
    wo_sha256(msg, n, h);
    if (c && k && EVP_DigestVerifyInit(c, NULL, NULL, NULL, k) == 1 &&
        EVP_DigestVerify(c, sig, WO_SIG_LEN, h, sizeof h) == 1)
        rc = 0;
    EVP_MD_CTX_free(c);
    EVP_PKEY_free(k);
    return rc;
}

size_t wo_auth_text(const uint8_t nonce[WO_NONCE_LEN], int64_t device_id,
                    char *out, size_t cap)
{
    char hex[2 * WO_NONCE_LEN + 1];
    wo_hex(nonce, WO_NONCE_LEN, hex);
    int n = snprintf(out, cap, "wo-auth/1\n%s\n%" PRId64 "\n", hex, device_id);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

int wo_code_hash(const char *code, const uint8_t salt[WO_CODE_SALT],
                 uint8_t out[32])
{
    return PKCS5_PBKDF2_HMAC(code, (int)strlen(code), salt, WO_CODE_SALT,
                             WO_CODE_ITER, EVP_sha256(), 32, out) == 1
               ? 0
               : WO_ECRYPTO;
}

int wo_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

int wo_hmac(const uint8_t key[32], const void *data, size_t n,
            uint8_t out[32])
{
    unsigned int len = 32;
    return HMAC(EVP_sha256(), key, 32, data, n, out, &len) && len == 32
               ? 0
               : WO_ECRYPTO;
}

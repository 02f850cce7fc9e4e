/*
 * wo_crypto.h - the few cryptographic primitives both sides need:
 * randomness, SHA-256, Ed25519 device keys, and the auth challenge text.
 *
 * Design rule (docs/architecture.md): what is signed is always the SHA-256
 * of a canonical text, never raw struct bytes, so that a client in another
 * language can build the same bytes from docs/protocol.md.
 */
#ifndef WO_CRYPTO_H
#define WO_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define WO_KEY_LEN 32
#define WO_SIG_LEN 64
#define WO_NONCE_LEN 32

/* Fill buf with n bytes from the OS CSPRNG. 0 or WO_ECRYPTO. */
int wo_random(uint8_t *buf, size_t n);

void wo_sha256(const void *data, size_t n, uint8_t out[32]);

/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void wo_hex(const uint8_t *in, size_t n, char *out);

/* A time-ordered random id (UUID version 7: RFC 9562), 36 chars + NUL.
 * 0 or WO_ECRYPTO. */
int wo_uuid(char out[37]);

/* New Ed25519 key pair (raw 32-byte keys). 0 or WO_ECRYPTO. */
int wo_key_generate(uint8_t priv[WO_KEY_LEN], uint8_t pub[WO_KEY_LEN]);

/*
 * Write the private key as PKCS#8 PEM, file mode 0600, created exclusively
 * (an existing key is never overwritten). 0, WO_EEXIST or WO_EIO.
 */
int wo_key_save(const char *path, const uint8_t priv[WO_KEY_LEN]);

/* Read a key written by wo_key_save; refuses a file readable by others.
 * 0, WO_ENOTFOUND, WO_EPERM (mode too open) or WO_ECRYPTO. */
int wo_key_load(const char *path, uint8_t priv[WO_KEY_LEN],
                uint8_t pub[WO_KEY_LEN]);

/* Ed25519 signature over SHA-256(msg). 0 or WO_ECRYPTO. */
int wo_sign(const uint8_t priv[WO_KEY_LEN], const void *msg, size_t n,
            uint8_t sig[WO_SIG_LEN]);

/* 0 when sig is a valid signature by pub over SHA-256(msg), else
 * WO_ECRYPTO. */
int wo_verify(const uint8_t pub[WO_KEY_LEN], const void *msg, size_t n,
              const uint8_t sig[WO_SIG_LEN]);

/*
 * A short secret (a recipient's confirmation code) as kept at rest:
 * PBKDF2-HMAC-SHA256 with a per-secret random salt, so that a copy of the
 * store does not show the codes and each guess against it costs
 * WO_CODE_ITER hashes. 0 or WO_ECRYPTO.
 */
#define WO_CODE_SALT 16
#define WO_CODE_ITER 20000
int wo_code_hash(const char *code, const uint8_t salt[WO_CODE_SALT],
                 uint8_t out[32]);

/* HMAC-SHA256 of n bytes of data under a 32-byte key. 0 or WO_ECRYPTO. */
int wo_hmac(const uint8_t key[32], const void *data, size_t n,
            uint8_t out[32]);

/* 1 if a and b (n bytes) are equal, in time that does not depend on
 * where they differ. */
int wo_equal(const void *a, const void *b, size_t n);

/*
 * The text a device signs to answer a challenge:
 * "wo-auth/1\n<hex nonce>\n<device id>\n". Writes at most cap bytes;
 * returns its length.
 */
size_t wo_auth_text(const uint8_t nonce[WO_NONCE_LEN], int64_t device_id,
                    char *out, size_t cap);

#endif

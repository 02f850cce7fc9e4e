/*
 * smtp.h - one message to one recipient through an SMTP relay, with
 * STARTTLS (OpenSSL; the relay's certificate checked against a CA file
 * and its host name or address), SMTP AUTH (PLAIN or LOGIN, RFC 4954)
 * only ever over that TLS, and at most one file attached (MIME
 * multipart/mixed, base64). Blocking with timeouts: only the mailer's
 * worker thread calls it, never the server's loop.
 */
#ifndef SMTP_H
#define SMTP_H

#include <stddef.h>
#include <stdint.h>

struct smtp;

/* The longest user name and password AUTH sends. */
#define SMTP_USER_MAX 128
#define SMTP_PASSWORD_MAX 128

/*
 * A relay at relay ("HOST:PORT") sending as from; with starttls, every
 * message goes over TLS (a relay that does not offer STARTTLS is refused)
 * and the relay's certificate must chain to ca (a PEM file; NULL: the
 * system's store). With user (NULL: none), every session logs in after
 * STARTTLS with the password in the file password_file
 * (smtp_password_read); user without starttls is refused, so a password
 * never crosses a plain connection. NULL with why in err on a bad
 * setting. Call from the thread that owns the process's environment
 * (OpenSSL reads it).
 */
struct smtp *smtp_create(const char *relay, const char *from, int starttls,
                         const char *ca, const char *user,
                         const char *password_file, char *err,
                         size_t errlen);
void smtp_destroy(struct smtp *m);

/*
 * The password in file path (its first line, without the line end) into
 * out (len bytes). Refused, with what to do in err: a file group or others
 * may read or write (chmod 600), not a regular file, empty, or longer than
 * SMTP_PASSWORD_MAX. 0 or -1.
 */
int smtp_password_read(const char *path, char *out, size_t len, char *err,
                       size_t errlen);

/* A file to attach. */
struct smtp_file {
    const char *name;       /* ASCII file name, no quotes or line ends */
    const char *mime;       /* "application/pdf" */
    const uint8_t *data;
    size_t len;
};

/* Send one message (body: text, lines ending in CRLF or LF; att: a file
 * to attach, or NULL). 0, or WO_ENET (relay down, refused, TLS or login
 * failed: try again later) or WO_EINVAL (the relay refused the message
 * for good), with the relay's words in err. date_ms: the Date header. */
int smtp_send(struct smtp *m, const char *rcpt, const char *subject,
              const char *body, const struct smtp_file *att, int64_t date_ms,
              int64_t id, char *err, size_t errlen);

#endif

/*
 * smtp.h - one message to one recipient through an SMTP relay, with
 * STARTTLS (OpenSSL; the relay's certificate checked against a CA file
 * and its host name or address). Blocking with timeouts: only the mailer's
 * worker thread calls it, never the server's loop.
 */
#ifndef SMTP_H
#define SMTP_H

#include <stddef.h>
#include <stdint.h>

struct smtp;

/*
 * A relay at relay ("HOST:PORT") sending as from; with starttls, every
 * message goes over TLS (a relay that does not offer STARTTLS is refused)
 * and the relay's certificate must chain to ca (a PEM file; NULL: the
 * system's store). NULL with why in err on a bad setting. Call from the
 * thread that owns the process's environment (OpenSSL reads it).
 */
struct smtp *smtp_create(const char *relay, const char *from, int starttls,
                         const char *ca, char *err, size_t errlen);
void smtp_destroy(struct smtp *m);

/* Send one message (body: text, lines ending in CRLF or LF). 0, or
 * WO_ENET (relay down, refused, TLS failed: try again later) or WO_EINVAL
 * (the relay refused the message for good), with the relay's words in
 * err. date_ms: the Date header. */
int smtp_send(struct smtp *m, const char *rcpt, const char *subject,
              const char *body, int64_t date_ms, int64_t id, char *err,
              size_t errlen);

#endif

/*
 * smtp.c - a small SMTP client (RFC 5321) with STARTTLS (RFC 3207); see
 * smtp.h. One connection per message: messages are few (a handful per
 * order) and a fresh connection makes every failure independent.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "smtp.h"
#include "wo_err.h"

#define SMTP_TIMEOUT_S 10

struct smtp {
    char host[256];
    char port[8];
    char from[256];
    int starttls;
    SSL_CTX *ctx;
};

/* One SMTP conversation. */
struct conv {
    int fd;
    SSL *ssl;
    char buf[4096];
    size_t len;
    char last[512];         /* the relay's last reply, for errors */
};

struct smtp *smtp_create(const char *relay, const char *from, int starttls,
                         const char *ca, char *err, size_t errlen)
{
    const char *colon = relay ? strrchr(relay, ':') : NULL;
    struct smtp *m;
    if (!colon || colon == relay || (size_t)(colon - relay) >= 256 ||
        !colon[1] || strlen(colon + 1) > 5 ||
        strspn(colon + 1, "0123456789") != strlen(colon + 1)) {
        snprintf(err, errlen, "the SMTP relay must be HOST:PORT");
        return NULL;
    }
    if (!from || !strchr(from, '@') || strpbrk(from, "<>\r\n ")) {
        snprintf(err, errlen, "the sender address must look like "
                 "desk@example.com");
        return NULL;
    }
    if (!(m = calloc(1, sizeof *m))) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    memcpy(m->host, relay, (size_t)(colon - relay));
    snprintf(m->port, sizeof m->port, "%s", colon + 1);
    snprintf(m->from, sizeof m->from, "%s", from);
    m->starttls = starttls;
    if (starttls) {
        m->ctx = SSL_CTX_new(TLS_client_method());
        if (!m->ctx ||
            !SSL_CTX_set_min_proto_version(m->ctx, TLS1_2_VERSION) ||
            !(ca ? SSL_CTX_load_verify_locations(m->ctx, ca, NULL)
                 : SSL_CTX_set_default_verify_paths(m->ctx))) {
            snprintf(err, errlen, "cannot load the CA for the SMTP relay%s%s",
                     ca ? ": " : "", ca ? ca : "");
            smtp_destroy(m);
            return NULL;
        }
        SSL_CTX_set_verify(m->ctx, SSL_VERIFY_PEER, NULL);
    }
    return m;
}

void smtp_destroy(struct smtp *m)
{
    if (!m)
        return;
    SSL_CTX_free(m->ctx);
    free(m);
}

static int say(char *err, size_t len, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int say(char *err, size_t len, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return rc;
}

static int conv_write(struct conv *c, const char *p, size_t n)
{
    while (n) {
        ssize_t w = c->ssl ? SSL_write(c->ssl, p, (int)n)
                           : send(c->fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) {
            if (!c->ssl && w < 0 && errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One reply (all its lines): its code, or -1 when the relay hung up or
 * timed out. The last line goes to c->last. */
static int conv_reply(struct conv *c)
{
    for (;;) {
        char *nl = memchr(c->buf, '\n', c->len);
        if (nl) {
            size_t n = (size_t)(nl - c->buf) + 1;
            int code = -1, more = 0;
            if (n >= 4 && c->buf[0] >= '2' && c->buf[0] <= '5') {
                code = atoi(c->buf);
                more = c->buf[3] == '-';
            }
            snprintf(c->last, sizeof c->last, "%.*s", (int)(n > 1 ? n - 1 : 0),
                     c->buf);
            c->last[strcspn(c->last, "\r")] = 0;
            memmove(c->buf, c->buf + n, c->len - n);
            c->len -= n;
            if (code < 0)
                return -1;
            if (!more)
                return code;
            continue;
        }
        if (c->len == sizeof c->buf)
            return -1;
        ssize_t r = c->ssl ? SSL_read(c->ssl, c->buf + c->len,
                                      (int)(sizeof c->buf - c->len))
                           : recv(c->fd, c->buf + c->len,
                                  sizeof c->buf - c->len, 0);
        if (r <= 0) {
            if (!c->ssl && r < 0 && errno == EINTR)
                continue;
            return -1;
        }
        c->len += (size_t)r;
    }
}

/* Send a command line and read the reply: its code, -1 on a dead line. */
static int cmd(struct conv *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int cmd(struct conv *c, const char *fmt, ...)
{
    char line[600];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 2, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line - 2)
        return -1;
    memcpy(line + n, "\r\n", 3);
    return conv_write(c, line, (size_t)n + 2) ? -1 : conv_reply(c);
}

static int dial(const struct smtp *m, char *err, size_t len)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *a;
    struct timeval tv = {SMTP_TIMEOUT_S, 0};
    int fd = -1, e = getaddrinfo(m->host, m->port, &hints, &res);
    if (e)
        return say(err, len, -1, "cannot resolve %s: %s", m->host,
                   gai_strerror(e));
    for (a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
                    a->ai_protocol);
        if (fd < 0)
            continue;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(fd, a->ai_addr, a->ai_addrlen)) {
            e = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        say(err, len, -1, "cannot reach the SMTP relay %s:%s: %s", m->host,
            m->port, strerror(e));
    return fd;
}

/* 1 if host is an IPv4 or IPv6 address literal. */
static int inet_pton_ok(const char *host, unsigned char buf[16])
{
    return inet_pton(AF_INET, host, buf) == 1 ||
           inet_pton(AF_INET6, host, buf) == 1;
}

static int start_tls(const struct smtp *m, struct conv *c, char *err,
                     size_t len)
{
    unsigned char ip[16];
    if (!(c->ssl = SSL_new(m->ctx)) || !SSL_set_fd(c->ssl, c->fd))
        return say(err, len, WO_ENET, "out of memory for TLS");
    /* the relay's name or address must be in its certificate */
    X509_VERIFY_PARAM *p = SSL_get0_param(c->ssl);
    if (inet_pton_ok(m->host, ip))
        X509_VERIFY_PARAM_set1_ip_asc(p, m->host);
    else if (!SSL_set1_host(c->ssl, m->host) ||
             !SSL_set_tlsext_host_name(c->ssl, m->host))
        return say(err, len, WO_ENET, "cannot set the relay's name for TLS");
    if (SSL_connect(c->ssl) != 1) {
        long v = SSL_get_verify_result(c->ssl);
        return say(err, len, WO_ENET, "TLS with the SMTP relay failed: %s",
                   v != X509_V_OK ? X509_verify_cert_error_string(v)
                                  : "handshake refused");
    }
    return 0;
}

/* Subject: ASCII as it is, else RFC 2047 base64 UTF-8. */
static void subject_header(const char *s, char *out, size_t len)
{
    int ascii = 1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0x80 || *p < 0x20)
            ascii = 0;
    size_t n = strlen(s);
    if (n > 180)
        n = 180;
    if (ascii) {
        snprintf(out, len, "%.*s", (int)n, s);
        return;
    }
    unsigned char b64[256];
    EVP_EncodeBlock(b64, (const unsigned char *)s, (int)n);
    snprintf(out, len, "=?UTF-8?B?%s?=", b64);
}

/* The message: headers, then the body with line ends as CRLF and lines
 * starting with '.' doubled (RFC 5321 4.5.2), then the final dot. */
static int send_data(struct conv *c, const struct smtp *m, const char *rcpt,
                     const char *subject, const char *body, int64_t date_ms,
                     int64_t id)
{
    char head[1024], date[64], subj[300];
    time_t t = (time_t)(date_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    subject_header(subject, subj, sizeof subj);
    int n = snprintf(head, sizeof head,
                     "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nDate: %s\r\n"
                     "Message-ID: <wo.%lld.%lld@%s>\r\nMIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=UTF-8\r\n"
                     "Content-Transfer-Encoding: 8bit\r\n\r\n",
                     m->from, rcpt, subj, date, (long long)id,
                     (long long)date_ms, m->host);
    if (n < 0 || (size_t)n >= sizeof head || conv_write(c, head, (size_t)n))
        return -1;
    const char *p = body;
    while (*p) {
        size_t line = strcspn(p, "\r\n");
        if (*p == '.' && conv_write(c, ".", 1))
            return -1;
        if (conv_write(c, p, line) || conv_write(c, "\r\n", 2))
            return -1;
        p += line;
        if (*p == '\r')
            p++;
        if (*p == '\n')
            p++;
    }
    return conv_write(c, ".\r\n", 3) ? -1 : conv_reply(c);
}

int smtp_send(struct smtp *m, const char *rcpt, const char *subject,
              const char *body, int64_t date_ms, int64_t id, char *err,
              size_t errlen)
{
    struct conv c = {.fd = -1};
    int code, rc = WO_ENET;
    if (!rcpt || strpbrk(rcpt, "<>\r\n ") || !strchr(rcpt, '@'))
        return say(err, errlen, WO_EINVAL, "not an address: %s",
                   rcpt ? rcpt : "");
    if ((c.fd = dial(m, err, errlen)) < 0)
        return WO_ENET;
#define STEP(expr, ok, what)                                               \
    if ((code = (expr)) / 100 != (ok)) {                                    \
        rc = code >= 500 ? WO_EINVAL : WO_ENET;                             \
        say(err, errlen, rc, "the SMTP relay %s: %s", what,                 \
            code < 0 ? "hung up or timed out" : c.last);                    \
        goto out;                                                           \
    }
    STEP(conv_reply(&c), 2, "did not greet")
    STEP(cmd(&c, "EHLO wo-server"), 2, "refused EHLO")
    if (m->starttls) {
        STEP(cmd(&c, "STARTTLS"), 2, "refused STARTTLS (it must offer it)")
        c.len = 0; /* nothing read before TLS may count after it */
        if ((rc = start_tls(m, &c, err, errlen)))
            goto out;
        rc = WO_ENET;
        STEP(cmd(&c, "EHLO wo-server"), 2, "refused EHLO over TLS")
    }
    STEP(cmd(&c, "MAIL FROM:<%s>", m->from), 2, "refused the sender")
    STEP(cmd(&c, "RCPT TO:<%s>", rcpt), 2, "refused the recipient")
    STEP(cmd(&c, "DATA"), 3, "refused DATA")
    STEP(send_data(&c, m, rcpt, subject, body, date_ms, id), 2,
         "refused the message")
#undef STEP
    cmd(&c, "QUIT");
    rc = 0;
out:
    if (c.ssl) {
        SSL_shutdown(c.ssl);
        SSL_free(c.ssl);
    }
    close(c.fd);
    ERR_clear_error();
    return rc;
}

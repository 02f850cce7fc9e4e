/*
 * smtp.c - a small SMTP client (RFC 5321) with STARTTLS (RFC 3207), AUTH
 * PLAIN and LOGIN (RFC 4954, 4616) and MIME attachments (RFC 2045, 2046);
 * see smtp.h. One connection per message: messages are few (a handful per
 * order) and a fresh connection makes every failure independent.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
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
    char user[SMTP_USER_MAX + 1];       /* "": no AUTH */
    char pass[SMTP_PASSWORD_MAX + 1];
};

/* One SMTP conversation. */
struct conv {
    int fd;
    SSL *ssl;
    char buf[4096];
    size_t len;
    char last[512];         /* the relay's last reply, for errors */
    char auth[256];         /* the EHLO's AUTH mechanisms, " PLAIN LOGIN " */
};

int smtp_password_read(const char *path, char *out, size_t len, char *err,
                       size_t errlen)
{
    struct stat sb;
    char buf[SMTP_PASSWORD_MAX + 3];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read the SMTP password file %s: %s",
                 path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "the SMTP password file %s is not a regular "
                 "file", path);
        close(fd);
        return -1;
    }
    if (sb.st_mode & 077) {
        snprintf(err, errlen, "the SMTP password file %s can be read or "
                 "written by others (mode %03o): make it private with "
                 "'chmod 600 %s'", path, (unsigned)(sb.st_mode & 0777), path);
        close(fd);
        return -1;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "cannot read the SMTP password file %s: %s",
                 path, strerror(errno));
        return -1;
    }
    buf[n] = 0;
    size_t l = strcspn(buf, "\r\n");
    /* one line: the password, then nothing but its line end */
    int ok = l && l <= SMTP_PASSWORD_MAX && l < len &&
             l + strspn(buf + l, "\r\n") == (size_t)n;
    if (!ok) {
        snprintf(err, errlen, "the SMTP password file %s must hold the "
                 "password on its first and only line (1 to %d bytes)", path,
                 SMTP_PASSWORD_MAX);
        OPENSSL_cleanse(buf, sizeof buf);
        return -1;
    }
    buf[l] = 0;
    memcpy(out, buf, l + 1);
    OPENSSL_cleanse(buf, sizeof buf);
    return 0;
}

struct smtp *smtp_create(const char *relay, const char *from, int starttls,
                         const char *ca, const char *user,
                         const char *password_file, char *err, size_t errlen)
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
    if (user && *user && !starttls) {
        snprintf(err, errlen, "SMTP AUTH needs STARTTLS: a password never "
                 "goes over a plain connection (wo-server init "
                 "--smtp-starttls)");
        return NULL;
    }
    if (user && (strlen(user) > SMTP_USER_MAX || strpbrk(user, "\r\n"))) {
        snprintf(err, errlen, "the SMTP user name must be one line of at "
                 "most %d bytes", SMTP_USER_MAX);
        return NULL;
    }
    if (!(m = calloc(1, sizeof *m))) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (user && *user) {
        snprintf(m->user, sizeof m->user, "%s", user);
        if (!password_file) {
            snprintf(err, errlen, "the SMTP user %s has no password file "
                     "(wo-server init --smtp-password-file FILE)", user);
            free(m);
            return NULL;
        }
        if (smtp_password_read(password_file, m->pass, sizeof m->pass, err,
                               errlen)) {
            free(m);
            return NULL;
        }
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
    OPENSSL_cleanse(m->pass, sizeof m->pass);
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
            /* an EHLO line "250-AUTH PLAIN LOGIN" */
            if (code == 250 && strlen(c->last) > 9 &&
                !strncasecmp(c->last + 4, "AUTH", 4) &&
                (c->last[8] == ' ' || c->last[8] == '='))
                snprintf(c->auth, sizeof c->auth, " %s ", c->last + 9);
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
    int w = conv_write(c, line, (size_t)n + 2);
    OPENSSL_cleanse(line, sizeof line);  /* it may have held a login */
    return w ? -1 : conv_reply(c);
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

/* Text lines, with line ends as CRLF and lines starting with '.' doubled
 * (RFC 5321 4.5.2). */
static int write_text(struct conv *c, const char *p)
{
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
    return 0;
}

/* f as base64 lines of 76 characters (RFC 2045 6.8). */
static int write_base64(struct conv *c, const struct smtp_file *f)
{
    unsigned char out[80];
    for (size_t at = 0; at < f->len; at += 57) {
        size_t n = f->len - at < 57 ? f->len - at : 57;
        int k = EVP_EncodeBlock(out, f->data + at, (int)n);
        memcpy(out + k, "\r\n", 2);
        if (conv_write(c, (const char *)out, (size_t)k + 2))
            return -1;
    }
    return 0;
}

/* The message: headers, then the body (and the attachment: a
 * multipart/mixed of the text and the file), then the final dot. */
static int send_data(struct conv *c, const struct smtp *m, const char *rcpt,
                     const char *subject, const char *body,
                     const struct smtp_file *att, int64_t date_ms, int64_t id)
{
    char head[1536], date[64], subj[300], boundary[80];
    time_t t = (time_t)(date_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    subject_header(subject, subj, sizeof subj);
    /* "=_" never occurs in base64, and the body is the server's own text */
    snprintf(boundary, sizeof boundary, "=_wo_%lld_%lld", (long long)id,
             (long long)date_ms);
    int n = snprintf(head, sizeof head,
                     "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nDate: %s\r\n"
                     "Message-ID: <wo.%lld.%lld@%s>\r\nMIME-Version: 1.0\r\n",
                     m->from, rcpt, subj, date, (long long)id,
                     (long long)date_ms, m->host);
    if (n > 0 && (size_t)n < sizeof head && att)
        n += snprintf(head + n, sizeof head - (size_t)n,
                      "Content-Type: multipart/mixed; boundary=\"%s\"\r\n"
                      "\r\nThis is a message in MIME format.\r\n"
                      "\r\n--%s\r\n", boundary, boundary);
    if (n > 0 && (size_t)n < sizeof head)
        n += snprintf(head + n, sizeof head - (size_t)n,
                      "Content-Type: text/plain; charset=UTF-8\r\n"
                      "Content-Transfer-Encoding: 8bit\r\n\r\n");
    if (n < 0 || (size_t)n >= sizeof head || conv_write(c, head, (size_t)n) ||
        write_text(c, body))
        return -1;
    if (att) {
        n = snprintf(head, sizeof head,
                     "\r\n--%s\r\nContent-Type: %s; name=\"%s\"\r\n"
                     "Content-Transfer-Encoding: base64\r\n"
                     "Content-Disposition: attachment; filename=\"%s\"\r\n"
                     "\r\n", boundary, att->mime, att->name, att->name);
        if (n < 0 || (size_t)n >= sizeof head ||
            conv_write(c, head, (size_t)n) || write_base64(c, att))
            return -1;
        n = snprintf(head, sizeof head, "\r\n--%s--\r\n", boundary);
        if (conv_write(c, head, (size_t)n))
            return -1;
    }
    return conv_write(c, ".\r\n", 3) ? -1 : conv_reply(c);
}

/* 1 if the relay's EHLO offered mechanism mech. */
static int offers(const struct conv *c, const char *mech)
{
    char word[32];
    snprintf(word, sizeof word, " %s ", mech);
    for (const char *p = c->auth; *p; p++)
        if (!strncasecmp(p, word, strlen(word)))
            return 1;
    return 0;
}

/* base64 of n bytes of p into out (at least 4 * ((n + 2) / 3) + 1). */
static void b64(const void *p, size_t n, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

/*
 * Log in as m->user, over TLS only: AUTH PLAIN if the relay offers it,
 * else AUTH LOGIN. 0 or WO_ENET with err saying why (the relay's words
 * for a refused login: fix the user or the password file and restart).
 */
static int login(const struct smtp *m, struct conv *c, char *err, size_t len)
{
    char raw[SMTP_USER_MAX + SMTP_PASSWORD_MAX + 3];
    char enc[4 * (sizeof raw + 2) / 3 + 4];
    size_t ul = strlen(m->user), pl = strlen(m->pass);
    int code;
    if (!c->ssl)  /* smtp_create refuses AUTH without STARTTLS: a guard */
        return say(err, len, WO_ENET, "SMTP AUTH refused over a plain "
                   "connection");
    if (offers(c, "PLAIN")) {
        /* authzid (empty) NUL user NUL password (RFC 4616) */
        raw[0] = 0;
        memcpy(raw + 1, m->user, ul + 1);
        memcpy(raw + ul + 2, m->pass, pl);
        b64(raw, ul + pl + 2, enc);
        code = cmd(c, "AUTH PLAIN %s", enc);
    } else if (offers(c, "LOGIN")) {
        code = cmd(c, "AUTH LOGIN");
        if (code == 334) {
            b64(m->user, ul, enc);
            code = cmd(c, "%s", enc);
        }
        if (code == 334) {
            b64(m->pass, pl, enc);
            code = cmd(c, "%s", enc);
        }
    } else {
        return say(err, len, WO_ENET, "the SMTP relay offers no AUTH PLAIN "
                   "or LOGIN over TLS (it offers:%s); user %s cannot log in",
                   *c->auth ? c->auth : " none", m->user);
    }
    OPENSSL_cleanse(raw, sizeof raw);
    OPENSSL_cleanse(enc, sizeof enc);
    if (code == 235)
        return 0;
    return say(err, len, WO_ENET, "the SMTP relay refused the login of user "
               "%s: %s; check --smtp-user and the password file, then "
               "restart wo-server", m->user,
               code < 0 ? "hung up or timed out" : c->last);
}

int smtp_send(struct smtp *m, const char *rcpt, const char *subject,
              const char *body, const struct smtp_file *att, int64_t date_ms,
              int64_t id, char *err, size_t errlen)
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
        c.auth[0] = 0;
        if ((rc = start_tls(m, &c, err, errlen)))
            goto out;
        rc = WO_ENET;
        STEP(cmd(&c, "EHLO wo-server"), 2, "refused EHLO over TLS")
    }
    if (*m->user && (rc = login(m, &c, err, errlen)))
        goto out;
    rc = WO_ENET;
    STEP(cmd(&c, "MAIL FROM:<%s>", m->from), 2, "refused the sender")
    STEP(cmd(&c, "RCPT TO:<%s>", rcpt), 2, "refused the recipient")
    STEP(cmd(&c, "DATA"), 3, "refused DATA")
    STEP(send_data(&c, m, rcpt, subject, body, att, date_ms, id), 2,
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

/*
 * mailer.h - sends the durable mail queue (notify.h) through the SMTP
 * relay set at `wo-server init --smtp`, from a worker thread with its own
 * connection to the store, so the desk never waits on a relay. The
 * completion and closing messages carry the order's service report as a
 * PDF (svcreport.h), drawn by the worker at send time from a read-only
 * connection of its own: the queue row holds only the order and the
 * event. When the report cannot be made the message goes without it and
 * says so. A message
 * that does not go is retried with backoff (30 s, doubling, at most 1 h)
 * and stays queued across restarts: a relay that is down loses nothing.
 *
 * The worker never reads the clock: the loop's owner hands it the time at
 * each kick (the desk's tick), so a test clock moves its retries too.
 */
#ifndef MAILER_H
#define MAILER_H

#include <stdint.h>

struct mailer;
struct store;

/*
 * From the loop's thread: read the relay settings from st; with none set,
 * NULL and a note on stderr (messages stay queued). Otherwise open a
 * second connection to the store at path and start the worker. NULL on
 * failure, said on stderr.
 */
struct mailer *mailer_create(struct store *st, const char *path);

/* Wake the worker at server time now (cheap, never blocks on it). NULL is
 * accepted. */
void mailer_kick(struct mailer *m, int64_t now);

/* Stop the worker (after the message it is sending) and free; NULL ok. */
void mailer_destroy(struct mailer *m);

/* Settings names in the store (init writes them). */
#define MAILER_RELAY "smtp.relay"
#define MAILER_FROM "smtp.from"
#define MAILER_STARTTLS "smtp.starttls"
#define MAILER_CA "smtp.ca"
#define MAILER_USER "smtp.user"                 /* AUTH after STARTTLS */
#define MAILER_PASSWORD_FILE "smtp.password_file"  /* its path, not the
                                                    * password */

#endif

/*
 * cmd_report_pdf.h - the service report commands (`wo report-pdf`, `wo
 * verify`) and what other commands borrow from them: the summary a
 * recipient reads before co-signing, and signature checks on this device.
 */
#ifndef CMD_REPORT_PDF_H
#define CMD_REPORT_PDF_H

#include <stdbool.h>

#include "client.h"

struct wo_order;

/* wo report-pdf WO [--out FILE] [--json]: the order's report as PDF, from
 * the replica (technician, offline) or the server (dispatcher). Returns
 * the exit code. */
int cmd_report_pdf(struct client *c, int argc, char **argv);

/* wo verify FILE.pdf [--json]: check a report offline. Exit 0 only for a
 * complete report whose evidence, signatures and page text all check. */
int cmd_verify(struct client *c, int argc, char **argv);

/*
 * Before a recipient co-signs order o as `name`: when stdin and stdout are
 * terminals and !yes, print the report's text and ask "Co-sign as NAME?
 * [y/N]". Returns 0 to go on, 1 when declined (a message is printed).
 * Not on a terminal it returns 0 at once, as scripts expect.
 */
int report_cosign_confirm(struct client *c, struct wo_order *o,
                          const char *name, bool yes);

/*
 * Verify o's signatures on this device, against this device's own key and
 * the keys the server sent for other devices (stored in the replica);
 * marks the ones that pass as verified. Returns how many did.
 */
size_t report_verify_here(struct client *c, struct wo_order *o);

#endif

/*
 * wo_proto.h - the wire format shared by wo-server and wo.
 *
 * Every WebSocket message is one msgpack map: key "t" names the frame type,
 * the other keys are that frame's fields (docs/protocol.md lists them all).
 * Each frame type is a C struct below; wo_frame_encode() and
 * wo_frame_decode() convert between the two.
 *
 * Decoding never trusts input: it checks the type of every field, the
 * length of every string and array against the limits below, and the
 * presence of every required field; unknown keys are ignored so that a
 * newer peer can add optional fields. This module knows nothing of
 * sockets or SQLite and can be fuzzed alone.
 *
 * Ownership: a decoded frame owns all its strings and arrays; release it
 * with wo_frame_free(). Frames built by callers for encoding are only read.
 */
#ifndef WO_PROTO_H
#define WO_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wo_err.h"

/* The protocol version travels in the WebSocket subprotocol name. */
#define WO_SUBPROTOCOL "wo.v1"

#define WO_MAX_FRAME    (1024 * 1024) /* bytes in one reassembled message */
#define WO_MAX_ID       64            /* op / record ids, names, codes */
#define WO_MAX_SHORT    256           /* titles, sites, part numbers */
#define WO_MAX_TEXT     8192          /* notes, descriptions, comments */
#define WO_MAX_STMT     65536         /* canonical signed statements */
#define WO_MAX_ITEMS    1000          /* entries in any one array */
#define WO_MAX_DEPTH    8             /* arrays and maps nested in a frame */

/* WebSocket close codes the server sends (docs/protocol.md, "Closing"). */
enum wo_close {
    WO_CLOSE_NORMAL = 1000,
    WO_CLOSE_PROTOCOL = 1002,       /* no wo.v1 subprotocol */
    WO_CLOSE_UNSUPPORTED = 1003,    /* text frames, again and again */
    WO_CLOSE_INVALID = 1007,        /* undecodable frames, again and again */
    WO_CLOSE_POLICY = 1008,         /* refused auth, revoked, not reading */
    WO_CLOSE_TOO_BIG = 1009,        /* a message over WO_MAX_FRAME */
    WO_CLOSE_INTERNAL = 1011,       /* the server could not send a frame */
    WO_CLOSE_BUSY = 1013,           /* a connection cap: try again later */
    WO_CLOSE_TIMEOUT = 4408,        /* no auth in time, or idle too long */
    WO_CLOSE_RATE = 4429            /* frames faster than the rate limit */
};

enum wo_ftype {
    WO_F_NONE = 0,
    WO_F_CHALLENGE, /* server -> any: nonce to sign */
    WO_F_ENROLL,    /* client -> server: one-time code + new device key */
    WO_F_ENROLLED,  /* server -> client */
    WO_F_AUTH,      /* client -> server: signature over the challenge */
    WO_F_WELCOME,   /* server -> client: who you are, server time */
    WO_F_OPS,       /* technician -> server: outbox ops, in order */
    WO_F_ACKS,      /* server -> technician: one ack per op */
    WO_F_SYNC,      /* client -> server: cursor + ids held */
    WO_F_CHANGES,   /* server -> client: catch-up batch or live push */
    WO_F_CMD,       /* dispatcher/admin -> server */
    WO_F_RESULT,    /* server -> dispatcher/admin */
    WO_F_ERROR,     /* either way */
    WO_F_RECEIPTS,  /* technician -> server: orders stored, first opened */
    WO_F__COUNT
};

/* Name used on the wire ("challenge", ...) or NULL for an unknown type. */
const char *wo_ftype_name(int type);

struct wo_challenge {
    uint8_t *nonce;
    size_t nonce_len;       /* always 32 */
    int64_t server_time;    /* ms since the epoch */
};

struct wo_enroll {
    char *code;             /* one-time enrolment code */
    uint8_t *pubkey;
    size_t pubkey_len;      /* 32: raw Ed25519 public key */
    char *device_name;      /* optional, free text */
    char *user;             /* optional: the user the code was made for;
                             * wrong codes are then counted per user */
};

struct wo_enrolled {
    int64_t device_id;
    char *user;
    char *role;
};

struct wo_auth {
    int64_t device_id;
    uint8_t *sig;
    size_t sig_len;         /* 64: Ed25519 over SHA-256 of the auth text */
    int64_t client_time;    /* device clock, ms; gives the clock offset */
};

struct wo_welcome {
    char *user;
    char *role;
    int64_t device_id;
    int64_t server_time;
    int64_t clock_offset;   /* server_time - client_time at auth, ms */
    uint8_t *anchor_mac;    /* the server's MAC over (device, server_time):
                             * ops timed from this welcome echo it */
    size_t anchor_mac_len;  /* 32 */
    char *tz;               /* the user's time zone (IANA name), else the
                             * server's default; absent: UTC */
};

/* One outbox op. Which optional fields an op carries depends on its kind
 * (wo_opkind.h, the one table of kinds and what each requires). */
struct wo_op {
    char *id;               /* client-made idempotency key, also record id */
    int64_t wo;             /* work order id */
    char *kind;             /* "accept", "visit.start", ... */
    int64_t at;             /* device clock when recorded, ms */
    char *ref;              /* visit.end: visit id */
    char *text;             /* note.add: body */
    char *part_no;
    int64_t qty;
    char *desc;
    char **serials;
    size_t n_serials;
    char *outcome;          /* visit.end: done|needs-parts|customer-absent */
    char *status;           /* decoded, unused: no kind carries it */
    char *name;             /* sign.recipient: recipient's name */
    char *code;             /* sign.recipient: confirmation code */
    bool satisfied;         /* sign.recipient */
    char *comment;          /* sign.recipient when not satisfied */
    char *statement;        /* sign.*: canonical statement that was signed */
    uint8_t *sig;
    size_t sig_len;
    int64_t anchor;         /* server time of the sync the laptop counts
                             * from (its welcome's server_time), 0: none */
    int64_t elapsed;        /* ms on the laptop's boot clock since then;
                             * -1: the laptop restarted since */
    uint8_t *anchor_mac;    /* the welcome's anchor_mac, echoed */
    size_t anchor_mac_len;  /* 32 */
    char *invalid;          /* decoded in an ops frame: why this op failed
                             * its field checks (then only id is set);
                             * NULL for a valid op. Never encoded. */
};

struct wo_ops {
    struct wo_op *ops;
    size_t n_ops;
};

struct wo_ack {
    char *id;
    char *result;           /* "applied" | "duplicate" | "rejected" */
    char *reason;           /* set when rejected */
};

struct wo_acks {
    struct wo_ack *acks;
    size_t n_acks;
};

struct wo_sync {
    int64_t cursor;         /* highest change number applied, 0 = none */
    int64_t *have;          /* ids of the work orders the replica holds */
    size_t n_have;
    /* the device's sync health, as it reports it (docs/protocol.md) */
    int64_t unsent;         /* ops in its outbox not yet acknowledged */
    int64_t unsent_age;     /* ms since the oldest of them was recorded */
    char *version;          /* the client's version */
    bool partial;           /* it merges partial orders (wo_order) */
};

/* A delivery receipt: order wo stored at change seq, or first opened at
 * device time at. */
struct wo_receipt {
    int64_t wo;
    int64_t seq;
    int64_t at;
};

struct wo_receipts {
    struct wo_receipt *stored;  /* orders the replica stored (wo, seq) */
    size_t n_stored;
    struct wo_receipt *opened;  /* orders first opened (wo, at) */
    size_t n_opened;
};

/* One line of the activity feed to the office. */
struct wo_event {
    int64_t id;             /* increasing */
    int64_t at;             /* server ms */
    char *kind;             /* accepted | departed | visit.started | ... */
    int64_t wo;             /* 0: not about one order */
    char *title;
    char *actor;            /* who: a user name or "system" */
    int64_t device;         /* the device, 0: none */
    char *status;           /* the order's status after it */
    char *outcome;          /* visit.ended */
    char *detail;           /* a reason, an op kind, an SLA clock */
    char *role;             /* the actor's role, when the actor is a user */
};

/* One device of a technician, with its sync health. */
struct wo_devinfo {
    int64_t id;
    char *name;
    bool online;            /* connected now */
    bool revoked;
    int64_t last_seen;      /* server ms: last connected or heard */
    int64_t last_sync;      /* server ms of its last sync */
    int64_t cursor;         /* the change number it has reached */
    int64_t lag;            /* orders in scope changed after its cursor */
    int64_t unsent;         /* ops it held unsent at its last sync */
    int64_t unsent_age;     /* ms: the oldest of them, at that sync */
    char *version;
    char *rejected_op;      /* its last rejected op */
    char *rejected_kind;
    char *rejected_reason;
    int64_t rejected_at;
};

/* A technician with presence (techs command). */
struct wo_tech {
    char *user;
    char *tier;
    bool online;            /* some device connected now */
    int64_t last_seen;      /* the latest of its devices' */
    int64_t open;           /* open orders held */
    struct wo_devinfo *devices;
    size_t n_devices;
};

struct wo_visit {
    char *id;
    char *tech;
    int64_t started_at;
    int64_t ended_at;       /* 0 while open */
    char *outcome;          /* NULL while open */
    int64_t started_srv;    /* the same times as the server judged them */
    int64_t ended_srv;      /* (docs/sync.md, "Device time"); 0: none */
};

struct wo_part {
    char *id;
    char *author;
    int64_t at;
    char *part_no;
    int64_t qty;
    char *desc;
    char **serials;
    size_t n_serials;
    bool late;              /* recorded after the order left its author */
    int64_t at_srv;         /* at, as the server judged it; 0: none */
};

struct wo_note {
    char *id;
    char *author;
    int64_t at;
    char *text;
    bool late;              /* recorded after the order left its author */
    int64_t at_srv;         /* at, as the server judged it; 0: none */
};

/* A part or note its author declared wrong: the record stays, marked by
 * this one (issue 14), which signed statements list like the others. */
struct wo_void {
    char *id;               /* the op id that made it */
    char *ref;              /* the voided part or note */
    char *author;
    int64_t at;             /* device clock */
    char *reason;
    int64_t at_srv;         /* at, as the server judged it; 0: none */
};

struct wo_sig {
    char *id;
    char *role;             /* "technician" | "recipient" */
    char *signer;
    int64_t device_id;
    int64_t signed_at;
    bool satisfied;
    char *comment;
    char *statement;
    uint8_t *sig;
    size_t sig_len;
    bool verified;          /* set by whoever last verified it */
    uint8_t *pubkey;        /* optional: the signing device's Ed25519 key, */
    size_t pubkey_len;      /* 32, so a receiver can verify it offline */
};

struct wo_rejection {       /* an op the server refused, for dispatchers */
    char *op;
    char *kind;
    char *by;
    int64_t at;
    char *reason;
};

struct wo_order {
    int64_t id;
    int64_t seq;            /* change number of the last change */
    char *title;
    char *description;
    char *site;
    char *asset;
    char *requester;
    char *contact;
    char *priority;         /* P1 | P2 | P3 */
    char *status;
    char *assignee;         /* user name or NULL */
    char *recipient_code;   /* only ever sent to dispatchers */
    int64_t created_at;
    int64_t updated_at;
    struct wo_visit *visits;
    size_t n_visits;
    struct wo_part *parts;
    size_t n_parts;
    struct wo_note *notes;
    size_t n_notes;
    struct wo_sig *sigs;
    size_t n_sigs;
    struct wo_rejection *rejections;
    size_t n_rejections;
    /* service desk (docs/lifecycle.md); times are server ms, 0 = not yet */
    char *tier;             /* L1 | L2 | L3 */
    int64_t sla_version;
    int64_t response_due;
    int64_t resolve_due;    /* moves on while paused */
    int64_t responded_at;
    int64_t resolved_at;
    int64_t paused_at;      /* awaiting the customer since */
    int64_t completed_at;   /* closes by itself 24 h later */
    char *sla;              /* which clock runs: response | resolve |
                             * paused | met | none (cancelled) | waiting
                             * (for authorisation: none yet; computed
                             * when sent) */
    int64_t due_in;         /* ms to the running clock's due time when
                             * sent; negative: breached */
    int64_t visit_start;    /* next visit's window set by a dispatcher, */
    int64_t visit_end;      /* server ms; 0 = none scheduled */
    /* a live push of the sender's own ops back to it: the order's own
     * fields, and of its records only those the ops made or changed; the
     * others stay as the replica has them (docs/protocol.md, "Partial
     * orders") */
    bool partial;
    /* field data (docs/protocol.md, "Field data") */
    bool online;            /* office: the holder has a device connected */
    int64_t stored_at;      /* office: when the holder's laptop last
                             * confirmed a copy, server ms */
    int64_t stored_seq;     /* office: the change number of that copy */
    int64_t opened_at;      /* office: when the holder first opened it */
    char *came;             /* why it is with its holder: assigned |
                             * reassigned | escalated | reopened */
    char *came_reason;      /* the reason given, when one was */
    int64_t came_at;        /* server ms */
    /* the formal request (docs/lifecycle.md, "Intake") */
    char *type;             /* incident | request */
    char *category;         /* hardware, software, access, network, ... */
    char *department;       /* the requester's */
    char *customer;         /* NULL: none (the default agreement) */
    char *impact;           /* low | medium | high, when given */
    char *urgency;
    int64_t deadline;       /* requested, server ms; 0 = none */
    char *requester_email;
    bool needs_authorisation;
    char *authoriser;       /* who approves, on the requester's side */
    char *authoriser_email;
    char *authorisation_code; /* only in the answer to create / code */
    int64_t agreement_id;   /* the agreement version that governs it */
    bool remote;            /* resolved with no site visit */
    struct wo_void *voids;  /* parts and notes declared wrong */
    size_t n_voids;
};

/* One line of an order's history (the changes table). */
struct wo_change {
    int64_t seq;
    char *kind;
    char *actor;
    int64_t device_id;      /* 0: not from a device op */
    int64_t at;             /* server time */
    int64_t client_at;      /* device time of the op, 0 if none */
    char *detail;
};

/* An SLA alert to dispatchers. */
struct wo_alert {
    int64_t id;             /* increasing; a client resumes after the last */
    int64_t wo;
    char *kind;             /* response.75 | response.breach | resolve.75 |
                             * resolve.breach */
    int64_t at;
    char *title;
    char *priority;
};

/* One priority's targets in an SLA policy version. */
struct wo_sla {
    int64_t version;
    char *priority;
    int64_t response_ms;
    int64_t resolve_ms;
    int64_t created_at;
    char *created_by;
    bool escalate;          /* a breach moves the order one tier up */
};

/* A closed order found by a search of past resolutions. */
struct wo_hit {
    int64_t wo;
    char *title;
    char *asset;
    char *site;
    int64_t closed_at;
    char *snippet;          /* matched text, terms in [brackets] */
};

/*
 * One row of a report. Which counters a report fills is listed in
 * docs/protocol.md; the others are 0.
 */
struct wo_row {
    char *key;              /* asset, priority or technician */
    int64_t orders;         /* orders in the period */
    int64_t open;           /* still open now */
    int64_t done;           /* completed or closed */
    int64_t visits;
    int64_t response_met, response_missed;
    int64_t resolve_met, resolve_missed;
    int64_t response_ms;    /* mean time to respond, 0 = none */
    int64_t resolve_ms;     /* mean time to resolve, 0 = none */
    int64_t incidents;      /* of orders: incidents and service requests */
    int64_t requests;
    int64_t labour_ms;      /* costs: time on site (visits) */
    int64_t labour_cost;    /* at the labour rate */
    int64_t parts_cost;     /* at the price list */
    int64_t cost;           /* both */
};

/* A customer or a category as an admin configured it. */
struct wo_entry {
    char *name;
    char *kind;             /* customers: internal | external */
    bool needs_authorisation;
};

/* A message to a requester or authoriser in the server's mail queue. */
struct wo_mail {
    int64_t id;
    int64_t wo;
    char *event;            /* authorised accepted scheduled completed ... */
    char *rcpt;
    char *subject;
    int64_t created_at;
    int64_t attempts;
    int64_t next_at;        /* the next try, while not sent */
    int64_t sent_at;        /* 0: not yet */
    char *error;            /* why the last try failed */
};

/* One version of an SLA agreement (customer "" = the default). */
struct wo_agreement {
    int64_t id;
    char *customer;
    int64_t version;
    int64_t effective_from;
    char *tz;
    char *hours;
    char *holidays;
    int64_t review_at;
    int64_t p1_response, p1_resolve;
    int64_t p2_response, p2_resolve;
    int64_t p3_response, p3_resolve;
    int64_t created_at;
    char *created_by;
    int64_t wo;             /* sla of an order: which order, and */
    char *why;              /* why this version governs it */
};

struct wo_changes {
    struct wo_order *orders;
    size_t n_orders;
    int64_t *revoked;       /* ids that left the client's scope */
    size_t n_revoked;
    int64_t cursor;         /* apply, then store this as the new cursor */
    bool final;             /* last frame of a catch-up; live pushes: true */
    struct wo_alert *alerts;    /* to dispatchers; cursor = last alert id */
    size_t n_alerts;
    struct wo_order *past;  /* to technicians: closed orders of the assets
                             * on their orders (notes and parts only) */
    size_t n_past;
    struct wo_event *feed;  /* to the office, live: the activity feed */
    size_t n_feed;
};

struct wo_cmd {
    int64_t req;            /* echoed in the result or error */
    char *name;             /* "create" | "assign" | "show" | "board" | ... */
    int64_t wo;
    int64_t device;         /* revoke: device id */
    char *title;
    char *priority;
    char *description;
    char *site;
    char *asset;
    char *requester;
    char *contact;
    char *assignee;
    char *reason;           /* cancel, dispute, escalate: why */
    char *tier;             /* escalate --to */
    int64_t response_ms;    /* sla.set */
    int64_t resolve_ms;
    char *escalate;         /* sla.set: "on" | "off"; absent: unchanged */
    int64_t start;          /* schedule: the visit window, server ms */
    int64_t end;
    char *text;             /* search: words to find */
    char *report;           /* report: assets | sla | times | workload */
    int64_t since;          /* report: period [since, until), server ms */
    int64_t until;
    int64_t limit;          /* report assets, search, orders: most rows */
    char *status;           /* board: only this status; orders: "open"
                             * (default), "all" or one status */
    bool all;               /* board: closed and cancelled ones too */
    /* the formal request and the service desk (issue 14) */
    char *type;             /* create: incident | request */
    char *category;
    char *department;
    char *customer;         /* create, edit, agreement.*, report --customer */
    char *impact;           /* low | medium | high */
    char *urgency;
    int64_t deadline;       /* server ms */
    char *requester_email;
    bool needs_authorisation;
    char *authoriser;       /* create: who approves; authorise: who did */
    char *authoriser_email;
    char *code;             /* authorise: the one-time code */
    bool refuse;            /* authorise: a refusal (with reason) */
    char *statement;        /* authorise: the signed statement */
    uint8_t *sig;           /* its Ed25519 signature by the sender's device */
    size_t sig_len;
    bool remote;            /* resolve: no site visit */
    char *tz;               /* agreement.set: the customer's time zone */
    char *hours;            /* "Mon-Fri 08:00-17:00" or "24x7" */
    char *holidays;         /* "2026-12-25,2026-12-31" */
    char *targets;          /* "P1=15m/4h P2=1h/8h" */
    int64_t review;         /* agreement.set: review date, server ms */
    char *kind;             /* customer.set: internal | external;
                             * code: "authorisation" for that code */
    int64_t price;          /* price.set, rate.set: minor currency units */
    char *part_no;          /* price.set */
    int64_t offset;         /* orders: rows to skip */
};

struct wo_result {
    int64_t req;
    struct wo_order *orders;
    size_t n_orders;
    struct wo_change *history;
    size_t n_history;
    struct wo_alert *alerts;
    size_t n_alerts;
    struct wo_sla *sla;
    size_t n_sla;
    struct wo_hit *hits;
    size_t n_hits;
    struct wo_row *rows;
    size_t n_rows;
    int64_t total;          /* orders: how many match the filters */
    struct wo_tech *techs;
    size_t n_techs;
    struct wo_event *feed;
    size_t n_feed;
    struct wo_agreement *agreements;
    size_t n_agreements;
    struct wo_mail *mail;
    size_t n_mail;
    struct wo_entry *entries;   /* customers or categories */
    size_t n_entries;
};

struct wo_error {
    int64_t status;         /* wire status, see wo_err.h */
    char *reason;           /* what went wrong and what to do */
    int64_t req;            /* the cmd's req, or 0 */
};

/* A growable output buffer for encoded frames. */
struct wo_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
};
void wo_buf_cleanup(struct wo_buf *b);

/*
 * Encode `body` (a struct of the given frame type) as one msgpack message
 * into `out` (appended). Returns 0 or a negative WO_E* code.
 */
int wo_frame_encode(int type, const void *body, struct wo_buf *out);

/*
 * Decode one message. On success *type and *body are set and the caller
 * owns *body (release with wo_frame_free). On failure returns WO_EPROTO,
 * WO_EUNKNOWN, WO_ETOOBIG or WO_ENOMEM, writes a reason naming the field
 * into err (errlen bytes, valid UTF-8) and leaves *body NULL.
 *
 * Before any object is built the bytes are checked: containers nest at
 * most WO_MAX_DEPTH deep, no array or map claims more entries than the
 * bytes left could hold, every string is valid UTF-8. So a hostile
 * header cannot make the decoder allocate, and WO_ENOMEM means the
 * machine really is out of memory.
 *
 * In an ops frame each op is checked alone: an op that fails its field
 * checks but whose `id` can be read is kept with only `id` and `invalid`
 * (the reason) set, so the other ops can still be applied. An op whose
 * `id` cannot be read fails the whole frame.
 */
int wo_frame_decode(const uint8_t *data, size_t len, int *type, void **body,
                    char *err, size_t errlen);

/*
 * The integer `req` of the message's top-level map, read without
 * decoding the rest, so that an error answering a frame that failed to
 * decode still names the request it answers. 0 when there is none or it
 * cannot be read. Safe on any input.
 */
int64_t wo_frame_peek_req(const uint8_t *data, size_t len);

/* 1 when s[0..n) is valid UTF-8 (no overlongs, surrogates or code points
 * above U+10FFFF; NUL is allowed), else 0. */
int wo_utf8_valid(const char *s, size_t n);

/* Make the C string s valid UTF-8 in place: every byte that does not
 * begin a valid sequence (a cut-off tail after truncation, say) becomes
 * '?'. For text the server sends that may hold what a peer sent. */
void wo_utf8_clean(char *s);

/* Free a decoded (or codec-allocated) frame body; NULL is accepted. */
void wo_frame_free(int type, void *body);

/* Free the contents of one order (not the struct itself). */
void wo_order_cleanup(struct wo_order *o);
/* Free what an agreement holds (not a itself); NULL is accepted. */
void wo_agreement_cleanup(struct wo_agreement *a);

/* Encode / decode a single op, used by the client's outbox storage. */
int wo_op_encode(const struct wo_op *op, struct wo_buf *out);
int wo_op_decode(const uint8_t *data, size_t len, struct wo_op *op,
                 char *err, size_t errlen);
void wo_op_cleanup(struct wo_op *op);

/* Deep copies, used where a decoded order outlives its frame. */
int wo_order_copy(struct wo_order *dst, const struct wo_order *src);

#endif

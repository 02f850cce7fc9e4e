-- Named queries of the server store, prepared once when server/store.c
-- opens it. The "-- name:" lines are the only list of them: the build
-- turns them into ids Q_<name> (cmake/query_ids.cmake).
-- Parameters are named; a missing one is a bug that aborts loudly.

-- ---- the store's own health (wo-server run, wo-server check) ------------
-- Each returns one row "ok", or one row per problem found.

-- name: quick_check
PRAGMA quick_check;

-- name: integrity_check
PRAGMA integrity_check;

-- name: user_insert
INSERT INTO users(name, role, created_at) VALUES (:name, :role, :now);

-- name: user_insert_tier
-- wo-server user import: a user with a support tier
INSERT INTO users(name, role, tier, created_at)
VALUES (:name, :role, :tier, :now);

-- name: user_by_name
SELECT id, name, role, tier FROM users WHERE name = :name;

-- name: code_insert
INSERT INTO enrol_codes(code_hash, user_id, created_at, expires_at)
VALUES (:hash, :user, :now, :expires);

-- name: code_take
-- :user 0: any user; else the code must be that user's
UPDATE enrol_codes SET used_at = :now
WHERE code_hash = :hash AND used_at IS NULL
  AND (expires_at IS NULL OR expires_at > :now)
  AND (:user = 0 OR user_id = :user)
RETURNING user_id;

-- name: code_state
-- why a code did not enrol: used, or expired (no row: unknown)
SELECT used_at, expires_at FROM enrol_codes WHERE code_hash = :hash;

-- name: device_insert
INSERT INTO devices(user_id, pubkey, name, enrolled_at)
VALUES (:user, :pubkey, :name, :now);

-- name: device_get
SELECT d.id, d.pubkey, d.revoked_at, u.id, u.name, u.role
FROM devices d JOIN users u ON u.id = d.user_id WHERE d.id = :id;

-- name: device_revoke
UPDATE devices SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL;

-- name: device_list
SELECT d.id, u.name, u.role, d.name, d.enrolled_at, d.revoked_at
FROM devices d JOIN users u ON u.id = d.user_id ORDER BY d.id;

-- name: change_insert
INSERT INTO changes(order_id, kind, actor, device_id, at, client_at, detail)
VALUES (:order, :kind, :actor, :device, :now, :client_at, :detail);

-- name: max_seq
SELECT coalesce(max(seq), 0) FROM changes;

-- name: order_insert
-- the SLA version in force when the order opens stays with it
-- the recipient's code only as its hash (schema v7); recipient_code stays ''
INSERT INTO orders(title, description, site, asset, requester, contact,
                   priority, status, assignee_id, recipient_code,
                   code_salt, code_hash,
                   created_by, created_at, updated_at, seq,
                   sla_version, response_due, resolve_due)
SELECT :title, :description, :site, :asset, :requester, :contact,
       :priority, 'new', NULL, '', :salt, :hash, :by, :now, :now, 0,
       p.version, :now + p.response_ms, :now + p.resolve_ms
FROM sla_policies p
WHERE p.priority = :priority
  AND p.version = (SELECT max(version) FROM sla_policies);

-- name: order_touch
-- never back: the group commit stamps an order once with its last change
-- of the batch, after other changes of it may have stamped it already
UPDATE orders SET seq = max(seq, :seq), updated_at = max(updated_at, :now)
WHERE id = :id;

-- name: order_set_status
UPDATE orders SET status = :status WHERE id = :id;

-- name: order_set_assignee
UPDATE orders SET assignee_id = :user, status = :status WHERE id = :id;

-- name: order_get
-- the orders whose ids are in the JSON array :ids, by id: their own fields
-- (0-27) and their intake (28-40); one query for a page of a catch-up
SELECT o.id, o.seq, o.title, o.description, o.site, o.asset, o.requester,
       o.contact, o.priority, o.status, u.name, nullif(o.recipient_code, ''),
       o.created_at, o.updated_at, o.assignee_id, o.tier, o.sla_version,
       o.response_due, o.resolve_due, o.responded_at, o.resolved_at,
       o.paused_at, o.completed_at, o.visit_start, o.visit_end,
       o.came, o.came_reason, o.came_at,
       o.type, o.category, o.department, o.customer, o.impact, o.urgency,
       o.deadline, o.requester_email, o.needs_auth, o.authoriser,
       o.authoriser_email, o.agreement_id, o.remote
FROM orders o LEFT JOIN users u ON u.id = o.assignee_id
WHERE o.id IN (SELECT value FROM json_each(:ids)) ORDER BY o.id;

-- name: order_page
-- a page of the web console's order list, in the board's order, with the
-- count of all that match (column 1). :status is 'open' (not closed or
-- cancelled), 'all' or one status; a NULL filter matches everything;
-- site, asset and :text (title, description, site, asset) match a part,
-- case aside (ASCII)
SELECT o.id, count(*) OVER () FROM orders o
LEFT JOIN users u ON u.id = o.assignee_id
WHERE CASE :status WHEN 'all' THEN 1
        WHEN 'open' THEN o.status NOT IN ('closed','cancelled')
        ELSE o.status = :status END
  AND (:priority IS NULL OR o.priority = :priority)
  AND (:assignee IS NULL OR u.name = :assignee)
  AND (:site IS NULL OR instr(lower(o.site), lower(:site)) > 0)
  AND (:asset IS NULL OR instr(lower(o.asset), lower(:asset)) > 0)
  AND (:text IS NULL OR instr(lower(o.title), lower(:text)) > 0
       OR instr(lower(coalesce(o.description, '')), lower(:text)) > 0
       OR instr(lower(coalesce(o.site, '')), lower(:text)) > 0
       OR instr(lower(coalesce(o.asset, '')), lower(:text)) > 0)
ORDER BY
  CASE o.status WHEN 'closed' THEN 2 WHEN 'cancelled' THEN 2 ELSE 1 END,
  CASE WHEN o.responded_at IS NULL
         THEN coalesce(o.response_due, 9223372036854775807)
       WHEN o.resolved_at IS NULL
         THEN o.resolve_due + coalesce(:now - o.paused_at, 0)
       ELSE 9223372036854775807 END,
  o.priority, o.id
LIMIT :limit OFFSET :offset;

-- name: order_page_open
-- order_page for :status 'open', the console's default, in a form that
-- reads only the open orders (the partial index orders_open) however many
-- closed ones the store holds
SELECT o.id, count(*) OVER () FROM orders o
LEFT JOIN users u ON u.id = o.assignee_id
WHERE o.status NOT IN ('closed', 'cancelled')
  AND (:priority IS NULL OR o.priority = :priority)
  AND (:assignee IS NULL OR u.name = :assignee)
  AND (:site IS NULL OR instr(lower(o.site), lower(:site)) > 0)
  AND (:asset IS NULL OR instr(lower(o.asset), lower(:asset)) > 0)
  AND (:text IS NULL OR instr(lower(o.title), lower(:text)) > 0
       OR instr(lower(coalesce(o.description, '')), lower(:text)) > 0
       OR instr(lower(coalesce(o.site, '')), lower(:text)) > 0
       OR instr(lower(coalesce(o.asset, '')), lower(:text)) > 0)
ORDER BY
  CASE o.status WHEN 'closed' THEN 2 WHEN 'cancelled' THEN 2 ELSE 1 END,
  CASE WHEN o.responded_at IS NULL
         THEN coalesce(o.response_due, 9223372036854775807)
       WHEN o.resolved_at IS NULL
         THEN o.resolve_due + coalesce(:now - o.paused_at, 0)
       ELSE 9223372036854775807 END,
  o.priority, o.id
LIMIT :limit OFFSET :offset;

-- name: scope_changed
SELECT id, seq FROM orders
WHERE assignee_id = :user AND seq > :cursor
  AND status NOT IN ('closed','cancelled')
ORDER BY seq LIMIT :limit;

-- name: scope_revoked
-- of the ids a client holds (:have, a JSON array), those not in its scope
SELECT h.value FROM json_each(:have) AS h
WHERE NOT EXISTS (SELECT 1 FROM orders o
                  WHERE o.id = h.value AND o.assignee_id = :user
                    AND o.status NOT IN ('closed','cancelled'));

-- name: scope_left
-- orders that left :user's scope in a change after :after: closed or
-- cancelled while theirs, or released to someone else (or to nobody);
-- a laptop synced at :after may still hold them. Orders released and
-- given back are theirs again, and not listed.
SELECT o.id FROM orders o
WHERE o.assignee_id = :user AND o.seq > :after
  AND o.status IN ('closed', 'cancelled')
UNION
SELECT o.id FROM order_techs t JOIN orders o ON o.id = t.order_id
WHERE t.user_id = :user AND t.released_seq > :after
  AND o.assignee_id IS NOT :user
LIMIT :limit;

-- name: tech_add
-- holding the order again clears an earlier release
INSERT INTO order_techs(order_id, user_id, since_seq)
VALUES (:order, :user, :seq)
ON CONFLICT(order_id, user_id) DO UPDATE SET released_at = NULL,
                                             released_seq = NULL;

-- name: tech_release
-- :seq, the change that released them, is what scope_left reads
UPDATE order_techs SET released_at = :now, released_seq = :seq
WHERE order_id = :order AND user_id = :user;

-- name: tech_held
SELECT released_at FROM order_techs WHERE order_id = :order AND user_id = :user;

-- name: holding_open
INSERT INTO holdings(order_id, user_id, from_at) VALUES (:order, :user, :now);

-- name: holding_close
UPDATE holdings SET to_at = :now
WHERE order_id = :order AND user_id = :user AND to_at IS NULL;

-- name: holding_at
-- did :user hold :order at server time :t? and ever?
SELECT coalesce(sum(from_at <= :t AND (to_at IS NULL OR to_at > :t)), 0),
       count(*), min(from_at)
FROM holdings WHERE order_id = :order AND user_id = :user;

-- name: sla_breach_undone
-- a response now inside its target, although a breach alert was made
SELECT responded_at IS NOT NULL AND responded_at <= response_due
       AND EXISTS (SELECT 1 FROM alerts a WHERE a.order_id = o.id
                   AND a.kind = 'response.breach'),
       coalesce(responded_at, 0)
FROM orders o WHERE id = :id;

-- name: visit_counts_tech
-- one technician's visits of an order, and their open ones
SELECT count(*), coalesce(sum(ended_at IS NULL), 0) FROM visits
WHERE order_id = :order AND tech = :tech;

-- name: visits_of
-- The records of the orders in the JSON array :orders (visits, parts,
-- notes, signatures, voids), grouped by order, whose id comes last; with
-- :ids (a JSON array of record ids), only those records.
-- Columns 5 and 6: the server's times of start and end (schema v11)
SELECT id, tech, started_at, ended_at, outcome,
       coalesce(started_srv, 0), coalesce(ended_srv, 0), order_id FROM visits
WHERE order_id IN (SELECT value FROM json_each(:orders))
  AND (:ids IS NULL OR id IN (SELECT value FROM json_each(:ids)))
ORDER BY order_id, started_at, id;

-- name: visit_insert
INSERT INTO visits(id, order_id, tech, device_id, started_at, late,
                   started_srv)
VALUES (:id, :order, :tech, :device, :at, :late, :at_srv);

-- name: visit_get
SELECT order_id, tech, ended_at FROM visits WHERE id = :id;

-- name: visit_counts
-- all of an order's visits, and the open ones
SELECT count(*), coalesce(sum(ended_at IS NULL), 0) FROM visits
WHERE order_id = :order;

-- name: visit_end
UPDATE visits SET ended_at = :at, outcome = :outcome, ended_srv = :at_srv
WHERE id = :id;

-- name: parts_of
SELECT id, author, at, part_no, qty, descr, serials, late,
       coalesce(at_srv, 0), order_id FROM parts
WHERE order_id IN (SELECT value FROM json_each(:orders))
  AND (:ids IS NULL OR id IN (SELECT value FROM json_each(:ids)))
ORDER BY order_id, at, id;

-- name: part_insert
INSERT INTO parts(id, order_id, author, device_id, at, part_no, qty, descr,
                  serials, late, at_srv)
VALUES (:id, :order, :author, :device, :at, :part_no, :qty, :descr,
        :serials, :late, :at_srv);

-- name: notes_of
SELECT id, author, at, body, late, coalesce(at_srv, 0), order_id FROM notes
WHERE order_id IN (SELECT value FROM json_each(:orders))
  AND (:ids IS NULL OR id IN (SELECT value FROM json_each(:ids)))
ORDER BY order_id, at, id;

-- name: note_insert
INSERT INTO notes(id, order_id, author, device_id, at, body, late, at_srv)
VALUES (:id, :order, :author, :device, :at, :body, :late, :at_srv);

-- name: sigs_of
-- verified: the verdict of the check made when the op was applied
-- pubkey: the signing device's key, sent with the signature (docs/report.md)
SELECT s.id, s.role, s.signer, s.device_id, s.signed_at, s.satisfied,
       s.comment, s.statement, s.sig, s.verified, d.pubkey, s.order_id
FROM signatures s LEFT JOIN devices d ON d.id = s.device_id
WHERE s.order_id IN (SELECT value FROM json_each(:orders))
  AND (:ids IS NULL OR s.id IN (SELECT value FROM json_each(:ids)))
ORDER BY s.order_id, s.signed_at, s.id;

-- name: sig_insert
-- only a verified signature is ever inserted (server/verify.h)
INSERT INTO signatures(id, order_id, role, signer, device_id, signed_at,
                       satisfied, comment, statement, sig, verified)
VALUES (:id, :order, :role, :signer, :device, :signed_at, :satisfied,
        :comment, :statement, :sig, 1);

-- name: sig_count_role
SELECT count(*) FROM signatures WHERE order_id = :order AND role = :role;

-- name: op_get
SELECT result, reason FROM ops WHERE id = :id;

-- name: op_insert
INSERT INTO ops(id, device_id, order_id, kind, client_at, received_at,
                result, reason, clock_offset)
VALUES (:id, :device, :order, :kind, :client_at, :now, :result, :reason,
        :offset);

-- name: rejections_of
SELECT o.id, o.kind, u.name, o.received_at, o.reason
FROM ops o JOIN devices d ON d.id = o.device_id JOIN users u ON u.id = d.user_id
WHERE o.order_id = :order AND o.result = 'rejected'
ORDER BY o.received_at, o.id;

-- name: order_head
SELECT o.status, o.assignee_id, u.name
FROM orders o LEFT JOIN users u ON u.id = o.assignee_id WHERE o.id = :id;

-- ---- service desk (docs/lifecycle.md) -----------------------------------
-- SLA events happen at :t, the op's corrected device time, clamped to the
-- order's life: no earlier than its creation, no later than :now.

-- name: sla_respond
-- the earliest response counts: a former holder's accept that arrives
-- late may move it earlier (docs/sync.md)
UPDATE orders SET responded_at =
    min(coalesce(responded_at, max(created_at, min(:t, :now))),
        max(created_at, min(:t, :now)))
WHERE id = :id;

-- name: sla_pause
UPDATE orders SET paused_at = max(created_at, min(:t, :now))
WHERE id = :id AND paused_at IS NULL;

-- name: sla_resume
UPDATE orders
SET resolve_due = resolve_due + max(0, max(created_at, min(:t, :now)) - paused_at),
    resolve_warn = resolve_warn + max(0, max(created_at, min(:t, :now)) - paused_at),
    paused_at = NULL
WHERE id = :id AND paused_at IS NOT NULL;

-- name: sla_resolve
UPDATE orders
SET resolved_at = coalesce(resolved_at, max(created_at, min(:t, :now))),
    completed_at = max(created_at, min(:t, :now))
WHERE id = :id;

-- name: alerts_make
-- every alert now due and not yet made, made once (UNIQUE(order, kind));
-- only the orders whose next alert is due are read (orders_sla_next)
INSERT OR IGNORE INTO alerts(order_id, kind, at)
SELECT s.order_id, s.kind, :now
FROM sla_pending s
WHERE s.order_id IN (SELECT id FROM orders WHERE sla_next <= :now)
  AND s.due <= :now
ORDER BY s.order_id, s.kind;

-- name: alerts_made
-- after alerts_make: the orders it looked at wait for their next alert
UPDATE orders SET sla_next = (SELECT min(due) FROM sla_pending
                              WHERE order_id = orders.id)
WHERE sla_next <= :now;

-- name: alerts_since
-- a code.locked alert of an order's authorisation (made with the
-- authorisation.locked history line, at the same time) is sent as its own
-- kind, authorisation.locked: the recipient's code is another lock
SELECT a.id, a.order_id,
       CASE WHEN a.kind = 'code.locked' AND EXISTS (
                SELECT 1 FROM changes c WHERE c.order_id = a.order_id
                  AND c.kind = 'authorisation.locked' AND c.at = a.at)
            THEN 'authorisation.locked' ELSE a.kind END,
       a.at, o.title, o.priority
FROM alerts a JOIN orders o ON o.id = a.order_id
WHERE a.id > :cursor ORDER BY a.id LIMIT :limit;

-- name: autoclose_due
-- by completion time: the order of the orders_completed index
SELECT id FROM orders
WHERE status = 'completed' AND completed_at <= :cutoff
ORDER BY completed_at, id;

-- name: history_of
SELECT seq, kind, actor, device_id, at, client_at, detail FROM changes
WHERE order_id = :order ORDER BY seq;

-- name: alerts_max
SELECT coalesce(max(id), 0) FROM alerts;

-- name: sla_current
SELECT version, priority, response_ms, resolve_ms, created_at, created_by,
       escalate
FROM sla_policies WHERE version = (SELECT max(version) FROM sla_policies)
ORDER BY priority;

-- name: sla_new_version
-- a copy of the current version with one priority's targets changed
INSERT INTO sla_policies(version, priority, response_ms, resolve_ms,
                         escalate, created_at, created_by)
SELECT p.version + 1, p.priority,
       CASE WHEN p.priority = :priority
            THEN coalesce(:response_ms, p.response_ms) ELSE p.response_ms END,
       CASE WHEN p.priority = :priority
            THEN coalesce(:resolve_ms, p.resolve_ms) ELSE p.resolve_ms END,
       CASE WHEN p.priority = :priority
            THEN coalesce(:escalate, p.escalate) ELSE p.escalate END,
       :now, :by
FROM sla_policies p
WHERE p.version = (SELECT max(version) FROM sla_policies);

-- name: order_set_tier
UPDATE orders SET tier = :tier WHERE id = :id;

-- name: tech_least_busy
-- the technician of a tier with the fewest open orders
SELECT u.id, u.name FROM users u
WHERE u.role = 'technician' AND u.tier = :tier
ORDER BY (SELECT count(*) FROM orders o WHERE o.assignee_id = u.id
          AND o.status NOT IN ('closed', 'cancelled', 'completed')), u.id
LIMIT 1;

-- name: user_set_tier
UPDATE users SET tier = :tier WHERE name = :name AND role = 'technician';

-- name: breaches_to_escalate
-- breach alerts made after :after on orders whose policy escalates, that
-- are not yet at the top tier
SELECT a.order_id, a.kind FROM alerts a
JOIN orders o ON o.id = a.order_id
JOIN sla_policies p ON p.version = o.sla_version AND p.priority = o.priority
WHERE a.id > :after AND a.kind IN ('response.breach', 'resolve.breach')
  AND p.escalate = 1 AND o.tier <> 'L3'
ORDER BY a.id;

-- ---- the next visit ------------------------------------------------------

-- name: order_schedule
UPDATE orders SET visit_start = :start, visit_end = :end WHERE id = :id;

-- ---- past resolutions (knowledge, FTS5) ----------------------------------

-- name: knowledge_search
-- :query is an FTS5 query made by wo_fts_query() from the user's words
-- closed_at is the order's last change: its closure, or a late note
SELECT o.id, o.title, o.asset, o.site, o.updated_at,
       snippet(knowledge, -1, '[', ']', '...', 12)
FROM knowledge JOIN orders o ON o.id = knowledge.rowid
WHERE knowledge MATCH :query AND (:asset IS NULL OR knowledge.asset = :asset)
ORDER BY rank LIMIT :limit;

-- name: past_for_tech
-- closed orders of the assets on a technician's open orders that the
-- replica at :cursor lacks: closed since, or of an asset whose order
-- reached the technician since; driven from the technician's few open
-- orders (orders_scope), then each asset's closed ones (orders_asset)
SELECT p.id FROM orders o
JOIN orders p ON p.asset = o.asset AND p.status = 'closed'
WHERE o.assignee_id = :user AND o.status NOT IN ('closed', 'cancelled')
  AND (p.seq > :cursor OR o.seq > :cursor)
GROUP BY p.id ORDER BY max(p.seq) DESC LIMIT :limit;

-- name: past_for_asset
SELECT id FROM orders WHERE status = 'closed' AND asset = :asset
ORDER BY seq DESC LIMIT :limit;

-- name: past_watchers
-- technicians holding an open order on :asset
SELECT DISTINCT assignee_id FROM orders
WHERE asset = :asset AND assignee_id IS NOT NULL
  AND status NOT IN ('closed', 'cancelled') ORDER BY assignee_id;

-- ---- reports (period: orders opened in [:since, :until)) -----------------
-- Every report gives the same columns, those of a report row (wo_row):
-- key, orders, open, done, visits, response_met, response_missed,
-- resolve_met, resolve_missed, response_ms, resolve_ms; 0 where a report
-- has nothing to say.

-- name: report_assets
-- assets with the most orders: frequently failing machines
SELECT o.asset, count(*),
       coalesce(sum(o.status NOT IN ('completed', 'closed', 'cancelled')), 0),
       coalesce(sum(o.status IN ('completed', 'closed')), 0),
       coalesce(sum((SELECT count(*) FROM visits v WHERE v.order_id = o.id)), 0),
       0, 0, 0, 0, 0, 0
FROM orders o
WHERE o.asset IS NOT NULL AND o.asset <> ''
  AND o.created_at >= :since AND o.created_at < :until
  AND (:customer IS NULL OR o.customer = :customer)
GROUP BY o.asset ORDER BY count(*) DESC, o.asset LIMIT :limit;

-- name: report_sla
-- per priority: targets met and missed (a target still running counts as
-- missed once its due time is past :now; a paused one does not), and the
-- mean time from opening to response and to resolution; cancelled orders
-- are left out
WITH pr(p) AS (VALUES ('P1'), ('P2'), ('P3'))
SELECT pr.p, count(o.id), 0, 0, 0,
  coalesce(sum(o.responded_at IS NOT NULL AND o.responded_at <= o.response_due), 0),
  coalesce(sum(CASE WHEN o.responded_at IS NOT NULL
                    THEN o.responded_at > o.response_due
                    ELSE :now > o.response_due END), 0),
  coalesce(sum(o.resolved_at IS NOT NULL AND o.resolved_at <= o.resolve_due), 0),
  coalesce(sum(CASE WHEN o.resolved_at IS NOT NULL
                    THEN o.resolved_at > o.resolve_due
                    ELSE o.paused_at IS NULL AND :now > o.resolve_due END), 0),
  coalesce(CAST(avg(o.responded_at - o.created_at) AS INTEGER), 0),
  coalesce(CAST(avg(o.resolved_at - o.created_at) AS INTEGER), 0)
FROM pr LEFT JOIN orders o
  ON o.priority = pr.p AND o.status <> 'cancelled'
 AND o.created_at >= :since AND o.created_at < :until
 AND (:customer IS NULL OR o.customer = :customer)
GROUP BY pr.p ORDER BY pr.p;

-- name: report_workload
-- per technician: open orders now, orders completed and visits started
-- in the period
SELECT u.name, 0,
  (SELECT count(*) FROM orders o WHERE o.assignee_id = u.id
     AND o.status NOT IN ('completed', 'closed', 'cancelled')
     AND (:customer IS NULL OR o.customer = :customer)) AS open,
  (SELECT count(*) FROM orders o WHERE o.assignee_id = u.id
     AND o.resolved_at >= :since AND o.resolved_at < :until
     AND (:customer IS NULL OR o.customer = :customer)) AS done,
  (SELECT count(*) FROM visits v JOIN orders o ON o.id = v.order_id
     WHERE v.tech = u.name
     AND v.started_at >= :since AND v.started_at < :until
     AND (:customer IS NULL OR o.customer = :customer)),
  0, 0, 0, 0, 0, 0
FROM users u WHERE u.role = 'technician'
ORDER BY open DESC, done DESC, u.name;

-- name: code_get
-- a recipient code as kept: salt and hash, and wrong codes since issued
SELECT code_salt, code_hash, code_failures FROM orders WHERE id = :id;

-- name: code_set
UPDATE orders SET code_salt = :salt, code_hash = :hash, code_failures = 0,
                  recipient_code = ''
WHERE id = :id;

-- name: code_failed
UPDATE orders SET code_failures = code_failures + 1 WHERE id = :id
RETURNING code_failures;

-- name: codes_in_clear
-- orders from before schema v7, whose code store_open() hashes once
SELECT id, recipient_code FROM orders
WHERE recipient_code <> '' AND code_hash IS NULL;

-- name: alert_insert
INSERT INTO alerts(order_id, kind, at) VALUES (:order, :kind, :now);

-- name: secret_get
SELECT secret FROM server_secrets WHERE name = :name;

-- name: secret_put
INSERT OR IGNORE INTO server_secrets(name, secret) VALUES (:name, :secret);

-- ---- field data (012_field.sql) ------------------------------------------

-- name: device_seen
UPDATE devices SET last_seen = :now WHERE id = :id;

-- name: device_synced
UPDATE devices SET last_sync = :now, last_seen = :now, cursor = :cursor,
                   unsent = :unsent, unsent_age = :unsent_age,
                   version = :version
WHERE id = :id;

-- name: device_cursor_raise
UPDATE devices SET cursor = :seq WHERE id = :id AND coalesce(cursor, 0) < :seq;

-- name: receipt_stored
-- the holder's laptop stored order :order at change :seq; at most the
-- order's seq now, and only from its holder
INSERT INTO receipts(order_id, user_id, stored_seq, stored_at, stored_dev)
SELECT o.id, :user, min(:seq, o.seq), :now, :dev FROM orders o
WHERE o.id = :order AND o.assignee_id = :user AND :seq > 0
ON CONFLICT(order_id, user_id) DO UPDATE SET
    stored_at = excluded.stored_at, stored_dev = excluded.stored_dev,
    stored_seq = excluded.stored_seq
-- only a newer copy: a repeated receipt writes nothing
WHERE excluded.stored_seq > coalesce(stored_seq, 0);

-- name: receipt_have
-- a sync's have list: each order its sender holds, up to the cursor sent;
-- the list drives the join (CROSS JOIN keeps that order): driven by the
-- holder's orders instead, SQLite read the whole list once per order, a
-- sync of 1,000 held orders a million steps
INSERT INTO receipts(order_id, user_id, stored_seq, stored_at, stored_dev)
SELECT o.id, :user, o.seq, :now, :dev
FROM json_each(:have) AS h CROSS JOIN orders o ON o.id = h.value
WHERE o.assignee_id = :user AND o.seq <= :cursor
ON CONFLICT(order_id, user_id) DO UPDATE SET
    stored_at = excluded.stored_at, stored_dev = excluded.stored_dev,
    stored_seq = excluded.stored_seq
-- only a newer copy: a repeated receipt writes nothing
WHERE excluded.stored_seq > coalesce(stored_seq, 0);

-- name: receipt_opened
-- the earliest opening per order and user; only by one who holds or held it
INSERT INTO receipts(order_id, user_id, opened_at, opened_dev)
SELECT :order, :user, :at, :dev
WHERE EXISTS (SELECT 1 FROM holdings h
              WHERE h.order_id = :order AND h.user_id = :user)
ON CONFLICT(order_id, user_id) DO UPDATE SET
    opened_dev = excluded.opened_dev, opened_at = excluded.opened_at
-- only an earlier opening: a repeated one writes nothing (store_receipt_opened
-- tells its caller whether the receipt changed)
WHERE opened_at IS NULL OR excluded.opened_at < opened_at;

-- name: receipt_of_holder
SELECT r.stored_at, r.stored_seq, r.opened_at FROM receipts r
JOIN orders o ON o.id = r.order_id AND o.assignee_id = r.user_id
WHERE r.order_id = :order;

-- name: order_set_came
UPDATE orders SET came = :came, came_reason = :reason, came_at = :now
WHERE id = :id;

-- name: dispute_reason
-- why order :order was disputed last: a dispatcher's reason or the
-- recipient's comment, whichever came later
SELECT detail FROM (
    SELECT seq AS k, detail FROM changes
    WHERE order_id = :order AND kind = 'dispute'
    UNION ALL
    SELECT c.seq, s.comment FROM signatures s
    JOIN changes c ON c.order_id = s.order_id AND c.kind = 'sign.recipient'
                  AND c.detail LIKE 'op ' || s.id || '%'
    WHERE s.order_id = :order AND s.role = 'recipient' AND s.satisfied = 0)
ORDER BY k DESC LIMIT 1;

-- name: feed_add
INSERT INTO feed(at, kind, order_id, actor, device_id, status, outcome, detail)
VALUES (:at, :kind, :order, :actor, :device, :status, :outcome, :detail);

-- name: feed_since
-- with the actor's role (a console leaves the office's own devices out)
SELECT f.id, f.at, f.kind, f.order_id, o.title, f.actor, f.device_id,
       f.status, f.outcome, f.detail, u.role
FROM feed f LEFT JOIN orders o ON o.id = f.order_id
LEFT JOIN users u ON u.name = f.actor
WHERE f.id > :after ORDER BY f.id LIMIT :limit;

-- name: feed_max
SELECT coalesce(max(id), 0) FROM feed;

-- name: techs_list
-- the open orders counted once, through the partial index of open orders:
-- a count per technician read every order each had ever held (0.6 s for
-- 1,000 technicians on 100,000 orders; this takes 11 ms, docs/performance.md)
SELECT u.id, u.name, u.tier, coalesce(c.n, 0)
FROM users u
LEFT JOIN (SELECT assignee_id AS a, count(*) AS n
           FROM orders INDEXED BY orders_open
           WHERE status NOT IN ('closed','cancelled')
           GROUP BY assignee_id) c ON c.a = u.id
WHERE u.role = 'technician' ORDER BY u.name;

-- name: tech_devices
SELECT d.id, d.name, d.revoked_at IS NOT NULL, d.last_seen, d.last_sync,
       d.cursor, d.unsent, d.unsent_age, d.version, d.rejected_op,
       d.rejected_kind, d.rejected_reason, d.rejected_at,
       (SELECT count(*) FROM orders o WHERE o.assignee_id = d.user_id
        AND o.seq > coalesce(d.cursor, 0)
        AND o.status NOT IN ('closed','cancelled'))
FROM devices d WHERE d.user_id = :user ORDER BY d.id;

-- name: user_tz
SELECT coalesce(u.tz, (SELECT value FROM settings WHERE name = 'tz'))
FROM users u WHERE u.id = :user;

-- name: user_set_tz
UPDATE users SET tz = :tz WHERE name = :name;
-- ---- the formal request (issue 14, docs/lifecycle.md "Intake") ----------

-- name: intake_set
UPDATE orders SET type = :type, category = :category,
    department = :department, customer = :customer, impact = :impact,
    urgency = :urgency, deadline = :deadline,
    requester_email = :requester_email, needs_auth = :needs_auth,
    authoriser = :authoriser, authoriser_email = :authoriser_email
WHERE id = :id;

-- name: order_edit
-- a dispatcher's edit: NULL keeps a field as it is
UPDATE orders SET title = coalesce(:title, title),
    description = coalesce(:description, description),
    priority = coalesce(:priority, priority),
    category = coalesce(:category, category),
    site = coalesce(:site, site), asset = coalesce(:asset, asset),
    contact = coalesce(:contact, contact),
    deadline = coalesce(:deadline, deadline)
WHERE id = :id;

-- name: order_set_remote
UPDATE orders SET remote = 1 WHERE id = :id;

-- name: category_get
SELECT needs_auth FROM categories WHERE name = :name;

-- name: category_set
INSERT INTO categories(name, needs_auth) VALUES (:name, coalesce(:needs_auth, 0))
ON CONFLICT(name) DO UPDATE SET needs_auth = coalesce(:needs_auth, needs_auth);

-- name: customer_get
SELECT kind, needs_auth FROM customers WHERE name = :name;

-- name: customer_set
INSERT INTO customers(name, kind, needs_auth, created_at)
VALUES (:name, coalesce(:kind, 'internal'), coalesce(:needs_auth, 0), :now)
ON CONFLICT(name) DO UPDATE SET kind = coalesce(:kind, kind),
    needs_auth = coalesce(:needs_auth, needs_auth);

-- name: matrix_get
SELECT priority FROM priority_matrix WHERE impact = :impact AND urgency = :urgency;

-- name: matrix_set
UPDATE priority_matrix SET priority = :priority
WHERE impact = :impact AND urgency = :urgency;

-- name: matrix_list
-- as report rows: key "impact/urgency", the priority's number in orders
SELECT impact || '/' || urgency, CAST(substr(priority, 2) AS INTEGER)
FROM priority_matrix
ORDER BY CASE impact WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END,
         CASE urgency WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END;

-- ---- agreements -----------------------------------------------------------

-- name: agreement_in_force
-- the version of :customer's agreement in force at :t, else the default's
SELECT id, customer, version, effective_from, tz, hours, holidays,
       review_at, p1_response, p1_resolve, p2_response, p2_resolve,
       p3_response, p3_resolve, created_at, created_by
FROM agreements
WHERE customer IN (coalesce(:customer, ''), '') AND effective_from <= :t
ORDER BY customer = coalesce(:customer, '') DESC, effective_from DESC,
         version DESC
LIMIT 1;

-- name: agreement_get
SELECT id, customer, version, effective_from, tz, hours, holidays,
       review_at, p1_response, p1_resolve, p2_response, p2_resolve,
       p3_response, p3_resolve, created_at, created_by
FROM agreements WHERE id = :id;

-- name: agreement_latest
SELECT id, customer, version, effective_from, tz, hours, holidays,
       review_at, p1_response, p1_resolve, p2_response, p2_resolve,
       p3_response, p3_resolve, created_at, created_by
FROM agreements WHERE customer = :customer ORDER BY version DESC LIMIT 1;

-- name: agreements_of
SELECT id, customer, version, effective_from, tz, hours, holidays,
       review_at, p1_response, p1_resolve, p2_response, p2_resolve,
       p3_response, p3_resolve, created_at, created_by
FROM agreements WHERE :customer IS NULL OR customer = :customer
ORDER BY customer, version;

-- name: agreement_insert
INSERT INTO agreements(customer, version, effective_from, tz, hours,
    holidays, review_at, p1_response, p1_resolve, p2_response, p2_resolve,
    p3_response, p3_resolve, created_at, created_by)
SELECT :customer, coalesce(max(version), 0) + 1, :from, :tz, :hours,
    :holidays, :review, :p1r, :p1s, :p2r, :p2s, :p3r, :p3s, :now, :by
FROM agreements WHERE customer = :customer;

-- name: order_sla_set
-- the SLA targets of an order as its agreement counts them
UPDATE orders SET agreement_id = :agreement, response_due = :response_due,
    resolve_due = :resolve_due, response_warn = :response_warn,
    resolve_warn = :resolve_warn
WHERE id = :id;

-- name: order_sla_clear
-- an order awaiting authorisation: no SLA clock runs, so no due times
UPDATE orders SET agreement_id = NULL, response_due = NULL,
    resolve_due = NULL, response_warn = NULL, resolve_warn = NULL
WHERE id = :id;

-- name: order_approved_at
-- when the order was approved (its SLA clock's start), if it was
SELECT max(at) FROM authorisations
WHERE order_id = :order AND verdict = 'approved';

-- name: sla_policy_of
-- the global policy's current targets of one priority
SELECT version, response_ms, resolve_ms FROM sla_policies
WHERE priority = :priority
  AND version = (SELECT max(version) FROM sla_policies);

-- ---- authorisation --------------------------------------------------------

-- name: auth_code_get
SELECT auth_salt, auth_hash, auth_failures FROM orders WHERE id = :id;

-- name: auth_code_set
UPDATE orders SET auth_salt = :salt, auth_hash = :hash, auth_failures = 0
WHERE id = :id;

-- name: auth_failed
UPDATE orders SET auth_failures = auth_failures + 1 WHERE id = :id
RETURNING auth_failures;

-- name: authorisation_insert
INSERT INTO authorisations(order_id, name, verdict, reason, statement, sig,
                           device_id, at)
VALUES (:order, :name, :verdict, :reason, :statement, :sig, :device, :now);

-- ---- settings and the mail queue ------------------------------------------

-- name: setting_get
SELECT value FROM settings WHERE name = :name;

-- name: setting_set
INSERT INTO settings(name, value) VALUES (:name, :value)
ON CONFLICT(name) DO UPDATE SET value = excluded.value;

-- name: order_board_open
-- the board as `wo board` shows it by default: open orders only, by the
-- partial index orders_open (the status test is written as the index's
-- WHERE for that), with a dispatcher's filters (each NULL: any)
SELECT o.id FROM orders o LEFT JOIN users u ON u.id = o.assignee_id
WHERE o.status NOT IN ('closed', 'cancelled')
  AND (:tech IS NULL OR u.name = :tech)
  AND (:priority IS NULL OR o.priority = :priority)
  AND (:site IS NULL OR instr(lower(o.site), lower(:site)) > 0)
ORDER BY
  CASE o.status WHEN 'closed' THEN 2 WHEN 'cancelled' THEN 2 ELSE 1 END,
  CASE WHEN o.responded_at IS NULL
         THEN coalesce(o.response_due, 9223372036854775807)
       WHEN o.resolved_at IS NULL
         THEN o.resolve_due + coalesce(:now - o.paused_at, 0)
       ELSE 9223372036854775807 END,
  o.priority, o.id
LIMIT :limit;

-- name: order_board_filtered
-- the board with a dispatcher's filters (each NULL: any), closed and
-- cancelled orders too (--all, or a --status)
SELECT o.id FROM orders o LEFT JOIN users u ON u.id = o.assignee_id
WHERE (:status IS NULL OR o.status = :status)
  AND (:tech IS NULL OR u.name = :tech)
  AND (:priority IS NULL OR o.priority = :priority)
  AND (:site IS NULL OR instr(lower(o.site), lower(:site)) > 0)
ORDER BY
  CASE o.status WHEN 'closed' THEN 2 WHEN 'cancelled' THEN 2 ELSE 1 END,
  CASE WHEN o.responded_at IS NULL
         THEN coalesce(o.response_due, 9223372036854775807)
       WHEN o.resolved_at IS NULL
         THEN o.resolve_due + coalesce(:now - o.paused_at, 0)
       ELSE 9223372036854775807 END,
  o.priority, o.id
LIMIT :limit;
-- name: mail_insert
INSERT INTO mail_queue(order_id, event, rcpt, subject, body, created_at,
                       next_at)
VALUES (:order, :event, :rcpt, :subject, :body, :now, :now);

-- name: mail_due
SELECT id, rcpt, subject, body, attempts, order_id, event FROM mail_queue
WHERE sent_at IS NULL AND next_at <= :now ORDER BY id LIMIT :limit;

-- name: mail_sent
UPDATE mail_queue SET sent_at = :now, attempts = attempts + 1,
    last_error = NULL
WHERE id = :id;

-- name: mail_retry
UPDATE mail_queue SET attempts = attempts + 1, next_at = :next,
    last_error = :error
WHERE id = :id;

-- name: price_set
INSERT INTO part_prices(part_no, price) VALUES (:part_no, :price)
ON CONFLICT(part_no) DO UPDATE SET price = excluded.price;

-- ---- the service desk's reports (issue 14) ------------------------------

-- name: report_by
-- per requester, department, category (and type: incidents and service
-- requests apart), customer, or order (:by): volumes, SLA compliance as
-- report_sla counts it (cancelled orders and those still awaiting
-- authorisation are left out of it), incidents and requests, and the
-- cost of service: time on site from ended visits (the server's times
-- when it has them) at :rate per hour, parts at the price list (a part
-- with no price costs 0, a voided one nothing); most orders (or, per order, the highest cost)
-- first
WITH oc AS (
  SELECT o.*,
    o.status NOT IN ('cancelled', 'awaiting_authorisation') AS counted,
    coalesce((SELECT sum(coalesce(v.ended_srv, v.ended_at)
                         - coalesce(v.started_srv, v.started_at))
              FROM visits v WHERE v.order_id = o.id
                AND v.ended_at IS NOT NULL), 0) AS labour_ms,
    coalesce((SELECT sum(p.qty * coalesce(pp.price, 0))
              FROM parts p LEFT JOIN part_prices pp ON pp.part_no = p.part_no
              WHERE p.order_id = o.id
                AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.ref = p.id)),
             0) AS parts_cost
  FROM orders o
  WHERE o.created_at >= :since AND o.created_at < :until
    AND (:customer IS NULL OR o.customer = :customer)
)
SELECT coalesce(CASE :by WHEN 'requester' THEN requester
                         WHEN 'department' THEN department
                         WHEN 'category' THEN category || ' ' || type
                         WHEN 'customer' THEN customer
                         ELSE CAST(id AS TEXT) END, '(none)') AS k,
  count(*),
  coalesce(sum(status NOT IN ('completed', 'closed', 'cancelled')), 0),
  coalesce(sum(status IN ('completed', 'closed')), 0),
  coalesce(sum((SELECT count(*) FROM visits v WHERE v.order_id = oc.id)), 0),
  coalesce(sum(counted AND responded_at IS NOT NULL
               AND responded_at <= response_due), 0),
  coalesce(sum(counted AND CASE WHEN responded_at IS NOT NULL
                                THEN responded_at > response_due
                                ELSE :now > response_due END), 0),
  coalesce(sum(counted AND resolved_at IS NOT NULL
               AND resolved_at <= resolve_due), 0),
  coalesce(sum(counted AND CASE WHEN resolved_at IS NOT NULL
                                THEN resolved_at > resolve_due
                                ELSE paused_at IS NULL AND :now > resolve_due
                           END), 0),
  coalesce(CAST(avg(responded_at - created_at) AS INTEGER), 0),
  coalesce(CAST(avg(resolved_at - created_at) AS INTEGER), 0),
  coalesce(sum(type = 'incident'), 0),
  coalesce(sum(type = 'request'), 0),
  coalesce(sum(labour_ms), 0),
  coalesce(sum(labour_ms) * :rate / 3600000, 0),
  coalesce(sum(parts_cost), 0),
  coalesce(sum(labour_ms) * :rate / 3600000 + sum(parts_cost), 0)
FROM oc GROUP BY k
ORDER BY CASE WHEN :by = 'order' THEN -(sum(labour_ms) * :rate / 3600000
                                        + sum(parts_cost))
              ELSE -count(*) END, k
LIMIT :limit;

-- ---- voided parts and notes (issue 14) ------------------------------------

-- name: void_insert
INSERT INTO voids(id, order_id, ref, author, device_id, at, reason, at_srv)
VALUES (:id, :order, :ref, :author, :device, :at, :reason, :at_srv);

-- name: voids_of
SELECT id, ref, author, at, reason, at_srv, order_id FROM voids
WHERE order_id IN (SELECT value FROM json_each(:orders))
  AND (:ids IS NULL OR id IN (SELECT value FROM json_each(:ids)))
ORDER BY order_id, at, id;

-- name: record_author
-- the author of part or note :ref of :order, and whether it is voided
SELECT r.author, EXISTS (SELECT 1 FROM voids v WHERE v.ref = r.id)
FROM (SELECT id, author FROM parts WHERE id = :ref AND order_id = :order
      UNION ALL
      SELECT id, author FROM notes WHERE id = :ref AND order_id = :order) r;

-- name: mail_of
-- the queue for `wo mail`: of one order (:order) or all, newest first
SELECT id, order_id, event, rcpt, subject, created_at, attempts, next_at,
       sent_at, last_error
FROM mail_queue WHERE :order = 0 OR order_id = :order
ORDER BY id DESC LIMIT :limit;

-- name: customers_list
SELECT name, kind, needs_auth FROM customers ORDER BY name;

-- name: categories_list
SELECT name, NULL, needs_auth FROM categories ORDER BY name;

-- Named queries of the client replica (client/replica.c), prepared once
-- at open. The "-- name:" lines are the only list of them: the build turns
-- them into ids Q_<name> (cmake/query_ids.cmake).

-- name: config_get
SELECT value FROM config WHERE key = :key;

-- name: config_set
INSERT INTO config(key, value) VALUES (:key, :value)
ON CONFLICT(key) DO UPDATE SET value = excluded.value;

-- name: order_upsert
INSERT INTO orders(id, seq, title, description, site, asset, requester,
                   contact, priority, status, assignee, created_at,
                   updated_at, visit_start, visit_end, came, came_reason,
                   came_at)
VALUES (:id, :seq, :title, :description, :site, :asset, :requester,
        :contact, :priority, :status, :assignee, :created_at, :updated_at,
        :visit_start, :visit_end, :came, :came_reason, :came_at)
ON CONFLICT(id) DO UPDATE SET
  seq = excluded.seq, title = excluded.title,
  description = excluded.description, site = excluded.site,
  asset = excluded.asset, requester = excluded.requester,
  contact = excluded.contact, priority = excluded.priority,
  status = excluded.status, assignee = excluded.assignee,
  created_at = excluded.created_at, updated_at = excluded.updated_at,
  visit_start = excluded.visit_start, visit_end = excluded.visit_end,
  came = excluded.came, came_reason = excluded.came_reason,
  came_at = excluded.came_at;

-- name: order_get
SELECT id, seq, title, description, site, asset, requester, contact,
       priority, status, assignee, created_at, updated_at, visit_start,
       visit_end, came, came_reason, came_at
FROM orders WHERE id = :id;

-- name: order_list
SELECT id FROM orders ORDER BY priority, id;

-- name: order_delete
DELETE FROM orders WHERE id = :id;

-- name: order_set_status
UPDATE orders SET status = :status WHERE id = :id;

-- name: order_status
SELECT status FROM orders WHERE id = :id;

-- name: synced_visits_delete
DELETE FROM visits WHERE order_id = :order AND pending = 0;

-- name: synced_parts_delete
DELETE FROM parts WHERE order_id = :order AND pending = 0;

-- name: synced_notes_delete
DELETE FROM notes WHERE order_id = :order AND pending = 0;

-- name: synced_sigs_delete
DELETE FROM signatures WHERE order_id = :order AND pending = 0;

-- name: visit_put
INSERT INTO visits(id, order_id, tech, started_at, ended_at, outcome, pending)
VALUES (:id, :order, :tech, :started_at, :ended_at, :outcome, :pending)
ON CONFLICT(id) DO UPDATE SET
  ended_at = coalesce(excluded.ended_at, visits.ended_at),
  outcome = coalesce(excluded.outcome, visits.outcome),
  pending = min(visits.pending, excluded.pending);

-- name: visit_end
UPDATE visits SET ended_at = :ended_at, outcome = :outcome WHERE id = :id;

-- name: visits_of
SELECT id, tech, started_at, ended_at, outcome FROM visits
WHERE order_id = :order ORDER BY started_at, id;

-- name: part_put
INSERT INTO parts(id, order_id, author, at, part_no, qty, descr, serials,
                  late, pending)
VALUES (:id, :order, :author, :at, :part_no, :qty, :descr, :serials,
        :late, :pending)
ON CONFLICT(id) DO UPDATE SET pending = min(parts.pending, excluded.pending),
                              late = max(parts.late, excluded.late);

-- name: parts_of
SELECT id, author, at, part_no, qty, descr, serials, late FROM parts
WHERE order_id = :order ORDER BY at, id;

-- name: note_put
INSERT INTO notes(id, order_id, author, at, body, late, pending)
VALUES (:id, :order, :author, :at, :body, :late, :pending)
ON CONFLICT(id) DO UPDATE SET pending = min(notes.pending, excluded.pending),
                              late = max(notes.late, excluded.late);

-- name: notes_of
SELECT id, author, at, body, late FROM notes WHERE order_id = :order
ORDER BY at, id;

-- name: sig_put
INSERT INTO signatures(id, order_id, role, signer, device_id, signed_at,
                       satisfied, comment, statement, sig, verified, pending)
VALUES (:id, :order, :role, :signer, :device, :signed_at, :satisfied,
        :comment, :statement, :sig, :verified, :pending)
ON CONFLICT(id) DO UPDATE SET pending = min(signatures.pending,
                                            excluded.pending),
                              verified = excluded.verified;

-- name: sigs_of
-- with the signing device's key when the server sent it (device_keys)
SELECT s.id, s.role, s.signer, s.device_id, s.signed_at, s.satisfied,
       s.comment, s.statement, s.sig, s.verified, k.pubkey
FROM signatures s LEFT JOIN device_keys k ON k.device_id = s.device_id
WHERE s.order_id = :order ORDER BY s.signed_at, s.id;

-- name: visits_of_op_delete
DELETE FROM visits WHERE id = :id AND pending = 1;

-- name: parts_of_op_delete
DELETE FROM parts WHERE id = :id AND pending = 1;

-- name: notes_of_op_delete
DELETE FROM notes WHERE id = :id AND pending = 1;

-- name: sigs_of_op_delete
DELETE FROM signatures WHERE id = :id AND pending = 1;

-- An acked record stays (no longer pending) while its order is in the
-- replica; if the order has left the scope meanwhile, it goes.
-- name: visits_settle
UPDATE visits SET pending = 0 WHERE id = :id;

-- name: parts_settle
UPDATE parts SET pending = 0 WHERE id = :id;

-- name: notes_settle
UPDATE notes SET pending = 0 WHERE id = :id;

-- name: sigs_settle
UPDATE signatures SET pending = 0 WHERE id = :id;

-- name: visits_orphan_delete
DELETE FROM visits WHERE id = :id
  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = visits.order_id);

-- name: parts_orphan_delete
DELETE FROM parts WHERE id = :id
  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = parts.order_id);

-- name: notes_orphan_delete
DELETE FROM notes WHERE id = :id
  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = notes.order_id);

-- name: sigs_orphan_delete
DELETE FROM signatures WHERE id = :id
  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = signatures.order_id);

-- name: outbox_insert
INSERT INTO outbox(id, order_id, kind, at, body)
VALUES (:id, :order, :kind, :at, :body);

-- name: outbox_pending
-- after :after: the rows not already on their way (a second frame is sent
-- before the first is acked)
SELECT seq, id, body FROM outbox WHERE state = 'pending' AND seq > :after
ORDER BY seq LIMIT :limit;

-- name: outbox_pending_order
SELECT seq, id, body FROM outbox WHERE state = 'pending' AND order_id = :order
ORDER BY seq;

-- name: outbox_quarantine
-- a row whose op cannot be decoded: kept, shown, never sent
UPDATE outbox SET state = 'quarantined', reason = :reason WHERE seq = :seq;

-- name: outbox_delete
DELETE FROM outbox WHERE id = :id RETURNING kind;

-- name: outbox_reject
UPDATE outbox SET state = 'rejected', reason = :reason WHERE id = :id
RETURNING kind;

-- name: outbox_all
SELECT seq, id, order_id, kind, at, state, reason FROM outbox ORDER BY seq;

-- name: outbox_count
SELECT count(*) FROM outbox WHERE state = 'pending';

-- ---- past resolutions (FTS5) ------------------------------------------

-- name: past_put
-- a newer copy (a late note) replaces an older one
INSERT INTO past(id, seq, title, problem, site, asset, closed_at, notes,
                 parts)
VALUES (:id, :seq, :title, :problem, :site, :asset, :closed_at, :notes,
        :parts)
ON CONFLICT(id) DO UPDATE SET
  seq = excluded.seq, title = excluded.title, problem = excluded.problem,
  site = excluded.site, asset = excluded.asset,
  closed_at = excluded.closed_at, notes = excluded.notes,
  parts = excluded.parts
WHERE excluded.seq > past.seq;

-- name: past_search
-- :query is an FTS5 query made by wo_fts_query() from the user's words
SELECT p.id, p.title, p.asset, p.site, p.closed_at,
       snippet(past_fts, -1, '[', ']', '...', 12)
FROM past_fts JOIN past p ON p.id = past_fts.rowid
WHERE past_fts MATCH :query AND (:asset IS NULL OR p.asset = :asset)
ORDER BY rank LIMIT :limit;

-- name: past_count
SELECT count(*) FROM past;

-- ---- service reports (docs/report.md) ----------------------------------

-- name: order_sla_put
INSERT INTO order_sla(order_id, tier, sla_version, response_due,
                      resolve_due, responded_at, resolved_at, paused_at,
                      completed_at)
VALUES (:order, :tier, :sla_version, :response_due, :resolve_due,
        :responded_at, :resolved_at, :paused_at, :completed_at)
ON CONFLICT(order_id) DO UPDATE SET
  tier = excluded.tier, sla_version = excluded.sla_version,
  response_due = excluded.response_due, resolve_due = excluded.resolve_due,
  responded_at = excluded.responded_at, resolved_at = excluded.resolved_at,
  paused_at = excluded.paused_at, completed_at = excluded.completed_at;

-- name: order_sla_get
SELECT tier, sla_version, response_due, resolve_due, responded_at,
       resolved_at, paused_at, completed_at
FROM order_sla WHERE order_id = :order;

-- name: device_key_put
INSERT INTO device_keys(device_id, pubkey) VALUES (:device, :pubkey)
ON CONFLICT(device_id) DO NOTHING;

-- name: device_key_get
SELECT pubkey FROM device_keys WHERE device_id = :device;

-- name: pending_op_at
-- device time of this order's oldest op of a kind still in the outbox
SELECT min(at) FROM outbox
WHERE order_id = :order AND kind = :kind AND state = 'pending';

-- ---- tests only ----------------------------------------------------------

-- name: test_disk_full
-- WO_TEST_DISK_FULL: the file may not grow by a page from now on, as on a
-- full disk (a maximum below the current size is raised to it)
PRAGMA max_page_count = 1;

-- ---- field data (006_field.sql) ------------------------------------------

-- name: opened_mark
-- the first opening only
INSERT OR IGNORE INTO opened(order_id, at) VALUES (:order, :at);

-- name: opened_unsent
SELECT order_id, at FROM opened WHERE sent = 0 ORDER BY order_id LIMIT :limit;

-- name: opened_sent
UPDATE opened SET sent = 1 WHERE order_id = :order;

-- name: outbox_oldest
SELECT coalesce(min(at), 0) FROM outbox WHERE state = 'pending';
-- ---- voided parts and notes (issue 14) ------------------------------------

-- name: void_put
INSERT INTO voids(id, order_id, ref, author, at, reason, at_srv, pending)
VALUES (:id, :order, :ref, :author, :at, :reason, :at_srv, :pending)
ON CONFLICT(id) DO UPDATE SET pending = min(voids.pending, excluded.pending),
                              at_srv = coalesce(excluded.at_srv, voids.at_srv);

-- name: voids_of
SELECT id, ref, author, at, reason, at_srv FROM voids WHERE order_id = :order
ORDER BY at, id;

-- name: synced_voids_delete
DELETE FROM voids WHERE order_id = :order AND pending = 0;

-- name: voids_of_op_delete
DELETE FROM voids WHERE id = :id AND pending = 1;

-- name: voids_settle
UPDATE voids SET pending = 0 WHERE id = :id;

-- name: voids_orphan_delete
DELETE FROM voids WHERE id = :id
  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = voids.order_id);

-- ---- the formal request (issue 14) ----------------------------------------

-- name: order_intake_put
INSERT INTO order_intake(order_id, type, category, department, customer,
                         impact, urgency, deadline, remote)
VALUES (:order, :type, :category, :department, :customer, :impact,
        :urgency, :deadline, :remote)
ON CONFLICT(order_id) DO UPDATE SET
  type = excluded.type, category = excluded.category,
  department = excluded.department, customer = excluded.customer,
  impact = excluded.impact, urgency = excluded.urgency,
  deadline = excluded.deadline, remote = excluded.remote;

-- name: order_intake_get
SELECT type, category, department, customer, impact, urgency, deadline,
       remote
FROM order_intake WHERE order_id = :order;

-- Named queries of the server store (server/store.c prepares each once).
-- Parameters are named; a missing one is a bug that aborts loudly.

-- name: user_insert
INSERT INTO users(name, role, created_at) VALUES (:name, :role, :now);

-- name: user_by_name
SELECT id, name, role, tier FROM users WHERE name = :name;

-- name: code_insert
INSERT INTO enrol_codes(code_hash, user_id, created_at)
VALUES (:hash, :user, :now);

-- name: code_take
UPDATE enrol_codes SET used_at = :now
WHERE code_hash = :hash AND used_at IS NULL
RETURNING user_id;

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
INSERT INTO orders(title, description, site, asset, requester, contact,
                   priority, status, assignee_id, recipient_code,
                   created_by, created_at, updated_at, seq)
VALUES (:title, :description, :site, :asset, :requester, :contact,
        :priority, 'new', NULL, :code, :by, :now, :now, 0);

-- name: order_touch
UPDATE orders SET seq = :seq, updated_at = :now WHERE id = :id;

-- name: order_set_status
UPDATE orders SET status = :status WHERE id = :id;

-- name: order_set_assignee
UPDATE orders SET assignee_id = :user, status = :status WHERE id = :id;

-- name: order_get
SELECT o.id, o.seq, o.title, o.description, o.site, o.asset, o.requester,
       o.contact, o.priority, o.status, u.name, o.recipient_code,
       o.created_at, o.updated_at, o.assignee_id
FROM orders o LEFT JOIN users u ON u.id = o.assignee_id WHERE o.id = :id;

-- name: order_board
SELECT o.id FROM orders o ORDER BY
  CASE o.status WHEN 'closed' THEN 2 WHEN 'cancelled' THEN 2 ELSE 1 END,
  o.priority, o.id;

-- name: scope_changed
SELECT id FROM orders
WHERE assignee_id = :user AND seq > :cursor
  AND status NOT IN ('closed','cancelled')
ORDER BY seq;

-- name: scope_revoked
-- of the ids a client holds (:have, a JSON array), those not in its scope
SELECT h.value FROM json_each(:have) AS h
WHERE NOT EXISTS (SELECT 1 FROM orders o
                  WHERE o.id = h.value AND o.assignee_id = :user
                    AND o.status NOT IN ('closed','cancelled'));

-- name: tech_add
INSERT OR IGNORE INTO order_techs(order_id, user_id, since_seq)
VALUES (:order, :user, :seq);

-- name: tech_held
SELECT 1 FROM order_techs WHERE order_id = :order AND user_id = :user;

-- name: visits_of
SELECT id, tech, started_at, ended_at, outcome FROM visits
WHERE order_id = :order ORDER BY started_at, id;

-- name: visit_insert
INSERT INTO visits(id, order_id, tech, device_id, started_at)
VALUES (:id, :order, :tech, :device, :at);

-- name: visit_get
SELECT order_id, tech, ended_at FROM visits WHERE id = :id;

-- name: visit_open_count
SELECT count(*) FROM visits WHERE order_id = :order AND ended_at IS NULL;

-- name: visit_count
SELECT count(*) FROM visits WHERE order_id = :order;

-- name: visit_end
UPDATE visits SET ended_at = :at, outcome = :outcome WHERE id = :id;

-- name: parts_of
SELECT id, author, at, part_no, qty, descr, serials FROM parts
WHERE order_id = :order ORDER BY at, id;

-- name: part_insert
INSERT INTO parts(id, order_id, author, device_id, at, part_no, qty, descr,
                  serials)
VALUES (:id, :order, :author, :device, :at, :part_no, :qty, :descr,
        :serials);

-- name: notes_of
SELECT id, author, at, body FROM notes WHERE order_id = :order
ORDER BY at, id;

-- name: note_insert
INSERT INTO notes(id, order_id, author, device_id, at, body)
VALUES (:id, :order, :author, :device, :at, :body);

-- name: sigs_of
-- verified is computed on load (server/handle_ops.c), never stored
SELECT id, role, signer, device_id, signed_at, satisfied, comment,
       statement, sig, 0 AS verified
FROM signatures WHERE order_id = :order ORDER BY signed_at, id;

-- name: sig_insert
INSERT INTO signatures(id, order_id, role, signer, device_id, signed_at,
                       satisfied, comment, statement, sig)
VALUES (:id, :order, :role, :signer, :device, :signed_at, :satisfied,
        :comment, :statement, :sig);

-- name: sig_count_role
SELECT count(*) FROM signatures WHERE order_id = :order AND role = :role;

-- name: op_get
SELECT result, reason FROM ops WHERE id = :id;

-- name: op_insert
INSERT INTO ops(id, device_id, order_id, kind, client_at, received_at,
                result, reason)
VALUES (:id, :device, :order, :kind, :client_at, :now, :result, :reason);

-- name: rejections_of
SELECT o.id, o.kind, u.name, o.received_at, o.reason
FROM ops o JOIN devices d ON d.id = o.device_id JOIN users u ON u.id = d.user_id
WHERE o.order_id = :order AND o.result = 'rejected'
ORDER BY o.received_at, o.id;

-- name: order_head
SELECT o.status, o.assignee_id, u.name
FROM orders o LEFT JOIN users u ON u.id = o.assignee_id WHERE o.id = :id;

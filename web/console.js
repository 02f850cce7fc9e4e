/*
 * console.js - the dispatcher's one screen (docs/console.md).
 *
 * State is what the server sent: one page of the order list (cmd
 * orders), the order open in the detail panel (cmd show, history), the
 * technicians (cmd techs, when the server has it) and the activity feed.
 * Every change the server commits comes as a `changes` frame (cmd watch)
 * and is applied to what is on screen; nothing here ever holds the whole
 * store. All text is set with textContent: nothing the server sends is
 * read as HTML.
 */
"use strict";

(() => {
  const t = (k, v) => I18n.t(k, v);
  const $ = (id) => document.getElementById(id);
  const PAGE = 50;
  const FEED_MAX = 200;
  const TECHS_EVERY = 2000;

  const state = {
    dev: null,
    conn: null,
    welcome: null,
    offset: 0,            /* server time - browser time, ms */
    filters: {status: "open"},
    page: 0,
    total: 0,
    orders: [],           /* the page on screen, in the board's order */
    detail: null,         /* the order open in the panel */
    techs: new Map(),     /* name -> technician (presence, health) */
    alertCursor: 0,
    feedCursor: 0,
    retry: 0,
    stopped: false,       /* revoked or refused: no reconnecting */
    timings: {},
  };

  /* ---- DOM helpers ------------------------------------------------------ */

  /* h("td", {class: "x", dataset: {id: 1}}, "text", child, ...) */
  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false)
        continue;
      if (k === "dataset")
        Object.assign(e.dataset, v);
      else if (k.startsWith("on"))
        e.addEventListener(k.slice(2), v);
      else if (k === "class")
        e.className = v;
      else
        e.setAttribute(k, v === true ? "" : v);
    }
    for (const k of kids.flat())
      if (k !== undefined && k !== null && k !== false)
        e.append(k instanceof Node ? k : String(k));
    return e;
  }

  function clear(e) {
    while (e.firstChild)
      e.removeChild(e.firstChild);
    return e;
  }

  /* Put the catalog's words on every element with data-i18n (text) or
   * data-i18n-ph (placeholder). */
  function translate(root) {
    for (const e of root.querySelectorAll("[data-i18n]"))
      e.textContent = t(e.dataset.i18n);
    for (const e of root.querySelectorAll("[data-i18n-ph]"))
      e.placeholder = t(e.dataset.i18nPh);
  }

  const now = () => Date.now() + state.offset;

  function banner(msg, kind) {
    const b = $("banner");
    b.textContent = msg || "";
    b.className = msg ? "banner " + (kind || "info") : "banner hidden";
  }

  function setConn(s) {
    const e = $("conn-state");
    e.dataset.state = s;
    e.textContent = t("conn." + s);
  }

  function errText(f) {
    return f && f.reason ? f.reason : String(f);
  }

  /* ---- the SLA clock, as the server's desk computes it ------------------ */

  /* {sla, due, risk}: the running clock, its due time (server ms) and
   * whether 75 % of its target has gone. */
  function clock(o) {
    const n = now();
    if (o.status === "cancelled")
      return {sla: "none"};
    /* no clock runs before the verdict (docs/lifecycle.md) */
    if (o.status === "awaiting_authorisation")
      return {sla: "waiting"};
    if (!o.responded_at)
      return withRisk("response", o.response_due, o.created_at, n);
    if (!o.resolved_at) {
      const paused = o.paused_at ? n - o.paused_at : 0;
      return withRisk(o.paused_at ? "paused" : "resolve",
                      o.resolve_due ? o.resolve_due + paused : 0,
                      o.created_at, n);
    }
    return {sla: "met"};
  }

  function withRisk(sla, due, from, n) {
    if (!due)
      return {sla};
    const risk = n >= from + 0.75 * (due - from);
    return {sla, due, left: due - n, breached: due - n < 0, risk};
  }

  function isOpen(o) {
    return o.status !== "closed" && o.status !== "cancelled";
  }

  /* The board's order: open first, then by due time of the running clock. */
  function boardKey(o) {
    let due = Number.MAX_SAFE_INTEGER;
    if (!o.responded_at && o.response_due)
      due = o.response_due;
    else if (!o.resolved_at && o.resolve_due)
      due = o.resolve_due + (o.paused_at ? now() - o.paused_at : 0);
    return [isOpen(o) ? 1 : 2, due, o.priority, o.id];
  }

  function cmpBoard(a, b) {
    const x = boardKey(a), y = boardKey(b);
    for (let i = 0; i < x.length; i++)
      if (x[i] !== y[i])
        return x[i] < y[i] ? -1 : 1;
    return 0;
  }

  function matches(o) {
    const f = state.filters;
    const has = (v, s) => (v || "").toLowerCase().includes(s.toLowerCase());
    if (f.status === "open" ? !isOpen(o)
        : f.status !== "all" && f.status !== o.status)
      return false;
    if (f.priority && o.priority !== f.priority)
      return false;
    if (f.assignee && o.assignee !== f.assignee)
      return false;
    if (f.site && !has(o.site, f.site))
      return false;
    if (f.asset && !has(o.asset, f.asset))
      return false;
    if (f.text && !["title", "description", "site", "asset"]
                     .some((k) => has(o[k], f.text)))
      return false;
    return true;
  }

  /* ---- orders ----------------------------------------------------------- */

  /* Ask for the page the filters name; an answer to an older request
   * (the filters changed meanwhile) is dropped. */
  async function loadPage() {
    const f = Object.assign({}, state.filters);
    const my = state.pageSeq = (state.pageSeq || 0) + 1;
    const t0 = performance.now();
    const r = await state.conn.cmd("orders", {
      status: f.status, priority: f.priority, assignee: f.assignee,
      site: f.site, asset: f.asset, text: f.text, limit: PAGE,
      offset: state.page * PAGE});
    if (my !== state.pageSeq)
      return;
    state.orders = r.orders || [];
    state.total = r.total || 0;
    renderOrders();
    state.timings.page = {filters: f, ms: performance.now() - t0};
  }

  function slaCell(o) {
    const c = clock(o);
    const td = h("td", {class: "sla"});
    if (!c.due) {
      td.textContent = t("sla." + c.sla);
      return td;
    }
    td.dataset.due = c.due;
    td.dataset.sla = c.sla;
    fillSla(td, o);
    return td;
  }

  function fillSla(td, o) {
    const c = clock(o);
    if (!c.due)
      return;
    td.textContent = `${t("sla." + c.sla)} ${I18n.duration(c.left)}`;
    td.classList.toggle("breached", c.breached);
    td.classList.toggle("risk", !c.breached && c.risk);
  }

  function orderRow(o) {
    const c = clock(o);
    const tr = h("tr", {dataset: {id: o.id}, class: [
                   c.breached ? "breached" : "", !c.breached && c.risk
                   ? "risk" : "", state.detail && state.detail.id === o.id
                   ? "selected" : ""].join(" ").trim(),
                 onclick: () => openDetail(o.id)},
      h("td", {class: "id"}, o.id),
      h("td", {class: "prio " + o.priority}, o.priority),
      h("td", {class: "title"}, o.title),
      h("td", {class: "site"}, o.site || ""),
      h("td", {class: "asset"}, o.asset || ""),
      h("td", {class: "status", dataset: {status: o.status}},
        t("status." + o.status)),
      h("td", {class: "tech"}, o.assignee || "—", techDot(o), receipt(o)),
      h("td", {class: "tier"}, o.tier || ""),
      slaCell(o));
    tr._order = o;
    return tr;
  }

  /* The holder's presence: from the technicians panel, else what the
   * server put on the order. */
  function techDot(o) {
    if (!o.assignee)
      return null;
    const tc = state.techs.get(o.assignee);
    const on = tc ? online(tc) : !!o.online;
    return h("span", {class: "dot " + (on ? "on" : "off"),
                      title: on ? t("tech.online") : t("tech.offline")});
  }

  /* Whether the order reached its holder's laptop (delivery receipt). */
  function receipt(o) {
    if (!o.assignee)
      return null;
    const has = o.stored_seq && (!o.came_at || o.stored_at >= o.came_at);
    const cls = o.opened_at && has ? "opened" : has ? "stored" : "pending";
    return h("span", {class: "rcpt " + cls, dataset: {receipt: cls},
                      title: t("receipt." + cls)},
             cls === "opened" ? "✓✓" : cls === "stored" ? "✓" : "…");
  }

  function renderOrders() {
    const body = clear($("orders-body"));
    for (const o of state.orders)
      body.append(orderRow(o));
    const from = state.total ? state.page * PAGE + 1 : 0;
    $("orders-count").textContent = t("orders.range", {
      from, to: state.page * PAGE + state.orders.length, total: state.total});
    $("prev-page").disabled = state.page === 0;
    $("next-page").disabled = (state.page + 1) * PAGE >= state.total;
    $("orders-empty").classList.toggle("hidden", state.orders.length > 0);
  }

  /* One order changed on the server: update it where it shows. */
  function applyOrder(o) {
    const i = state.orders.findIndex((x) => x.id === o.id);
    const keep = matches(o);
    if (i >= 0 && (state.orders[i].seq || 0) > o.seq)
      return;
    if (i >= 0 && keep) {
      state.orders[i] = o;
    } else if (i >= 0) {
      state.orders.splice(i, 1);
      state.total = Math.max(0, state.total - 1);
    } else if (keep && state.page === 0) {
      /* not on this page: it joins it when it sorts before the last row
       * (or the page has room); whether the total counted it already
       * (a new order, or one that now matches) only the server knows:
       * the page is read again shortly */
      refreshPageSoon();
      const last = state.orders[state.orders.length - 1];
      if (state.orders.length >= PAGE && last && cmpBoard(o, last) > 0)
        return;
      state.orders.push(o);
    } else {
      return;
    }
    state.orders.sort(cmpBoard);
    if (state.orders.length > PAGE)
      state.orders.length = PAGE;
    renderOrders();
  }

  /* Read the page again soon, at most once a second. */
  function refreshPageSoon() {
    if (state.pageTimer)
      return;
    state.pageTimer = setTimeout(() => {
      state.pageTimer = 0;
      if (state.conn)
        loadPage().catch(() => {});
    }, 1000);
  }

  /* ---- the detail panel -------------------------------------------------- */

  async function openDetail(id) {
    state.detail = {id};
    for (const tr of $("orders-body").children)
      tr.classList.toggle("selected", +tr.dataset.id === id);
    try {
      const [r, hist, sla] = await Promise.all([
        state.conn.cmd("show", {wo: id}),
        state.conn.cmd("history", {wo: id}),
        state.conn.cmd("sla.order", {wo: id}).catch((e) => e)]);
      if (!state.detail || state.detail.id !== id)
        return;
      state.detail = r.orders[0];
      renderDetail(state.detail, hist.history || [], sla);
    } catch (e) {
      banner(errText(e), "error");
    }
  }

  function section(title, rows) {
    return h("section", {class: "sub"}, h("h3", {}, title),
             rows.length ? rows : h("p", {class: "none"}, t("detail.none")));
  }

  function field(label, value) {
    return value ? h("div", {class: "kv"}, h("span", {class: "k"}, label),
                     h("span", {class: "v"}, value)) : null;
  }

  function renderDetail(o, history, sla) {
    /* what the dispatcher was typing survives a change that redraws the
     * same order */
    const kept = {};
    const same = $("detail").dataset.id === String(o.id);
    for (const id of ["assign-to", "sched-from", "sched-to", "act-reason",
                      ...Desk.KEEP])
      if (same && $(id))
        kept[id] = $(id).value;
    const d = clear($("detail"));
    d.classList.remove("hidden");
    d.dataset.id = o.id;
    const c = clock(o);
    $("app").classList.add("has-detail");
    d.append(...[
      h("header", {},
        h("h2", {}, `#${o.id} ${o.title}`),
        h("button", {class: "close", onclick: closeDetail,
                     "aria-label": t("detail.close")}, "×")),
      h("div", {class: "fields"},
        field(t("col.status"), t("status." + o.status)),
        field(t("col.priority"), o.priority),
        field(t("col.tier"), o.tier),
        field(t("col.tech"), o.assignee),
        field(t("col.site"), o.site),
        field(t("col.asset"), o.asset),
        field(t("detail.requester"), o.requester),
        ...Desk.intakeFields(o, field),
        field(t("detail.contact"), o.contact),
        field(t("detail.created"), I18n.time(o.created_at)),
        field(t("col.sla"), c.due ? `${t("sla." + c.sla)} ${I18n.duration(
                c.left)} (${I18n.time(c.due)})` : t("sla." + c.sla)),
        o.assignee ? field(t("detail.receipt"), o.stored_at ? t(
          "receipt.stored_at", {at: I18n.time(o.stored_at)}) + (o.opened_at
          ? " · " + t("receipt.opened_at", {at: I18n.time(o.opened_at)})
          : "") : t("receipt.pending")) : null,
        o.came ? field(t("detail.came"), t("came." + o.came) +
                       (o.came_reason ? `: ${o.came_reason}` : "")) : null,
        o.visit_start ? field(t("detail.next_visit"),
                              `${I18n.time(o.visit_start)} – ${
                                I18n.time(o.visit_end)}`) : null),
      o.description ? h("p", {class: "desc"}, o.description) : null,
      actions(o),
      Desk.actions(o),
      Desk.slaSection(o, sla),
      section(t("detail.visits"), (o.visits || []).map((v) => h("div",
        {class: "rec visit"}, `${v.tech}: ${I18n.time(v.started_srv ||
          v.started_at)} – ${v.ended_at ? I18n.time(v.ended_srv ||
          v.ended_at) : t("detail.open_visit")}`, v.outcome ? ` (${t(
          "outcome." + v.outcome)})` : ""))),
      section(t("detail.parts"), (o.parts || []).map((p) => h("div",
        {class: "rec part"}, `${p.qty} × ${p.part_no}`, p.desc ? ` ${p.desc}`
        : "", p.serials && p.serials.length ? ` [${p.serials.join(", ")}]`
        : "", ` — ${p.author}, ${I18n.time(p.at_srv || p.at)}`,
        p.late ? ` (${t("detail.late")})` : "", Desk.voidMark(o, p.id)))),
      section(t("detail.notes"), (o.notes || []).map((n) => h("div",
        {class: "rec note"}, h("span", {class: "who"}, `${n.author}, ${
          I18n.time(n.at_srv || n.at)}${n.late ? " (" + t("detail.late") +
          ")" : ""}: `), n.text, Desk.voidMark(o, n.id)))),
      section(t("detail.sigs"), (o.sigs || []).map((s) => h("div",
        {class: "rec sig " + (s.verified ? "ok" : "bad")},
        `${t("role." + s.role)}: ${s.signer}, ${I18n.time(s.signed_at)} — `,
        h("strong", {}, s.verified ? t("sig.verified") : t("sig.unverified")),
        s.satisfied === false ? ` — ${t("sig.unsatisfied")}` : "",
        s.comment ? ` “${s.comment}”` : ""))),
      section(t("detail.rejections"), (o.rejections || []).map((r) => h(
        "div", {class: "rec rej"}, `${r.kind} ${t("detail.by")} ${r.by}, ${
          I18n.time(r.at)}: ${r.reason}`))),
      section(t("detail.history"), history.slice().reverse().map((x) => h(
        "div", {class: "rec hist", dataset: {kind: x.kind}}, `${I18n.time(
          x.at)} ${I18n.tk("hist", x.kind)} — ${x.actor}`,
        x.detail ? `: ${x.detail}` : "")))].filter(Boolean));
    for (const [id, v] of Object.entries(kept))
      if ($(id))
        $(id).value = v;
  }

  function closeDetail() {
    state.detail = null;
    $("detail").classList.add("hidden");
    $("app").classList.remove("has-detail");
    for (const tr of $("orders-body").children)
      tr.classList.remove("selected");
  }

  /* Unsent work on the laptops of name: [{device, unsent}], when the
   * server reports sync health. */
  function unsentOf(name) {
    const tc = name && state.techs.get(name);
    return tc ? (tc.devices || []).filter((d) => d.unsent > 0) : [];
  }

  function actions(o) {
    const box = h("div", {class: "actions"});
    const techList = h("datalist", {id: "tech-names"},
                       [...state.techs.keys()].map((n) => h("option",
                                                            {value: n})));
    const to = h("input", {id: "assign-to", list: "tech-names",
                           placeholder: t("act.tech_name"),
                           autocomplete: "off"});
    const warn = h("p", {id: "assign-warning", class: "warning hidden"});
    const busy = unsentOf(o.assignee);
    if (busy.length && o.assignee) {
      warn.textContent = t("act.unsent_warning", {
        tech: o.assignee, n: busy.reduce((a, d) => a + d.unsent, 0)});
      warn.classList.remove("hidden");
    }
    const run = (name, fields, done) => async () => {
      try {
        const r = await state.conn.cmd(name, Object.assign({wo: o.id},
                                                           fields()));
        banner(done ? done(r) : t("act.done", {wo: o.id}), "ok");
        for (const id of ["assign-to", "sched-from", "sched-to", "act-reason"])
          if ($(id))
            $(id).value = "";
        openDetail(o.id);
      } catch (e) {
        banner(errText(e), "error");
      }
    };
    const reopen = o.status === "disputed";
    /* nothing is dispatched before its authorisation (desk.js has the
     * verdict): cancelling is all that is left here */
    const waits = o.status === "awaiting_authorisation";
    const from = h("input", {id: "sched-from", type: "datetime-local"});
    const until = h("input", {id: "sched-to", type: "datetime-local"});
    if (!waits)
      box.append(techList,
        h("div", {class: "act"}, to,
          h("button", {id: "assign-btn", onclick: run("assign",
            () => ({assignee: to.value.trim()}))},
            reopen ? t("act.reopen") : o.assignee ? t("act.reassign")
                                                  : t("act.assign"))),
        warn,
        h("div", {class: "act"},
          h("label", {}, t("act.next_visit")), from, until,
          h("button", {id: "schedule-btn", onclick: run("schedule", () => ({
            start: I18n.parseLocal(from.value),
            end: I18n.parseLocal(until.value)}))}, t("act.schedule"))));
    const reason = h("input", {id: "act-reason",
                               placeholder: t("act.reason")});
    box.append(h("div", {class: "act"}, reason,
      waits ? null : h("button", {id: "escalate-btn", onclick: run(
        "escalate", () => ({reason: reason.value}))}, t("act.escalate")),
      h("button", {id: "cancel-btn", class: "danger", onclick: run("cancel",
        () => ({reason: reason.value}))}, t("act.cancel")),
      o.status === "completed" ? h("button", {id: "dispute-btn",
        onclick: run("dispute", () => ({reason: reason.value}))},
        t("act.dispute")) : null));
    return box;
  }

  /* ---- create ------------------------------------------------------------ */

  async function createOrder(ev) {
    ev.preventDefault();
    const form = ev.target;
    const v = (n) => form.elements[n].value.trim();
    try {
      const r = await state.conn.cmd("create", Object.assign({
        title: v("title"), priority: v("priority"), site: v("site"),
        asset: v("asset"), description: v("description"),
        requester: v("requester"), contact: v("contact"),
        assignee: v("assignee")}, Desk.createFields(form)));
      const o = r.orders[0];
      banner(t(o.authorisation_code ? "create.done_auth" : "create.done",
               {wo: o.id, code: o.recipient_code}), "ok");
      Desk.showAuthCode(o);
      form.reset();
      $("create").classList.add("hidden");
      openDetail(o.id);
    } catch (e) {
      banner(errText(e), "error");
    }
  }

  /* ---- technicians -------------------------------------------------------- */

  /* The orders list shows this technician's orders. */
  function techOrders(name) {
    $("f-assignee").value = name;
    $("f-assignee").dispatchEvent(new Event("change"));
  }

  function online(tc) {
    return tc.online || (tc.devices || []).some((d) => d.online);
  }

  /* A laptop's name as wo enrolled it, shortened ("browser: Mozilla/..."
   * is a browser) */
  function devName(d) {
    const n = d.name || "#" + d.id;
    return n.length > 24 ? n.slice(0, 23) + "…" : n;
  }

  async function loadTechs() {
    let r;
    const t0 = performance.now();
    try {
      r = await state.conn.cmd("techs", {});
    } catch (e) {
      return; /* a server without presence: the panel says so */
    }
    state.timings.techs = performance.now() - t0;
    state.techs.clear();
    for (const tc of r.techs || [])
      state.techs.set(tc.user, tc);
    renderTechs();
    renderOrders();
  }

  /* One redraw of the panel per frame, however many devices came and
   * went in it (1,000 technicians make many events). */
  function renderTechsSoon() {
    if (state.techsFrame)
      return;
    state.techsFrame = requestAnimationFrame(() => {
      state.techsFrame = 0;
      renderTechs();
    });
  }

  function renderTechs() {
    const body = clear($("techs-body"));
    $("techs-empty").classList.toggle("hidden", state.techs.size > 0);
    /* laptops holding unsent or rejected work first, then who is online,
     * then by name */
    const trouble = (tc) => (tc.devices || []).some((d) => !d.revoked &&
                                                     (d.unsent || d.rejected_op));
    for (const tc of [...state.techs.values()].sort((a, b) =>
           (trouble(b) - trouble(a)) || (online(b) - online(a)) ||
           a.user.localeCompare(b.user))) {
      const on = online(tc);
      const health = (tc.devices || []).filter((d) => !d.revoked).map((d) =>
        h("div", {class: "dev" + (d.unsent ? " unsent" : "") +
                         (d.online ? " on" : ""),
                  dataset: {device: d.id, unsent: d.unsent || 0}},
        h("span", {class: "dot " + (d.online ? "on" : "off")}),
        `${devName(d)}: `,
        d.last_sync ? t("health.last_sync", {at: I18n.time(d.last_sync)})
                    : t("health.never"),
        d.lag ? `, ${t("health.lag", {n: d.lag})}` : "",
        d.unsent ? h("strong", {class: "unsent"}, `, ${t("health.unsent", {
          n: d.unsent, age: I18n.duration(d.unsent_age || 0)})}`) : "",
        d.rejected_reason ? h("span", {class: "rejected"}, `, ${t(
          "health.rejected", {kind: d.rejected_kind || "",
                              reason: d.rejected_reason})}`) : "",
        d.version ? ` · wo ${d.version}` : ""));
      body.append(h("li", {dataset: {tech: tc.user}},
        h("div", {class: "line"},
          h("a", {class: "name", href: "#", title: t("tech.show_orders"),
                  onclick: (ev) => { ev.preventDefault(); techOrders(tc.user); }},
            tc.user),
          h("span", {class: "tier"}, tc.tier || ""),
          h("span", {class: "open"}, t("tech.open_n", {n: tc.open || 0})),
          h("span", {class: "presence", dataset: {online: on ? "1" : "0"}},
            h("span", {class: "dot " + (on ? "on" : "off")}),
            on ? t("tech.online") : t("tech.seen", {
              at: tc.last_seen ? I18n.time(tc.last_seen) : "—"}))),
        h("div", {class: "health"}, health)));
    }
  }

  /* ---- the activity feed ---------------------------------------------------- */

  function feed(kind, text, at) {
    const list = $("feed-list");
    list.prepend(h("li", {class: "ev " + kind.replace(/\W/g, "-"),
                          dataset: {kind}},
                   h("time", {}, I18n.time(at || now())), " ", text));
    while (list.children.length > FEED_MAX)
      list.removeChild(list.lastChild);
  }

  /* The technicians' "N open" follow the orders: a change to an order on
   * the page moves the counts at once; the panel is read again soon
   * either way (an order not on the page, a new one, the devices' lag). */
  function recount(before, o) {
    const holder = (x) => x && isOpen(x) && x.assignee;
    if (before && holder(before) === holder(o) && before.seq === o.seq)
      return; /* a receipt, not a change of holder or status */
    for (const [name, by] of [[holder(before), -1], [holder(o), 1]]) {
      const tc = before && name && holder(before) !== holder(o) &&
                 state.techs.get(name);
      if (tc) {
        tc.open = Math.max(0, (tc.open || 0) + by);
        renderTechsSoon();
      }
    }
    refreshTechsSoon();
  }

  /* What the detail panel shows of o changed: its seq, or its receipt
   * (a receipt keeps the order's seq). */
  function detailStale(o) {
    const d = state.detail;
    return d && d.id === o.id && (d.seq !== o.seq ||
      ["stored_at", "stored_seq", "opened_at"].some((k) => d[k] !== o[k]));
  }

  function onChanges(f) {
    const t0 = performance.now();
    for (const o of f.orders || []) {
      const before = state.orders.find((x) => x.id === o.id);
      if (before && before.assignee !== o.assignee)
        feed("assign", t("feed.assign", {wo: o.id, title: o.title,
                                         tech: o.assignee || "—"}),
             o.updated_at);
      recount(before, o);
      applyOrder(o);
      if (detailStale(o))
        openDetail(o.id);
    }
    /* alerts come as feed events too (sla.warning, sla.breach) */
    for (const a of f.alerts || [])
      state.alertCursor = Math.max(state.alertCursor, a.id);
    for (const e of f.feed || [])
      onActivity(e);
    state.timings.change = performance.now() - t0;
    document.body.dataset.changes = (+document.body.dataset.changes || 0) + 1;
  }

  /* One event of the activity feed (docs/protocol.md, "Field data"). */
  function onActivity(e) {
    if (e.id && e.id <= state.feedCursor)
      return;
    state.feedCursor = Math.max(state.feedCursor, e.id || 0);
    const vars = Object.assign({}, e, {
      title: e.title || "", actor: e.actor || "",
      status: e.status ? t("status." + e.status) : "",
      outcome: e.outcome ? t("outcome." + e.outcome) : "",
      detail: /^sla\./.test(e.kind) ? t("sla." + e.detail)
                                   : e.detail || ""});
    /* the office's own devices coming and going are not the field's
     * news: only technicians' show (the event names its actor's role,
     * so this holds before the technicians are read) */
    const office = /^device\./.test(e.kind) && e.role !== "technician";
    /* a locked code of an order that waits: its authorisation's */
    const kind = e.kind === "code.locked" &&
                 e.status === "awaiting_authorisation"
      ? "authorisation.locked" : e.kind;
    /* a kind this console does not know yet still shows, as it is */
    if (!office)
      feed(e.kind, I18n.has("activity." + kind)
                   ? t("activity." + kind, vars)
                   : `${e.wo ? "#" + e.wo + " " : ""}${vars.title} ${e.kind}${
                       vars.detail ? ": " + vars.detail : ""}`, e.at);
    if (/^device\./.test(e.kind) && !office) {
      presence(e.actor, e.device, e.kind === "device.online", e.at);
      /* a laptop reports its sync health as it syncs: read it again
       * once it hangs up (and when it comes) */
      refreshTechsSoon();
    }
  }

  /* A device came or went: the panel and the list's dots at once. */
  function presence(user, device, on, at) {
    const tc = state.techs.get(user);
    if (!tc)
      return refreshTechsSoon();
    for (const d of tc.devices || [])
      if (d.id === device) {
        d.online = on;
        d.last_seen = at;
      }
    tc.online = (tc.devices || []).some((d) => d.online);
    tc.last_seen = at;
    renderTechsSoon();
    for (const tr of $("orders-body").children)
      if (tr._order && tr._order.assignee === user)
        tr.replaceWith(orderRow(tr._order));
  }

  /* Read the technicians again soon, at most once in TECHS_EVERY ms:
   * with 1,000 technicians syncing all day, devices come and go many
   * times a second, and presence is applied at once anyway. */
  function refreshTechsSoon() {
    if (state.techTimer)
      return;
    const wait = Math.max(300, (state.techsRead || 0) + TECHS_EVERY -
                               performance.now());
    state.techTimer = setTimeout(() => {
      state.techTimer = 0;
      state.techsRead = performance.now();
      if (state.conn)
        loadTechs();
    }, wait);
  }

  /* ---- connection ---------------------------------------------------------- */

  async function start() {
    state.timings.scriptsAt = performance.now();
    await I18n.load();
    translate(document);
    Desk.init({h, clear, t, banner, errText, openDetail, now,
               conn: () => state.conn, dev: () => state.dev,
               role: () => state.welcome && state.welcome.role});
    wireUi();
    state.dev = await Wire.loadDevice();
    if (!state.dev)
      return showEnrol();
    connect();
  }

  function showEnrol(msg) {
    $("enrol").classList.remove("hidden");
    $("app").classList.add("hidden");
    setConn("none");
    banner(msg || "", msg ? "error" : "info");
  }

  async function enrol(ev) {
    ev.preventDefault();
    const code = $("enrol-code").value.trim();
    const user = $("enrol-user").value.trim();
    if (!code)
      return banner(t("enrol.need_code"), "error");
    $("enrol-btn").disabled = true;
    try {
      state.dev = await Wire.enroll(code, user);
      $("enrol-code").value = "";
      state.stopped = false;
      banner(t("enrol.done", {user: state.dev.user,
                              device: state.dev.device_id}), "ok");
      connect();
    } catch (e) {
      banner(t("enrol.failed", {why: errText(e)}), "error");
    } finally {
      $("enrol-btn").disabled = false;
    }
  }

  async function connect() {
    const t0 = performance.now();
    setConn("connecting");
    let c;
    try {
      c = await Wire.connect(state.dev, {onChanges, onClose, onError});
    } catch (e) {
      if (e.status === 401) {
        await Wire.forgetDevice();
        state.dev = null;
        state.stopped = true;
        return showEnrol(t("auth.refused", {why: errText(e)}));
      }
      return retry();
    }
    state.conn = c.conn;
    state.welcome = c.welcome;
    state.timings.welcomeAt = performance.now();
    state.offset = c.welcome.server_time - Date.now();
    if (c.welcome.tz)
      I18n.setZone(c.welcome.tz);
    if (c.welcome.role === "technician") {
      c.conn.close();
      state.stopped = true;
      return showEnrol(t("auth.not_office"));
    }
    state.retry = 0;
    $("enrol").classList.add("hidden");
    $("app").classList.remove("hidden");
    $("who").textContent = t("who", {user: c.welcome.user,
                                     role: t("role." + c.welcome.role),
                                     device: c.welcome.device_id,
                                     zone: I18n.zone()});
    setConn("live");
    banner("");
    try {
      /* the orders first: they are the first paint; the technicians and
       * the feed fill in beside them */
      /* the recent events are shown as soon as they come, before any
       * live one (each frame is a task of its own) */
      const watch = state.conn.cmd("watch", {since: state.feedCursor})
        .then((w) => { for (const e of w.feed || []) onActivity(e); });
      /* the feed's live events and the alerts from now on (a first
       * connection does not replay the store's whole history), or since
       * the last alert this page saw */
      state.conn.send({t: "sync", cursor: state.alertCursor ||
                                          Number.MAX_SAFE_INTEGER});
      /* asked after the page: the server answers in order */
      const page = loadPage();
      const techs = loadTechs();
      const desk = Desk.loadLists();
      await page;
      state.timings.firstPaint = performance.now() - t0;
      state.timings.readyAt = performance.now();
      state.timings.bytesIn = Wire.stats.bytesIn;
      document.body.dataset.ready = "1";
      await watch;
      await techs;
      await desk;
      state.timings.deskAt = performance.now();
      state.timings.techsAt = performance.now();
    } catch (e) {
      banner(errText(e), "error");
    }
    document.body.dataset.ready = "1";
    if (state.detail)
      openDetail(state.detail.id);
  }

  function onError(f) {
    banner(errText(f), "error");
  }

  function onClose(ev) {
    state.conn = null;
    document.body.dataset.ready = "0";
    if (ev.code === 1008 && /revoked/.test(ev.reason || "")) {
      state.stopped = true;
      setConn("revoked");
      Wire.forgetDevice();
      state.dev = null;
      showEnrol(t("auth.revoked"));
      setConn("revoked");
      return;
    }
    if (!state.stopped)
      retry();
  }

  function retry() {
    setConn("offline");
    const ms = Math.min(30000, 500 * 2 ** state.retry++) *
               (0.5 + Math.random() / 2);
    setTimeout(() => state.dev && !state.stopped && connect(), ms);
  }

  /* ---- controls -------------------------------------------------------------- */

  function wireUi() {
    $("enrol-form").addEventListener("submit", enrol);
    Desk.wireViews();
    $("create-form").addEventListener("submit", createOrder);
    $("new-order").addEventListener("click",
      () => $("create").classList.toggle("hidden"));
    let timer = 0;
    const refilter = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        for (const k of ["status", "priority", "assignee", "site", "asset",
                         "text"])
          state.filters[k] = $("f-" + k).value.trim() || undefined;
        state.filters.status = state.filters.status || "open";
        state.page = 0;
        if (state.conn)
          loadPage().catch((e) => banner(errText(e), "error"));
      }, 250);
    };
    for (const id of ["f-status", "f-priority", "f-assignee", "f-site",
                      "f-asset", "f-text"]) {
      $(id).addEventListener("input", refilter);
      $(id).addEventListener("change", refilter);
    }
    const statusSel = $("f-status");
    for (const s of ["open", "all", "awaiting_authorisation", "new",
                     "assigned", "accepted", "en_route",
                     "on_site", "on_hold_parts", "on_hold_customer",
                     "completed", "closed", "disputed", "reopened",
                     "cancelled"])
      statusSel.append(h("option", {value: s}, s === "open" || s === "all"
                         ? t("filter." + s) : t("status." + s)));
    $("prev-page").addEventListener("click", () => {
      state.page = Math.max(0, state.page - 1);
      loadPage();
    });
    $("next-page").addEventListener("click", () => {
      state.page++;
      loadPage();
    });
    /* the SLA countdowns tick once a second */
    setInterval(() => {
      for (const tr of $("orders-body").children) {
        const o = tr._order;
        const td = tr.querySelector("td.sla");
        if (!o || !td.dataset.due)
          continue;
        fillSla(td, o);
        const c = clock(o);
        tr.classList.toggle("breached", !!c.breached);
        tr.classList.toggle("risk", !c.breached && !!c.risk);
      }
    }, 1000);
  }

  /* what the tests and docs/performance.md read */
  window.woConsole = {timings: state.timings, state};
  start();
})();

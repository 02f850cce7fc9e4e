/*
 * desk.js - the service desk in the console (docs/console.md, "The
 * service desk"; docs/lifecycle.md): the formal request on the create
 * form, the order's intake fields, edit, office notes, the desk's remote
 * resolution, authorisation, the SLA explanation, agreements, customers
 * and categories, and the desk's reports. Each action is one command
 * `wo` also sends (docs/protocol.md); nothing here decides a rule the
 * server keeps: a refusal shows the server's reason.
 *
 * console.js owns the connection and the screen; it hands this module
 * its helpers with Desk.init().
 */
"use strict";

const Desk = (() => {
  let ui = null;          /* {h, clear, t, banner, errText, conn, dev, role,
                             openDetail, now} */
  const lists = {customers: [], categories: [], matrix: new Map()};
  let editing = 0;        /* the order whose edit form is open */
  let lastReport = null;  /* {name, cols, rows} for the CSV download */

  const $ = (id) => document.getElementById(id);
  const t = (k, v) => ui.t(k, v);
  const h = (...a) => ui.h(...a);

  function init(helpers) {
    ui = helpers;
  }

  /* ---- what the forms offer: customers, categories, the matrix -------- */

  async function loadLists() {
    const c = ui.conn();
    const [cu, ca, mx] = await Promise.all([
      c.cmd("customers.show", {}).catch(() => ({})),
      c.cmd("categories.show", {}).catch(() => ({})),
      c.cmd("matrix.show", {}).catch(() => ({}))]);
    lists.customers = cu.entries || [];
    lists.categories = ca.entries || [];
    lists.matrix.clear();
    for (const r of mx.rows || [])
      lists.matrix.set(r.key, "P" + r.orders);
    fillList("customer-names", lists.customers);
    fillList("category-names", lists.categories);
    fillCustomerSelect($("ag-customer"), true);
    fillCustomerSelect($("ag-set-customer"), false);
    fillCustomerSelect($("rp-customer"), false, true);
    renderSettings();
    document.body.dataset.desk = "1";
  }

  function fillList(id, entries) {
    const dl = ui.clear($(id));
    for (const e of entries)
      dl.append(h("option", {value: e.name}));
  }

  /* A select of customers: "" is the default agreement (or, for a
   * filter, every customer); all: an "every agreement" choice first. */
  function fillCustomerSelect(sel, all, filter) {
    if (!sel)
      return;
    const was = sel.value;
    ui.clear(sel);
    if (all)
      sel.append(h("option", {value: "*"}, t("ag.all")));
    sel.append(h("option", {value: ""}, filter ? t("rp.any_customer")
                                               : t("ag.default")));
    for (const e of lists.customers)
      sel.append(h("option", {value: e.name}, e.name));
    if ([...sel.options].some((o) => o.value === was))
      sel.value = was;
  }

  /* ---- the create form's formal request --------------------------------- */

  /* The priority the matrix gives for the form's impact and urgency, or
   * "" when either is not chosen. */
  function matrixPriority(form) {
    const i = form.elements.impact.value, u = form.elements.urgency.value;
    return i && u ? lists.matrix.get(`${i}/${u}`) || "" : "";
  }

  /* Keep the form's priority as the matrix gives it until the dispatcher
   * picks one by hand; then a reason is asked for. */
  function wireCreate(form) {
    const el = form.elements;
    const sync = () => {
      const m = matrixPriority(form);
      if (m && !form.dataset.byHand)
        el.priority.value = m;
      $("create-matrix").textContent = m ? t("create.matrix", {p: m}) : "";
      el.priority_reason.classList.toggle("hidden",
                                          !m || el.priority.value === m);
      $("create-auth").classList.toggle("hidden",
                                        !el.needs_authorisation.checked);
    };
    el.priority.addEventListener("change", () => {
      form.dataset.byHand = "1";
      sync();
    });
    for (const n of ["impact", "urgency", "needs_authorisation"])
      el[n].addEventListener("change", sync);
    form.addEventListener("reset", () => setTimeout(() => {
      delete form.dataset.byHand;
      sync();
    }));
    sync();
  }

  /* The create command's service-desk fields, from the form; throws an
   * error frame-like {reason} when the form itself is wrong. */
  function createFields(form) {
    const v = (n) => form.elements[n].value.trim();
    const f = {type: v("type"), category: v("category"),
               customer: v("customer"), department: v("department"),
               requester_email: v("requester_email"),
               impact: v("impact"), urgency: v("urgency")};
    if (!f.impact !== !f.urgency)
      throw {reason: t("create.need_both")};
    const m = matrixPriority(form);
    if (m && v("priority") !== m) {
      if (!v("priority_reason"))
        throw {reason: t("create.need_reason", {p: v("priority"), m})};
      f.reason = v("priority_reason");
    }
    if (v("deadline")) {
      f.deadline = I18n.parseLocal(v("deadline"));
      if (!Number.isFinite(f.deadline))
        throw {reason: t("create.bad_deadline")};
    }
    if (form.elements.needs_authorisation.checked) {
      f.needs_authorisation = true;
      f.authoriser = v("authoriser");
      f.authoriser_email = v("authoriser_email");
      if (!f.authoriser)
        throw {reason: t("create.need_authoriser")};
    }
    return f;
  }

  /* The authorisation code comes once, in the create's answer: shown in
   * a box of its own until the dispatcher has handed it over. */
  function showAuthCode(o) {
    if (!o.authorisation_code)
      return;
    const box = $("auth-code");
    ui.clear(box).append(
      h("p", {}, t("auth.code_intro", {wo: o.id,
                                       who: o.authoriser || "—"})),
      h("p", {class: "code", id: "auth-code-value"}, o.authorisation_code),
      h("p", {class: "hint"}, t("auth.code_once")),
      h("button", {id: "auth-code-done", onclick: () => {
        ui.clear(box);
        box.classList.add("hidden");
      }}, t("auth.code_done")));
    box.classList.remove("hidden");
  }

  /* ---- the order's detail: intake, voids, SLA --------------------------- */

  function intakeFields(o, field) {
    return [
      field(t("in.type"), o.type ? t("type." + o.type) : ""),
      field(t("fld.category"), o.category),
      field(t("fld.customer"), o.customer),
      field(t("fld.department"), o.department),
      field(t("in.impact"), o.impact ? `${t("level." + o.impact)} × ${t(
        "level." + (o.urgency || ""))}` : ""),
      field(t("fld.requester_email"), o.requester_email),
      field(t("in.deadline"), o.deadline ? I18n.time(o.deadline) : ""),
      o.needs_authorisation ? field(t("fld.authoriser"), `${o.authoriser ||
        "—"}${o.authoriser_email ? " <" + o.authoriser_email + ">" : ""}`)
        : null,
      o.remote ? field(t("in.remote"), t("in.remote_yes")) : null];
  }

  /* The void mark on a part or note, with who voided it and why. */
  function voidMark(o, id) {
    const v = (o.voids || []).find((x) => x.ref === id);
    return v ? h("span", {class: "void", dataset: {void: v.id}},
                 t("void.mark", {by: v.author, reason: v.reason,
                                 at: I18n.time(v.at_srv || v.at)})) : null;
  }

  /* A span of counted time as targets are written: 15m, 4h, 1h 30m,
   * 2d; 0 as "0". */
  function span(ms) {
    const m = Math.round((ms || 0) / 60000);
    const parts = [[Math.floor(m / 1440), t("unit.d")],
                   [Math.floor(m % 1440 / 60), t("unit.h")],
                   [m % 60, t("unit.m")]].filter(([n]) => n > 0);
    return parts.length ? parts.map(([n, u]) => n + u).join(" ") : "0";
  }

  function fmtTargets(a) {
    return ["p1", "p2", "p3"].map((p) => `${p.toUpperCase()} ${span(
      a[p + "_response"])} / ${span(a[p + "_resolve"])}`).join(" · ");
  }

  /* `wo sla WO`: which agreement version governs the order and why, and
   * its due times counted in business hours. */
  function slaSection(o, sla) {
    const rows = [];
    const a = sla && sla.agreements && sla.agreements[0];
    if (a)
      rows.push(h("div", {class: "rec sla-why", id: "sla-why"}, a.why || ""));
    /* version 0: no agreement governs it, the global policy does (the
     * why says so) */
    const kv = (k, id, v) => h("div", {class: "kv"},
                               h("span", {class: "k"}, k),
                               h("span", {class: "v", id}, v));
    if (a && a.version)
      rows.push(
        kv(t("sla.agreement"), "sla-version", t("sla.version_of", {
          v: a.version, customer: a.customer || t("ag.default")})),
        kv(t("ag.hours"), "sla-hours", `${a.hours} (${a.tz})${a.holidays
          ? " · " + t("ag.holidays") + " " + a.holidays : ""}`),
        kv(t("ag.targets"), "sla-targets", fmtTargets(a)));
    else if (!a && sla && sla.reason)
      rows.push(h("p", {class: "none"}, sla.reason));
    if (o.status === "awaiting_authorisation")
      rows.push(kv(t("col.sla"), "sla-waiting", t("sla.waiting")));
    else
      rows.push(
        kv(t("sla.respond_by"), "sla-response-due", o.response_due
           ? I18n.time(o.response_due) + (o.responded_at ? " ✓" : "") : "—"),
        kv(t("sla.resolve_by"), "sla-resolve-due", o.resolve_due
           ? I18n.time(o.resolve_due) + (o.resolved_at ? " ✓" : "") : "—"));
    return h("section", {class: "sub sla-explain"},
             h("h3", {}, t("sla.title")), rows);
  }

  /* ---- the order's desk actions ---------------------------------------- */

  const KEEP = ["note-text", "resolve-text", "auth-name", "auth-reason",
                "edit-reason"];

  /* Send name for order o; on success say so and read the order again. */
  async function send(o, name, fields, done) {
    try {
      const r = await ui.conn().cmd(name, Object.assign({wo: o.id}, fields));
      ui.banner(done ? done(r) : t("act.done", {wo: o.id}), "ok");
      return r;
    } catch (e) {
      ui.banner(ui.errText(e), "error");
      return null;
    }
  }

  function clearInputs(ids) {
    for (const id of ids)
      if ($(id))
        $(id).value = "";
  }

  function actions(o) {
    const box = h("div", {class: "actions desk"});
    const open = o.status !== "closed" && o.status !== "cancelled";
    if (o.status === "awaiting_authorisation")
      box.append(authoriseBox(o));
    if (open)
      box.append(editBox(o));
    if (open) {
      const note = h("textarea", {id: "note-text", rows: 2,
                                  placeholder: t("desk.note_ph")});
      box.append(h("div", {class: "act"}, note,
        h("button", {id: "note-btn", onclick: async () => {
          if (!note.value.trim())
            return ui.banner(t("desk.need_note"), "error");
          if (await send(o, "note", {text: note.value.trim()}, () =>
                         t("desk.noted", {wo: o.id}))) {
            clearInputs(["note-text"]);
            ui.openDetail(o.id);
          }
        }}, t("desk.note"))));
    }
    if (open && o.status !== "awaiting_authorisation" &&
        o.status !== "completed" && o.status !== "on_site") {
      const fix = h("textarea", {id: "resolve-text", rows: 2,
                                 placeholder: t("desk.resolve_ph")});
      box.append(h("div", {class: "act"}, fix,
        h("button", {id: "resolve-btn", onclick: async () => {
          if (!fix.value.trim())
            return ui.banner(t("desk.need_fix"), "error");
          if (await send(o, "resolve", {remote: true, text: fix.value.trim()},
                         () => t("desk.resolved", {wo: o.id}))) {
            clearInputs(["resolve-text"]);
            ui.openDetail(o.id);
          }
        }}, t("desk.resolve"))));
    }
    return box;
  }

  /* Edit: only the fields that changed are sent, with the reason. */
  function editBox(o) {
    const wrap = h("div", {class: "edit"});
    const toggle = h("button", {id: "edit-btn", onclick: () => {
      editing = editing === o.id ? 0 : o.id;
      form.classList.toggle("hidden", editing !== o.id);
    }}, t("edit.button"));
    const inp = (name, value, attrs) => h("label", {},
      h("span", {}, t("edit." + name)),
      h("input", Object.assign({id: "edit-" + name, name, value: value || ""},
                               attrs || {})));
    const prio = h("select", {id: "edit-priority", name: "priority"},
      ["P1", "P2", "P3"].map((p) => h("option", {value: p, selected:
                                                 p === o.priority}, p)));
    const dl = o.deadline ? localInput(o.deadline) : "";
    const form = h("form", {id: "edit-form", class: "editform" + (
                              editing === o.id ? "" : " hidden"),
                            autocomplete: "off"},
      inp("title", o.title),
      h("label", {}, h("span", {}, t("edit.priority")), prio),
      inp("category", o.category, {list: "category-names"}),
      inp("site", o.site), inp("asset", o.asset), inp("contact", o.contact),
      inp("deadline", dl, {type: "datetime-local"}),
      h("label", {class: "wide"}, h("span", {}, t("edit.description")),
        h("textarea", {id: "edit-description", name: "description", rows: 2},
          o.description || "")),
      h("label", {class: "wide"}, h("span", {}, t("edit.reason")),
        h("input", {id: "edit-reason", name: "reason"})),
      h("button", {type: "submit", id: "edit-save"}, t("edit.save")));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const v = (n) => form.elements[n].value.trim();
      const f = {reason: v("reason")};
      if (!f.reason)
        return ui.banner(t("edit.need_reason"), "error");
      for (const n of ["title", "priority", "category", "site", "asset",
                       "contact", "description"])
        if (v(n) && v(n) !== (o[n] || ""))
          f[n] = v(n);
      if (v("deadline") && v("deadline") !== dl) {
        f.deadline = I18n.parseLocal(v("deadline"));
        if (!Number.isFinite(f.deadline))
          return ui.banner(t("create.bad_deadline"), "error");
      }
      if (Object.keys(f).length === 1)
        return ui.banner(t("edit.nothing"), "error");
      if (await send(o, "edit", f, () => t("edit.done", {wo: o.id}))) {
        editing = 0;
        clearInputs(["edit-reason"]);
        ui.openDetail(o.id);
      }
    });
    wrap.append(h("div", {class: "act"}, toggle), form);
    return wrap;
  }

  /* "2026-11-24T09:00" in the console's zone, for a datetime-local. */
  function localInput(ms) {
    const s = I18n.time(ms);
    const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})/.exec(s);
    return m ? `${m[1]}T${m[2]}` : "";
  }

  /* The authoriser's verdict, signed by this browser's key as `wo
   * authorise` signs it (docs/protocol.md, "Authorisation"). */
  function authoriseBox(o) {
    const name = h("input", {id: "auth-name", placeholder: t("auth.name"),
                             value: o.authoriser || ""});
    const code = h("input", {id: "auth-code-in", type: "password",
                             inputmode: "numeric", autocomplete: "off",
                             placeholder: t("auth.code")});
    const reason = h("input", {id: "auth-reason",
                               placeholder: t("auth.reason")});
    const verdict = (refuse) => async () => {
      const n = name.value.trim(), c = code.value.trim();
      const why = reason.value.trim();
      if (!n)
        return ui.banner(t("auth.need_name"), "error");
      if (!/^\d{8}$/.test(c))
        return ui.banner(t("auth.bad_code"), "error");
      if (refuse && !why)
        return ui.banner(t("auth.need_reason"), "error");
      if (/[\x00-\x1f\x7f]/.test(n))
        return ui.banner(t("auth.bad_name"), "error");
      const dev = ui.dev();
      const start = Math.round(Date.now());
      const stmt = "wo-authorisation/1\n" +
        `order ${o.id}\nauthoriser ${n}\nverdict ${refuse ? "refused"
                                                          : "approved"}\n` +
        (refuse ? `reason ${Wire.hex(new TextEncoder().encode(why))}\n`
                : "") +
        `device ${dev.device_id}\nsigned-at ${start}\n`;
      const sig = await Wire.signText(dev.keys.privateKey, stmt);
      const f = {authoriser: n, code: c, start, statement: stmt, sig};
      if (refuse) {
        f.refuse = true;
        f.reason = why;
      }
      const r = await send(o, "authorise", f, () => t(
        refuse ? "auth.done_refused" : "auth.done_approved",
        {wo: o.id, who: n}));
      code.value = "";
      if (r) {
        clearInputs(["auth-name", "auth-reason"]);
        ui.openDetail(o.id);
      }
    };
    return h("div", {class: "authorise"},
      h("h3", {}, t("auth.title")),
      h("p", {class: "hint"}, t("auth.help", {who: o.authoriser || "—"})),
      h("div", {class: "act"}, name, code, reason),
      h("div", {class: "act"},
        h("button", {id: "authorise-btn", onclick: verdict(false)},
          t("auth.approve")),
        h("button", {id: "refuse-btn", class: "danger",
                     onclick: verdict(true)}, t("auth.refuse")),
        h("button", {id: "auth-newcode-btn", onclick: async () => {
          const r = await send(o, "auth.code", {}, () => t("auth.new_code",
                                                           {wo: o.id}));
          if (r && r.orders && r.orders[0])
            showAuthCode(r.orders[0]);
        }}, t("auth.new_code_btn"))));
  }

  /* ---- views: agreements and settings, reports --------------------------- */

  function show(view) {
    for (const v of ["orders", "agreements", "reports"]) {
      $("nav-" + v).classList.toggle("on", v === view);
      $("nav-" + v).setAttribute("aria-pressed", v === view ? "true"
                                                             : "false");
    }
    $("app").classList.toggle("away", view !== "orders");
    $("view-agreements").classList.toggle("hidden", view !== "agreements");
    $("view-reports").classList.toggle("hidden", view !== "reports");
    document.body.dataset.view = view;
    if (view === "agreements")
      loadAgreements();
    if (view === "reports")
      loadReport();
  }

  async function loadAgreements() {
    const who = $("ag-customer").value;
    let r;
    try {
      /* "" (the default agreement) is sent as it is */
      r = await ui.conn().cmd("agreement.show", who === "*" ? {}
                              : {customer: who}, ["customer"]);
    } catch (e) {
      return ui.banner(ui.errText(e), "error");
    }
    const rows = r.agreements || [];
    const body = ui.clear($("ag-body"));
    for (const a of rows)
      body.append(h("tr", {dataset: {customer: a.customer, version:
                                     a.version}},
        h("td", {}, a.customer || t("ag.default")),
        h("td", {}, a.version),
        h("td", {}, I18n.time(a.effective_from)),
        h("td", {}, a.tz), h("td", {}, a.hours),
        h("td", {}, a.holidays || ""),
        h("td", {class: "targets"}, fmtTargets(a)),
        h("td", {}, a.review_at ? I18n.time(a.review_at) : ""),
        h("td", {}, a.created_by || "")));
    $("ag-empty").classList.toggle("hidden", rows.length > 0);
    document.body.dataset.agreements = rows.length;
  }

  /* `wo agreement set`: what the form leaves empty comes from the
   * previous version. */
  async function setAgreement(ev) {
    ev.preventDefault();
    const form = ev.target;
    const v = (n) => form.elements[n].value.trim();
    const f = {customer: v("customer") || undefined, tz: v("tz"),
               hours: v("hours"), holidays: v("holidays").replace(/\s+/g, "")};
    f.start = v("from") ? I18n.parseLocal(v("from")) : ui.now();
    if (!Number.isFinite(f.start))
      return ui.banner(t("create.bad_deadline"), "error");
    if (v("review")) {
      f.review = I18n.parseLocal(v("review"));
      if (!Number.isFinite(f.review))
        return ui.banner(t("create.bad_deadline"), "error");
    }
    const tg = ["P1", "P2", "P3"].filter((p) => v("t" + p))
      .map((p) => `${p}=${v("t" + p)}`);
    if (tg.length)
      f.targets = tg.join(" ");
    try {
      const r = await ui.conn().cmd("agreement.set", f);
      const a = r.agreements[0];
      ui.banner(t("ag.done", {customer: a.customer || t("ag.default"),
                              v: a.version}), "ok");
      form.reset();
      $("ag-customer").value = a.customer;
      loadAgreements();
    } catch (e) {
      ui.banner(ui.errText(e), "error");
    }
  }

  function renderSettings() {
    const admin = ui.role() === "admin";
    for (const e of document.querySelectorAll(".admin-only"))
      e.classList.toggle("hidden", !admin);
    const cu = ui.clear($("cu-body"));
    for (const c of lists.customers)
      cu.append(h("tr", {dataset: {customer: c.name}}, h("td", {}, c.name),
                  h("td", {}, t("kind." + (c.kind || "internal"))),
                  h("td", {}, c.needs_authorisation ? t("yes") : t("no"))));
    renderMatrix(admin);
    const ca = ui.clear($("ca-body"));
    for (const c of lists.categories)
      ca.append(h("tr", {dataset: {category: c.name}}, h("td", {}, c.name),
                  h("td", {}, c.needs_authorisation ? t("yes") : t("no"))));
  }

  /* Impact (rows) x urgency (columns): text, or for an admin a select
   * per cell that sets it (`wo matrix set`). */
  function renderMatrix(admin) {
    const lv = ["low", "medium", "high"];
    const tb = ui.clear($("mx-table"));
    tb.append(h("tr", {}, h("th", {class: "corner"}, t("mx.corner")),
                lv.map((u) => h("th", {}, t("level." + u)))));
    for (const i of lv)
      tb.append(h("tr", {}, h("th", {}, t("level." + i)), lv.map((u) => {
        const p = lists.matrix.get(`${i}/${u}`) || "";
        if (!admin)
          return h("td", {dataset: {cell: `${i}/${u}`}}, p);
        const sel = h("select", {dataset: {cell: `${i}/${u}`},
                                 "aria-label": `${i} × ${u}`},
          ["P1", "P2", "P3"].map((x) => h("option", {value: x,
                                                     selected: x === p}, x)));
        sel.addEventListener("change", async () => {
          try {
            await ui.conn().cmd("matrix.set", {impact: i, urgency: u,
                                               priority: sel.value});
            ui.banner(t("settings.done"), "ok");
          } catch (e) {
            ui.banner(ui.errText(e), "error");
          }
          await loadLists();
        });
        return h("td", {}, sel);
      })));
  }

  async function setEntry(ev, cmd, fields) {
    ev.preventDefault();
    const form = ev.target;
    try {
      await ui.conn().cmd(cmd, fields(form));
      ui.banner(t("settings.done"), "ok");
      form.reset();
      await loadLists();
    } catch (e) {
      ui.banner(ui.errText(e), "error");
    }
  }

  const REPORT_COLS = {
    by: ["orders", "open", "done", "incidents", "requests", "response_pct",
         "resolve_pct", "response_missed", "resolve_missed", "labour_ms",
         "labour_cost", "parts_cost", "cost"],
    costs: ["labour_ms", "labour_cost", "parts_cost", "cost"]};

  function pct(met, missed) {
    return met + missed ? Math.floor((met * 100 + (met + missed) / 2) /
                                     (met + missed)) : null;
  }

  function cell(r, c) {
    if (c === "response_pct")
      return pct(r.response_met || 0, r.response_missed || 0);
    if (c === "resolve_pct")
      return pct(r.resolve_met || 0, r.resolve_missed || 0);
    return r[c] || 0;
  }

  function shown(c, v) {
    if (v === null)
      return "—";
    if (c === "labour_ms")
      return span(v);
    if (/_pct$/.test(c))
      return v + " %";
    return v.toLocaleString(I18n.lang());
  }

  async function loadReport() {
    const name = $("rp-name").value;
    const cust = $("rp-customer").value;
    const f = {report: name, customer: cust || undefined};
    for (const k of ["since", "until"])
      if ($("rp-" + k).value) {
        f[k] = I18n.parseLocal($("rp-" + k).value + "T00:00");
        if (!Number.isFinite(f[k]))
          return ui.banner(t("create.bad_deadline"), "error");
      }
    let r;
    try {
      r = await ui.conn().cmd("report", f);
    } catch (e) {
      return ui.banner(ui.errText(e), "error");
    }
    const cols = REPORT_COLS[name === "costs" ? "costs" : "by"];
    const rows = r.rows || [];
    lastReport = {name, cust, cols, rows};
    const head = ui.clear($("rp-head"));
    head.append(h("tr", {}, h("th", {}, t("rp.key." + name)),
                  cols.map((c) => h("th", {class: "num"}, t("rp.col." + c)))));
    const body = ui.clear($("rp-body"));
    for (const row of rows)
      body.append(h("tr", {dataset: {key: row.key}}, h("td", {class: "key"},
        row.key), cols.map((c) => h("td", {class: "num", dataset: {col: c}},
                                    shown(c, cell(row, c))))));
    $("rp-empty").classList.toggle("hidden", rows.length > 0);
    document.body.dataset.report = `${name}/${cust}/${rows.length}`;
  }

  /* The report's key column as `wo report` names it. */
  const REPORT_KEY = {customers: "customer", requesters: "requester",
                      departments: "department", categories: "category",
                      costs: "order"};

  /* The table on screen as CSV, byte for byte what `wo report NAME --csv`
   * writes (data for a spreadsheet, so in the CLI's English names): the
   * key quoted, numbers bare, nothing for none, CRLF line ends. */
  function csv() {
    if (!lastReport)
      return "";
    const {name, cols, rows} = lastReport;
    const q = (s) => `"${String(s).replace(/"/g, '""')}"`;
    const lines = [[q(REPORT_KEY[name]), ...cols].join(",")];
    for (const r of rows)
      lines.push([q(r.key), ...cols.map((c) => {
        const v = cell(r, c);
        return v === null ? "" : v;
      })].join(","));
    return lines.map((l) => l + "\r\n").join("");
  }

  function downloadCsv() {
    if (!lastReport)
      return;
    const {name, cust} = lastReport;
    const a = h("a", {href: URL.createObjectURL(new Blob([csv()],
                                                         {type: "text/csv"})),
                      download: `wo-report-${name}${cust ? "-" + cust
                                                         : ""}.csv`});
    document.body.append(a);
    a.click();
    setTimeout(() => {
      URL.revokeObjectURL(a.href);
      a.remove();
    }, 1000);
  }

  function wireViews() {
    for (const v of ["orders", "agreements", "reports"])
      $("nav-" + v).addEventListener("click", () => show(v));
    $("ag-customer").addEventListener("change", loadAgreements);
    $("ag-form").addEventListener("submit", setAgreement);
    $("cu-form").addEventListener("submit", (ev) => setEntry(ev,
      "customer.set", (f) => ({customer: f.elements.name.value.trim(),
                               kind: f.elements.kind.value || undefined,
                               escalate: f.elements.needs.value ||
                                         undefined})));
    $("ca-form").addEventListener("submit", (ev) => setEntry(ev,
      "category.set", (f) => ({category: f.elements.name.value.trim(),
                               escalate: f.elements.needs.value ||
                                         undefined})));
    for (const id of ["rp-name", "rp-customer", "rp-since", "rp-until"])
      $(id).addEventListener("change", loadReport);
    $("rp-csv").addEventListener("click", downloadCsv);
    wireCreate($("create-form"));
  }

  return {init, loadLists, createFields, showAuthCode, intakeFields,
          voidMark, slaSection, actions, wireViews, KEEP, show, csv};
})();

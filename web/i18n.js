/*
 * i18n.js - the console's words and times.
 *
 * One catalog per language (/i18n/LANG.json, a flat object of key ->
 * text with {name} placeholders), chosen by the browser's languages:
 * the first that has a catalog, else English. Times are shown in one
 * configured time zone (the server's, when it names one; else the
 * browser's), never the machine's by accident.
 */
"use strict";

const I18n = (() => {
  const LANGS = ["en", "id"];
  let lang = "en";
  let words = {};
  let zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  function pick() {
    for (const l of navigator.languages || [navigator.language || "en"]) {
      const base = l.toLowerCase().split("-")[0];
      if (LANGS.includes(base))
        return base;
    }
    return "en";
  }

  async function load() {
    lang = pick();
    const r = await fetch(`/i18n/${lang}.json`);
    words = await r.json();
    document.documentElement.lang = lang;
  }

  /* The text of key with {name} replaced from vars; the key itself when
   * the catalog lacks it (visible, so a missing word is noticed). */
  function t(key, vars) {
    const s = Object.prototype.hasOwnProperty.call(words, key) ? words[key]
                                                               : key;
    return s.replace(/\{(\w+)\}/g, (m, k) =>
      vars && vars[k] !== undefined ? String(vars[k]) : m);
  }

  function setZone(z) {
    try {
      new Intl.DateTimeFormat("en", {timeZone: z});
      zone = z;
    } catch (e) { /* unknown zone: keep the one we have */ }
  }

  const fmtCache = {};
  function fmt(opts) {
    const k = JSON.stringify(opts) + zone + lang;
    if (!fmtCache[k])
      fmtCache[k] = new Intl.DateTimeFormat(lang === "id" ? "id-ID" : "en-GB",
                                            Object.assign({timeZone: zone},
                                                          opts));
    return fmtCache[k];
  }

  /* "2026-11-24 09:00" style, in the zone. */
  function time(ms) {
    if (!ms)
      return "";
    const p = {};
    for (const x of fmt({year: "numeric", month: "2-digit", day: "2-digit",
                         hour: "2-digit", minute: "2-digit", hourCycle: "h23"})
                      .formatToParts(new Date(ms)))
      p[x.type] = x.value;
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
  }

  /* ms of the zone's offset from UTC at instant ms. */
  function offsetAt(ms) {
    const p = {};
    for (const x of fmt({year: "numeric", month: "numeric", day: "numeric",
                         hour: "numeric", minute: "numeric", second: "numeric",
                         hourCycle: "h23"}).formatToParts(new Date(ms)))
      p[x.type] = x.value;
    const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute,
                           +p.second);
    return asUtc - Math.floor(ms / 1000) * 1000;
  }

  /* A wall time "YYYY-MM-DDTHH:MM" (input type=datetime-local) in the
   * zone, to ms since the epoch; NaN when malformed. */
  function parseLocal(s) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(s || "");
    if (!m)
      return NaN;
    const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    let ms = wall - offsetAt(wall);
    ms = wall - offsetAt(ms); /* again, across a change of offset */
    return ms;
  }

  /* A duration such as "1h 05m" or "-12m" (breached). */
  function duration(ms) {
    const neg = ms < 0;
    let s = Math.floor(Math.abs(ms) / 1000);
    const d = Math.floor(s / 86400);
    s -= d * 86400;
    const h = Math.floor(s / 3600);
    s -= h * 3600;
    const m = Math.floor(s / 60);
    s -= m * 60;
    let out;
    if (d)
      out = `${d}${t("unit.d")} ${h}${t("unit.h")}`;
    else if (h)
      out = `${h}${t("unit.h")} ${String(m).padStart(2, "0")}${t("unit.m")}`;
    else
      out = `${m}${t("unit.m")} ${String(s).padStart(2, "0")}${t("unit.s")}`;
    return (neg ? "-" : "") + out;
  }

  return {load, t, time, duration, parseLocal, setZone,
          zone: () => zone, lang: () => lang};
})();

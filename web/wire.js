/*
 * wire.js - the wo.v1 protocol in the browser (docs/protocol.md).
 *
 * One WebSocket to the server that served this page, msgpack frames
 * (the pinned @msgpack/msgpack, global MessagePack), and the browser's
 * device key: an Ed25519 key pair made by WebCrypto with a private half
 * that cannot be exported, kept in IndexedDB. There is no password and no
 * bearer token: each connection proves possession of the key by signing
 * the server's challenge, exactly as the laptop client does.
 */
"use strict";

const Wire = (() => {
  const stats = {bytesIn: 0, framesIn: 0};
  const DB = "wo-console";
  const STORE = "device";
  const KEY = "this";

  /* ---- IndexedDB: the one record of this browser's device ------------- */

  function idb() {
    return new Promise((resolve, reject) => {
      const r = indexedDB.open(DB, 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  }

  async function idbDo(mode, fn) {
    const db = await idb();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const req = fn(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(req.result);
        tx.onerror = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  }

  /* The enrolled device: {device_id, user, role, keys}, or undefined. */
  const loadDevice = () => idbDo("readonly", (s) => s.get(KEY));
  const saveDevice = (d) => idbDo("readwrite", (s) => s.put(d, KEY));
  const forgetDevice = () => idbDo("readwrite", (s) => s.delete(KEY));

  /* ---- the auth text and its signature ------------------------------- */

  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /* Ed25519 over SHA-256 of "wo-auth/1\n<nonce hex>\n<device id>\n". */
  async function signChallenge(privateKey, nonce, deviceId) {
    return signText(privateKey, `wo-auth/1\n${hex(nonce)}\n${deviceId}\n`);
  }

  /* Ed25519 over SHA-256 of a statement's UTF-8 bytes, as every signed
   * statement is (docs/protocol.md, "Signed statements"). */
  async function signText(privateKey, text) {
    const digest = await crypto.subtle.digest("SHA-256",
                                              new TextEncoder().encode(text));
    return new Uint8Array(await crypto.subtle.sign("Ed25519", privateKey,
                                                   digest));
  }

  /* ---- one connection -------------------------------------------------- */

  class Conn {
    /* handlers: onChanges(frame), onError(frame) for errors with no req,
     * onClose({code, reason}). */
    constructor(handlers) {
      this.h = handlers || {};
      this.req = 0;
      this.pending = new Map();
      this.closed = false;
      const url = `wss://${location.host}/`;
      this.ws = new WebSocket(url, "wo.v1");
      this.ws.binaryType = "arraybuffer";
      this.challenge = new Promise((resolve, reject) => {
        this.gotChallenge = resolve;
        this.failOpen = reject;
      });
      this.ws.onmessage = (ev) => this.receive(ev.data);
      this.ws.onclose = (ev) => this.gone(ev.code, ev.reason);
      this.ws.onerror = () => {};
    }

    send(frame) {
      this.ws.send(MessagePack.encode(frame));
    }

    receive(data) {
      let f;
      stats.bytesIn += data.byteLength;
      stats.framesIn++;
      try {
        f = MessagePack.decode(new Uint8Array(data));
      } catch (e) {
        return; /* not ours to guess at */
      }
      if (f.t === "challenge") {
        this.gotChallenge(f);
      } else if (f.t === "result" || (f.t === "error" && f.req)) {
        const p = this.pending.get(f.req);
        if (p) {
          this.pending.delete(f.req);
          f.t === "result" ? p.resolve(f) : p.reject(f);
        }
      } else if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w(f);
      } else if (f.t === "changes") {
        this.h.onChanges && this.h.onChanges(f);
      } else if (f.t === "error") {
        this.h.onError && this.h.onError(f);
      }
    }

    gone(code, reason) {
      if (this.closed)
        return;
      this.closed = true;
      const err = {t: "error", status: 0,
                   reason: reason || `connection closed (${code})`};
      this.failOpen(err);
      if (this.waiter)
        this.waiter(err);
      for (const p of this.pending.values())
        p.reject(err);
      this.pending.clear();
      this.h.onClose && this.h.onClose({code, reason});
    }

    /* The next frame that is neither a result nor a push: the answer to
     * enroll or auth. */
    next() {
      return new Promise((resolve) => { this.waiter = resolve; });
    }

    /* A dispatcher command; resolves with the result frame, rejects with
     * the error frame. Fields that are undefined, null or "" are left
     * out, but for those named in keep ("" can mean something: the
     * default agreement is customer ""). */
    cmd(name, fields, keep) {
      const req = ++this.req;
      const frame = Object.assign({t: "cmd", req, name}, fields || {});
      for (const k of Object.keys(frame))
        if (frame[k] === undefined || frame[k] === null ||
            (frame[k] === "" && !(keep || []).includes(k)))
          delete frame[k];
      return new Promise((resolve, reject) => {
        this.pending.set(req, {resolve, reject});
        this.send(frame);
      });
    }

    close() {
      this.ws.close(1000, "bye");
    }
  }

  /* ---- enrolment and authentication ------------------------------------ */

  /* Enrol this browser with a one-time code; resolves with the device
   * record now in IndexedDB, rejects with the server's error frame. */
  async function enroll(code, user) {
    const conn = new Conn({});
    try {
      await conn.challenge;
      const keys = await crypto.subtle.generateKey({name: "Ed25519"}, false,
                                                   ["sign", "verify"]);
      const pub = new Uint8Array(await crypto.subtle.exportKey("raw",
                                                               keys.publicKey));
      const answer = conn.next();
      const frame = {t: "enroll", code, pubkey: pub,
                     device_name: "browser: " + navigator.userAgent.slice(0, 200)};
      if (user)
        frame.user = user;
      conn.send(frame);
      const f = await answer;
      if (f.t !== "enrolled")
        throw f;
      const dev = {device_id: f.device_id, user: f.user, role: f.role, keys};
      await saveDevice(dev);
      return dev;
    } finally {
      conn.close();
    }
  }

  /* Open a connection and authenticate as dev; resolves with
   * {conn, welcome}, rejects with the error frame. */
  async function connect(dev, handlers) {
    const conn = new Conn(handlers);
    const ch = await conn.challenge;
    const sig = await signChallenge(dev.keys.privateKey, ch.nonce,
                                    dev.device_id);
    const answer = conn.next();
    conn.send({t: "auth", device_id: dev.device_id, sig,
               client_time: Date.now()});
    const f = await answer;
    if (f.t !== "welcome")
      throw f;
    return {conn, welcome: f};
  }

  return {loadDevice, forgetDevice, enroll, connect, stats, hex, signText};
})();

"""The web console (docs/console.md) in a real headless Chromium against a
real wo-server over real TLS, with real `wo` technicians beside it.

Each test starts its own server on a free port and its own browser;
both are stopped by the cleanup, pass or fail. Screenshots go to
build/artifacts/ (WO_ARTIFACTS moves them).
"""
import json
import os
import socket
import ssl
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, HTTPServer

from browser import Browser, https_get, missing
from harness import Env, wait_until


class ConsoleEnv(Env):
    locale = "en-GB"

    def setUp(self):
        why = missing()
        if why:
            self.fail("the browser tests need " + why)
        super().setUp()
        self.browser = None

    def open_browser(self, locale=None):
        b = Browser(os.path.join(self.dir, "browser.log"),
                    os.path.join(self.data, "tls", "server.pem"),
                    locale=locale or self.locale, timezone="Asia/Jakarta")
        self.addCleanup(b.close)
        self.browser = b
        return b

    def console_url(self):
        return "https://127.0.0.1:%d/" % self.port

    def enrol_browser(self, b, user="disp", role="dispatcher"):
        """Enrol b as a new device of user (made if need be) with a
        one-time code typed into the page; wait until it is live."""
        try:
            code = self.add_user(user, role)
        except AssertionError:
            code = self.srv_cmd(["user", "code", user, "--data", self.data,
                                 "--quiet"]).stdout.strip()
        b.goto(self.console_url())
        b.wait("!document.getElementById('enrol').classList.contains('hidden')")
        b.fill("#enrol-code", code)
        b.click("#enrol-btn")
        b.wait("document.body.dataset.ready === '1'")
        return code

    def devices(self):
        r = self.srv_cmd(["device", "list", "--data", self.data, "--json"])
        return json.loads(r.stdout)

    def row_status(self, b, wo):
        return b.eval("(() => { const td = document.querySelector("
                      "'#orders-body tr[data-id=\"%d\"] td.status');"
                      " return td ? td.dataset.status : null; })()" % wo)


class Serving(ConsoleEnv):
    def test_get_serves_the_console_with_a_strict_policy(self):
        status, headers, body = https_get(self.port, self.ca)
        self.assertEqual(status, 200)
        self.assertIn(b'<script src="/console.js">', body)
        self.assertNotIn(b"<script>", body)    # nothing inline
        csp = headers["content-security-policy"]
        for part in ("default-src 'none'", "script-src 'self'",
                     "connect-src 'self'", "frame-ancestors 'none'"):
            self.assertIn(part, csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(headers["x-content-type-options"], "nosniff")
        status, headers, body = https_get(self.port, self.ca,
                                          "/vendor/msgpack.min.js")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/javascript"))
        self.assertIn(b"MessagePack", body)
        # the tab's icon: declared by the page and served, never a 404
        page = https_get(self.port, self.ca)[2]
        self.assertIn(b'<link rel="icon" href="/favicon.ico">', page)
        status, headers, icon = https_get(self.port, self.ca, "/favicon.ico")
        self.assertEqual((status, headers["content-type"]),
                         (200, "image/x-icon"))
        self.assertEqual(icon[:4], b"\0\0\1\0")     # an ICO file
        self.assertEqual(https_get(self.port, self.ca, "/etc/passwd")[0], 404)
        self.assertEqual(https_get(self.port, self.ca, "/../server.db")[0],
                         404)
        # a request with a body is never read (4.1.6, docs/architecture.md)
        self.assertEqual(https_get(self.port, self.ca, "/", method="POST",
                                   body=b"x=1")[0], 405)

    def upgrade(self, origin):
        ctx = ssl.create_default_context(cafile=self.ca)
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", self.port),
                                                     5),
                            server_hostname="127.0.0.1")
        req = ("GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: "
               "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: wo.v1\r\n" % self.port)
        if origin:
            req += "Origin: %s\r\n" % origin
        s.sendall((req + "\r\n").encode())
        head = s.recv(4096).split(b"\r\n")[0]
        s.close()
        return head

    def test_the_upgrade_checks_the_origin(self):
        self.assertIn(b" 403 ", self.upgrade("https://evil.example"))
        self.assertIn(b" 403 ", self.upgrade("http://127.0.0.1:%d" % self.port))
        self.assertIn(b" 101 ", self.upgrade("https://127.0.0.1:%d" % self.port))
        self.assertIn(b" 101 ", self.upgrade("https://localhost:%d" % self.port))
        self.assertIn(b" 403 ", self.upgrade("null"))  # a sandboxed page
        self.assertIn(b" 101 ", self.upgrade(None))   # not a browser
        self.assertIn(b" 101 ", self.upgrade("127.0.0.1"))  # what wo sends

    def test_a_configured_origin_replaces_the_default(self):
        self.stop_server()
        self.start_server("--origin", "https://dispatch.example:443")
        self.assertIn(b" 101 ", self.upgrade("https://dispatch.example:443"))
        self.assertIn(b" 403 ", self.upgrade("https://127.0.0.1:%d" % self.port))


class OtherOrigin(BaseHTTPRequestHandler):
    """A page of another origin (plain HTTP on another port)."""
    def do_GET(self):
        body = b"<!doctype html><title>elsewhere</title><p>elsewhere</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


class Browsing(ConsoleEnv):
    def try_socket(self, b):
        return b.eval("""new Promise((done) => {
            const ws = new WebSocket('wss://127.0.0.1:%d/', 'wo.v1');
            ws.onopen = () => { ws.close(); done('open'); };
            ws.onclose = (e) => done('closed ' + e.code);
        })""" % self.port)

    def test_a_page_of_another_origin_is_refused(self):
        other = HTTPServer(("127.0.0.1", 0), OtherOrigin)
        th = threading.Thread(target=other.serve_forever, daemon=True)
        th.start()
        self.addCleanup(other.server_close)
        self.addCleanup(th.join, 10)
        self.addCleanup(other.shutdown)
        b = self.open_browser()
        b.goto("http://127.0.0.1:%d/" % other.server_address[1])
        self.assertEqual(self.try_socket(b), "closed 1006")
        # the same browser, from the console's own origin, gets in
        b.goto(self.console_url())
        self.assertEqual(self.try_socket(b), "open")

    def test_enrol_with_a_code_then_sign_in_again_by_challenge(self):
        b = self.open_browser()
        spent = self.enrol_browser(b)
        devs = [d for d in self.devices() if d["user"] == "disp"]
        self.assertEqual(len(devs), 1)
        # the private key cannot be read out of the browser
        self.assertEqual(b.eval("""(async () => {
            const d = await new Promise((ok) => {
              const r = indexedDB.open('wo-console', 1);
              r.onsuccess = () => r.result.transaction('device')
                .objectStore('device').get('this').onsuccess =
                  (e) => ok(e.target.result);
            });
            try { await crypto.subtle.exportKey('pkcs8', d.keys.privateKey);
                  return 'exported'; }
            catch (e) { return d.keys.privateKey.extractable + ' ' +
                               d.keys.privateKey.algorithm.name; }
        })()"""), "false Ed25519")
        self.assertIn("disp", b.text("#who"))
        # a reload signs in again by the challenge, with no code
        b.call("reload")
        b.wait("document.body.dataset.ready === '1'")
        # the icon the page declares loads under its policy
        self.assertEqual(b.eval("fetch(document.querySelector("
                                "'link[rel=icon]').href).then((r) => "
                                "r.status + ' ' + r.headers.get("
                                "'content-type'))"), "200 image/x-icon")
        with open(os.path.join(self.dir, "browser.log")) as f:
            self.assertNotIn("status of 404", f.read())
        self.assertEqual(len([d for d in self.devices()
                              if d["user"] == "disp"]), 1)
        # the code is spent: a second browser cannot use it
        b2 = Browser(os.path.join(self.dir, "browser2.log"),
                     os.path.join(self.data, "tls", "server.pem"))
        self.addCleanup(b2.close)
        b2.goto(self.console_url())
        b2.wait("!document.getElementById('enrol').classList.contains('hidden')")
        b2.fill("#enrol-code", spent)
        b2.click("#enrol-btn")
        b2.wait("document.getElementById('banner').textContent"
                ".includes('refused')")
        self.assertIn("used already", b2.text("#banner"))
        self.assertNotEqual(b2.eval("document.body.dataset.ready"), "1")
        self.assertEqual(len([d for d in self.devices()
                              if d["user"] == "disp"]), 1)
        # nor an unknown one
        code = self.srv_cmd(["user", "code", "disp", "--data", self.data,
                             "--quiet"]).stdout.strip()
        b2.fill("#enrol-code", "0000-bad-" + code[:3])
        b2.click("#enrol-btn")
        b2.wait("document.getElementById('banner').textContent"
                ".includes('unknown')")
        self.assertIn("refused", b2.text("#banner"))

    def test_a_technicians_browser_is_sent_to_wo(self):
        b = self.open_browser()
        code = self.add_user("tina", "technician")
        b.goto(self.console_url())
        b.wait("!document.getElementById('enrol').classList.contains('hidden')")
        b.fill("#enrol-code", code)
        b.click("#enrol-btn")
        b.wait("document.getElementById('banner').textContent"
               ".includes('dispatchers and admins')")
        self.assertTrue(b.eval("document.getElementById('app')"
                               ".classList.contains('hidden')"))

    def test_a_revoked_browser_is_disconnected_at_once(self):
        b = self.open_browser()
        self.enrol_browser(b)
        self.enroll("boss", "admin")
        dev = [d for d in self.devices() if d["user"] == "disp"][0]["id"]
        self.wo("boss", "device", "revoke", str(dev))
        # pushed: the page learns it from the server's close, at once (how
        # fast is a figure for bench/console_bench.py, not a test on a
        # loaded machine)
        b.wait("document.getElementById('conn-state').dataset.state"
               " === 'revoked'")
        self.assertIn("revoked", b.text("#banner"))
        self.assertFalse(b.eval("document.getElementById('enrol')"
                                ".classList.contains('hidden')"))
        b.screenshot("console-revoked.png")


class Live(ConsoleEnv):
    def setUp(self):
        super().setUp()
        self.enroll("disp0", "dispatcher")
        self.enroll("tech1", "technician")
        self.enroll("tech2", "technician")
        self.o1 = self.wo_json("disp0", "create", "--title", "Boiler leaking",
                               "--priority", "P1", "--site", "Plant 3",
                               "--asset", "B-7", "--assign", "tech1")
        self.o2 = self.wo_json("disp0", "create", "--title", "Pump noise",
                               "--priority", "P3", "--site", "Depot",
                               "--asset", "P-2")
        self.b = self.open_browser()
        self.enrol_browser(self.b)

    def test_orders_show_filter_and_open(self):
        b = self.b
        self.assertEqual(b.count("#orders-body tr"), 2)
        self.assertEqual(self.row_status(b, self.o1["id"]), "assigned")
        b.fill("#f-text", "pump")
        b.wait("document.querySelectorAll('#orders-body tr').length === 1")
        self.assertEqual(b.eval("document.querySelector('#orders-body tr')"
                                ".dataset.id"), str(self.o2["id"]))
        b.fill("#f-text", "")
        b.select("#f-priority", "P1")
        # the P1 order, not still the pump's row from the text filter
        b.wait("(() => { const r = document.querySelectorAll("
               "'#orders-body tr'); return r.length === 1 && "
               "r[0].dataset.id === '%d'; })()" % self.o1["id"])
        b.select("#f-priority", "")
        b.wait("document.querySelectorAll('#orders-body tr').length === 2")
        b.click('#orders-body tr[data-id="%d"]' % self.o1["id"])
        b.wait("document.querySelector('#detail h2') &&"
               " document.querySelector('#detail h2').textContent"
               ".includes('Boiler leaking')")
        self.assertIn("Plant 3", b.text("#detail"))
        # a dispatcher reads the agreements and the matrix; the forms that
        # change them are an admin's
        b.click("#nav-agreements")
        b.wait("document.body.dataset.agreements !== undefined")
        self.assertTrue(b.eval("document.getElementById('ag-form')"
                               ".classList.contains('hidden')"))
        self.assertEqual(b.count("#mx-table select"), 0)
        self.assertEqual(b.count("#mx-table td[data-cell]"), 9)
        b.click("#nav-orders")
        b.wait("!document.getElementById('app').classList.contains('away')")

    def test_a_technicians_sync_shows_on_the_page_live(self):
        b = self.b
        wo = self.o1["id"]
        self.wo("tech1", "sync")
        self.wo("tech1", "accept", str(wo))
        self.wo("tech1", "sync")
        # pushed: the page loads nothing by itself after its first page
        b.wait("(() => { const td = document.querySelector("
               "'#orders-body tr[data-id=\"%d\"] td.status');"
               " return td && td.dataset.status === 'accepted'; })()" % wo)
        # the server's activity feed says who did it
        b.wait("document.getElementById('feed-list').textContent"
               ".includes('accepted by tech1')")
        # the laptop stored the order: the receipt shows on the row
        self.assertIn(b.eval("document.querySelector('#orders-body "
                             "tr[data-id=\"%d\"] .rcpt').dataset.receipt"
                             % wo), ("stored", "opened"))

    def test_reassign_from_the_page_reaches_the_watching_laptop(self):
        b = self.b
        wo = self.o1["id"]
        self.wo("tech2", "sync")
        self.watch("tech2")
        b.click('#orders-body tr[data-id="%d"]' % wo)
        b.wait("document.getElementById('assign-to') !== null")
        b.fill("#assign-to", "tech2")
        b.click("#assign-btn")
        wait_until(lambda: wo in [o["id"] for o in self.wo_json(
                       "tech2", "list")] or None, timeout=60,
                   what="the order on tech2's replica")
        b.wait("(() => { const td = document.querySelector("
               "'#orders-body tr[data-id=\"%d\"] td.tech');"
               " return td && td.textContent.includes('tech2'); })()" % wo)
        o = self.wo_json("disp0", "show", str(wo))
        self.assertEqual(o["assignee"], "tech2")
        b.screenshot("console-reassigned.png")

    def receipt_of(self, wo):
        return ("(() => { const r = document.querySelector('#orders-body "
                "tr[data-id=\"%s\"] .rcpt'); return r && r.dataset.receipt;"
                " })()" % wo)

    def detail_field(self, label):
        return ("(() => { const k = [...document.querySelectorAll("
                "'#detail .kv .k')].find((e) => e.textContent === '%s');"
                " return k ? k.nextElementSibling.textContent : ''; })()"
                % label)

    def test_receipts_show_on_the_page_without_a_reload(self):
        b = self.b
        wo = self.o1["id"]
        self.wo("tech2", "sync")
        self.watch("tech2")
        b.eval("window.notReloaded = 1")
        b.click('#orders-body tr[data-id="%d"]' % wo)
        b.wait("document.getElementById('assign-to') !== null")
        b.fill("#assign-to", "tech2")
        b.click("#assign-btn")
        # the watching laptop stores it and says so; tech2 accepts nothing
        b.wait("(() => { const td = document.querySelector("
               "'#orders-body tr[data-id=\"%d\"] td.tech');"
               " return td && td.textContent.includes('tech2'); })()" % wo)
        b.wait(self.receipt_of(wo) + " === 'stored'")
        b.wait(self.detail_field("On the laptop") + ".startsWith('stored ')")
        self.assertNotIn("not yet", b.eval(self.detail_field("On the laptop")))
        # a first opening, recorded offline, comes with the next sync
        self.wo("tech2", "show", str(wo))
        self.wo("tech2", "sync")
        b.wait(self.receipt_of(wo) + " === 'opened'")
        b.wait(self.detail_field("On the laptop") + ".includes(' · opened ')")
        self.assertEqual(b.eval("window.notReloaded"), 1)
        self.assertNotIn("accepted", [x["kind"] for x in self.wo_json(
            "disp0", "history", str(wo))])

    def test_the_feed_leaves_the_office_devices_out_from_the_first_line(self):
        b = self.b
        # a dispatcher's wo comes and goes, then a technician comes
        self.wo("disp0", "board")
        self.watch("tech1")
        b.wait("document.getElementById('feed-list').textContent"
               ".includes('tech1 online')")
        # a fresh page reads the feed's backlog before the technicians
        b.call("reload")
        b.wait("document.body.dataset.ready === '1'")
        b.wait("document.getElementById('feed-list').textContent"
               ".includes('tech1 online')")
        b.wait("woConsole.state.techs.size > 0")
        lines = b.eval("[...document.querySelectorAll('#feed-list li')]"
                       ".filter((li) => li.dataset.kind.startsWith("
                       "'device.')).map((li) => li.textContent)")
        self.assertTrue(any("tech1 online" in x for x in lines), lines)
        self.assertEqual([x for x in lines if "disp" in x], [])

    def test_open_counts_follow_the_orders(self):
        b = self.b
        n_open = (lambda name: self.tech_row(name) +
                  ".querySelector('.open').textContent")
        b.wait("%s !== null && %s === '1 open' && %s === '0 open'"
               % (self.tech_row("tech2"), n_open("tech1"), n_open("tech2")))
        # reassigned from the page: no device comes or goes
        b.click('#orders-body tr[data-id="%d"]' % self.o1["id"])
        b.wait("document.getElementById('assign-to') !== null")
        b.fill("#assign-to", "tech2")
        b.click("#assign-btn")
        b.wait("%s === '0 open' && %s === '1 open'"
               % (n_open("tech1"), n_open("tech2")))
        # a new order for tech1, made elsewhere
        o = self.wo_json("disp0", "create", "--title", "Fan belt",
                         "--priority", "P3", "--assign", "tech1")
        b.wait("%s === '1 open'" % n_open("tech1"))
        # cancelled from the page
        self.assertIn("updated", self.act(o["id"], "cancel-btn",
                                          **{"act-reason": "duplicate"}))
        b.wait("%s === '0 open' && %s === '1 open'"
               % (n_open("tech1"), n_open("tech2")))

    def test_the_page_comes_back_after_a_server_restart(self):
        b = self.b
        self.stop_server()
        b.wait("document.getElementById('conn-state').dataset.state"
               " === 'offline'")
        self.wo("disp0", "assign", str(self.o2["id"]), "tech2",
                check=False)       # refused: the server is down
        self.start_server()
        self.wo("disp0", "assign", str(self.o2["id"]), "tech2")
        # signed in again by the challenge, and the page read afresh
        b.wait("document.getElementById('conn-state').dataset.state"
               " === 'live'", timeout=40)
        b.wait("(() => { const td = document.querySelector("
               "'#orders-body tr[data-id=\"%d\"] td.tech');"
               " return td && td.textContent.includes('tech2'); })()"
               % self.o2["id"], timeout=10)

    def test_bad_filters_get_a_clear_error(self):
        b = self.b
        ask = ("woConsole.state.conn.cmd('orders', %s).then((r) => 'ok ' + "
               "r.orders.length, (e) => e.status + ' ' + e.reason)")
        self.assertEqual(b.eval(ask % "{status: 'bogus'}"),
                         "400 unknown status 'bogus': use open, all, or one "
                         "status (new, assigned, ...)")
        self.assertEqual(b.eval(ask % "{priority: 'P9'}"),
                         "400 priority must be P1, P2 or P3")
        self.assertIn("limit must be 1 to 200",
                      b.eval(ask % "{limit: 5000}"))
        self.assertIn("limit must be 1 to 200",
                      b.eval(ask % "{offset: -1}"))
        self.assertEqual(b.eval(ask % "{status: 'all', limit: 1}"), "ok 1")
        self.assertEqual(b.eval("woConsole.state.conn.cmd('orders', "
                                "{status: 'all', limit: 1, offset: 1})"
                                ".then((r) => [r.orders[0].id, r.total])"),
                         [self.o2["id"], 2])

    def tech_row(self, name):
        return ("document.querySelector('#techs-body [data-tech=\"%s\"]')"
                % name)

    def test_presence_flips_when_a_technician_disconnects(self):
        b = self.b
        row = self.tech_row("tech2")
        b.wait(row + " !== null")
        self.assertEqual(b.eval(row + ".querySelector('.presence')"
                                ".dataset.online"), "0")
        w = self.watch("tech2")
        b.wait(row + ".querySelector('.presence').dataset.online === '1'")
        self.assertIn("tech2 online",
                      b.eval("document.getElementById('feed-list')"
                             ".textContent"))
        b.screenshot("console-presence-online.png")
        w.terminate()
        w.wait(timeout=10)
        b.wait(row + ".querySelector('.presence').dataset.online"
               " === '0'")
        self.assertIn("last seen", b.eval(row + ".textContent"))
        # "last seen <time>" fits the panel: nothing of it is cut off at
        # its right edge (it wraps when the panel is narrow)
        self.assertEqual(b.eval(
            "(() => { const p = document.getElementById('techs-panel');"
            " const edge = p.getBoundingClientRect().left + p.clientLeft +"
            " p.clientWidth - parseFloat(getComputedStyle(p).paddingRight);"
            " return [...p.querySelectorAll('#techs-body .line > *')]"
            ".filter((e) => e.getBoundingClientRect().right > edge + 0.5)"
            ".map((e) => e.textContent); })()"), [])
        self.assertLessEqual(b.eval("document.getElementById('techs-panel')"
                                    ".scrollWidth"),
                             b.eval("document.getElementById('techs-panel')"
                                    ".clientWidth"))
        b.screenshot("console-presence-offline.png")
        # a technician's name shows their orders
        b.click('#techs-body [data-tech="tech1"] a.name')
        b.wait("document.querySelectorAll('#orders-body tr').length === 1 "
               "&& document.getElementById('f-assignee').value === 'tech1'")
        self.assertEqual(b.eval("document.querySelector('#orders-body tr')"
                                ".dataset.id"), str(self.o1["id"]))

    def test_unsent_work_shows_in_sync_health_and_warns_a_reassignment(self):
        b = self.b
        wo = str(self.o1["id"])
        self.wo("tech1", "sync")
        # offline on the laptop: three ops; a sync that uploads only one
        self.wo("tech1", "accept", wo)
        self.wo("tech1", "note", wo, "on my way")
        self.wo("tech1", "note", wo, "gate code 1234")
        self.wo("tech1", "sync", env=dict(os.environ, WO_TEST_PUSH_LIMIT="1"))
        dev = self.tech_row("tech1") + ".querySelector('.dev')"
        b.wait("%s && %s.dataset.unsent === '2'" % (dev, dev))
        self.assertIn("2 unsent", b.eval(dev + ".textContent"))
        b.click('#orders-body tr[data-id="%s"]' % wo)
        b.wait("document.getElementById('assign-warning') !== null && "
               "!document.getElementById('assign-warning').classList"
               ".contains('hidden')")
        self.assertIn("2 unsent", b.text("#assign-warning"))
        b.screenshot("console-unsent-warning.png")
        # once the rest is up, the warning goes
        self.wo("tech1", "sync")
        b.wait("%s.dataset.unsent === '0'" % dev)

    def test_detail_shows_records_signatures_and_history(self):
        b = self.b
        wo = str(self.o1["id"])
        self.wo("tech1", "sync")
        for args in (["accept", wo], ["visit", "start", wo],
                     ["part", wo, "VLV-22", "--qty", "1", "--serial",
                      "SN-0042"],
                     ["note", wo, "Relief valve seized; replaced"],
                     ["visit", "end", wo, "--outcome", "done"],
                     ["sign", wo]):
            self.wo("tech1", *args)
        self.wo("tech1", "sync")
        b.wait("(() => { const td = document.querySelector("
               "'#orders-body tr[data-id=\"%s\"] td.status');"
               " return td && td.dataset.status === 'completed'; })()" % wo)
        b.click('#orders-body tr[data-id="%s"]' % wo)
        b.wait("document.querySelector('#detail .rec.sig') !== null")
        d = b.text("#detail")
        for s in ("VLV-22", "SN-0042", "Relief valve seized", "done",
                  "signature verified", "signed by the technician"):
            self.assertIn(s, d)
        self.assertEqual(b.count('#detail .rec.hist[data-kind='
                                 '"sign.technician"]'), 1)
        self.assertEqual(b.count("#detail .rec.sig.ok"), 1)
        b.screenshot("console-detail.png")

    def act(self, wo, button, **fields):
        """Open order wo, fill the detail's fields, press a button and
        wait for the server's answer on the banner."""
        b = self.b
        b.click('#orders-body tr[data-id="%s"]' % wo)
        b.wait("document.getElementById('detail').dataset.id === '%s' && "
               "document.getElementById('%s') !== null" % (wo, button))
        for sel, v in fields.items():
            b.fill("#" + sel, v)
        b.eval("document.getElementById('banner').textContent = ''")
        b.click("#" + button)
        b.wait("document.getElementById('banner').textContent !== ''")
        return b.text("#banner")

    def test_create_schedule_escalate_cancel_and_reopen_from_the_page(self):
        b = self.b
        self.enroll("tech3", "technician")
        self.srv_cmd(["user", "add", "l2tech", "--role", "technician",
                      "--data", self.data, "--quiet"])
        self.enroll("boss", "admin")
        self.wo("boss", "tier", "l2tech", "L2")
        # create, assigned at once
        b.click("#new-order")
        b.fill("#create-form [name=title]", "Chiller trips")
        b.select("#create-form [name=priority]", "P1")
        b.fill("#create-form [name=site]", "Plant 9")
        b.fill("#create-form [name=asset]", "CH-1")
        b.fill("#create-form [name=assignee]", "tech3")
        b.click("#create-btn")
        b.wait("document.getElementById('banner').textContent"
               ".includes('Recipient code')")
        m = __import__("re").search(r"Order (\d+) created.*: (\d+)",
                                    b.text("#banner"))
        wo, code = m.group(1), m.group(2)
        o = self.wo_json("disp0", "show", wo)
        self.assertEqual((o["title"], o["priority"], o["assignee"]),
                         ("Chiller trips", "P1", "tech3"))
        self.assertEqual(len(code), 8)
        b.wait("document.querySelector('#orders-body tr[data-id=\"%s\"]')"
               " !== null" % wo)
        # the next visit, typed in the console's zone (Asia/Jakarta)
        t = time.gmtime(time.time() + 2 * 86400)
        day = time.strftime("%Y-%m-%d", t)
        self.assertIn("updated", self.act(wo, "schedule-btn",
                                          **{"sched-from": day + "T09:00",
                                             "sched-to": day + "T11:00"}))
        o = self.wo_json("disp0", "show", wo)
        self.assertEqual(time.strftime("%Y-%m-%d %H:%M", time.gmtime(
            o["visit_start"] / 1000 + 7 * 3600)), day + " 09:00")
        # a bad window is refused with the server's reason, nothing changes
        msg = self.act(wo, "schedule-btn", **{"sched-from": day + "T11:00",
                                              "sched-to": day + "T09:00"})
        self.assertNotIn("updated", msg)
        # escalate: up a tier, to the L2 technician
        self.assertIn("updated", self.act(wo, "escalate-btn",
                                          **{"act-reason": "needs L2"}))
        o = self.wo_json("disp0", "show", wo)
        self.assertEqual((o["tier"], o["assignee"]), ("L2", "l2tech"))
        # cancel
        self.assertIn("updated", self.act(wo, "cancel-btn",
                                          **{"act-reason": "duplicate"}))
        self.assertEqual(self.wo_json("disp0", "show", wo)["status"],
                         "cancelled")
        b.wait("document.querySelector('#orders-body tr[data-id=\"%s\"]')"
               " === null" % wo)    # open orders only, by default
        # a disputed order is reopened to a technician
        o1 = str(self.o1["id"])
        self.wo("tech1", "sync")
        for args in (["accept", o1], ["visit", "start", o1],
                     ["visit", "end", o1, "--outcome", "done"],
                     ["sign", o1]):
            self.wo("tech1", *args)
        self.wo("tech1", "sync")
        self.wo("disp0", "dispute", o1, "--reason", "still leaks")
        b.wait("(() => { const td = document.querySelector("
               "'#orders-body tr[data-id=\"%s\"] td.status');"
               " return td && td.dataset.status === 'disputed'; })()" % o1)
        self.assertIn("updated", self.act(o1, "assign-btn",
                                          **{"assign-to": "tech2"}))
        o = self.wo_json("disp0", "show", o1)
        self.assertEqual((o["status"], o["assignee"]), ("reopened", "tech2"))


class ServiceDesk(ConsoleEnv):
    """Issue 14 through the console: each rule `wo` has, from the page."""

    def setUp(self):
        super().setUp()
        self.enroll("disp", "dispatcher")
        self.enroll("tech1", "technician")
        self.enroll("root", "admin")
        self.wo("root", "customer", "set", "ACME", "--external")
        self.wo("root", "customer", "set", "Globex")
        self.b = self.open_browser()
        self.enrol_browser(self.b, "boss", "admin")
        self.b.wait("document.body.dataset.desk === '1'")

    def banner_after(self, button):
        b = self.b
        b.eval("document.getElementById('banner').textContent = ''")
        b.click(button)
        b.wait("document.getElementById('banner').textContent !== ''")
        return b.text("#banner")

    def open_order(self, wo, ready="#detail .sla-explain"):
        b = self.b
        b.click('#orders-body tr[data-id="%s"]' % wo)
        b.wait("document.getElementById('detail').dataset.id === '%s' && "
               "document.querySelector('%s') !== null" % (wo, ready))

    def history_kinds(self, wo):
        return [x["kind"] for x in self.wo_json("disp", "history", str(wo))]

    def test_create_needing_authorisation_then_authorise_and_refuse(self):
        b = self.b
        b.click("#new-order")
        f = "#create-form "
        b.fill(f + "[name=title]", "Access to payroll share")
        b.select(f + "[name=type]", "request")
        b.fill(f + "[name=category]", "access")
        b.select(f + "[name=impact]", "high")
        b.select(f + "[name=urgency]", "low")
        # the priority as the matrix gives it, shown on the form
        b.wait("document.getElementById('create-matrix').textContent"
               ".includes('P2')")
        self.assertEqual(b.eval("document.querySelector('%s[name=priority]')"
                                ".value" % f), "P2")
        # bad input: the server's reason, nothing made
        b.fill(f + "[name=customer]", "Nobody Ltd")
        self.assertIn("no customer named", self.banner_after("#create-btn"))
        b.fill(f + "[name=customer]", "ACME")
        b.select(f + "[name=priority]", "P1")       # by hand: needs a reason
        self.assertIn("P2", self.banner_after("#create-btn"))
        self.assertEqual(self.wo_json("disp", "board"), [])
        b.select(f + "[name=priority]", "P2")
        b.fill(f + "[name=department]", "Finance")
        b.fill(f + "[name=requester]", "Sari")
        b.fill(f + "[name=requester_email]", "sari@acme.example")
        t = time.gmtime(time.time() + 3 * 86400)
        b.fill(f + "[name=deadline]", time.strftime("%Y-%m-%dT17:00", t))
        b.click(f + "[name=needs_authorisation]")
        b.fill(f + "[name=authoriser]", "Budi Santoso")
        b.fill(f + "[name=authoriser_email]", "budi@acme.example")
        b.screenshot("console-desk-create.png", full=True)
        msg = self.banner_after("#create-btn")
        self.assertIn("waits for authorisation", msg)
        wo = __import__("re").search(r"Order (\d+)", msg).group(1)
        # the code, once, in a box of its own
        code = b.text("#auth-code-value")
        self.assertRegex(code, r"^\d{8}$")
        self.assertIn("Budi Santoso", b.text("#auth-code"))
        b.screenshot("console-desk-auth-code.png")
        o = self.wo_json("disp", "show", wo)
        self.assertEqual((o["status"], o["type"], o["category"], o["customer"],
                          o["department"], o["impact"], o["urgency"],
                          o["priority"], o["requester_email"],
                          o["authoriser"]),
                         ("awaiting_authorisation", "request", "access",
                          "ACME", "Finance", "high", "low", "P2",
                          "sari@acme.example", "Budi Santoso"))
        self.assertEqual(time.strftime("%Y-%m-%d %H:%M", time.gmtime(
            o["deadline"] / 1000 + 7 * 3600)),
            time.strftime("%Y-%m-%d 17:00", t))        # typed in Jakarta
        b.click("#auth-code-done")
        self.assertEqual(b.eval("document.getElementById('auth-code')"
                                ".textContent"), "")
        # the detail shows the intake and the authorisation box
        b.select("#f-status", "all")
        b.wait("document.querySelector('#orders-body tr[data-id=\"%s\"]')"
               " !== null" % wo)
        self.open_order(wo, "#authorise-btn")
        # no SLA clock runs before the verdict
        self.assertEqual(b.eval("document.querySelector('#orders-body "
                                "tr[data-id=\"%s\"] td.sla').textContent"
                                % wo), "waits for authorisation: no clock "
                                       "runs")
        self.assertIn("no clock runs", b.text("#sla-waiting"))
        # not dispatched before its verdict: no assign, schedule, escalate
        self.assertEqual(b.count("#assign-btn, #schedule-btn, "
                                 "#escalate-btn"), 0)
        d = b.text("#detail .fields")
        for s in ("request", "access", "ACME", "Finance", "high × low",
                  "sari@acme.example", "Budi Santoso"):
            self.assertIn(s, d)
        # a wrong code: the server's reason, nothing authorised
        b.fill("#auth-code-in", "%08d" % ((int(code) + 1) % 100000000))
        self.assertIn("attempt 1 of 5", self.banner_after("#authorise-btn"))
        self.assertEqual(self.wo_json("disp", "show", wo)["status"],
                         "awaiting_authorisation")
        # a code that is not 8 digits never leaves the page
        b.fill("#auth-code-in", "12")
        self.assertIn("8 digits", self.banner_after("#authorise-btn"))
        b.fill("#auth-code-in", code)
        self.assertIn("authorised by Budi Santoso",
                      self.banner_after("#authorise-btn"))
        self.assertEqual(self.wo_json("disp", "show", wo)["status"], "new")
        b.wait("(() => { const td = document.querySelector("
               "'#orders-body tr[data-id=\"%s\"] td.status');"
               " return td && td.dataset.status === 'new'; })()" % wo)
        b.wait("document.getElementById('feed-list').textContent"
               ".includes('authorised by Budi Santoso')")
        h = [x for x in self.wo_json("disp", "history", wo)
             if x["kind"] == "authorise"][0]
        self.assertIn("signed statement verified", h["detail"])
        self.assertEqual(h["actor"], "boss")
        # a refusal on another, with its reason
        p = self.create(title="Admin rights", prio="P3",
                        **{"needs-authorisation": None, "authoriser": "Budi"})
        b.wait("document.querySelector('#orders-body tr[data-id=\"%d\"]')"
               " !== null" % p["id"])
        self.open_order(p["id"], "#refuse-btn")
        b.fill("#auth-code-in", p["authorisation_code"])
        self.assertIn("needs a reason", self.banner_after("#refuse-btn"))
        b.fill("#auth-code-in", p["authorisation_code"])
        b.fill("#auth-reason", "not needed for the job")
        self.assertIn("refused by Budi", self.banner_after("#refuse-btn"))
        self.assertEqual(self.wo_json("disp", "show", str(p["id"]))["status"],
                         "cancelled")
        h = [x for x in self.wo_json("disp", "history", str(p["id"]))
             if x["kind"] == "refuse"][0]
        self.assertIn("not needed for the job", h["detail"])
        b.wait("document.getElementById('feed-list').textContent"
               ".includes('refused by Budi: not needed for the job')")

    def test_edit_note_void_marks_and_remote_resolve(self):
        b = self.b
        self.wo("root", "agreement", "set", "ACME", "--from", "now", "--tz",
                "Asia/Jakarta", "--hours", "24x7", "--target", "P1=30m/4h",
                "P3=4h/16h")
        o = self.create(title="Teller PC slow", prio="P3", assign="tech1",
                        customer="ACME")
        wo = str(o["id"])
        before = self.wo_json("disp", "show", wo)
        b.wait("document.querySelector('#orders-body tr[data-id=\"%s\"]')"
               " !== null" % wo)
        self.open_order(wo)
        # the SLA explanation, as `wo sla` gives it
        why = self.wo_json("disp", "sla", wo)
        self.assertEqual(b.text("#sla-why"), why["why"])
        self.assertIn("ACME", why["why"])
        self.assertEqual(b.text("#sla-version"), "ACME, version 1")
        self.assertIn("P1 30m / 4h", b.text("#sla-targets"))
        self.assertIn("P3 4h / 16h", b.text("#sla-targets"))
        # edit the priority with a reason: the targets are recomputed
        b.click("#edit-btn")
        b.select("#edit-priority", "P1")
        self.assertIn("needs a reason", self.banner_after("#edit-save"))
        self.assertEqual(self.wo_json("disp", "show", wo)["priority"], "P3")
        b.fill("#edit-reason", "whole branch is down")
        self.assertIn("edited", self.banner_after("#edit-save"))
        after = self.wo_json("disp", "show", wo)
        self.assertEqual(after["priority"], "P1")
        self.assertLess(after["response_due"], before["response_due"])
        # P1 under ACME's agreement: 30 minutes from the edit
        self.assertLessEqual(after["response_due"] - int(time.time() * 1000),
                             30 * 60000)
        b.wait("document.querySelector('#detail .rec.hist[data-kind="
               "\"sla.recomputed\"]') !== null")
        line = b.text('#detail .rec.hist[data-kind="edit"]')
        self.assertIn("boss", line)
        self.assertIn("whole branch is down", line)
        self.assertIn("P3", line)
        self.assertIn(b.eval("I18n.time(%d)" % after["response_due"]),
                      b.text("#sla-response-due"))
        # an office note reaches the technician's laptop at its next sync
        b.fill("#note-text", "Call the branch manager before you go")
        self.assertIn("Note added", self.banner_after("#note-btn"))
        self.wo("tech1", "sync")
        notes = self.wo_json("tech1", "show", wo)["notes"]
        self.assertIn(("boss", "Call the branch manager before you go"),
                      [(n["author"], n["text"]) for n in notes])
        # a technician's void shows on the record, with why
        self.wo("tech1", "accept", wo)
        n = self.wo_json("tech1", "note", wo, "Replaced the PSU")
        self.wo("tech1", "void", wo, n["op"], "--reason", "wrong order")
        self.wo("tech1", "sync")
        b.wait("document.querySelector('#detail .rec.note .void') !== null")
        self.assertIn("VOID by tech1", b.text("#detail .rec.note .void"))
        self.assertIn("wrong order", b.text("#detail .rec.note .void"))
        b.screenshot("console-desk-detail.png", full=True)
        # the desk's remote resolution, with what was done
        b.fill("#resolve-text", "Cleared the print spooler remotely")
        self.assertIn("resolved remotely", self.banner_after("#resolve-btn"))
        d = self.wo_json("disp", "show", wo)
        self.assertEqual((d["status"], d["remote"]), ("completed", True))
        self.assertIn("resolve.remote", self.history_kinds(wo))
        b.wait("document.getElementById('detail').textContent"
               ".includes('remotely, no site visit')")
        b.wait("document.getElementById('feed-list').textContent"
               ".includes('resolved remotely by boss: Cleared the print "
               "spooler remotely')")

    def test_agreement_version_through_the_form(self):
        b = self.b
        b.click("#nav-agreements")
        b.wait("document.body.dataset.view === 'agreements' && "
               "document.body.dataset.agreements !== undefined")
        b.select("#ag-set-customer", "ACME")
        b.fill("#ag-form [name=tz]", "Asia/Jakarta")
        b.fill("#ag-form [name=hours]", "Mon-Fri 08:00-17:00")
        b.fill("#ag-form [name=holidays]", "2027-01-11, 2027-03-29")
        b.fill("#ag-form [name=tP1]", "30m/6h")
        # bad input: the server's reason, nothing stored
        b.fill("#ag-form [name=tP3]", "soon")
        self.assertNotIn("added", self.banner_after("#ag-save"))
        self.assertEqual(self.wo_json("disp", "agreement", "show", "ACME"), [])
        b.fill("#ag-form [name=tP3]", "4h/16h")
        self.assertIn("version 1 added", self.banner_after("#ag-save"))
        a = self.wo_json("disp", "agreement", "show", "ACME")
        self.assertEqual(len(a), 1)
        a = a[0]
        self.assertEqual((a["version"], a["tz"], a["hours"], a["holidays"],
                          a["created_by"]),
                         (1, "Asia/Jakarta", "Mon-Fri 08:00-17:00",
                          "2027-01-11,2027-03-29", "boss"))
        self.assertEqual(a["targets"]["P1"], {"response_ms": 30 * 60000,
                                              "resolve_ms": 6 * 3600000})
        self.assertEqual(a["targets"]["P3"]["resolve_ms"], 16 * 3600000)
        b.wait("document.querySelector('#ag-body tr[data-customer=\"ACME\"]"
               "[data-version=\"1\"]') !== null")
        # customers and categories, set from the same view
        b.fill("#ca-form [name=name]", "payroll")
        b.select("#ca-form [name=needs]", "on")
        self.assertIn("Saved", self.banner_after("#ca-save"))
        cats = {c["name"]: c for c in self.wo_json("disp", "category",
                                                   "show")}
        self.assertTrue(cats["payroll"]["needs_authorisation"])
        b.wait("document.querySelector('#ca-body tr[data-category="
               "\"payroll\"]') !== null")
        # the priority matrix, one cell changed by the admin
        b.eval("document.getElementById('banner').textContent = ''")
        b.select('#mx-table select[data-cell="high/low"]', "P1")
        b.wait("document.getElementById('banner').textContent"
               ".includes('Saved')")
        self.assertIn({"impact": "high", "urgency": "low", "priority": "P1"},
                      self.wo_json("disp", "matrix", "show"))
        b.screenshot("console-desk-agreements.png", full=True)

    def test_reports_filtered_by_customer_match_wo_report(self):
        b = self.b
        self.create(title="Boiler", prio="P2", customer="ACME",
                    requester="Sari", department="Finance",
                    category="hardware")
        self.create(title="Install Excel", prio="P3", customer="ACME",
                    requester="Sari", department="Finance",
                    category="software", type="request")
        self.create(title="Dead PC", prio="P3", customer="Globex",
                    requester="Joko", department="IT", category="hardware")
        b.click("#nav-reports")
        for name, key in (("requesters", "requester"),
                          ("customers", "customer"),
                          ("categories", "category")):
            for cust in ("ACME", ""):
                b.select("#rp-name", name)
                b.select("#rp-customer", cust)
                b.wait("document.body.dataset.report && document.body"
                       ".dataset.report.startsWith('%s/%s/')" % (name, cust))
                args = ["report", name] + (["--customer", cust] if cust
                                           else [])
                want = {r[key]: r for r in self.wo_json("disp", *args)}
                got = b.eval("[...document.querySelectorAll('#rp-body tr')]"
                             ".map((tr) => [tr.dataset.key, +tr.querySelector("
                             "'[data-col=orders]').textContent, +tr"
                             ".querySelector('[data-col=requests]')"
                             ".textContent])")
                self.assertEqual(sorted(got), sorted(
                    [k, r["orders"], r["requests"]] for k, r in want.items()))
        b.select("#rp-name", "requesters")
        b.select("#rp-customer", "ACME")
        b.wait("document.body.dataset.report === 'requesters/ACME/1'")
        self.assertEqual(b.count("#rp-body tr"), 1)
        # the CSV download is what `wo report --csv` writes
        b.select("#rp-name", "customers")
        b.select("#rp-customer", "")
        b.wait("document.body.dataset.report === 'customers//2'")
        got = b.eval("Desk.csv()")
        self.assertTrue(got.endswith("\r\n"))
        self.assertEqual(got.replace("\r\n", "\n"), self.wo(
            "disp", "report", "customers", "--csv").stdout)  # text mode
        b.screenshot("console-desk-report.png")


class Language(ConsoleEnv):
    def test_bahasa_indonesia_and_the_servers_time_zone(self):
        self.srv_cmd(["tz", "Asia/Jakarta", "--data", self.data])
        self.enroll("disp0", "dispatcher")
        o = self.wo_json("disp0", "create", "--title", "Pompa bocor",
                         "--priority", "P2")
        b = Browser(os.path.join(self.dir, "browser.log"),
                    os.path.join(self.data, "tls", "server.pem"),
                    locale="id-ID", timezone="UTC")
        self.addCleanup(b.close)
        self.enrol_browser(b)
        self.assertEqual(b.eval("document.documentElement.lang"), "id")
        self.assertEqual(b.text("#orders-panel h2"), "Perintah kerja")
        self.assertEqual(b.text('#orders-body tr td.status'), "baru")
        self.assertIn("Asia/Jakarta", b.text("#who"))
        # the order's opening time in Jakarta (UTC+7), not the browser's UTC
        b.click('#orders-body tr[data-id="%d"]' % o["id"])
        b.wait("document.querySelector('#detail .fields') !== null")
        created = b.eval("woConsole.state.detail.created_at")
        wib = time.strftime("%Y-%m-%d %H:%M",
                            time.gmtime(created / 1000 + 7 * 3600))
        self.assertIn(wib, b.text("#detail .fields"))
        # the service desk's words too
        self.assertEqual(b.text("#nav-reports"), "Laporan")
        self.assertEqual(b.text("#edit-btn"), "Ubah")
        self.assertIn("Tanggapi sebelum", b.text("#detail .sla-explain"))
        b.screenshot("console-id.png")


if __name__ == "__main__":
    unittest.main()

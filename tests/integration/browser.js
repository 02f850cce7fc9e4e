// browser.js - a real headless Chromium (Debian's /usr/bin/chromium)
// driven by playwright-core, for tests/integration/browser.py.
//
// It reads one JSON request a line on stdin, {id, op, ...}, does it, and
// writes one JSON answer a line on stdout, {id, ok, value} or {id, ok:
// false, error}. The page's console and errors go to stderr, which the
// test keeps in its log. It exits when stdin closes.
"use strict";

const readline = require("readline");
const { chromium } = require("playwright-core");

let browser = null;
let context = null;
let page = null;

function chromiumPath() {
  return process.env.WO_CHROMIUM || "/usr/bin/chromium";
}

const ops = {
  // spki: base64 SHA-256 of the server certificate's public key, the one
  // certificate this browser accepts besides the system's trusted ones
  async launch({ spki, locale, timezone }) {
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: [`--ignore-certificate-errors-spki-list=${spki}`,
             "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    });
    context = await browser.newContext({
      locale: locale || "en-GB",
      timezoneId: timezone || "UTC",
      viewport: { width: 1500, height: 950 },
    });
    page = await context.newPage();
    page.on("console", (m) => process.stderr.write(`[page ${m.type()}] ${m.text()}\n`));
    page.on("pageerror", (e) => process.stderr.write(`[page error] ${e.message}\n`));
    return true;
  },
  async goto({ url }) {
    const r = await page.goto(url);
    return r ? { status: r.status(), headers: r.headers() } : null;
  },
  async reload() {
    await page.reload();
    return true;
  },
  async fill({ sel, value }) {
    await page.fill(sel, value);
    return true;
  },
  async click({ sel }) {
    await page.click(sel);
    return true;
  },
  async select({ sel, value }) {
    await page.selectOption(sel, value);
    return true;
  },
  async text({ sel }) {
    return await page.textContent(sel);
  },
  async count({ sel }) {
    return await page.locator(sel).count();
  },
  // wait until a JavaScript expression is true on the page; returns the
  // milliseconds it took. Polled with evaluate (the DevTools protocol)
  // every 10 ms: waitForFunction compiles its predicate inside the page,
  // which the console's Content-Security-Policy (no eval) forbids.
  async wait({ expr, timeout }) {
    const t0 = Date.now();
    const limit = t0 + (timeout || 10000);
    for (;;) {
      let v = false;
      try {
        v = await page.evaluate(expr);
      } catch (e) {
        if (!/context was destroyed|navigation/i.test(String(e)))
          throw e;
      }
      if (v)
        return Date.now() - t0;
      if (Date.now() > limit)
        throw new Error(`timed out after ${timeout || 10000} ms waiting for ${expr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  },
  async eval({ expr }) {
    return await page.evaluate(expr);
  },
  async screenshot({ path, full }) {
    await page.screenshot({ path, fullPage: !!full });
    return path;
  },
  async close() {
    if (browser)
      await browser.close();
    browser = null;
    return true;
  },
};

const rl = readline.createInterface({ input: process.stdin });
let chain = Promise.resolve();
rl.on("line", (line) => {
  chain = chain.then(async () => {
    let req;
    try {
      req = JSON.parse(line);
      const value = await ops[req.op](req);
      process.stdout.write(JSON.stringify({ id: req.id, ok: true,
                                            value: value === undefined ? null : value }) + "\n");
    } catch (e) {
      process.stdout.write(JSON.stringify({ id: req && req.id, ok: false,
                                            error: String(e && e.message || e) }) + "\n");
    }
  });
});
rl.on("close", () => {
  chain.then(async () => {
    if (browser)
      await browser.close().catch(() => {});
    process.exit(0);
  });
});

// The kiosk flow end to end in a real browser: Debian's chromium (headless, driven by
// playwright-core, which never downloads a browser here) against `mynacard serve --ui` on a
// loopback port, with the virtual card served into vpcd by `mynacard sim serve`. Insertion
// shows the tries left and the keypad, the keypad takes the PIN, the authentication result
// shows, removal resets the page and leaves nothing of the holder or the PIN in it.
// Screenshots go to $KIOSK_ARTIFACTS (target/kiosk-artifacts).
//
// The PIN-pad branch of the page (second test) runs against a stubbed `/v1/card` answer:
// vpcd's readers have no PIN pad, so the service truly says `pinpad: false`; the test takes
// the service's real answer and sets `pinpad: true` in it (nothing else is changed or
// intercepted). The page then sends `pinpad: true` to the real service, which refuses it
// because the reader has no pad. A real pad reader is untested here.
//
// Run by scripts/kiosk-browser-test (inside scripts/with-pcscd), which sets MYNACARD_BIN,
// KIOSK_READER and KIOSK_ARTIFACTS. Every process started here is stopped by its PID.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { chromium } from "playwright-core";

const BIN = process.env.MYNACARD_BIN;
const READER = process.env.KIOSK_READER || "Virtual PCD 00 00";
const ARTIFACTS = process.env.KIOSK_ARTIFACTS || "target/kiosk-artifacts";
const CHROMIUM = process.env.KIOSK_CHROMIUM || "/usr/bin/chromium";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

function start(args) {
  const child = spawn(BIN, args, { stdio: ["ignore", "ignore", "inherit"] });
  return child;
}

async function stop(child) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(child.pid, "SIGTERM");
  await Promise.race([exited, sleep(10000)]);
  if (child.exitCode === null) process.kill(child.pid, "SIGKILL");
}

async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting for " + what);
    await sleep(100);
  }
}

/// Launch Debian's chromium headless, without a sandbox, network extras or a profile.
function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    ],
  });
}

test("kiosk page: insert, PIN on the keypad, authenticated, remove, reset", async () => {
  assert.ok(BIN, "MYNACARD_BIN is not set (run scripts/kiosk-browser-test)");
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "kiosk-"));
  const port = await freePort();
  const tokenFile = join(dir, "token");
  const service = start([
    "serve", "-q", "--ui", "--reader", READER,
    "--listen", `127.0.0.1:${port}`, "--token-file", tokenFile,
    "--audit-log", join(dir, "audit.log"),
  ]);
  let sim = null;
  let browser = null;
  try {
    await until("the token file", () => existsSync(tokenFile));
    const token = readFileSync(tokenFile, "utf8").trim();
    browser = await launch();
    const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
    const url = `http://127.0.0.1:${port}/#token=${token}`;
    await until("the service", async () => {
      try { return (await page.goto(url)).ok(); } catch (_) { return false; }
    });
    const state = () => page.evaluate(() => document.body.dataset.state);
    assert.equal(await state(), "waiting");
    assert.ok(!page.url().includes(token), "the token stays in the address bar");
    await page.screenshot({ path: join(ARTIFACTS, "1-waiting.png") });

    // The card arrives: the page shows the tries left and the keypad.
    sim = start(["sim", "serve", "-q", "--vpcd", "127.0.0.1:35963"]);
    await until("the PIN screen", async () => (await state()) === "pin");
    assert.match(await page.textContent("#tries"), /残り 3 回/);
    await page.screenshot({ path: join(ARTIFACTS, "2-pin.png") });
    if (process.env.KIOSK_DOC_SHOT) await page.screenshot({ path: process.env.KIOSK_DOC_SHOT });

    // A wrong PIN first: the page says so and asks again with the new count.
    for (const k of "0000") await page.click(`#keypad button[data-key="${k}"]`);
    await page.click("#ok");
    await until("the wrong-PIN message", async () => (await state()) === "pin" && !(await page.isHidden("#pin-error")));
    assert.match(await page.textContent("#pin-error"), /残り 2 回/);
    assert.match(await page.textContent("#tries"), /残り 2 回/);

    for (const k of "1234") await page.click(`#keypad button[data-key="${k}"]`);
    assert.equal(await page.textContent("#pin-dots"), "●●●●");
    await page.click("#ok");
    await until("the result", async () => (await state()) === "done");
    assert.match(await page.textContent("#result"), /本人確認ができました/);
    await page.screenshot({ path: join(ARTIFACTS, "3-done.png") });

    // The card leaves: back to the start, nothing of the holder or the PIN kept.
    await stop(sim);
    sim = null;
    await until("the reset", async () => (await state()) === "waiting");
    assert.equal(await page.textContent("#result"), "");
    assert.equal(await page.textContent("#pin-dots"), "");
    const html = await page.content();
    assert.ok(!html.includes("1234") && !html.includes("花子"), "the page keeps holder data or the PIN");
    await page.screenshot({ path: join(ARTIFACTS, "4-reset.png") });

    // The audit log names the kiosk's purpose, never the PIN.
    const audit = readFileSync(join(dir, "audit.log"), "utf8");
    assert.match(audit, /"purpose":"kiosk identity check"/);
    assert.ok(!audit.includes("\"1234\""));
  } finally {
    if (browser) await browser.close();
    await stop(sim);
    await stop(service);
  }
});

test("kiosk page: a reader with a PIN pad asks for the PIN on the reader and sends pinpad: true", async () => {
  assert.ok(BIN, "MYNACARD_BIN is not set (run scripts/kiosk-browser-test)");
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "kiosk-"));
  const port = await freePort();
  const tokenFile = join(dir, "token");
  const service = start([
    "serve", "-q", "--ui", "--reader", READER,
    "--listen", `127.0.0.1:${port}`, "--token-file", tokenFile,
  ]);
  let sim = null;
  let browser = null;
  try {
    await until("the token file", () => existsSync(tokenFile));
    const token = readFileSync(tokenFile, "utf8").trim();
    const base = `http://127.0.0.1:${port}`;
    const call = async (method, path, body) => {
      const r = await fetch(base + path, {
        method,
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: r.status, json: await r.json() };
    };
    sim = start(["sim", "serve", "-q", "--vpcd", "127.0.0.1:35963"]);
    await until("the card", async () => {
      try { return (await call("GET", "/v1/card")).json.present === true; } catch (_) { return false; }
    });
    const real = await call("GET", "/v1/card");
    assert.equal(real.json.pinpad, false, "vpcd's reader has no PIN pad");
    // Two wrong PINs through the API: one try left, so the page waits for "Continue".
    for (const left of [2, 1]) {
      const r = await call("POST", "/v1/authenticate", { challenge: "Yw==", pin: "0000" });
      assert.equal(r.json.error.code, "wrong-pin");
      assert.match(r.json.error.message, new RegExp(`${left} tr`));
    }

    browser = await launch();
    const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
    // The stub: the service's own answer, with pinpad set to true.
    await page.route(/\/v1\/card(\?.*)?$/, async (route) => {
      const response = await route.fetch();
      const json = await response.json();
      if (json.present) json.pinpad = true;
      await route.fulfill({ response, json });
    });
    const sent = [];
    page.on("request", (req) => {
      if (req.url().includes("/v1/authenticate")) sent.push(JSON.parse(req.postData() || "{}"));
    });
    await page.goto(`${base}/#token=${token}`);
    const state = () => page.evaluate(() => document.body.dataset.state);
    await until("the PIN-pad screen", async () => (await state()) === "pad");
    assert.match(await page.textContent("#screen-pad"), /暗証番号をカードリーダーで入力してください/);
    assert.match(await page.textContent("#screen-pad"), /Enter the PIN on the reader/);
    assert.match(await page.textContent("#pad-tries"), /残り 1 回/);
    assert.ok(await page.isVisible("#pad-last-try"), "no last-try warning");
    assert.ok(await page.isHidden("#keypad"), "the on-screen keypad shows with a PIN pad");
    assert.deepEqual(sent, [], "the last try was spent before the user said so");
    await page.screenshot({ path: join(ARTIFACTS, "5-pinpad.png") });

    await page.click("#pad-start");
    await until("the answer", async () => (await state()) === "error");
    assert.equal(sent.length, 1);
    assert.equal(sent[0].pinpad, true);
    assert.equal(sent[0].allow_last_try, true);
    assert.ok(!("pin" in sent[0]), "a PIN was sent with pinpad: true");
    // The real service: this reader has no pad (usage), and no try was spent.
    assert.match(await page.textContent("#error-text"), /このカードリーダーでは暗証番号を入力できません/);
    await page.screenshot({ path: join(ARTIFACTS, "6-pinpad-refused.png") });
    const after = await call("GET", "/v1/card");
    assert.equal(after.json.pins.find((p) => p.pin === "auth").tries_left, 1);
  } finally {
    if (browser) await browser.close();
    await stop(sim);
    await stop(service);
  }
});

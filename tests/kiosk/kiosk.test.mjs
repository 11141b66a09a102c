// The kiosk flow end to end in a real browser: Debian's chromium (headless, driven by
// playwright-core, which never downloads a browser here) against `mynacard serve --ui` on a
// loopback port, with the virtual card served into vpcd by `mynacard sim serve`. Insertion
// shows the tries left and the keypad, the keypad takes the PIN, the authentication result
// shows, removal resets the page and leaves nothing of the holder or the PIN in it.
// Screenshots go to $KIOSK_ARTIFACTS (target/kiosk-artifacts).
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
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
      ],
    });
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

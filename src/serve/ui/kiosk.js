// The kiosk page of `mynacard serve --ui` (src/serve/ui.rs). States: waiting → pin (the
// on-screen keypad) or pad (the reader has a PIN pad: /v1/card says `pinpad: true`, the PIN
// is typed on the reader and the request says `pinpad: true`) → working → done/error/blocked
// → (card removed) → waiting. Requests name the reader of the card_inserted event
// (`?reader=`). Nothing about the holder is shown or kept: the PIN lives in one variable,
// cleared after use and on removal.
"use strict";

(() => {
  // On TCP the token comes in the URL fragment (never sent to the server); drop it from
  // the address bar.
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get("token");
  if (location.hash) history.replaceState(null, "", location.pathname);
  const auth = token ? { Authorization: "Bearer " + token } : {};

  const $ = (id) => document.getElementById(id);
  let pin = "";
  let lastTry = false;
  let reader = null; // the reader of the card on screen (from its card_inserted event)
  let state = "waiting";

  // Every message the page shows, Japanese first with English.
  const MSG = {
    tries: (n) => `残り ${n} 回 / ${n} ${n === 1 ? "try" : "tries"} left`,
    ok: "本人確認ができました / You have been identified",
    wrongPin: (n) => `暗証番号が違います（残り ${n} 回） / Wrong PIN (${n} left)`,
    removed: "カードが取り外されました / The card was removed",
    busy: "ただいま混み合っています。もう一度お試しください / Busy: please try again",
    failed: "認証できませんでした / Authentication failed",
    noPad: "このカードリーダーでは暗証番号を入力できません / This reader cannot take the PIN",
    offline: "サービスに接続できません / Cannot reach the service",
  };

  function show(s) {
    state = s;
    document.body.dataset.state = s;
  }

  function reset() {
    pin = "";
    lastTry = false;
    reader = null;
    $("pin-dots").textContent = "";
    $("tries").textContent = "";
    $("result").textContent = "";
    $("error-text").textContent = "";
    $("pin-error").hidden = true;
    $("pin-error").textContent = "";
    $("last-try").hidden = true;
    $("ok").disabled = true;
    $("pad-tries").textContent = "";
    $("pad-last-try").hidden = true;
    $("pad-error").hidden = true;
    $("pad-error").textContent = "";
    $("pad-start").hidden = true;
    show("waiting");
  }

  function renderPin() {
    $("pin-dots").textContent = "●".repeat(pin.length);
    $("ok").disabled = pin.length !== 4;
  }

  async function api(method, path, body) {
    const headers = Object.assign({}, auth);
    if (body) headers["Content-Type"] = "application/json";
    const r = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined, cache: "no-store" });
    let json = null;
    try { json = await r.json(); } catch (_) { json = null; }
    return { status: r.status, json };
  }

  // `path` for the reader of the card on screen.
  function onReader(path) {
    return reader === null ? path : path + "?reader=" + encodeURIComponent(reader);
  }

  async function cardArrived(from) {
    if (state !== "waiting") return;
    reader = from === undefined ? null : from;
    show("working");
    const r = await api("GET", onReader("/v1/card"));
    if (r.status !== 200 || !r.json || !r.json.present) {
      if (r.json && r.json.error && r.json.error.code === "card-busy") {
        $("error-text").textContent = MSG.busy;
        show("error");
      } else if (r.status === 200 || r.status === 400) {
        // No card after all, or a reader this service does not serve.
        reader = null;
        show("waiting");
      } else {
        $("error-text").textContent = MSG.failed;
        show("error");
      }
      return;
    }
    const authPin = (r.json.pins || []).find((p) => p.pin === "auth");
    if (!authPin || authPin.status === "blocked") {
      show("blocked");
      return;
    }
    if (r.json.pinpad === true) askPad(authPin.tries_left, true);
    else askPin(authPin.tries_left);
  }

  // The reader has a PIN pad: the PIN is typed there while the request runs. Sent at once,
  // except on the last try and after a wrong PIN, which wait for "Continue".
  function askPad(tries, now) {
    $("pad-tries").textContent = MSG.tries(tries);
    lastTry = tries === 1;
    $("pad-last-try").hidden = !lastTry;
    $("pad-start").hidden = now && !lastTry;
    show("pad");
    if (now && !lastTry) authenticate();
  }

  function askPin(tries) {
    pin = "";
    renderPin();
    $("tries").textContent = MSG.tries(tries);
    lastTry = tries === 1;
    $("last-try").hidden = !lastTry;
    show("pin");
  }

  function randomChallenge() {
    const bytes = new Uint8Array(32);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode(...bytes));
  }

  async function authenticate() {
    const onPad = state === "pad";
    if (!onPad && pin.length !== 4) return;
    const body = { challenge: randomChallenge(), allow_last_try: lastTry, purpose: "kiosk identity check" };
    if (onPad) body.pinpad = true;
    else body.pin = pin;
    pin = "";
    renderPin();
    $("pad-start").hidden = true;
    $("pad-error").hidden = true;
    // On the pad the screen keeps asking for the PIN while the reader waits for it.
    if (!onPad) show("working");
    const during = state;
    let r;
    try {
      r = await api("POST", onReader("/v1/authenticate"), body);
    } finally {
      if (body.pin) body.pin = "";
    }
    if (state !== during) return; // the card left meanwhile
    if (r.status === 200) {
      $("result").textContent = MSG.ok;
      show("done");
      return;
    }
    const code = r.json && r.json.error ? r.json.error.code : "";
    if (code === "wrong-pin") {
      const m = /(\d+) tr/.exec(r.json.error.message || "");
      const left = m ? Number(m[1]) : 0;
      const where = onPad ? "pad-error" : "pin-error";
      if (onPad) askPad(left, false);
      else askPin(left);
      $(where).textContent = MSG.wrongPin(left);
      $(where).hidden = false;
    } else if (code === "pin-blocked") {
      show("blocked");
    } else if (code === "no-card") {
      reset();
    } else {
      $("error-text").textContent = code === "card-busy" ? MSG.busy : onPad && code === "usage" ? MSG.noPad : MSG.failed;
      show("error");
    }
  }

  function onEvent(e) {
    if (e.event === "card_inserted" && e.jpki !== false) cardArrived(e.reader);
    if ((e.event === "card_removed" || e.event === "reader_removed") && (reader === null || e.reader === reader)) reset();
  }

  // Server-sent events over fetch (EventSource cannot send the token).
  async function follow() {
    for (;;) {
      try {
        const r = await fetch("/v1/events", { headers: auth, cache: "no-store" });
        if (!r.ok || !r.body) throw new Error("events " + r.status);
        $("connection").textContent = "";
        const reader = r.body.getReader();
        const dec = new TextDecoder();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true });
          let i;
          while ((i = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("");
            if (data) {
              try { onEvent(JSON.parse(data)); } catch (_) { /* not an event */ }
            }
          }
        }
      } catch (_) {
        $("connection").textContent = MSG.offline;
      }
      await new Promise((res) => setTimeout(res, 1000));
    }
  }

  document.querySelectorAll("#keypad button[data-key]").forEach((b) => {
    b.addEventListener("click", () => {
      if (state !== "pin" || pin.length >= 4) return;
      pin += b.dataset.key;
      renderPin();
    });
  });
  $("clear").addEventListener("click", () => { pin = ""; renderPin(); });
  $("ok").addEventListener("click", authenticate);
  $("pad-start").addEventListener("click", authenticate);

  reset();
  follow();
  // A card already there when the page loads (or the in-process `sim` card, which has no
  // PC/SC events).
  api("GET", "/v1/card").then((r) => { if (r.status === 200 && r.json && r.json.present) cardArrived(); }).catch(() => {});
})();

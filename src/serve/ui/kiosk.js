// The kiosk page of `mynacard serve --ui` (src/serve/ui.rs). States: waiting → pin →
// working → done/error/blocked → (card removed) → waiting. Nothing about the holder is
// shown or kept: the PIN lives in one variable, cleared after use and on removal.
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
  let state = "waiting";

  // Every message the page shows, Japanese first with English.
  const MSG = {
    tries: (n) => `残り ${n} 回 / ${n} ${n === 1 ? "try" : "tries"} left`,
    ok: "本人確認ができました / You have been identified",
    wrongPin: (n) => `暗証番号が違います（残り ${n} 回） / Wrong PIN (${n} left)`,
    removed: "カードが取り外されました / The card was removed",
    busy: "ただいま混み合っています。もう一度お試しください / Busy: please try again",
    failed: "認証できませんでした / Authentication failed",
    offline: "サービスに接続できません / Cannot reach the service",
  };

  function show(s) {
    state = s;
    document.body.dataset.state = s;
  }

  function reset() {
    pin = "";
    lastTry = false;
    $("pin-dots").textContent = "";
    $("tries").textContent = "";
    $("result").textContent = "";
    $("error-text").textContent = "";
    $("pin-error").hidden = true;
    $("pin-error").textContent = "";
    $("last-try").hidden = true;
    $("ok").disabled = true;
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

  async function cardArrived() {
    if (state !== "waiting") return;
    show("working");
    const r = await api("GET", "/v1/card");
    if (r.status !== 200 || !r.json || !r.json.present) {
      if (r.json && r.json.error && r.json.error.code === "card-busy") {
        $("error-text").textContent = MSG.busy;
        show("error");
      } else if (r.status === 200) {
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
    askPin(authPin.tries_left);
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
    if (pin.length !== 4) return;
    const body = { challenge: randomChallenge(), pin, allow_last_try: lastTry, purpose: "kiosk identity check" };
    pin = "";
    renderPin();
    show("working");
    let r;
    try {
      r = await api("POST", "/v1/authenticate", body);
    } finally {
      body.pin = "";
    }
    if (state !== "working") return; // the card left meanwhile
    if (r.status === 200) {
      $("result").textContent = MSG.ok;
      show("done");
      return;
    }
    const code = r.json && r.json.error ? r.json.error.code : "";
    if (code === "wrong-pin") {
      const m = /(\d+) tr/.exec(r.json.error.message || "");
      const left = m ? Number(m[1]) : 0;
      askPin(left);
      $("pin-error").textContent = MSG.wrongPin(left);
      $("pin-error").hidden = false;
    } else if (code === "pin-blocked") {
      show("blocked");
    } else if (code === "no-card") {
      reset();
    } else {
      $("error-text").textContent = code === "card-busy" ? MSG.busy : MSG.failed;
      show("error");
    }
  }

  function onEvent(e) {
    if (e.event === "card_inserted" && e.jpki !== false) cardArrived();
    if (e.event === "card_removed" || e.event === "reader_removed") reset();
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

  reset();
  follow();
  // A card already there when the page loads (or the in-process `sim` card, which has no
  // PC/SC events).
  api("GET", "/v1/card").then((r) => { if (r.status === 200 && r.json && r.json.present) cardArrived(); }).catch(() => {});
})();

/* Agora pages: the few things htmx does not do. No build step; plain ES2020.
 * - Agora.api(path, options): fetch /api/v1 with the session cookie and the CSRF header,
 *   JSON in and out; rejects with the problem+json body on an error.
 * - Agora.track(event): queue a behaviour event (id, time and session added), sent in
 *   batches to /api/v1/events; flushed when the page is hidden.
 * - htmx swaps error answers too (the server renders them as fragments).
 */
(function () {
  "use strict";
  const meta = (name) => (document.querySelector(`meta[name="${name}"]`) || {}).content || "";

  async function api(path, options = {}) {
    const headers = Object.assign({ "Accept": "application/json" }, options.headers || {});
    const init = { method: options.method || "GET", credentials: "same-origin", headers };
    if (init.method !== "GET" && init.method !== "HEAD") headers["X-CSRF-Token"] = meta("csrf-token");
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    if (options.keepalive) init.keepalive = true;
    const response = await fetch(path, init);
    const text = await response.text();
    const body = text ? JSON.parse(text) : null;
    if (!response.ok) throw Object.assign(new Error((body && body.detail) || response.statusText), { problem: body, status: response.status });
    return body;
  }

  const queue = [];
  let timer = null;
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function track(event) {
    const sid = meta("agora-session");
    if (!sid) return;
    queue.push(Object.assign({ id: uuid(), occurred_at: new Date().toISOString(), session_id: sid, channel: "web" }, event));
    if (queue.length >= 20) flush();
    else if (!timer) timer = setTimeout(flush, 1500);
  }
  function flush(keepalive) {
    clearTimeout(timer); timer = null;
    if (!queue.length) return Promise.resolve();
    const events = queue.splice(0, queue.length);
    return api("/api/v1/events", { method: "POST", body: { events }, keepalive: !!keepalive })
      .catch(() => { /* behaviour events are best effort */ });
  }
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flush(true); });

  // Elements with data-track='{"type":"click",...}' send that event when clicked.
  document.addEventListener("click", (e) => {
    const el = e.target.closest("[data-track]");
    if (!el) return;
    try { track(JSON.parse(el.dataset.track)); flush(true); } catch (_) { /* malformed: ignore */ }
  });
  // Elements with data-track-view send their event once, when the page loads.
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-track-view]").forEach((el) => {
      try { track(JSON.parse(el.dataset.trackView)); } catch (_) { /* ignore */ }
    });
    if (window.htmx) {
      htmx.config.responseHandling = [
        { code: "204", swap: false },
        { code: "[23]..", swap: true },
        { code: "[45]..", swap: true, error: true },
      ];
    }
  });

  window.Agora = { api, track, flush, meta };
})();

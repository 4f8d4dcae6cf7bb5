/* The procurement chat (docs/adr/0015, 0016). No build step; plain ES2020.
 * - Talks to /api/v1/procurement/conversations with the session cookie and X-CSRF-Token.
 * - Reads each turn's Server-Sent Events with fetch + ReadableStream (EventSource cannot
 *   POST): step, tool_result, token, message, confirmation_required, outcome, error, done.
 * - Every text from the server is escaped before any markup is added: replies are Markdown
 *   (tables, **bold**, `code`, lists), rendered here from the escaped text only.
 * - The confirmation card shows the frozen draft; Confirm sends its draft id and content
 *   hash, so what is ordered is exactly what the buyer saw.
 */
(function () {
  "use strict";
  const root = document.getElementById("chat");
  const stateEl = document.getElementById("chat-state");
  if (!root || !stateEl) return;
  const state = JSON.parse(stateEl.textContent);
  const T = state.texts;
  const API = "/api/v1/procurement/conversations";
  const log = document.getElementById("chat-log");
  const status = document.getElementById("chat-status");
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  const send = document.getElementById("chat-send");
  const leadTimes = {}; // offer id -> lead days, from the draft tools' results
  let busy = false;

  const meta = (name) => (document.querySelector(`meta[name="${name}"]`) || {}).content || "";
  const text = (key, values) => (T[key] || key).replace(/\{(\w+)\}/g, (_, k) => (values && k in values ? values[k] : `{${k}}`));

  // -- safe rendering ----------------------------------------------------------------------
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }
  function inline(escaped) {
    return escaped
      .replace(/`([^`]+)`/g, (_, code) => (/^pr_[0-9A-Za-z]+$/.test(code)
        ? `<a href="/b2b/orders/${code}"><code>${code}</code></a>` : `<code>${code}</code>`))
      .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");
  }
  function cells(line) {
    return line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
  }
  function table(lines) {
    const head = cells(lines[0]);
    const body = lines.slice(/^[\s|:-]+$/.test(lines[1] || "") ? 2 : 1);
    const th = head.map((c) => `<th scope="col">${inline(c)}</th>`).join("");
    const rows = body.map((l) => `<tr>${cells(l).map((c) => `<td>${inline(c)}</td>`).join("")}</tr>`).join("");
    return `<div class="table-wrap" tabindex="0" role="group" aria-label="${escapeHtml(T.table)}"><table class="comparison"><thead><tr>${th}</tr></thead><tbody>${rows}</tbody></table></div>`;
  }
  /** Markdown (the subset the agent writes) to HTML, from escaped text only. */
  function markdown(source) {
    const blocks = escapeHtml(source).replace(/\r\n/g, "\n").split(/\n{2,}/);
    return blocks.map((block) => {
      const lines = block.split("\n").filter((l) => l.trim() !== "");
      if (!lines.length) return "";
      if (lines.every((l) => l.trim().startsWith("|"))) return table(lines);
      if (lines.every((l) => /^\s*[-*] /.test(l))) {
        return `<ul>${lines.map((l) => `<li>${inline(l.replace(/^\s*[-*] /, ""))}</li>`).join("")}</ul>`;
      }
      return `<p>${lines.map(inline).join("<br>")}</p>`;
    }).join("");
  }
  function money(m) {
    if (!m || m.amount === undefined || m.amount === null) return "—";
    try {
      return new Intl.NumberFormat(state.lang === "zh" ? "zh-CN" : "en-GB",
        { style: "currency", currency: m.currency, currencyDisplay: "narrowSymbol" }).format(Number(m.amount));
    } catch (_) { return `${m.amount} ${m.currency}`; }
  }
  function el(tag, attrs, html) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (html !== undefined) node.innerHTML = html; // callers pass escaped/rendered HTML only
    return node;
  }
  function scrollDown(node) { node.scrollIntoView({ block: "nearest" }); }

  // -- the log -----------------------------------------------------------------------------
  function userTurn(said) {
    const node = el("div", { class: "msg user" },
      `<p class="who">${escapeHtml(T.you)}</p><div class="body"><p>${escapeHtml(said).replace(/\n/g, "<br>")}</p></div>`);
    log.appendChild(node);
    scrollDown(node);
  }
  function agentTurn(reply) {
    const node = el("div", { class: "msg agent" }, `<p class="who">${escapeHtml(T.agent)}</p>`);
    const steps = el("ul", { class: "steps" });
    const body = el("div", { class: "body" });
    node.append(steps, body);
    if (reply !== undefined) body.innerHTML = markdown(reply);
    log.appendChild(node);
    return { node, steps, body, raw: "" };
  }
  function stepText(tool) { return T[`step.${tool}`] || T.working; }
  function showError(message) {
    const node = el("p", { class: "error", role: "alert" }, escapeHtml(text("error", { detail: message })));
    log.appendChild(node);
    scrollDown(node);
  }

  // -- the confirmation card and the outcome ----------------------------------------------
  function confirmationCard(c) {
    const lines = c.lines || [];
    const rows = lines.map((ln) => `<tr><td>${escapeHtml(ln.title || ln.sku_id)}</td><td>${escapeHtml(ln.supplier_name)}</td>`
      + `<td class="num">${escapeHtml(ln.quantity)}</td><td class="num">${escapeHtml(money(ln.unit_price))}</td>`
      + `<td class="num">${escapeHtml(money(ln.line_total))}</td></tr>`).join("");
    const suppliers = (c.suppliers || []).map((s) => escapeHtml(s.name)).join(", ");
    const content = c.content || {};
    const where = state.locations[c.location_id] || c.location_id || "—";
    // The server's (a reload) or the draft tools' results in this page.
    const leads = lines.map((ln) => ln.lead_time_days ?? leadTimes[ln.offer_id])
      .filter((d) => d !== undefined && d !== null);
    const budget = c.budget || {};
    const badge = budget.status === "within_budget" ? "ok" : budget.status === "blocked" ? "bad" : "warn";
    const remaining = budget.remaining ? text("confirm.remaining", { amount: money(budget.remaining) }) : T["confirm.no_budget"];
    const reasons = (budget.reasons || []).map((r) => `<span class="badge warn">${escapeHtml(r)}</span>`).join(" ");
    const pay = T[`confirm.pay.${content.payment_method}`] || content.payment_method || "—";
    const id = `confirm-${escapeHtml(c.draft_id)}-${escapeHtml(c.version)}`;
    const card = el("section", { class: "card confirm-card", "aria-labelledby": id }, `
      <h2 id="${id}">${escapeHtml(T["confirm.title"])}</h2>
      <p class="muted">${escapeHtml(T["confirm.intro"])}</p>
      <dl class="b2b-facts">
        <dt>${escapeHtml(T["confirm.suppliers"])}</dt><dd>${suppliers}</dd>
        <dt>${escapeHtml(T["confirm.deliver_to"])}</dt><dd>${escapeHtml(where)}</dd>
        <dt>${escapeHtml(T["confirm.deadline"])}</dt><dd>${escapeHtml(c.deadline || "—")}</dd>
        ${leads.length ? `<dt>${escapeHtml(T["confirm.lead_time"])}</dt><dd>${escapeHtml(text("confirm.days", { n: Math.max(...leads) }))}</dd>` : ""}
        <dt>${escapeHtml(T["confirm.payment"])}</dt><dd>${escapeHtml(pay)}</dd>
        <dt>${escapeHtml(T["confirm.budget"])}</dt><dd><span class="badge ${badge}">${escapeHtml(T[`budget.${budget.status}`] || budget.status || "—")}</span>
          ${escapeHtml(remaining)} ${reasons}</dd>
      </dl>
      <div class="table-wrap" tabindex="0" role="group" aria-label="${escapeHtml(T["confirm.lines"])}"><table>
        <thead><tr><th scope="col">${escapeHtml(T["confirm.item"])}</th><th scope="col">${escapeHtml(T["confirm.suppliers"])}</th>
          <th scope="col" class="num">${escapeHtml(T["confirm.quantity"])}</th><th scope="col" class="num">${escapeHtml(T["confirm.unit"])}</th>
          <th scope="col" class="num">${escapeHtml(T["confirm.line_total"])}</th></tr></thead>
        <tbody>${rows}</tbody>
        <tfoot><tr><th scope="row" colspan="4">${escapeHtml(T["confirm.total"])}</th><td class="num price">${escapeHtml(money(c.total))}</td></tr></tfoot>
      </table></div>
      <p class="muted small">${escapeHtml(text("confirm.draft", { id: c.draft_id, version: c.version }))} · <code>${escapeHtml(String(c.content_hash || "").slice(0, 12))}…</code></p>
      <div class="card-actions">
        <button type="button" class="primary" data-act="confirm">${escapeHtml(T["confirm.yes"])}</button>
        <button type="button" class="danger" data-act="reject">${escapeHtml(T["confirm.no"])}</button>
      </div>`);
    card.querySelector('[data-act="confirm"]').addEventListener("click", () => decide(card, "confirm", c));
    card.querySelector('[data-act="reject"]').addEventListener("click", () => decide(card, "reject", c));
    log.appendChild(card);
    scrollDown(card);
  }
  function outcomeCard(o) {
    const kind = o.status === "ordered" ? "ok" : o.status === "submitted_for_approval" ? "warn" : "bad";
    const link = o.purchase_request_id
      ? `<a href="/b2b/orders/${encodeURIComponent(o.purchase_request_id)}">${escapeHtml(text("outcome.request", { id: o.purchase_request_id }))}</a>` : "";
    const orders = (o.order_ids || []).map((id) => `<a href="/b2b/orders/${encodeURIComponent(o.purchase_request_id)}#${encodeURIComponent(id)}">${escapeHtml(id)}</a>`).join(", ");
    const reasons = (o.approval_reasons || []).length ? `<p>${escapeHtml(text("outcome.reasons", { reasons: o.approval_reasons.join(", ") }))}</p>` : "";
    const card = el("section", { class: `card outcome ${kind}`, "aria-label": T[`outcome.${o.status}`] || o.status }, `
      <p><span class="badge ${kind}">${escapeHtml(T[`outcome.${o.status}`] || o.status)}</span> <span class="price">${escapeHtml(money(o.total))}</span></p>
      <p>${link}</p>
      ${orders ? `<p>${escapeHtml(T["outcome.orders"])}: ${orders}</p>` : ""}
      ${reasons}${o.message ? `<p class="error">${escapeHtml(o.message)}</p>` : ""}`);
    log.appendChild(card);
    scrollDown(card);
  }

  // -- streaming ---------------------------------------------------------------------------
  function setBusy(on) {
    busy = on;
    send.disabled = on;
    log.setAttribute("aria-busy", on ? "true" : "false");
    document.querySelectorAll(".confirm-card button").forEach((b) => { if (!b.dataset.used) b.disabled = on; });
    if (!on) status.textContent = "";
  }
  function parseBlock(block) {
    let name = "message";
    const data = [];
    block.split("\n").forEach((line) => {
      if (line.startsWith("event:")) name = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    });
    return { name, data: data.length ? JSON.parse(data.join("\n")) : {} };
  }
  async function stream(path, body) {
    const response = await fetch(path, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "Accept": "text/event-stream", "X-CSRF-Token": meta("csrf-token") },
    });
    if (!response.ok || !response.body) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch (_) { /* not JSON */ }
      showError(detail);
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let turn = null;
    const current = () => (turn = turn || agentTurn());
    for (;;) {
      const { value, done } = await reader.read();
      if (value) buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (block.trim()) turn = handle(parseBlock(block), current, turn);
      }
      if (done) break;
    }
  }
  function handle(event, current, turn) {
    const d = event.data;
    if (event.name === "step") {
      const t = current();
      status.textContent = stepText(d.tool);
      t.steps.appendChild(el("li", { "data-call": d.id || "" }, escapeHtml(stepText(d.tool))));
      return t;
    }
    if (event.name === "tool_result") {
      const r = d.result || {};
      if (r.offer_id && r.lead_time_days !== undefined) leadTimes[r.offer_id] = r.lead_time_days;
      if (turn) {
        const li = Array.from(turn.steps.children).find((x) => x.dataset.call === d.id);
        if (li) li.innerHTML = `${escapeHtml(stepText(d.tool).replace(/…$/, ""))} · ${escapeHtml(T["step.done"])}`;
      }
      return turn;
    }
    if (event.name === "token") {
      const t = current();
      t.raw += d.text || "";
      t.body.textContent = t.raw;
      return t;
    }
    if (event.name === "message") {
      const t = current();
      t.body.innerHTML = markdown(d.text || "");
      scrollDown(t.node);
      return null; // a later event starts a new bubble
    }
    if (event.name === "confirmation_required") { confirmationCard(d); return turn; }
    if (event.name === "outcome") { outcomeCard(d); return turn; }
    if (event.name === "error") { showError(d.detail || d.code || ""); return turn; }
    return turn;
  }

  async function ensureConversation() {
    if (state.conversation_id) return state.conversation_id;
    const created = await window.Agora.api(API, { method: "POST", body: { company_id: state.company_id, locale: state.locale } });
    state.conversation_id = created.id;
    history.replaceState(null, "", `/b2b/chat/${encodeURIComponent(created.id)}`);
    addRecent(created);
    return created.id;
  }
  /** The conversation just started, first in "Recent conversations" (as a reload shows it). */
  function addRecent(conversation) {
    let list = document.getElementById("recent-list");
    if (!list) {
      list = el("ul", { class: "plain", id: "recent-list" });
      const none = document.getElementById("recent-none");
      if (none) none.replaceWith(list);
      else (document.querySelector(".b2b-recent") || root).appendChild(list);
    }
    list.querySelectorAll("a[aria-current]").forEach((a) => a.removeAttribute("aria-current"));
    const date = String(conversation.created_at || "").slice(0, 16).replace("T", " ");
    const href = `/b2b/chat/${encodeURIComponent(conversation.id)}`;
    list.prepend(el("li", {}, `<a href="${href}" aria-current="page">${escapeHtml(text("started", { date }))}</a>`));
  }
  async function run(work) {
    if (busy) return;
    setBusy(true);
    try { await work(); } catch (err) { showError(err.message || String(err)); } finally { setBusy(false); }
  }
  function decide(card, act, c) {
    run(async () => {
      card.querySelectorAll("button").forEach((b) => { b.disabled = true; b.dataset.used = "1"; });
      const id = await ensureConversation();
      const url = `${API}/${encodeURIComponent(id)}/${act}`;
      if (act === "confirm") await stream(url, { draft_id: c.draft_id, content_hash: c.content_hash });
      else {
        await stream(url, { draft_id: c.draft_id });
        card.appendChild(el("p", { class: "muted" }, escapeHtml(T["confirm.rejected"])));
      }
    });
  }
  function submit() {
    const said = input.value.trim();
    if (!said || busy) return;
    run(async () => {
      const id = await ensureConversation();
      input.value = "";
      userTurn(said);
      document.querySelectorAll(".confirm-card button").forEach((b) => { b.disabled = true; b.dataset.used = "1"; });
      status.textContent = T.working;
      await stream(`${API}/${encodeURIComponent(id)}/messages`, { text: said });
    });
  }

  form.addEventListener("submit", (e) => { e.preventDefault(); submit(); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  });

  // The conversation so far (a reload) and its pending confirmation.
  (state.messages || []).forEach((m) => (m.role === "user" ? userTurn(m.text) : agentTurn(m.text)));
  if (state.pending) confirmationCard(state.pending);
  root.dataset.ready = "true";
})();

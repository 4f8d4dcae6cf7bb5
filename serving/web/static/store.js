/* Storefront behaviour on top of agora.js: events a server fragment asks for, and the SKU
 * picker's price. No build; plain ES2020. */
(function () {
  "use strict";
  // A swapped fragment (add to cart, remove a line) names the event it stands for.
  document.addEventListener("htmx:afterSwap", (e) => {
    const root = e.detail && e.detail.target;
    if (!root || !window.Agora) return;
    root.querySelectorAll("[data-track-now]").forEach((el) => {
      try { Agora.track(JSON.parse(el.dataset.trackNow)); } catch (_) { /* malformed: ignore */ }
      el.removeAttribute("data-track-now");
    });
    Agora.flush();
  });
  // Choosing a SKU shows its price and whether it can be added.
  document.addEventListener("change", (e) => {
    const radio = e.target.closest("input[type=radio][name=sku_id]");
    if (!radio) return;
    const form = radio.form;
    const label = form.querySelector(`label[for="${radio.id}"] .sku-price`);
    const price = document.querySelector("[data-testid=product-price]");
    if (label && price) price.innerHTML = label.innerHTML;
    const listPrice = document.querySelector("[data-role=list-price]");
    if (listPrice) listPrice.hidden = true;
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = Number(radio.dataset.available || 0) <= 0;
  });
})();

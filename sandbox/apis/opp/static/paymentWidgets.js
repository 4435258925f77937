/*
 * Token Sandbox payment widget: our own stand-in for COPYandPAY's paymentWidgets.js (opp.md E7-E10).
 *
 *   <script>var wpwlOptions = {style: "card"}</script>
 *   <script src="{sandbox}/v1/paymentWidgets.js?checkoutId={id}"></script>
 *   <form action="{shopperResultUrl}" class="paymentWidgets" data-brands="VISA MASTER AMEX"></form>
 *
 * Draws a card form in each form.paymentWidgets, lists the checkout's stored registrations
 * (`registrations[n].id`) for one-click payment, submits to the sandbox and sends the shopper to
 * the form's action with `id` and `resourcePath`, as the vendor's widget does. Card errors are
 * shown inline next to their field. Options honoured: style ("card" | "plain"), labels,
 * onReady, onBeforeSubmitCard, onError; anything else in wpwlOptions is ignored.
 */
(function () {
  "use strict";

  var script = document.currentScript || (function () {
    var all = document.querySelectorAll("script[src*='paymentWidgets.js']");
    return all[all.length - 1];
  })();
  var src = new URL(script.src, location.href);
  // `checkoutId={id}` for a payment, `checkoutId={id}/registration` for a registration-only one.
  var checkoutParam = src.searchParams.get("checkoutId") || "";
  var checkoutId = checkoutParam.split("/")[0];
  // The Checkouts API's shopper-facing calls (apis/opp/checkouts.py): GET .../widget describes the
  // checkout, POST .../payment (or .../registration) submits the form; the checkout id is the
  // only credential, as on the vendor.
  var base = src.origin + "/v1/checkouts/" + encodeURIComponent(checkoutId);
  var kind = "payment";

  var LABELS = {
    cardNumber: "Card Number", expiryDate: "Expiry Date", cardHolder: "Card holder", cvv: "CVV",
    submit: "Pay now", registration: "Pay with a stored card", newCard: "Pay with a new card",
    expiryPlaceholder: "MM / YY", cvvOptional: "CVV (optional)"
  };
  var MESSAGES = {
    number: "Invalid card number or brand", expiry: "Invalid expiry date", expired: "The card has expired",
    cvv: "Invalid CVV", holder: "Invalid card holder", choose: "Choose a stored card",
    noSession: "This payment session is no longer valid.", done: "This checkout has already been completed."
  };
  // Card-data result codes (opp.md §8.5) -> the field whose message shows them.
  var FIELD_OF_CODE = {
    "100.100.100": "number", "100.100.101": "number", "100.100.700": "number",
    "100.100.200": "expiry", "100.100.201": "expiry", "100.100.300": "expiry", "100.100.301": "expiry",
    "100.100.303": "expiry", "100.100.600": "cvv", "100.100.601": "cvv", "100.100.401": "holder"
  };

  function options() {
    var o = window.wpwlOptions;
    return o && typeof o === "object" ? o : {};
  }

  function label(name) {
    var custom = options().labels;
    return (custom && typeof custom[name] === "string") ? custom[name] : LABELS[name];
  }

  function callback(name) {
    var fn = options()[name];
    if (typeof fn !== "function") return undefined;
    try { return fn.apply(null, Array.prototype.slice.call(arguments, 1)); }
    catch (e) { if (window.console) console.error("wpwlOptions." + name + " failed", e); return undefined; }
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  // -- card checks the shopper should hear about before anything is sent ----------------------
  function digits(value) { return String(value || "").replace(/[\s-]/g, ""); }

  function luhn(number) {
    var sum = 0;
    for (var i = 0; i < number.length; i++) {
      var d = number.charCodeAt(number.length - 1 - i) - 48;
      if (i % 2) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    return sum % 10 === 0;
  }

  function brandOf(number) {
    var six = parseInt(number.slice(0, 6), 10);
    if (/^4/.test(number)) return "VISA";
    if (/^3[47]/.test(number)) return "AMEX";
    if (/^5[1-5]/.test(number) || (six >= 222100 && six <= 272099)) return "MASTER";
    if (/^3(0[0-5]|[689])/.test(number)) return "DINERS";
    if (/^35(2[89]|[3-8])/.test(number)) return "JCB";
    if (/^6(011|4[4-9]|5)/.test(number)) return "DISCOVER";
    if (/^62/.test(number)) return "CHINAUNIONPAY";
    return null;
  }

  function parseExpiry(value) {
    var m = /^\s*(\d{1,2})\s*\/?\s*(\d{2}|\d{4})\s*$/.exec(value || "");
    if (!m) return null;
    var month = parseInt(m[1], 10);
    var year = m[2].length === 2 ? 2000 + parseInt(m[2], 10) : parseInt(m[2], 10);
    if (month < 1 || month > 12) return null;
    return { month: (month < 10 ? "0" : "") + month, year: String(year) };
  }

  // Expiry in the past is judged by the sandbox, on its virtual clock, not the browser's.
  function checkCard(values, brands) {
    var errors = {};
    var number = digits(values.number);
    var brand = brandOf(number);
    if (!/^\d{12,19}$/.test(number) || !luhn(number) || (brands.length && brand && brands.indexOf(brand) < 0)) {
      errors.number = MESSAGES.number;
    }
    if (!parseExpiry(values.expiry)) errors.expiry = MESSAGES.expiry;
    var cvvLength = brand === "AMEX" ? 4 : 3;
    if (!new RegExp("^\\d{" + cvvLength + "}$").test(values.cvv || "")) errors.cvv = MESSAGES.cvv;
    if (values.holder && (values.holder.length < 2 || values.holder.length > 128)) errors.holder = MESSAGES.holder;
    return { errors: errors, brand: brand, number: number };
  }

  // -- drawing ---------------------------------------------------------------------------------
  function field(name, text, input) {
    input.className = "wpwl-control wpwl-control-" + name;
    input.setAttribute("name", "wpwl-" + name);
    return el("div", { "class": "wpwl-group wpwl-group-" + name }, [
      el("div", { "class": "wpwl-label wpwl-label-" + name }, [text]),
      el("div", { "class": "wpwl-wrapper" }, [input]),
      el("div", { "class": "wpwl-hint wpwl-hint-" + name, "hidden": "hidden" }, [])
    ]);
  }

  function showErrors(container, errors) {
    Object.keys(FIELD_NAMES).forEach(function (key) {
      var hint = container.querySelector(".wpwl-hint-" + FIELD_NAMES[key]);
      var group = container.querySelector(".wpwl-group-" + FIELD_NAMES[key]);
      if (!hint) return;
      if (errors[key]) {
        hint.textContent = errors[key];
        hint.removeAttribute("hidden");
        group.classList.add("wpwl-has-error");
      } else {
        hint.textContent = "";
        hint.setAttribute("hidden", "hidden");
        group.classList.remove("wpwl-has-error");
      }
    });
  }
  var FIELD_NAMES = { number: "cardNumber", expiry: "expiry", holder: "cardHolder", cvv: "cvv" };

  function message(container, text) {
    var box = container.querySelector(".wpwl-message");
    box.textContent = text || "";
    if (text) box.removeAttribute("hidden"); else box.setAttribute("hidden", "hidden");
  }

  function styleClass() {
    return options().style === "plain" ? "wpwl-form-plain" : "wpwl-form-card";
  }

  function registrationsBlock(checkout, form) {
    var list = el("div", { "class": "wpwl-registrations" }, []);
    checkout.registrations.forEach(function (reg, i) {
      var radio = el("input", { type: "radio", name: "wpwl-registration", value: reg.id, "class": "wpwl-control-registration" }, []);
      if (i === 0) radio.checked = true;
      list.appendChild(el("label", { "class": "wpwl-registration", "data-registration-id": reg.id }, [
        radio,
        el("span", { "class": "wpwl-registration-brand" }, [reg.paymentBrand || ""]),
        " ",
        el("span", { "class": "wpwl-registration-number" }, [reg.masked]),
        " ",
        el("span", { "class": "wpwl-registration-expiry" }, [reg.expiryMonth && reg.expiryYear ? reg.expiryMonth + " / " + reg.expiryYear : ""])
      ]));
    });
    var button = el("button", { type: "submit", "class": "wpwl-button wpwl-button-pay" }, [label("submit")]);
    var inner = el("form", { "class": "wpwl-form wpwl-form-registrations " + styleClass(), novalidate: "novalidate" }, [
      el("div", { "class": "wpwl-label wpwl-label-registrations" }, [label("registration")]),
      list,
      el("div", { "class": "wpwl-message wpwl-has-error", hidden: "hidden" }, []),
      el("div", { "class": "wpwl-group wpwl-group-submit" }, [button])
    ]);
    inner.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var chosen = inner.querySelector("input[name='wpwl-registration']:checked");
      if (!chosen) { message(inner, MESSAGES.choose); return; }
      submit(inner, form, { registrationId: chosen.value }, button);
    });
    return inner;
  }

  function cardBlock(checkout, form, brands) {
    var number = el("input", { type: "text", inputmode: "numeric", autocomplete: "cc-number" }, []);
    var expiry = el("input", { type: "text", inputmode: "numeric", autocomplete: "cc-exp", placeholder: label("expiryPlaceholder") }, []);
    var holder = el("input", { type: "text", autocomplete: "cc-name" }, []);
    var cvv = el("input", { type: "text", inputmode: "numeric", autocomplete: "cc-csc" }, []);
    var button = el("button", { type: "submit", "class": "wpwl-button wpwl-button-pay" }, [label("submit")]);
    var inner = el("form", { "class": "wpwl-form wpwl-form-card-entry " + styleClass(), novalidate: "novalidate" }, [
      el("div", { "class": "wpwl-brands" }, brands.map(function (b) { return el("span", { "class": "wpwl-brand wpwl-brand-" + b }, [b]); })),
      field("cardNumber", label("cardNumber"), number),
      field("expiry", label("expiryDate"), expiry),
      field("cardHolder", label("cardHolder"), holder),
      field("cvv", label("cvv"), cvv),
      el("div", { "class": "wpwl-message wpwl-has-error", hidden: "hidden" }, []),
      el("div", { "class": "wpwl-group wpwl-group-submit" }, [button])
    ]);
    inner.addEventListener("submit", function (ev) {
      ev.preventDefault();
      message(inner, "");
      var values = { number: number.value, expiry: expiry.value, holder: holder.value.trim(), cvv: cvv.value.trim() };
      var checked = checkCard(values, brands);
      showErrors(inner, checked.errors);
      if (Object.keys(checked.errors).length) return;
      if (callback("onBeforeSubmitCard", ev) === false) return;
      var exp = parseExpiry(values.expiry);
      var data = { "card.number": checked.number, "card.expiryMonth": exp.month, "card.expiryYear": exp.year,
                   "card.cvv": values.cvv };
      if (checked.brand) data.paymentBrand = checked.brand;
      if (values.holder) data["card.holder"] = values.holder;
      submit(inner, form, data, button);
    });
    return inner;
  }

  // -- talking to the sandbox ----------------------------------------------------------------
  function submit(inner, form, data, button) {
    button.disabled = true;
    var body = Object.keys(data).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(data[k]);
    }).join("&");
    fetch(base + "/" + kind, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: body })
      .then(function (r) { return r.json(); })
      .then(function (reply) {
        if (reply.redirect && reply.redirect.url) { challenge(reply.redirect); return; }
        if (reply.resourcePath) { finish(form, reply); return; }
        button.disabled = false;
        var code = reply.result && reply.result.code;
        var key = FIELD_OF_CODE[code];
        var errors = {};
        if (key) errors[key] = code === "100.100.303" ? MESSAGES.expired : MESSAGES[key];
        showErrors(inner, errors);
        message(inner, key ? "" : (reply.result && reply.result.description) || "The payment could not be sent.");
        callback("onError", { name: "PaymentError", code: code, message: reply.result && reply.result.description });
      })
      .catch(function (e) {
        button.disabled = false;
        message(inner, "The payment could not be sent: " + e);
        callback("onError", { name: "NetworkError", message: String(e) });
      });
  }

  // The shopper goes to the merchant's shopperResultUrl (the form's action, else the one given
  // at checkout creation) with `id` and `resourcePath`, the vendor's redirect (opp.md E7-E10).
  function finish(form, reply) {
    var target = form.getAttribute("action") || reply.shopperResultUrl;
    if (!target) { message(form, "No shopperResultUrl: set the form's action."); return; }
    var url = new URL(target, location.href);
    url.searchParams.set("id", checkoutId);  // the checkout's id, not the transaction's (reply.id)
    url.searchParams.set("resourcePath", reply.resourcePath);
    location.assign(url.toString());
  }

  // 3-D Secure: the shopper goes to the (sandbox's stand-in) challenge page, which returns to the
  // checkout's shopperResultUrl itself.
  function challenge(redirect) {
    if ((redirect.method || "GET").toUpperCase() === "POST") {  // the ACS form: POST its parameters
      var post = el("form", { method: "POST", action: redirect.url, style: "display:none" }, []);
      (redirect.parameters || []).forEach(function (p) {
        post.appendChild(el("input", { type: "hidden", name: p.name, value: p.value }, []));
      });
      document.body.appendChild(post);
      post.submit();
      return;
    }
    var url = new URL(redirect.url, location.href);
    (redirect.parameters || []).forEach(function (p) { url.searchParams.set(p.name, p.value); });
    location.assign(url.toString());
  }

  function drawNoSession(form, reply) {
    var text = (reply && reply.result && reply.result.description) || MESSAGES.noSession;
    form.appendChild(el("div", { "class": "wpwl-container wpwl-clearfix" }, [
      el("div", { "class": "wpwl-message wpwl-has-error wpwl-session-error", "data-code": (reply && reply.result && reply.result.code) || "" }, [text])
    ]));
    callback("onError", { name: "InvalidCheckoutIdError", message: text });
  }

  function draw(form, checkout) {
    var brands = (form.getAttribute("data-brands") || "").split(/\s+/).filter(Boolean);
    var container = el("div", { "class": "wpwl-container wpwl-container-card wpwl-clearfix" }, []);
    if (checkout.registrations && checkout.registrations.length) {
      container.appendChild(registrationsBlock(checkout, form));
      container.appendChild(el("div", { "class": "wpwl-label wpwl-label-new-card" }, [label("newCard")]));
    }
    container.appendChild(cardBlock(checkout, form, brands));
    if (checkout.amount) {
      container.setAttribute("data-amount", checkout.amount + " " + (checkout.currency || ""));
    }
    form.appendChild(container);
  }

  // The widget's own look, added once ahead of the merchant's styles so those can override it.
  function addStyles() {
    if (document.querySelector("link[data-wpwl-styles]")) return;
    var link = el("link", { rel: "stylesheet", href: src.origin + "/v1/paymentWidgets.css", "data-wpwl-styles": "" }, []);
    document.head.insertBefore(link, document.head.firstChild);
  }

  function start() {
    addStyles();
    var forms = Array.prototype.slice.call(document.querySelectorAll("form.paymentWidgets"));
    fetch(base + "/widget", { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
      .then(function (reply) {
        forms.forEach(function (form) {
          form.addEventListener("submit", function (ev) { ev.preventDefault(); });
          if (!reply.ok) drawNoSession(form, reply.body);
          else if (reply.body.state !== "open") drawNoSession(form, { result: { code: "", description: MESSAGES.done } });
          else draw(form, reply.body);
        });
        if (reply.ok) kind = reply.body.kind === "registration" ? "registration" : "payment";
        document.documentElement.setAttribute("data-wpwl-ready", reply.ok ? "yes" : "error");
        callback("onReady");
      })
      .catch(function (e) {
        forms.forEach(function (form) { drawNoSession(form, null); });
        if (window.console) console.error("paymentWidgets: could not load the checkout", e);
      });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// Token Sandbox dashboard: draws the control-plane JSON. No framework; every value goes through
// text nodes (never innerHTML), and any card-number-like digit run is masked before display,
// as a second guard behind the server's own masking.
"use strict";
(function () {
  var TOKEN_KEY = "sandboxAdminToken";
  var PAN = /(^|[^0-9])([2-6][0-9]{11,18})(?![0-9])/g;

  function maskText(value) {
    return String(value).replace(PAN, function (all, before, pan) {
      return before + pan.slice(0, 4) + "*".repeat(pan.length - 8) + pan.slice(-4);
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(c instanceof Node ? c : document.createTextNode(c == null ? "" : maskText(c)));
    });
    return node;
  }

  // A text node shown as is: for ids the server produced (a hex registration id may hold a run of
  // digits that maskText would mistake for a card number).
  function raw(value) { return document.createTextNode(value == null ? "" : String(value)); }

  function table(headers, rows) {
    return el("table", {}, [
      el("thead", {}, [el("tr", {}, headers.map(function (h) { return el("th", {}, [h]); }))]),
      el("tbody", {}, rows.map(function (r) {
        return el("tr", r.attrs || {}, r.cells.map(function (c) { return el("td", {}, [c]); }));
      })),
    ]);
  }

  function call(method, path, body) {
    var headers = { "Accept": "application/json" };
    var token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers["X-Admin-Token"] = token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (r) {
        if (r.status === 401) { document.getElementById("auth").hidden = false; }
        return r.json().catch(function () { return null; }).then(function (j) { return { status: r.status, body: j }; });
      });
  }

  function replace(id, node) {
    var box = document.getElementById(id);
    box.textContent = "";
    box.appendChild(node);
  }

  function drawClock(view) {
    document.getElementById("clock-now").textContent = view.now;
    document.getElementById("clock-frozen").textContent = view.frozen ? "(frozen)" : "(running)";
  }

  function drawTenants(data) {
    if (!data.tenants.length) { replace("tenants", el("p", { "class": "muted" }, ["No tenants yet: call one of the APIs."])); return; }
    var box = el("div", {}, []);
    data.tenants.forEach(function (t) {
      box.appendChild(el("h3", { "data-tenant": t.id }, [raw(t.id + " \u2014 " + t.tokenCount + " token(s), " +
        t.paymentCount + " payment(s)" + (t.clock.own ? ", own clock " + t.clock.now : ""))]));
      if (!t.tokens.length) return;
      box.appendChild(table(["token id", "card", "brand", "expiry", "owner", "created", "state"],
        t.tokens.map(function (k) {
          return { attrs: { "class": "token", "data-api": t.api },
            cells: [el("span", { "class": "mono token-id" }, [raw(k.id)]), el("span", { "class": "mono card" }, [k.card]), k.brand || "",
              k.expiry || "", k.owner || "", k.created, el("span", { "class": "state-" + k.state }, [k.state])] };
        })));
    });
    replace("tenants", box);
  }

  function drawJournal(entries) {
    var body = document.querySelector("#journal tbody");
    body.textContent = "";
    // The dashboard's own reads (and any other control-plane GET) would drown the API traffic.
    entries.filter(function (e) { return !(e.api === "admin" && e.method === "GET"); })
      .slice(-50).reverse().forEach(function (e) {
      body.appendChild(el("tr", {}, [
        el("td", {}, [String(e.seq)]), el("td", {}, [e.api || e.kind]), el("td", {}, [e.tenant || ""]),
        el("td", {}, [e.operation || ""]),
        el("td", { "class": "mono" }, [(e.method || "") + " " + (e.path || "") + (e.query ? "?" + e.query : "")]),
        el("td", { "class": "status-" + String(e.status || "").charAt(0) }, [String(e.status == null ? "" : e.status)]),
        el("td", {}, [String(e.ms == null ? "" : e.ms)]),
      ]));
    });
  }

  // Notifications and faults belong to other parts of the control plane: draw whatever list they
  // answer, one row per item, without assuming more than "an array of objects".
  function drawList(id, res, key, empty) {
    if (res.status === 404) { replace(id, el("p", { "class": "muted" }, ["Not available in this sandbox."])); return; }
    if (res.status !== 200 || !res.body) { replace(id, el("p", { "class": "muted" }, ["Could not load (" + res.status + ")."])); return; }
    var items = Array.isArray(res.body) ? res.body : (res.body[key] || res.body.items || []);
    if (!items.length) { replace(id, el("p", { "class": "muted" }, [empty])); return; }
    replace(id, table(["#", "details"], items.map(function (item, i) {
      return { cells: [String(item.id || i + 1), el("pre", {}, [JSON.stringify(item, null, 1)])] };
    })));
  }

  function refresh() {
    document.getElementById("status").textContent = "refreshing…";
    return Promise.all([
      call("GET", "/_sandbox/clock").then(function (r) { if (r.status === 200) drawClock(r.body); }),
      call("GET", "/_sandbox/dashboard.json").then(function (r) { if (r.status === 200) drawTenants(r.body); }),
      call("GET", "/_sandbox/journal").then(function (r) { if (r.status === 200) drawJournal(r.body.entries); }),
      call("GET", "/_sandbox/notifications").then(function (r) { drawList("notifications", r, "notifications", "The outbox is empty."); }),
      call("GET", "/_sandbox/faults").then(function (r) { drawList("faults", r, "rules", "No fault rules."); }),
    ]).then(function () {
      document.getElementById("status").textContent = "updated " + new Date().toLocaleTimeString();
      document.body.setAttribute("data-loaded", "yes");
    });
  }

  document.querySelectorAll(".clock-advance").forEach(function (b) {
    b.addEventListener("click", function () {
      call("POST", "/_sandbox/clock", { advance: b.getAttribute("data-advance") }).then(refresh);
    });
  });
  document.getElementById("clock-reset").addEventListener("click", function () {
    call("POST", "/_sandbox/clock", { reset: true }).then(refresh);
  });
  document.getElementById("refresh").addEventListener("click", refresh);
  document.getElementById("auth-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById("admin-token").value);
    document.getElementById("auth").hidden = true;
    refresh();
  });
  refresh();
})();

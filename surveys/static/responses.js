/* Respondents' area form: live show_if, autosave, offline copy. No framework; the page works without it.
   - show_if: each question carries data-show-if (a JSON tree built by the server from the same grammar);
     values of other areas' questions come from #outside-values.
   - autosave: every 30 s and when leaving a field, POST the form (no files) with Accept: application/json;
     the answer carries the new lock_version and fingerprints (base). 409: conflict link, autosave stops.
   - offline: every change is copied to localStorage (per submission and area) until the server has it;
     the copy is sent again on the `online` event and on the next visit of the page, unless that page
     already shows exactly the kept values (a plain post that went through). */
(function () {
  "use strict";
  var form = document.getElementById("area-form");
  if (!form || !window.fetch || !window.FormData) return;
  var statusLine = document.getElementById("save-status");
  var key = "surveys:pending:" + form.getAttribute("data-autosave");
  var strings = JSON.parse(document.getElementById("autosave-strings").textContent);
  var dirty = false, sending = false, blocked = false, storeTimer = null;
  var confirmed = [];  // the field values the server last confirmed (set below, once loaded)

  // ------------------------------------------------------------------ show_if
  function isAnswered(v) {
    if (v === null || v === undefined) return false;
    if (typeof v === "string") return v.trim() !== "";
    if (Array.isArray(v)) return v.length > 0;
    return true;
  }
  function asNumber(v) {
    if (typeof v === "number") return v;
    if (typeof v === "string" && /^-?[0-9]+(\.[0-9]+)?$/.test(v.trim())) return parseFloat(v);
    return null;
  }
  function compare(actual, op, lit) {
    if (!isAnswered(actual)) return false;
    var left, right;
    if (typeof lit === "boolean") {
      if (typeof actual !== "boolean") return op === "!=";
      left = actual; right = lit;
    } else if (typeof lit === "number") {
      left = asNumber(actual); right = lit;
      if (left === null) return op === "!=";
    } else if (typeof actual === "string" || typeof actual === "number") {
      left = String(actual); right = lit;
    } else {
      return op === "!=";
    }
    switch (op) {
      case "==": return left === right;
      case "!=": return left !== right;
      case "<": return typeof left === typeof right && left < right;
      case "<=": return typeof left === typeof right && left <= right;
      case ">": return typeof left === typeof right && left > right;
      case ">=": return typeof left === typeof right && left >= right;
    }
    return false;
  }
  function evaluate(node, values) {
    var i, items;
    switch (node[0]) {
      case "cmp": return compare(values[node[1]], node[2], node[3]);
      case "in":
        if (!isAnswered(values[node[1]])) return false;
        items = Array.isArray(values[node[1]]) ? values[node[1]] : [values[node[1]]];
        for (i = 0; i < items.length; i++) {
          for (var j = 0; j < node[2].length; j++) if (compare(items[i], "==", node[2][j])) return true;
        }
        return false;
      case "has":
        items = values[node[2]];
        if (Array.isArray(items)) return items.map(String).indexOf(node[1]) >= 0;
        return items === node[1];
      case "ans": return isAnswered(values[node[1]]);
      case "not": return !evaluate(node[1], values);
      case "and":
        for (i = 1; i < node.length; i++) if (!evaluate(node[i], values)) return false;
        return true;
      case "or":
        for (i = 1; i < node.length; i++) if (evaluate(node[i], values)) return true;
        return false;
    }
    return true;
  }
  function numberText(text) {
    var compact = text.replace(/[\s\u00a0\u202f']/g, "");
    return /^-?\d+,\d+$/.test(compact) ? compact.replace(",", ".") : compact;
  }
  function questionValue(box) {
    var id = box.getAttribute("data-q"), kind = box.getAttribute("data-kind");
    var na = document.getElementById(id + "-na");
    if (na && na.checked) return null;
    var inputs = box.querySelectorAll("[name='" + id + "']"), out = [], i;
    if (kind === "radios") {
      for (i = 0; i < inputs.length; i++) if (inputs[i].checked) return inputs[i].value;
      return null;
    }
    if (kind === "checkboxes") {
      for (i = 0; i < inputs.length; i++) if (inputs[i].checked) out.push(inputs[i].value);
      return out;
    }
    if (kind === "statistics") {
      var cells = box.querySelectorAll("input.num");
      for (i = 0; i < cells.length; i++) if (cells[i].value.trim()) out.push(cells[i].value);
      return out;
    }
    if (!inputs.length) return null;
    return inputs[0].classList.contains("num") ? numberText(inputs[0].value) : inputs[0].value;
  }
  var outside = JSON.parse(document.getElementById("outside-values").textContent || "{}");
  var boxes = form.querySelectorAll("[data-q]");
  function applyConditions() {
    var values = {}, k;
    for (k in outside) values[k] = outside[k];
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i], condition = box.getAttribute("data-show-if");
      var shown = !condition || evaluate(JSON.parse(condition), values);
      box.hidden = !shown;  // kept in the page: its typed value comes back if shown again
      values[box.getAttribute("data-q")] = shown ? questionValue(box) : null;
    }
  }

  // ------------------------------------------------------------------ autosave and offline copy
  function say(text, kind) {
    statusLine.textContent = text;
    statusLine.className = "save-status" + (kind ? " " + kind : "");
  }
  function userFields() {
    var out = [], data = new FormData(form);
    data.forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrf_token") out.push([name, value]);
    });
    return out;
  }
  function typedOnly(fields) {
    return JSON.stringify(fields.filter(function (f) { return f[0] !== "lock_version" && f[0] !== "base"; }));
  }
  function storePending() {
    try {
      // `original`: the values the server last confirmed, so that a restore re-applies only what
      // this person changed and never a stale copy of a colleague's newer answer.
      localStorage.setItem(key, JSON.stringify({ fields: userFields(), original: confirmed, at: Date.now() }));
    } catch (e) { /* storage full or disabled: the server copy is all we have */ }
  }
  function clearPending() {
    try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
  }
  function byName(fields) {
    var out = {};
    fields.forEach(function (f) { (out[f[0]] = out[f[0]] || []).push(f[1]); });
    return out;
  }
  function changedNames(pendingCopy) {
    // Without a record of what the server had (an older copy), every field counts as changed.
    if (!pendingCopy.original) return null;
    var mine = byName(pendingCopy.fields), before = byName(pendingCopy.original), out = {};
    Object.keys(mine).concat(Object.keys(before)).forEach(function (name) {
      if (JSON.stringify(mine[name] || []) !== JSON.stringify(before[name] || [])) out[name] = true;
    });
    out.lock_version = out.base = true;  // the version these changes were made against
    return out;
  }
  function restore(pendingCopy) {
    var values = byName(pendingCopy.fields), changed = changedNames(pendingCopy), i, el;
    for (i = 0; i < form.elements.length; i++) {
      el = form.elements[i];
      if (!el.name || el.type === "file" || el.name === "csrf_token" || el.type === "submit") continue;
      if (changed && !changed[el.name]) continue;  // untouched here: keep what the server shows now
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = (values[el.name] || []).indexOf(el.value) >= 0;
      } else if (values[el.name]) {
        el.value = values[el.name][0];
      }
    }
  }
  function showErrors(errors) {
    var old = form.querySelectorAll(".error-message.js"), i;
    for (i = 0; i < old.length; i++) old[i].parentNode.removeChild(old[i]);
    for (var name in errors) {
      var field = document.getElementById(name);
      if (!field) continue;
      var p = document.createElement("p");
      p.className = "error-message js";
      p.id = name + "-jserror";
      p.textContent = errors[name];
      field.parentNode.insertBefore(p, field);
      field.setAttribute("aria-invalid", "true");
    }
  }
  function send() {
    if (sending || blocked || !dirty) return;
    sending = true;
    var body = new FormData(form), i;
    var files = form.querySelectorAll("input[type=file]");
    for (i = 0; i < files.length; i++) body.delete(files[i].name);
    var sentFields = userFields(), sent = typedOnly(sentFields);
    say(strings.saving);
    fetch(form.getAttribute("action") || window.location.href, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": form.elements.csrf_token.value }
    }).then(function (response) {
      return response.json().then(function (data) { return { code: response.status, data: data }; });
    }).then(function (result) {
      sending = false;
      var data = result.data;
      if (result.code === 200 || result.code === 422) {
        form.elements.lock_version.value = data.lock_version;
        form.elements.base.value = JSON.stringify(data.base);
        showErrors(data.errors || {});
        var progress = document.getElementById("area-progress");
        if (progress && data.progress) progress.textContent = data.progress;
        if (result.code === 200) confirmed = sentFields;
        if (typedOnly(userFields()) === sent) {
          dirty = false;
          if (result.code === 200) clearPending(); else storePending();
        } else {
          storePending();
        }
        say(result.code === 200 ? data.status : strings.invalid, result.code === 200 ? "" : "failed");
      } else if (result.code === 409) {
        blocked = true;  // saving again would overwrite the colleague's answers: the user chooses
        clearPending();  // the server kept our values as revisions
        statusLine.className = "save-status failed";
        statusLine.textContent = data.message + " ";
        var link = document.createElement("a");
        link.href = data.conflict_url;
        link.textContent = strings.conflict;
        statusLine.appendChild(link);
      } else if (result.code === 401) {  // the session ended: keep the text, ask to sign in again
        blocked = true;  // until the page is loaded again, signed in
        storePending();
        statusLine.className = "save-status failed";
        statusLine.textContent = strings.signin + " ";
        var signin = document.createElement("a");
        signin.href = strings.signin_url + "?next=" + encodeURIComponent(location.pathname);
        signin.textContent = strings.signin_link;
        statusLine.appendChild(signin);
      } else {
        if (result.code === 403) blocked = true;  // read-only now: retrying cannot succeed
        storePending();
        say((data && data.message) || strings.failed, "failed");
      }
    }).catch(function () {
      sending = false;
      storePending();
      say(strings.offline, "offline");
    });
  }
  function changed() {
    dirty = true;
    if (!blocked) say(strings.unsaved);
    clearTimeout(storeTimer);
    storeTimer = setTimeout(storePending, 400);
  }

  form.addEventListener("input", function (event) {
    if (event.target.type !== "file" && event.target.form === form) changed();
    applyConditions();
  });
  form.addEventListener("change", function (event) {
    if (event.target.type !== "file" && event.target.form === form) changed();
    applyConditions();
  });
  form.addEventListener("focusout", function () { if (dirty) send(); });
  form.addEventListener("submit", function (event) {
    if (navigator.onLine === false) {  // keep the page (and the typed text) instead of an error page
      event.preventDefault();
      storePending();
      say(strings.offline, "offline");
      return;
    }
    // Kept until a page shows these values saved: a post lost on the way (timeout, dropped
    // connection) would otherwise take the typed text with it.
    storePending();
  });
  window.addEventListener("online", function () { send(); });
  window.addEventListener("offline", function () { if (dirty) say(strings.offline, "offline"); });
  window.addEventListener("pagehide", function () {
    if (dirty && !blocked && navigator.sendBeacon) {
      storePending();
      var body = new FormData(form), files = form.querySelectorAll("input[type=file]");
      for (var i = 0; i < files.length; i++) body.delete(files[i].name);
      navigator.sendBeacon(form.getAttribute("action") || window.location.href, body);
    }
  });
  setInterval(function () { if (dirty) send(); }, 30000);

  confirmed = userFields();  // as the server rendered the page
  var pending = null;
  try { pending = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { pending = null; }
  if (pending && pending.fields && typedOnly(pending.fields) === typedOnly(userFields())) {
    clearPending();  // the page shows exactly what was kept: the server has it
  } else if (pending && pending.fields) {
    restore(pending);
    dirty = true;
    say(strings.restoring);
    send();
  }
  applyConditions();
})();

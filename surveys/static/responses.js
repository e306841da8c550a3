/* A number as typed, read as the server reads it (surveys/questionnaire/kinds/base.py, parse_number):
   spaces and apostrophes group digits; with both "," and "." the last is the decimal mark; a repeated
   mark groups thousands; a lone mark before anything but three digits is a decimal mark, and before
   three digits it is read as the page's language writes (the form's data-decimal-mark and
   data-group-mark); a mark the language uses for neither groups thousands in a whole-number input and
   is left unread elsewhere; `unit` (a percentage's "%", the input's data-unit) may follow the figure.
   null: blank, not a number, or ambiguous (the server asks again). */
function surveysReadNumber(text, form, whole, unit) {
  "use strict";
  var stripped = (text || "").replace(/\s+$/, "");
  if (unit && stripped.slice(-unit.length) === unit && stripped.slice(0, -unit.length).trim()) {
    text = stripped.slice(0, -unit.length);  // "45 %": the figure alone
  }
  // Spaces and digits as the server takes them (kinds/base.py): Arabic-Indic digits read as 0-9.
  var compact = (text || "").replace(/[\s\x1c-\x1f\x85\u00a0\u202f\ufeff']/g, "").replace(
    /[\u0660-\u0669\u06f0-\u06f9]/g, function (digit) { return String(digit.charCodeAt(0) & 15); });
  var decimalMark = form.getAttribute("data-decimal-mark");
  var groupMark = form.getAttribute("data-group-mark");
  if (/[\u066b\u066c]/.test(compact)) {
    // An Arabic keyboard's marks: "٫" only ever a decimal mark, "٬" only ever grouping; read as
    // English reads "." and ",", where they stand as they can (kinds/base.py).
    if (/[.,]/.test(compact) || compact.split("\u066b").length > 2) return null;
    compact = compact.replace(/\u066b/g, ".").replace(/\u066c/g, ",");
    var parts = compact.replace(/^-/, "").split(".");
    if ((parts[1] || "").indexOf(",") >= 0) return null;
    if (parts[0].indexOf(",") >= 0 && !/^[1-9]\d{0,2}(,\d{3})+$/.test(parts[0])) return null;
    decimalMark = ".";
    groupMark = ",";
  }
  if (compact.length > 40 || !/^-?\d+([.,]\d+)*$/.test(compact)) return null;
  var sign = compact.charAt(0) === "-" ? "-" : "", digits = sign ? compact.slice(1) : compact;
  var marks = digits.replace(/[^.,]/g, "");
  if (!marks) return parseFloat(sign + digits);
  var last = marks.charAt(marks.length - 1), at = digits.lastIndexOf(last);
  var head = digits.slice(0, at), tail = digits.slice(at + 1);
  function grouped(part, mark) { return new RegExp("^[1-9]\\d{0,2}(\\" + mark + "\\d{3})+$").test(part); }
  if (marks.indexOf(",") >= 0 && marks.indexOf(".") >= 0) {
    var group = last === "." ? "," : ".";
    if (head.indexOf(last) >= 0 || !grouped(head, group)) return null;
    return parseFloat(sign + head.split(group).join("") + "." + tail);
  }
  if (marks.length > 1) return grouped(digits, last) ? parseFloat(sign + digits.split(last).join("")) : null;
  if (!grouped(digits, last) || last === decimalMark) {
    return parseFloat(sign + head + "." + tail);
  }
  if (last === groupMark || whole) return parseFloat(sign + head + tail);
  return null;
}

/* "Not applicable" ticked: no answer to the question is kept (the server stores none), so its
   answer's inputs are disabled (not posted), what they hold kept in the page should the box be
   unticked; the note shown beside the box says so, with or without this script. Runs before the
   autosave below reads the form as the page shows it. */
(function () {
  "use strict";
  var form = document.getElementById("area-form");
  if (!form) return;
  var NOT_THE_ANSWER = /-(na|na_reason|na-note|comment|evidence|remove_evidence|confirm)$/;
  function answerInputs(id) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "file" && (el.name === id ||
        (el.name.indexOf(id + "-") === 0 && !NOT_THE_ANSWER.test(el.name)));
    });
  }
  function apply(box) {
    answerInputs(box.id.replace(/-na$/, "")).forEach(function (input) {
      if (box.checked && !input.disabled) {
        input.disabled = true;
        input.setAttribute("data-na-disabled", "");
      } else if (!box.checked && input.hasAttribute("data-na-disabled")) {
        input.disabled = false;
        input.removeAttribute("data-na-disabled");
      }
    });
  }
  var boxes = form.querySelectorAll(".na > input[type=checkbox]");
  Array.prototype.forEach.call(boxes, function (box) {
    apply(box);
    box.addEventListener("change", function () { apply(box); });
  });
  // Again once the autosave script has put back changes kept on this device (a box ticked
  // offline comes back without a change event).
  setTimeout(function () { Array.prototype.forEach.call(boxes, apply); }, 0);
})();

/* Respondents' area form: live show_if, autosave, offline copy. No framework; the page works without it.
   - show_if: each question carries data-show-if (a JSON tree built by the server from the same grammar);
     values of other areas' questions come from #outside-values.
   - autosave (a choice, tick or select 0.7 s after it changes; typed text when leaving the field or after
     a 3 s pause; every 30 s as a safety net): POST only the fields changed since the values the
     server last acknowledged (`ack`), each with the print of the value it was changed from (the hidden
     `base` field holds one print per answer field; see responses/merge.py). The server writes only those
     fields, and a field someone else changed in between is a conflict, never overwritten. Its answer gives
     new prints for what it now holds and, when someone else saved in between, every field's stored value:
     the page takes those its person has not changed since. 409 conflict: a link, autosave stops.
   - offline: the changed values, with what they were changed from, are copied to localStorage (per
     submission and area) until the server has them; the copy is sent again on the `online` event and on
     the next visit of the page, unless that page already shows the kept values (a plain post that went
     through). */
(function () {
  "use strict";
  var form = document.getElementById("area-form");
  if (!form || !window.fetch || !window.FormData) return;
  var statusLine = document.getElementById("save-status");
  var key = "surveys:pending:" + form.getAttribute("data-autosave");
  var strings = JSON.parse(document.getElementById("autosave-strings").textContent);
  var dirty = false, sending = false, blocked = false, storeTimer = null;
  var sendTimer = null, sendAgain = false;
  var CHOICE_DELAY_MS = 700, TYPING_PAUSE_MS = 3000;

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
  function typedNumber(input) {
    var whole = input.getAttribute("inputmode") === "numeric";
    var number = surveysReadNumber(input.value, form, whole, input.getAttribute("data-unit"));
    return number === null ? input.value : number;
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
    return inputs[0].classList.contains("num") ? typedNumber(inputs[0]) : inputs[0].value;
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
  var SKIP = { csrf_token: true, lock_version: true, base: true };
  var baseInput = form.elements.base;
  var base = {};  // field name -> print of the value this page's change of it is based on
  try { base = JSON.parse(baseInput.value || "{}") || {}; } catch (e) { base = {}; }
  var ack = {};  // field name -> values the server last acknowledged (as the page shows them)
  var retryTimer = null;

  function say(text, kind) {
    statusLine.textContent = text;
    statusLine.className = "save-status" + (kind ? " " + kind : "");
  }
  function current() {  // field name -> list of values, as the form would post them (no files)
    var out = {}, data = new FormData(form);
    data.forEach(function (value, name) {
      if (typeof value === "string" && !SKIP[name]) (out[name] = out[name] || []).push(value);
    });
    return out;
  }
  function same(a, b) { return JSON.stringify(a || []) === JSON.stringify(b || []); }
  function changedNames(now) {
    var seen = {}, out = [];
    Object.keys(now).concat(Object.keys(ack)).forEach(function (name) {
      if (!seen[name] && !same(now[name], ack[name])) out.push(name);
      seen[name] = true;
    });
    return out;
  }
  function setField(name, values) {
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (el.name !== name || el.type === "file") continue;
      if (el.type === "checkbox" || el.type === "radio") el.checked = values.indexOf(el.value) >= 0;
      else el.value = values.length ? values[0] : "";
    }
  }
  function storePending() {
    try {
      var now = current(), names = changedNames(now), values = {}, was = {}, prints = {};
      names.forEach(function (name) {
        values[name] = now[name] || [];
        was[name] = ack[name] || [];
        if (name in base) prints[name] = base[name];
      });
      localStorage.setItem(key, JSON.stringify({ values: values, ack: was, base: prints, at: Date.now() }));
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
  function restore(copy) {
    // Re-applies only what was changed on this device, each with the print it was changed from, so
    // a colleague's newer answer to another field is never replaced by a stale copy of it.
    var values = copy.values, before = copy.ack, prints = copy.base || {}, now = current();
    if (!values) {  // a copy kept by an earlier version of this page: every field with its version
      values = byName(copy.fields || []);
      before = copy.original ? byName(copy.original) : null;
      if (values.lock_version) form.elements.lock_version.value = values.lock_version[0];
    }
    Object.keys(values).forEach(function (name) {
      if (SKIP[name] || (before && same(values[name], before[name])) || same(values[name], now[name])) return;
      setField(name, values[name]);
      if (name in base) base[name] = prints[name] || "";  // "": unknown, the server decides by version
    });
    baseInput.value = JSON.stringify(base);
  }
  // A message shown beside its field is also what a screen reader reads on reaching the field
  // (aria-describedby), and it goes, with the field's invalid state, once a save accepts the value.
  function describedBy(field, id, add) {
    var ids = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (token) {
      return token && token !== id;
    });
    if (add) ids.push(id);
    if (ids.length) field.setAttribute("aria-describedby", ids.join(" "));
    else field.removeAttribute("aria-describedby");
  }
  function showErrors(errors) {
    var old = form.querySelectorAll(".error-message.js"), i;
    for (i = 0; i < old.length; i++) {
      var shown = document.getElementById(old[i].id.replace(/-jserror$/, ""));
      if (shown) {
        describedBy(shown, old[i].id, false);
        shown.removeAttribute("aria-invalid");
      }
      old[i].parentNode.removeChild(old[i]);
    }
    var below = [];  // [table box, the last message put below it]
    for (var name in errors) {
      var field = document.getElementById(name);
      if (!field) continue;
      var p = document.createElement("p");
      p.className = "error-message js";
      p.id = name + "-jserror";
      var box = field.closest(".table-scroll");
      if (box) {  // a figure of a table: below the table (its message names the figure), linked
        var link = document.createElement("a");
        link.href = "#" + name;
        link.textContent = errors[name];
        p.appendChild(link);
        var after = box;
        for (i = 0; i < below.length; i++) if (below[i][0] === box) after = below[i][1];
        after.parentNode.insertBefore(p, after.nextSibling);
        below.push([box, p]);
      } else {
        p.textContent = errors[name];
        field.parentNode.insertBefore(p, field);
      }
      field.setAttribute("aria-invalid", "true");
      describedBy(field, p.id, true);
    }
  }
  function changesBody(now, names, withToken) {
    var body = new URLSearchParams(), prints = {};
    body.append("lock_version", form.elements.lock_version.value);
    names.forEach(function (name) {
      if (name in base) prints[name] = base[name];
      (now[name] || []).forEach(function (value) { body.append(name, value); });
    });
    body.append("base", JSON.stringify(prints));
    if (withToken) body.append("csrf_token", form.elements.csrf_token.value);
    return body;
  }
  function takeServerValues(server) {
    // Someone else saved in between: take their values where this page still shows what it had.
    Object.keys(server).forEach(function (name) {
      var stored = server[name];
      if (!(name in base) || stored.print === base[name] || !same(current()[name], ack[name])) return;
      setField(name, stored.value);
      ack[name] = current()[name] || [];
      base[name] = stored.print;
    });
  }
  function acknowledge(data, now, names, complete) {
    var acked = data.base || {};
    names.forEach(function (name) {
      if (name in acked) { base[name] = acked[name]; ack[name] = now[name] || []; }
      else if (!(name in base) && complete) ack[name] = now[name] || [];  // confirmations, removals
    });
    if (data.server) takeServerValues(data.server);
    baseInput.value = JSON.stringify(base);
    form.elements.lock_version.value = data.lock_version;
    applyConditions();
  }
  function retrySoon() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(send, 3000 + Math.random() * 2000);
  }
  function send() {
    clearTimeout(sendTimer);
    if (sending) { sendAgain = true; return; }  // sent once the post in flight is answered
    if (blocked) return;
    var now = current(), names = changedNames(now);
    if (!names.length) {  // changed back to what the server has: nothing to send
      dirty = false;
      clearPending();
      say("");
      return;
    }
    sending = true;
    say(strings.saving);
    fetch(form.getAttribute("action") || window.location.href, {
      method: "POST", body: changesBody(now, names, false), credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": form.elements.csrf_token.value }
    }).then(function (response) {
      return response.json().then(function (data) { return { code: response.status, data: data }; });
    }).then(function (result) {
      sending = false;
      var data = result.data;
      if (result.code === 200 || result.code === 422) {
        acknowledge(data, now, names, result.code === 200);
        showErrors(data.errors || {});
        var progress = document.getElementById("area-progress");
        if (progress && data.progress) progress.textContent = data.progress;
        dirty = changedNames(current()).length > 0;
        if (dirty) storePending(); else clearPending();
        say(result.code === 200 ? data.status : strings.invalid, result.code === 200 ? "" : "failed");
        if (sendAgain && dirty) sendTimer = setTimeout(send, CHOICE_DELAY_MS);
        sendAgain = false;
      } else if (result.code === 409 && data.error === "busy") {  // others saving this instant
        storePending();
        say(data.message, "failed");
        retrySoon();
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
  function changed(target) {
    dirty = true;
    if (!blocked) say(strings.unsaved);
    clearTimeout(storeTimer);
    storeTimer = setTimeout(storePending, 400);
    // A choice is complete once made: saved shortly after (debounced, so a run of ticks is one
    // post); typed text on leaving the field (focusout) or after a pause in the typing.
    var choice = target.type === "radio" || target.type === "checkbox" || target.tagName === "SELECT";
    clearTimeout(sendTimer);
    sendTimer = setTimeout(send, choice ? CHOICE_DELAY_MS : TYPING_PAUSE_MS);
  }

  form.addEventListener("input", function (event) {
    if (event.target.type !== "file" && event.target.form === form) changed(event.target);
    applyConditions();
  });
  form.addEventListener("change", function (event) {
    if (event.target.type !== "file" && event.target.form === form) changed(event.target);
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
      var now = current();
      navigator.sendBeacon(form.getAttribute("action") || window.location.href,
        changesBody(now, changedNames(now), true));
    }
  });
  setInterval(function () { if (dirty) send(); }, 30000);

  ack = current();  // as the server rendered the page
  var pending = null;
  try { pending = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { pending = null; }
  if (pending && (pending.values || pending.fields)) restore(pending);
  if (pending && changedNames(current()).length) {
    dirty = true;
    say(strings.restoring);
    send();
  } else if (pending) {
    clearPending();  // the page shows exactly what was kept: the server has it
  }
  applyConditions();
})();

/* Evidence files over the size limit: refused when chosen, before anything is sent. The server
   refuses them too, but a request that large is refused before it is read, answers and all; here the
   person keeps the page and learns which file and what limit. The chosen file is taken out of the
   input, so saving the page still sends the answers. */
(function () {
  "use strict";
  var form = document.getElementById("area-form");
  if (!form || !form.getAttribute("data-max-upload")) return;
  var limit = parseInt(form.getAttribute("data-max-upload"), 10);
  var lang = document.documentElement.lang || "en";
  function megabytes(bytes) {
    var num = bytes / 1048576;
    var text = window.Intl ? new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(num)
      : String(Math.round(num * 10) / 10);
    return form.getAttribute("data-megabytes").replace("{num}", text);
  }
  function clear(input) {
    var old = document.getElementById(input.id + "-sizeerror");
    if (old) old.parentNode.removeChild(old);
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
  function check(input) {
    clear(input);
    var files = input.files || [], big = null;
    for (var i = 0; i < files.length; i++) if (files[i].size > limit) big = files[i];
    if (!big) return true;
    var p = document.createElement("p");
    p.className = "error-message";
    p.id = input.id + "-sizeerror";
    p.setAttribute("role", "alert");
    p.textContent = form.getAttribute("data-too-large").replace("{name}", big.name)
      .replace("{size}", megabytes(big.size));
    input.parentNode.insertBefore(p, input);
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", p.id);
    input.value = "";  // not sent with the answers
    return false;
  }
  form.addEventListener("change", function (event) {
    if (event.target.type === "file") check(event.target);
  });
  form.addEventListener("submit", function (event) {
    var inputs = form.querySelectorAll("input[type=file]"), ok = true;
    for (var i = 0; i < inputs.length; i++) if (inputs[i].files && inputs[i].files.length && !check(inputs[i])) ok = false;
    if (!ok) event.preventDefault();
  }, true);  // capture: runs before the autosave script keeps a copy of a post that is not sent
})();

/* The sticky save bar's height, for the scroll padding that keeps the focused field above it
   (responses.css): its buttons wrap to a second row on a narrow window, and the save status may
   add a line. A text box the browser scrolled only as far as its caret is brought up whole. */
(function () {
  "use strict";
  var bar = document.querySelector(".save-bar");
  if (!bar) return;
  if (window.ResizeObserver) {
    new ResizeObserver(function () {
      document.documentElement.style.setProperty("--save-bar-height", bar.offsetHeight + "px");
    }).observe(bar);
  }
  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (!field.getBoundingClientRect || bar.contains(field)) return;
    if (getComputedStyle(bar).position !== "sticky") return;
    if (field.getBoundingClientRect().bottom > bar.getBoundingClientRect().top) {
      field.scrollIntoView({ block: "nearest" });  // above the bar: the scroll padding counts
    }
  });
})();

/* Computed totals of statistics tables: a total cell (read-only, data-total-of = its parts' field
   names) shows the sum of its parts as they are typed; the server computes the same sum on save and
   ignores whatever the cell holds. */
(function () {
  "use strict";
  var form = document.getElementById("area-form");
  if (!form) return;
  var totals = document.querySelectorAll("input[data-total-of]");
  Array.prototype.forEach.call(totals, function (total) {
    var parts = total.getAttribute("data-total-of").split(" ").map(function (name) {
      return document.getElementById(name);
    }).filter(Boolean);
    function update() {
      var sum = 0, complete = true;
      parts.forEach(function (part) {
        var value = surveysReadNumber(part.value, form, part.getAttribute("inputmode") === "numeric");
        if (value === null) complete = false; else sum += value;
      });
      var shown = String(Math.round(sum * 1e6) / 1e6);
      total.value = complete ? shown.replace(".", form.getAttribute("data-decimal-mark")) : "";
    }
    parts.forEach(function (part) { part.addEventListener("input", update); });
  });
})();

/* Exclusive options of a multiple choice ("none of these"): ticking one unticks the other options,
   ticking another option unticks it. The server refuses the combination in any case (without
   JavaScript the respondent gets a field error); autosave posts the boxes as they end up. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box || box.type !== "checkbox" || !box.checked || !box.closest) return;
    var group = box.closest("[data-exclusive-group]");
    if (!group) return;
    var alone = box.hasAttribute("data-exclusive");
    Array.prototype.forEach.call(group.querySelectorAll("input[type=checkbox]"), function (other) {
      if (other !== box && other.checked && (alone || other.hasAttribute("data-exclusive"))) {
        other.checked = false;
      }
    });
  }, true);  // capture: autosave and the conditions, listening on the form, see the group as posted
})();

// The PCS form: fields shown as choices change, the document built from the inputs (each
// named by its configuration path), inline messages from the server's "Check configuration".
"use strict";
(function () {
  const form = document.getElementById("node-form");
  const catalog = JSON.parse(document.getElementById("catalog").textContent);
  const initial = JSON.parse(document.getElementById("initial").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const OPTIONAL = ["gps", "watchdog", "battery_warning"];
  const byName = (name) => form.querySelector(`[name="${CSS.escape(name)}"]:not(:disabled)`) ||
    form.querySelector(`[name="${CSS.escape(name)}"]`);
  // a field's label as the form shows it (its path when it has none)
  const label = (path) => {
    const shown = byName(path);
    const text = shown && shown.closest(".field") && shown.closest(".field").querySelector("label");
    return text ? text.textContent.trim() : path;
  };

  function option(select, value, text, selected) {
    const item = document.createElement("option");
    item.value = value;
    item.textContent = text;
    if (selected) item.selected = true;
    select.appendChild(item);
  }

  function field(path, label, control) {
    const wrap = document.createElement("div");
    wrap.className = "field";
    wrap.dataset.path = path;
    const tag = document.createElement("label");
    tag.textContent = label;
    control.id = "f-" + path;
    tag.htmlFor = control.id;
    const msg = document.createElement("p");
    msg.className = "msg";
    wrap.append(tag, control, msg);
    return wrap;
  }

  function numberInput(name, kind) {
    const input = document.createElement("input");
    input.type = "number";
    input.name = name;
    input.dataset.kind = kind;
    if (kind === "float") input.step = "any";
    return input;
  }

  function checkboxes(container, name, choices) {
    for (const [value, text] of Object.entries(choices)) {
      const label = document.createElement("label");
      label.className = "pick";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.name = name;
      box.value = value;
      box.dataset.kind = "multi";
      label.append(box, " " + text);
      container.appendChild(label);
    }
  }

  // --- static choices from the catalog ------------------------------------------------------
  const model = document.getElementById("f-model");
  for (const [id, spec] of Object.entries(catalog.models)) option(model, id, spec.name);
  const licence = document.getElementById("f-licence");
  for (const [id, name] of Object.entries(catalog.licences)) {
    option(licence, id, name, id === licence.dataset.fixed);
  }
  const radio = document.getElementById("f-radio.type");
  for (const [id, spec] of Object.entries(catalog.radios)) option(radio, id, spec.name);
  const baud = document.getElementById("f-industrial.baud_rate");
  for (const rate of catalog.modbus.baud_rates) option(baud, rate, rate, rate === 9600);
  const speed = document.getElementById("f-industrial.speed_kbps");
  for (const kbps of catalog.canbus.speeds_kbps) option(speed, kbps, kbps, kbps === 500);
  checkboxes(document.getElementById("can-operations"), "industrial.operations", catalog.canbus.operations);
  checkboxes(document.getElementById("gps-fields"), "gps.fields", catalog.gps.fields);
  const reads = document.getElementById("modbus-reads");
  for (let i = 0; i < catalog.modbus.max_reads; i++) {
    const row = document.createElement("div");
    row.className = "row";
    row.dataset.path = `industrial.reads.${i}`;
    for (const [key, label] of [["slave", "Slave"], ["start_register", "Start register"], ["count", "Registers"]]) {
      row.appendChild(field(`industrial.reads.${i}.${key}`, `Read ${i + 1}: ${label}`, numberInput(`industrial.reads.${i}.${key}`, "int")));
    }
    reads.appendChild(row);
  }

  // --- dependent choices --------------------------------------------------------------------
  function socketExtras(socket, probeId) {
    const box = form.querySelector(`.socket[data-socket="${socket}"] .extras`);
    box.replaceChildren();
    const probe = catalog.probes[probeId];
    if (!probe) return;
    const base = `sockets.${socket}`;
    const kind = probe.calibration ? catalog.calibrations[probe.calibration] : null;
    if (kind && kind.points) {
      for (let i = 0; i < kind.points; i++) {
        for (const key of ["ppm", "volts"]) {
          box.appendChild(field(`${base}.points.${i}.${key}`, `Point ${i + 1} ${key}`, numberInput(`${base}.points.${i}.${key}`, "float")));
        }
      }
    } else if (kind) {
      for (const [name, spec] of Object.entries(kind.values)) {
        const input = numberInput(`${base}.calibration.${name}`, "float");
        input.title = spec.help;
        box.appendChild(field(`${base}.calibration.${name}`, `${name.replaceAll("_", " ")} (${spec.unit})`, input));
      }
    }
    if (probe.events) {
      const select = document.createElement("select");
      select.name = `${base}.event`;
      select.dataset.kind = "text";
      for (const [value, text] of Object.entries(catalog.choice_names.event)) option(select, value, text);
      box.appendChild(field(`${base}.event`, "Event", select));
    }
    if (probe.xtreme_calibration) {
      const box2 = document.createElement("input");
      box2.type = "checkbox";
      box2.name = `${base}.calibrate`;
      box2.dataset.kind = "bool";
      box.appendChild(field(`${base}.calibrate`, "Offer the calibration menu", box2));
    }
  }

  function modelChanged() {
    const spec = catalog.models[model.value] || { sockets: {}, builtin: [] };
    for (const socket of "ABCDEF") {
      const wrap = form.querySelector(`.socket[data-socket="${socket}"]`);
      const select = wrap.querySelector("select");
      const previous = select.value;
      select.replaceChildren();
      const offered = spec.sockets[socket] || [];
      wrap.hidden = offered.length === 0;
      option(select, "", "— empty —");
      for (const id of offered) option(select, id, catalog.probes[id] ? catalog.probes[id].name : id, id === previous);
      socketExtras(socket, select.value);
    }
    document.getElementById("builtin").textContent = spec.builtin.length ? "Built in: " + spec.builtin.join(", ") : "";
  }

  const destination = document.getElementById("f-destination.type");
  const destinationNames = catalog.choice_names["destination.type"];
  function radioChanged() {
    const allowed = (catalog.radios[radio.value] || { destinations: [] }).destinations;
    const previous = destination.value;
    destination.replaceChildren();
    option(destination, "", allowed.length ? "—" : "none (set in the network server)");
    for (const id of allowed) option(destination, id, destinationNames[id] || id, id === previous);
  }

  // --- visibility ---------------------------------------------------------------------------
  function currentValue(path) {
    const input = byName(path);
    if (!input) return "";
    if (input.type === "checkbox") return input.checked ? "true" : "false";
    return input.value;
  }

  function holds(condition) {
    return condition.split(";").every((part) => {
      const [path, values] = part.split("=");
      return values.split(",").includes(currentValue(path.trim()));
    });
  }

  function setShown(element, shown) {
    element.hidden = !shown;
  }

  function refresh() {
    settle();
    settle();  // a condition may read an input the first pass enabled
  }

  function settle() {
    for (const element of form.querySelectorAll("[data-when]")) setShown(element, holds(element.dataset.when));
    for (const name of OPTIONAL) {
      const toggle = form.querySelector(`[name="${name}.enabled"]`);
      const section = form.querySelector(`[data-section="${name}"]`);
      for (const wrap of section.querySelectorAll(".field")) {
        if (wrap.dataset.path !== `${name}.enabled`) wrap.hidden = !toggle.checked;
      }
    }
    // an input counts only where it is shown
    for (const input of form.querySelectorAll("input, select, textarea")) {
      if (input.id === "f-licence") continue;
      input.disabled = Boolean(input.closest("[hidden]"));
    }
  }

  // --- the document -------------------------------------------------------------------------
  function put(target, parts, value) {
    let here = target;
    parts.forEach((part, index) => {
      const last = index === parts.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(parts[index + 1]);
      if (last) here[part] = value;
      else {
        if (here[part] === undefined) here[part] = nextIsIndex ? [] : {};
        here = here[part];
      }
    });
  }

  function compact(value) {
    if (Array.isArray(value)) return value.filter((item) => item !== undefined && item !== null).map(compact);
    if (value && typeof value === "object") {
      for (const key of Object.keys(value)) value[key] = compact(value[key]);
    }
    return value;
  }

  function read(input) {
    const raw = input.value.trim();
    switch (input.dataset.kind) {
      case "bool": return input.checked;
      case "int": return raw === "" ? undefined : (/^-?\d+$/.test(raw) ? Number(raw) : raw);
      case "float": return raw === "" ? undefined : (Number.isFinite(Number(raw)) ? Number(raw) : raw);
      case "int_or_text": return raw === "" ? undefined : (/^-?\d+$/.test(raw) ? Number(raw) : raw);
      default: return raw === "" ? undefined : raw;
    }
  }

  function collect() {
    const document_ = {};
    const multi = {};
    for (const input of form.querySelectorAll("[name]")) {
      if (input.disabled || input.id === "f-licence") continue;
      if (input.dataset.kind === "multi") {
        multi[input.name] = multi[input.name] || [];
        if (input.checked) multi[input.name].push(input.value);
        continue;
      }
      const value = read(input);
      if (value !== undefined) put(document_, input.name.split("."), value);
    }
    for (const [name, values] of Object.entries(multi)) if (values.length) put(document_, name.split("."), values);
    for (const name of OPTIONAL) {
      if (document_[name] && document_[name].enabled === false) delete document_[name];
    }
    return compact(document_);
  }

  // A document as input names and values. A list of plain values is given both whole (the
  // checkboxes of a multiple choice take it so) and item by item (inputs named "x.0", "x.1").
  function flatten(value, prefix, out) {
    if (Array.isArray(value) && value.every((item) => item === null || typeof item !== "object")) {
      out[prefix] = value;
      value.forEach((item, index) => { if (item !== null) out[`${prefix}.${index}`] = item; });
    } else if (value && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) flatten(item, prefix ? `${prefix}.${key}` : key, out);
    } else out[prefix] = value;
    return out;
  }

  // A secret field's hint that the device has it saved, or that the node brings its own,
  // replaces the field's own placeholder until another device or template is loaded.
  function hint(input, kind, text) {
    if (!input.dataset.hint) input.dataset.placeholder = input.placeholder;
    input.dataset.hint = kind;
    input.placeholder = text;
  }
  function clearHints(keepSaved) {
    for (const input of form.querySelectorAll("[data-hint]")) {
      if (keepSaved && input.dataset.hint === "saved") continue;
      input.placeholder = input.dataset.placeholder || "";
      delete input.dataset.hint;
      delete input.dataset.placeholder;
    }
  }

  function fill(doc, { keepSaved = false } = {}) {
    clearHints(keepSaved);
    const values = flatten(doc, "", {});
    for (const [socket, chosen] of Object.entries(doc.sockets || {})) {
      values[`sockets.${socket}.probe`] = typeof chosen === "string" ? chosen : chosen.probe;
    }
    const order = ["model", "radio.type", "destination.type", "industrial.protocol"];
    const apply = (path, value) => {
      if (path.endsWith(".probe")) {
        const select = byName(path);
        if (select) { select.value = value; socketExtras(path.split(".")[1], value); }
        return;
      }
      const inputs = form.querySelectorAll(`[name="${CSS.escape(path)}"]`);
      for (const input of inputs) {
        if (input.dataset.kind === "multi") input.checked = Array.isArray(value) && value.includes(input.value);
        else if (Array.isArray(value)) continue;  // its items fill the inputs "path.0", "path.1"…
        else if (input.type === "checkbox") input.checked = Boolean(value);
        else input.value = value;
      }
    };
    for (const path of order) if (values[path] !== undefined) { apply(path, values[path]); if (path === "model") modelChanged(); if (path === "radio.type") radioChanged(); }
    for (const [path, value] of Object.entries(values)) {
      if (!order.includes(path) && path.endsWith(".probe")) apply(path, value);
    }
    for (const [path, value] of Object.entries(values)) {
      if (!order.includes(path) && !path.endsWith(".probe")) apply(path, value);
    }
    for (const name of OPTIONAL) {
      const toggle = form.querySelector(`[name="${name}.enabled"]`);
      toggle.checked = Boolean(doc[name]) && doc[name].enabled !== false;
    }
    for (const path of doc._kept_secrets || []) {
      for (const input of form.querySelectorAll(`[name="${CSS.escape(path)}"]`)) hint(input, "saved", "saved — leave empty to keep");
    }
    refresh();
  }

  // --- messages -----------------------------------------------------------------------------
  function clearMessages() {
    for (const msg of form.querySelectorAll(".msg")) { msg.textContent = ""; msg.className = "msg"; }
    for (const wrap of form.querySelectorAll(".field.has-error, .field.has-warning")) wrap.classList.remove("has-error", "has-warning");
    document.getElementById("form-messages").replaceChildren();
  }

  function placeFor(path) {
    const parts = path.split(".");
    while (parts.length) {
      const here = parts.join(".");
      const found = [...form.querySelectorAll(`[data-path="${CSS.escape(here)}"]`)].find((el) => !el.closest("[hidden]"));
      if (found) return found.classList.contains("field") ? found : found.querySelector(".field") || found;
      parts.pop();
    }
    return null;
  }

  function show(issues, severity) {
    for (const issue of issues) {
      const place = placeFor(issue.path || "");
      const text = issue.message;
      if (place && place.querySelector(".msg")) {
        const msg = place.querySelector(".msg");
        msg.textContent = msg.textContent ? `${msg.textContent} · ${text}` : text;
        msg.classList.add(severity);
        place.classList.add(severity === "error" ? "has-error" : "has-warning");
        msg.dataset.path = issue.path;
      } else {
        const line = document.createElement("p");
        line.className = `msg ${severity}`;
        line.textContent = issue.path ? `${issue.path}: ${issue.message}` : issue.message;
        document.getElementById("form-messages").appendChild(line);
      }
    }
  }

  function status(text) { document.getElementById("form-status").textContent = text; }

  async function call(url, options) {
    const response = await fetch(url, Object.assign({ credentials: "same-origin" }, options, {
      headers: Object.assign({ "Content-Type": "application/json", "X-CSRF-Token": csrf }, (options || {}).headers),
    }));
    if (response.status === 401) { window.location = "/login?next=" + encodeURIComponent(location.pathname + location.search); }
    return response;
  }

  // The panel's verdict: never "Valid" while a field is marked in red.
  function verdict(errors, warnings) {
    const red = form.querySelectorAll(".field.has-error").length;
    const count = Math.max(errors, red);
    const line = document.getElementById("check-verdict");
    line.textContent = count
      ? `${count} error(s), ${warnings} warning(s): fix the fields marked in red.`
      : `Valid, ${warnings} warning(s).`;
    line.className = count ? "notice error" : "notice ok";
  }

  function showReport(report, panel) {
    clearMessages();
    show(report.errors, "error");
    show(report.warnings, "warning");
    const section = document.getElementById("check-result");
    if (!panel && section.hidden) return;  // a shown panel follows every check
    section.hidden = false;
    verdict(report.errors.length, report.warnings.length);
    document.getElementById("check-text").textContent = report.text || "";
    showSheet(report.sheet || []);
  }

  // the summary as a sheet: a table per section of the form, labels and values as people read them
  function showSheet(sections) {
    const sheet = document.getElementById("check-sheet");
    sheet.replaceChildren();
    for (const section of sections) {
      const heading = document.createElement("h3");
      heading.textContent = section.title;
      const table = document.createElement("table");
      table.className = "list";
      for (const row of section.rows) {
        const tr = document.createElement("tr");
        const th = document.createElement("th"); th.scope = "row"; th.textContent = row.label;
        const td = document.createElement("td"); td.textContent = row.value;
        tr.append(th, td); table.appendChild(tr);
      }
      sheet.append(heading, table);
    }
    document.getElementById("check-raw").hidden = !sections.length;
  }

  let pending = null;
  async function check(panel) {
    const response = await call("/api/v1/pcs/check", { method: "POST", body: JSON.stringify(collect()) });
    const report = await response.json();
    if (!response.ok) {
      clearMessages();
      show([{ path: report.path || "", message: report.error }], "error");
      if (!document.getElementById("check-result").hidden) {
        verdict(1, 0);
        document.getElementById("check-text").textContent = "";
        showSheet([]);
      }
      return null;
    }
    showReport(report, panel);
    return report;
  }

  function soon() {
    clearTimeout(pending);
    pending = setTimeout(() => check(false), 400);
  }

  async function compile() {
    status(document.getElementById("compile").dataset.binary === "yes" ? "Building…" : "Generating the sources…");
    const response = await call("/api/v1/pcs/program", { method: "POST", body: JSON.stringify(collect()) });
    if (response.status === 422) {
      const report = await response.json();
      if (report.errors) showReport(report, true);
      else show([{ path: report.path || "", message: report.error }], "error");
      status("Not built: the configuration has errors.");
      return;
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => ({ error: response.statusText }));
      clearMessages();
      show([{ path: problem.path || "", message: problem.error }], "error");
      status("Not built.");
      return;
    }
    const blob = await response.blob();
    const disposition = response.headers.get("Content-Disposition") || "";
    const name = (disposition.match(/filename="([^"]+)"/) || [null, "bundle.zip"])[1];
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    status(response.headers.get("X-Openpcs-Binary") === "hex"
      ? `Downloaded ${name} (with the .hex binary): the device's page says how to put it on the node`
      : `Downloaded ${name}: the program's sources only, no binary (see the note below)`);
  }

  // --- the gateway's CA, for a destination over HTTPS ---------------------------------------
  for (const button of document.querySelectorAll(".use-gateway-ca")) {
    button.addEventListener("click", async () => {
      const target = document.getElementById(button.dataset.target);
      const note = target.closest(".field").querySelector(".msg");
      const answer = await fetch("/ca.pem", { credentials: "same-origin" }).catch(() => null);
      if (!answer) { note.textContent = "the gateway did not answer: try again"; return; }
      if (!answer.ok) {
        note.textContent = "this gateway has no CA to hand out (its HTTPS certificate was given by its admin without one, or it has not started with HTTPS on yet)";
        return;
      }
      target.value = await answer.text();
      target.dispatchEvent(new Event("input", { bubbles: true }));
      note.textContent = "the gateway's CA certificate; the node checks the gateway's HTTPS with it";
    });
  }

  // --- templates ----------------------------------------------------------------------------
  const templateStatus = document.getElementById("template-status");
  document.getElementById("template-save").addEventListener("click", async () => {
    const name = document.getElementById("template-name").value.trim();
    if (!name) { templateStatus.textContent = "give the template a name"; return; }
    const response = await call(`/api/v1/pcs/templates/${encodeURIComponent(name)}`, { method: "PUT", body: JSON.stringify(collect()) });
    const answer = await response.json();
    if (!response.ok) { templateStatus.textContent = answer.error; return; }
    const own = Object.keys(answer.placeholders || {});
    templateStatus.textContent = `saved ${answer.name} v${answer.version} (no serial, node name or secrets` +
      (own.length ? `; each node brings its own ${own.map(label).join(", ")})` : ")");
    // the picker offers the version just saved
    const pick = document.getElementById("template-pick");
    let option = [...pick.options].find((o) => o.value === answer.name);
    if (!option) { option = document.createElement("option"); option.value = answer.name; pick.appendChild(option); }
    option.textContent = `${answer.name} (v${answer.version})`;
    pick.value = answer.name;
  });
  document.getElementById("template-load").addEventListener("click", async () => {
    const name = document.getElementById("template-pick").value;
    if (!name) return;
    const response = await call(`/api/v1/pcs/templates/${encodeURIComponent(name)}`, { method: "GET" });
    const answer = await response.json();
    if (!response.ok) { templateStatus.textContent = answer.error; return; }
    const keep = { serial: byName("serial").value, node_name: byName("node_name").value };
    form.reset();
    fill(Object.assign({}, answer.document, keep), { keepSaved: true });
    // each secret the template leaves to the node, unless this device has it saved already
    const own = Object.keys(answer.placeholders || {}).filter((path) => {
      const input = byName(path);
      return input && input.dataset.hint !== "saved";
    });
    for (const path of own) hint(byName(path), "own", "this node's own: fill it in");
    templateStatus.textContent = `loaded ${name} v${answer.version}` +
      (own.length ? `: fill in this node's ${own.map(label).join(", ")}` : "");
    soon();
  });

  // --- picking a registered device ----------------------------------------------------------
  // A serial from the registry loads that device: its saved configuration, or else its model
  // and name. What the form held is replaced, so the device's own values are what is checked.
  async function loadDevice(serial) {
    const known = [...document.querySelectorAll("#registered option")].some((o) => o.value === serial);
    if (!known) return;
    const path = `/api/v1/pcs/devices/${encodeURIComponent(serial)}`;
    const saved = await fetch(`${path}/config`, { credentials: "same-origin" });
    form.reset();
    if (saved.ok) {
      fill(Object.assign(await saved.json(), { serial }));
      status(`loaded the saved configuration of ${serial}`);
    } else {
      const device = await fetch(path, { credentials: "same-origin" });
      if (!device.ok) return;
      const entry = await device.json();
      fill({ serial, node_name: entry.name || "", model: entry.model, sleep: { minutes: 10 } });
      status(`${serial} has no saved configuration yet: its model and name are filled in`);
    }
    soon();
  }

  // --- wiring -------------------------------------------------------------------------------
  form.addEventListener("change", (event) => {
    if (event.target.name === "serial") loadDevice(event.target.value.trim().toUpperCase());
    if (event.target === model) modelChanged();
    if (event.target === radio) radioChanged();
    if (event.target.name && event.target.name.endsWith(".probe")) socketExtras(event.target.name.split(".")[1], event.target.value);
    refresh();
    soon();
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  document.getElementById("check").addEventListener("click", () => check(true));
  document.getElementById("compile").addEventListener("click", compile);

  modelChanged();
  radioChanged();
  const start = Object.keys(initial).length ? initial : {};
  if (!start.sleep) start.sleep = { minutes: 10 };
  fill(start);
  refresh();
  window.openpcsForm = { collect, check, fill };
  form.dataset.ready = "true";
})();

// Small DOM helpers, the translated strings (from the server's catalogs, /field/i18n.json) and
// the glossary's words for coded values (GET /api/v1/glossary: the same words the console and SMS use).
let strings = {};
let glossary = {};
let serial = 0;

export function setStrings(table) {
  strings = table;
}

export function setGlossary(groups) {
  glossary = groups || {};
}

// A coded value as the glossary names it: `term("classification", "controlled")` → 控制满意.
export function term(group, code) {
  if (code === null || code === undefined || code === "") return "—";
  return glossary[group]?.[code] ?? code;
}

// An urgency always with its window (DOMAIN.md): 急诊（15分钟内接收）.
export function urgencyLabel(code) {
  const word = term("urgency", code);
  const window = glossary.urgency_window?.[code];
  if (!window) return word;
  return document.documentElement.lang === "en" ? `${word} (${window})` : `${word}（${window}）`;
}

// A translated string; `{name}` placeholders are filled from `params`.
export function t(key, params = {}) {
  const text = strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

const PROPERTIES = new Set(["value", "checked", "disabled", "selected", "required", "hidden", "multiple"]);

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (PROPERTIES.has(name)) el[name] = value;
    else el.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

function uid(prefix) {
  serial += 1;
  return `${prefix}-${serial}`;
}

// A labelled input: every input on every screen has a visible label.
export function field(label, input, hint) {
  input.id ||= uid(input.name || "f");
  return h("div", { class: "field" }, h("label", { for: input.id }, label), input, hint ? h("p", { class: "hint" }, hint) : null);
}

export function input(name, attrs = {}) {
  return h("input", { name, ...attrs });
}

export function select(name, options, value, attrs = {}) {
  return h(
    "select",
    { name, ...attrs },
    options.map(([optionValue, label]) => h("option", { value: optionValue, selected: optionValue === value }, label)),
  );
}

export function checkbox(name, label, checked, value = "on") {
  const box = h("input", { type: "checkbox", name, value, checked, id: uid(name) });
  return h("label", { class: "check", for: box.id }, box, h("span", {}, label));
}

export function radios(name, options, value, required = false) {
  return h(
    "fieldset",
    { class: "choices" },
    options.map(([optionValue, label]) => {
      const radio = h("input", { type: "radio", name, value: optionValue, checked: optionValue === value, required, id: uid(name) });
      return h("label", { class: "check", for: radio.id }, radio, h("span", {}, label));
    }),
  );
}

export function fieldset(legend, ...children) {
  return h("fieldset", {}, h("legend", {}, legend), ...children);
}

export function button(label, onclick, kind = "primary", attrs = {}) {
  return h("button", { type: "button", class: kind, onclick, ...attrs }, label);
}

export function link(label, href, kind = "") {
  return h("a", { href, class: kind ? `button ${kind}` : "" }, label);
}

export function errorList(errors) {
  if (!errors) return null;
  const entries = Object.entries(errors);
  return h(
    "ul",
    { class: "errors", role: "alert" },
    entries.map(([name, messages]) => {
      const text = [].concat(messages).join("; ");
      return h("li", {}, name === "_" ? text : `${fieldLabel(name)}: ${text}`);
    }),
  );
}

function fieldLabel(name) {
  const key = `field_${name}`;
  return key in strings ? strings[key] : name;
}

// Local calendar date (YYYY-MM-DD) and datetime-local value of a Date, in the phone's time zone.
export function localDate(date = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function localDateTime(date = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${localDate(date)}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function formatInstant(iso) {
  if (!iso) return "";
  return localDateTime(new Date(iso)).replace("T", " ");
}

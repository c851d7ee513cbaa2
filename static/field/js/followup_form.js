// The follow-up form: the national record (高血压/2型糖尿病患者随访服务记录表), built from the
// items of GET /api/v1/rules (fieldapp/followups/items.py), section by section as the paper form.
import * as area from "./area.js";
import { compact, form, instant, missing, screen } from "./forms.js";
import { go } from "./nav.js";
import { assess, suggestUrgency } from "./rules.js";
import * as store from "./store.js";
import { enqueue } from "./sync.js";
import { button, checkbox, field, fieldset, h, input, localDateTime, radios, select, t, term } from "./ui.js";

const MODES = ["home", "clinic", "phone"];
// What a new follow-up copies from the previous one of the condition (DOMAIN.md "Prefill").
const PREFILLED = ["medications", "insulin", "lifestyle", "target_weight_kg", "target_bmi"];
const lang = () => (document.documentElement.lang.startsWith("en") ? "en" : "zh");
// A code's words (the glossary's, sent with the rules so they are there offline).
export const word = (rules, group, code) => rules?.form?.words?.[group]?.[code]?.[lang()] || code;
const label = (item) => item.label[lang()] + (item.range?.unit && item.kind !== "pair" ? ` (${item.range.unit})` : "");
const forCondition = (item, condition) => item.conditions.includes(condition);

function numberInput(name, value, item, attrs = {}) {
  const whole = item.whole;
  return input(name, {
    type: "number",
    inputmode: whole ? "numeric" : "decimal",
    step: whole ? 1 : "any",
    min: item.range?.low,
    max: item.range?.high,
    value: value ?? "",
    ...attrs,
  });
}

function choiceSelect(rules, name, item, value) {
  return select(name, [["", "—"], ...item.choices.map((code) => [code, word(rules, item.group, code)])], value || "");
}

// The codes a resident may be asked about: the union for one enrolled for both (DOMAIN.md).
function dangerCodes(rules, conditions) {
  return [...new Set(conditions.flatMap((c) => rules.danger_signs[c] || []))];
}

function medicineRow(value = {}) {
  const row = h(
    "div",
    { class: "medicine" },
    field(t("fu_medicine_name"), input("med_name", { value: value.name || "", maxlength: 100, autocomplete: "off" })),
    h(
      "div",
      { class: "pair" },
      field(t("fu_times_per_day"), input("med_times", { type: "number", inputmode: "numeric", min: 1, max: 24, step: 1, value: value.times_per_day ?? "" })),
      field(t("fu_dose"), input("med_dose", { value: value.dose || "", maxlength: 100 })),
    ),
  );
  row.append(button(t("fu_remove"), () => row.remove(), "secondary"));
  return row;
}

function medicationsBlock(values) {
  const list = h("div", { class: "medicines" }, (values.medications || []).map((m) => medicineRow(m)));
  const none = checkbox("no_medicines", t("fu_no_medicines"), Array.isArray(values.medications) && values.medications.length === 0);
  return h("div", {}, list, button(t("fu_add_medicine"), () => list.append(medicineRow()), "secondary"), none);
}

// One item's inputs, named after the item (pairs and objects as name.part).
function itemInputs(rules, item, values, conditions) {
  const value = item.name.startsWith("lifestyle.") ? values.lifestyle?.[item.name.slice(10)] : values[item.name];
  const name = item.name;
  switch (item.kind) {
    case "codes": {
      const codes = item.name === "danger_signs" ? dangerCodes(rules, conditions) : item.choices_by_condition[conditions[0]];
      return fieldset(label(item), codes.map((code) => checkbox(name, word(rules, item.group, code), (value || []).includes(code), code)));
    }
    case "integer":
    case "number":
      return field(label(item), numberInput(name, value, item));
    case "text":
      return field(label(item), h("textarea", { name, rows: 2, maxlength: item.max_length, value: value || "" }));
    case "date":
      return field(label(item), input(name, { type: "date", value: value || "" }));
    case "boolean":
      return checkbox(name, label(item), value);
    case "choice":
      return fieldset(label(item), radios(name, item.choices.map((code) => [code, word(rules, item.group, code)]), value));
    case "pair": {
      const part = (side) => (item.choices ? choiceSelect(rules, `${name}.${side}`, item, value?.[side]) : numberInput(`${name}.${side}`, value?.[side], item));
      const unit = item.range?.unit ? ` (${item.range.unit})` : "";
      return fieldset(`${label(item)}${unit}`, h("div", { class: "pair" }, field(t("fu_now"), part("now")), field(t("fu_target"), part("target"))));
    }
    case "feet":
      return fieldset(
        label(item),
        h("div", { class: "pair" }, field(t("fu_left"), choiceSelect(rules, `${name}.left`, item, value?.left)), field(t("fu_right"), choiceSelect(rules, `${name}.right`, item, value?.right))),
      );
    case "medications":
      return fieldset(label(item), medicationsBlock(values));
    case "insulin":
      return fieldset(
        label(item),
        field(t("fu_insulin_kind"), input(`${name}.kind`, { value: value?.kind || "", maxlength: 100 })),
        field(t("fu_insulin_usage"), input(`${name}.usage`, { value: value?.usage || "", maxlength: 200 })),
      );
    case "referral":
      return fieldset(
        label(item),
        field(t("fu_referral_reason"), input(`${name}.reason`, { value: value?.reason || "", maxlength: 500 })),
        field(t("fu_referral_facility"), input(`${name}.facility`, { value: value?.facility || "", maxlength: 200 })),
        field(t("fu_referral_department"), input(`${name}.department`, { value: value?.department || "", maxlength: 100 })),
      );
    default:
      return null;
  }
}

const filled = (v) => v !== null && v !== undefined && v !== "";
const numberOf = (raw) => (filled(raw) ? Number(raw) : null);
const textOf = (raw) => (raw || "").trim() || null;

function objectOf(data, name, parts, read = textOf) {
  const value = Object.fromEntries(parts.map((part) => [part, read(data.get(`${name}.${part}`))]));
  return Object.values(value).some(filled) ? value : null;
}

// The body of POST /api/v1/followups from the form, item by item.
function recordOf(rules, el, data, values, person, condition) {
  const record = { id: values.id || crypto.randomUUID(), resident_id: person.id, condition, performed_at: instant(data.get("performed_at")), mode: data.get("mode") };
  const lifestyle = {};
  for (const item of rules.form.items.filter((i) => forCondition(i, condition) || i.name === "danger_signs")) {
    const name = item.name;
    const read = item.kind === "pair" && !item.choices ? numberOf : textOf;
    let value = null;
    if (item.kind === "codes") value = data.getAll(name);
    else if (item.kind === "integer" || item.kind === "number") value = numberOf(data.get(name));
    else if (item.kind === "boolean") value = data.get(name) === "on";
    else if (item.kind === "pair") value = objectOf(data, name, ["now", "target"], read);
    else if (item.kind === "feet") value = objectOf(data, name, ["left", "right"]);
    else if (item.kind === "insulin") value = objectOf(data, name, ["kind", "usage"]);
    else if (item.kind === "referral") value = objectOf(data, name, ["reason", "facility", "department"]);
    else if (item.kind === "medications") value = medicationsOf(el, data);
    else value = textOf(data.get(name));
    if (name.startsWith("lifestyle.")) {
      if (value) lifestyle[name.slice(10)] = value;
    } else record[name] = value;
  }
  if (Object.keys(lifestyle).length) record.lifestyle = lifestyle;
  return compact(record);
}

function medicationsOf(el, data) {
  const rows = [...el.querySelectorAll(".medicine")]
    .map((row) => ({
      name: textOf(row.querySelector("[name=med_name]").value),
      times_per_day: numberOf(row.querySelector("[name=med_times]").value),
      dose: textOf(row.querySelector("[name=med_dose]").value),
    }))
    .filter((m) => m.name)
    .map(compact);
  if (rows.length) return rows;
  return data.get("no_medicines") === "on" ? [] : null;
}

// The items the record still lacks, as the server will count them (DOMAIN.md "Completeness").
export function missingItems(rules, record, result) {
  const measured = record.mode !== "phone";
  const valueOf = (name) => (name.startsWith("lifestyle.") ? record.lifestyle?.[name.slice(10)] : record[name]);
  return rules.form.items.filter((item) => {
    if (item.counts === "never" || !item.counted_for.includes(record.condition)) return false;
    if (item.counts === "face_to_face" && !measured) return false;
    if (item.counts === "when_referral_recommended") return Boolean(result?.referral_recommended) && !record.referral && !record.referral_declined_reason;
    const value = valueOf(item.name);
    if (item.kind === "pair") return !(value && filled(value.now) && filled(value.target));
    if (item.kind === "feet") return !(value && filled(value.left) && filled(value.right));
    if (item.kind === "codes") return !(value && value.length);
    if (item.kind === "medications") return value === undefined || value === null;
    return !filled(value);
  });
}

function assessmentView(rules, result, missingList) {
  const parts = [];
  if (!result) parts.push(h("p", { class: "muted" }, t("assessment_waiting")));
  else {
    parts.push(h("p", {}, t("assessment_label"), " ", h("span", { class: `badge ${result.classification}` }, term("classification", result.classification))));
    if (result.urgent_referral) parts.push(h("p", { class: "alert" }, t("urgent_referral")));
    else if (result.referral_recommended) parts.push(h("p", { class: "warn" }, t("referral_recommended")));
    parts.push(h("p", { class: "small" }, t("next_due", { date: result.next_due_on })));
  }
  if (missingList.length) {
    parts.push(h("p", { class: "warn", id: "missing" }, t("fu_missing", { count: missingList.length }), " ", missingList.map((item) => item.label[lang()]).join("、")));
  } else parts.push(h("p", { class: "small", id: "missing" }, t("fu_complete")));
  return parts;
}

function lastReading(previous) {
  if (!previous) return h("p", { class: "muted small" }, t("fu_no_previous"));
  const reading = [previous.sbp != null ? `${previous.sbp}/${previous.dbp} mmHg` : null, previous.fasting_glucose != null ? `${previous.fasting_glucose} mmol/L` : null, previous.classification ? term("classification", previous.classification) : null]
    .filter(Boolean)
    .join(" · ");
  return h("div", { class: "status", id: "last-reading" }, h("p", { class: "small" }, t("fu_last_reading", { date: previous.performed_at.slice(0, 10), reading })), h("p", { class: "small muted" }, t("fu_prefilled")));
}

export async function followupForm({ args, values = {} }) {
  const residentId = values.resident_id || args[0];
  const condition = values.condition || args[1];
  const [person, rules] = await Promise.all([area.resident(residentId), store.getValue("rules")]);
  if (!person) return missing(t("record_followup"), t("not_found"), "#/residents", t("nav_residents"));
  const enrollments = (await area.enrollmentsOf(person.id)).filter((e) => e.status !== "closed");
  if (!enrollments.some((e) => e.condition === condition)) return missing(t("record_followup"), t("not_enrolled"), `#/enroll/${person.id}`, t("enroll"));
  const conditions = [condition, ...enrollments.map((e) => e.condition).filter((c) => c !== condition)];
  const currentDue = enrollments.find((e) => e.condition === condition)?.next_due_on;
  const history = await area.followupsOf(person.id);
  const previous = history.find((f) => f.condition === condition && f.id !== values.id);
  const start = values.id ? values : { ...Object.fromEntries(PREFILLED.map((name) => [name, previous?.[name]])), ...values };
  const panel = h("div", { class: "assessment", id: "assessment", "aria-live": "polite" });
  const bySection = (section) => rules.form.items.filter((item) => item.section === section && (forCondition(item, condition) || item.name === "danger_signs"));
  const sections = rules.form.sections.map((section) =>
    h("section", { class: "form-section", "data-section": section.name }, h("h2", {}, section.label[lang()]), bySection(section.name).map((item) => itemInputs(rules, item, start, conditions))),
  );
  const reported = h("p", { class: "hint", hidden: (start.mode || "home") !== "phone" }, t("fu_reported"));
  const el = form(
    [
      lastReading(previous),
      field(t("field_performed_at"), input("performed_at", { type: "datetime-local", required: true, value: start.performed_at ? localDateTime(new Date(start.performed_at)) : localDateTime() })),
      fieldset(t("field_mode"), radios("mode", MODES.map((m) => [m, term("mode", m)]), start.mode || "home")),
      reported,
      ...sections,
      panel,
    ],
    async (data) => {
      const record = recordOf(rules, el, data, values, person, condition);
      const result = assess(rules, record, person.birth_date, history, currentDue);
      await enqueue("followup", record, `${person.name} · ${term("condition", condition)}`, result);
      // Refer now, unless the form already holds the referral or the reason for not now.
      const recommended = result && (result.urgent_referral || result.referral_recommended);
      if (recommended && !record.referral && !record.referral_declined_reason) {
        go(`#/referral/${person.id}?followup=${record.id}&urgency=${suggestUrgency(record, result)}`, t("followup_saved_refer"));
      } else {
        go("#/today", t("saved_notice"));
      }
    },
  );
  const required = ["sbp", "dbp", ...(condition === "diabetes" ? ["fasting_glucose"] : [])];
  const update = () => {
    const data = new FormData(el);
    const phone = data.get("mode") === "phone";
    reported.hidden = !phone;
    for (const name of required) el.querySelector(`[name=${name}]`).required = !phone;
    const record = recordOf(rules, el, data, values, person, condition);
    const ready = data.get("performed_at") && (phone || required.every((name) => filled(data.get(name))));
    const result = ready ? assess(rules, record, person.birth_date, history, currentDue) : null;
    panel.replaceChildren(...assessmentView(rules, result, missingItems(rules, record, result)));
  };
  el.addEventListener("input", update);
  el.addEventListener("change", update);
  el.addEventListener("click", () => setTimeout(update));
  update();
  return screen(`${t("record_followup")} · ${person.name} · ${term("condition", condition)}`, el);
}

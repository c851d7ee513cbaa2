// The screens that write: each saves a record with a client-chosen UUID to the outbox.
import * as area from "./area.js";
import { followupForm, word } from "./followup_form.js";
import { idNumberProblem, normalizeIdNumber } from "./identity.js";
import { go } from "./nav.js";
import * as store from "./store.js";
import { enqueue } from "./sync.js";
import { button, checkbox, field, fieldset, h, input, localDate, localDateTime, radios, select, t, term, urgencyLabel } from "./ui.js";

const CONDITIONS = ["hypertension", "diabetes"];
const VISIT_PURPOSES = ["household", "patrol", "education"];
const URGENCIES = ["emergency", "urgent", "routine"];

export function screen(title, ...children) {
  return h("section", { class: "screen" }, h("h1", { tabindex: "-1" }, title), ...children);
}

// A form whose submit validates in the browser, then hands the values to `save`.
export function form(children, save, label = t("save")) {
  const el = h("form", { novalidate: true }, ...children, h("button", { type: "submit", class: "primary" }, label));
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!el.reportValidity()) return;
    await save(new FormData(el), el);
  });
  return el;
}

const text = (data, name) => (data.get(name) || "").trim() || null;
const number = (data, name) => (text(data, name) === null ? null : Number(text(data, name)));
// An instant from a datetime-local value, as ISO 8601 (UTC).
export const instant = (value) => new Date(value).toISOString();

// Drop empty optional values so the server applies its own defaults.
export function compact(data) {
  return Object.fromEntries(Object.entries(data).filter(([, value]) => value !== null && value !== ""));
}

export function missing(title, message, href, label) {
  return screen(title, h("p", { class: "muted" }, message), h("a", { href, class: "button secondary" }, label));
}

// An ID number already on this phone for another resident, or the doctor's reading of a wrong
// check digit: said at the field before saving. A check digit may be overridden by saving again
// (the card itself may be misprinted); the server then decides.
async function idNumberCheck(idInput, note, residentId) {
  const value = normalizeIdNumber(idInput.value);
  note.replaceChildren();
  if (!value) return true;
  const same = (await area.residents()).find((r) => r.id !== residentId && normalizeIdNumber(r.id_number) === value);
  if (same) {
    note.replaceChildren(t("id_number_taken", { name: same.name }), " ", h("a", { href: `#/resident/${same.id}` }, t("open_resident")));
    idInput.focus();
    return false;
  }
  const problem = idNumberProblem(value);
  if (problem === "length") {
    note.textContent = t("id_number_length");
    idInput.focus();
    return false;
  }
  if (problem === "check_digit" && idInput.dataset.confirmed !== value) {
    idInput.dataset.confirmed = value;
    note.textContent = t("id_number_check_digit");
    idInput.focus();
    return false;
  }
  return true;
}

async function residentForm({ query, values = {} }) {
  const villages = await area.villages();
  const idInput = input("id_number", { value: values.id_number || "", maxlength: 18, autocomplete: "off", "aria-describedby": "id-number-note" });
  const idNote = h("p", { class: "errors", id: "id-number-note", role: "alert" });
  const household = values.household_id || query.get("household") || crypto.randomUUID();
  const village = values.village_id || query.get("village") || villages[0]?.id;
  return screen(
    values.id ? t("fix_resident") : t("new_resident"),
    form(
      [
        field(t("field_name"), input("name", { required: true, maxlength: 120, value: values.name || "", autocomplete: "off" })),
        fieldset(t("field_sex"), radios("sex", [["M", term("sex", "M")], ["F", term("sex", "F")]], values.sex, true)),
        field(t("field_birth_date"), input("birth_date", { type: "date", required: true, max: localDate(), value: values.birth_date || "" })),
        field(t("field_village_id"), select("village_id", villages.map((v) => [v.id, v.name]), village, { required: true })),
        field(t("field_id_number"), idInput, t("id_number_hint")),
        idNote,
        field(t("field_phone"), input("phone", { type: "tel", value: values.phone || "", autocomplete: "off" })),
        checkbox("sms_consent", t("field_sms_consent"), values.sms_consent ?? false),
        field(t("field_language"), select("language", [["zh", "中文"], ["en", "English"]], values.language || "zh")),
        h("p", { class: "muted small" }, query.get("household") ? t("household_joined") : t("household_new")),
      ],
      async (data) => {
        if (!(await idNumberCheck(idInput, idNote, values.id))) return;
        const record = compact({
          id: values.id || crypto.randomUUID(),
          name: text(data, "name"),
          sex: data.get("sex"),
          birth_date: data.get("birth_date"),
          village_id: data.get("village_id"),
          household_id: household,
          id_number: text(data, "id_number"),
          phone: text(data, "phone"),
          sms_consent: data.get("sms_consent") === "on",
          language: data.get("language"),
        });
        await enqueue("resident", record, record.name);
        go(`#/resident/${record.id}`, t("saved_notice"));
      },
    ),
  );
}

async function enrollmentForm({ args, values = {} }) {
  const residentId = values.resident_id || args[0];
  const person = await area.resident(residentId);
  if (!person) return missing(t("enroll"), t("not_found"), "#/residents", t("nav_residents"));
  return screen(
    `${t("enroll")} · ${person.name}`,
    form(
      [
        fieldset(t("field_condition"), radios("condition", CONDITIONS.map((c) => [c, term("condition", c)]), values.condition || "hypertension")),
        field(t("field_diagnosed_on"), input("diagnosed_on", { type: "date", required: true, max: localDate(), value: values.diagnosed_on || "" })),
        field(t("field_enrolled_on"), input("enrolled_on", { type: "date", required: true, max: localDate(), value: values.enrolled_on || localDate() })),
      ],
      async (data) => {
        const record = {
          id: values.id || crypto.randomUUID(),
          resident_id: person.id,
          condition: data.get("condition"),
          diagnosed_on: data.get("diagnosed_on"),
          enrolled_on: data.get("enrolled_on"),
        };
        await enqueue("enrollment", record, `${person.name} · ${term("condition", record.condition)}`);
        go(`#/resident/${person.id}`, t("saved_notice"));
      },
    ),
  );
}

function locate(lat, lng, note) {
  note.textContent = t("locating");
  navigator.geolocation.getCurrentPosition(
    (position) => {
      lat.value = position.coords.latitude.toFixed(6);
      lng.value = position.coords.longitude.toFixed(6);
      note.textContent = t("located");
    },
    () => {
      note.textContent = t("location_failed");
    },
    { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
  );
}

async function visitForm({ query, values = {} }) {
  const villages = await area.villages();
  const residentId = values.resident_id || query.get("resident");
  const person = residentId ? await area.resident(residentId) : null;
  const lat = input("lat", { readonly: true, value: values.lat ?? "" });
  const lng = input("lng", { readonly: true, value: values.lng ?? "" });
  const note = h("p", { class: "small muted", "aria-live": "polite" });
  return screen(
    person ? `${t("log_visit")} · ${person.name}` : t("log_visit"),
    // A household visit is when most blood pressures are measured: the screening is one tap away.
    person ? h("a", { href: `#/screening/${person.id}`, class: "button secondary" }, t("screen_title")) : null,
    form(
      [
        fieldset(t("field_purpose"), radios("purpose", VISIT_PURPOSES.map((p) => [p, term("visit_purpose", p)]), values.purpose || "household")),
        field(t("field_village_id"), select("village_id", villages.map((v) => [v.id, v.name]), values.village_id || person?.village_id || villages[0]?.id, { required: true })),
        field(t("field_visited_at"), input("visited_at", { type: "datetime-local", required: true, value: values.visited_at ? localDateTime(new Date(values.visited_at)) : localDateTime() })),
        field(t("field_notes"), h("textarea", { name: "notes", rows: 3, value: values.notes || "" })),
        h("div", { class: "pair" }, field(t("field_lat"), lat), field(t("field_lng"), lng)),
        button(t("add_location"), () => locate(lat, lng, note), "secondary"),
        note,
      ],
      async (data) => {
        const record = compact({
          id: values.id || crypto.randomUUID(),
          village_id: data.get("village_id"),
          resident_id: person?.id,
          household_id: person?.household_id,
          visited_at: instant(data.get("visited_at")),
          purpose: data.get("purpose"),
          lat: number(data, "lat"),
          lng: number(data, "lng"),
          notes: text(data, "notes"),
        });
        const village = villages.find((v) => v.id === record.village_id);
        await enqueue("visit", record, `${term("visit_purpose", record.purpose)} · ${person?.name || village?.name || ""}`);
        go(person ? `#/resident/${person.id}` : "#/today", t("saved_notice"));
      },
    ),
  );
}

// What the follow-up found, as the start of a referral's reason (for the hospital, never for an SMS).
function findings(f, rules) {
  const parts = f.sbp != null ? [`${t("field_sbp")} ${f.sbp}`, `${t("field_dbp")} ${f.dbp}`] : [];
  if (f.fasting_glucose != null) parts.push(`${t("field_fasting_glucose")} ${f.fasting_glucose}`);
  if (f.heart_rate != null) parts.push(`${t("field_heart_rate")} ${f.heart_rate}`);
  const signs = (f.danger_signs || []).map((code) => word(rules, "danger_sign", code));
  if (signs.length) parts.push(`${t("field_danger_signs")}: ${signs.join(", ")}`);
  return parts.join("; ");
}

async function referralForm({ args, query, values = {} }) {
  const residentId = values.resident_id || args[0];
  const [person, facilities, rules] = await Promise.all([area.resident(residentId), store.getValue("facilities"), store.getValue("rules")]);
  if (!person) return missing(t("refer"), t("not_found"), "#/residents", t("nav_residents"));
  const suggested = query.get("urgency");
  const followupId = values.followup_id || query.get("followup");
  const followup = followupId ? (await area.followupsOf(person.id)).find((f) => f.id === followupId) : null;
  return screen(
    `${t("refer")} · ${person.name}`,
    suggested ? h("p", { class: "warn" }, t("suggested_urgency", { urgency: urgencyLabel(suggested) })) : null,
    form(
      [
        field(t("field_facility_id"), select("facility_id", (facilities || []).map((f) => [f.id, f.name]), values.facility_id, { required: true })),
        fieldset(t("field_urgency"), radios("urgency", URGENCIES.map((u) => [u, urgencyLabel(u)]), values.urgency || suggested || "routine")),
        field(t("field_impression"), h("textarea", { name: "impression", rows: 2, maxlength: 2000, value: values.impression || "" })),
        field(t("field_reason"), h("textarea", { name: "reason", rows: 3, required: true, value: values.reason || (followup ? findings(followup, rules) : "") })),
        field(t("field_treatment_given"), h("textarea", { name: "treatment_given", rows: 2, maxlength: 2000, value: values.treatment_given || "" })),
      ],
      async (data) => {
        const record = compact({
          id: values.id || crypto.randomUUID(),
          resident_id: person.id,
          facility_id: data.get("facility_id"),
          urgency: data.get("urgency"),
          reason: text(data, "reason"),
          impression: text(data, "impression"),
          treatment_given: text(data, "treatment_given"),
          followup_id: followupId,
        });
        await enqueue("referral", record, `${person.name} · ${urgencyLabel(record.urgency)}`);
        go(`#/referrals/${person.id}?referral=${record.id}`, t("saved_notice"));
      },
      t("send_referral"),
    ),
  );
}

// By record type (the outbox opens these to fix a record) and by route.
export const forms = {
  resident: residentForm,
  enrollment: enrollmentForm,
  followup: followupForm,
  visit: visitForm,
  referral: referralForm,
};

export const formRoutes = {
  "new-resident": residentForm,
  enroll: enrollmentForm,
  followup: followupForm,
  visit: visitForm,
  referral: referralForm,
};

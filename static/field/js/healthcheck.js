// The annual health check (健康体检表): a form built from the server's table of items, by section.
import { ApiError, getJson, OfflineError } from "./api.js";
import * as area from "./area.js";
import { currentLanguage, go } from "./app.js";
import * as store from "./store.js";
import { enqueue } from "./sync.js";
import { field, fieldset, h, input, link, localDate, select, t } from "./ui.js";

// The items and their sections (GET /api/v1/health-checks/form), kept for offline use.
async function formTable() {
  try {
    const table = await getJson("/api/v1/health-checks/form");
    await store.setValue("health_check_form", table);
    return table;
  } catch (error) {
    if (!(error instanceof OfflineError || error instanceof ApiError)) throw error;
    return store.getValue("health_check_form");
  }
}

function screen(title, ...children) {
  return h("section", { class: "screen" }, h("h1", { tabindex: "-1" }, title), ...children);
}

function itemInput(item, value, words, lang) {
  if (item.kind === "choice") {
    const options = item.choices.map((code) => [code, words[item.name][code][lang]]);
    return select(item.name, [["", "—"], ...options], value ?? "");
  }
  if (item.kind === "text") return h("textarea", { name: item.name, rows: 2, maxlength: 2000, value: value ?? "" });
  const step = item.kind === "integer" ? 1 : "any";
  return input(item.name, { type: "number", inputmode: item.kind === "integer" ? "numeric" : "decimal", step, min: item.low, max: item.high, value: value ?? "" });
}

async function healthCheckForm({ args, values = {} }) {
  const residentId = values.resident_id || args[0];
  const [person, table] = await Promise.all([area.resident(residentId), formTable()]);
  if (!person) return screen(t("health_check_title"), h("p", { class: "muted" }, t("not_found")), link(t("nav_residents"), "#/residents", "secondary"));
  if (!table) return screen(t("health_check_title"), h("p", { class: "muted" }, t("needs_network")));
  const lang = currentLanguage() === "en" ? "en" : "zh";
  const label = (item) => `${item[lang]}${item.unit ? ` (${item.unit})` : ""}`;
  const sections = table.sections.map((section) =>
    fieldset(
      section[lang],
      table.items.filter((item) => item.section === section.name).map((item) => field(label(item), itemInput(item, values[item.name], table.choices, lang))),
    ),
  );
  const el = h(
    "form",
    { novalidate: true },
    field(t("field_performed_on"), input("performed_on", { type: "date", required: true, max: localDate(), value: values.performed_on || localDate() })),
    h("p", { class: "muted small" }, t("health_check_optional")),
    ...sections,
    h("button", { type: "submit", class: "primary" }, t("save")),
  );
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!el.reportValidity()) return;
    const data = new FormData(el);
    const record = { id: values.id || crypto.randomUUID(), resident_id: person.id, performed_on: data.get("performed_on") };
    for (const item of table.items) {
      const raw = (data.get(item.name) || "").trim();
      if (raw === "") continue;
      record[item.name] = item.kind === "number" || item.kind === "integer" ? Number(raw) : raw;
    }
    await enqueue("health_check", record, `${person.name} · ${t("health_check_title")}`);
    go(`#/resident/${person.id}`);
  });
  return screen(`${t("health_check_title")} · ${person.name}`, el);
}

export const healthCheckForms = { health_check: healthCheckForm };
export const healthCheckRoutes = { "health-check": healthCheckForm };

// Screening (测血压) from a resident's page, what to tell the resident, and the follow-up of
// suspected results; the list of who needs a screening follow-up or a health check.
import { ApiError, getJson, OfflineError } from "./api.js";
import * as area from "./area.js";
import { go } from "./nav.js";
import * as store from "./store.js";
import { enqueue } from "./sync.js";
import { button, checkbox, field, fieldset, h, input, link, localDate, localDateTime, t, term } from "./ui.js";

// DOMAIN.md "Screening and diagnosis" (the server's fieldapp/screenings/rules.py; a browser test keeps them equal).
export const SCREENING = {
  suspected_sbp: 140,
  suspected_dbp: 90,
  high_normal_sbp: 130,
  high_normal_dbp: 85,
  suspected_glucose: 7.0,
  confirm_within_days: 14,
};
const RISK_FACTORS = ["overweight", "smoking", "family_history", "high_salt", "drinking", "inactive", "age_55_plus", "waist_high"];
const QUEUE_PAGE = 200;

// The results of one screening of a resident enrolled for `enrolled` conditions (as the server gives them).
export function screeningResults(sbp, dbp, glucose, enrolled) {
  const results = [];
  const hasBp = sbp != null && dbp != null;
  if (hasBp) {
    if (sbp >= SCREENING.suspected_sbp || dbp >= SCREENING.suspected_dbp) {
      if (!enrolled.includes("hypertension")) results.push("suspected_hypertension");
    } else if (sbp >= SCREENING.high_normal_sbp || dbp >= SCREENING.high_normal_dbp) {
      results.push("high_normal");
    } else {
      results.push("normal");
    }
  }
  const suspectedDm = glucose != null && glucose >= SCREENING.suspected_glucose;
  if (suspectedDm && !enrolled.includes("diabetes")) results.push("suspected_diabetes");
  if (!results.length && !hasBp && !suspectedDm) results.push("normal");
  return results;
}

function confirmBy(performedOn, results) {
  if (!results.some((r) => r.startsWith("suspected_"))) return null;
  const [y, m, d] = performedOn.split("-").map(Number);
  return localDate(new Date(y, m - 1, d + SCREENING.confirm_within_days));
}

// What the doctor tells the resident, one line per result.
function advice(results, due) {
  if (!results.length) return [h("p", {}, t("screen_advice_enrolled"))];
  return results.map((r) => h("p", { class: r.startsWith("suspected_") ? "warn" : "" }, t(`screen_advice_${r}`, { date: due || "" })));
}

function resultBadges(results) {
  return results.map((r) => h("span", { class: `badge ${r.startsWith("suspected_") ? "uncontrolled" : "controlled"}` }, t(`screen_${r}`)));
}

const number = (data, name) => {
  const raw = (data.get(name) || "").trim();
  return raw === "" ? null : Number(raw);
};

function screen(title, ...children) {
  return h("section", { class: "screen" }, h("h1", { tabindex: "-1" }, title), ...children);
}

async function screeningForm({ args, values = {} }) {
  const residentId = values.resident_id || args[0];
  const person = await area.resident(residentId);
  if (!person) return screen(t("screen_title"), h("p", { class: "muted" }, t("not_found")), link(t("nav_residents"), "#/residents", "secondary"));
  const enrolled = (await area.enrollmentsOf(person.id)).filter((e) => e.status !== "closed").map((e) => e.condition);
  const panel = h("div", { class: "assessment", id: "screening-result", "aria-live": "polite" });
  const el = h(
    "form",
    { novalidate: true },
    field(t("screen_time"), input("performed_at", { type: "datetime-local", required: true, value: values.performed_at ? localDateTime(new Date(values.performed_at)) : localDateTime() })),
    h(
      "div",
      { class: "pair" },
      field(t("field_sbp"), input("sbp", { type: "number", inputmode: "numeric", min: 60, max: 300, step: 1, value: values.sbp ?? "" })),
      field(t("field_dbp"), input("dbp", { type: "number", inputmode: "numeric", min: 30, max: 200, step: 1, value: values.dbp ?? "" })),
    ),
    field(t("field_fasting_glucose"), input("fasting_glucose", { type: "number", inputmode: "decimal", min: 1, max: 35, step: "any", value: values.fasting_glucose ?? "" }), t("optional")),
    fieldset(t("field_risk_factors"), RISK_FACTORS.map((code) => checkbox("risk_factors", t(`risk_${code}`), (values.risk_factors || []).includes(code), code))),
    panel,
    h("button", { type: "submit", class: "primary" }, t("save")),
  );
  const read = () => {
    const data = new FormData(el);
    const sbp = number(data, "sbp");
    const dbp = number(data, "dbp");
    const glucose = number(data, "fasting_glucose");
    const performedAt = data.get("performed_at");
    return { data, sbp, dbp, glucose, performedAt, ready: ((sbp != null && dbp != null) || glucose != null) && performedAt };
  };
  const update = () => {
    const { sbp, dbp, glucose, performedAt, ready } = read();
    if (!ready) {
      panel.replaceChildren(h("p", { class: "muted" }, t("screen_waiting")));
      return;
    }
    const results = screeningResults(sbp, dbp, glucose, enrolled);
    const due = confirmBy(localDate(new Date(performedAt)), results);
    panel.replaceChildren(h("p", {}, t("screen_result"), " ", ...resultBadges(results)), h("h2", {}, t("screen_tell")), ...advice(results, due));
  };
  el.addEventListener("input", update);
  el.addEventListener("change", update);
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!el.reportValidity()) return;
    const { data, sbp, dbp, glucose, performedAt, ready } = read();
    if (!ready) return;
    const results = screeningResults(sbp, dbp, glucose, enrolled);
    const record = {
      id: values.id || crypto.randomUUID(),
      resident_id: person.id,
      performed_at: new Date(performedAt).toISOString(),
      risk_factors: data.getAll("risk_factors"),
    };
    if (sbp != null && dbp != null) Object.assign(record, { sbp, dbp });
    if (glucose != null) record.fasting_glucose = glucose;
    const estimate = { results, confirm_by: confirmBy(localDate(new Date(performedAt)), results) };
    await enqueue("screening", record, `${person.name} · ${t("screen_title")}`, estimate);
    go(`#/resident/${person.id}`);
  });
  update();
  return screen(`${t("screen_title")} · ${person.name}`, el);
}

// A resident's screenings: the server's (from the list when reachable, else the sync feed and the
// list read last), and those waiting in the outbox, newest first.
export async function screeningsOf(residentId) {
  const key = `screenings:${residentId}`;
  const synced = await store.byResident("screenings", residentId);
  let saved;
  try {
    const read = (await getJson(`/api/v1/residents/${residentId}/screenings?per_page=5`)).items;
    await store.setValue(key, read);
    saved = [...read, ...synced.filter((row) => !read.some((s) => s.id === row.id))];
  } catch (error) {
    if (!(error instanceof OfflineError || error instanceof ApiError)) throw error;
    // Offline the feed is the newer: a sync stores each answer to an outcome in it.
    const read = (await store.getValue(key)) || [];
    saved = [...synced, ...read.filter((row) => !synced.some((s) => s.id === row.id))];
  }
  saved.sort((a, b) => Date.parse(b.performed_at) - Date.parse(a.performed_at));
  const pending = (await area.pendingOf("screening")).filter((row) => row.resident_id === residentId && !saved.some((s) => s.id === row.id));
  return [...pending, ...saved];
}

const FINAL = ["confirmed", "excluded"];
const suspected = (s) => (s.results || []).filter((r) => r.startsWith("suspected_")).map((r) => r.slice("suspected_".length));

// A screening's suspected conditions still waiting for a confirmation or an exclusion (one in the outbox counts).
function waitingConditions(s, outcomes) {
  const settled = (c) => FINAL.includes((s.outcomes || {})[c]?.outcome) || outcomes.some((o) => o.screening_id === s.id && o.condition === c && FINAL.includes(o.outcome));
  return suspected(s).filter((c) => !settled(c));
}

// The resident page's section: recent screenings, each suspected one with its follow-up (offline too).
export async function screeningSection(person) {
  const [rows, outcomes] = await Promise.all([screeningsOf(person.id), area.pendingOf("screening_outcome")]);
  const item = (s) =>
    h(
      "li",
      {},
      h("strong", {}, `${localDateTime(new Date(s.performed_at)).replace("T", " ")}${s.sbp ? ` · ${s.sbp}/${s.dbp} mmHg` : ""}${s.fasting_glucose ? ` · ${s.fasting_glucose} mmol/L` : ""}`),
      h("span", {}, ...resultBadges(s.results || [])),
      s._entry ? h("span", { class: "badge pending" }, t("waiting_sync")) : null,
      ...outcomes
        .filter((o) => o.screening_id === s.id)
        .map((o) => h("span", { class: "badge pending" }, t("outcome_waiting", { outcome: `${term("condition", o.condition)}${term("screening_outcome", o.outcome)}` }))),
      waitingConditions(s, outcomes).length ? link(t("screen_follow_up"), `#/screening-outcome/${s.id}`, "secondary") : null,
    );
  return [
    h("h2", {}, t("screenings")),
    rows.length ? h("ul", { class: "list", id: "screenings" }, rows.map(item)) : h("p", { class: "muted" }, t("no_screenings")),
  ];
}

// A screening the phone knows: synced (the feed), waiting in the outbox, or read with its resident's list.
async function knownScreening(id) {
  const found = (await store.get("screenings", id)) || (await area.pendingOf("screening")).find((row) => row.id === id);
  if (found) return found;
  const listed = ((await store.getValue("checks"))?.screening?.items || []).find((item) => item.screening_id === id);
  return listed ? ((await store.getValue(`screenings:${listed.resident.id}`)) || []).find((row) => row.id === id) || null : null;
}

// Settling a suspected result: kept in the outbox, sent with the next sync (a confirmation enrolls once there).
async function outcomeForm({ args }) {
  const screening = await knownScreening(args[0]);
  const person = screening && (await area.resident(screening.resident_id));
  if (!person) return screen(t("screen_follow_up"), h("p", { class: "muted" }, t("not_found")), link(t("nav_today"), "#/checks", "secondary"));
  const outcomes = await area.pendingOf("screening_outcome");
  const conditions = waitingConditions(screening, outcomes);
  const performedOn = localDate(new Date(screening.performed_at));
  const on = input("on", { type: "date", required: true, min: performedOn, max: localDate(), value: localDate() });
  const send = (condition, outcome) => async () => {
    if (!on.reportValidity()) return;
    const record = { id: crypto.randomUUID(), screening_id: screening.id, condition, outcome, on: on.value };
    await enqueue("screening_outcome", record, `${person.name} · ${term("condition", condition)}`, { resident_id: person.id });
    go(`#/resident/${person.id}`, `${t(`outcome_done_${outcome}`)} ${t("saved_notice")}`);
  };
  const block = (condition) =>
    h(
      "section",
      { class: "outcome", "data-condition": condition },
      h("h2", {}, term("condition", condition)),
      screening.confirm_by ? h("p", {}, t("confirm_by", { date: screening.confirm_by })) : null,
      h(
        "div",
        { class: "actions" },
        button(t("outcome_confirmed"), send(condition, "confirmed"), "primary"),
        button(t("outcome_excluded"), send(condition, "excluded"), "secondary"),
        button(t("outcome_not_reached"), send(condition, "not_reached"), "secondary"),
      ),
    );
  return screen(
    `${t("screen_follow_up")} · ${person.name}`,
    h("p", {}, `${performedOn} · `, ...resultBadges(screening.results || [])),
    field(t("outcome_on"), on),
    conditions.length ? conditions.map(block) : h("p", { class: "muted" }, t("outcome_none_waiting")),
  );
}

// Who needs a screening follow-up or a health check, from the server (kept for offline).
async function checks() {
  let lists;
  try {
    const [screening, healthCheck] = await Promise.all(
      ["screening", "health_check"].map((status) => getJson(`/api/v1/queue?status=${status}&per_page=${QUEUE_PAGE}`)),
    );
    lists = { screening, healthCheck };
    await store.setValue("checks", lists);
  } catch (error) {
    if (!(error instanceof OfflineError || error instanceof ApiError)) throw error;
    lists = await store.getValue("checks");
  }
  if (!lists) return screen(t("checks_title"), h("p", { class: "muted" }, t("today_unavailable")));
  const today = localDate();
  const screeningRow = (item) =>
    h(
      "li",
      { class: item.due_on < today ? "late" : "" },
      h("a", { href: `#/screening-outcome/${item.screening_id}`, class: "row" }, h("strong", {}, item.resident.name), h("span", {}, `${t(`condition_${item.condition}`)} · ${t("confirm_by", { date: item.due_on })}`)),
    );
  const checkRow = (item) =>
    h("li", {}, h("a", { href: `#/health-check/${item.resident.id}`, class: "row" }, h("strong", {}, item.resident.name), h("span", {}, t(`condition_${item.condition}`))));
  return screen(
    t("checks_title"),
    h("h2", {}, t("checks_screening", { n: lists.screening.total })),
    h("ul", { class: "list", id: "screening-queue" }, lists.screening.items.map(screeningRow)),
    h("h2", {}, t("checks_health", { n: lists.healthCheck.total })),
    h("ul", { class: "list", id: "health-check-queue" }, lists.healthCheck.items.map(checkRow)),
  );
}

export const screeningForms = { screening: screeningForm };
export const screeningRoutes = { screening: screeningForm, "screening-outcome": outcomeForm, checks };

// Family-doctor contracts on the phone: the resident's contract, and signing one at the door, offline.
import { getJson } from "./api.js";
import * as area from "./area.js";
import * as store from "./store.js";
import { enqueue } from "./sync.js";
import { go } from "./nav.js";
import { checkbox, field, fieldset, h, input, link, localDate, select, t, term } from "./ui.js";

// Teams and packages change rarely: read when online, kept among the phone's small values for offline use.
async function cached(key, path) {
  try {
    const body = await getJson(path);
    await store.setValue(key, body.items);
    return body.items;
  } catch {
    return (await store.getValue(key)) || [];
  }
}

async function waitingFor(residentId) {
  return (await area.pendingOf("contract")).filter((row) => row.resident_id === residentId);
}

// A listed resident's contract in force: its team and end date.
export function contractLine(resident) {
  const current = resident.contract;
  return current ? h("span", { class: "small" }, t("contract_until", { team: current.team.name, date: current.ends_on })) : null;
}

// The resident's newest terminated contract the phone holds (the contracts feed), if any.
async function lastTerminated(residentId) {
  const ended = (await store.byResident("contracts", residentId)).filter((c) => c.terminated_on);
  return ended.sort((a, b) => (a.terminated_on < b.terminated_on ? 1 : -1))[0] || null;
}

// The resident page's contract: the one in force (from the server), one signed or terminated here and
// waiting to sync, or the last one terminated.
export async function contractSection(person) {
  const [waiting, ending, ended] = await Promise.all([waitingFor(person.id), area.pendingOf("contract_termination"), lastTerminated(person.id)]);
  const current = person.contract;
  const terminating = current && ending.find((row) => row.contract_id === current.id);
  const keyGroups = (person.key_groups || []).map((code) => t(`key_group_${code}`));
  const endedLine = !current && ended && !waiting.length
    ? h("p", { id: "contract-terminated" }, `${term("contract_status", "terminated")}：${t("contract_terminated", { team: ended.team_name || "", date: ended.terminated_on, reason: ended.termination_reason || "" })}`)
    : null;
  return h(
    "section",
    { id: "contract" },
    h("h2", {}, t("contract_title")),
    keyGroups.length ? h("p", { class: "small" }, `${t("key_groups")}: ${keyGroups.join("、")}`) : null,
    current
      ? h("p", {}, t("contract_until", { team: current.team.name, date: current.ends_on }))
      : waiting.length || endedLine
        ? endedLine
        : h("p", { class: "muted" }, t("no_contract")),
    waiting.length ? h("p", { class: "badge pending" }, t("contract_waiting")) : null,
    terminating ? h("p", { class: "badge pending" }, t("termination_waiting", { date: terminating.on })) : null,
    h(
      "div",
      { class: "actions" },
      waiting.length || terminating ? null : link(current ? t("renew_contract") : t("sign_contract"), `#/contract/${person.id}`, "secondary"),
      current && !terminating ? link(t("terminate_contract"), `#/contract-end/${person.id}`, "secondary") : null,
    ),
  );
}

// Terminating the contract in force, at the door and offline: the reason and the date, sent with the next sync.
async function terminationForm({ args }) {
  const person = await area.resident(args[0]);
  const current = person && person.contract;
  if (!current) return h("section", { class: "screen" }, h("h1", {}, t("not_found")));
  const reasons = ["moved", "died", "refused", "other"].map((code) => h("option", { value: term("close_reason", code) }));
  const el = h(
    "form",
    { novalidate: true, id: "termination-form" },
    h("p", {}, t("contract_until", { team: current.team.name, date: current.ends_on })),
    field(t("termination_reason"), input("reason", { required: true, maxlength: 500, list: "termination-reasons", autocomplete: "off" })),
    h("datalist", { id: "termination-reasons" }, reasons),
    field(t("termination_on"), input("on", { type: "date", required: true, max: localDate(), value: localDate() })),
    h("button", { type: "submit", class: "primary" }, t("terminate_contract")),
  );
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!el.reportValidity()) return;
    const data = new FormData(el);
    const record = { id: crypto.randomUUID(), contract_id: current.id, reason: data.get("reason").trim(), on: data.get("on") };
    await enqueue("contract_termination", record, person.name, { resident_id: person.id });
    go(`#/resident/${person.id}`, t("saved_notice"));
  });
  return h("section", { class: "screen" }, h("h1", { tabindex: "-1" }, `${t("terminate_contract")} · ${person.name}`), el);
}

async function contractForm({ args }) {
  const person = await area.resident(args[0]);
  if (!person) return h("section", { class: "screen" }, h("h1", {}, t("not_found")));
  const [teams, packages] = await Promise.all([
    cached("teams", "/api/v1/teams"),
    cached("packages", "/api/v1/contract-packages"),
  ]);
  const renews = person.contract ? person.contract.id : null;
  const el = h(
    "form",
    { novalidate: true, id: "contract-form" },
    field(t("contract_team"), select("team_id", teams.map((team) => [team.id, team.name]), teams[0]?.id, { required: true })),
    field(t("contract_signed_on"), input("signed_on", { type: "date", required: true, max: localDate(), value: localDate() })),
    fieldset(
      t("contract_packages"),
      packages.filter((p) => p.active).map((p) => checkbox("packages", p.name, p.code === "basic", p.code)),
    ),
    renews ? h("p", { class: "hint" }, t("contract_renews", { date: person.contract.ends_on })) : null,
    h("button", { type: "submit", class: "primary" }, t("sign_contract")),
  );
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!el.reportValidity()) return;
    const data = new FormData(el);
    const record = {
      id: crypto.randomUUID(),
      resident_id: person.id,
      team_id: data.get("team_id"),
      signed_on: data.get("signed_on"),
      packages: data.getAll("packages"),
      ...(renews ? { renews } : {}),
    };
    await enqueue("contract", record, person.name);
    location.hash = `#/resident/${person.id}`;
  });
  const body = teams.length ? el : h("p", { class: "muted" }, t("no_teams"));
  return h("section", { class: "screen" }, h("h1", { tabindex: "-1" }, `${t("sign_contract")} · ${person.name}`), body);
}

export const contractRoutes = { contract: contractForm, "contract-end": terminationForm };

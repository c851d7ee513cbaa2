// Family-doctor contracts on the phone: the resident's contract, and signing one at the door, offline.
import { getJson } from "./api.js";
import * as area from "./area.js";
import * as store from "./store.js";
import { enqueue } from "./sync.js";
import { checkbox, field, fieldset, h, input, link, localDate, select, t } from "./ui.js";

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

// The resident page's contract: the one in force (from the server), or one signed here and waiting to sync.
export async function contractSection(person) {
  const waiting = await waitingFor(person.id);
  const current = person.contract;
  const keyGroups = (person.key_groups || []).map((code) => t(`key_group_${code}`));
  return h(
    "section",
    { id: "contract" },
    h("h2", {}, t("contract_title")),
    keyGroups.length ? h("p", { class: "small" }, `${t("key_groups")}: ${keyGroups.join("、")}`) : null,
    current
      ? h("p", {}, t("contract_until", { team: current.team.name, date: current.ends_on }))
      : waiting.length
        ? null
        : h("p", { class: "muted" }, t("no_contract")),
    waiting.length ? h("p", { class: "badge pending" }, t("contract_waiting")) : null,
    waiting.length ? null : link(current ? t("renew_contract") : t("sign_contract"), `#/contract/${person.id}`, "secondary"),
  );
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

export const contractRoutes = { contract: contractForm };

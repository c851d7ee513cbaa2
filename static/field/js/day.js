// The doctor's day on the "More" screen: their own totals this month, the overdue left, their
// coming patrols and the app's version.
import { ApiError, getJson, OfflineError } from "./api.js";
import * as store from "./store.js";
import { tallyKey } from "./sync.js";
import { h, localDate, t } from "./ui.js";

const COUNTED = ["followup", "visit", "screening", "contact_attempt"];

// The caller's coming patrols from the server, kept on the phone for when there is no signal.
async function comingPatrols(user) {
  try {
    const body = await getJson(`/api/v1/patrols?from=${localDate()}`);
    const mine = (body.items || []).filter((patrol) => (patrol.team || []).includes(user.id) && patrol.status !== "cancelled");
    await store.setValue("patrols", mine);
    return mine;
  } catch (error) {
    if (!(error instanceof OfflineError || error instanceof ApiError)) throw error;
    return ((await store.getValue("patrols")) || []).filter((patrol) => patrol.date >= localDate());
  }
}

// The shell's version: the service worker is registered with it (`sw.js?v=<hash>`).
function appVersion() {
  const url = document.body.dataset.sw || "";
  return new URL(url, location.href).searchParams.get("v") || "dev";
}

export async function doctorsDay(user) {
  const [tally, queue, patrols, villages] = await Promise.all([
    store.getValue(tallyKey()),
    store.getValue("queue"),
    comingPatrols(user),
    store.getValue("villages"),
  ]);
  const counts = tally || {};
  const villageName = (id) => (villages || []).find((village) => village.id === id)?.name || "";
  return [
    h("h2", {}, t("my_month")),
    h(
      "dl",
      { class: "facts", id: "my-month" },
      COUNTED.flatMap((type) => [h("dt", {}, t(`type_${type}`)), h("dd", {}, String(counts[type] || 0))]),
      h("dt", {}, t("count_overdue")),
      h("dd", {}, queue ? String(queue.overdue.total) : "—"),
    ),
    h("h2", {}, t("coming_patrols")),
    patrols.length
      ? h("ul", { class: "list", id: "patrols" }, patrols.map((patrol) => h("li", {}, h("strong", {}, patrol.date), h("span", {}, villageName(patrol.village_id)))))
      : h("p", { class: "muted" }, t("no_patrols")),
    h("p", { class: "muted small", id: "app-version" }, t("app_version", { version: appVersion() })),
  ];
}

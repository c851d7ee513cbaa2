// The doctor's day on the "More" screen: their own totals this month, the overdue left, their
// coming patrols and the app's version.
import * as store from "./store.js";
import { tallyKey } from "./sync.js";
import { h, localDate, t } from "./ui.js";

const COUNTED = ["followup", "visit", "screening", "contact_attempt"];

// The caller's coming patrols: the sync pull's patrols feed (kept in the phone's store), so they show offline.
async function comingPatrols(user) {
  const today = localDate();
  const rows = await store.all("patrols");
  const mine = rows.filter((patrol) => (patrol.team || []).includes(user.id) && patrol.status !== "cancelled" && (patrol.until || patrol.date) >= today);
  return mine.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
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

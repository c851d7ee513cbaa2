// The screens that read: today, residents, a resident's profile, the outbox, and more (language, sign out).
import { ApiError, getJson, OfflineError, postJson } from "./api.js";
import * as area from "./area.js";
import { currentLanguage, go, switchLanguage } from "./nav.js";
import { contactControls } from "./contacts.js";
import { doctorsDay } from "./day.js";
import { contractLine, contractRoutes, contractSection } from "./contracts.js";
import { formRoutes, forms } from "./forms.js";
import { referralRoutes, referralSummary } from "./referrals.js";
import { healthCheckForms, healthCheckRoutes } from "./healthcheck.js";
import { screeningForms, screeningRoutes, screeningSection } from "./screening.js";
import * as store from "./store.js";
import * as sync from "./sync.js";
import { button, errorList, field, formatInstant, h, input, link, localDate, t, term, urgencyLabel } from "./ui.js";

const QUEUE_PAGE = 200;
const SEARCH_SHOWN = 50;

function screen(title, ...children) {
  return h("section", { class: "screen" }, h("h1", { tabindex: "-1" }, title), ...children);
}

function conditionLabel(condition) {
  return term("condition", condition);
}

function classificationBadge(row) {
  const estimated = row._entry ? ` (${t("estimate")})` : "";
  if (!row.classification) return null;
  return h("span", { class: `badge ${row.classification}` }, term("classification", row.classification) + estimated);
}

// Today's queue from the server, kept on the phone for when there is no signal.
async function loadQueue() {
  try {
    const [overdue, due] = await Promise.all(
      ["overdue", "due"].map((status) => getJson(`/api/v1/queue?status=${status}&per_page=${QUEUE_PAGE}`)),
    );
    const queue = { overdue, due, fetched_at: new Date().toISOString() };
    await store.setValue("queue", queue);
    return queue;
  } catch (error) {
    if (!(error instanceof OfflineError || error instanceof ApiError)) throw error;
    return store.getValue("queue");
  }
}

async function today() {
  const queue = await loadQueue();
  if (!queue) return screen(t("today_title"), h("p", { class: "muted" }, t("today_unavailable")));
  const recorded = new Set((await area.pendingOf("followup")).map((row) => `${row.resident_id}:${row.condition}`));
  // What the doctor recorded of their calls, before the server has the queue up to date.
  const attempts = new Map((await area.pendingOf("contact_attempt")).map((row) => [row.resident_id, row]));
  const gone = (item) => ["moved", "died"].includes(attempts.get(item.resident.id)?.result);
  const row = (item) => {
    const done = recorded.has(`${item.resident.id}:${item.condition}`);
    const late = item.days_overdue > 0;
    const when = late ? t("days_overdue", { n: item.days_overdue }) : t("due_on", { date: item.due_on });
    const attempt = attempts.get(item.resident.id) || item.last_contact;
    return h(
      "li",
      { class: done ? "done" : late ? "late" : "", "data-resident": item.resident.id },
      h(
        "a",
        { href: `#/followup/${item.resident.id}/${item.condition}`, class: "row" },
        h("strong", {}, item.resident.name),
        h("span", {}, `${term("condition", item.condition)} · ${when}`),
        contractLine(item.resident),
        done ? h("span", { class: "badge pending" }, t("recorded_waiting")) : null,
      ),
      attempt ? h("p", { class: "small last-contact" }, lastContact(attempt)) : null,
      late && !done ? contactControls(item.resident) : null,
    );
  };
  const overdue = queue.overdue.items.filter((item) => !gone(item));
  const due = queue.due.items.filter((item) => !gone(item));
  return screen(
    t("today_title"),
    h(
      "div",
      { class: "counts" },
      h("p", { class: "count late" }, h("strong", {}, String(queue.overdue.total - (queue.overdue.items.length - overdue.length))), t("count_overdue")),
      h("p", { class: "count" }, h("strong", {}, String(queue.due.total - (queue.due.items.length - due.length))), t("count_due")),
    ),
    overdue.length + due.length === 0 ? h("p", { class: "muted" }, t("today_empty")) : null,
    h("ul", { class: "list", id: "queue" }, overdue.map(row), due.map(row)),
    link(t("checks_link"), "#/checks", "secondary"),
    h("p", { class: "muted small" }, t("updated_at", { time: formatInstant(queue.fetched_at) })),
  );
}

function lastContact(attempt) {
  const when = attempt.at ? formatInstant(attempt.at) : "";
  const come = attempt.come_on ? ` ${t("come_on", { date: attempt.come_on })}` : "";
  return `${t("last_contact")}: ${when} ${term("contact_result", attempt.result)}${come}`;
}

function matches(resident, q) {
  return [resident.name, resident.phone, resident.id_number, resident.record_number].some((value) => value && value.toLowerCase().includes(q));
}

async function residents({ query }) {
  const all = await area.residents();
  const list = h("ul", { class: "list", id: "results" });
  const show = (q) => {
    const needle = q.trim().toLowerCase();
    const found = (needle ? all.filter((r) => matches(r, needle)) : all).slice(0, SEARCH_SHOWN);
    list.replaceChildren(
      ...found.map((r) =>
        h(
          "li",
          {},
          h(
            "a",
            { href: `#/resident/${r.id}`, class: "row" },
            h("strong", {}, r.name),
            h("span", {}, `${term("sex", r.sex)} · ${r.birth_date}`),
            contractLine(r),
            r._entry ? h("span", { class: "badge pending" }, t("waiting_sync")) : null,
          ),
        ),
      ),
    );
    if (!found.length) list.append(h("li", { class: "muted" }, t("no_results")));
  };
  const search = input("q", { type: "search", value: query.get("q") || "", autocomplete: "off", oninput: (e) => show(e.target.value) });
  show(search.value);
  return screen(t("residents_title"), field(t("search_label"), search), link(t("new_resident"), "#/new-resident", "secondary"), list);
}

function detail(label, value) {
  return [h("dt", {}, label), h("dd", {}, value)];
}

async function resident({ args }) {
  const [person, villages] = await Promise.all([area.resident(args[0]), area.villages()]);
  if (!person) return screen(t("not_found"), link(t("nav_residents"), "#/residents"));
  const [enrollments, followups, referrals, replies] = await Promise.all([
    area.enrollmentsOf(person.id),
    area.followupsOf(person.id),
    area.referralsOf(person.id),
    area.repliesOf(person.id),
  ]);
  const phone = person.phone
    ? [person.phone, person.phone_invalid ? h("span", { class: "badge uncontrolled" }, t("phone_invalid")) : null]
    : t("none");
  const consent = person.opted_out ? t("sms_opted_out") : person.sms_consent ? t("yes") : t("no");
  const today = localDate();
  const enrollmentRow = (e) =>
    h(
      "li",
      { class: e.status !== "closed" && e.next_due_on && e.next_due_on < today ? "late" : "" },
      h("strong", {}, conditionLabel(e.condition)),
      h("span", {}, e.status === "closed" ? t("closed") : t("next_due", { date: e.next_due_on || e.enrolled_on || "" })),
      e._entry ? h("span", { class: "badge pending" }, t("waiting_sync")) : null,
      e.status !== "closed" ? link(t("record_followup"), `#/followup/${person.id}/${e.condition}`, "primary") : null,
    );
  const followupRow = (f) =>
    h(
      "li",
      {},
      h("strong", {}, `${formatInstant(f.performed_at)} · ${conditionLabel(f.condition)}`),
      h("span", {}, readings(f)),
      classificationBadge(f),
      f._entry ? null : printLink(person, f),
    );
  return screen(
    person.name,
    person._entry ? h("p", { class: "badge pending" }, t("waiting_sync")) : null,
    h(
      "dl",
      { class: "facts" },
      person.record_number ? detail(t("field_record_number"), person.record_number) : null,
      detail(t("field_sex"), term("sex", person.sex)),
      detail(t("field_birth_date"), `${person.birth_date} (${t("age_years", { n: area.ageOn(person.birth_date, localDate()) })})`),
      detail(t("field_village_id"), area.villageName(villages, person.village_id)),
      detail(t("field_phone"), phone),
      detail(t("field_sms_consent"), consent),
    ),
    await contractSection(person),
    h("h2", {}, t("enrollments")),
    enrollments.length ? h("ul", { class: "list" }, enrollments.map(enrollmentRow)) : h("p", { class: "muted" }, t("no_enrollments")),
    replies.length ? repliesSection(replies) : null,
    referrals.length
      ? [
          h("h2", {}, t("referrals_title")),
          h("p", { id: "referral-summary" }, link(referralSummary(referrals[0]), `#/referrals/${person.id}?referral=${referrals[0].id}`)),
        ]
      : null,
    h("h2", {}, t("recent_followups")),
    followups.length ? h("ul", { class: "list" }, followups.map(followupRow)) : h("p", { class: "muted" }, t("no_followups")),
    await screeningSection(person),
    h(
      "div",
      { class: "actions" },
      link(t("screen_title"), `#/screening/${person.id}`, "primary"),
      link(t("health_check_title"), `#/health-check/${person.id}`, "secondary"),
      link(t("enroll"), `#/enroll/${person.id}`, "secondary"),
      link(t("log_visit"), `#/visit?resident=${person.id}`, "secondary"),
      link(t("refer"), `#/referral/${person.id}`, "secondary"),
      link(t("add_household_member"), `#/new-resident?household=${person.household_id || ""}&village=${person.village_id}`, "secondary"),
    ),
  );
}

// The national record of one synced follow-up, printed from the browser (the console's page; it needs the network).
function printLink(person, f) {
  const href = `/console/residents/${person.id}/record?followup=${f.id}`;
  const open = (event) => {
    if (navigator.onLine) return;
    event.preventDefault();
    go(location.hash, t("needs_network"));
  };
  return h("a", { href, class: "button secondary print", target: "_blank", rel: "noopener", onclick: open }, t("print_followup"));
}

// A follow-up's readings; a phone follow-up may have none.
function readings(f) {
  const parts = [];
  if (f.sbp != null && f.dbp != null) parts.push(`${f.sbp}/${f.dbp} mmHg`);
  if (f.fasting_glucose != null) parts.push(`${f.fasting_glucose} mmol/L`);
  return parts.join(" · ") || term("mode", f.mode);
}

// Residents' SMS replies (the whole household's phone), the unread ones marked, each markable read.
function repliesSection(replies) {
  const unread = replies.filter((reply) => !reply.read_at).length;
  const row = (reply) => {
    const item = h(
      "li",
      { class: reply.read_at ? "reply" : "reply unread" },
      h("strong", {}, `${formatInstant(reply.received_at)} · ${reply.from}`),
      h("span", {}, reply.body),
    );
    if (!reply.read_at) {
      item.append(
        button(t("mark_read"), async (event) => {
          try {
            const marked = await postJson(`/api/v1/replies/${reply.id}/read`, {});
            await store.put("replies", { ...reply, read_at: marked.read_at });
            item.classList.remove("unread");
            event.target.remove();
            drawUnread();
          } catch (error) {
            if (!(error instanceof OfflineError || error instanceof ApiError)) throw error;
            event.target.textContent = t("mark_read_offline");
          }
        }, "secondary"),
      );
    }
    return item;
  };
  return [
    h("h2", {}, t("replies_title"), " ", unread ? h("span", { class: "badge uncontrolled", id: "unread-replies" }, t("unread_count", { n: unread })) : null),
    h("ul", { class: "list", id: "replies" }, replies.map(row)),
  ];
}

// The unread replies count on the residents tab.
export async function drawUnread() {
  const count = document.getElementById("replies-count");
  if (count) count.textContent = String((await area.unreadReplies()).length || "");
}

// Every record type's form, to fix a refused record from the outbox.
const fixable = { ...forms, ...screeningForms, ...healthCheckForms };

function syncState() {
  const s = sync.status;
  if (s.needsSignIn) return t("signin_again");
  if (s.syncing) return t("syncing");
  if (!navigator.onLine) return t("offline_banner");
  if (s.error) return t("sync_failed", { error: s.error, time: formatInstant(new Date(s.retryAt).toISOString()) });
  return s.lastSyncAt ? t("last_sync", { time: formatInstant(s.lastSyncAt) }) : t("never_synced");
}

async function outbox() {
  const entries = await store.outbox();
  const entryRow = (entry) =>
    h(
      "li",
      { class: `entry ${entry.state}`, "data-id": entry.id },
      h("strong", {}, `${t(`type_${entry.type}`)} · ${entry.label || ""}`),
      h("span", { class: `badge ${entry.state}` }, t(`state_${entry.state}`)),
      entry.state === "blocked" ? h("p", { class: "small" }, t("blocked_by", { label: entry.blocked_label || "" })) : errorList(entry.errors),
      h(
        "div",
        { class: "actions" },
        fixable[entry.type] ? link(entry.state === "pending" ? t("edit") : t("fix"), `#/edit/${entry.id}`, "secondary") : null,
        button(t("discard"), async () => {
          if (confirm(t("discard_confirm"))) {
            await sync.discard(entry.id);
            go("#/outbox");
          }
        }, "danger"),
      ),
    );
  return screen(
    t("outbox_title"),
    h("p", { class: "status", id: "sync-status", role: "status" }, syncState()),
    button(t("sync_now"), () => sync.syncNow(), "primary", { disabled: sync.status.syncing }),
    entries.length ? h("ul", { class: "list", id: "outbox" }, entries.map(entryRow)) : h("p", { class: "muted" }, t("outbox_empty")),
  );
}

async function edit({ args }) {
  const entry = await store.get("outbox", args[0]);
  if (!entry) return screen(t("not_found"), link(t("nav_outbox"), "#/outbox"));
  return fixable[entry.type]({ args: [], query: new URLSearchParams(), values: entry.data });
}

async function signOut() {
  const waiting = (await store.outbox()).length;
  if (waiting && !confirm(t("signout_discard", { n: waiting }))) return;
  try {
    await postJson("/api/v1/auth/logout", {});
  } catch (error) {
    if (!(error instanceof OfflineError || error instanceof ApiError)) throw error;
  }
  await store.clearArea(true);
  location.href = "/login";
}

async function more() {
  const user = (await store.getValue("user")) || {};
  const lang = currentLanguage();
  return screen(
    t("more_title"),
    h("p", {}, t("signed_in_as", { name: user.name || user.username || "" })),
    ...(await doctorsDay(user)),
    h("h2", {}, t("language")),
    h(
      "div",
      { class: "actions" },
      button("中文", () => switchLanguage("zh"), lang === "zh" ? "primary" : "secondary", { lang: "zh-CN" }),
      button("English", () => switchLanguage("en"), lang === "en" ? "primary" : "secondary", { lang: "en" }),
    ),
    h("h2", {}, t("account")),
    button(t("sign_out"), signOut, "danger", { id: "sign-out" }),
  );
}

export const routes = { today, residents, resident, outbox, edit, more, ...formRoutes, ...referralRoutes, ...screeningRoutes, ...healthCheckRoutes, ...contractRoutes };

// A resident's referrals on the referring doctor's phone: status, the countdown to the desk's
// deadline, acceptance and appointment, and the down-referral sheet, all from sync.
import * as area from "./area.js";
import { formatInstant, h, link, t, term, urgencyLabel } from "./ui.js";

function screen(title, ...children) {
  return h("section", { class: "screen" }, h("h1", { tabindex: "-1" }, title), ...children);
}

// "还剩 1小时20分" before the deadline, "已超时 5分" after it.
export function countdown(deadline, now = Date.now()) {
  const minutes = Math.round((Date.parse(deadline) - now) / 60000);
  const span = Math.abs(minutes);
  const text = span >= 60 ? t("hours_minutes", { h: Math.floor(span / 60), m: span % 60 }) : t("minutes", { m: span });
  return minutes >= 0 ? t("deadline_left", { time: text }) : t("deadline_passed", { time: text });
}

function fact(label, value) {
  return value ? [h("dt", {}, label), h("dd", {}, value)] : [];
}

function referralCard(referral, highlighted) {
  const waiting = referral._entry ? h("span", { class: "badge pending" }, t("waiting_sync")) : null;
  const status = referral.status || "pending";
  const pending = status === "pending" && referral.ack_deadline;
  return h(
    "article",
    { class: `referral ${highlighted ? "highlight" : ""}`, id: `referral-${referral.id}`, "data-status": status },
    h(
      "h2",
      {},
      `${referral.number || t("type_referral")} · `,
      h("span", { class: `badge ${status}` }, term("referral_status", status)),
      " ",
      waiting,
    ),
    h(
      "dl",
      { class: "facts" },
      fact(t("field_urgency"), urgencyLabel(referral.urgency)),
      fact(t("referred_at"), formatInstant(referral.created_at)),
      pending ? fact(t("ack_deadline"), `${formatInstant(referral.ack_deadline)} · ${countdown(referral.ack_deadline)}`) : [],
      fact(t("accepted_at"), formatInstant(referral.accepted_at)),
      status === "accepted" || referral.appointment_at ? fact(t("appointment_at"), referral.appointment_at ? formatInstant(referral.appointment_at) : t("no_appointment")) : [],
      fact(t("accept_note"), referral.accept_note),
      fact(t("decline_reason"), referral.decline_reason),
      fact(t("field_reason"), referral.reason),
      fact(t("field_impression"), referral.impression),
      fact(t("field_treatment_given"), referral.treatment_given),
    ),
    status === "completed"
      ? h(
          "div",
          { class: "down-referral" },
          h("h3", {}, t("down_referral")),
          h(
            "dl",
            { class: "facts" },
            fact(t("completed_at"), formatInstant(referral.completed_at)),
            fact(t("field_outcome"), referral.outcome),
            fact(t("field_diagnosis"), referral.diagnosis),
            fact(t("field_findings"), referral.findings),
            fact(t("field_treatment_plan"), referral.treatment_plan),
            fact(t("field_rehab_advice"), referral.rehab_advice),
          ),
        )
      : null,
  );
}

// The newest referral's status in a line, for the resident's page.
export function referralSummary(referral) {
  const status = referral.status || "pending";
  const parts = [urgencyLabel(referral.urgency), term("referral_status", status)];
  if (status === "pending" && referral.ack_deadline) parts.push(countdown(referral.ack_deadline));
  if (referral.appointment_at) parts.push(t("appointment_on", { time: formatInstant(referral.appointment_at) }));
  return parts.join(" · ");
}

async function residentReferrals({ args, query }) {
  const person = await area.resident(args[0]);
  if (!person) return screen(t("not_found"), link(t("nav_residents"), "#/residents"));
  const referrals = await area.referralsOf(person.id);
  const chosen = query.get("referral");
  return screen(
    `${t("referrals_title")} · ${person.name}`,
    referrals.length ? referrals.map((r) => referralCard(r, r.id === chosen)) : h("p", { class: "muted" }, t("no_referrals")),
    link(t("refer"), `#/referral/${person.id}`, "secondary"),
    link(t("back_to_resident"), `#/resident/${person.id}`, "secondary"),
  );
}

export const referralRoutes = { referrals: residentReferrals };

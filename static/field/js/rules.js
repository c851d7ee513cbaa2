// The follow-up rules of GET /api/v1/rules (fieldapp/followups/rules.py), applied the same way offline.
// The server's answer replaces this estimate once the record has synced.
import { ageOn } from "./area.js";
import { localDate } from "./ui.js";

const value = (rules, name) => rules.rules[name].value;

export function dangerSigns(rules, condition) {
  return (rules && rules.danger_signs[condition]) || [];
}

// min/max attributes for the measurement inputs, from the rules' plausible ranges.
export function limits(rules) {
  const ranges = (rules && rules.ranges) || {};
  return Object.fromEntries(Object.entries(ranges).map(([name, range]) => [name, { min: range.low, max: range.high }]));
}

// A phone follow-up's values are what the resident said: no rule reads them.
const measured = (m) => m.mode !== "phone";

function isUrgent(rules, m) {
  if ((m.danger_signs || []).length) return true;
  if (!measured(m)) return false;
  if ((m.sbp != null && m.sbp >= value(rules, "urgent_sbp")) || (m.dbp != null && m.dbp >= value(rules, "urgent_dbp"))) return true;
  if (m.condition !== "diabetes") return false;
  const glucose = m.fasting_glucose;
  if (glucose != null && (glucose >= value(rules, "urgent_glucose_high") || glucose <= value(rules, "urgent_glucose_low"))) return true;
  return m.heart_rate != null && m.heart_rate > value(rules, "urgent_heart_rate");
}

function missesTarget(rules, m, age) {
  if (m.condition === "diabetes") {
    const glucose = m.fasting_glucose;
    return glucose == null || glucose >= value(rules, "target_glucose_high") || glucose <= value(rules, "target_glucose_low");
  }
  const elderly = age >= value(rules, "elderly_age");
  const sbpLimit = value(rules, elderly ? "target_sbp_elderly" : "target_sbp");
  const dbpLimit = value(rules, elderly ? "target_dbp_elderly" : "target_dbp");
  return m.sbp == null || m.dbp == null || m.sbp >= sbpLimit || m.dbp >= dbpLimit;
}

function classify(rules, m, age, before) {
  if (m.new_complication || m.worsened_complication) return "complication";
  if (m.adverse_reaction) return "adverse_reaction";
  if (!measured(m)) return before || "uncontrolled";
  return missesTarget(rules, m, age) ? "uncontrolled" : "controlled";
}

function addDays(day, days) {
  const [y, m, d] = day.split("-").map(Number);
  return localDate(new Date(y, m - 1, d + days));
}

// The newest face-to-face follow-up of the same condition performed before `m` (offline records come out of order).
function previousOf(m, history) {
  const at = Date.parse(m.performed_at);
  return history
    .filter((f) => f.condition === m.condition && f.id !== m.id && measured(f) && Date.parse(f.performed_at) < at)
    .sort((a, b) => Date.parse(b.performed_at) - Date.parse(a.performed_at))[0];
}

// The verdict on one follow-up, given the resident's other follow-ups (`history`) and, for a
// phone follow-up, the enrollment's current due date (a call never postpones the visit).
export function assess(rules, m, birthDate, history, currentDue) {
  if (!rules || !rules.rules || (measured(m) && (m.sbp == null || m.dbp == null))) return null;
  const performedOn = localDate(new Date(m.performed_at));
  const urgent = isUrgent(rules, m);
  const before = previousOf(m, history)?.classification;
  const classification = classify(rules, m, ageOn(birthDate, performedOn), before);
  const recommended =
    urgent ||
    classification === "complication" ||
    (measured(m) && classification !== "controlled" && before != null && before !== "controlled");
  const interval = classification === "controlled" && !urgent ? "followup_interval_days" : "recheck_days";
  let due = addDays(performedOn, value(rules, interval));
  if (!measured(m) && currentDue && currentDue < due) due = currentDue;
  return { classification, urgent_referral: urgent, referral_recommended: recommended, next_due_on: due };
}

// Urgency offered on the referral form: danger signs → emergency, danger by numbers → urgent, else routine.
export function suggestUrgency(m, result) {
  if ((m.danger_signs || []).length) return "emergency";
  return result.urgent_referral ? "urgent" : "routine";
}

// Reading the doctor's area: what the server sent (IndexedDB) merged with what waits in the outbox.
import * as store from "./store.js";

export async function pendingOf(type) {
  return (await store.outbox()).filter((entry) => entry.type === type).map((entry) => ({ ...entry.data, ...entry.estimate, _entry: entry }));
}

export async function resident(id) {
  return (await store.get("residents", id)) || (await pendingOf("resident")).find((row) => row.id === id) || null;
}

export async function residents() {
  const [saved, pending] = await Promise.all([store.all("residents"), pendingOf("resident")]);
  const ids = new Set(saved.map((row) => row.id));
  return [...pending.filter((row) => !ids.has(row.id)), ...saved];
}

export async function enrollmentsOf(residentId) {
  const [saved, pending, outcomes] = await Promise.all([store.byResident("enrollments", residentId), pendingOf("enrollment"), pendingOf("screening_outcome")]);
  const rows = [...saved, ...pending.filter((row) => row.resident_id === residentId && !saved.some((s) => s.id === row.id))];
  // A confirmation waiting in the outbox enrolls the resident when it syncs: shown (and followed up) already.
  const active = (condition) => rows.some((row) => row.condition === condition && row.status !== "closed");
  for (const o of outcomes.filter((o) => o.resident_id === residentId && o.outcome === "confirmed" && !active(o.condition))) {
    rows.push({ id: o.id, resident_id: residentId, condition: o.condition, status: "active", enrolled_on: o.on, next_due_on: o.on, _entry: o._entry });
  }
  return rows;
}

// Newest first: the server's follow-ups and the ones still waiting to go.
export async function followupsOf(residentId) {
  const [saved, pending] = await Promise.all([store.byResident("followups", residentId), pendingOf("followup")]);
  const rows = [...saved, ...pending.filter((row) => row.resident_id === residentId && !saved.some((s) => s.id === row.id))];
  return rows.sort((a, b) => Date.parse(b.performed_at) - Date.parse(a.performed_at));
}

// A resident's rows of one store merged with those waiting in the outbox (`type`), newest first by `at`.
async function mergedOf(storeName, type, residentId, at) {
  const [saved, pending] = await Promise.all([store.byResident(storeName, residentId), pendingOf(type)]);
  const rows = [...saved, ...pending.filter((row) => row.resident_id === residentId && !saved.some((s) => s.id === row.id))];
  const when = (row) => (row[at] ? Date.parse(row[at]) : Infinity);
  return rows.sort((a, b) => (when(b) > when(a)) - (when(b) < when(a)));
}

// Referrals, newest first (one still in the outbox has no created_at yet: it comes first).
export const referralsOf = (residentId) => mergedOf("referrals", "referral", residentId, "created_at");

export const contactAttemptsOf = (residentId) => mergedOf("contact_attempts", "contact_attempt", residentId, "at");

// The residents' SMS replies (a reply names every resident of its number), newest first.
export async function repliesOf(residentId) {
  const rows = await store.byResident("replies", residentId);
  return rows.sort((a, b) => Date.parse(b.received_at) - Date.parse(a.received_at));
}

export async function unreadReplies() {
  return (await store.all("replies")).filter((reply) => !reply.read_at);
}

export async function villages() {
  return (await store.getValue("villages")) || [];
}

export function villageName(list, id) {
  return list.find((village) => village.id === id)?.name || "";
}

// Age in whole years on a local date (YYYY-MM-DD strings).
export function ageOn(birthDate, onDate) {
  if (!birthDate) return null;
  const [by, bm, bd] = birthDate.split("-").map(Number);
  const [y, m, d] = onDate.split("-").map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

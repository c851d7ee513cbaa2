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
  const [saved, pending] = await Promise.all([store.byResident("enrollments", residentId), pendingOf("enrollment")]);
  return [...saved, ...pending.filter((row) => row.resident_id === residentId && !saved.some((s) => s.id === row.id))];
}

// Newest first: the server's follow-ups and the ones still waiting to go.
export async function followupsOf(residentId) {
  const [saved, pending] = await Promise.all([store.byResident("followups", residentId), pendingOf("followup")]);
  const rows = [...saved, ...pending.filter((row) => row.resident_id === residentId && !saved.some((s) => s.id === row.id))];
  return rows.sort((a, b) => Date.parse(b.performed_at) - Date.parse(a.performed_at));
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

// The outbox and POST /api/v1/sync: records leave the outbox only when the server has answered for them.
import { ApiError, postJson } from "./api.js";
import * as store from "./store.js";

const BATCH_SIZE = 200;
const FIRST_RETRY_MS = 5000;
const LONGEST_RETRY_MS = 5 * 60 * 1000;
const PERIOD_MS = 2 * 60 * 1000;
// A whole batch refused for its body: split it until the one record at fault is found.
const SPLIT_STATUSES = [400, 413, 422];
const STORE_OF_TYPE = {
  resident: "residents",
  enrollment: "enrollments",
  followup: "followups",
  referral: "referrals",
  screening: "screenings",
  health_check: "health_checks",
  contract: "contracts",
  contact_attempt: "contact_attempts",
  // Changes to a row the phone holds: the answer is that row as it now is.
  screening_outcome: "screenings",
  contract_termination: "contracts",
};

export const status = { syncing: false, needsSignIn: false, error: null, lastSyncAt: null, retryAt: null };
const listeners = new Set();
let retryDelay = FIRST_RETRY_MS;
let retryTimer = null;
let tiebreak = 0;
// Set when a sync is asked for while one runs: what was queued meanwhile goes straight after.
let askedAgain = false;

export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify() {
  listeners.forEach((listener) => listener(status));
}

// Put a record in the outbox (or replace the one with the same id, keeping its place in the queue).
// `estimate`: what the phone worked out (a follow-up's classification) until the server answers.
export async function enqueue(type, data, label, estimate = null) {
  const existing = await store.get("outbox", data.id);
  tiebreak = (tiebreak + 1) % 1000;
  await store.put("outbox", {
    id: data.id,
    type,
    data,
    label,
    estimate,
    state: "pending",
    errors: null,
    queued_at: existing ? existing.queued_at : Date.now() + tiebreak / 1000,
  });
  if (!existing) await countForToday(type);
  notify();
  if (navigator.onLine) syncNow();
}

// The doctor's own tally of the month (follow-ups, visits, screenings...), kept on the phone.
export const tallyKey = (date = new Date()) => `tally.${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}`;

async function countForToday(type) {
  const key = tallyKey();
  const tally = (await store.getValue(key)) || {};
  tally[type] = (tally[type] || 0) + 1;
  await store.setValue(key, tally);
}

export async function discard(id) {
  await store.remove("outbox", id);
  notify();
}

function normalizeErrors(errors, fallback) {
  if (!errors) return { _: [fallback] };
  if (Array.isArray(errors) || typeof errors === "string") return { _: [].concat(errors) };
  if (errors.fields || errors.message) return errors.fields || { _: [errors.message] };
  return errors;
}

// The outbox record a record depends on: the resident it names (an enrollment, follow-up, visit...),
// the screening an outcome settles, the contract a termination ends.
const DEPENDS_ON = ["resident_id", "followup_id", "screening_id", "contract_id"];
const REFUSED = ["invalid", "conflict", "blocked"];
// Set when an accepted record frees records that waited on it: they go in the same sync.
let freed = false;

async function dependencyOf(entry) {
  for (const name of DEPENDS_ON) {
    const id = entry.data[name];
    if (!id || id === entry.id) continue;
    const other = await store.get("outbox", id);
    if (other && REFUSED.includes(other.state)) return other;
  }
  return null;
}

// Records refused because a record they depend on was refused wait for it ("blocked"), and go
// again by themselves once it is accepted: the doctor fixes one record, not each that followed it.
async function applyResults(batch, results) {
  const answers = new Map((results || []).map((result) => [String(result.id), result]));
  const accepted = [];
  const refused = [];
  for (const entry of batch) {
    const answer = answers.get(String(entry.id));
    if (!answer) continue;
    if (answer.status === "created" || answer.status === "unchanged") {
      await store.remove("outbox", entry.id);
      if (answer.record && STORE_OF_TYPE[entry.type]) await store.put(STORE_OF_TYPE[entry.type], answer.record);
      accepted.push(entry.id);
    } else {
      const refusedEntry = { ...entry, state: answer.status, errors: normalizeErrors(answer.errors, answer.status) };
      await store.put("outbox", refusedEntry);
      refused.push(refusedEntry);
    }
  }
  for (const entry of refused) {
    const dependency = await dependencyOf(entry);
    if (dependency) await store.put("outbox", { ...entry, state: "blocked", blocked_by: dependency.id, blocked_label: dependency.label });
  }
  if (accepted.length) {
    const waiting = (await store.outbox()).filter((entry) => entry.state === "blocked" && accepted.includes(entry.blocked_by));
    for (const entry of waiting) {
      await store.put("outbox", { ...entry, state: "pending", errors: null, blocked_by: null, blocked_label: null });
      freed = true;
    }
  }
}

async function exchange(batch, since) {
  const body = await postJson("/api/v1/sync", {
    records: batch.map((entry) => ({ type: entry.type, data: entry.data })),
    since,
  });
  await applyResults(batch, body.results);
  await store.saveChanges(body.changes || {});
  await store.setValue("cursor", body.cursor);
  return body;
}

async function push(batch, since) {
  try {
    return await exchange(batch, since);
  } catch (error) {
    if (!(error instanceof ApiError) || !SPLIT_STATUSES.includes(error.status)) throw error;
    if (batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      const first = await push(batch.slice(0, half), since);
      return push(batch.slice(half), first.cursor);
    }
    await store.put("outbox", { ...batch[0], state: "invalid", errors: normalizeErrors(error.fields, error.message) });
    return { cursor: since, more: true };
  }
}

function scheduleRetry() {
  clearTimeout(retryTimer);
  status.retryAt = Date.now() + retryDelay;
  retryTimer = setTimeout(syncNow, retryDelay);
  retryDelay = Math.min(retryDelay * 2, LONGEST_RETRY_MS);
}

// Send what waits (in batches), then pull the area's changes page by page.
export async function syncNow() {
  if (status.syncing) askedAgain = true;
  if (status.syncing || status.needsSignIn) return;
  askedAgain = false;
  status.syncing = true;
  notify();
  try {
    const pending = (await store.outbox()).filter((entry) => entry.state === "pending");
    let cursor = (await store.getValue("cursor")) ?? null;
    let more = true;
    for (let start = 0; start < pending.length; start += BATCH_SIZE) {
      ({ cursor, more } = await push(pending.slice(start, start + BATCH_SIZE), cursor));
    }
    while (more) ({ cursor, more } = await exchange([], cursor));
    clearTimeout(retryTimer);
    Object.assign(status, { error: null, retryAt: null, lastSyncAt: new Date().toISOString() });
    retryDelay = FIRST_RETRY_MS;
    await store.setValue("lastSyncAt", status.lastSyncAt);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      status.needsSignIn = true;
    } else {
      status.error = error.message;
      scheduleRetry();
    }
  } finally {
    status.syncing = false;
    notify();
  }
  if ((askedAgain || freed) && !status.error && !status.needsSignIn) {
    freed = false;
    syncNow();
  }
}

export async function start() {
  status.lastSyncAt = (await store.getValue("lastSyncAt")) || null;
  window.addEventListener("online", syncNow);
  setInterval(() => navigator.onLine && syncNow(), PERIOD_MS);
  if (navigator.onLine) syncNow();
}

// IndexedDB: the doctor's area (read offline), the outbox (records waiting to sync), and small values.
const DB_NAME = "fieldapp";
const DB_VERSION = 1;
const AREA_STORES = ["residents", "enrollments", "followups", "referrals"];
const INDEXED_BY_RESIDENT = ["enrollments", "followups", "referrals"];
// How many follow-ups of each resident stay on the phone.
const FOLLOWUPS_KEPT = 5;

let opening = null;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

function open() {
  if (!opening) {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      for (const name of AREA_STORES) {
        const store = db.createObjectStore(name, { keyPath: "id" });
        if (INDEXED_BY_RESIDENT.includes(name)) store.createIndex("resident_id", "resident_id");
      }
      db.createObjectStore("outbox", { keyPath: "id" }).createIndex("queued_at", "queued_at");
      db.createObjectStore("kv");
    };
    opening = promised(request);
  }
  return opening;
}

async function run(names, mode, work) {
  const db = await open();
  const tx = db.transaction(names, mode);
  const result = work(tx);
  await done(tx);
  return result instanceof IDBRequest ? result.result : result;
}

export const get = (store, key) => run([store], "readonly", (tx) => tx.objectStore(store).get(key));
export const all = (store) => run([store], "readonly", (tx) => tx.objectStore(store).getAll());
export const byResident = (store, residentId) =>
  run([store], "readonly", (tx) => tx.objectStore(store).index("resident_id").getAll(residentId));
export const put = (store, value) => run([store], "readwrite", (tx) => tx.objectStore(store).put(value));
export const remove = (store, key) => run([store], "readwrite", (tx) => tx.objectStore(store).delete(key));
export const getValue = (key) => run(["kv"], "readonly", (tx) => tx.objectStore("kv").get(key));
export const setValue = (key, value) => run(["kv"], "readwrite", (tx) => tx.objectStore("kv").put(value, key));

// The outbox, oldest first: records are sent in the order they were typed.
export const outbox = () =>
  run(["outbox"], "readonly", (tx) => tx.objectStore("outbox").index("queued_at").getAll());

// Store what the server sent (sync `changes`) and keep only the newest follow-ups of each resident.
export async function saveChanges(changes) {
  const touched = new Set();
  await run(AREA_STORES, "readwrite", (tx) => {
    for (const name of AREA_STORES) {
      for (const row of changes[name] || []) {
        tx.objectStore(name).put(row);
        if (name === "followups") touched.add(row.resident_id);
      }
    }
  });
  for (const residentId of touched) await pruneFollowups(residentId);
}

async function pruneFollowups(residentId) {
  const rows = await byResident("followups", residentId);
  rows.sort((a, b) => Date.parse(b.performed_at) - Date.parse(a.performed_at));
  const old = rows.slice(FOLLOWUPS_KEPT);
  if (old.length) {
    await run(["followups"], "readwrite", (tx) => old.forEach((row) => tx.objectStore("followups").delete(row.id)));
  }
}

// Signing out: the area and cached values go; the outbox only when `withOutbox`.
export async function clearArea(withOutbox) {
  const names = [...AREA_STORES, "kv", ...(withOutbox ? ["outbox"] : [])];
  await run(names, "readwrite", (tx) => names.forEach((name) => tx.objectStore(name).clear()));
}

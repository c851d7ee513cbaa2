// IndexedDB: the doctor's area (read offline), the outbox (records waiting to sync), and small values.
const DB_NAME = "fieldapp";
const DB_VERSION = 2;
// One store per sync feed (API.md `changes`); rows of a feed this code does not know go to "extra".
const AREA_STORES = [
  "residents",
  "enrollments",
  "followups",
  "referrals",
  "replies",
  "patrols",
  "screenings",
  "health_checks",
  "contracts",
  "contact_attempts",
];
// Stores read by resident: the index "resident_id" (a reply names several residents: `resident_ids`).
const RESIDENT_KEY = {
  enrollments: "resident_id",
  followups: "resident_id",
  referrals: "resident_id",
  replies: "resident_ids",
  screenings: "resident_id",
  health_checks: "resident_id",
  contracts: "resident_id",
  contact_attempts: "resident_id",
};
const EXTRA = "extra";
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

function createAreaStore(db, name) {
  const store = db.createObjectStore(name, { keyPath: "id" });
  const key = RESIDENT_KEY[name];
  if (key) store.createIndex("resident_id", key, { multiEntry: key === "resident_ids" });
}

// Each version's steps, from the phone's version up: a phone in use keeps its outbox and area.
// A store is made only where missing, so a database someone opened without a version (empty,
// at version 1) still gets every store.
function upgrade(event, request) {
  const db = request.result;
  const missing = (name) => !db.objectStoreNames.contains(name);
  for (const name of ["residents", "enrollments", "followups", "referrals"].filter(missing)) createAreaStore(db, name);
  if (missing("outbox")) db.createObjectStore("outbox", { keyPath: "id" }).createIndex("queued_at", "queued_at");
  if (missing("kv")) db.createObjectStore("kv");
  if (event.oldVersion < 2) {
    for (const name of ["replies", "patrols", "screenings", "health_checks", "contracts", "contact_attempts"].filter(missing)) {
      createAreaStore(db, name);
    }
    if (missing(EXTRA)) db.createObjectStore(EXTRA, { keyPath: "key" }).createIndex("feed", "feed");
    // The new feeds hold rows older than the cursor a version-1 phone saved: pull everything once.
    if (event.oldVersion >= 1) request.transaction.objectStore("kv").delete("cursor");
  }
}

function open() {
  if (!opening) {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = (event) => upgrade(event, request);
    opening = promised(request).then((db) => {
      // A newer version opened in another tab: let it upgrade, and open again on next use.
      db.onversionchange = () => {
        db.close();
        opening = null;
      };
      return db;
    });
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

// Rows of a feed this version has no store for (a newer server's), kept until an update reads them.
export const extraRows = async (feed) =>
  (await run([EXTRA], "readonly", (tx) => tx.objectStore(EXTRA).index("feed").getAll(feed))).map((entry) => entry.row);

// Store what the server sent (sync `changes`) and keep only the newest follow-ups of each resident.
export async function saveChanges(changes) {
  const touched = new Set();
  await run([...AREA_STORES, EXTRA], "readwrite", (tx) => {
    for (const [name, rows] of Object.entries(changes)) {
      const known = AREA_STORES.includes(name);
      for (const row of rows || []) {
        if (known) tx.objectStore(name).put(row);
        else tx.objectStore(EXTRA).put({ key: `${name}/${row.id}`, feed: name, row });
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
  const names = [...AREA_STORES, EXTRA, "kv", ...(withOutbox ? ["outbox"] : [])];
  await run(names, "readwrite", (tx) => names.forEach((name) => tx.objectStore(name).clear()));
}

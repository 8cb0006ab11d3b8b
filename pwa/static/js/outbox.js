// Reports written without signal wait here, in IndexedDB (photos as Blobs), until they can be
// sent. Shared by the pages and the service worker. Each keeps the idempotency key it was
// written with, so a report sent twice (two tabs, a retry after a lost answer) is stored once.
const DB_NAME = "gandan-outbox";
const QUEUE = "queue";
const SENT = "sent";
const FIRST_RETRY_MS = 5000;
const LONGEST_WAIT_MS = 10 * 60 * 1000;

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(QUEUE, { keyPath: "key" });
      request.result.createObjectStore(SENT, { keyPath: "key" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(store, mode, action) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(store, mode);
      const request = action(tx.objectStore(store));
      tx.oncomplete = () => resolve(request && request.result);
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

// FormData → a record IndexedDB can hold: [name, value] pairs, files kept as Blobs.
export function toRecord(action, formData, key, csrf) {
  const fields = [];
  for (const [name, value] of formData.entries()) {
    fields.push(value instanceof Blob
      ? [name, { blob: value, filename: value.name || "photo.jpg" }]
      : [name, value]);
  }
  return { key, action, fields, csrf, queuedAt: Date.now(), attempts: 0, nextTry: 0 };
}

function toFormData(record) {
  const data = new FormData();
  for (const [name, value] of record.fields) {
    if (typeof value === "string") data.append(name, value);
    else data.append(name, value.blob, value.filename);
  }
  return data;
}

export async function enqueue(record) {
  await run(QUEUE, "readwrite", (store) => store.put(record));
}

export async function queued() {
  return (await run(QUEUE, "readonly", (store) => store.getAll())) || [];
}

export async function sentReports() {
  return (await run(SENT, "readonly", (store) => store.getAll())) || [];
}

export async function forgetSent(key) {
  await run(SENT, "readwrite", (store) => store.delete(key));
}

// One send at a time across tabs and the service worker (Web Locks where there are locks).
function exclusively(work) {
  if (self.navigator && navigator.locks) return navigator.locks.request("gandan-outbox", work);
  return work();
}

// Sends every report whose turn has come; returns [{key, code, url}] for those now stored.
// A network failure or a 5xx waits longer each time (5 s, 10 s, … up to 10 min); a refusal
// (4xx) is kept as sent-with-errors so the resident can see it and fill it in again.
export function flush(csrf) {
  return exclusively(async () => {
    const done = [];
    for (const record of await queued()) {
      if (record.nextTry > Date.now()) continue;
      let outcome;
      try {
        const response = await fetch(record.action, {
          method: "POST", body: toFormData(record), credentials: "same-origin",
          headers: { Accept: "application/json", "Idempotency-Key": record.key,
                     "x-csrftoken": csrf || record.csrf },
        });
        if (response.status >= 500 || response.status === 403 || response.status === 429) {
          throw new Error(String(response.status));
        }
        const body = await response.json();
        outcome = response.ok
          ? { key: record.key, code: body.code, url: body.url }
          : { key: record.key, errors: body.errors || { form: body.detail } };
      } catch (error) {
        record.attempts += 1;
        record.nextTry = Date.now() + Math.min(FIRST_RETRY_MS * 2 ** (record.attempts - 1), LONGEST_WAIT_MS);
        await enqueue(record);
        continue;
      }
      await run(SENT, "readwrite", (store) => store.put(outcome));
      await run(QUEUE, "readwrite", (store) => store.delete(record.key));
      done.push(outcome);
    }
    return done;
  });
}

// When the next attempt is due, in milliseconds from now (null when nothing waits).
export async function nextAttemptIn() {
  const waiting = await queued();
  if (!waiting.length) return null;
  return Math.max(0, Math.min(...waiting.map((r) => r.nextTry)) - Date.now());
}

// HTTP to fieldapp's /api/v1 with the session cookie; writes carry the CSRF token.
export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "http_error";
    this.fields = error.fields || null;
  }
}

// Thrown when the server cannot be reached at all.
export class OfflineError extends Error {}

let csrfToken = document.querySelector('meta[name="csrf-token"]')?.content || "";

async function refreshCsrf() {
  const response = await fetch("/field/session.json", { credentials: "same-origin", cache: "no-store" });
  if (response.ok) csrfToken = (await response.json()).csrf;
  return response.ok;
}

async function send(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new OfflineError(error.message);
  }
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

export async function request(method, path, body) {
  try {
    return await send(method, path, body);
  } catch (error) {
    // A shell page served from the cache may carry an older session's token: fetch the current one once.
    if (error instanceof ApiError && error.code === "csrf_failed" && (await refreshCsrf())) {
      return send(method, path, body);
    }
    throw error;
  }
}

export const getJson = (path) => request("GET", path);
export const postJson = (path, body) => request("POST", path, body);

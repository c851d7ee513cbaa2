// Navigation for every screen, without importing the app: screens change the URL or ask for a
// redraw, and app.js (which owns rendering) listens. Keeps the module graph free of cycles.
const LANG_KEY = "fieldapp.lang";
export const REDRAW_EVENT = "fieldapp:redraw";
export const LANGUAGE_EVENT = "fieldapp:language";

// How long a confirmation stays, across the redraws a sync causes.
const NOTICE_MS = 6000;
let flashed = null;

// Show `hash`; `notice` (e.g. "已保存") is shown on the screens drawn in the next few seconds.
export function go(hash, notice = null) {
  flashed = notice ? { text: notice, until: Date.now() + NOTICE_MS } : null;
  if (location.hash === hash) window.dispatchEvent(new Event(REDRAW_EVENT));
  else location.hash = hash;
}

// The confirmation to show on the screen being drawn, if it is still fresh.
export function currentNotice() {
  return flashed && Date.now() < flashed.until ? flashed.text : null;
}

export function currentLanguage() {
  return localStorage.getItem(LANG_KEY) || (document.documentElement.lang === "en" ? "en" : "zh");
}

export function switchLanguage(lang) {
  localStorage.setItem(LANG_KEY, lang);
  window.dispatchEvent(new CustomEvent(LANGUAGE_EVENT, { detail: lang }));
}

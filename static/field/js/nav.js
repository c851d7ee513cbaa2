// Navigation for every screen, without importing the app: screens change the URL or ask for a
// redraw, and app.js (which owns rendering) listens. Keeps the module graph free of cycles.
const LANG_KEY = "fieldapp.lang";
export const REDRAW_EVENT = "fieldapp:redraw";
export const LANGUAGE_EVENT = "fieldapp:language";

let flashed = null;

// Show `hash`; `notice` (e.g. "已保存") is shown once on the screen that comes next.
export function go(hash, notice = null) {
  flashed = notice;
  if (location.hash === hash) window.dispatchEvent(new Event(REDRAW_EVENT));
  else location.hash = hash;
}

// The notice left for the screen being drawn, once.
export function takeNotice() {
  const notice = flashed;
  flashed = null;
  return notice;
}

export function currentLanguage() {
  return localStorage.getItem(LANG_KEY) || (document.documentElement.lang === "en" ? "en" : "zh");
}

export function switchLanguage(lang) {
  localStorage.setItem(LANG_KEY, lang);
  window.dispatchEvent(new CustomEvent(LANGUAGE_EVENT, { detail: lang }));
}

// The field app: start-up, navigation and the parts every screen shares.
import { ApiError, getJson, OfflineError } from "./api.js";
import { currentLanguage, currentNotice, LANGUAGE_EVENT, REDRAW_EVENT } from "./nav.js";
import { drawUnread, routes } from "./screens.js";
import * as store from "./store.js";
import * as sync from "./sync.js";
import { h, setGlossary, setStrings, t } from "./ui.js";

const TABS = [
  ["today", "nav_today"],
  ["residents", "nav_residents"],
  ["visit", "nav_visit"],
  ["outbox", "nav_outbox"],
  ["more", "nav_more"],
];

const LIVE_SCREENS = ["today", "outbox", "resident", "referrals", "more"];
// Tabs that carry a count: what waits in the outbox, residents' unread replies.
const COUNTS = { outbox: "outbox-count", residents: "replies-count" };

const main = document.getElementById("main");
const banner = document.getElementById("banner");
const nav = document.getElementById("tabs");
let rendering = 0;

// The glossary from the server when reachable, else as last kept on this phone.
async function loadGlossary(lang) {
  const key = `glossary.${lang}`;
  try {
    const body = await getJson(`/api/v1/glossary?lang=${lang}`);
    await store.setValue(key, body.groups);
    setGlossary(body.groups);
  } catch (error) {
    if (!(error instanceof OfflineError || error instanceof ApiError)) throw error;
    setGlossary(await store.getValue(key));
  }
}

async function loadStrings(lang) {
  const response = await fetch(`/field/i18n.json?lang=${lang}`, { credentials: "same-origin" });
  setStrings(await response.json());
  await loadGlossary(lang);
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  document.querySelector("header.bar .title").textContent = t("app_name");
}

// Switch language: the server remembers it when reachable; offline the cached strings serve.
async function switchLanguage(lang) {
  if (navigator.onLine) {
    fetch(`/lang/${lang}?next=/field/`, { credentials: "same-origin", redirect: "manual" }).catch(() => null);
  }
  await loadStrings(lang);
  drawTabs();
  render();
}

function parseHash() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { name: parts[0] || "today", args: parts.slice(1), query: new URLSearchParams(query) };
}

async function render() {
  const ticket = ++rendering;
  const { name, args, query } = parseHash();
  const started = performance.now();
  const screen = routes[name] || routes.today;
  main.replaceChildren(h("p", { class: "muted" }, t("loading")));
  highlightTab(name);
  const node = await screen({ args, query });
  if (ticket !== rendering) return;
  const notice = currentNotice();
  main.replaceChildren(...(notice ? [h("p", { class: "notice", id: "notice", role: "status" }, notice)] : []), node);
  // How long each screen takes to become usable (read by the browser tests, visible in DevTools).
  performance.measure(`screen:${name}`, { start: started });
  const heading = main.querySelector("h1");
  document.title = `${heading ? heading.textContent : ""} · ${t("app_name")}`;
  heading?.focus();
}

function drawTabs() {
  nav.replaceChildren(
    ...TABS.map(([name, key]) =>
      h("a", { href: `#/${name}`, "data-tab": name }, h("span", {}, t(key)), COUNTS[name] ? h("span", { class: "count", id: COUNTS[name] }) : null),
    ),
  );
  highlightTab(parseHash().name);
  drawStatus();
}

function highlightTab(name) {
  for (const tab of nav.querySelectorAll("a")) {
    if (tab.dataset.tab === name) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
}

async function drawStatus() {
  const waiting = (await store.outbox()).length;
  const count = document.getElementById("outbox-count");
  if (count) count.textContent = waiting ? String(waiting) : "";
  await drawUnread();
  const parts = [];
  if (!navigator.onLine) parts.push(h("p", { class: "offline" }, t("offline_banner")));
  if (sync.status.needsSignIn) {
    parts.push(
      h("p", { class: "alert", role: "alert" }, t("signin_again"), " ", h("a", { href: "/login?next=/field/%23/outbox" }, t("signin_link"))),
    );
  }
  banner.replaceChildren(...parts);
  document.body.dataset.sync = sync.status.needsSignIn ? "signin" : sync.status.syncing ? "syncing" : sync.status.error ? "error" : "idle";
}

// The signed-in user: from the server when reachable, else as last seen on this phone.
async function loadUser() {
  try {
    const user = await getJson("/api/v1/me");
    const previous = await store.getValue("user");
    if (previous && previous.id !== user.id) await store.clearArea(false);
    await store.setValue("user", user);
    return user;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      location.href = "/login?next=/field/";
      return null;
    }
    if (!(error instanceof OfflineError)) throw error;
    return store.getValue("user");
  }
}

// Reference data read offline: villages, facilities, the classification rules.
async function refreshReference() {
  const sources = { villages: "/api/v1/villages", facilities: "/api/v1/facilities", rules: "/api/v1/rules" };
  await Promise.all(
    Object.entries(sources).map(async ([key, path]) => {
      try {
        const body = await getJson(path);
        await store.setValue(key, body.items || body);
      } catch (error) {
        if (!(error instanceof OfflineError || error instanceof ApiError)) throw error;
      }
    }),
  );
}

async function start() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(document.body.dataset.sw, { scope: "/field/" }).catch(() => null);
  }
  await loadStrings(currentLanguage());
  drawTabs();
  const user = await loadUser();
  if (!user) return;
  if (navigator.onLine) await Promise.all([refreshReference(), loadGlossary(currentLanguage())]);
  window.addEventListener("hashchange", render);
  window.addEventListener(REDRAW_EVENT, render);
  window.addEventListener(LANGUAGE_EVENT, (event) => switchLanguage(event.detail));
  window.addEventListener("online", drawStatus);
  window.addEventListener("offline", drawStatus);
  sync.onChange((status) => {
    drawStatus();
    // Lists follow what the server answered; forms are never redrawn under the doctor's fingers.
    if (!status.syncing && LIVE_SCREENS.includes(parseHash().name)) render();
  });
  await sync.start();
  render();
}

start();

// Working the overdue list: call the resident, then record what came of it in two taps.
import { go } from "./nav.js";
import { enqueue } from "./sync.js";
import { button, field, h, input, localDate, t, term } from "./ui.js";

const RESULTS = ["will_come", "unreachable", "wrong_number", "refused", "moved", "died"];
// Results that close the resident's enrollments (until synced, the outbox can still discard one).
const FINAL = ["moved", "died"];

function tomorrow() {
  const day = new Date();
  day.setDate(day.getDate() + 1);
  return localDate(day);
}

async function record(resident, result, comeOn) {
  const data = {
    id: crypto.randomUUID(),
    resident_id: resident.id,
    at: new Date().toISOString(),
    channel: "phone",
    result,
    ...(comeOn ? { come_on: comeOn } : {}),
  };
  await enqueue("contact_attempt", data, `${resident.name} · ${term("contact_result", result)}`);
  go("#/today", t("saved_notice"));
}

// The call button and the result choices of one overdue resident (a queue item's `resident`).
export function contactControls(resident) {
  const choices = h("div", { class: "choices-panel", hidden: true, role: "group", "aria-label": t("contact_result") });
  const comeOn = input("come_on", { type: "date", value: tomorrow(), min: localDate() });
  const willCome = h(
    "div",
    { class: "will-come", hidden: true },
    field(t("field_come_on"), comeOn),
    button(t("save"), () => comeOn.value && record(resident, "will_come", comeOn.value), "primary"),
  );
  choices.append(
    ...RESULTS.map((result) =>
      button(
        term("contact_result", result),
        () => {
          if (result === "will_come") {
            willCome.hidden = false;
            comeOn.focus();
          } else {
            record(resident, result);
          }
        },
        FINAL.includes(result) ? "danger" : "secondary",
      ),
    ),
    willCome,
  );
  return h(
    "div",
    { class: "actions contact" },
    resident.phone ? h("a", { href: `tel:${resident.phone}`, class: "button secondary call" }, t("call")) : null,
    button(t("record_contact"), (event) => {
      choices.hidden = !choices.hidden;
      event.currentTarget.setAttribute("aria-expanded", String(!choices.hidden));
    }, "secondary", { "aria-expanded": "false" }),
    choices,
  );
}

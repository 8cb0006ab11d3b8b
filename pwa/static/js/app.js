// On every page: the service worker, and reports waiting in the outbox sent as soon as there
// is signal — when the page opens, when the phone comes back online, and by Background Sync.
import { flush, forgetSent, nextAttemptIn, queued, sentReports } from "/static/js/outbox.js";

const status = document.getElementById("outbox-status");
const csrf = () => document.querySelector("input[name=_csrf_token]")?.value
  || JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"];

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/" }).catch(() => {});
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && event.data.outboxSent) show();
  });
}

function line(text, href, linkText) {
  const p = document.createElement("p");
  p.textContent = text + " ";
  if (href) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = linkText;
    a.className = "code";
    p.append(a);
  }
  return p;
}

// What the outbox holds, said plainly: waiting, sent (with the tracking code), or refused.
export async function show() {
  if (!status) return;
  const [waiting, sent] = await Promise.all([queued(), sentReports()]);
  status.replaceChildren();
  if (waiting.length) status.append(line(status.dataset.waiting.replace("{n}", waiting.length)));
  for (const report of sent) {
    if (report.code) status.append(line(status.dataset.sent, report.url, report.code));
    else status.append(line(status.dataset.refused, "/reports/new", status.dataset.again));
  }
  status.hidden = !status.childElementCount;
  // A receipt seen on its own page needs no more reminding.
  for (const report of sent) {
    if (report.url && location.pathname === report.url.split("?")[0]) await forgetSent(report.key);
  }
}

let timer = null;
export async function sendWaiting() {
  if (!navigator.onLine) return show();
  const sent = await flush(csrf());
  await show();
  clearTimeout(timer);
  const wait = await nextAttemptIn();
  if (wait !== null) timer = setTimeout(sendWaiting, wait + 100);
}

export async function askForSync() {
  if (!("serviceWorker" in navigator)) return;
  const registration = await navigator.serviceWorker.ready;
  if (registration.sync) await registration.sync.register("gandan-outbox").catch(() => {});
}

window.addEventListener("online", sendWaiting);
sendWaiting();

// A suggested reply fills the field its button names (staff case page): a listener here, not
// an inline handler, so the Content-Security-Policy can forbid inline scripts.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-fills]");
  if (!button) return;
  const field = document.getElementById(button.dataset.fills);
  if (field) {
    field.value = button.textContent;
    field.focus();
  }
});

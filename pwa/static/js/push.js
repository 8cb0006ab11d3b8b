// "Get notifications on this phone": registers the root service worker, asks permission,
// and sends the Firebase installation id (FID) to /api/v1/devices. Self-hosted Firebase SDK.
import { initializeApp } from "/static/vendor/firebase-13.2.0/firebase-app.js";
import { getMessaging, isSupported, onRegistered, register } from "/static/vendor/firebase-13.2.0/firebase-messaging.js";

const button = document.getElementById("enable-push");
const state = document.getElementById("push-state");
const config = JSON.parse(button.dataset.config);

button.addEventListener("click", async () => {
  if (!("serviceWorker" in navigator) || !(await isSupported())) {
    state.textContent = button.dataset.unsupported || "This browser cannot receive notifications.";
    return;
  }
  button.disabled = true;
  try {
    const registration = await navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/" });
    const { vapidKey, ...appConfig } = config;
    const messaging = getMessaging(initializeApp(appConfig));
    onRegistered(messaging, async (fid) => {
      // The server binds a push id to the installation that first registered it and hands
      // that installation a secret: kept here, it lets this browser register the id again
      // for whoever uses it next.
      const secretKey = `gd-push-secret:${fid}`;
      const response = await fetch("/api/v1/devices", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ fid, platform: "web", installation_secret: localStorage.getItem(secretKey) }),
      });
      if (response.ok) {
        const { installation_secret: issued } = await response.json();
        if (issued) localStorage.setItem(secretKey, issued);
      }
      state.textContent = response.ok ? "✓" : String(response.status);
    });
    await register(messaging, { vapidKey, serviceWorkerRegistration: registration });
  } catch (error) {
    state.textContent = String(error.message || error);
    button.disabled = false;
  }
});

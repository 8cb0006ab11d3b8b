// Progressive enhancement of the report form: photos shrunk on the phone with previews, GPS and
// a map pin (Leaflet loaded only when the map comes near the screen), live hints of the ward
// and of similar reports, every problem named at once, an upload progress bar, and the outbox
// when there is no signal. Without this script the form still works as a plain form.
import { enqueue, toRecord } from "/static/js/outbox.js";
import { preparePhoto } from "/static/js/photos.js";
import { rememberPlace, startView } from "/static/js/places.js";

const MAX_PHOTOS = 5;
const form = document.getElementById("report-form");
const text = form.dataset;
const lat = document.getElementById("lat"), lon = document.getElementById("lon");
const source = document.getElementById("location_source");
const input = document.getElementById("photos");
const previews = document.getElementById("photo-previews");
const photos = [];  // {blob, name, gps, url}, in the order chosen
let map = null, marker = null;

document.querySelectorAll(".js-only").forEach((el) => { el.hidden = false; });
// A resident's form: photos shrunk on the phone, every problem at once, the outbox. A clerk's
// form (filing for a walk-in, on a desk computer) is sent as the plain form.
const resident = Boolean(form.dataset.outbox);
if (resident) {
  form.noValidate = true;  // every problem is listed at once below, not one browser bubble at a time
  input.classList.add("visually-hidden");
}
// A page kept by the service worker for offline use carries the key of the last visit: each
// new report needs its own, or two reports written offline would be stored as one.
if (document.querySelector("#form-errors[hidden]") && self.crypto && crypto.randomUUID) {
  form.elements.idempotency_key.value = crypto.randomUUID();
}

// ---- photos ----
function showPhotos() {
  previews.replaceChildren(...photos.map((photo, index) => {
    const li = document.createElement("li");
    const img = document.createElement("img");
    img.src = photo.url;
    img.alt = photo.name;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "button secondary";
    remove.textContent = "✕ " + text.remove;
    remove.addEventListener("click", () => {
      URL.revokeObjectURL(photo.url);
      photos.splice(index, 1);
      showPhotos();
    });
    li.append(img, remove);
    return li;
  }));
  const placed = photos.find((photo) => photo.gps);
  document.getElementById("photo_lat").value = placed ? placed.gps.latitude.toFixed(6) : "";
  document.getElementById("photo_lon").value = placed ? placed.gps.longitude.toFixed(6) : "";
}

if (resident) input.addEventListener("change", async () => {
  const chosen = Array.from(input.files).slice(0, MAX_PHOTOS - photos.length);
  input.value = "";  // the same photo may be chosen again after removing it
  input.setAttribute("aria-busy", "true");
  for (const file of chosen) photos.push(await preparePhoto(file));
  input.removeAttribute("aria-busy");
  showPhotos();
});

// ---- the map, loaded when it is about to be seen ----
function loadLeaflet() {
  if (window.L) return Promise.resolve();
  if (!loadLeaflet.promise) {
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = text.leafletCss;
    document.head.append(css);
    loadLeaflet.promise = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = text.leafletJs;
      script.onload = resolve;
      script.onerror = reject;
      document.head.append(script);
    });
  }
  return loadLeaflet.promise;
}

async function showMap() {
  try { await loadLeaflet(); } catch (error) { return; }  // no signal and never cached: no map
  if (map) return;
  map = L.map("map").setView(...startView(document.getElementById("map")));
  L.tileLayer(text.tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" }).addTo(map);
  map.on("click", (e) => place(e.latlng.lat, e.latlng.lng, "map"));
  if (lat.value && lon.value) pin(parseFloat(lat.value), parseFloat(lon.value), 16);
}

function pin(latitude, longitude, zoom) {
  if (!map) return;
  if (marker) marker.setLatLng([latitude, longitude]);
  else {
    marker = L.marker([latitude, longitude], { draggable: true }).addTo(map);
    marker.on("dragend", () => { const p = marker.getLatLng(); place(p.lat, p.lng, "map"); });
  }
  if (zoom) map.setView([latitude, longitude], zoom);
}

new IntersectionObserver((entries, observer) => {
  if (entries.some((entry) => entry.isIntersecting)) { observer.disconnect(); showMap(); }
}, { rootMargin: "200px" }).observe(document.getElementById("f-location"));

function category() {
  const checked = form.querySelector("input[name=category]:checked");
  return checked ? checked.value : "";
}

function refreshHints() {
  if (!lat.value || !lon.value || !window.htmx || !navigator.onLine) return;
  const at = "lat=" + encodeURIComponent(lat.value) + "&lon=" + encodeURIComponent(lon.value);
  htmx.ajax("GET", "/reports/ward-hint?" + at, { target: "#ward-hint", swap: "innerHTML" });
  if (category()) {
    htmx.ajax("GET", "/reports/nearby?" + at + "&category=" + encodeURIComponent(category()),
              { target: "#nearby", swap: "innerHTML" });
  }
}

function place(latitude, longitude, how, zoom) {
  lat.value = latitude.toFixed(6);
  lon.value = longitude.toFixed(6);
  source.value = how;
  pin(latitude, longitude, zoom);
  refreshHints();
}

form.querySelectorAll("input[name=category]").forEach((el) => el.addEventListener("change", refreshHints));

const button = document.getElementById("use-location");
button.addEventListener("click", () => {
  if (!navigator.geolocation) { button.disabled = true; return; }
  button.setAttribute("aria-busy", "true");
  showMap();
  navigator.geolocation.getCurrentPosition((pos) => {
    button.removeAttribute("aria-busy");
    place(pos.coords.latitude, pos.coords.longitude, "gps", 17);
  }, () => {
    button.removeAttribute("aria-busy");
    const hint = document.createElement("p");
    hint.className = "hint";
    hint.textContent = button.dataset.denied;
    button.after(hint);
  }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
});

// ---- every problem at once ----
function showErrors(errors) {
  const summary = document.getElementById("form-errors");
  const list = summary.querySelector("ul");
  form.querySelectorAll("p.error").forEach((p) => { p.hidden = true; });
  form.querySelectorAll("fieldset.invalid").forEach((f) => f.classList.remove("invalid"));
  list.replaceChildren();
  for (const [field, message] of Object.entries(errors)) {
    const key = ["address", "ward"].includes(field) ? "location" : field;
    const own = document.getElementById(key + "-error");
    if (own) {
      own.textContent = message;
      own.hidden = false;
      own.closest("fieldset").classList.add("invalid");
    }
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = "#" + (own ? own.closest("fieldset").id : "report-form");
    a.textContent = message;
    li.append(a);
    list.append(li);
  }
  summary.querySelectorAll("p:not(:first-child)").forEach((p) => p.remove());
  summary.hidden = !list.childElementCount;
  if (!summary.hidden) summary.focus();
}

function problems() {
  const errors = {};
  const keptOnServer = form.querySelectorAll("input[name=photo_draft]:checked").length;
  if (!photos.length && !keptOnServer) errors.photos = text.needPhoto;
  if (photos.length > MAX_PHOTOS) errors.photos = text.tooMany;
  if (!category()) errors.category = text.needCategory;
  if (form.elements.description.value.trim().length < 5) errors.description = text.needDescription;
  const placed = (lat.value && lon.value) || form.elements.address.value.trim()
    || photos.some((photo) => photo.gps);
  if (!placed) errors.location = text.needPlace;
  for (const name of ["phone", "email", "name"]) {
    const field = form.elements[name];
    if (field && !field.checkValidity()) errors[name] = field.validationMessage;
  }
  return errors;
}

// ---- sending: with progress, or into the outbox when there is no signal ----
function formData() {
  const data = new FormData(form);
  data.delete("photos");
  for (const photo of photos) data.append("photos", photo.blob, photo.name);
  return data;
}

function upload(data, key) {
  const bar = document.getElementById("upload-progress");
  const percent = document.getElementById("upload-percent");
  document.getElementById("upload").hidden = false;
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Idempotency-Key", key);
    xhr.setRequestHeader("x-csrftoken", data.get("_csrf_token"));
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      const done = Math.round((100 * e.loaded) / e.total);
      bar.value = done;
      percent.textContent = done + "%";
    };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (error) { /* an HTML error page */ }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new Error("network"));
    xhr.ontimeout = () => reject(new Error("timeout"));
    xhr.send(data);
  });
}

async function keepForLater(data, key) {
  await enqueue(toRecord(form.action, data, key, data.get("_csrf_token")));
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.ready
      .then((registration) => registration.sync && registration.sync.register("gandan-outbox"))
      .catch(() => {});
  }
  // A clean form for the next report, with a key of its own.
  photos.splice(0).forEach((photo) => URL.revokeObjectURL(photo.url));
  form.reset();
  showPhotos();
  lat.value = lon.value = "";
  form.elements.idempotency_key.value = crypto.randomUUID();
  const queued = document.getElementById("queued");
  queued.textContent = text.queued;
  queued.hidden = false;
  document.dispatchEvent(new Event("outbox-changed"));
}

const send = form.querySelector("button[type=submit]");
if (resident) form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const errors = problems();
  showErrors(errors);
  if (Object.keys(errors).length) return;
  // The next map opens here (places.js): a resident mostly reports around the same streets.
  const located = photos.find((photo) => photo.gps);
  if (lat.value && lon.value) rememberPlace(parseFloat(lat.value), parseFloat(lon.value));
  else if (located) rememberPlace(located.gps.latitude, located.gps.longitude);
  const data = formData();
  const key = form.elements.idempotency_key.value;
  document.getElementById("queued").hidden = true;
  send.disabled = true;
  send.setAttribute("aria-busy", "true");
  try {
    if (!navigator.onLine) return await keepForLater(data, key);
    let answer;
    try {
      answer = await upload(data, key);
    } catch (error) {
      return await keepForLater(data, key);
    }
    if (answer.status >= 500) return await keepForLater(data, key);
    if (answer.body.url) return location.assign(answer.body.url);
    if (answer.body.errors) return showErrors(answer.body.errors);
    showErrors({ form: answer.body.detail || text.failed });
  } finally {
    send.disabled = false;
    send.removeAttribute("aria-busy");
    document.getElementById("upload").hidden = true;
  }
});

// Progressive enhancement of the report form: GPS, a map pin, and live hints of the ward that
// will receive the report and of similar reports nearby. Without this script the form still
// works: the typed address locates the problem.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form || !window.L) return;
  document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });

  var lat = document.getElementById("lat"), lon = document.getElementById("lon");
  var source = document.getElementById("location_source");
  var map = L.map("map").setView([16.2, 106.5], 5);
  L.tileLayer(form.dataset.tiles, {
    maxZoom: 19, attribution: "&copy; OpenStreetMap contributors"
  }).addTo(map);
  var marker = null;

  function category() {
    var checked = form.querySelector("input[name=category]:checked");
    return checked ? checked.value : "";
  }

  function refreshHints() {
    if (!lat.value || !lon.value || !window.htmx) return;
    var at = "lat=" + encodeURIComponent(lat.value) + "&lon=" + encodeURIComponent(lon.value);
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
    if (marker) { marker.setLatLng([latitude, longitude]); }
    else {
      marker = L.marker([latitude, longitude], { draggable: true }).addTo(map);
      marker.on("dragend", function () {
        var p = marker.getLatLng(); place(p.lat, p.lng, "map");
      });
    }
    if (zoom) map.setView([latitude, longitude], zoom);
    refreshHints();
  }

  map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng, "map"); });
  form.querySelectorAll("input[name=category]").forEach(function (input) {
    input.addEventListener("change", refreshHints);
  });

  var button = document.getElementById("use-location");
  button.addEventListener("click", function () {
    if (!navigator.geolocation) { button.disabled = true; return; }
    button.setAttribute("aria-busy", "true");
    navigator.geolocation.getCurrentPosition(function (pos) {
      button.removeAttribute("aria-busy");
      place(pos.coords.latitude, pos.coords.longitude, "gps", 17);
    }, function () {
      button.removeAttribute("aria-busy");
      button.insertAdjacentHTML("afterend", "<p class='hint'>" + button.dataset.denied + "</p>");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  if (lat.value && lon.value) place(parseFloat(lat.value), parseFloat(lon.value), source.value, 16);

  // A double tap on a slow network must not send two reports: the idempotency key already
  // makes the server answer both with one report; this just spares the second upload.
  form.addEventListener("submit", function (e) {
    if (e.submitter && e.submitter.getAttribute("formaction")) return;
    var send = form.querySelector("button[type=submit]:not([formaction])");
    if (send) { send.disabled = true; send.setAttribute("aria-busy", "true"); }
  });
})();

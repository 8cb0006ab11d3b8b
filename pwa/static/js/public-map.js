// The public map: asks /api/v1/map for what the view shows — clusters counted by the server
// when zoomed out, single reports when zoomed in — whenever the view or a filter changes. It
// opens on the ward in the address, the phone's last place or the ward the resident follows.
import { startView } from "/static/js/places.js";

(function () {
  var el = document.getElementById("public-map");
  var form = document.getElementById("map-filters");
  if (!el || !window.L) return;
  var map = L.map(el).setView(...startView(el));
  L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" }).addTo(map);
  var layer = L.layerGroup().addTo(map);
  var pending = null;

  function query() {
    var b = map.getBounds();
    var params = new URLSearchParams(new FormData(form));
    params.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
      return v.toFixed(5); }).join(","));
    params.set("zoom", map.getZoom());
    for (var key of Array.from(params.keys())) { if (!params.get(key)) params.delete(key); }
    return params.toString();
  }

  function draw(data) {
    layer.clearLayers();
    (data.clusters || []).forEach(function (c) {
      var size = 26 + Math.min(30, Math.log2(c.count + 1) * 5);
      L.marker([c.lat, c.lon], { icon: L.divIcon({ className: "cluster", html: "<span>" + c.count + "</span>",
        iconSize: [size, size] }) }).on("click", function () { map.setView([c.lat, c.lon], map.getZoom() + 2); })
        .addTo(layer);
    });
    (data.reports || []).forEach(function (r) {
      L.circleMarker([r.lat, r.lon], { radius: 8, className: "dot status-" + r.status })
        .bindPopup('<a href="/r/' + r.code + '">' + r.code + "</a>").addTo(layer);
    });
  }

  function refresh() {
    if (pending) pending.abort();
    pending = new AbortController();
    fetch("/api/v1/map?" + query(), { signal: pending.signal })
      .then(function (r) { return r.ok ? r.json() : { clusters: [] }; })
      .then(draw).catch(function () {});
  }

  map.on("moveend", refresh);
  form.addEventListener("change", refresh);
  refresh();
})();

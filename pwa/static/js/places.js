// Where a map opens. The server names a start (data-start-* on the map: the ward in the
// address, the clerk's ward, the ward the resident follows, or the whole country); the place
// this phone last put on a report comes before all but the address's ward. That place stays on
// the phone, in localStorage: the server keeps nothing for anonymous visitors.
const KEY = "gandan.lastPlace";
const PLACE_ZOOM = 16;

export function rememberPlace(latitude, longitude) {
  try {
    localStorage.setItem(KEY, JSON.stringify({ lat: latitude, lon: longitude }));
  } catch (error) { /* storage refused (private mode, full): the map opens as the server says */ }
}

function lastPlace() {
  try {
    const place = JSON.parse(localStorage.getItem(KEY) || "null");
    const usable = place && Number.isFinite(place.lat) && Number.isFinite(place.lon)
      && Math.abs(place.lat) <= 90 && Math.abs(place.lon) <= 180;
    return usable ? place : null;
  } catch (error) {
    return null;
  }
}

// [[lat, lon], zoom] for L.map(...).setView.
export function startView(element) {
  const start = element.dataset;
  const last = start.startFrom === "address" ? null : lastPlace();
  if (last) return [[last.lat, last.lon], PLACE_ZOOM];
  return [[parseFloat(start.startLat), parseFloat(start.startLon)], parseInt(start.startZoom, 10)];
}

// Photos as a phone takes them are 5–12 MB; over mobile data that is minutes. They are shrunk
// here to at most 2048 px (a JPEG of a few hundred KB) before sending. A re-encoded JPEG keeps
// no EXIF, so the GPS position is read from the original first and sent as form fields.
const LONGEST_SIDE = 2048;
const QUALITY = 0.85;

async function readGps(file) {
  try {
    const exifr = await import("/static/vendor/exifr-7.1.3/mini.esm.js");
    const gps = await exifr.gps(file);
    return gps && Number.isFinite(gps.latitude) && Number.isFinite(gps.longitude) ? gps : null;
  } catch (error) {
    return null;  // no EXIF, or a format exifr cannot read: the photo simply places nothing
  }
}

async function shrink(file) {
  // createImageBitmap turns the pixels upright as EXIF says, so the copy needs no orientation.
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, LONGEST_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
  return blob && blob.size < file.size ? blob : file;
}

// {blob, name, gps, url}: what to send, its GPS position if the original had one, a preview.
export async function preparePhoto(file) {
  const gps = await readGps(file);
  let blob = file;
  try {
    blob = await shrink(file);
  } catch (error) {
    blob = file;  // a format this browser cannot draw (HEIC on some phones): the server reads it
  }
  const name = blob === file ? file.name : file.name.replace(/\.[^.]*$/, "") + ".jpg";
  return { blob, name, gps, url: URL.createObjectURL(blob) };
}

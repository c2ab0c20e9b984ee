// Public field-report form: mark the place on the offline commune map, or take the phone's
// GPS position; both fill the hidden lat/lon fields the server checks.
(function () {
  var map = document.getElementById("fr-map");
  if (!map) return;
  var lat = document.getElementById("fr-lat"), lon = document.getElementById("fr-lon");
  var source = document.getElementById("fr-location-source");
  var pin = document.getElementById("fr-pin"), note = document.getElementById("fr-location-note");
  var box = JSON.parse(map.getAttribute("data-box")); // [west, south, east, north, width, height]
  function place(la, lo, how) {
    lat.value = la.toFixed(6); lon.value = lo.toFixed(6); source.value = how;
    var x = (lo - box[0]) / (box[2] - box[0]) * box[4];
    var y = (box[3] - la) / (box[3] - box[1]) * box[5];
    pin.setAttribute("cx", x.toFixed(1)); pin.setAttribute("cy", y.toFixed(1));
    pin.classList.remove("fr-hidden");
    note.textContent = note.getAttribute("data-set") + " (" + lat.value + ", " + lon.value + ")";
  }
  map.addEventListener("click", function (ev) {
    var pt = map.createSVGPoint(); pt.x = ev.clientX; pt.y = ev.clientY;
    var p = pt.matrixTransform(map.getScreenCTM().inverse());
    place(box[3] - p.y / box[5] * (box[3] - box[1]), box[0] + p.x / box[4] * (box[2] - box[0]), "map");
  });
  var photos = document.getElementById("fr-photos"), photoNote = document.getElementById("fr-photo-note");
  var photoError = document.getElementById("fr-photo-error");
  // The server's limits, checked before anything is uploaded: how many photos, how large each.
  function photoProblem() {
    var files = photos.files, most = +photos.getAttribute("data-max");
    if (files.length > most) return photos.getAttribute("data-too-many").replace("{k}", files.length);
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > +photos.getAttribute("data-max-bytes")) {
        var size = (files[i].size / 1048576).toFixed(1);
        if (photos.getAttribute("data-comma")) size = size.replace(".", ",");
        return photos.getAttribute("data-too-big").replace("{name}", files[i].name).replace("{size}", size);
      }
    }
    return "";
  }
  function showPhotoProblem() {
    var problem = photoProblem();
    photoError.textContent = problem;
    photoError.classList.toggle("fr-hidden", !problem);
    return problem;
  }
  photos.addEventListener("change", function () {
    photoNote.textContent = photoNote.getAttribute("data-chosen").replace("{n}", photos.files.length);
    showPhotoProblem();
  });
  document.getElementById("fr-form").addEventListener("submit", function (ev) {
    if (showPhotoProblem()) { ev.preventDefault(); photoError.scrollIntoView({ block: "center" }); }
  });
  var gps = document.getElementById("fr-gps");
  gps.addEventListener("click", function () {
    if (!navigator.geolocation) { note.textContent = gps.getAttribute("data-failed"); return; }
    note.textContent = gps.getAttribute("data-wait");
    navigator.geolocation.getCurrentPosition(function (pos) {
      place(pos.coords.latitude, pos.coords.longitude, "gps");
    }, function () { note.textContent = gps.getAttribute("data-failed"); },
    { enableHighAccuracy: true, timeout: 15000 });
  });
})();

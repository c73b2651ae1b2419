// Shared World map: markers from the JSON feed, clustered; works without tiles.
(function () {
  function start() {
    var el = document.getElementById("resource-map");
    if (!el || !window.L) { return; }
    var map = L.map(el, { scrollWheelZoom: false, maxZoom: 18 }).setView([30, 110], 3);
    var tiles = el.dataset.tiles;
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 18, attribution: el.dataset.attribution || "" }).addTo(map);
    } else {
      el.classList.add("no-tiles");
    }
    var cluster = L.markerClusterGroup();
    fetch(el.dataset.feed, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var bounds = [];
        (data.results || []).forEach(function (r) {
          if (r.lat === null || r.lng === null) { return; }
          var marker = L.marker([r.lat, r.lng], { title: r.title, alt: r.title });
          var link = document.createElement("a");
          link.href = r.url;
          link.textContent = r.title;
          var box = document.createElement("div");
          box.appendChild(link);
          var info = document.createElement("p");
          info.textContent = r.type + (r.cv !== null ? " · " + r.cv + " CV" : "") + (r.price ? " · " + r.price : "");
          box.appendChild(info);
          marker.bindPopup(box);
          cluster.addLayer(marker);
          bounds.push([r.lat, r.lng]);
        });
        map.addLayer(cluster);
        if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 13 }); }
        el.dataset.markers = String(bounds.length);
      });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();

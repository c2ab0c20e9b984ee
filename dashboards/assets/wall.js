/* Wall ticker: show the open alerts one at a time, the next every TICKER_MS. The ticker is
   re-rendered by Dash on each refresh, so the loop finds it afresh on every step. */
(function () {
  var TICKER_MS = 8000;
  if (window.cocTicker) { return; }  // loaded once per page
  function step() {
    var ticker = document.getElementById("wall-ticker");
    if (!ticker) { return; }
    var items = ticker.querySelectorAll(".ticker-item");
    if (items.length < 2) { return; }
    var current = 0;
    items.forEach(function (item, i) { if (item.classList.contains("active")) { current = i; } });
    items[current].classList.remove("active");
    items[(current + 1) % items.length].classList.add("active");
  }
  window.cocTicker = window.setInterval(step, TICKER_MS);
})();

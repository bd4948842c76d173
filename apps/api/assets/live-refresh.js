// Progressive enhancement for pages that watch work in progress (a running identification run, an
// ingesting upload): every two seconds, fetch the same page and swap in the regions marked
// data-live-region, so focus and scroll stay where they are. Without script the page has a refresh link.
(function () {
  'use strict';
  var INTERVAL = 2000;
  function swap(html) {
    var next = new DOMParser().parseFromString(html, 'text/html');
    // Whether the fresh page still has work in progress, read before its parts are moved into this page.
    var stillRunning = Boolean(next.querySelector('[data-live]'));
    var freshProgress = next.querySelector('[data-live]:not([data-live-region] [data-live])');
    var progress = document.querySelector('[data-live]:not([data-live-region] [data-live])');
    document.querySelectorAll('[data-live-region]').forEach(function (region) {
      var fresh = region.id ? next.getElementById(region.id) : null;
      if (fresh) region.replaceWith(fresh);
    });
    if (progress && !freshProgress) progress.remove();
    else if (progress && freshProgress) progress.replaceWith(freshProgress);
    return stillRunning;
  }
  function tick() {
    fetch(window.location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); })
      .then(function (html) { if (swap(html)) window.setTimeout(tick, INTERVAL); })
      .catch(function () { window.setTimeout(tick, INTERVAL * 2); });
  }
  if (document.querySelector('[data-live]')) window.setTimeout(tick, INTERVAL);
})();

// The extract upload with a progress bar: the form is sent with XMLHttpRequest so upload progress can be
// shown, with the session's CSRF token in the header (a multipart body is read after the CSRF check).
// When the upload is stored and queued, the page moves to the upload's own page, which follows the ingest.
(function () {
  'use strict';
  var form = document.getElementById('upload-form');
  if (!form) return;
  var wrap = document.getElementById('upload-progress-wrap');
  var bar = document.getElementById('upload-progress');
  var percent = document.getElementById('upload-percent');
  var error = document.getElementById('upload-error');
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.getAttribute('action'));
    xhr.setRequestHeader('X-CSRF-Token', form.getAttribute('data-csrf'));
    xhr.setRequestHeader('Accept', 'application/json');
    wrap.hidden = false;
    error.hidden = true;
    xhr.upload.addEventListener('progress', function (e) {
      if (!e.lengthComputable) return;
      var p = Math.round((e.loaded / e.total) * 100);
      bar.value = p;
      bar.textContent = p + '%';
      percent.textContent = p + '%';
    });
    xhr.addEventListener('load', function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON: shown below */ }
      if (xhr.status >= 200 && xhr.status < 300 && body.id) {
        window.location.assign('/admin/extracts/uploads/' + encodeURIComponent(body.id));
      } else {
        error.textContent = body.message || ('HTTP ' + xhr.status);
        error.hidden = false;
      }
    });
    xhr.addEventListener('error', function () {
      error.textContent = 'network error';
      error.hidden = false;
    });
    xhr.send(new FormData(form));
  });
})();

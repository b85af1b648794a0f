// Shared page helpers: a progress indicator for long requests, saving a fetched file.
window.pcgd = window.pcgd || {};
pcgd.progress = function (fraction, label) {
  const el = document.getElementById('progress');
  if (!el) return;
  if (fraction === null) { el.hidden = true; return; }
  el.hidden = false;
  el.querySelector('.bar').style.width = Math.round(fraction * 100) + '%';
  el.querySelector('.label').textContent = label || '';
};

// Hands a fetched file to the browser as a download (pages that fetch to show progress).
pcgd.saveBlob = function (blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
};

// A select marked data-autosubmit (the layout's year selector) submits its form on change.
document.addEventListener('change', e => {
  const t = e.target;
  if (t instanceof HTMLSelectElement && t.hasAttribute('data-autosubmit') && t.form) t.form.submit();
});


// Shared page helpers: a progress indicator for long requests.
window.pcgd = window.pcgd || {};
pcgd.progress = function (fraction, label) {
  const el = document.getElementById('progress');
  if (!el) return;
  if (fraction === null) { el.hidden = true; return; }
  el.hidden = false;
  el.querySelector('.bar').style.width = Math.round(fraction * 100) + '%';
  el.querySelector('.label').textContent = label || '';
};

// A select marked data-autosubmit (the layout's year selector) submits its form on change.
document.addEventListener('change', e => {
  const t = e.target;
  if (t instanceof HTMLSelectElement && t.hasAttribute('data-autosubmit') && t.form) t.form.submit();
});


// The roll upload: XMLHttpRequest so the bar can follow the upload, then the result as JSON.
(function () {
  const form = document.getElementById('import-form');
  if (!form) return;
  const out = document.getElementById('import-result');
  const note = document.getElementById('import-progress');
  const button = document.getElementById('import-submit');

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function progress(fraction, label) {
    if (window.pcgd && pcgd.progress) pcgd.progress(fraction, label);
    note.hidden = fraction === null;
    note.textContent = label || '';
  }

  function status(kind, text, id) {
    out.appendChild(el('p', { class: 'alert ' + kind, id: id || 'import-status',
                              role: kind === 'error' ? 'alert' : 'status' }, text));
  }

  // Numbers the Vietnamese way (1.234), as the rest of the product writes them.
  const n = (x) => Number(x || 0).toLocaleString('vi-VN');

  function render(r) {
    out.replaceChildren();
    const c = r.changes || {};
    const labels = r.labels || {};
    const conflicts = (r.conflicts || []).length;
    if (r.errors.length) {
      status('error', n(r.errors.length) + ' lỗi' +
        (conflicts ? ' (' + n(conflicts) + ' hộ đã được sửa sau khi xuất tệp)' : '') +
        ': chưa ghi dữ liệu nào. Sửa tệp rồi nhập lại.');
    } else if (!r.written) {
      status('ok', 'Chạy thử: ' + n(r.households) + ' hộ, ' + n(r.persons) + ' người hợp lệ. Chưa ghi.');
    } else {
      status('ok', 'Đã nhập ' + n(r.households) + ' hộ, ' + n(r.persons) + ' người: thêm ' +
        n(c.households_created) + ' hộ, sửa ' + n(c.households_updated) + ' hộ, ' +
        n(c.households_unchanged) + ' hộ không đổi.');
    }
    if (conflicts && r.errors.length) {
      status('warn', 'Các hộ dưới đây (cột “Phiên bản hộ”) đã được sửa sau khi bạn xuất tệp. ' +
        'Hãy xuất lại danh sách mới nhất, hoặc đánh dấu “Ghi đè” rồi nhập lại nếu muốn thay bằng bản trong tệp.',
        'import-conflicts');
    }
    if (r.annotated_url) {
      const p = el('p');
      p.appendChild(el('a', { href: r.annotated_url, id: 'annotated-link' },
        'Tải tệp đã đánh dấu ô lỗi (đỏ) và cảnh báo (vàng)'));
      out.appendChild(p);
    }
    if (!r.errors.length && !r.warnings.length) return;
    const table = el('table', { class: 'data', id: 'issues' });
    const head = el('tr');
    ['Dòng', 'Cột', 'Nội dung', 'Mức'].forEach((h) => head.appendChild(el('th', {}, h)));
    table.appendChild(el('thead')).appendChild(head);
    const body = table.appendChild(el('tbody'));
    [['error', 'Lỗi', 'fail', r.errors], ['warning', 'Cảnh báo', 'unverified', r.warnings]]
      .forEach(([kind, label, cls, list]) => list.forEach((i) => {
        const tr = el('tr', { class: 'issue-' + kind });
        tr.appendChild(el('td', {}, String(i.row)));
        tr.appendChild(el('td', {}, labels[i.column] || i.column));
        tr.appendChild(el('td', {}, i.message));
        tr.appendChild(el('td', { class: cls }, label));
        body.appendChild(tr);
      }));
    out.appendChild(table);
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    const picker = form.querySelector('input[type=file]');
    const limit = Number(picker && picker.dataset.maxBytes);
    if (limit && picker.files.length && picker.files[0].size > limit) {
      out.replaceChildren();
      status('error', 'Tệp quá lớn: tối đa ' + Math.round(limit / 1048576) + ' MB.');
      return;
    }
    const data = new FormData(form);
    const token = data.get('_csrf_token') || '';
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('x-csrftoken', token);
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        const pct = Math.round((e.loaded / e.total) * 100);
        progress(e.loaded / e.total, 'Đang tải lên ' + pct + '%');
      }
    };
    xhr.upload.onload = function () { progress(1, 'Đang kiểm tra và ghi dữ liệu…'); };
    xhr.onload = function () {
      button.disabled = false;
      progress(null);
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if (body && Array.isArray(body.errors)) { render(body); return; }
      out.replaceChildren();
      status('error', (body && body.detail) || ('Lỗi ' + xhr.status));
    };
    xhr.onerror = function () {
      button.disabled = false;
      progress(null);
      out.replaceChildren();
      status('error', 'Mất kết nối khi tải lên; hãy thử lại.');
    };
    button.disabled = true;
    progress(0, 'Đang tải lên 0%');
    xhr.send(data);
  });
})();

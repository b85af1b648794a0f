// Household entry pages: the list's filters and live indicators, and the household form
// (keyboard-first members table, server validation as you type, save with the version read,
// and a side-by-side choice when someone else saved in between). No framework: plain DOM.
(function () {
  'use strict';
  const dataEl = document.getElementById('entry-data');
  if (!dataEl) return;
  const DATA = JSON.parse(dataEl.textContent);

  // ---------------------------------------------------------------- helpers
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'list' || k === 'for') {
        node.setAttribute(k, v === true ? '' : v);
      } else node[k] = v;
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }
  function debounce(fn, ms) {
    let timer = null;
    const wrapped = (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
    wrapped.now = (...args) => { clearTimeout(timer); return fn(...args); };
    wrapped.cancel = () => clearTimeout(timer);
    return wrapped;
  }
  async function api(method, url, body) {
    const init = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const r = await fetch(url, init);
    let json = null;
    try { json = await r.json(); } catch (_) { json = null; }
    return { status: r.status, json };
  }
  // 1.234,5 as pcgd.common.vn writes it (vi-VN: "." groups thousands, "," starts decimals).
  const vnNumber = (x, d) => (x === null || x === undefined) ? '—'
    : Number(x).toLocaleString('vi-VN', d === undefined ? { maximumFractionDigits: 2 }
      : { minimumFractionDigits: d, maximumFractionDigits: d });
  const timeNow = () => new Date().toLocaleTimeString('vi-VN');

  // ---------------------------------------------------------------- indicators
  let lastFigures = null;

  function pickCriterion(entries, target) {
    return entries.find(c => c.level === target)
      || entries.filter(c => c.level > target).sort((a, b) => a.level - b.level)[0]
      || entries.slice().sort((a, b) => b.level - a.level)[0];
  }

  function renderIndicators(box, ev) {
    const labels = DATA.indicators || { standards: {}, criteria: {} };
    const figures = {};
    const parts = [h('h2', { id: 'ind-title' }, 'Chỉ số của xã')];
    parts.push(h('p', { class: 'muted small' }, 'Cập nhật lúc ' + timeNow()
      + (ev.dbkk ? ' · xã ĐBKK' : '')));
    if (!ev.has_data) parts.push(h('p', { class: 'alert warn' }, 'Chưa có dữ liệu điều tra năm này.'));
    for (const std of ev.standards) {
      const target = Math.min(std.level + 1, std.max_level);
      const byId = new Map();
      for (const c of std.criteria) {
        if (!byId.has(c.id)) byId.set(c.id, []);
        byId.get(c.id).push(c);
      }
      const rows = [];
      for (const [id, entries] of byId) {
        const c = pickCriterion(entries, target);
        const key = c.numerator + '/' + c.denominator;
        const shown = vnNumber(c.numerator, 0) + '/' + vnNumber(c.denominator, 0);
        figures[id] = key;
        const changed = lastFigures && lastFigures[id] !== undefined && lastFigures[id] !== key;
        rows.push(h('li', { 'data-criterion': id, 'data-numerator': c.numerator,
          'data-denominator': c.denominator, class: 'crit' + (changed ? ' changed' : ''),
          title: changed ? 'Vừa thay đổi (trước: ' + lastFigures[id].split('/').map(x => vnNumber(Number(x), 0)).join('/') + ')' : null },
          h('span', { class: 'crit-label' }, labels.criteria[id] || id),
          h('span', { class: 'crit-figures' },
            h('span', { class: 'num' }, shown),
            h('span', { class: 'rate' }, c.rate === null ? '—' : vnNumber(c.rate, 1) + '%'),
            h('span', { class: 'mark ' + (c.passed ? 'pass' : 'fail'), title: 'Ngưỡng mức ' + c.level },
              (c.passed ? '✓ ' : '✗ ') + '≥' + vnNumber(c.threshold) + '%'))));
      }
      parts.push(h('section', { class: 'std', 'data-standard': std.standard },
        h('h3', {}, labels.standards[std.standard] || std.standard.toUpperCase()),
        h('p', { class: 'levels' },
          'Đạt mức ', h('strong', { 'data-level': std.level, class: std.level ? 'pass' : 'fail' }, std.level),
          '/' + std.max_level + ' · công nhận: ',
          h('strong', { 'data-recognized': std.recognized_level }, std.recognized_level)),
        h('ul', { class: 'ind' }, rows)));
    }
    box.replaceChildren(...parts);
    lastFigures = figures;
    box.dataset.loaded = String(Date.now());
  }

  async function loadIndicators() {
    const box = document.getElementById('indicators');
    if (!box) return;
    try {
      const r = await api('GET', `/api/units/${DATA.commune}/evaluation?year=${DATA.year}`);
      if (r.status !== 200) throw new Error(r.json && r.json.detail);
      renderIndicators(box, r.json);
    } catch (err) {
      box.replaceChildren(h('h2', {}, 'Chỉ số của xã'),
        h('p', { class: 'alert error' }, 'Không tải được chỉ số' + (err.message ? ': ' + err.message : '')));
    }
  }

  // ---------------------------------------------------------------- list page
  const filters = document.getElementById('filters');
  if (filters) {
    for (const sel of filters.querySelectorAll('select, input[type=checkbox]')) {
      sel.addEventListener('change', () => filters.requestSubmit());
    }
    const q = document.getElementById('q');
    if (q && q.value) { q.focus(); q.setSelectionRange(q.value.length, q.value.length); }
  }
  loadIndicators();

  const form = document.getElementById('household-form');
  if (!form) return;

  // ---------------------------------------------------------------- the household form
  const SCHEMA = DATA.schema;
  const COLS = SCHEMA.columns;
  const HH_FIELDS = ['household_code', 'hamlet', 'address'];
  const DATE_KINDS = new Set(['date']);
  const tbody = form.querySelector('#members tbody');
  const thead = form.querySelector('#members thead');
  const saveBtn = document.getElementById('save');
  const statusEl = document.getElementById('save-status');
  const messagesEl = document.getElementById('form-messages');
  let household = DATA.household;
  let hid = household ? household.id : null;
  let version = household ? household.version : null;
  let uidSeq = 0;
  let touched = new Set();
  let saveAttempted = false;
  let dirty = false;
  let check = { errors: [], warnings: [] }; // issues with `uid` (row identity) instead of index
  // Errors of the last save that checking as you type cannot see (another household took the
  // form number meanwhile…): they stay on their field until that field is edited.
  let serverErrors = [];
  let checkSeq = 0;
  let saving = false;
  let removed = null;
  let conflict = null;

  function fillDatalist(id, values) {
    const dl = document.getElementById(id);
    if (!dl) return;
    dl.replaceChildren(...values.map(v => Array.isArray(v)
      ? h('option', { value: v[0], label: v[1] }) : h('option', { value: v })));
  }
  fillDatalist('hamlet-list', DATA.hamlets);
  fillDatalist('relation-list', SCHEMA.relations);
  fillDatalist('ethnic-list', SCHEMA.ethnicities);
  fillDatalist('school-list', DATA.schools.map(s => [s.code, s.name]));

  // Values as the form shows them: dates dd/mm/yyyy, the head's code as "Chủ hộ".
  function isoToVn(text) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || '');
    return m ? `${m[3]}/${m[2]}/${m[1]}` : (text || '');
  }
  function codesText(col, value) {
    // Stored codes ("mobility,vision") shown as their numbers in the list ("1, 3").
    if (!value || typeof value !== 'string') return '';
    const index = new Map(col.choices.map(([v], i) => [v, String(i + 1)]));
    return value.split(',').map(v => index.get(v) || v).join(', ');
  }
  function display(field, value) {
    if (typeof value === 'boolean') return value;
    if (value === null || value === undefined) return '';
    if (field === 'birth_date' || field === 'movement_date') return isoToVn(String(value));
    if (field === 'relation' && value === 'chu_ho') return 'Chủ hộ';
    return String(value);
  }
  function tidyDate(text) {
    const t = text.trim();
    let m = /^(\d{2})(\d{2})(\d{4})$/.exec(t);
    if (m) return `${m[1]}/${m[2]}/${m[3]}`;
    m = /^(\d{1,2})[.\-\s](\d{1,2})[.\-\s](\d{4})$/.exec(t);
    if (m) return `${m[1].padStart(2, '0')}/${m[2].padStart(2, '0')}/${m[3]}`;
    return text;
  }

  // Header: column groups, then labels.
  (function buildHead() {
    const groups = [];
    for (const c of COLS) {
      const last = groups[groups.length - 1];
      if (last && last.name === c.group) last.span += 1; else groups.push({ name: c.group, span: 1 });
    }
    thead.append(
      h('tr', { class: 'groups' }, h('th', { rowSpan: 2, class: 'idx' }, 'STT'),
        groups.map(g => h('th', { colSpan: g.span, 'data-group': g.name }, g.name)),
        h('th', { rowSpan: 2, title: 'Đã xác nhận (bỏ chọn: chưa xác nhận)' }, 'Xác nhận'),
        h('th', { rowSpan: 2 }, h('span', { class: 'sr-only' }, 'Xóa'))),
      h('tr', {}, COLS.map(c => h('th', { title: c.title, scope: 'col', 'data-col': c.name,
        'data-group': c.group }, c.label))));
  })();

  // Column groups the user folds away (33 columns do not fit a laptop screen): the first group
  // (name, birth, sex, relation…) always shows; the choice is remembered on this computer, and a
  // folded group opens by itself when one of its cells has a problem.
  const GROUPS_KEY = 'pcgd-entry-hidden-groups';
  const hiddenGroups = new Set((() => {
    try { return JSON.parse(localStorage.getItem(GROUPS_KEY) || '[]'); } catch (_) { return []; }
  })());
  function applyGroups() {
    for (const el of form.querySelectorAll('#members [data-group]')) {
      el.hidden = hiddenGroups.has(el.dataset.group);
    }
    for (const box of document.querySelectorAll('#col-groups input[data-group-toggle]')) {
      box.checked = !hiddenGroups.has(box.dataset.groupToggle);
    }
  }
  function setGroup(name, shown) {
    if (shown) hiddenGroups.delete(name); else hiddenGroups.add(name);
    try { localStorage.setItem(GROUPS_KEY, JSON.stringify([...hiddenGroups])); } catch (_) { /* optional */ }
    applyGroups();
  }
  (function buildGroupToggles() {
    const box = document.getElementById('col-groups');
    if (!box) return;
    const names = [...new Set(COLS.map(c => c.group))].slice(1);
    box.append(h('span', { class: 'muted' }, 'Hiện nhóm cột:'), ...names.map(name =>
      h('label', {}, h('input', { type: 'checkbox', 'data-group-toggle': name }), ' ' + name)),
      h('button', { type: 'button', class: 'link', id: 'col-groups-all' }, 'Hiện tất cả'));
    box.addEventListener('change', e => {
      const t = e.target;
      if (t.dataset.groupToggle) setGroup(t.dataset.groupToggle, t.checked);
    });
    document.getElementById('col-groups-all').addEventListener('click', () => {
      hiddenGroups.clear();
      try { localStorage.removeItem(GROUPS_KEY); } catch (_) { /* optional */ }
      applyGroups();
    });
    applyGroups();
  })();

  function gradeOptions(select, level, value) {
    const opts = [['', '']].concat(SCHEMA.grades[level] || []);
    if (value && !opts.some(o => o[0] === value)) opts.push([value, value]);
    select.replaceChildren(...opts.map(([v, l]) => h('option', { value: v }, l)));
    select.value = value || '';
  }

  function control(col, value, index) {
    const label = `${col.title} – thành viên ${index + 1}`;
    const common = { 'data-field': col.name, 'aria-label': label };
    if (col.kind === 'select') {
      const opts = col.choices.slice();
      if (value && !opts.some(o => o[0] === value)) opts.push([value, value]);
      const s = h('select', common, opts.map(([v, l]) => h('option', { value: v }, l)));
      s.value = value || (col.name === 'residence_type' ? 'thuong_tru' : '');
      return s;
    }
    if (col.kind === 'flag') {
      // A mark of the official workbook (lưu ban, 2 buổi/ngày, …): Space toggles it.
      return h('input', { ...common, type: 'checkbox', checked: value === true || value === 'true' || value === 'x' });
    }
    if (col.kind === 'codes') {
      // Several codes in one cell: typed as numbers or words ("1, 3" or "vận động, nhìn").
      const hint = col.choices.map(([v, l], i) => `${i + 1} ${l}`).join('; ');
      return h('input', { ...common, type: 'text', value: codesText(col, value), size: col.width,
        placeholder: '1, 3', title: `${col.title}: ${hint}` });
    }
    if (col.kind === 'grade') {
      const s = h('select', common);
      s.dataset.pending = value || '';
      return s;
    }
    const attrs = { ...common, type: 'text', value: value || '', size: col.width };
    if (col.kind === 'date') Object.assign(attrs, { placeholder: 'dd/mm/yyyy', inputMode: 'numeric', maxLength: 10 });
    if (col.kind === 'year') Object.assign(attrs, { placeholder: 'yyyy', inputMode: 'numeric', maxLength: 4 });
    if (col.kind === 'relation') attrs.list = 'relation-list';
    if (col.kind === 'ethnicity') Object.assign(attrs, { list: 'ethnic-list', placeholder: 'Kinh' });
    if (col.kind === 'school') attrs.list = 'school-list';
    if (col.name === 'personal_id') Object.assign(attrs, { inputMode: 'numeric', maxLength: 12 });
    return h('input', attrs);
  }

  function memberRow(member, index) {
    const uid = 'm' + (++uidSeq);
    const tr = h('tr', { class: 'member', 'data-uid': uid });
    if (member && member.person_id) tr.dataset.personId = member.person_id;
    tr.append(h('th', { class: 'idx', scope: 'row' }, String(index + 1)));
    for (const col of COLS) {
      tr.append(h('td', { 'data-col': col.name, 'data-group': col.group, hidden: hiddenGroups.has(col.group) },
        control(col, display(col.name, member ? member[col.name] : ''), index)));
    }
    const confirmed = member ? member.confirmed !== false : true;
    tr.append(h('td', { class: 'confirm' }, h('input', { type: 'checkbox', checked: confirmed,
      'data-field': 'confirmed', 'aria-label': `Đã xác nhận – thành viên ${index + 1}` })));
    const actions = h('td', { class: 'actions' }, h('button', { type: 'button', class: 'remove link',
      tabIndex: -1, title: 'Xóa thành viên (Ctrl+Delete)', 'aria-label': `Xóa thành viên ${index + 1}` }, '✕'));
    if (member && member.person_year_id) {
      // A saved member can be recorded as moved to another commune (links the mover's records).
      actions.append(' ', h('a', { href: `/person-years/${member.person_year_id}/move-out`,
        tabIndex: -1, title: 'Ghi nhận chuyển đi (xã nơi đến)' }, 'Chuyển đi'));
    }
    tr.append(actions);
    const level = tr.querySelector('[data-field=enrolled_level]');
    const grade = tr.querySelector('[data-field=enrolled_grade]');
    gradeOptions(grade, level.value, grade.dataset.pending);
    const msgs = h('tr', { class: 'row-msgs', 'data-for': uid, hidden: true },
      h('td', { colSpan: COLS.length + 3 }, h('ul')));
    return [tr, msgs];
  }

  const memberRows = () => Array.from(tbody.querySelectorAll('tr.member'));

  function renumber() {
    memberRows().forEach((tr, i) => {
      tr.querySelector('th.idx').textContent = String(i + 1);
      for (const c of tr.querySelectorAll('[data-field]')) {
        const label = c.getAttribute('aria-label') || '';
        c.setAttribute('aria-label', label.replace(/thành viên \d+$/, 'thành viên ' + (i + 1)));
      }
      tr.querySelector('button.remove').setAttribute('aria-label', 'Xóa thành viên ' + (i + 1));
    });
    document.getElementById('member-count').textContent = `(${memberRows().length} người)`;
  }

  function addRow(member, before) {
    const [tr, msgs] = memberRow(member, memberRows().length);
    if (before) { tbody.insertBefore(tr, before); tbody.insertBefore(msgs, before); }
    else tbody.append(tr, msgs);
    renumber();
    return tr;
  }

  function fill(hh) {
    for (const f of HH_FIELDS) form.elements[f].value = hh ? (hh[f] || '') : '';
    tbody.replaceChildren();
    const members = hh ? hh.members : [];
    for (const m of members) addRow(m);
    if (!members.length) addRow({ relation: 'chu_ho', confirmed: true });
    renumber();
  }

  function readRow(tr) {
    const m = {};
    if (tr.dataset.personId) m.person_id = Number(tr.dataset.personId);
    for (const c of tr.querySelectorAll('[data-field]')) {
      m[c.dataset.field] = c.type === 'checkbox' ? c.checked : c.value.trim();
    }
    return m;
  }

  function collect() {
    const body = {};
    for (const f of HH_FIELDS) body[f] = form.elements[f].value.trim();
    body.members = memberRows().map(readRow);
    return body;
  }

  // ------------------------------------------------------------ messages next to the fields
  function keyOf(issue) {
    if (HH_FIELDS.includes(issue.field)) return 'hh:' + issue.field;
    return issue.uid ? issue.uid + ':' + issue.field : 'general';
  }
  function visible(issue) {
    return saveAttempted || touched.has(keyOf(issue));
  }
  function withUids(issues, uids) {
    return (issues || []).map(i => ({ ...i, uid: i.row >= 0 ? uids[i.row] || null : null }));
  }

  function showMessages() {
    for (const c of form.querySelectorAll('.invalid, .warning')) {
      c.classList.remove('invalid', 'warning');
      c.removeAttribute('aria-invalid');
      c.removeAttribute('title');
    }
    for (const span of form.querySelectorAll('.field-msg')) span.replaceChildren();
    for (const r of tbody.querySelectorAll('tr.row-msgs')) { r.hidden = true; r.querySelector('ul').replaceChildren(); }
    const general = [];
    const seen = new Set();
    let hiddenErrors = 0;
    const put = (issue, severity) => {
      if (!visible(issue)) { if (severity === 'error') hiddenErrors += 1; return; }
      const sig = keyOf(issue) + '|' + issue.message;
      if (seen.has(sig)) return;
      seen.add(sig);
      const cls = severity === 'error' ? 'invalid' : 'warning';
      if (HH_FIELDS.includes(issue.field)) {
        const input = form.elements[issue.field];
        input.classList.add(cls);
        if (severity === 'error') input.setAttribute('aria-invalid', 'true');
        form.querySelector(`[data-msg-for=${issue.field}]`).append(h('span', { class: cls }, issue.message + ' '));
        return;
      }
      const tr = issue.uid && tbody.querySelector(`tr.member[data-uid="${issue.uid}"]`);
      if (!tr) { general.push([issue, severity]); return; }
      const cell = tr.querySelector(`[data-field="${issue.field}"]`);
      const group = cell && cell.closest('td').dataset.group;
      if (group && hiddenGroups.has(group)) setGroup(group, true);
      if (cell) {
        cell.classList.add(cls);
        if (severity === 'error') cell.setAttribute('aria-invalid', 'true');
        cell.title = (cell.title ? cell.title + '\n' : '') + issue.message;
      }
      const row = tbody.querySelector(`tr.row-msgs[data-for="${issue.uid}"]`);
      row.hidden = false;
      row.querySelector('ul').append(h('li', { class: cls, 'data-field': null, 'data-msg-field': issue.field }, issue.message));
    };
    for (const i of check.errors) put(i, 'error');
    for (const i of check.warnings) put(i, 'warning');
    const parts = [];
    if (general.length) {
      parts.push(h('ul', { class: 'general' }, general.map(([i, s]) =>
        h('li', { class: s === 'error' ? 'invalid' : 'warning' }, i.message))));
    }
    const nErr = check.errors.length;
    const nWarn = check.warnings.length;
    if (nErr || nWarn) {
      parts.push(h('p', { class: 'muted small', id: 'check-summary', 'data-errors': nErr, 'data-warnings': nWarn },
        `Kiểm tra: ${nErr} lỗi, ${nWarn} cảnh báo` + (hiddenErrors ? ` (${hiddenErrors} lỗi ở ô chưa nhập sẽ hiện khi lưu)` : '')));
    }
    messagesEl.replaceChildren(...parts);
    return general.filter(([, sev]) => sev === 'error').length;
  }

  const runCheck = debounce(async () => {
    const seq = ++checkSeq;
    const uids = memberRows().map(tr => tr.dataset.uid);
    const body = collect();
    let url = `/api/communes/${DATA.commune}/households/validate?year=${DATA.year}`;
    if (hid) url += `&household=${hid}`;
    try {
      const r = await api('POST', url, body);
      if (seq !== checkSeq || r.status !== 200) return;
      check = { errors: withUids(r.json.errors, uids).concat(serverErrors),
        warnings: withUids(r.json.warnings, uids) };
      showMessages();
      form.dataset.checked = String(seq);
    } catch (_) { /* offline: the save will report it */ }
  }, 350);

  function touch(target) {
    const tr = target.closest('tr.member');
    if (tr) touched.add(tr.dataset.uid + ':' + target.dataset.field);
    else if (target.dataset.hh) touched.add('hh:' + target.dataset.hh);
  }
  // ------------------------------------------------------------ drafts survive a lost page
  const draftKey = id => `pcgd-draft:${DATA.commune}:${DATA.year}:${id || 'new'}`;
  const writeDraft = debounce(() => {
    try {
      localStorage.setItem(draftKey(hid), JSON.stringify({ at: Date.now(), version, body: collect() }));
    } catch (_) { /* storage full or disabled: drafts are a convenience */ }
  }, 800);
  function dropDraft(id) {
    try { localStorage.removeItem(draftKey(id)); } catch (_) { /* ignore */ }
  }
  function offerDraft() {
    let draft = null;
    try { draft = JSON.parse(localStorage.getItem(draftKey(hid)) || 'null'); } catch (_) { draft = null; }
    if (!draft || !draft.body) return;
    const box = document.getElementById('draft-box');
    const when = new Date(draft.at).toLocaleString('vi-VN');
    let text = hid ? `Có bản nháp chưa lưu của phiếu này (lúc ${when}).`
      : `Có bản nháp hộ mới chưa lưu (lúc ${when}).`;
    if (hid && draft.version !== version) {
      text += ` Bản nháp sửa từ phiên bản ${draft.version}; phiếu hiện là phiên bản ${version}:`
        + ' khi lưu bạn sẽ được so sánh hai bản.';
    }
    document.getElementById('draft-text').textContent = text;
    box.hidden = false;
    document.getElementById('draft-restore').onclick = () => {
      fill({ ...(household || {}), ...draft.body });
      if (hid) version = draft.version;
      box.hidden = true;
      dirty = true;
      setStatus('Đã khôi phục bản nháp: chưa lưu.', 'muted');
      runCheck.now();
    };
    document.getElementById('draft-drop').onclick = () => { dropDraft(hid); box.hidden = true; };
  }

  function changed(target) {
    const tr = target.closest('tr.member');
    const key = tr ? tr.dataset.uid + ':' + target.dataset.field : 'hh:' + target.dataset.hh;
    serverErrors = serverErrors.filter(i => keyOf(i) !== key);
    dirty = true;
    writeDraft();
    touch(target);
    statusEl.textContent = 'Có thay đổi chưa lưu';
    statusEl.className = 'muted';
    runCheck();
  }

  form.addEventListener('input', e => {
    if (e.target.dataset.field || e.target.dataset.hh) changed(e.target);
  });
  form.addEventListener('change', e => {
    const t = e.target;
    if (t.dataset.field === 'enrolled_level') {
      const grade = t.closest('tr').querySelector('[data-field=enrolled_grade]');
      gradeOptions(grade, t.value, grade.value);
    }
    if (t.dataset.field || t.dataset.hh) changed(t);
  });
  form.addEventListener('focusout', e => {
    const t = e.target;
    const col = COLS.find(c => c.name === t.dataset.field);
    if (col && DATE_KINDS.has(col.kind) && t.value) {
      const tidy = tidyDate(t.value);
      if (tidy !== t.value) { t.value = tidy; changed(t); }
    }
  });

  // ------------------------------------------------------------ keyboard-first movement
  const cells = () => Array.from(tbody.querySelectorAll('[data-field]')).filter(c => !c.closest('td').hidden);

  function focusCell(c) {
    if (!c) return;
    c.focus();
    if (c.select && c.type === 'text') c.select();
  }

  function move(from, step) {
    const all = cells();
    const i = all.indexOf(from);
    if (i + step >= all.length) { focusCell(addRow().querySelector('[data-field]')); changed(from); return; }
    focusCell(all[Math.max(0, i + step)]);
  }

  function moveVertical(from, step) {
    const rows = memberRows();
    const tr = from.closest('tr.member');
    const target = rows[rows.indexOf(tr) + step];
    if (target) focusCell(target.querySelector(`[data-field="${from.dataset.field}"]`));
  }

  function removeRow(tr) {
    const rows = memberRows();
    const index = rows.indexOf(tr);
    removed = { data: readRow(tr), index };
    const msgs = tbody.querySelector(`tr.row-msgs[data-for="${tr.dataset.uid}"]`);
    tr.remove();
    if (msgs) msgs.remove();
    renumber();
    dirty = true;
    writeDraft();
    const box = document.getElementById('undo-box');
    box.hidden = false;
    clearTimeout(removeRow.timer);
    removeRow.timer = setTimeout(() => { box.hidden = true; }, 15000);
    const left = memberRows();
    focusCell((left[Math.min(index, left.length - 1)] || {}).querySelector?.('[data-field]'));
    statusEl.textContent = 'Có thay đổi chưa lưu';
    runCheck();
  }

  document.getElementById('undo-remove').addEventListener('click', () => {
    if (!removed) return;
    const before = memberRows()[removed.index] || null;
    const tr = addRow(removed.data, before);
    removed = null;
    document.getElementById('undo-box').hidden = true;
    focusCell(tr.querySelector('[data-field]'));
    runCheck();
  });

  tbody.addEventListener('click', e => {
    const btn = e.target.closest('button.remove');
    if (btn) removeRow(btn.closest('tr.member'));
  });

  tbody.addEventListener('keydown', e => {
    const t = e.target;
    if (!t.dataset || !t.dataset.field) return;
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      const tr = addRow();
      focusCell(tr.querySelector('[data-field]'));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      move(t, e.shiftKey ? -1 : 1);
    } else if (e.key === 'Delete' && e.ctrlKey) {
      e.preventDefault();
      removeRow(t.closest('tr.member'));
    } else if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && t.tagName === 'INPUT'
               && t.type === 'text' && !t.getAttribute('list')) {
      e.preventDefault();
      moveVertical(t, e.key === 'ArrowDown' ? 1 : -1);
    }
  });

  // Enter in the household fields moves on, to the first member cell after the address.
  form.querySelector('.hh-fields').addEventListener('keydown', e => {
    if (e.key !== 'Enter' || e.ctrlKey) return;
    e.preventDefault();
    const order = HH_FIELDS.map(f => form.elements[f]);
    const i = order.indexOf(e.target);
    if (i >= 0 && i < order.length - 1) focusCell(order[i + 1]);
    else focusCell(cells()[0] || addRow().querySelector('[data-field]'));
  });

  document.getElementById('add-member').addEventListener('click', () => {
    focusCell(addRow().querySelector('[data-field]'));
  });

  document.addEventListener('keydown', e => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
      e.preventDefault();
      save();
    }
  });
  window.addEventListener('beforeunload', e => {
    if (dirty) { e.preventDefault(); e.returnValue = ''; }
  });

  // ------------------------------------------------------------ saving
  function setStatus(text, cls) {
    statusEl.textContent = text;
    statusEl.className = cls || '';
  }

  function applySaved(saved) {
    serverErrors = [];
    writeDraft.cancel();
    dropDraft(hid);
    dropDraft(saved.id);
    household = saved;
    hid = saved.id;
    version = saved.version;
    fill(saved);
    touched = new Set();
    dirty = false;
    document.getElementById('form-title').textContent = 'Phiếu điều tra hộ ' + saved.household_code;
    document.getElementById('version-label').textContent = 'phiên bản ' + saved.version;
    form.dataset.version = String(saved.version);
    if (location.pathname !== '/households/' + saved.id) {
      history.replaceState(null, '', '/households/' + saved.id);
    }
  }

  async function save(keepMine) {
    if (saving || DATA.locked) return;
    if (conflict && !keepMine) {
      setStatus('Hãy chọn giữ bản của bạn hoặc lấy bản đã lưu trước.', 'fail');
      document.getElementById('conflict').scrollIntoView({ block: 'nearest' });
      return;
    }
    saving = true;
    saveBtn.disabled = true;
    saveAttempted = true;
    setStatus('Đang lưu…', 'muted');
    const uids = memberRows().map(tr => tr.dataset.uid);
    const body = collect();
    if (hid) body.version = version;
    const url = hid ? `/api/households/${hid}` : `/api/communes/${DATA.commune}/households?year=${DATA.year}`;
    let r;
    try {
      r = await api(hid ? 'PUT' : 'POST', url, body);
    } catch (_) {
      saving = false;
      saveBtn.disabled = false;
      setStatus('Không kết nối được máy chủ: dữ liệu vẫn còn trên trang, hãy lưu lại.', 'fail');
      return;
    }
    saving = false;
    saveBtn.disabled = false;
    const detail = (r.json && r.json.detail) || '';
    if (r.status === 200 || r.status === 201) {
      const warnings = (r.json.warnings || []).length;
      applySaved(r.json);
      hideConflict();
      setStatus(`Đã lưu lúc ${timeNow()} (phiên bản ${r.json.version})`
        + (warnings ? ` · ${warnings} cảnh báo` : ''), 'pass');
      saveAttempted = true;
      runCheck.now();
      loadIndicators();
    } else if (r.status === 422) {
      const extra = Array.isArray(r.json && r.json.extra) ? r.json.extra : [];
      serverErrors = withUids(extra.map(e => ({ row: e.row, field: e.field || e.column || '', message: e.message })), uids);
      if (!serverErrors.length) serverErrors = [{ row: -1, field: '', uid: null, message: detail || 'Dữ liệu chưa hợp lệ.' }];
      check = { errors: serverErrors.slice(), warnings: check.warnings };
      const unplaced = showMessages();
      const where = unplaced ? 'xem thông báo dưới bảng' : 'xem các ô tô đỏ';
      setStatus(`Chưa lưu: ${check.errors.length} lỗi cần sửa (${where}).`, 'fail');
      const first = form.querySelector('[aria-invalid=true]');
      if (first) first.focus();
    } else if (r.status === 409) {
      showConflict(body, r.json);
      setStatus('Chưa lưu: hộ đã được người khác lưu trong lúc bạn sửa.', 'fail');
    } else if (r.status === 423) {
      setStatus('Không lưu được: ' + (detail || 'phiếu điều tra đã khóa.'), 'fail');
    } else if (r.status === 403) {
      setStatus('Không lưu được: hộ này nằm ngoài phạm vi tài khoản của bạn.', 'fail');
    } else if (r.status === 401) {
      setStatus('Phiên đăng nhập đã hết: hãy đăng nhập lại ở thẻ khác rồi bấm Lưu (dữ liệu vẫn còn).', 'fail');
    } else {
      setStatus(`Không lưu được (lỗi ${r.status})${detail ? ': ' + detail : ''}.`, 'fail');
    }
  }

  form.addEventListener('submit', e => { e.preventDefault(); save(); });

  // ------------------------------------------------------------ conflict: mine vs saved
  const SUMMARY = ['full_name', 'birth_date', 'sex', 'relation'];
  const label = f => (COLS.find(c => c.name === f) || {}).title || SCHEMA.labels[f] || f;

  function norm(field, v) {
    const col = COLS.find(c => c.name === field);
    if (typeof v === 'boolean') return v ? 'Có' : '';  // the workbook's marks
    if (col && col.kind === 'codes') {
      const labels = new Map(col.choices);
      return (typeof v === 'string' && v) ? v.split(',').map(c => labels.get(c) || c).join('; ') : '';
    }
    const text = String(display(field, v)).trim();
    const choice = col && col.choices && col.choices.find(o => o[0] === text);
    return choice && choice[1] ? choice[1] : text;
  }

  function conflictTable(side, other, fields, mark) {
    const hhRows = HH_FIELDS.map(f => {
      const differs = norm(f, side[f]) !== norm(f, other[f]);
      return h('tr', { class: differs ? 'diff' : null }, h('th', {}, label(f)), h('td', {}, norm(f, side[f])));
    });
    const byId = new Map(other.members.filter(m => m.person_id).map(m => [m.person_id, m]));
    const rows = side.members.map(m => {
      const twin = m.person_id ? byId.get(m.person_id) : null;
      return h('tr', { class: twin ? null : mark, title: twin ? null : 'Chỉ có ở bản này' },
        fields.map(f => h('td', { class: twin && norm(f, twin[f]) !== norm(f, m[f]) ? 'diff' : null }, norm(f, m[f]))));
    });
    return h('div', {},
      h('table', { class: 'data compact' }, h('tbody', {}, hhRows)),
      h('table', { class: 'data compact members-diff' },
        h('thead', {}, h('tr', {}, fields.map(f => h('th', {}, label(f))))),
        h('tbody', {}, rows)));
  }

  function showConflict(mine, resp) {
    const extra = (resp && resp.extra) || {};
    const theirs = extra.current;
    conflict = { mine, theirs, version: extra.current_version };
    const fields = SUMMARY.slice();
    if (theirs) {
      const byId = new Map(theirs.members.map(m => [m.person_id, m]));
      for (const m of mine.members) {
        const t = byId.get(m.person_id);
        if (!t) continue;
        for (const c of COLS) {
          if (!fields.includes(c.name) && norm(c.name, m[c.name]) !== norm(c.name, t[c.name])) fields.push(c.name);
        }
      }
    }
    document.getElementById('conflict-detail').textContent = (resp && resp.detail) || '';
    document.getElementById('conflict-version').textContent = conflict.version ? `(phiên bản ${conflict.version})` : '';
    document.getElementById('conflict-mine').replaceChildren(
      theirs ? conflictTable(mine, theirs, fields, 'only-here') : h('p', {}, ''));
    document.getElementById('conflict-theirs').replaceChildren(
      theirs ? conflictTable(theirs, mine, fields, 'only-here') : h('p', { class: 'muted' }, 'Không đọc được bản đã lưu.'));
    const section = document.getElementById('conflict');
    section.hidden = false;
    section.scrollIntoView({ block: 'nearest' });
    document.getElementById('keep-mine').focus();
  }

  function hideConflict() {
    conflict = null;
    document.getElementById('conflict').hidden = true;
  }

  document.getElementById('keep-mine').addEventListener('click', () => {
    if (!conflict) return;
    version = conflict.version;
    save(true);
  });
  document.getElementById('take-theirs').addEventListener('click', () => {
    if (!conflict) return;
    if (!conflict.theirs) { dirty = false; location.reload(); return; }
    applySaved(conflict.theirs);
    hideConflict();
    setStatus(`Đã lấy bản đã lưu (phiên bản ${version}).`, 'muted');
    runCheck.now();
  });

  // ------------------------------------------------------------ start
  fill(household || DATA.prefill || null);
  offerDraft();
  if (!household) {
    const hamlet = new URLSearchParams(location.search).get('hamlet');
    if (hamlet) form.elements.hamlet.value = hamlet;
    form.elements.household_code.focus();
  } else {
    form.dataset.version = String(version);
    runCheck.now();
  }
})();

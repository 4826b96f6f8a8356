// 系统管理员 (sysadmin) pages under 管理: 单位管理 (#/admin/units),
// 账号管理 (#/admin/users) and 批量导入 (#/admin/users/import).
// Every change goes to /api/gov/admin/…; the server's 400 words are shown
// under the field they name, and focus moves to the first error.

import { describeError, downloadFile, pb, saveBlob } from '../api.js';
import { h, replace } from '../dom.js';
import { applyFieldErrors, busy, clearErrors, errorBox, showError } from '../form.js';
import { LEVELS, formatCount, levelName, roleName } from '../labels.js';

const KINDS = { government: '政府', office: '办公厅（室）', department: '部门' };
const SYSTEMS = { '': '无（综合）', office: '办公 office', tax: '税务 tax', hr: '人社 hr', market: '市场监管 market' };
const LEVEL_ORDER = ['province', 'city', 'county', 'township'];
const kindName = (k) => KINDS[k] || k || '';

// ---- API (sysadmin routes) ----

function clean(q) {
  const out = {};
  for (const [k, v] of Object.entries(q || {})) if (v !== '' && v !== null && v !== undefined) out[k] = v;
  return out;
}
const enc = encodeURIComponent;
const listUnits = (query) => pb.send('/api/gov/admin/units', { method: 'GET', query: clean({ perPage: 500, ...query }) });
const createUnit = (body) => pb.send('/api/gov/admin/units', { method: 'POST', body });
const updateUnit = (id, body) => pb.send(`/api/gov/admin/units/${enc(id)}`, { method: 'PATCH', body });
const unitAction = (id, action, body) => pb.send(`/api/gov/admin/units/${enc(id)}/${action}`, { method: 'POST', body: body || {} });
const listUsers = (query) => pb.send('/api/gov/admin/users', { method: 'GET', query: clean(query) });
const createUser = (body) => pb.send('/api/gov/admin/users', { method: 'POST', body });
const userAction = (id, action, body) => pb.send(`/api/gov/admin/users/${enc(id)}/${action}`, { method: 'POST', body: body || {} });

// importUsers posts the chosen file as multipart field "file".
function importUsers(file, dryRun) {
  const body = new FormData();
  body.append('file', file);
  return pb.send('/api/gov/admin/users/import', { method: 'POST', body, query: dryRun ? { dry_run: 1 } : {} });
}

// ---- shared pieces ----

// fld builds a labelled input or select with its error line under it
// ({input, hint, wrap}, the shape form.js works with).
function fld(id, label, { required = false, options = null, help = '', ...attrs } = {}) {
  const hint = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
  const helpEl = help ? h('p', { id: `${id}-help`, class: 'field-help' }, help) : null;
  const describedBy = [help ? `${id}-help` : '', `${id}-error`].filter(Boolean).join(' ');
  const common = { id, name: id, class: 'input', required, 'aria-describedby': describedBy };
  const input = options
    ? h('select', { ...common, ...attrs }, options.map(([v, t]) => h('option', { value: v, selected: String(attrs.value ?? '') === v }, t)))
    : h('input', { type: 'text', ...common, ...attrs });
  const wrap = h('div', { class: 'field' },
    h('label', { for: id, class: 'label' }, label,
      required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null),
    input, helpEl, hint);
  return { input, hint, wrap };
}

// failForm shows a server error: field words under the fields (focus on
// the first), anything else in the form's error box.
function failForm(err, map, box) {
  const e = describeError(err);
  if (e.status === 401) return;
  const first = applyFieldErrors(e, map);
  const unplaced = Object.keys(e.fields).filter((k) => !map[k]);
  if (first) {
    first.input.focus();
    if (unplaced.length) showError(box, unplaced.map((k) => e.fields[k]).join('；'));
  } else {
    showError(box, e.message, e.hint);
    box.setAttribute('tabindex', '-1');
    box.focus();
  }
}

const depthOf = (u) => Math.max(0, String(u.path || '').split('/').filter(Boolean).length - 1);

// unitOptions lists units in tree order, indented with full-width spaces.
function unitOptions(units, { empty = null, skip = null } = {}) {
  const opts = empty ? [['', empty]] : [];
  for (const u of units) {
    if (skip && skip(u)) continue;
    opts.push([u.id, `${'\u3000'.repeat(depthOf(u))}${u.name}${u.active === false ? '（已停用）' : ''}`]);
  }
  return opts;
}

function pageHead(title, sub, ...extra) {
  return h('div', { class: 'page-head' },
    h('h1', { class: 'page-title', tabindex: '-1' }, title),
    h('p', { class: 'page-sub' }, sub), ...extra);
}

function notify(box, text) {
  replace(box, h('p', { class: 'notice notice-ok' }, text));
}

const btn = (label, attrs = {}) => h('button', { type: 'button', class: 'btn btn-secondary btn-sm', ...attrs }, label);

// copyButton copies text (clipboard API, else selecting the code element).
function copyButton(id, codeEl) {
  const b = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id }, '复制');
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(codeEl.textContent);
      b.textContent = '已复制';
    } catch {
      const r = document.createRange();
      r.selectNodeContents(codeEl);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(r);
      b.textContent = '已选中，请按 Ctrl+C 复制';
    }
  });
  return b;
}

// oneTimePassword shows a password shown once, with a copy button.
function oneTimePassword(id, username, password) {
  const code = h('code', { class: 'secret', id }, password);
  return h('div', { class: 'notice notice-warn one-time', role: 'status' },
    h('p', {}, '账号 ', h('strong', {}, username), ' 的初始密码：'),
    h('p', { class: 'actions one-time-value' }, code, copyButton(`${id}-copy`, code)),
    h('p', { class: 'notice-hint' }, '此密码只显示这一次，关闭或离开本页后无法再次查看。请通过安全渠道告知本人；首次登录时须修改密码。'));
}

// ======================= 单位管理 =======================

export function renderUnits(main, _me, params) {
  const state = { q: params?.get('q') || '', units: [], open: null };
  const notice = h('div', { id: 'units-notice', role: 'status', 'aria-live': 'polite' });
  const q = fld('units-q', '查找单位', { type: 'search', value: state.q, placeholder: '名称或代字' });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': '查找单位', novalidate: true },
    q.wrap,
    h('div', { class: 'filters-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'units-search' }, '查询'),
      h('button', { type: 'button', class: 'btn btn-quiet', id: 'units-reset', onclick: () => { q.input.value = ''; search(); } }, '重置')));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); search(); });
  const count = h('p', { class: 'card-count', id: 'units-count', 'aria-live': 'polite' });
  const body = h('div', { id: 'units-body' }, h('p', { role: 'status' }, '正在加载…'));

  replace(main,
    pageHead('单位管理', '维护省、市、县、乡镇各级单位的名称、代字和隶属关系。停用前须先停用或调出其下级单位和人员。'),
    notice,
    h('section', { class: 'card', 'aria-label': '查找单位' }, form),
    h('section', { class: 'card', 'aria-labelledby': 'units-title' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'units-title' }, '单位树'), count),
      body));

  function search() {
    state.q = q.input.value.trim();
    load();
  }

  async function load(focusId) {
    body.setAttribute('aria-busy', 'true');
    try {
      const [res, all] = await Promise.all([
        listUnits({ q: state.q }),
        state.q ? listUnits({}) : null,
      ]);
      state.units = Array.isArray(res?.items) ? res.items : [];
      state.all = all ? all.items || [] : state.units;
      replace(count, `共 ${formatCount(res?.totalItems ?? state.units.length)} 个单位`);
      if (state.units.length === 0) {
        replace(body, h('p', { class: 'empty', id: 'units-empty' }, state.q ? `没有名称或代字包含“${state.q}”的单位。请换个关键词或点“重置”。` : '还没有单位。'));
      } else {
        replace(body, h('ul', { class: 'unit-tree', id: 'units-tree', 'aria-label': '单位树' }, state.units.map(unitRow)));
      }
      if (focusId) body.querySelector(`[data-id="${CSS.escape(focusId)}"] .unit-name`)?.focus();
    } catch (err) {
      const e = describeError(err);
      if (e.status === 401) return;
      const box = errorBox('units-error');
      showError(box, e.message, e.hint);
      replace(body, box);
    } finally {
      body.removeAttribute('aria-busy');
    }
  }

  function unitRow(u) {
    const panel = h('div', { class: 'unit-panel', hidden: true });
    const open = (builder) => () => {
      if (state.open && state.open !== panel) { replace(state.open); state.open.hidden = true; }
      state.open = panel;
      replace(notice);
      replace(panel, builder(u, close));
      panel.hidden = false;
      panel.querySelector('input, select, button')?.focus();
    };
    const close = () => { replace(panel); panel.hidden = true; state.open = null; };
    const done = (text) => { close(); notify(notice, text); load(u.id); };
    const depth = Math.min(depthOf(u), 5);
    return h('li', { class: `unit-item depth-${depth}${u.active === false ? ' unit-inactive' : ''}`, 'data-id': u.id, 'data-name': u.name },
      h('div', { class: 'unit-row' },
        h('div', { class: 'unit-info' },
          h('span', { class: 'unit-name', tabindex: '-1' }, u.name),
          h('span', { class: 'tags' },
            u.short ? h('span', { class: 'tag tag-muted' }, `代字 ${u.short}`) : null,
            h('span', { class: 'tag tag-level' }, levelName(u.level)),
            h('span', { class: 'tag' }, kindName(u.kind)),
            u.system ? h('span', { class: 'tag tag-muted' }, `条线 ${u.system}`) : null,
            u.active === false ? h('span', { class: 'tag tag-bad' }, '已停用') : null)),
        h('div', { class: 'actions unit-actions' },
          u.active !== false && u.level !== 'township'
            ? btn('新增下级单位', { 'data-act': 'add', onclick: open((x, c) => addForm(x, c, done)) }) : null,
          btn('编辑', { 'data-act': 'edit', 'aria-label': `编辑 ${u.name}`, onclick: open((x, c) => editForm(x, c, done)) }),
          u.parent ? btn('移动', { 'data-act': 'move', 'aria-label': `移动 ${u.name}`, onclick: open((x, c) => moveForm(x, c, done)) }) : null,
          btn(u.active === false ? '启用' : '停用', {
            'data-act': u.active === false ? 'activate' : 'deactivate',
            'aria-label': `${u.active === false ? '启用' : '停用'} ${u.name}`,
            onclick: open((x, c) => toggleConfirm(x, c, done)),
          }))),
      panel);
  }

  function panelForm(id, title, fields, submitLabel, onSubmit, cancel) {
    const error = errorBox(`${id}-error`);
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: `${id}-submit` }, submitLabel);
    const form = h('form', { class: 'unit-form', id, novalidate: true, 'aria-label': title },
      h('h3', { class: 'section-title' }, title),
      h('div', { class: 'form-grid' }, fields.map((f) => f.wrap)),
      error,
      h('div', { class: 'actions' }, submit,
        h('button', { type: 'button', class: 'btn btn-quiet', id: `${id}-cancel`, onclick: cancel }, '取消')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(fields, error);
      busy(submit, true, '正在保存…');
      try {
        await onSubmit(error);
      } finally {
        if (submit.isConnected) busy(submit, false);
      }
    });
    return form;
  }

  function addForm(parent, cancel, done) {
    // A department or office sits at its government's level; a lower
    // government one level down.
    const lower = LEVEL_ORDER[Math.min(LEVEL_ORDER.indexOf(parent.level) + 1, LEVEL_ORDER.length - 1)] || 'township';
    const next = parent.level || lower;
    const name = fld('unit-new-name', '单位名称', { required: true, maxlength: 100 });
    const short = fld('unit-new-short', '代字', { maxlength: 20, help: '用于公文编号，如“东政办”。' });
    const level = fld('unit-new-level', '层级', { required: true, value: next, options: Object.entries(LEVELS) });
    const kind = fld('unit-new-kind', '类型', { required: true, value: 'department', options: Object.entries(KINDS) });
    const system = fld('unit-new-system', '条线', { value: parent.system || '', options: Object.entries(SYSTEMS) });
    kind.input.addEventListener('change', () => { level.input.value = kind.input.value === 'government' ? lower : parent.level; });
    const map = { name, short, level, kind, system, parent: name };
    return panelForm('unit-new', `在“${parent.name}”下新增下级单位`, [name, short, level, kind, system], '新增', async (error) => {
      if (!name.input.value.trim()) {
        applyFieldErrors({ fields: { name: '不能为空' } }, { name }).input.focus();
        return;
      }
      try {
        const u = await createUnit({
          name: name.input.value.trim(), short: short.input.value.trim(), level: level.input.value,
          kind: kind.input.value, system: system.input.value, parent: parent.id,
        });
        done(`已新增下级单位“${u?.name || name.input.value.trim()}”。`);
      } catch (err) { failForm(err, map, error); }
    }, cancel);
  }

  function editForm(u, cancel, done) {
    const name = fld('unit-edit-name', '单位名称', { required: true, value: u.name, maxlength: 100 });
    const short = fld('unit-edit-short', '代字', { value: u.short || '', maxlength: 20 });
    const system = fld('unit-edit-system', '条线', { value: u.system || '', options: Object.entries(SYSTEMS) });
    const sort = fld('unit-edit-sort', '排序号', { type: 'number', inputmode: 'numeric', value: u.sort ?? 0, help: '同级单位按排序号从小到大排列。' });
    const map = { name, short, system, sort };
    return panelForm('unit-edit', `编辑“${u.name}”`, [name, short, system, sort], '保存', async (error) => {
      try {
        const saved = await updateUnit(u.id, {
          name: name.input.value.trim(), short: short.input.value.trim(),
          system: system.input.value, sort: Number(sort.input.value) || 0,
        });
        done(`已保存“${saved?.name || name.input.value.trim()}”。`);
      } catch (err) { failForm(err, map, error); }
    }, cancel);
  }

  function moveForm(u, cancel, done) {
    const parent = fld('unit-move-parent', '新的上级单位', {
      required: true, value: u.parent,
      options: unitOptions(state.all || state.units, { empty: '请选择', skip: (x) => x.id === u.id }),
    });
    return panelForm('unit-move', `移动“${u.name}”`, [parent], '移动', async (error) => {
      try {
        await unitAction(u.id, 'move', { parent: parent.input.value });
        const p = (state.all || []).find((x) => x.id === parent.input.value);
        done(`已将“${u.name}”移到“${p?.name || '新的上级单位'}”下。`);
      } catch (err) { failForm(err, { parent }, error); }
    }, cancel);
  }

  function toggleConfirm(u, cancel, done) {
    const on = u.active === false;
    const error = errorBox('unit-toggle-error');
    const yes = h('button', { type: 'button', class: on ? 'btn btn-primary btn-sm' : 'btn btn-danger btn-sm', id: 'unit-toggle-yes' }, on ? '确定启用' : '确定停用');
    yes.addEventListener('click', async () => {
      replace(error);
      busy(yes, true, '请稍候…');
      try {
        await unitAction(u.id, on ? 'activate' : 'deactivate');
        done(on ? `已启用“${u.name}”。` : `已停用“${u.name}”。`);
      } catch (err) {
        const e = describeError(err);
        if (e.status !== 401) showError(error, Object.values(e.fields)[0] || e.message, e.hint);
        busy(yes, false);
      }
    });
    return h('div', { class: 'confirm unit-confirm', role: 'group', 'aria-label': on ? '确认启用' : '确认停用' },
      h('p', {}, on ? `确定启用“${u.name}”吗？` : `确定停用“${u.name}”吗？停用后该单位不再出现在单位目录中。`),
      error,
      h('div', { class: 'actions' }, yes, h('button', { type: 'button', class: 'btn btn-quiet btn-sm', id: 'unit-toggle-no', onclick: cancel }, '取消')));
  }

  load();
}

// ======================= 账号管理 =======================

const PER_PAGE = 20;

export function renderUsers(main, _me, params) {
  const state = {
    page: Math.max(1, Number(params?.get('page')) || 1),
    q: params?.get('q') || '', unit: params?.get('unit') || '', active: params?.get('active') || '',
    units: [],
  };
  const notice = h('div', { id: 'users-notice', role: 'status', 'aria-live': 'polite' });
  const q = fld('users-q', '姓名或用户名', { type: 'search', value: state.q });
  const unit = fld('users-unit', '单位', { options: [['', '全部单位']] });
  const active = fld('users-active', '状态', { value: state.active, options: [['', '全部'], ['true', '在用'], ['false', '已停用']] });
  const filters = h('form', { class: 'filters', id: 'users-filters', role: 'search', 'aria-label': '筛选账号', novalidate: true },
    q.wrap, unit.wrap, active.wrap,
    h('div', { class: 'filters-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'users-search' }, '查询'),
      h('button', { type: 'button', class: 'btn btn-quiet', id: 'users-reset', onclick: reset }, '重置')));
  filters.addEventListener('submit', (ev) => { ev.preventDefault(); readFilters(); state.page = 1; load(true); });

  const createSlot = h('div', { id: 'user-create-slot' });
  const newBtn = h('button', { type: 'button', class: 'btn btn-primary', id: 'user-new' }, '新建账号');
  newBtn.addEventListener('click', () => openCreate());
  const count = h('p', { class: 'card-count', id: 'users-count', tabindex: '-1', 'aria-live': 'polite' });
  const body = h('div', { id: 'users-body' }, h('p', { role: 'status' }, '正在加载…'));
  const pager = h('nav', { class: 'pager', id: 'users-pager', 'aria-label': '翻页' });

  replace(main,
    pageHead('账号管理', '新建、停用、调动账号和重置密码。初始密码只显示一次，账号首次登录时须修改。',
      h('p', { class: 'actions' }, newBtn, h('a', { class: 'btn btn-secondary', href: '#/admin/users/import', id: 'users-import-link' }, '批量导入'))),
    notice, createSlot,
    h('section', { class: 'card', 'aria-label': '筛选条件' }, filters),
    h('section', { class: 'card', 'aria-labelledby': 'users-title' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'users-title' }, '账号列表'), count),
      body, pager));

  const unitName = (id) => state.units.find((u) => u.id === id)?.name || '';

  function readFilters() {
    state.q = q.input.value.trim();
    state.unit = unit.input.value;
    state.active = active.input.value;
  }

  function reset() {
    q.input.value = '';
    unit.input.value = '';
    active.input.value = '';
    readFilters();
    state.page = 1;
    load(true);
  }

  async function loadUnits() {
    try {
      const res = await listUnits({});
      state.units = res?.items || [];
      replace(unit.input, unitOptions(state.units, { empty: '全部单位' }).map(([v, t]) => h('option', { value: v, selected: v === state.unit }, t)));
    } catch { /* the list shows the error */ }
  }

  async function load(moveFocus) {
    body.setAttribute('aria-busy', 'true');
    try {
      const res = await listUsers({ page: state.page, perPage: PER_PAGE, q: state.q, unit: state.unit, active: state.active, sort: 'unit_path,username' });
      const items = res?.items || [];
      replace(count, `共 ${formatCount(res?.totalItems ?? items.length)} 条`);
      replace(body, items.length === 0
        ? h('p', { class: 'empty', id: 'users-empty' }, '没有符合条件的账号。请放宽筛选条件，或点“新建账号”。')
        : h('div', { class: 'table-wrap' },
          h('table', { class: 'table table-stack users-table', id: 'users-rows' },
            h('caption', { class: 'sr-only' }, '账号列表'),
            h('thead', {}, h('tr', {}, ['用户名', '姓名', '单位', '职级 / 职务', '手机', '身份证号', '角色', '状态', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody', {}, items.map(userRow)))));
      renderPager(res?.page || state.page, res?.totalPages || 1);
    } catch (err) {
      const e = describeError(err);
      if (e.status === 401) return;
      const box = errorBox('users-error');
      showError(box, e.message, e.hint);
      replace(body, box);
      replace(pager);
    } finally {
      body.removeAttribute('aria-busy');
    }
    if (moveFocus) count.focus({ preventScroll: true });
  }

  function renderPager(page, pages) {
    if (pages <= 1) { replace(pager); return; }
    const go = (p) => () => { state.page = p; load(true); };
    replace(pager,
      h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id: 'users-prev', disabled: page <= 1, onclick: go(page - 1) }, '上一页'),
      h('span', { class: 'pager-info' }, `第 ${formatCount(page)} / ${formatCount(pages)} 页`),
      h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id: 'users-next', disabled: page >= pages, onclick: go(page + 1) }, '下一页'));
  }

  function userRow(u) {
    const cell = (label, ...children) => h('td', { 'data-label': label }, h('div', {}, ...children));
    const actCell = h('td', { 'data-label': '操作' });
    const showButtons = () => replace(actCell, h('div', { class: 'actions row-actions' },
      btn(u.active ? '停用' : '启用', { 'data-act': u.active ? 'deactivate' : 'activate', 'aria-label': `${u.active ? '停用' : '启用'} ${u.username}`, onclick: toggle }),
      btn('调动', { 'data-act': 'move', 'aria-label': `调动 ${u.username}`, onclick: move }),
      btn('重置密码', { 'data-act': 'reset', 'aria-label': `重置 ${u.username} 的密码`, onclick: resetPw })));
    const confirmBox = (text, yesLabel, danger, run) => {
      const error = errorBox(`user-${u.id}-error`);
      const yes = h('button', { type: 'button', class: `btn ${danger ? 'btn-danger' : 'btn-primary'} btn-sm`, 'data-confirm': '1' }, yesLabel);
      yes.addEventListener('click', async () => {
        replace(error);
        busy(yes, true, '请稍候…');
        try {
          await run();
        } catch (err) {
          const e = describeError(err);
          if (e.status !== 401) showError(error, Object.values(e.fields)[0] || e.message, e.hint);
          if (yes.isConnected) busy(yes, false);
        }
      });
      replace(actCell, h('div', { class: 'confirm', role: 'group', 'aria-label': yesLabel },
        h('p', {}, text), error,
        h('div', { class: 'actions' }, yes, h('button', { type: 'button', class: 'btn btn-quiet btn-sm', onclick: showButtons }, '取消'))));
      yes.focus();
    };
    function toggle() {
      const on = !u.active;
      confirmBox(on ? `确定启用 ${u.username}？` : `确定停用 ${u.username}？停用后其所有会话立即结束。`, on ? '确定启用' : '确定停用', !on, async () => {
        await userAction(u.id, on ? 'activate' : 'deactivate');
        notify(notice, on ? `已启用账号 ${u.username}。` : `已停用账号 ${u.username}。`);
        load(false);
      });
    }
    function move() {
      const f = fld(`user-${u.id}-unit`, '调入单位', { value: u.unit, options: unitOptions(state.units.filter((x) => x.active !== false)) });
      const error = errorBox(`user-${u.id}-move-error`);
      const yes = h('button', { type: 'submit', class: 'btn btn-primary btn-sm' }, '确定调动');
      const form = h('form', { class: 'confirm', novalidate: true, 'aria-label': `调动 ${u.username}` },
        f.wrap, error, h('div', { class: 'actions' }, yes, h('button', { type: 'button', class: 'btn btn-quiet btn-sm', onclick: showButtons }, '取消')));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        clearErrors([f], error);
        busy(yes, true, '请稍候…');
        try {
          await userAction(u.id, 'move', { unit: f.input.value });
          notify(notice, `已将 ${u.username} 调动到“${unitName(f.input.value)}”。`);
          load(false);
        } catch (err) {
          failForm(err, { unit: f }, error);
          busy(yes, false);
        }
      });
      replace(actCell, form);
      f.input.focus();
    }
    function resetPw() {
      confirmBox(`确定重置 ${u.username} 的密码？其所有会话将立即结束，下次登录须修改密码。`, '确定重置', true, async () => {
        const r = await userAction(u.id, 'reset-password');
        replace(actCell, h('div', { class: 'confirm' },
          oneTimePassword(`user-${u.id}-password`, r?.username || u.username, r?.initial_password || ''),
          h('button', { type: 'button', class: 'btn btn-quiet btn-sm', onclick: showButtons }, '完成')));
        actCell.querySelector('code')?.setAttribute('tabindex', '-1');
        actCell.querySelector('code')?.focus();
      });
    }
    showButtons();
    return h('tr', { 'data-id': u.id, 'data-username': u.username },
      cell('用户名', u.username),
      cell('姓名', u.name || '—'),
      cell('单位', unitName(u.unit) || '—'),
      cell('职级 / 职务', [u.rank, u.position].filter(Boolean).join(' / ') || '—'),
      cell('手机', u.phone || '—'),
      cell('身份证号', h('span', { class: 'break' }, u.id_number || '—')),
      cell('角色', (u.roles || []).map(roleName).join('、') || '—'),
      cell('状态', h('span', { class: u.active ? 'tag tag-ok' : 'tag tag-bad' }, u.active ? '在用' : '已停用')),
      actCell);
  }

  function openCreate() {
    replace(notice);
    const f = {
      username: fld('user-username', '用户名', { required: true, autocomplete: 'off', help: '登录用，字母、数字和点，如 zhang.san。' }),
      name: fld('user-name', '姓名', { required: true }),
      unit: fld('user-unit', '单位', { required: true, value: state.unit, options: unitOptions(state.units.filter((x) => x.active !== false), { empty: '请选择单位' }) }),
      rank: fld('user-rank', '职级'),
      position: fld('user-position', '职务'),
      email: fld('user-email', '邮箱', { type: 'email', autocomplete: 'off' }),
      phone: fld('user-phone', '手机', { type: 'tel', inputmode: 'numeric', autocomplete: 'off' }),
      id_number: fld('user-id-number', '身份证号', { autocomplete: 'off', maxlength: 18 }),
      password: fld('user-password', '初始密码（可选）', { type: 'password', autocomplete: 'new-password', help: '留空则由系统生成，创建后只显示一次。' }),
    };
    const fields = Object.values(f);
    const error = errorBox('user-create-error');
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'user-create-submit' }, '创建账号');
    const close = () => { replace(createSlot); newBtn.focus(); };
    const form = h('form', { class: 'card', id: 'user-create', novalidate: true, 'aria-labelledby': 'user-create-title' },
      h('h2', { class: 'card-title', id: 'user-create-title' }, '新建账号'),
      h('div', { class: 'form-grid' }, fields.map((x) => x.wrap)),
      error,
      h('div', { class: 'actions' }, submit, h('button', { type: 'button', class: 'btn btn-quiet', id: 'user-create-cancel', onclick: close }, '取消')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(fields, error);
      const missing = ['username', 'name', 'unit'].filter((k) => !f[k].input.value.trim());
      if (missing.length) {
        applyFieldErrors({ fields: Object.fromEntries(missing.map((k) => [k, '不能为空'])) }, f).input.focus();
        return;
      }
      const bodyIn = {};
      for (const [k, x] of Object.entries(f)) if (x.input.value.trim()) bodyIn[k] = k === 'password' ? x.input.value : x.input.value.trim();
      busy(submit, true, '正在创建…');
      try {
        const r = await createUser(bodyIn);
        const user = r?.user || {};
        replace(createSlot, h('section', { class: 'card', id: 'user-created', 'aria-labelledby': 'user-created-title' },
          h('h2', { class: 'card-title', id: 'user-created-title', tabindex: '-1' }, `已创建账号 ${user.username || bodyIn.username}`),
          r?.initial_password
            ? oneTimePassword('user-initial-password', user.username || bodyIn.username, r.initial_password)
            : h('p', { class: 'notice' }, '已使用您设置的初始密码。请通过安全渠道告知本人；首次登录时须修改密码。'),
          h('p', { class: 'actions' },
            h('button', { type: 'button', class: 'btn btn-secondary', id: 'user-created-done', onclick: close }, '完成'),
            h('button', { type: 'button', class: 'btn btn-quiet', id: 'user-created-more', onclick: () => openCreate() }, '继续新建'))));
        createSlot.querySelector('h2')?.focus();
        load(false);
      } catch (err) {
        failForm(err, f, error);
        if (submit.isConnected) busy(submit, false);
      }
    });
    replace(createSlot, form);
    f.username.input.focus();
  }

  loadUnits().then(() => load(false));
}

// ======================= 批量导入 =======================

export function renderImport(main) {
  const state = { file: null, report: null };
  const tplOut = h('div', { id: 'import-template-out', role: 'status', 'aria-live': 'polite' });
  const tplBtn = h('button', { type: 'button', class: 'btn btn-secondary', id: 'import-template' }, '下载导入模板');
  tplBtn.addEventListener('click', async () => {
    busy(tplBtn, true, '正在下载…');
    replace(tplOut);
    try {
      const { name } = await downloadFile('/api/gov/admin/users/import/template', '账号导入模板.xlsx');
      replace(tplOut, h('p', { class: 'muted' }, `已下载 ${name}。`));
    } catch (err) {
      const e = describeError(err);
      if (e.status !== 401) showError(tplOut, e.message, e.hint);
    } finally {
      busy(tplBtn, false);
    }
  });

  const file = fld('import-file', '选择 Excel 文件（.xlsx）', {
    type: 'file', accept: '.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', required: true,
    help: '第一行为表头：用户名、姓名、单位、职级、职务、邮箱、手机、身份证号；单位填全称。最多 5000 行、5 MB。',
  });
  const error = errorBox('import-error');
  const checkBtn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'import-check' }, '预检');
  const form = h('form', { id: 'import-form', novalidate: true, 'aria-label': '选择文件并预检' },
    file.wrap, error, h('div', { class: 'actions' }, checkBtn));
  const reportEl = h('section', { class: 'card', id: 'import-report', 'aria-labelledby': 'import-report-title', hidden: true });
  const resultEl = h('section', { class: 'card', id: 'import-result', 'aria-labelledby': 'import-result-title', hidden: true });

  file.input.addEventListener('change', () => {
    state.file = file.input.files?.[0] || null;
    state.report = null;
    reportEl.hidden = true;
    replace(reportEl);
    clearErrors([file], error);
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors([file], error);
    state.file = file.input.files?.[0] || null;
    if (!state.file) {
      applyFieldErrors({ fields: { file: '请选择要导入的 .xlsx 文件' } }, { file }).input.focus();
      return;
    }
    busy(checkBtn, true, '正在预检…');
    resultEl.hidden = true;
    try {
      showReport(await importUsers(state.file, true));
    } catch (err) {
      failForm(err, { file }, error);
    } finally {
      busy(checkBtn, false);
    }
  });

  replace(main,
    pageHead('批量导入账号', '从 Excel 表格批量创建账号：先下载模板填写，再预检，全部无误后确认导入。导入在一个事务中完成，有任何一行出错则一个也不创建。'),
    h('section', { class: 'card', 'aria-labelledby': 'import-step1' },
      h('h2', { class: 'card-title', id: 'import-step1' }, '第 1 步：下载模板'),
      h('p', { class: 'muted' }, '模板含表头和一行示例，填写前请删除示例行。'),
      h('p', { class: 'actions' }, tplBtn), tplOut),
    h('section', { class: 'card', 'aria-labelledby': 'import-step2' },
      h('h2', { class: 'card-title', id: 'import-step2' }, '第 2 步：选择文件并预检'),
      form),
    reportEl, resultEl,
    h('p', {}, h('a', { href: '#/admin/users', class: 'btn btn-quiet', id: 'import-back' }, '返回账号管理')));

  function showReport(r) {
    state.report = r;
    const rows = r?.rows || [];
    const valid = r?.valid ?? 0;
    const invalid = r?.invalid ?? 0;
    const commit = h('button', { type: 'button', class: 'btn btn-primary', id: 'import-commit', disabled: invalid > 0 || valid === 0 }, '确认导入');
    const commitError = errorBox('import-commit-error');
    commit.addEventListener('click', () => doImport(commit, commitError));
    replace(reportEl,
      h('h2', { class: 'card-title', id: 'import-report-title', tabindex: '-1' }, '第 3 步：预检结果'),
      h('p', { id: 'import-counts', class: invalid > 0 ? 'notice notice-bad' : 'notice notice-ok' },
        `共 ${formatCount(rows.length)} 行：可导入 ${formatCount(valid)} 行，有问题 ${formatCount(invalid)} 行。`,
        invalid > 0 ? '请在表格中改正下列问题后重新选择文件预检。' : '全部无误，可以确认导入。'),
      rows.length ? h('div', { class: 'table-wrap' },
        h('table', { class: 'table table-stack import-table', id: 'import-rows' },
          h('caption', { class: 'sr-only' }, '逐行预检结果'),
          h('thead', {}, h('tr', {}, ['行号', '用户名', '结果', '问题'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, rows.map((x) => h('tr', { 'data-row': x.row, class: x.ok ? '' : 'row-bad' },
            h('td', { 'data-label': '行号' }, h('div', {}, `第 ${x.row} 行`)),
            h('td', { 'data-label': '用户名' }, h('div', { class: 'break' }, x.username || '—')),
            h('td', { 'data-label': '结果' }, h('div', {}, h('span', { class: x.ok ? 'tag tag-ok' : 'tag tag-bad' }, x.ok ? '可导入' : '有问题'))),
            h('td', { 'data-label': '问题' }, h('div', {}, (x.problems || []).length
              ? h('ul', { class: 'problems' }, x.problems.map((p) => h('li', {}, `${p.column || p.field}：${p.message}`)))
              : '—'))))))) : null,
      commitError,
      h('p', { class: 'actions' }, commit,
        invalid > 0 ? h('span', { class: 'muted', id: 'import-commit-note' }, '有问题的行改正前不能导入。') : null));
    reportEl.hidden = false;
    reportEl.querySelector('h2').focus();
  }

  async function doImport(commit, commitError) {
    replace(commitError);
    busy(commit, true, '正在导入…');
    try {
      showResult(await importUsers(state.file, false));
      commit.disabled = true;
      commit.textContent = '已导入';
      return;
    } catch (err) {
      const e = describeError(err);
      if (e.status === 401) return;
      const report = err?.response?.report || err?.response?.data?.report;
      if (report && Array.isArray(report.rows)) {
        showReport(report);
        return;
      }
      showError(commitError, e.fields.file || e.message, e.hint);
    }
    busy(commit, false);
  }

  function showResult(r) {
    const rows = (r?.rows || []).filter((x) => x.id || x.initial_password);
    const csvBtn = h('button', { type: 'button', class: 'btn btn-secondary', id: 'import-csv' }, '下载结果 CSV');
    csvBtn.addEventListener('click', () => {
      const esc = (v) => `"${String(v ?? '').replace(/"/g, '""')}"`;
      const lines = [['行号', '用户名', '初始密码'].map(esc).join(',')]
        .concat(rows.map((x) => [x.row, x.username, x.initial_password].map(esc).join(',')));
      saveBlob(new Blob(['\ufeff', lines.join('\r\n'), '\r\n'], { type: 'text/csv;charset=utf-8' }),
        `导入结果-${new Date().toISOString().slice(0, 10)}.csv`);
    });
    replace(resultEl,
      h('h2', { class: 'card-title', id: 'import-result-title', tabindex: '-1' }, '导入完成'),
      h('p', { class: 'notice notice-ok', id: 'import-created' }, `已创建 ${formatCount(r?.created ?? rows.length)} 个账号。`),
      h('div', { class: 'notice notice-warn' },
        h('p', {}, '下列初始密码只显示这一次，离开本页后无法再次查看。请下载结果或妥善记录后，通过安全渠道告知本人；首次登录时须修改密码。')),
      h('div', { class: 'table-wrap' },
        h('table', { class: 'table table-stack', id: 'import-created-rows' },
          h('caption', { class: 'sr-only' }, '已创建的账号和初始密码'),
          h('thead', {}, h('tr', {}, ['行号', '用户名', '初始密码'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, rows.map((x) => h('tr', {},
            h('td', { 'data-label': '行号' }, h('div', {}, String(x.row))),
            h('td', { 'data-label': '用户名' }, h('div', { class: 'break' }, x.username)),
            h('td', { 'data-label': '初始密码' }, h('div', {}, h('code', { class: 'secret' }, x.initial_password || '（已设置）')))))))),
      h('p', { class: 'actions' }, csvBtn, h('a', { class: 'btn btn-quiet', href: '#/admin/users' }, '查看账号列表')));
    resultEl.hidden = false;
    resultEl.querySelector('h2').focus();
  }
}

// The secadmin's 管理 pages: 角色授权 (#/admin/roles: roles, 解除锁定,
// 重置动态口令), 兼职授权 (#/admin/grants), 访问策略 (#/admin/policy) and
// 安全设置 (#/admin/security). Every decision is the server's: its words
// are shown under the field they name.

import { describeError, pb } from '../api.js';
import { h, replace } from '../dom.js';
import { applyFieldErrors, busy, clearErrors, errorBox, field, fieldError, showError } from '../form.js';
import {
  GRANT_KINDS, ROLES, formatCount, formatDate, formatDateTime, grantKindName, roleName, toDate,
} from '../labels.js';

const send = (path, method = 'GET', body, query) =>
  pb.send(path, { method, ...(body ? { body } : {}), ...(query ? { query: clean(query) } : {}) });

function clean(q) {
  const out = {};
  for (const [k, v] of Object.entries(q || {})) if (v !== '' && v !== null && v !== undefined) out[k] = v;
  return out;
}

const ADMIN3 = ['sysadmin', 'secadmin', 'auditor'];
const BUSINESS = Object.keys(ROLES).filter((r) => !ADMIN3.includes(r));

function head(title, sub) {
  return h('div', { class: 'page-head' },
    h('h1', { class: 'page-title', tabindex: '-1' }, title),
    h('p', { class: 'page-sub' }, sub));
}

function status(id) {
  return h('div', { id, class: 'sec-status', role: 'status', 'aria-live': 'polite' });
}

function ok(el, text) {
  replace(el, h('p', { class: 'notice notice-ok' }, text));
}

// confirmInline swaps a button for 确定/取消 with the question beside it.
function confirmInline(button, question, yesText, onYes) {
  const slot = h('div', { class: 'confirm sec-confirm', role: 'group', 'aria-label': question });
  const yes = h('button', { type: 'button', class: 'btn btn-danger btn-sm', id: `${button.id}-yes` }, yesText);
  const no = h('button', { type: 'button', class: 'btn btn-quiet btn-sm', id: `${button.id}-no` }, '取消');
  replace(slot, h('p', {}, question), h('div', { class: 'actions' }, yes, no));
  button.replaceWith(slot);
  yes.focus();
  const restore = () => { slot.replaceWith(button); button.focus(); };
  no.addEventListener('click', restore);
  yes.addEventListener('click', async () => {
    busy(yes, true, '请稍候…');
    no.disabled = true;
    try {
      await onYes();
    } finally {
      if (slot.isConnected) slot.replaceWith(button);
    }
  });
}

function selectField(id, label, options, attrs = {}) {
  const hint = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
  const input = h('select', { id, name: id, class: 'input', 'aria-describedby': `${id}-error`, ...attrs },
    options.map(([v, t]) => h('option', { value: v }, t)));
  const wrap = h('div', { class: 'field' },
    h('label', { for: id, class: 'label' }, label,
      attrs.required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null),
    input, hint);
  return { input, hint, wrap };
}

function userLine(u) {
  return `${u.name || u.username}（${u.username}）`;
}

// userPicker: a search box and a select of the accounts found.
function userPicker(id, label, { required = false, onPick } = {}) {
  const q = h('input', {
    id: `${id}-q`, class: 'input', type: 'search', placeholder: '姓名或用户名', autocomplete: 'off',
    'aria-label': `${label}：查找姓名或用户名`,
  });
  const find = h('button', { type: 'button', class: 'btn btn-secondary', id: `${id}-find` }, '查找');
  const sel = selectField(id, label, [['', required ? '请先查找并选择' : '全部']], { required });
  const row = h('div', { class: 'sec-picker' }, q, find);
  sel.wrap.insertBefore(row, sel.input);
  async function search() {
    busy(find, true, '查找中…');
    try {
      const res = await send('/api/gov/admin/users', 'GET', null, { q: q.value.trim(), perPage: 50, sort: 'username' });
      const items = res?.items || [];
      replace(sel.input, h('option', { value: '' }, items.length ? `找到 ${formatCount(items.length)} 个账号，请选择` : '没有找到账号'),
        items.map((u) => h('option', { value: u.id, 'data-username': u.username }, userLine(u))));
      if (items.length === 1) { sel.input.value = items[0].id; onPick?.(items[0]); }
    } catch (err) {
      const e = describeError(err);
      if (e.status !== 401) fieldError(sel, e.message);
    } finally {
      busy(find, false);
    }
  }
  find.addEventListener('click', search);
  q.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); search(); } });
  sel.input.addEventListener('change', () => onPick?.(null));
  return sel;
}

// ---------------------------------------------------------------- 角色授权

function roleTags(u) {
  return h('span', { class: 'tags', 'data-tags-of': u.username },
    (u.roles || []).map((r) => h('span', { class: 'tag' }, roleName(r))),
    u.active === false ? h('span', { class: 'tag tag-muted' }, '已停用') : null);
}

export function renderAdminRoles(main, me) {
  const q = field('roles-q', '姓名或用户名', { type: 'search', required: false, autocomplete: 'off', placeholder: '如 staff.east.hr 或 张' });
  q.wrap.querySelector('.required')?.remove();
  const searchBtn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'roles-search' }, '查找');
  const form = h('form', { class: 'filters', id: 'roles-form', role: 'search', 'aria-label': '查找账号', novalidate: true },
    q.wrap, h('div', { class: 'filters-actions' }, searchBtn));
  const count = h('p', { class: 'card-count', id: 'roles-count', 'aria-live': 'polite' });
  const results = h('div', { id: 'roles-results' }, h('p', { class: 'empty' }, '输入姓名或用户名后点击查找，再选择要授权的账号。'));
  const detail = h('section', { class: 'card', id: 'roles-detail', 'aria-labelledby': 'roles-detail-title', hidden: true });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    busy(searchBtn, true, '查找中…');
    try {
      const res = await send('/api/gov/admin/users', 'GET', null, { q: q.input.value.trim(), perPage: 50, sort: 'username' });
      const items = res?.items || [];
      replace(count, `共 ${formatCount(res?.totalItems ?? items.length)} 个`);
      if (!items.length) {
        replace(results, h('p', { class: 'empty', id: 'roles-empty' }, '没有找到账号。请换一个姓名或用户名再查找。'));
      } else {
        replace(results, h('ul', { class: 'sec-list' }, items.map((u) => h('li', {},
          h('button', { type: 'button', class: 'sec-item', 'data-user': u.username, onclick: () => open(u) },
            h('span', { class: 'sec-item-title' }, userLine(u)), roleTags(u))))));
      }
    } catch (err) {
      const e = describeError(err);
      if (e.status === 401) return;
      const box = errorBox('roles-list-error');
      showError(box, e.message, e.hint);
      replace(results, box);
    } finally {
      busy(searchBtn, false);
    }
  });

  replace(main,
    head('角色授权', '为账号分配角色，解除登录锁定，重置动态口令。修改角色后该账号的所有会话立即结束。'),
    h('section', { class: 'card', 'aria-labelledby': 'roles-find-title' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'roles-find-title' }, '查找账号'), count),
      form, results),
    detail);

  function open(u) {
    detail.hidden = false;
    const boxes = Object.entries(ROLES).map(([code, name]) => h('label', { class: 'check sec-check', for: `role-${code}` },
      h('input', { type: 'checkbox', class: 'checkbox', id: `role-${code}`, value: code, checked: (u.roles || []).includes(code) }),
      h('span', {}, name), ADMIN3.includes(code) ? h('span', { class: 'tag tag-warn' }, '三员') : null));
    const rolesError = h('p', { id: 'roles-error', class: 'field-error', hidden: true });
    const fs = h('fieldset', { class: 'sec-fieldset', id: 'roles-set', 'aria-describedby': 'roles-note roles-error' },
      h('legend', { class: 'label' }, '角色'),
      h('p', { class: 'field-help', id: 'roles-note' },
        '系统管理员、安全管理员、安全审计员（三员）不能相互兼任，也不能与业务角色同时授予。'),
      h('div', { class: 'sec-checks' }, boxes), rolesError);
    const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'roles-save' }, '保存角色');
    const out = status('roles-status');
    const rform = h('form', { id: 'roles-edit', novalidate: true }, fs, h('p', { class: 'actions' }, save), out);
    rform.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      rolesError.hidden = true;
      fs.removeAttribute('aria-invalid');
      replace(out);
      const roles = [...fs.querySelectorAll('input:checked')].map((c) => c.value);
      busy(save, true, '保存中…');
      try {
        const res = await send(`/api/gov/admin/users/${encodeURIComponent(u.id)}/roles`, 'PUT', { roles });
        u.roles = res?.roles || roles;
        const old = results.querySelector(`[data-tags-of="${CSS.escape(u.username)}"]`);
        if (old) old.replaceWith(roleTags(u));
        ok(out, `已保存：${u.roles.map(roleName).join('、') || '无角色'}。该账号需重新登录。`);
      } catch (err) {
        const e = describeError(err);
        if (e.status === 401) return;
        rolesError.textContent = e.fields.roles || Object.values(e.fields)[0] || e.message;
        rolesError.hidden = false;
        fs.setAttribute('aria-invalid', 'true');
        fs.querySelector('input')?.focus();
      } finally {
        busy(save, false);
      }
    });

    const unlock = h('button', { type: 'button', class: 'btn btn-secondary', id: 'roles-unlock' }, '解除锁定');
    const totp = h('button', { type: 'button', class: 'btn btn-secondary', id: 'roles-totp' }, '重置动态口令');
    const acctOut = status('roles-acct-status');
    unlock.addEventListener('click', () => confirmInline(unlock, `确定解除 ${u.username} 的登录锁定？`, '确定解除', async () => {
      try {
        const r = await send('/api/gov/admin/unlock', 'POST', { username: u.username });
        ok(acctOut, r?.cleared ? `已解除 ${u.username} 的登录锁定。` : `${u.username} 当前未被锁定，已清除失败计数。`);
      } catch (err) {
        const e = describeError(err);
        if (e.status !== 401) showError(acctOut, e.message, e.hint);
      }
    }));
    totp.addEventListener('click', () => confirmInline(totp, `确定重置 ${u.username} 的动态口令？该账号的会话将结束，下次登录需重新绑定。`, '确定重置', async () => {
      try {
        await send(`/api/gov/admin/users/${encodeURIComponent(u.id)}/totp`, 'DELETE');
        ok(acctOut, `已重置 ${u.username} 的动态口令，其会话已结束。`);
      } catch (err) {
        const e = describeError(err);
        if (e.status !== 401) showError(acctOut, e.message, e.hint);
      }
    }));

    replace(detail,
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'roles-detail-title', tabindex: '-1' }, userLine(u))),
      u.id === me.id ? h('p', { class: 'notice notice-warn' }, '这是您本人的账号：不能修改自己的角色。') : null,
      rform,
      h('h3', { class: 'section-title sec-subtitle' }, '账号安全'),
      h('p', { class: 'actions' }, unlock, totp), acctOut);
    detail.querySelector('h2').focus();
  }
}

// ---------------------------------------------------------------- 兼职授权

let unitsCache = null;
async function loadUnits() {
  if (!unitsCache) {
    const res = await send('/api/gov/units', 'GET', null, { perPage: 500 });
    unitsCache = res?.items || [];
  }
  return unitsCache;
}

function grantState(g) {
  if (g.revoked) return ['已撤销', 'tag-muted'];
  if (g.active) return ['生效中', 'tag-ok'];
  const s = toDate(g.starts);
  if (s && s > new Date()) return ['未开始', 'tag-warn'];
  return ['已结束', 'tag-muted'];
}

export function renderAdminGrants(main) {
  // filters
  const fUser = userPicker('grants-f-user', '人员', { onPick: () => {} });
  const fUnit = selectField('grants-f-unit', '单位', [['', '全部单位']]);
  const fActive = selectField('grants-f-active', '状态', [['', '全部'], ['1', '生效中'], ['0', '未生效（已结束、已撤销或未开始）']]);
  const filterBtn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'grants-filter' }, '查询');
  const filters = h('form', { class: 'filters sec-filters', id: 'grants-filters', role: 'search', 'aria-label': '筛选授权', novalidate: true },
    h('div', { class: 'sec-span2' }, fUser.wrap), fUnit.wrap, fActive.wrap, h('div', { class: 'filters-actions' }, filterBtn));
  filters.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });

  const count = h('p', { class: 'card-count', id: 'grants-count', 'aria-live': 'polite' });
  const body = h('div', { id: 'grants-body' }, h('p', { role: 'status' }, '正在加载…'));
  const listOut = status('grants-list-status');

  // new grant
  const nUser = userPicker('grant-user', '人员', { required: true });
  const nUnit = selectField('grant-unit', '授权单位', [['', '请选择单位']], { required: true });
  const nRole = selectField('grant-role', '角色', [['', '请选择角色'], ...BUSINESS.map((r) => [r, roleName(r)])], { required: true });
  const nKind = selectField('grant-kind', '类型', Object.entries(GRANT_KINDS), { required: true });
  const nStarts = field('grant-starts', '开始日期', { type: 'date', required: false }, '不填则立即生效');
  nStarts.wrap.querySelector('.required')?.remove();
  const nEnds = field('grant-ends', '结束日期', { type: 'date' });
  const nNote = field('grant-note', '说明', { type: 'text', required: false, maxlength: 500, placeholder: '如 挂职文件文号' });
  nNote.wrap.querySelector('.required')?.remove();
  const nError = errorBox('grant-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'grant-submit' }, '新增授权');
  const nOut = status('grant-status');
  const all = [nUser, nUnit, nRole, nKind, nStarts, nEnds, nNote];
  const newForm = h('form', { id: 'grant-form', class: 'sec-grid', novalidate: true },
    nUser.wrap, nUnit.wrap, nRole.wrap, nKind.wrap, nStarts.wrap, nEnds.wrap, nNote.wrap,
    h('p', { class: 'field-help sec-wide' }, '三员角色不能通过兼职授权取得；不能给自己授权。授权到期自动失效。'),
    h('div', { class: 'sec-wide' }, nError, h('p', { class: 'actions' }, submit), nOut));
  newForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(all, nError);
    replace(nOut);
    let bad = null;
    for (const f of [nUser, nUnit, nRole, nEnds]) {
      if (!f.input.value) { fieldError(f, f === nUser ? '请查找并选择人员' : '不能为空'); bad = bad || f; }
    }
    if (bad) { bad.input.focus(); return; }
    busy(submit, true, '提交中…');
    try {
      const g = await send('/api/gov/admin/grants', 'POST', clean({
        user: nUser.input.value, unit: nUnit.input.value, role: nRole.input.value, kind: nKind.input.value,
        starts: nStarts.input.value, ends: nEnds.input.value, note: nNote.input.value.trim(),
      }));
      const who = g?.user_name || nUser.input.selectedOptions[0]?.textContent || '';
      const where = g?.unit_name || nUnit.input.selectedOptions[0]?.textContent || '';
      ok(nOut, `已新增授权：${who} 在 ${where} 担任${roleName(g?.role)}（${grantKindName(g?.kind)}）。`);
      load();
    } catch (err) {
      const e = describeError(err);
      if (e.status === 401) return;
      const first = applyFieldErrors(e, { user: nUser, unit: nUnit, role: nRole, kind: nKind, starts: nStarts, ends: nEnds, note: nNote });
      if (first) first.input.focus();
      else showError(nError, e.message, e.hint);
    } finally {
      busy(submit, false);
    }
  });

  replace(main,
    head('兼职授权', '兼职、挂职和代理：让账号在另一单位临时持有业务角色，到期自动失效。'),
    h('section', { class: 'card', 'aria-labelledby': 'grants-list-title' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'grants-list-title' }, '授权列表'), count),
      filters, listOut, body),
    h('section', { class: 'card', 'aria-labelledby': 'grant-new-title' },
      h('h2', { class: 'card-title', id: 'grant-new-title' }, '新增授权'), newForm));

  loadUnits().then((units) => {
    const opts = units.map((u) => h('option', { value: u.id }, u.name));
    fUnit.input.append(...opts.map((o) => o.cloneNode(true)));
    nUnit.input.append(...opts);
  }).catch((err) => {
    const e = describeError(err);
    if (e.status !== 401) fieldError(nUnit, e.message);
  });

  async function load() {
    body.setAttribute('aria-busy', 'true');
    try {
      const res = await send('/api/gov/admin/grants', 'GET', null, {
        user: fUser.input.value, unit: fUnit.input.value, active: fActive.input.value, perPage: 100, sort: '-created',
      });
      const items = res?.items || [];
      replace(count, `共 ${formatCount(res?.totalItems ?? items.length)} 条`);
      replace(body, items.length ? table(items)
        : h('p', { class: 'empty', id: 'grants-empty' }, '没有符合条件的授权。可在下方“新增授权”中为人员设置兼职、挂职或代理。'));
    } catch (err) {
      const e = describeError(err);
      if (e.status === 401) return;
      const box = errorBox('grants-error');
      showError(box, e.message, e.hint);
      replace(body, box);
    } finally {
      body.removeAttribute('aria-busy');
    }
  }

  function table(items) {
    return h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack sec-table', id: 'grants-rows' },
      h('caption', { class: 'sr-only' }, '授权列表'),
      h('thead', {}, h('tr', {}, ['人员', '单位', '角色', '类型', '期限', '状态', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, items.map((g) => {
        const [label, cls] = grantState(g);
        const cell = h('td', { 'data-label': '操作' });
        if (!g.revoked && label !== '已结束') {
          const b = h('button', { type: 'button', class: 'btn btn-danger btn-sm', id: `grant-revoke-${g.id}`, 'data-revoke': g.id }, '撤销');
          b.addEventListener('click', () => confirmInline(b, `确定撤销 ${g.user_name} 在 ${g.unit_name} 的${roleName(g.role)}授权？`, '确定撤销', async () => {
            try {
              await send(`/api/gov/admin/grants/${encodeURIComponent(g.id)}`, 'DELETE');
              ok(listOut, `已撤销 ${g.user_name} 在 ${g.unit_name} 的${roleName(g.role)}授权。`);
              await load();
            } catch (err) {
              const e = describeError(err);
              if (e.status !== 401) showError(listOut, e.message, e.hint);
            }
          }));
          cell.append(b);
        }
        return h('tr', { 'data-grant': g.id },
          h('td', { 'data-label': '人员' }, g.user_name || g.user),
          h('td', { 'data-label': '单位' }, g.unit_name || g.unit),
          h('td', { 'data-label': '角色' }, roleName(g.role)),
          h('td', { 'data-label': '类型' }, grantKindName(g.kind)),
          h('td', { 'data-label': '期限', class: 'nowrap' }, `${formatDate(g.starts) || '—'} 至 ${formatDate(g.ends) || '—'}`),
          h('td', { 'data-label': '状态' }, h('span', { class: `tag ${cls}` }, label)),
          cell);
      }))));
  }

  load();
}

// ---------------------------------------------------------------- 访问策略

// policyLine reads N from "第 N 行：…".
export function policyLine(message) {
  const m = /第\s*(\d+)\s*行/.exec(message || '');
  return m ? Number(m[1]) : 0;
}

export function renderAdminPolicy(main, me) {
  const csvError = h('p', { id: 'policy-csv-error', class: 'field-error', hidden: true });
  const csv = h('textarea', {
    id: 'policy-csv', class: 'input policy-editor', spellcheck: 'false', autocomplete: 'off', wrap: 'off',
    rows: 20, 'aria-describedby': 'policy-csv-help policy-csv-error',
  });
  const csvF = { input: csv, hint: csvError };
  const lineInfo = h('p', { class: 'field-help', id: 'policy-csv-help' }, '每行一条规则：p, 角色, 对象, 操作, 范围, 条件, 效果；或 g, 角色, 继承的角色。以 # 开头的行是注释。');
  csv.addEventListener('input', () => { csv.removeAttribute('aria-invalid'); });
  const note = field('policy-note', '修改说明', { type: 'text', maxlength: 500, placeholder: '如 允许收发员查看本系统通知' }, '保存时必填，记入版本历史和审计日志。');
  const result = status('policy-result');
  const validateBtn = h('button', { type: 'button', class: 'btn btn-secondary', id: 'policy-validate' }, '校验');
  const saveBtn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'policy-save' }, '保存');
  const builtinBtn = h('button', { type: 'button', class: 'btn btn-quiet', id: 'policy-builtin' }, '恢复内置策略');
  const reloadBtn = h('button', { type: 'button', class: 'btn btn-quiet', id: 'policy-reload' }, '放弃修改');
  const formError = errorBox('policy-error');
  const history = h('div', { id: 'policy-history' }, h('p', { role: 'status' }, '正在加载…'));
  let builtin = '';

  const form = h('form', { id: 'policy-form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'policy-csv', class: 'label' }, '策略文本'), csv, lineInfo, csvError),
    result, note.wrap, formError,
    h('p', { class: 'actions' }, validateBtn, saveBtn, builtinBtn, reloadBtn));

  replace(main,
    head('访问策略', '决定每个角色在各单位能看到和操作什么。保存前先校验；保存后立即生效，每个版本都会保留。'),
    h('section', { class: 'card', 'aria-labelledby': 'policy-edit-title' },
      h('h2', { class: 'card-title', id: 'policy-edit-title' }, '编辑策略'), form),
    h('section', { class: 'card', 'aria-labelledby': 'policy-history-title' },
      h('h2', { class: 'card-title', id: 'policy-history-title' }, '版本历史'), history));

  function clearAll() {
    clearErrors([csvF, note], formError);
    replace(result);
  }

  // showLine selects line n in the editor and scrolls it into view.
  function showLine(n) {
    const lines = csv.value.split('\n');
    if (n < 1 || n > lines.length) return;
    let start = 0;
    for (let i = 0; i < n - 1; i += 1) start += lines[i].length + 1;
    csv.focus();
    csv.setSelectionRange(start, start + lines[n - 1].length);
    const lh = parseFloat(getComputedStyle(csv).lineHeight) || 20;
    csv.scrollTop = Math.max(0, (n - 3) * lh);
    csv.dataset.line = String(n);
  }

  function showRefusal(e) {
    const msg = e.fields.csv || e.message;
    fieldError(csvF, msg);
    const n = policyLine(msg);
    if (n) {
      const text = csv.value.split('\n')[n - 1] ?? '';
      replace(result, h('div', { class: 'notice notice-bad', id: 'policy-bad' },
        h('p', {}, h('strong', {}, '校验未通过'), '：', msg),
        h('p', {}, h('code', { class: 'policy-line', id: 'policy-bad-line' }, text || '（空行）')),
        h('p', {}, h('button', { type: 'button', class: 'btn btn-link', id: 'policy-goto', onclick: () => showLine(n) }, `定位到第 ${n} 行`))));
      showLine(n);
    } else {
      csv.focus();
    }
  }

  validateBtn.addEventListener('click', async () => {
    clearAll();
    busy(validateBtn, true, '校验中…');
    try {
      await send('/api/gov/admin/policy/validate', 'POST', { csv: csv.value });
      replace(result, h('p', { class: 'notice notice-ok', id: 'policy-ok' }, '策略有效：可以保存。'));
    } catch (err) {
      const e = describeError(err);
      if (e.status === 401) return;
      if (e.status === 400) showRefusal(e);
      else showError(formError, e.message, e.hint);
    } finally {
      busy(validateBtn, false);
    }
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearAll();
    if (!note.input.value.trim()) {
      fieldError(note, '请填写修改说明');
      note.input.focus();
      return;
    }
    busy(saveBtn, true, '保存中…');
    try {
      const res = await send('/api/gov/admin/policy', 'PUT', { csv: csv.value, note: note.input.value.trim() });
      note.input.value = '';
      fill(res);
      replace(result, h('p', { class: 'notice notice-ok', id: 'policy-saved' }, '已保存，新策略已生效。'));
    } catch (err) {
      const e = describeError(err);
      if (e.status === 401) return;
      if (e.fields.note) { fieldError(note, e.fields.note); note.input.focus(); } else if (e.status === 400) showRefusal(e);
      else showError(formError, e.message, e.hint);
    } finally {
      busy(saveBtn, false);
    }
  });

  builtinBtn.addEventListener('click', () => {
    clearAll();
    csv.value = builtin;
    replace(result, h('p', { class: 'notice notice-warn', id: 'policy-builtin-loaded' },
      '已将内置策略载入编辑框，尚未生效。请检查后填写说明并点击“保存”。'));
    csv.focus();
  });
  reloadBtn.addEventListener('click', () => { clearAll(); load(); });

  function fill(res) {
    csv.value = res?.csv || '';
    builtin = res?.builtin || '';
    const versions = res?.versions || [];
    if (!versions.length) {
      replace(history, h('p', { class: 'empty', id: 'policy-history-empty' }, '尚无修改记录：当前使用内置策略。'));
      return;
    }
    replace(history, h('ol', { class: 'sec-history', id: 'policy-versions' }, versions.map((v, i) => h('li', {},
      h('p', { class: 'sec-item-title' }, v.note || '（无说明）', i === 0 ? h('span', { class: 'tag tag-ok' }, '当前') : null),
      h('p', { class: 'muted' }, `${formatDateTime(v.created)} · ${v.author === me.id ? `${me.name}（本人）` : `账号 ${v.author}`}`)))));
  }

  async function load() {
    try {
      fill(await send('/api/gov/admin/policy'));
    } catch (err) {
      const e = describeError(err);
      if (e.status === 401) return;
      showError(formError, e.message, e.hint);
      replace(history);
    }
  }
  load();
}

// ---------------------------------------------------------------- 安全设置

const NUMBERS = [
  ['lockout_attempts', '连续登录失败锁定次数', '3–10 次', 3, 10],
  ['lockout_minutes', '锁定时长（分钟）', '5–1440 分钟', 5, 1440],
  ['password_min_length', '密码最短长度', '8–64 个字符', 8, 64],
  ['password_classes', '密码字符类别数', '大写、小写、数字、符号中至少几类，0–4', 0, 4],
  ['password_max_age_days', '密码有效期（天）', '0 表示不过期，最长 365 天', 0, 365],
  ['idle_minutes', '空闲超时（分钟）', '5–120 分钟无操作后会话结束', 5, 120],
  ['absolute_hours', '会话最长时长（小时）', '1–24 小时', 1, 24],
  ['logins_per_second_per_ip', '单个地址每秒登录次数上限', '10–10000，可信地址不受限', 10, 10000],
];

const RETENTION = [
  ['audit', '审计日志', '至少 180 天'],
  ['sessions', '会话记录', ''],
  ['raw_mail', '原始邮件', ''],
  ['personal_uploads', '未被引用的上传文件', ''],
];

// Case scopes and the levels a reviewer must hold the role at to publish them.
const REVIEW_SCOPES = [['unit', '本单位'], ['subtree', '本单位及下级'], ['system', '本系统'], ['all', '全省政府']];
const LEVEL_OPTIONS = [['province', '省级'], ['city', '市级及以上'], ['county', '县级及以上'], ['township', '任何级别']];

// Upload types whose size limit a secadmin sets (hooks/files detects them by content).
const FILE_TYPES = ['pdf', 'ofd', 'docx', 'xlsx', 'pptx', 'wps', 'jpg', 'png', 'txt', 'zip'];

export function renderAdminSecurity(main) {
  const fields = {};
  const groups = [];
  const num = (id, label, help, min, max) => {
    const f = field(id, label, { type: 'number', inputmode: 'numeric', step: 1, min, max }, help);
    return f;
  };
  for (const [key, label, help, min, max] of NUMBERS) {
    fields[key] = num(`sec-${key}`, label, help, min, max);
  }
  const ret = {};
  for (const [key, label, help] of RETENTION) {
    ret[key] = num(`sec-retention-${key}`, `${label}（天）`, help || '1–36500 天', key === 'audit' ? 180 : 1, 36500);
  }
  const lim = {};
  for (const typ of FILE_TYPES) {
    lim[typ] = num(`sec-file-${typ}`, `${typ.toUpperCase()}（MB）`, '1–1024 MB', 1, 1024);
  }
  const rev = {};
  for (const [scope, label] of REVIEW_SCOPES) {
    rev[scope] = selectField(`sec-review-${scope}`, `${label}案例`, LEVEL_OPTIONS);
  }
  const totpError = h('p', { id: 'sec-totp_roles-error', class: 'field-error', hidden: true });
  const totpSet = h('fieldset', { class: 'sec-fieldset', id: 'sec-totp_roles', 'aria-describedby': 'sec-totp_roles-error' },
    h('legend', { class: 'label' }, '必须使用动态口令的角色'),
    h('div', { class: 'sec-checks' }, Object.entries(ROLES).map(([code, name]) => h('label', { class: 'check sec-check', for: `sec-totp-${code}` },
      h('input', { type: 'checkbox', class: 'checkbox', id: `sec-totp-${code}`, value: code }), h('span', {}, name)))),
    totpError);
  const totpF = { input: totpSet, hint: totpError };
  const ipsError = h('p', { id: 'sec-trusted_ips-error', class: 'field-error', hidden: true });
  const ips = h('textarea', { id: 'sec-trusted_ips', class: 'input sec-ips', rows: 4, spellcheck: 'false', 'aria-describedby': 'sec-trusted_ips-help sec-trusted_ips-error' });
  const ipsF = { input: ips, hint: ipsError };
  const ipsWrap = h('div', { class: 'field' },
    h('label', { for: 'sec-trusted_ips', class: 'label' }, '可信地址'),
    h('p', { class: 'field-help', id: 'sec-trusted_ips-help' }, '每行一个 CIDR，如 10.0.0.0/8；这些地址不受登录频率限制。'),
    ips, ipsError);

  const formError = errorBox('sec-error');
  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'sec-save' }, '保存设置');
  const out = status('sec-status');
  const allF = [...Object.values(fields), ...Object.values(ret), ...Object.values(lim), ...Object.values(rev), totpF, ipsF];
  groups.push(
    h('fieldset', { class: 'sec-group' }, h('legend', { class: 'section-title' }, '登录锁定与频率'),
      h('div', { class: 'sec-grid' }, fields.lockout_attempts.wrap, fields.lockout_minutes.wrap, fields.logins_per_second_per_ip.wrap), ipsWrap),
    h('fieldset', { class: 'sec-group' }, h('legend', { class: 'section-title' }, '密码'),
      h('div', { class: 'sec-grid' }, fields.password_min_length.wrap, fields.password_classes.wrap, fields.password_max_age_days.wrap)),
    h('fieldset', { class: 'sec-group' }, h('legend', { class: 'section-title' }, '会话与动态口令'),
      h('div', { class: 'sec-grid' }, fields.idle_minutes.wrap, fields.absolute_hours.wrap), totpSet),
    h('fieldset', { class: 'sec-group' }, h('legend', { class: 'section-title' }, '数据保存期限'),
      h('div', { class: 'sec-grid' }, Object.values(ret).map((f) => f.wrap))),
    h('fieldset', { class: 'sec-group' }, h('legend', { class: 'section-title' }, '案例发布审核级别'),
      h('p', { class: 'field-help' }, '发布到各范围的经验案例，须由作者所在单位链上、不低于此级别的审核员审核通过。'),
      h('div', { class: 'sec-grid' }, Object.values(rev).map((f) => f.wrap))),
    h('fieldset', { class: 'sec-group' }, h('legend', { class: 'section-title' }, '上传文件大小上限'),
      h('div', { class: 'sec-grid' }, Object.values(lim).map((f) => f.wrap))));
  const form = h('form', { id: 'sec-form', novalidate: true }, groups, formError, h('p', { class: 'actions' }, save), out);

  replace(main,
    head('安全设置', '登录锁定、密码、会话、动态口令、数据保存期限、案例审核级别和上传大小上限。保存后立即生效，并记入审计日志。'),
    h('section', { class: 'card', 'aria-label': '安全设置' }, h('div', { id: 'sec-body' }, h('p', { role: 'status' }, '正在加载…'))));
  const bodyEl = main.querySelector('#sec-body');

  function fill(s) {
    for (const [key] of NUMBERS) fields[key].input.value = s?.[key] ?? '';
    for (const [key] of RETENTION) ret[key].input.value = s?.retention_days?.[key] ?? '';
    for (const typ of FILE_TYPES) lim[typ].input.value = s?.file_max_mb?.[typ] ?? '';
    for (const [scope] of REVIEW_SCOPES) rev[scope].input.value = s?.case_review_levels?.[scope] ?? 'province';
    const roles = new Set(s?.totp_roles || []);
    for (const c of totpSet.querySelectorAll('input')) c.checked = roles.has(c.value);
    ips.value = (s?.trusted_ips || []).join('\n');
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(allF, formError);
    totpSet.removeAttribute('aria-invalid');
    replace(out);
    const body = { retention_days: {}, file_max_mb: {}, case_review_levels: {} };
    for (const [scope] of REVIEW_SCOPES) body.case_review_levels[scope] = rev[scope].input.value;
    let bad = null;
    for (const [key] of NUMBERS) {
      const v = fields[key].input.value.trim();
      if (!/^-?\d+$/.test(v)) { fieldError(fields[key], '请输入整数'); bad = bad || fields[key]; } else body[key] = Number(v);
    }
    for (const [key] of RETENTION) {
      const v = ret[key].input.value.trim();
      if (!/^-?\d+$/.test(v)) { fieldError(ret[key], '请输入整数'); bad = bad || ret[key]; } else body.retention_days[key] = Number(v);
    }
    for (const typ of FILE_TYPES) {
      const v = lim[typ].input.value.trim();
      if (!/^-?\d+$/.test(v)) { fieldError(lim[typ], '请输入整数'); bad = bad || lim[typ]; } else body.file_max_mb[typ] = Number(v);
    }
    if (bad) { bad.input.focus(); return; }
    body.totp_roles = [...totpSet.querySelectorAll('input:checked')].map((c) => c.value);
    body.trusted_ips = ips.value.split('\n').map((s) => s.trim()).filter(Boolean);
    busy(save, true, '保存中…');
    try {
      fill(await send('/api/gov/admin/security', 'PUT', body));
      ok(out, '已保存，新设置已生效。');
    } catch (err) {
      const e = describeError(err);
      if (e.status === 401) return;
      const map = { ...fields, totp_roles: totpF, trusted_ips: ipsF };
      for (const [key, label] of NUMBERS) {
        if (e.fields[key]?.startsWith(`${key} `)) e.fields[key] = label + e.fields[key].slice(key.length);
      }
      let first = applyFieldErrors(e, map);
      if (!first && e.fields.retention_days) {
        const msg = e.fields.retention_days;
        const cls = RETENTION.find(([k]) => msg.startsWith(`${k} `))?.[0] || 'audit';
        const label = RETENTION.find(([k]) => k === cls)[1];
        first = ret[cls];
        fieldError(first, msg.startsWith(`${cls} `) ? `${label}${msg.slice(cls.length + 1)}` : msg);
      }
      if (!first && e.fields.case_review_levels) {
        first = rev.all;
        fieldError(first, e.fields.case_review_levels);
      }
      if (!first && e.fields.file_max_mb) {
        const msg = e.fields.file_max_mb;
        first = lim[FILE_TYPES.find((t) => msg.startsWith(`${t} `)) || 'pdf'];
        fieldError(first, msg);
      }
      if (first) {
        if (first === totpF) { totpSet.setAttribute('aria-invalid', 'true'); totpSet.querySelector('input')?.focus(); } else first.input.focus();
      } else {
        showError(formError, e.message, e.hint);
      }
    } finally {
      busy(save, false);
    }
  });

  send('/api/gov/admin/security').then((s) => {
    fill(s);
    replace(bodyEl, form);
  }).catch((err) => {
    const e = describeError(err);
    if (e.status === 401) return;
    const box = errorBox('sec-load-error');
    showError(box, e.message, e.hint);
    replace(bodyEl, box);
  });
}

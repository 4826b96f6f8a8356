// 安全审计 (#/admin/audit, auditor only): filter the audit log, page
// through it, open a row's before/after, check the hash chain, export.

import { describeError, downloadAudit, listAudit, verifyAudit } from '../api.js';
import { h, replace } from '../dom.js';
import { busy, errorBox, showError } from '../form.js';
import { formatCount, formatDateTime } from '../labels.js';

const PER_PAGE = 20;

const RESULTS = { ok: '成功', success: '成功', failed: '失败', failure: '失败', denied: '拒绝', error: '错误' };

const ACTIONS = {
  'auth.login': '登录',
  'auth.logout': '退出',
  'auth.lockout': '账号锁定',
  'auth.unlock': '账号解锁',
  'auth.password_change': '修改密码',
  'auth.totp': '动态口令验证',
  'auth.totp_enrol': '绑定动态口令',
  'auth.session_end': '结束会话',
};

const resultName = (r) => RESULTS[r] || r || '';
const actionName = (a) => ACTIONS[a] || '';

// rangeStart/rangeEnd turn the date inputs (Asia/Shanghai days) into RFC 3339.
const rangeStart = (d) => (d ? `${d}T00:00:00+08:00` : '');
const rangeEnd = (d) => (d ? `${d}T23:59:59+08:00` : '');

export function renderAudit(main, me, params) {
  const state = {
    page: Math.max(1, Number(params?.get('page')) || 1),
    from: params?.get('from') || '',
    to: params?.get('to') || '',
    action: params?.get('action') || '',
    result: params?.get('result') || '',
    q: params?.get('q') || '',
  };

  const from = input('audit-from', '开始日期', { type: 'date', value: state.from });
  const to = input('audit-to', '结束日期', { type: 'date', value: state.to });
  const action = input('audit-action', '操作类型', {
    type: 'text', value: state.action, list: 'audit-actions', placeholder: '如 auth.login', autocomplete: 'off',
  });
  const result = h('select', { id: 'audit-result', name: 'result', class: 'input' },
    [['', '全部'], ['ok', '成功'], ['failed', '失败'], ['denied', '拒绝']].map(([v, t]) =>
      h('option', { value: v, selected: v === state.result }, t)));
  const q = input('audit-q', '关键词', { type: 'search', value: state.q, placeholder: '用户、对象或说明' });
  const filterError = errorBox('audit-filter-error');
  const form = h('form', { class: 'filters', id: 'audit-filters', role: 'search', 'aria-label': '筛选审计日志', novalidate: true },
    from.wrap, to.wrap, action.wrap,
    h('div', { class: 'field' }, h('label', { for: 'audit-result', class: 'label' }, '结果'), result),
    q.wrap,
    h('datalist', { id: 'audit-actions' }, Object.entries(ACTIONS).map(([v, t]) => h('option', { value: v }, t))),
    h('div', { class: 'filters-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'audit-search' }, '查询'),
      h('button', { type: 'button', class: 'btn btn-quiet', id: 'audit-reset', onclick: reset }, '重置')),
    filterError);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    replace(filterError);
    if (from.input.value && to.input.value && from.input.value > to.input.value) {
      showError(filterError, '开始日期不能晚于结束日期。');
      from.input.focus();
      return;
    }
    readFilters();
    state.page = 1;
    load(true);
  });

  const count = h('p', { class: 'card-count', id: 'audit-count', tabindex: '-1', 'aria-live': 'polite' });
  const body = h('div', { id: 'audit-body' }, h('p', { role: 'status' }, '正在加载…'));
  const pager = h('nav', { class: 'pager', id: 'audit-pager', 'aria-label': '翻页' });

  const verifyOut = h('div', { id: 'audit-verify', role: 'status', 'aria-live': 'polite' });
  const verifyBtn = h('button', { type: 'button', class: 'btn btn-secondary', id: 'audit-verify-btn' }, '校验日志完整性');
  verifyBtn.addEventListener('click', async () => {
    busy(verifyBtn, true, '正在校验…');
    replace(verifyOut);
    try {
      const r = await verifyAudit();
      const checked = formatCount(r?.checked);
      if (r?.ok) {
        replace(verifyOut, h('p', { class: 'notice notice-ok' },
          `日志完整：已校验 ${checked} 条记录，哈希链连续，未发现篡改或删除。`));
      } else {
        replace(verifyOut, h('div', { class: 'notice notice-bad' },
          h('p', {}, h('strong', {}, '校验未通过'), `：已校验 ${checked} 条记录，哈希链在下列记录处断开，其后的记录可能被篡改或删除。`),
          h('p', {}, '第一条异常记录：', h('code', { id: 'audit-first-broken' }, String(r?.firstBroken ?? '未知'))),
          h('p', { class: 'notice-hint' }, '请保留现场并按安全事件处置流程报告。')));
      }
    } catch (err) {
      const e = describeError(err);
      if (e.status !== 401) showError(verifyOut, e.message, e.hint);
    } finally {
      busy(verifyBtn, false);
    }
  });

  const exportOut = h('div', { id: 'audit-export', role: 'status', 'aria-live': 'polite' });
  const exportBtn = (format, label) => {
    const b = h('button', { type: 'button', class: 'btn btn-secondary', id: `audit-export-${format}` }, label);
    b.addEventListener('click', async () => {
      busy(b, true, '正在导出…');
      replace(exportOut);
      try {
        readFilters();
        const f = await downloadAudit(format, apiFilters());
        replace(exportOut, h('p', { class: 'muted' }, `已导出 ${f.name}（${formatCount(Math.ceil(f.size / 1024))} KB）。`));
      } catch (err) {
        const e = describeError(err);
        if (e.status !== 401) showError(exportOut, e.message, e.hint);
      } finally {
        busy(b, false);
      }
    });
    return b;
  };

  replace(main,
    h('div', { class: 'page-head' },
      h('h1', { class: 'page-title', tabindex: '-1' }, '安全审计'),
      h('p', { class: 'page-sub' }, '系统的登录、授权和数据变更记录。日志按哈希链保存，只能查看、核验和导出，不能修改。')),
    h('section', { class: 'card', 'aria-label': '筛选条件' }, form),
    h('section', { class: 'card', 'aria-labelledby': 'audit-list-title' },
      h('div', { class: 'card-head' },
        h('h2', { class: 'card-title', id: 'audit-list-title' }, '审计日志'), count),
      h('div', { class: 'actions audit-tools' },
        verifyBtn, exportBtn('csv', '导出 CSV'), exportBtn('json', '导出 JSON')),
      verifyOut, exportOut, body, pager));

  function readFilters() {
    state.from = from.input.value;
    state.to = to.input.value;
    state.action = action.input.value.trim();
    state.result = result.value;
    state.q = q.input.value.trim();
  }

  function apiFilters() {
    return {
      from: rangeStart(state.from), to: rangeEnd(state.to),
      action: state.action, result: state.result, q: state.q,
    };
  }

  function reset() {
    for (const f of [from, to, action, q]) f.input.value = '';
    result.value = '';
    replace(filterError);
    readFilters();
    state.page = 1;
    load(true);
  }

  async function load(moveFocus) {
    body.setAttribute('aria-busy', 'true');
    try {
      const res = await listAudit({ page: state.page, perPage: PER_PAGE, ...apiFilters() });
      const items = Array.isArray(res?.items) ? res.items : [];
      const total = res?.totalItems ?? items.length;
      replace(count, `共 ${formatCount(total)} 条${res?.totalCapped ? '以上' : ''}`);
      if (items.length === 0) {
        replace(body, h('p', { class: 'empty', id: 'audit-empty' }, '没有符合条件的审计记录。请放宽日期范围或清除筛选条件后再查询。'));
      } else {
        replace(body, table(items));
      }
      renderPager(res?.page || state.page, res?.totalPages || 1);
    } catch (err) {
      const e = describeError(err);
      if (e.status === 401) return;
      replace(count);
      const box = errorBox('audit-error');
      showError(box, e.message, e.hint);
      replace(body, box);
      replace(pager);
      if (e.fields.from) showError(filterError, e.fields.from);
      else if (e.fields.to) showError(filterError, e.fields.to);
    } finally {
      body.removeAttribute('aria-busy');
    }
    if (moveFocus) count.focus({ preventScroll: true });
  }

  function renderPager(page, pages) {
    if (pages <= 1) {
      replace(pager);
      return;
    }
    const go = (p) => () => { state.page = p; load(true); };
    replace(pager,
      h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id: 'audit-prev', disabled: page <= 1, onclick: go(page - 1) }, '上一页'),
      h('span', { class: 'pager-info', id: 'audit-page' }, `第 ${formatCount(page)} / ${formatCount(pages)} 页`),
      h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id: 'audit-next', disabled: page >= pages, onclick: go(page + 1) }, '下一页'));
  }

  load(false);
}

function input(id, label, attrs) {
  const el = h('input', { id, name: id.replace(/^audit-/, ''), class: 'input', ...attrs });
  return { input: el, wrap: h('div', { class: 'field' }, h('label', { for: id, class: 'label' }, label), el) };
}

function table(items) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'table table-stack audit-table', id: 'audit-rows' },
      h('caption', { class: 'sr-only' }, '审计日志记录'),
      h('thead', {}, h('tr', {},
        ['时间', '用户', '单位', 'IP 地址', '操作', '对象', '结果'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, items.map(row))));
}

function text(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') {
    return v.name || v.title || v.username || v.id || JSON.stringify(v);
  }
  return String(v);
}

// pretty shows a before/after value as indented JSON when it is JSON.
function pretty(v) {
  if (v === null || v === undefined || v === '') return '';
  if (typeof v === 'object') return JSON.stringify(v, null, 2);
  try {
    const parsed = JSON.parse(v);
    if (parsed && typeof parsed === 'object') return JSON.stringify(parsed, null, 2);
  } catch { /* plain text */ }
  return String(v);
}

function row(r) {
  const when = formatDateTime(r.time || r.created) || '—';
  const user = text(r.actor_name) || text(r.actor) || '—';
  const unit = text(r.unit_name) || text(r.unit) || '—';
  const act = text(r.action);
  const res = text(r.result);
  const before = pretty(r.before);
  const after = pretty(r.after);
  const detail = text(r.detail);
  const more = before || after || detail
    ? h('details', { class: 'audit-more' },
      h('summary', {}, '详情'),
      detail ? h('p', { class: 'audit-detail' }, detail) : null,
      before ? h('div', {}, h('p', { class: 'label' }, '变更前'), h('pre', { class: 'audit-pre' }, before)) : null,
      after ? h('div', {}, h('p', { class: 'label' }, '变更后'), h('pre', { class: 'audit-pre' }, after)) : null)
    : null;
  const resCls = res === 'ok' || res === 'success' ? 'tag tag-ok' : res ? 'tag tag-bad' : 'tag';
  // Each cell holds one block, so the phone's stacked layout keeps a label
  // and its value on one line.
  const cell = (label, cls, ...children) => h('td', { class: cls, 'data-label': label }, h('div', {}, ...children));
  return h('tr', { 'data-id': r.id || '', 'data-seq': r.seq ?? '' },
    cell('时间', 'nowrap', when,
      r.seq !== undefined && r.seq !== null ? h('span', { class: 'muted seq' }, ` #${r.seq}`) : null),
    cell('用户', '', user,
      r.actor_name && r.actor && typeof r.actor === 'string' ? h('span', { class: 'muted sub' }, r.actor) : null),
    cell('单位', '', unit),
    cell('IP 地址', 'nowrap', text(r.ip) || '—'),
    cell('操作', '', actionName(act) || act || '—',
      actionName(act) ? h('span', { class: 'muted sub' }, act) : null),
    cell('对象', '', h('span', { class: 'break' }, text(r.object) || '—'), more),
    cell('结果', 'nowrap', res ? h('span', { class: resCls }, resultName(res)) : '—'));
}

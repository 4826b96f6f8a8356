// 培训学习: 培训课程 (#/training/courses and #/training/{id}, in
// training_courses.js), 我的培训 (#/training/me: this year's hours against what the
// rules ask, per category, the ledger, and filing an external
// certificate) and 达标统计 (#/training/compliance?unit=…: for leaders and
// hr, their units' standing with a chart, drill-down, who is behind, the
// reminder and the XLSX/CSV export).

import { describeError, downloadFile, uploadFile } from '../api.js';
import { h, replace } from '../dom.js';
import { busy, errorBox, fieldError, showError } from '../form.js';
import { ROLES, formatCount, formatDate } from '../labels.js';
import { allRoles, href } from '../modules.js';
import { failure, loading, pageHead, send } from './cases.js';
import { bar } from './notices_receipts.js';
import { renderCatalog, renderCourse } from './training_courses.js';
import { cell, cellOf, renderCourseEdit, renderQuizEdit, rowsField } from './training_edit.js';
import { filesList } from './cases_view.js';

export const CATEGORIES = ['政治理论', '党性教育', '业务知识', '法律法规', '信息技术', '综合素质'];
const SOURCES = { course: '课程', external: '外部证书', manual: '导入' };
const CREDIT_STATUS = { approved: ['已认定', 'tag-ok'], pending: ['待审核', 'tag-warn'], rejected: ['未认定', 'tag-bad'], revoked: ['已撤销', 'tag-muted'] };

// isHR: the 组织人事 role reviews certificates and sets the requirements.
const isHR = (me) => allRoles(me).has('hr');

// mayOversee: leaders and hr see their units' standing.
export const mayOversee = (me) => {
  const roles = allRoles(me);
  return roles.has('leader') || roles.has('hr');
};

const hours = (n) => `${Math.round((Number(n) || 0) * 10) / 10}`;

// renderTraining draws the page #/training/<sub> names and returns its title.
export function renderTraining(main, me, sub, params) {
  if (sub === 'compliance' && mayOversee(me)) return renderCompliance(main, me, params);
  if (sub === 'review' && isHR(me)) return renderReview(main, me);
  const parts = (sub || '').split('/');
  if (parts.length === 2 && parts[0] === 'certificate') return renderCompletion(main, parts[1]);
  if (sub === 'courses') return renderCatalog(main, me, tabs(me, 'courses'));
  if (sub === 'new') return renderCourseEdit(main, me, '');
  if (parts.length === 2 && parts[1] === 'edit') return renderCourseEdit(main, me, parts[0]);
  if (parts.length === 2 && parts[1] === 'quiz') return renderQuizEdit(main, parts[0]);
  if (sub && parts.length === 1 && !['me', 'compliance', 'review'].includes(sub)) return renderCourse(main, me, sub);
  return renderMine(main, me);
}

// renderCompletion is the printable certificate of completion (结业证书)
// of one approved credit.
function renderCompletion(main, id) {
  const root = h('div', { id: 'trn-completion-page' }, loading('正在加载证书…'));
  replace(main, h('p', { class: 'case-back trn-ui-only' }, h('a', { href: href('training/me'), id: 'trn-completion-back' }, '‹ 返回我的培训')), root);
  (async () => {
    let c;
    try {
      c = await send(`/api/gov/training/credits/${encodeURIComponent(id)}`);
    } catch (err) {
      if (root.isConnected) failure(root, err, 'trn-completion-error');
      return;
    }
    if (!root.isConnected) return;
    if (c.status !== 'approved') {
      replace(root, h('section', { class: 'card' }, h('p', { id: 'trn-completion-none' }, '该学时尚未认定，暂无结业证书。')));
      return;
    }
    replace(root,
      h('article', { class: 'card trn-completion', id: 'trn-completion' },
        h('h1', { class: 'trn-completion-title', tabindex: '-1' }, '结 业 证 书'),
        h('p', { class: 'trn-completion-body' },
          h('strong', { id: 'trn-completion-name' }, c.user_name), ` 同志于 ${formatDate(c.earned_at)} 完成`,
          h('strong', { id: 'trn-completion-course' }, `“${c.title}”`), `（${c.category}）学习，`,
          '计 ', h('strong', { id: 'trn-completion-hours' }, hours(c.hours)), ' 学时，特发此证。'),
        h('p', { class: 'trn-completion-issuer' }, c.issuer || ''),
        h('p', { class: 'trn-completion-serial muted' }, `证书编号：${c.serial}`)),
      h('div', { class: 'form-actions trn-ui-only' },
        h('button', { type: 'button', class: 'btn btn-primary', id: 'trn-completion-print', onclick: () => window.print() }, '打印证书')));
  })();
  return '结业证书';
}

function tabs(me, current) {
  return h('nav', { class: 'case-tabs', 'aria-label': '培训', id: 'trn-tabs' },
    h('a', { class: 'case-tab', href: href('training/me'), id: 'trn-tab-me', 'aria-current': current === 'me' ? 'page' : null }, '我的培训'),
    h('a', { class: 'case-tab', href: href('training/courses'), id: 'trn-tab-courses', 'aria-current': current === 'courses' ? 'page' : null }, '培训课程'),
    mayOversee(me) ? h('a', { class: 'case-tab', href: href('training/compliance'), id: 'trn-tab-compliance',
      'aria-current': current === 'compliance' ? 'page' : null }, '达标统计') : null,
    isHR(me) ? h('a', { class: 'case-tab', href: href('training/review'), id: 'trn-tab-review',
      'aria-current': current === 'review' ? 'page' : null }, '学时认定') : null);
}

// ---------------------------------------------------------------- mine

function renderMine(main, me) {
  const root = h('div', { id: 'trn-me' }, loading('正在加载学时…'));
  replace(main, pageHead('培训学习', '本年度学时完成情况和个人培训台账。'), tabs(me, 'me'), root);
  (async () => {
    let year;
    let ledger;
    try {
      [year, ledger] = await Promise.all([send('/api/gov/training/me'), send('/api/gov/training/ledger', 'GET', null, { perPage: 100 })]);
    } catch (err) {
      if (root.isConnected) failure(root, err, 'trn-me-error');
      return;
    }
    if (!root.isConnected) return;
    const need = year.need || { hours: 0, by_category: {} };
    const progress = (label, have, want, key) => h('li', { class: 'ntc-bar-row trn-progress', 'data-key': key },
      h('span', { class: 'ntc-bar-name' }, label),
      h('span', { class: 'ntc-bar-bars', role: 'img', 'aria-label': `${label}：${hours(have)} / ${hours(want)} 学时` },
        bar(want > 0 ? (have / want) * 100 : 100, have >= want ? 'ntc-bar-read' : 'ntc-bar-confirm')),
      h('span', { class: 'ntc-bar-figs' }, h('span', {}, `${hours(have)} / ${hours(want)}`)));
    const cats = Object.keys(need.by_category || {});
    const summary = h('section', { class: 'card', id: 'trn-year', 'aria-labelledby': 'trn-year-title' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'trn-year-title' }, `${year.year} 年度学时`),
        h('span', { class: `tag ${year.met ? 'tag-ok' : 'tag-warn'}`, id: 'trn-met' }, year.met ? '已达标' : `未达标 · 距年底 ${year.weeks_left} 周`)),
      h('p', { class: 'trn-hours' }, '已完成 ', h('strong', { id: 'trn-hours' }, hours(year.hours)), ' 学时，年度要求 ',
        h('strong', { id: 'trn-need' }, hours(need.hours)), ' 学时。'),
      h('ul', { class: 'ntc-bars', id: 'trn-bars' }, progress('总学时', year.hours, need.hours, 'total'),
        cats.map((c) => progress(c, year.by_category?.[c] || 0, need.by_category[c], c))));
    const items = ledger?.items || [];
    const table = h('section', { class: 'card', id: 'trn-ledger', 'aria-labelledby': 'trn-ledger-title' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'trn-ledger-title' }, '培训台账'),
        h('span', { class: 'card-count' }, `${formatCount(ledger?.totalItems ?? items.length)} 条`)),
      items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'trn-ledger-table' },
        h('thead', {}, h('tr', {}, ['名称', '类别', '来源', '学时', '状态', '日期'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, items.map((r) => h('tr', { 'data-credit': r.id },
          h('td', { 'data-label': '名称' }, r.title),
          h('td', { 'data-label': '类别' }, r.category),
          h('td', { 'data-label': '来源' }, SOURCES[r.source] || r.source),
          h('td', { class: 'num', 'data-label': '学时' }, hours(r.hours)),
          h('td', { 'data-label': '状态' }, h('span', { class: `tag ${CREDIT_STATUS[r.status]?.[1] || ''}` }, CREDIT_STATUS[r.status]?.[0] || r.status)),
          h('td', { 'data-label': '日期' }, formatDate(r.earned_at),
            r.status === 'approved' ? [' ', h('a', { href: href(`training/certificate/${r.id}`), class: 'trn-cert-link' }, '结业证书')] : null))))))
        : h('p', { class: 'empty', id: 'trn-ledger-empty' }, '本年度还没有学时记录。'));
    replace(root, summary, table, certificateForm());
  })();
  return '培训学习';
}

// certificateForm files an external certificate with its scan.
function certificateForm() {
  const error = errorBox('trn-cert-error');
  const done = h('p', { class: 'muted', id: 'trn-cert-done', role: 'status' });
  const field = (id, label, el) => h('div', { class: 'field' }, h('label', { for: id, class: 'label' }, label), el);
  const title = h('input', { id: 'trn-cert-title', class: 'input', maxlength: 200, required: true });
  const issuer = h('input', { id: 'trn-cert-issuer', class: 'input', maxlength: 200, required: true });
  const hrs = h('input', { id: 'trn-cert-hours', class: 'input', type: 'number', min: '0.5', max: '200', step: '0.5', required: true });
  const cat = h('select', { id: 'trn-cert-category', class: 'input' }, CATEGORIES.map((c) => h('option', { value: c }, c)));
  const file = h('input', { id: 'trn-cert-file', class: 'input', type: 'file', accept: '.pdf,.jpg,.jpeg,.png,.ofd' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'trn-cert-submit' }, '提交审核');
  const form = h('form', { id: 'trn-cert-form', novalidate: true },
    field('trn-cert-title', '培训名称', title), field('trn-cert-issuer', '发证机构', issuer),
    field('trn-cert-hours', '学时', hrs), field('trn-cert-category', '类别', cat),
    field('trn-cert-file', '证书扫描件', file), error, h('div', { class: 'form-actions' }, submit), done);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    replace(error);
    if (!file.files?.length) {
      showError(error, '请选择证书扫描件');
      return;
    }
    submit.disabled = true;
    try {
      const up = await uploadFile(file.files[0]);
      await send('/api/gov/training/certificates', 'POST', {
        title: title.value.trim(), issuer: issuer.value.trim(), hours: Number(hrs.value), category: cat.value, files: [up.id],
      });
      form.reset();
      done.textContent = '已提交，等待组织人事部门审核。';
    } catch (err) {
      const e = describeError(err);
      showError(error, e.message, e.hint);
    } finally {
      submit.disabled = false;
    }
  });
  return h('section', { class: 'card', id: 'trn-cert', 'aria-labelledby': 'trn-cert-title-h' },
    h('h2', { class: 'card-title', id: 'trn-cert-title-h' }, '申报外部培训学时'),
    h('p', { class: 'muted' }, '参加上级或外单位组织的培训，可上传结业证书申报学时，经组织人事部门审核后计入台账。'), form);
}

// ---------------------------------------------------------------- compliance

function renderCompliance(main, me, params) {
  const unit = params.get('unit') || '';
  const route = (u) => href('training/compliance', u ? { unit: u } : null);
  const root = h('div', { id: 'trn-compliance' }, loading('正在统计…'));
  replace(main, pageHead('培训学习', '各单位本年度学时达标情况。点单位名称查看其下级单位。'), tabs(me, 'compliance'), root);
  (async () => {
    let c;
    try {
      c = await send('/api/gov/training/compliance', 'GET', null, { unit });
    } catch (err) {
      if (root.isConnected) failure(root, err, 'trn-compliance-error');
      return;
    }
    if (!root.isConnected) return;
    const pct = (r) => `${Math.round((r.rate || 0) * 1000) / 10}%`;
    const name = (r) => h('a', { href: route(r.unit), class: 'trn-drill', 'data-drill': r.unit }, r.name);
    const t = c.total;
    const summary = h('dl', { class: 'ntc-rc-summary', id: 'trn-summary' },
      [['人数', formatCount(t.people), 'people'], ['达标', formatCount(t.met), 'met'], ['未达标', formatCount(t.behind), 'behind'],
        ['达标率', pct(t), 'rate'], ['距年底', `${c.weeks_left} 周`, 'weeks']].map(([label, value, key]) =>
        h('div', { class: 'ntc-stat', 'data-stat': key }, h('dt', {}, label), h('dd', {}, h('span', { class: 'ntc-stat-value', id: `trn-${key}` }, value)))));
    const rows = [...(c.own.people ? [{ ...c.own, name: `${c.own.name}（本级）`, own: true }] : []), ...c.children];
    const chart = h('section', { class: 'card', id: 'trn-chart', 'aria-labelledby': 'trn-chart-title' },
      h('h2', { class: 'card-title', id: 'trn-chart-title' }, `${t.name} · 各单位达标率`),
      rows.length ? h('ul', { class: 'ntc-bars', id: 'trn-unit-bars' }, rows.map((r) => h('li', { class: 'ntc-bar-row', 'data-unit': r.unit },
        h('span', { class: 'ntc-bar-name' }, r.own ? r.name : name(r)),
        h('span', { class: 'ntc-bar-bars', role: 'img', 'aria-label': `${r.name}：达标 ${r.met}/${r.people}（${pct(r)}）` }, bar((r.rate || 0) * 100, 'ntc-bar-read')),
        h('span', { class: 'ntc-bar-figs' }, h('span', {}, pct(r))))))
        : h('p', { class: 'empty' }, '暂无人员。'));
    const cats = Object.entries(c.by_category || {});
    const maxCat = Math.max(1, ...cats.map(([, v]) => v));
    const byCat = h('section', { class: 'card', id: 'trn-cats', 'aria-labelledby': 'trn-cats-title' },
      h('h2', { class: 'card-title', id: 'trn-cats-title' }, '各类别学时'),
      cats.length ? h('ul', { class: 'ntc-bars' }, cats.map(([k, v]) => h('li', { class: 'ntc-bar-row', 'data-category': k },
        h('span', { class: 'ntc-bar-name' }, k),
        h('span', { class: 'ntc-bar-bars', role: 'img', 'aria-label': `${k}：${hours(v)} 学时` }, bar((v / maxCat) * 100, 'ntc-bar-confirm')),
        h('span', { class: 'ntc-bar-figs' }, h('span', {}, hours(v))))))
        : h('p', { class: 'empty' }, '暂无学时。'));
    const table = h('section', { class: 'card', id: 'trn-table-card' },
      h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'trn-table' },
        h('thead', {}, h('tr', {}, ['单位', '人数', '达标', '未达标', '达标率', '总学时'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, rows.map((r) => h('tr', { 'data-unit': r.unit },
          h('td', { 'data-label': '单位' }, r.own ? r.name : name(r)),
          h('td', { class: 'num', 'data-label': '人数' }, formatCount(r.people)),
          h('td', { class: 'num', 'data-label': '达标' }, formatCount(r.met)),
          h('td', { class: 'num', 'data-label': '未达标' }, formatCount(r.behind)),
          h('td', { class: 'num', 'data-label': '达标率' }, pct(r)),
          h('td', { class: 'num', 'data-label': '总学时' }, hours(r.hours))))))));
    replace(root, unit ? h('p', { class: 'case-back' }, h('a', { href: route(''), id: 'trn-top' }, '‹ 回到本单位')) : null,
      summary, chart, byCat, table, behindCard(t.unit), actions(t.unit));
  })();
  return '达标统计';
}

// behindCard lists who is behind, fewest hours first.
function behindCard(unit) {
  const list = h('div', { id: 'trn-behind' }, loading('正在加载名单…'));
  (async () => {
    try {
      const res = await send('/api/gov/training/compliance/people', 'GET', null, { unit, met: 'false', perPage: 50 });
      const items = res?.items || [];
      replace(list, items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'trn-behind-table' },
        h('thead', {}, h('tr', {}, ['姓名', '单位', '学时', '要求', '尚差'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, items.map((p) => h('tr', { 'data-user': p.user },
          h('td', { 'data-label': '姓名' }, p.name), h('td', { 'data-label': '单位' }, p.unit_name),
          h('td', { class: 'num', 'data-label': '学时' }, hours(p.hours)), h('td', { class: 'num', 'data-label': '要求' }, hours(p.required)),
          h('td', { class: 'num', 'data-label': '尚差' }, hours(p.short)))))))
        : h('p', { class: 'empty', id: 'trn-behind-empty' }, '全部达标。'));
    } catch (err) {
      failure(list, err, 'trn-behind-error');
    }
  })();
  return h('section', { class: 'card', id: 'trn-behind-card', 'aria-labelledby': 'trn-behind-title' },
    h('h2', { class: 'card-title', id: 'trn-behind-title' }, '未达标人员（学时最少的在前）'), list);
}

// actions: remind those behind, export the rollup and the people.
function actions(unit) {
  const error = errorBox('trn-actions-error');
  const status = h('p', { class: 'muted', id: 'trn-actions-status', role: 'status' });
  const run = async (ev, f) => {
    const btn = ev.currentTarget;
    btn.disabled = true;
    replace(error);
    try {
      await f();
    } catch (err) {
      const e = describeError(err);
      showError(error, e.message, e.hint);
    } finally {
      btn.disabled = false;
    }
  };
  const q = new URLSearchParams(unit ? { unit } : {});
  return h('section', { class: 'card', id: 'trn-actions' },
    h('div', { class: 'form-actions' },
      h('button', { type: 'button', class: 'btn btn-primary', id: 'trn-remind', onclick: (ev) => run(ev, async () => {
        const r = await send('/api/gov/training/compliance/remind', 'POST', null, { unit });
        status.textContent = `已提醒 ${formatCount(r.reminded)} 人（距年底 ${r.weeks_left} 周）。`;
      }) }, '提醒未达标人员'),
      h('button', { type: 'button', class: 'btn btn-secondary', id: 'trn-xlsx', onclick: (ev) => run(ev, () =>
        downloadFile(`/api/gov/training/compliance/export?${q}&format=xlsx`, '学时达标情况.xlsx')) }, '导出 Excel'),
      h('button', { type: 'button', class: 'btn btn-secondary', id: 'trn-csv', onclick: (ev) => run(ev, () =>
        downloadFile(`/api/gov/training/compliance/export?${q}&format=csv`, '学时达标情况.csv')) }, '导出 CSV')),
    error, status);
}

// ---------------------------------------------------------------- review (hr)

// renderReview is hr's 学时认定: external certificates waiting for a
// decision, and the year's requirements by role, rank and category.
function renderReview(main, me) {
  replace(main, pageHead('培训学习', '审核外部培训证书，设置年度学时要求。'), tabs(me, 'review'), pendingCard(), requirementsCard());
  return '学时认定';
}

function pendingCard() {
  const list = h('div', { id: 'trn-pending' }, loading('正在加载待审核证书…'));
  const load = async () => {
    let res;
    try {
      res = await send('/api/gov/training/ledger', 'GET', null, { source: 'external', status: 'pending', perPage: 50, sort: 'earned_at' });
    } catch (err) {
      failure(list, err, 'trn-pending-error');
      return;
    }
    const items = res?.items || [];
    replace(list, items.length ? h('ul', { class: 'trn-sheets', id: 'trn-pending-list' }, items.map((r) => pendingItem(r, load)))
      : h('p', { class: 'empty', id: 'trn-pending-empty' }, '没有待审核的证书。'));
  };
  load();
  return h('section', { class: 'card', id: 'trn-pending-card', 'aria-labelledby': 'trn-pending-title' },
    h('h2', { class: 'card-title', id: 'trn-pending-title' }, '待审核的外部培训证书'), list);
}

// pendingItem is one certificate: who, what, how many hours; 审核 opens
// the issuer and the scans with 认定 and 不予认定 (a reason required).
function pendingItem(r, reload) {
  const slot = h('div', { class: 'trn-review-slot' });
  const open = h('button', { type: 'button', class: 'btn btn-secondary btn-sm trn-review-open' }, '审核');
  open.addEventListener('click', async () => {
    busy(open, true, '正在打开…');
    let c;
    try {
      c = await send(`/api/gov/training/credits/${encodeURIComponent(r.id)}`);
    } catch (err) {
      busy(open, false);
      failure(slot, err, `trn-review-error-${r.id}`);
      return;
    }
    open.remove();
    const error = errorBox(`trn-decide-error-${r.id}`);
    const note = h('input', { type: 'text', class: 'input trn-review-note', maxlength: 500, placeholder: '不予认定时须填写原因' });
    const decide = async (btn, verdict) => {
      replace(error);
      busy(btn, true, '正在提交…');
      try {
        await send(`/api/gov/training/certificates/${encodeURIComponent(r.id)}/${verdict}`, 'POST', { note: note.value.trim() });
        await reload();
      } catch (err) {
        busy(btn, false);
        const e = describeError(err);
        showError(error, e.fields.note || e.message, e.hint);
      }
    };
    replace(slot,
      h('p', {}, `发证机构：${c.issuer || '—'}`),
      filesList(c.files || [], `trn-review-files-${r.id}`),
      cellOf('审核意见', note),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn btn-primary btn-sm trn-approve', onclick: (ev) => decide(ev.currentTarget, 'approve') }, '认定学时'),
        h('button', { type: 'button', class: 'btn btn-danger btn-sm trn-reject', onclick: (ev) => decide(ev.currentTarget, 'reject') }, '不予认定')),
      error);
    note.focus();
  });
  return h('li', { class: 'trn-sheet trn-pending-item', 'data-credit': r.id },
    h('p', {}, h('strong', {}, r.user_name), ` · ${r.unit_name} · `, h('span', { class: 'trn-pending-title' }, `“${r.title}”`),
      ` · ${r.category} · ${hours(r.hours)} 学时 · 申报于 ${formatDate(r.earned_at)} `, open),
    slot);
}

// requirementsCard edits the year's rules: most specific wins (rank and
// role > rank > role > neither), a row without category is the total.
function requirementsCard() {
  const body = h('div', { id: 'trn-req' }, loading('正在加载学时要求…'));
  (async () => {
    let req;
    try {
      req = await send('/api/gov/training/requirements');
    } catch (err) {
      failure(body, err, 'trn-req-load-error');
      return;
    }
    const roleOpts = { '': '不限角色', ...Object.fromEntries(['staff', 'leader', 'clerk', 'reviewer', 'trainer', 'hr'].map((r) => [r, ROLES[r]])) };
    const select = (opts, value) => h('select', { class: 'input' }, Object.entries(opts).map(([k, l]) => h('option', { value: k, selected: k === (value || '') }, l)));
    const rows = rowsField('trn-req-rows', `${req.year} 年度学时要求`, '添加一条要求', (r) => ({
      role: cellOf('角色', select(roleOpts, r.role)),
      rank: cell('职级', { type: 'text', maxlength: 50, placeholder: '不填为不限', class: 'input trn-req-rank' }, r.rank || ''),
      category: cellOf('类别', select({ '': '总学时', ...Object.fromEntries(CATEGORIES.map((c) => [c, c])) }, r.category)),
      hours: cell('学时', { type: 'number', min: 0, max: 1000, step: 0.5, inputmode: 'decimal', class: 'input trn-req-hours' }, r.hours ?? ''),
    }), req.rows || [], '每人适用最具体的一条：同时指定职级和角色的优先，其次职级，再次角色，最后不限；同样具体的取最高值。类别为空的是全年总学时。');
    const error = errorBox('trn-req-error');
    const done = h('p', { class: 'muted', id: 'trn-req-done', role: 'status' });
    const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'trn-req-save' }, '保存要求');
    const form = h('form', { id: 'trn-req-form', novalidate: true }, rows.wrap, error, h('div', { class: 'form-actions' }, save), done);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      replace(error);
      done.textContent = '';
      rows.hint.hidden = true;
      rows.input.removeAttribute('aria-invalid');
      const values = rows.values().map((r) => ({ ...r, hours: r.hours === '' ? -1 : Number(r.hours) }));
      busy(save, true, '正在保存…');
      try {
        await send('/api/gov/training/requirements', 'PUT', { year: req.year, rows: values });
        busy(save, false);
        rows.rowError({}, 'rows');
        done.textContent = '已保存，每人的达标情况已按新要求重新计算。';
      } catch (err) {
        busy(save, false);
        const e = describeError(err);
        const placed = rows.rowError(e.fields, 'rows');
        if (placed) fieldError(rows, '请按各行下的提示修改。');
        showError(error, placed ? '未保存，请按提示修改。' : e.message, placed ? '' : e.hint);
      }
    });
    replace(body, form);
  })();
  return h('section', { class: 'card', id: 'trn-req-card', 'aria-label': '年度学时要求' }, body);
}

// 回执 (#/notices/{id}/receipts[?unit=]): the read and confirm rates per
// unit as a bar chart (SVG built with DOM calls: no inline styles), then
// the table with drill-down into units that have units below, the people
// who have not read or not confirmed (paged), and the XLSX/CSV export.

import { describeError, downloadFile } from '../api.js';
import { h, replace } from '../dom.js';
import { busy, errorBox, showError } from '../form.js';
import { formatCount, formatDateTime, levelName } from '../labels.js';
import { href } from '../modules.js';
import { failure, loading, pageHead, send } from './cases.js';
import { noticePath } from './notices.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const PEOPLE_PER_PAGE = 20;

const pct = (n, total) => (total > 0 ? Math.round((n / total) * 1000) / 10 : 0);
const pctText = (n, total) => `${pct(n, total)}%`;

export function renderNoticeReceipts(main, me, id, params) {
  const unit = params.get('unit') || '';
  const route = (u) => href(`notices/${id}/receipts`, u ? { unit: u } : null);
  const back = h('p', { class: 'case-back' }, h('a', { href: href(`notices/${id}`) }, '‹ 返回通知'));
  const root = h('div', { class: 'ntc-receipts', id: 'ntc-receipts' }, loading('正在统计回执…'));
  const head = pageHead('阅读回执', '各单位的阅读和确认情况。点单位名称查看其下级单位。');
  head.querySelector('h1').id = 'ntc-rc-title';
  replace(main, back, head, root);

  (async () => {
    let n;
    let r;
    try {
      [n, r] = await Promise.all([send(noticePath(id)), send(`${noticePath(id)}/receipts`, 'GET', null, { unit })]);
    } catch (err) {
      if (root.isConnected) failure(root, err, 'ntc-rc-error');
      return;
    }
    if (!root.isConnected) return;
    head.querySelector('.page-sub').textContent = `《${n.title}》 · ${r.scope === 'led' ? '您负责单位的' : ''}阅读和确认情况。点有下级的单位查看其下级。`;
    draw(n, r);
  })();
  return '阅读回执';

  function draw(n, r) {
    const confirm = !!r.must_confirm;
    const units = r.units || [];
    const where = r.at?.name || '';
    const nav = h('p', { class: 'ntc-rc-nav', id: 'ntc-rc-nav' },
      where ? h('span', {}, '当前：', h('strong', {}, where)) : null,
      unit ? [' ', h('a', { href: route(r.parent || ''), id: 'ntc-rc-up' }, '‹ 返回上一级')] : null,
      unit && r.parent ? [' ', h('a', { href: route(''), id: 'ntc-rc-top' }, '回到全部')] : null);

    const summary = h('dl', { class: 'ntc-rc-summary', id: 'ntc-rc-summary' },
      stat('应收', formatCount(r.total), 'total'),
      stat('已读', `${formatCount(r.read)}`, 'read', pctText(r.read, r.total)),
      confirm ? stat('已确认', `${formatCount(r.confirmed)}`, 'confirmed', pctText(r.confirmed, r.total)) : null,
      stat('未读', formatCount(r.total - r.read), 'unread'),
      confirm ? stat('未确认', formatCount(r.total - r.confirmed), 'unconfirmed') : null);

    const chart = h('section', { class: 'card', id: 'ntc-rc-chart', 'aria-labelledby': 'ntc-rc-chart-title' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'ntc-rc-chart-title' }, '各单位阅读和确认率'),
        h('span', { class: 'ntc-legend-row', 'aria-hidden': 'true' },
          h('span', { class: 'ntc-key ntc-key-read' }), '阅读率',
          confirm ? [h('span', { class: 'ntc-key ntc-key-confirm' }), '确认率'] : null)),
      units.length ? h('ul', { class: 'ntc-bars', id: 'ntc-rc-bars' }, units.map((u) => barRow(u, confirm)))
        : h('p', { class: 'empty' }, '暂无回执。'));

    const table = h('section', { class: 'card', id: 'ntc-rc-table-card', 'aria-labelledby': 'ntc-rc-table-title' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'ntc-rc-table-title' }, '分单位统计'),
        h('span', { class: 'card-count' }, `${formatCount(units.length)} 个单位`)),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack ntc-rc-table', id: 'ntc-rc-table' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, '单位'), h('th', { scope: 'col', class: 'num' }, '应收'),
          h('th', { scope: 'col', class: 'num' }, '已读'), h('th', { scope: 'col', class: 'num' }, '阅读率'),
          confirm ? [h('th', { scope: 'col', class: 'num' }, '已确认'), h('th', { scope: 'col', class: 'num' }, '确认率')] : null)),
        h('tbody', {}, units.map((u) => h('tr', { 'data-unit': u.unit },
          h('td', { 'data-label': '单位' }, unitName(u), h('span', { class: 'muted ntc-unit-level' }, ` ${levelName(u.level)}`)),
          h('td', { class: 'num', 'data-label': '应收' }, formatCount(u.total)),
          h('td', { class: 'num', 'data-label': '已读' }, formatCount(u.read)),
          h('td', { class: 'num', 'data-label': '阅读率' }, pctText(u.read, u.total)),
          confirm ? [h('td', { class: 'num', 'data-label': '已确认' }, formatCount(u.confirmed)),
            h('td', { class: 'num', 'data-label': '确认率' }, pctText(u.confirmed, u.total))] : null))))));

    replace(root, nav, summary, chart, table, peopleCard(confirm, r.at?.unit || unit), exportCard(r.at?.unit || unit));
  }

  // unitName is a drill-down link when the unit has units below.
  function unitName(u) {
    return u.children ? h('a', { href: route(u.unit), class: 'ntc-drill', 'data-drill': u.unit }, u.name) : h('span', {}, u.name);
  }

  function barRow(u, confirm) {
    const label = `${u.name}：阅读 ${formatCount(u.read)}/${formatCount(u.total)}（${pctText(u.read, u.total)}）`
      + (confirm ? `，确认 ${formatCount(u.confirmed)}/${formatCount(u.total)}（${pctText(u.confirmed, u.total)}）` : '');
    return h('li', { class: 'ntc-bar-row', 'data-unit': u.unit },
      h('span', { class: 'ntc-bar-name' }, unitName(u)),
      h('span', { class: 'ntc-bar-bars', role: 'img', 'aria-label': label },
        bar(pct(u.read, u.total), 'ntc-bar-read'),
        confirm ? bar(pct(u.confirmed, u.total), 'ntc-bar-confirm') : null),
      h('span', { class: 'ntc-bar-figs', 'aria-hidden': 'true' },
        h('span', {}, pctText(u.read, u.total)), confirm ? h('span', {}, pctText(u.confirmed, u.total)) : null));
  }

  function peopleCard(confirm, at) {
    const status = h('select', { id: 'ntc-rc-status', class: 'input' },
      h('option', { value: 'unread' }, '未读'),
      confirm ? h('option', { value: 'unconfirmed', selected: true }, '未确认') : null,
      h('option', { value: 'read' }, '已读'),
      confirm ? h('option', { value: 'confirmed' }, '已确认') : null);
    const count = h('span', { class: 'card-count', id: 'ntc-rc-people-count', 'aria-live': 'polite' });
    const list = h('div', { id: 'ntc-rc-people' }, loading('正在加载名单…'));
    const pager = h('nav', { class: 'pager', id: 'ntc-rc-pager', 'aria-label': '名单翻页' });
    let page = 1;
    const load = async () => {
      replace(list, loading('正在加载名单…'));
      try {
        const res = await send(`${noticePath(id)}/receipts/people`, 'GET', null,
          { unit: at, status: status.value, page, perPage: PEOPLE_PER_PAGE });
        const items = res?.items || [];
        replace(count, `共 ${formatCount(res?.totalItems ?? items.length)} 人`);
        replace(list, items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'ntc-rc-people-table' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '姓名'), h('th', { scope: 'col' }, '单位'),
            h('th', { scope: 'col' }, '阅读时间'), confirm ? h('th', { scope: 'col' }, '确认时间') : null, h('th', { scope: 'col' }, '回复'))),
          h('tbody', {}, items.map((p) => h('tr', { 'data-user': p.user },
            h('td', { 'data-label': '姓名' }, p.name),
            h('td', { 'data-label': '单位' }, p.unit_name),
            h('td', { 'data-label': '阅读' }, p.read_at ? formatDateTime(p.read_at) : h('span', { class: 'tag tag-muted' }, '未读')),
            confirm ? h('td', { 'data-label': '确认' }, p.confirmed_at
              ? [formatDateTime(p.confirmed_at), p.late ? h('span', { class: 'tag tag-bad' }, '逾期') : null]
              : h('span', { class: 'tag tag-warn' }, '未确认')) : null,
            h('td', { 'data-label': '回复' }, p.reply || '—'))))))
          : h('p', { class: 'empty', id: 'ntc-rc-people-empty' }, '没有符合条件的人员。'));
        const pages = res?.totalPages || 1;
        if (pages <= 1) replace(pager);
        else {
          replace(pager,
            h('button', { type: 'button', class: 'btn btn-secondary btn-sm', disabled: page <= 1, onclick: () => { page -= 1; load(); } }, '上一页'),
            h('span', { class: 'pager-info' }, `第 ${formatCount(page)} / ${formatCount(pages)} 页`),
            h('button', { type: 'button', class: 'btn btn-secondary btn-sm', disabled: page >= pages, onclick: () => { page += 1; load(); } }, '下一页'));
        }
      } catch (err) {
        failure(list, err, 'ntc-rc-people-error');
      }
    };
    status.addEventListener('change', () => { page = 1; load(); });
    load();
    return h('section', { class: 'card', id: 'ntc-rc-people-card', 'aria-labelledby': 'ntc-rc-people-title' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'ntc-rc-people-title' }, '人员名单'), count),
      h('div', { class: 'field ntc-rc-filter' }, h('label', { for: 'ntc-rc-status', class: 'label' }, '状态'), status),
      list, pager);
  }

  function exportCard(at) {
    const error = errorBox('ntc-rc-export-error');
    const run = async (ev, format) => {
      const b = ev.currentTarget;
      replace(error);
      busy(b, true, '正在导出…');
      try {
        const q = new URLSearchParams({ format });
        if (at) q.set('unit', at);
        await downloadFile(`${noticePath(id)}/receipts/export?${q}`, `通知回执.${format}`);
      } catch (err) {
        const e = describeError(err);
        if (e.status !== 401) showError(error, e.message, e.hint);
      } finally {
        busy(b, false);
      }
    };
    return h('section', { class: 'card', id: 'ntc-rc-export', 'aria-labelledby': 'ntc-rc-export-title' },
      h('h2', { class: 'card-title case-card-title', id: 'ntc-rc-export-title' }, '导出'),
      h('p', { class: 'field-help' }, '导出当前单位范围内每个人的阅读、确认时间和回复。'),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn btn-primary', id: 'ntc-rc-xlsx', onclick: (ev) => run(ev, 'xlsx') }, '导出 Excel'),
        h('button', { type: 'button', class: 'btn btn-secondary', id: 'ntc-rc-csv', onclick: (ev) => run(ev, 'csv') }, '导出 CSV')),
      error);
  }
}

function stat(label, value, key, sub) {
  return h('div', { class: 'ntc-stat', 'data-stat': key },
    h('dt', {}, label), h('dd', {}, h('span', { class: 'ntc-stat-value', id: `ntc-rc-${key}` }, value),
      sub ? h('span', { class: 'ntc-stat-sub' }, sub) : null));
}

// bar is a horizontal bar of value % drawn with SVG attributes.
export function bar(value, cls) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', `ntc-bar ${cls}`);
  svg.setAttribute('viewBox', '0 0 100 10');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const track = document.createElementNS(SVG_NS, 'rect');
  track.setAttribute('class', 'ntc-bar-track');
  track.setAttribute('width', '100');
  track.setAttribute('height', '10');
  const fill = document.createElementNS(SVG_NS, 'rect');
  fill.setAttribute('class', 'ntc-bar-fill');
  fill.setAttribute('width', String(Math.max(0, Math.min(100, value))));
  fill.setAttribute('height', '10');
  svg.append(track, fill);
  return svg;
}

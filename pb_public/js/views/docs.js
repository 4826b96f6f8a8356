// 公文办理: the boxes (#/docs 待办 with counts and overdue marks,
// #/docs/done 已办, #/docs/sent 我起草的, #/docs/all 全部) with search and
// filters; the shared words (types, statuses, urgency); and the entry that
// routes #/docs/new, #/docs/{id}, #/docs/{id}/edit and #/docs/{id}/print.
// #/inbound (收文登记) and #/workflows (流程模板) are routed from app.js.

import { h, replace } from '../dom.js';
import { formatCount, formatDate, formatDateTime } from '../labels.js';
import { allRoles, href } from '../modules.js';
import { failure, loading, pageHead, send } from './cases.js';
import { renderDocEdit } from './docs_edit.js';
import { renderDocPrint } from './docs_print.js';
import { renderDocView } from './docs_view.js';

// ---------------------------------------------------------------- shared

export const DRAFT_TYPES = ['发文', '签报', '请示', '函', '纪要'];
export const ALL_TYPES = ['发文', '收文', '签报', '请示', '函', '纪要'];
export const URGENCIES = ['平件', '加急', '特急'];
export const CLASSIFICATIONS = ['内部', '公开'];

export const docPath = (id) => `/api/gov/docs/${encodeURIComponent(id)}`;

export const DOC_STATUS = {
  draft: ['草稿', 'tag-muted'],
  review: ['办理中', 'tag-level'],
  returned: ['已退回', 'tag-warn'],
  signed: ['已签发', 'tag-ok'],
  dispatched: ['已印发', 'tag-ok'],
  archived: ['已归档', 'tag-muted'],
  closed: ['已办结', 'tag-muted'],
  voided: ['已作废', 'tag-bad'],
};
export const docStatusName = (s) => DOC_STATUS[s]?.[0] || s || '';
export const docStatusTag = (s, id) => h('span', { class: `tag ${DOC_STATUS[s]?.[1] || 'tag-muted'} doc-status`, id, 'data-status': s }, docStatusName(s));

// urgencyTag: red for 特急, amber for 加急, nothing for 平件.
export function docUrgencyTag(u) {
  if (u === '特急') return h('span', { class: 'tag tag-bad doc-urgency', 'data-urgency': u }, u);
  if (u === '加急') return h('span', { class: 'tag tag-warn doc-urgency', 'data-urgency': u }, u);
  return null;
}

export const isClerk = (me) => allRoles(me).has('clerk');
// mayDraft: everyone but the three administrators (三员) drafts.
export const mayDraft = (me) => [...allRoles(me)].some((r) => !['sysadmin', 'secadmin', 'auditor'].includes(r));

// shortDate shows 11月23日 14:05.
export function shortDate(value) {
  const s = formatDateTime(value);
  if (!s) return '';
  const [d, t] = s.split(' ');
  const [, m, day] = d.split('-');
  return `${Number(m)}月${Number(day)}日 ${t}`;
}

// hoursText shows time spent as 35 分钟 / 5.5 小时 / 2.3 天.
export function hoursText(hours) {
  const x = Number(hours || 0);
  if (x < 1) return `${Math.max(0, Math.round(x * 60))} 分钟`;
  if (x < 48) return `${Math.round(x * 10) / 10} 小时`;
  return `${Math.round((x / 24) * 10) / 10} 天`;
}

// docsNav links the 公文办理 pages a user has (boxes, 收文登记, 流程模板).
export function docsNav(me, current) {
  const links = [['docs', '公文箱', 'docs']];
  if (isClerk(me)) links.push(['inbound', '收文登记', 'inbound']);
  links.push(['workflows', '流程模板', 'workflows']);
  if (isClerk(me)) links.push(['mailboxes', '收文邮箱', 'mailboxes']);
  return h('nav', { class: 'doc-nav', 'aria-label': '公文办理', id: 'doc-nav' },
    links.map(([id, label, route]) => h('a', {
      class: 'doc-nav-link', href: href(route), id: `doc-nav-${id}`, 'aria-current': id === current ? 'page' : null,
    }, label)));
}

// ---------------------------------------------------------------- routing

const BOXES = [
  ['pending', '待办', 'docs'],
  ['done', '已办', 'docs/done'],
  ['sent', '我起草的', 'docs/sent'],
  ['all', '全部', 'docs/all'],
];

// renderDocs draws the page #/docs/<sub> names and returns its title.
export function renderDocs(main, me, sub, params) {
  const parts = (sub || '').split('/');
  if (!sub || sub === 'done' || sub === 'sent' || sub === 'all') return renderBoxes(main, me, sub || 'pending', params);
  if (sub === 'new') return renderDocEdit(main, me, null);
  if (parts.length === 2 && parts[1] === 'edit') return renderDocEdit(main, me, parts[0]);
  if (parts.length === 2 && parts[1] === 'print') return renderDocPrint(main, me, parts[0], params);
  if (parts.length === 1) return renderDocView(main, me, parts[0]);
  replace(main, pageHead('页面不存在'), h('section', { class: 'card' },
    h('p', {}, '您访问的页面不存在，可能是链接有误。'), h('p', {}, h('a', { href: href('docs') }, '返回公文办理'))));
  return '页面不存在';
}

// ---------------------------------------------------------------- boxes

const PER_PAGE = 20;

function renderBoxes(main, me, box, params) {
  const st = {
    q: (params.get('q') || '').trim(), type: params.get('type') || '', status: params.get('status') || '',
    page: Math.max(1, Number(params.get('page')) || 1),
  };
  const route = BOXES.find((b) => b[0] === box)[2];
  const go = (change) => {
    const next = { ...st, ...change };
    const p = {};
    for (const k of ['q', 'type', 'status']) if (next[k]) p[k] = next[k];
    if (next.page > 1) p.page = next.page;
    window.location.hash = href(route, Object.keys(p).length ? p : null);
  };

  const badges = {};
  const tabs = h('nav', { class: 'case-tabs doc-tabs', 'aria-label': '公文箱', id: 'doc-tabs' },
    BOXES.map(([b, label, r]) => {
      badges[b] = h('span', { class: 'doc-tab-count', id: `doc-count-${b}`, hidden: true });
      return h('a', { class: 'case-tab', href: href(r), id: `doc-tab-${b}`, 'aria-current': b === box ? 'page' : null }, label, badges[b]);
    }));

  const ctl = (id, label, el) => h('div', { class: 'field' }, h('label', { for: id, class: 'label' }, label), el);
  const q = h('input', {
    id: 'doc-q', name: 'q', type: 'search', class: 'input', value: st.q, autocomplete: 'off',
    enterkeyhint: 'search', placeholder: '标题或文号', maxlength: 100,
  });
  const type = h('select', { id: 'doc-type', name: 'type', class: 'input' },
    h('option', { value: '' }, '全部类型'), ALL_TYPES.map((t) => h('option', { value: t, selected: t === st.type }, t)));
  const status = h('select', { id: 'doc-status', name: 'status', class: 'input' },
    h('option', { value: '' }, '全部状态'),
    Object.entries(DOC_STATUS).map(([k, [label]]) => h('option', { value: k, selected: k === st.status }, label)));
  const form = h('form', { class: 'filters doc-filters', id: 'doc-filters', role: 'search', 'aria-label': '查找公文', novalidate: true },
    h('div', { class: 'doc-q' }, ctl('doc-q', '搜索公文', q)),
    ctl('doc-type', '类型', type), ctl('doc-status', '状态', status),
    h('div', { class: 'filters-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'doc-search' }, '搜索')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    go({ q: q.value.trim(), type: type.value, status: status.value, page: 1 });
  });
  type.addEventListener('change', () => form.requestSubmit());
  status.addEventListener('change', () => form.requestSubmit());

  const count = h('p', { class: 'card-count', id: 'doc-count', 'aria-live': 'polite' });
  const overdueNote = h('p', { class: 'notice notice-bad doc-overdue-note', id: 'doc-overdue', hidden: true });
  const list = h('div', { id: 'doc-results' }, loading('正在加载公文…'));
  const pager = h('nav', { class: 'pager', id: 'doc-pager', 'aria-label': '翻页' });
  const compose = mayDraft(me) ? h('a', { class: 'btn btn-primary', href: href('docs/new'), id: 'doc-new' }, '新建公文') : null;
  const title = BOXES.find((b) => b[0] === box)[1];

  replace(main,
    pageHead('公文办理', '发文、收文、签报、请示、函和纪要的电子审批。', h('div', { class: 'actions case-head-actions' }, compose)),
    docsNav(me, 'docs'),
    tabs,
    h('section', { class: 'card', 'aria-labelledby': 'doc-list-title' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'doc-list-title' }, title), count),
      overdueNote, form, list, pager));

  (async () => {
    try {
      const c = await send('/api/gov/docs/counts');
      for (const [b] of BOXES) {
        const n = Number(c?.[b] ?? 0);
        if (b === 'all' || !n) continue;
        badges[b].textContent = n > 99 ? '99+' : String(n);
        badges[b].hidden = false;
        badges[b].setAttribute('aria-label', `${formatCount(n)} 件`);
      }
      if (c?.overdue > 0) {
        badges.pending.classList.add('doc-tab-count-bad');
        if (box === 'pending') {
          overdueNote.textContent = `有 ${formatCount(c.overdue)} 件待办已超过办理时限，请尽快处理。`;
          overdueNote.hidden = false;
        }
      }
    } catch { /* the counts stay hidden; a 401 is handled by the shell */ }
  })();

  (async () => {
    try {
      const res = await send('/api/gov/docs', 'GET', null,
        { box, page: st.page, perPage: PER_PAGE, q: st.q, type: st.type, status: st.status });
      const items = res?.items || [];
      replace(count, `共 ${formatCount(res?.totalItems ?? items.length)} 件`);
      if (!items.length) replace(list, emptyState(box, st, compose));
      else replace(list, h('ul', { class: 'doc-list', id: 'doc-list' }, items.map((d) => docRow(d, box))));
      renderPager(res?.page || st.page, res?.totalPages || 1);
    } catch (err) {
      failure(list, err, 'doc-error');
    }
  })();

  function renderPager(page, pages) {
    if (pages <= 1) { replace(pager); return; }
    replace(pager,
      h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id: 'doc-prev', disabled: page <= 1, onclick: () => go({ page: page - 1 }) }, '上一页'),
      h('span', { class: 'pager-info', id: 'doc-page' }, `第 ${formatCount(page)} / ${formatCount(pages)} 页`),
      h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id: 'doc-next', disabled: page >= pages, onclick: () => go({ page: page + 1 }) }, '下一页'));
  }
  return box === 'pending' ? '公文办理' : title;
}

function emptyState(box, st, compose) {
  let text;
  if (st.q) text = `没有找到与“${st.q}”相关的公文。请换个关键词再试。`;
  else if (st.type || st.status) text = '没有符合筛选条件的公文。';
  else if (box === 'pending') text = '没有待办公文。需要您审核、会签或签发的公文会显示在这里。';
  else if (box === 'done') text = '您还没有办理过公文。';
  else if (box === 'sent') text = '您还没有起草过公文。';
  else text = '暂无公文。';
  return h('div', { class: 'empty case-empty', id: 'doc-empty' }, h('p', {}, text),
    box === 'sent' && compose && !st.q ? h('p', {}, h('a', { href: href('docs/new') }, '新建公文')) : null);
}

function docRow(d, box) {
  const when = box === 'pending' && d.my_deadline ? `办理时限 ${shortDate(d.my_deadline)}` : formatDate(d.updated);
  return h('li', { class: 'doc-item', 'data-doc': d.id, 'data-overdue': d.overdue ? 'true' : 'false' },
    h('div', { class: 'doc-item-head' },
      h('span', { class: 'tag tag-level doc-type' }, d.type),
      docUrgencyTag(d.urgency),
      h('a', { class: 'doc-item-title', href: href(`docs/${d.id}`) }, d.title)),
    h('p', { class: 'case-meta doc-meta' },
      [d.number, d.unit_name, d.drafter_name, d.status === 'review' && d.step_name ? `当前：${d.step_name}` : '', when]
        .filter(Boolean).join(' · ')),
    h('div', { class: 'tags doc-tags' }, docStatusTag(d.status),
      d.overdue ? h('span', { class: 'tag tag-bad doc-overdue-tag' }, '已超时') : null));
}

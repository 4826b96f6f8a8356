// 通知公告: the inbox (#/notices 收件箱, #/notices/pending 待确认,
// #/notices/sent 我发布的, #/notices/all 全部) with search, unread marks,
// urgency and must-confirm tags; the unread badge in the menu; and the
// entry that routes #/notices/new, #/notices/{id} and
// #/notices/{id}/receipts to the compose, notice and receipts pages.

import { pb } from '../api.js';
import { h, replace } from '../dom.js';
import { formatCount, formatDate, formatDateTime } from '../labels.js';
import { allRoles, href } from '../modules.js';
import { failure, loading, pageHead, send, spans } from './cases.js';
import { renderNoticeEdit } from './notices_edit.js';
import { renderNoticeReceipts } from './notices_receipts.js';
import { renderNoticeView } from './notices_view.js';

// ---------------------------------------------------------------- shared

export const CATEGORIES = ['通知', '通报', '公告', '会议通知', '征求意见'];
export const URGENCIES = ['平件', '加急', '特急'];

export const noticePath = (id) => `/api/gov/notices/${encodeURIComponent(id)}`;

// mayPublish: leaders (their own subtree) and clerks of an office publish.
export const mayPublish = (me) => {
  const roles = allRoles(me);
  return roles.has('leader') || roles.has('clerk');
};

// urgencyTag is red for 特急, amber for 加急, nothing for 平件.
export function urgencyTag(u) {
  if (u === '特急') return h('span', { class: 'tag tag-bad ntc-urgency', 'data-urgency': u }, u);
  if (u === '加急') return h('span', { class: 'tag tag-warn ntc-urgency', 'data-urgency': u }, u);
  return null;
}

// shortTime shows a deadline as 11月30日 17:00.
export function shortTime(value) {
  const s = formatDateTime(value);
  if (!s) return '';
  const [d, t] = s.split(' ');
  const [, m, day] = d.split('-');
  return `${Number(m)}月${Number(day)}日 ${t}`;
}

// confirmTag says where the reader stands on a must-confirm notice:
// 已确认, 逾期未确认 (red) or 需确认 with its deadline.
export function confirmTag(n) {
  if (!n.must_confirm) return null;
  const r = n.receipt;
  if (r?.confirmed_at) {
    return h('span', { class: 'tag tag-ok ntc-confirm', 'data-confirm': 'done' }, r.late ? '已确认（逾期）' : '已确认');
  }
  if (n.status === 'withdrawn') return null; // nothing left to confirm
  const until = n.deadline ? ` · ${shortTime(n.deadline)}前` : '';
  if (n.overdue) return h('span', { class: 'tag tag-bad ntc-confirm', 'data-confirm': 'overdue' }, `逾期未确认${until}`);
  if (!r) return h('span', { class: 'tag tag-muted ntc-confirm' }, `需确认${until}`);
  return h('span', { class: 'tag tag-warn ntc-confirm', 'data-confirm': 'pending' }, `需确认${until}`);
}

export const STATUS = {
  scheduled: ['定时发布', 'tag-muted'],
  withdrawn: ['已撤回', 'tag-muted'],
};
export const statusTag = (s) => (STATUS[s] ? h('span', { class: `tag ${STATUS[s][1]} ntc-status`, 'data-status': s }, STATUS[s][0]) : null);

// ---------------------------------------------------------------- badge

// refreshNoticeBadge shows the unread count on the 通知公告 menu link and
// the 通知 tab (hidden at 0).
export async function refreshNoticeBadge() {
  let unread = 0;
  try {
    const res = await pb.send('/api/gov/notices/summary', { method: 'GET' });
    unread = Math.max(0, Number(res?.unread) || 0);
  } catch {
    return; // the badge stays as it was; a 401 is handled by the shell
  }
  for (const a of document.querySelectorAll('a[data-route="notices"]')) {
    let badge = a.querySelector('.ntc-badge');
    if (!badge) {
      badge = h('span', { class: 'ntc-badge', hidden: true });
      a.append(badge);
    }
    badge.textContent = unread > 99 ? '99+' : String(unread);
    badge.hidden = unread === 0;
    a.setAttribute('aria-label', unread ? `通知公告（${formatCount(unread)} 条未读）` : '通知公告');
  }
}

// ---------------------------------------------------------------- routing

const BOXES = [
  ['inbox', '收件箱', 'notices'],
  ['pending', '待确认', 'notices/pending'],
  ['sent', '我发布的', 'notices/sent'],
  ['all', '全部', 'notices/all'],
];

// renderNotices draws the page #/notices/<sub> names and returns its title.
export function renderNotices(main, me, sub, params) {
  const parts = (sub || '').split('/');
  if (!sub || sub === 'pending' || sub === 'sent' || sub === 'all') return renderInbox(main, me, sub || 'inbox', params);
  if (sub === 'new') return renderNoticeEdit(main, me);
  if (parts.length === 2 && parts[1] === 'receipts') return renderNoticeReceipts(main, me, parts[0], params);
  if (parts.length === 1) return renderNoticeView(main, me, parts[0]);
  replace(main, pageHead('页面不存在'), h('section', { class: 'card' },
    h('p', {}, '您访问的页面不存在，可能是链接有误。'), h('p', {}, h('a', { href: href('notices') }, '返回通知公告'))));
  return '页面不存在';
}

// ---------------------------------------------------------------- inbox

const PER_PAGE = 20;

function renderInbox(main, me, box, params) {
  const publisher = mayPublish(me);
  if ((box === 'sent' || box === 'all') && !publisher) box = 'inbox';
  const st = {
    q: (params.get('q') || '').trim(), category: params.get('category') || '',
    unread: params.get('unread') === '1', page: Math.max(1, Number(params.get('page')) || 1),
  };
  const route = BOXES.find((b) => b[0] === box)[2];
  const go = (change) => {
    const next = { ...st, ...change };
    const p = {};
    if (next.q) p.q = next.q;
    if (next.category) p.category = next.category;
    if (next.unread) p.unread = '1';
    if (next.page > 1) p.page = next.page;
    window.location.hash = href(route, Object.keys(p).length ? p : null);
  };

  const tabs = h('nav', { class: 'case-tabs', 'aria-label': '通知分类', id: 'ntc-tabs' },
    BOXES.filter(([b]) => publisher || (b !== 'sent' && b !== 'all')).map(([b, label, r]) =>
      h('a', { class: 'case-tab', href: href(r), id: `ntc-tab-${b}`, 'aria-current': b === box ? 'page' : null }, label)));

  const ctl = (id, label, el) => h('div', { class: 'field' }, h('label', { for: id, class: 'label' }, label), el);
  const q = h('input', {
    id: 'ntc-q', name: 'q', type: 'search', class: 'input', value: st.q, autocomplete: 'off',
    enterkeyhint: 'search', placeholder: '标题或正文', maxlength: 100,
  });
  const category = h('select', { id: 'ntc-category', name: 'category', class: 'input' },
    h('option', { value: '' }, '全部类别'), CATEGORIES.map((c) => h('option', { value: c, selected: c === st.category }, c)));
  const unread = h('input', { type: 'checkbox', id: 'ntc-unread', name: 'unread', checked: st.unread });
  const form = h('form', { class: 'filters ntc-filters', id: 'ntc-filters', role: 'search', 'aria-label': '查找通知', novalidate: true },
    h('div', { class: 'ntc-q' }, ctl('ntc-q', '搜索通知', q)),
    ctl('ntc-category', '类别', category),
    box === 'inbox' ? h('label', { class: 'check ntc-unread', for: 'ntc-unread' }, unread, '只看未读') : null,
    h('div', { class: 'filters-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'ntc-search' }, '搜索')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    go({ q: q.value.trim(), category: category.value, unread: unread.checked, page: 1 });
  });
  category.addEventListener('change', () => form.requestSubmit());
  unread.addEventListener('change', () => form.requestSubmit());

  const count = h('p', { class: 'card-count', id: 'ntc-count', 'aria-live': 'polite' });
  const list = h('div', { id: 'ntc-results' }, loading('正在加载通知…'));
  const pager = h('nav', { class: 'pager', id: 'ntc-pager', 'aria-label': '翻页' });
  const compose = publisher ? h('a', { class: 'btn btn-primary', href: href('notices/new'), id: 'ntc-new' }, '发布通知') : null;
  const title = BOXES.find((b) => b[0] === box)[1];

  replace(main,
    pageHead('通知公告', '上级和本单位发布的通知、通报、公告和会议通知。', h('div', { class: 'actions case-head-actions' }, compose)),
    tabs,
    h('section', { class: 'card', 'aria-labelledby': 'ntc-list-title' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'ntc-list-title' }, title), count),
      form, list, pager));

  const query = { page: st.page, perPage: PER_PAGE, category: st.category, q: st.q };
  if (box === 'pending') Object.assign(query, { box: 'inbox', pending: 1 });
  else query.box = box;
  if (box === 'inbox' && st.unread) query.unread = 1;

  (async () => {
    try {
      const res = await send('/api/gov/notices', 'GET', null, query);
      const items = res?.items || [];
      replace(count, `共 ${formatCount(res?.totalItems ?? items.length)} 条`);
      if (!items.length) replace(list, emptyState(box, st, compose));
      else replace(list, h('ul', { class: 'ntc-list', id: 'ntc-list' }, items.map((n) => noticeRow(n, box))));
      renderPager(res?.page || st.page, res?.totalPages || 1);
    } catch (err) {
      failure(list, err, 'ntc-error');
    }
  })();
  refreshNoticeBadge();

  function renderPager(page, pages) {
    if (pages <= 1) { replace(pager); return; }
    replace(pager,
      h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id: 'ntc-prev', disabled: page <= 1, onclick: () => go({ page: page - 1 }) }, '上一页'),
      h('span', { class: 'pager-info', id: 'ntc-page' }, `第 ${formatCount(page)} / ${formatCount(pages)} 页`),
      h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id: 'ntc-next', disabled: page >= pages, onclick: () => go({ page: page + 1 }) }, '下一页'));
  }
  return box === 'inbox' ? '通知公告' : title;
}

function emptyState(box, st, compose) {
  let text;
  if (st.q) text = `没有找到与“${st.q}”相关的通知。请换个关键词再试。`;
  else if (st.category || st.unread) text = '没有符合筛选条件的通知。';
  else if (box === 'pending') text = '没有待确认的通知。需要确认的通知会显示在这里。';
  else if (box === 'sent') text = '您还没有发布过通知。';
  else text = '暂无通知。上级和本单位发给您的通知会显示在这里。';
  return h('div', { class: 'empty case-empty', id: 'ntc-empty' }, h('p', {}, text),
    box === 'sent' && compose && !st.q ? h('p', {}, h('a', { href: href('notices/new') }, '发布通知')) : null);
}

function noticeRow(n, box) {
  const unread = !!n.receipt && !n.receipt.read_at;
  const date = n.published_at ? formatDate(n.published_at) : (n.publish_at ? `${formatDateTime(n.publish_at)} 发布` : '');
  const hasSnippet = Array.isArray(n.snippet_spans) && n.snippet_spans.length > 0;
  return h('li', { class: 'ntc-item', 'data-notice': n.id, 'data-read': unread ? 'false' : 'true' },
    h('span', { class: 'note-dot ntc-dot', 'aria-hidden': 'true' }),
    h('div', { class: 'ntc-item-main' },
      h('div', { class: 'ntc-item-head' },
        n.pinned ? h('span', { class: 'tag tag-level ntc-pin' }, '置顶') : null,
        urgencyTag(n.urgency),
        h('a', { class: 'ntc-item-title', href: href(`notices/${n.id}`) },
          Array.isArray(n.title_spans) && n.title_spans.length ? spans(n.title_spans) : n.title,
          unread ? h('span', { class: 'sr-only' }, '（未读）') : null)),
      hasSnippet ? h('p', { class: 'case-snippet' }, spans(n.snippet_spans)) : null,
      h('p', { class: 'case-meta ntc-meta' },
        [n.category, n.unit_name, n.publisher_name, date].filter(Boolean).join(' · '),
        box === 'sent' || box === 'all' ? ` · 接收 ${formatCount(n.recipients)} 人` : ''),
      h('div', { class: 'tags ntc-tags' }, confirmTag(n), statusTag(n.status),
        n.forwarded ? h('span', { class: 'tag tag-level' }, '转发') : null,
        n.expired ? h('span', { class: 'tag tag-muted' }, '已过期') : null)));
}

// 经验案例: the list (#/cases, #/cases/bookmarks 我的收藏, #/cases/mine,
// #/cases/queue) with search, filters, sort and paging; #/cases/feed 关注动态
// (what the user follows, read with 加载更多, and 本周精选 on top);
// #/cases/follows 关注管理; and the entry that routes #/cases/new,
// #/cases/{id} and #/cases/{id}/edit to the case page and the editor.
// Search hits are highlighted from the server's spans with <mark>
// elements: text only, never HTML.

import { describeError, pb } from '../api.js';
import { h, replace } from '../dom.js';
import { busy, errorBox, showError } from '../form.js';
import { formatCount, formatDate } from '../labels.js';
import { allRoles, href } from '../modules.js';
import { renderCaseEdit } from './cases_edit.js';
import { followKindName, listFollows } from './cases_social.js';
import { renderCaseView } from './cases_view.js';

// ---------------------------------------------------------------- shared

export const BUSINESSES = ['行政许可', '行政执法', '政务服务', '市场监管', '税费征管', '社会保障', '应急管理', '基层治理', '其他'];

export const SCOPES = {
  unit: ['本单位', '仅本单位的工作人员可以查看。'],
  subtree: ['本单位及下级', '本单位和下级单位的工作人员可以查看。'],
  system: ['本系统', '全省同一条线（如税务系统）的工作人员可以查看，需市级以上审核。'],
  all: ['全省政府', '全省各级政府工作人员均可查看，需省级审核。'],
};
export const scopeName = (s) => SCOPES[s]?.[0] || s || '';

export const STATUS = {
  draft: ['草稿', 'tag-muted'],
  submitted: ['审核中', 'tag-warn'],
  published: ['已发布', 'tag-ok'],
  returned: ['已退回', 'tag-bad'],
  withdrawn: ['已撤回', 'tag-muted'],
  archived: ['已归档', 'tag-muted'],
};
export const statusName = (s) => STATUS[s]?.[0] || s || '';
export const statusTag = (s, id) => h('span', { class: `tag ${STATUS[s]?.[1] || ''}`, id, 'data-status': s }, statusName(s));

export const ENTITY_KINDS = { enterprise: '企业', person: '个人' };

// send calls the API: send(path, method, body, query).
export const send = (path, method = 'GET', body, query) =>
  pb.send(path, { method, ...(body ? { body } : {}), ...(query ? { query: clean(query) } : {}) });

function clean(q) {
  const out = {};
  for (const [k, v] of Object.entries(q || {})) if (v !== '' && v !== null && v !== undefined) out[k] = v;
  return out;
}

export const casePath = (id) => `/api/gov/cases/${encodeURIComponent(id)}`;

export const isReviewer = (me) => allRoles(me).has('reviewer');
// mayWrite: everyone but the three administrators (三员) writes cases.
export const mayWrite = (me) => [...allRoles(me)].some((r) => !['sysadmin', 'secadmin', 'auditor'].includes(r));

// spans renders [{text, hit}] with the hits in <mark>.
export const spans = (list) => (list || []).map((s) => (s.hit ? h('mark', { class: 'case-hit' }, s.text) : s.text));

export function pageHead(title, sub, ...extra) {
  return h('div', { class: 'page-head' },
    h('h1', { class: 'page-title', tabindex: '-1' }, title),
    sub ? h('p', { class: 'page-sub' }, sub) : null, ...extra);
}

export const loading = (text = '正在加载…') => h('p', { class: 'empty case-loading', role: 'status' }, text);

// failure shows a request's error in place (nothing for 401: the shell
// goes back to the login page).
export function failure(el, err, id = 'case-load-error') {
  const e = describeError(err);
  if (e.status === 401) return e;
  const box = errorBox(id);
  showError(box, e.message, e.hint);
  replace(el, box);
  return e;
}

// formatSize shows 12.3 KB / 1.2 MB.
export function formatSize(n) {
  const b = Number(n || 0);
  if (b < 1024) return `${b} B`;
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(1)} KB`;
  return `${(b / 1024 / 1024).toFixed(1)} MB`;
}

// ---------------------------------------------------------------- routing

// renderCases draws the page #/cases/<sub> names and returns its title.
export function renderCases(main, me, sub, params) {
  const parts = (sub || '').split('/');
  if (!sub || sub === 'mine' || sub === 'queue' || sub === 'bookmarks') return renderList(main, me, sub || 'all', params);
  if (sub === 'feed') return renderFeed(main, me);
  if (sub === 'follows') return renderFollows(main, me);
  if (sub === 'new') return renderCaseEdit(main, me, null);
  if (parts.length === 2 && parts[1] === 'edit') return renderCaseEdit(main, me, parts[0]);
  if (parts.length === 1) return renderCaseView(main, me, parts[0]);
  replace(main, pageHead('页面不存在'), h('section', { class: 'card' },
    h('p', {}, '您访问的页面不存在，可能是链接有误。'), h('p', {}, h('a', { href: href('cases') }, '返回经验案例'))));
  return '页面不存在';
}

// ---------------------------------------------------------------- list

const PER_PAGE = 20;
const SORTS = {
  all: [['-published_at', '最新发布'], ['-views', '最多浏览'], ['-votes', '最多点赞']],
  mine: [['-updated', '最近修改'], ['-published_at', '最新发布'], ['-views', '最多浏览']],
  queue: [['updated', '最早提交'], ['-updated', '最近提交']],
  bookmarks: [['-published_at', '最新发布'], ['-votes', '最多点赞'], ['-views', '最多浏览']],
};
const TABS = [
  ['all', '全部案例', 'cases'],
  ['feed', '关注动态', 'cases/feed'],
  ['bookmarks', '我的收藏', 'cases/bookmarks'],
  ['mine', '我的案例', 'cases/mine'],
  ['queue', '待我审核', 'cases/queue'],
];

// tabsNav is the row of list tabs, tab the current one.
function tabsNav(me, tab) {
  return h('nav', { class: 'case-tabs', 'aria-label': '案例分类', id: 'case-tabs' },
    TABS.filter(([t]) => t !== 'queue' || isReviewer(me)).map(([t, label, r]) =>
      h('a', { class: 'case-tab', href: href(r), id: `case-tab-${t}`, 'aria-current': t === tab ? 'page' : null }, label)));
}

const writeButton = (me) => (mayWrite(me) ? h('a', { class: 'btn btn-primary', href: href('cases/new'), id: 'case-new' }, '写案例') : null);

function renderList(main, me, tab, params) {
  if (tab === 'queue' && !isReviewer(me)) tab = 'all';
  const st = {
    q: (params.get('q') || '').trim(), business: params.get('business') || '', scope: params.get('scope') || '',
    tag: params.get('tag') || '', sort: params.get('sort') || '', page: Math.max(1, Number(params.get('page')) || 1),
    author: params.get('author') || '', author_name: params.get('author_name') || '',
  };
  const sorts = SORTS[tab];
  if (!sorts.some(([v]) => v === st.sort)) st.sort = sorts[0][0];
  const route = TABS.find((t) => t[0] === tab)[2];
  const go = (change) => {
    const next = { ...st, ...change };
    const p = {};
    for (const k of ['q', 'business', 'scope', 'tag', 'author', 'author_name']) if (next[k]) p[k] = next[k];
    if (next.sort !== sorts[0][0]) p.sort = next.sort;
    if (next.page > 1) p.page = next.page;
    window.location.hash = href(route, Object.keys(p).length ? p : null);
  };

  const tabs = tabsNav(me, tab);

  const ctl = (id, label, el) => h('div', { class: 'field' }, h('label', { for: id, class: 'label' }, label), el);
  const q = h('input', {
    id: 'cases-q', name: 'q', type: 'search', class: 'input', value: st.q, autocomplete: 'off',
    enterkeyhint: 'search', placeholder: '标题、摘要、正文或标签', maxlength: 100,
  });
  const business = h('select', { id: 'cases-business', name: 'business', class: 'input' },
    h('option', { value: '' }, '全部类别'), BUSINESSES.map((b) => h('option', { value: b, selected: b === st.business }, b)));
  const scope = h('select', { id: 'cases-scope', name: 'scope', class: 'input' },
    h('option', { value: '' }, '全部范围'),
    Object.keys(SCOPES).map((s) => h('option', { value: s, selected: s === st.scope }, scopeName(s))));
  const sort = h('select', { id: 'cases-sort', name: 'sort', class: 'input', disabled: tab === 'all' && !!st.q },
    sorts.map(([v, t]) => h('option', { value: v, selected: v === st.sort }, t)));
  const form = h('form', { class: 'filters case-filters', id: 'cases-filters', role: 'search', 'aria-label': '查找案例', novalidate: true },
    tab === 'all' ? h('div', { class: 'case-q' }, ctl('cases-q', '搜索案例', q)) : null,
    ctl('cases-business', '业务类别', business),
    ctl('cases-scope', '范围', scope),
    ctl('cases-sort', '排序', sort),
    h('div', { class: 'filters-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'cases-search' }, tab === 'all' ? '搜索' : '筛选')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    go({ q: tab === 'all' ? q.value.trim() : '', business: business.value, scope: scope.value, sort: sort.value, page: 1 });
  });
  for (const sel of [business, scope, sort]) sel.addEventListener('change', () => form.requestSubmit());

  const chips = h('div', { class: 'case-active', id: 'cases-active' },
    st.author ? h('button', {
      type: 'button', class: 'tag case-chip case-chip-on', id: 'cases-author-clear', 'aria-label': `取消作者筛选：${st.author_name || st.author}`,
      onclick: () => go({ author: '', author_name: '', page: 1 }),
    }, `作者：${st.author_name || st.author}`, h('span', { 'aria-hidden': 'true' }, ' ×')) : null,
    st.tag ? h('button', {
      type: 'button', class: 'tag case-chip case-chip-on', id: 'cases-tag-clear', 'aria-label': `取消标签筛选：${st.tag}`,
      onclick: () => go({ tag: '', page: 1 }),
    }, `标签：${st.tag}`, h('span', { 'aria-hidden': 'true' }, ' ×')) : null,
    st.q && tab === 'all' ? h('p', { class: 'field-help' }, '搜索结果按相关度排列。') : null);

  const count = h('p', { class: 'card-count', id: 'cases-count', 'aria-live': 'polite' });
  const list = h('div', { id: 'cases-results' }, loading('正在加载案例…'));
  const pager = h('nav', { class: 'pager', id: 'cases-pager', 'aria-label': '翻页' });

  const write = writeButton(me);
  replace(main,
    pageHead('经验案例', '各级单位共享的办事经验和典型案例。', h('div', { class: 'actions case-head-actions' }, write)),
    tabs,
    h('section', { class: 'card', 'aria-labelledby': 'cases-list-title' },
      h('div', { class: 'card-head' },
        h('h2', { class: 'card-title', id: 'cases-list-title' }, TABS.find((t) => t[0] === tab)[1]), count),
      form, chips, list, pager));

  const query = { page: st.page, perPage: PER_PAGE, business: st.business, scope: st.scope, tag: st.tag, author: st.author };
  if (tab === 'all' && st.q) query.q = st.q;
  else query.sort = st.sort;
  if (tab === 'all' && !st.q) query.live = 'published';
  if (tab === 'mine') query.mine = 1;
  if (tab === 'queue') query.queue = 1;
  if (tab === 'bookmarks') query.bookmarked = 1;

  (async () => {
    try {
      const res = await send('/api/gov/cases', 'GET', null, query);
      const items = res?.items || [];
      replace(count, `共 ${formatCount(res?.totalItems ?? items.length)} 条${res?.totalCapped ? '以上' : ''}`);
      if (!items.length) {
        replace(list, emptyState(tab, st, write));
      } else {
        replace(list, h('ul', { class: 'case-list', id: 'cases-list' }, items.map((c) => caseRow(c, tab, (tag) => go({ tag, page: 1 })))));
      }
      renderPager(res?.page || st.page, res?.totalPages || 1);
    } catch (err) {
      const e = failure(list, err, 'cases-error');
      if (e.fields.q) {
        q.setAttribute('aria-invalid', 'true');
        q.focus();
      }
    }
  })();

  function renderPager(page, pages) {
    if (pages <= 1) { replace(pager); return; }
    replace(pager,
      h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id: 'cases-prev', disabled: page <= 1, onclick: () => go({ page: page - 1 }) }, '上一页'),
      h('span', { class: 'pager-info', id: 'cases-page' }, `第 ${formatCount(page)} / ${formatCount(pages)} 页`),
      h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id: 'cases-next', disabled: page >= pages, onclick: () => go({ page: page + 1 }) }, '下一页'));
  }
  return tab === 'all' ? '经验案例' : TABS.find((t) => t[0] === tab)[1];
}

function emptyState(tab, st, write) {
  const filtered = st.q || st.business || st.scope || st.tag || st.author;
  let text;
  if (tab === 'queue') text = '没有待您审核的案例。作者提交审核后，案例会出现在这里。';
  else if (filtered) text = st.q ? `没有找到与“${st.q}”相关的案例。请换个关键词，或减少筛选条件。` : '没有符合筛选条件的案例。请减少筛选条件再试。';
  else if (tab === 'mine') text = '您还没有写过案例。点击“写案例”，把您的办事经验分享给同事。';
  else if (tab === 'bookmarks') return h('div', { class: 'empty case-empty', id: 'cases-empty' },
    h('p', {}, '您还没有收藏案例。在案例页面点击“收藏”，以后可以在这里找到。'));
  else text = '还没有案例。点击“写案例”，分享第一条办事经验。';
  return h('div', { class: 'empty case-empty', id: 'cases-empty' }, h('p', {}, text),
    tab !== 'queue' && !filtered && write ? h('p', {}, h('a', { href: href('cases/new') }, '写案例')) : null);
}

function caseRow(c, tab, onTag) {
  const date = c.published_at ? formatDate(c.published_at) : formatDate(c.updated);
  const hasSnippet = Array.isArray(c.snippet_spans) && c.snippet_spans.length > 0;
  return h('li', { class: 'case-item', 'data-case': c.id },
    h('div', { class: 'case-item-head' },
      h('a', { class: 'case-item-title', href: href(`cases/${c.id}`) },
        Array.isArray(c.title_spans) && c.title_spans.length ? spans(c.title_spans) : c.title),
      tab === 'mine' || tab === 'queue' ? statusTag(c.status) : null,
      tab === 'mine' && c.live === 'published' && c.status !== 'published' ? h('span', { class: 'tag tag-ok' }, '线上有已发布版本') : null),
    hasSnippet
      ? h('p', { class: 'case-snippet' }, spans(c.snippet_spans))
      : (c.summary ? h('p', { class: 'case-snippet' }, c.summary) : null),
    h('p', { class: 'case-meta' },
      [c.unit_name, c.author_name, date, scopeName(c.scope), c.business].filter(Boolean).join(' · ')),
    h('div', { class: 'case-item-foot' },
      (c.tags || []).length ? h('div', { class: 'tags case-tags' }, c.tags.map((t) =>
        h('button', { type: 'button', class: 'tag case-chip', 'data-tag': t, 'aria-label': `按标签“${t}”筛选`, onclick: () => onTag(t) }, `#${t}`))) : null,
      h('span', { class: 'case-counts muted' },
        `浏览 ${formatCount(c.views)}`, ` · 点赞 ${formatCount(c.votes)}`, ` · 评论 ${formatCount(c.comments)}`)));
}

// ---------------------------------------------------------------- 关注动态

const FEED_PER_PAGE = 20;

// weekAgo is the business date (Asia/Shanghai) seven days ago.
const weekAgo = () => formatDate(new Date(Date.now() - 7 * 24 * 3600 * 1000));

// renderFeed draws 关注动态: 本周精选 (the week's most useful cases from
// what the user follows) and the feed, newest first, read with 加载更多
// (the server counts no total: a full page means there may be more).
function renderFeed(main, me) {
  const digest = h('div', { id: 'cases-digest-list' }, loading('正在加载本周精选…'));
  const list = h('ul', { class: 'case-list', id: 'cases-feed-list' });
  const status = loading('正在加载关注动态…');
  const more = h('button', { type: 'button', class: 'btn btn-secondary', id: 'cases-feed-more', hidden: true }, '加载更多');
  const error = h('div', { id: 'cases-feed-error-box' });
  const follows = h('p', { class: 'field-help case-feed-follows', id: 'cases-feed-follows' });
  const onTag = (tag) => { window.location.hash = href('cases', { tag }); };

  replace(main,
    pageHead('经验案例', '各级单位共享的办事经验和典型案例。', h('div', { class: 'actions case-head-actions' }, writeButton(me))),
    tabsNav(me, 'feed'),
    h('section', { class: 'card case-digest', id: 'cases-digest', 'aria-labelledby': 'cases-digest-title' },
      h('div', { class: 'card-head' },
        h('h2', { class: 'card-title', id: 'cases-digest-title' }, '本周精选'),
        h('span', { class: 'card-count' }, `${weekAgo()} 以来 · 按点赞排序`)),
      digest),
    h('section', { class: 'card', 'aria-labelledby': 'cases-feed-title' },
      h('div', { class: 'card-head' },
        h('h2', { class: 'card-title', id: 'cases-feed-title' }, '关注动态'),
        h('a', { href: href('cases/follows'), id: 'cases-follows-link', class: 'case-head-link' }, '关注管理')),
      follows, status, list, error,
      h('div', { class: 'case-more' }, more)));

  (async () => {
    try {
      const f = await listFollows();
      replace(follows, f.length
        ? `您关注了 ${formatCount(f.length)} 项：${f.slice(0, 6).map((x) => `${followKindName(x.kind)}“${x.label}”`).join('、')}${f.length > 6 ? ' 等' : ''}。新案例按发布时间排列。`
        : '您还没有关注任何内容，下面显示全部新发布的案例。在案例页面点击“关注标签”“关注单位”或“关注作者”，即可只看关心的内容。');
    } catch {
      follows.hidden = true;
    }
  })();

  (async () => {
    try {
      const res = await send('/api/gov/feed', 'GET', null, { since: weekAgo(), perPage: 5, sort: '-votes' });
      const items = res?.items || [];
      replace(digest, items.length
        ? h('ol', { class: 'case-digest-list' }, items.map((c) => h('li', { class: 'case-mini', 'data-case': c.id },
          h('a', { class: 'case-mini-title', href: href(`cases/${c.id}`) }, c.title),
          h('span', { class: 'muted case-mini-meta' },
            [c.unit_name, formatDate(c.published_at), `点赞 ${formatCount(c.votes)}`, `评论 ${formatCount(c.comments)}`].filter(Boolean).join(' · ')))))
        : h('p', { class: 'empty', id: 'cases-digest-empty' }, '本周您关注的内容还没有新发布的案例。'));
    } catch (err) {
      failure(digest, err, 'cases-digest-error');
    }
  })();

  let page = 0;
  const loadMore = async () => {
    busy(more, true, '正在加载…');
    try {
      const res = await send('/api/gov/feed', 'GET', null, { page: page + 1, perPage: FEED_PER_PAGE });
      const items = res?.items || [];
      page += 1;
      status.remove();
      for (const c of items) list.append(caseRow(c, 'feed', onTag));
      if (page === 1 && !items.length) {
        list.replaceWith(h('div', { class: 'empty case-empty', id: 'cases-empty' },
          h('p', {}, '您关注的标签、单位和作者还没有发布案例。'), h('p', {}, h('a', { href: href('cases') }, '浏览全部案例'))));
      }
      busy(more, false);
      more.hidden = items.length < FEED_PER_PAGE;
    } catch (err) {
      busy(more, false);
      status.remove();
      failure(error, err, 'cases-feed-error');
    }
  };
  more.addEventListener('click', loadMore);
  loadMore();
  return '关注动态';
}

// ---------------------------------------------------------------- 关注管理

function renderFollows(main, me) {
  const list = h('div', { id: 'follows-results' }, loading('正在加载关注…'));
  const count = h('p', { class: 'card-count', id: 'follows-count', 'aria-live': 'polite' });
  const error = errorBox('follows-error');
  replace(main,
    h('p', { class: 'case-back' }, h('a', { href: href('cases/feed') }, '‹ 返回关注动态')),
    pageHead('关注管理', '关注的标签、单位、条线和作者有新案例发布时，您会收到通知。'),
    h('section', { class: 'card', 'aria-labelledby': 'follows-title' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'follows-title' }, '我的关注'), count),
      error, list));
  let items = [];
  const showCount = () => replace(count, `共 ${formatCount(items.length)} 项`);
  const draw = () => {
    showCount();
    if (!items.length) {
      replace(list, h('div', { class: 'empty case-empty', id: 'follows-empty' },
        h('p', {}, '您还没有关注任何内容。在案例页面点击“关注标签”“关注单位”或“关注作者”即可关注。'),
        h('p', {}, h('a', { href: href('cases') }, '浏览经验案例'))));
      return;
    }
    replace(list, h('ul', { class: 'follow-list', id: 'follows-list' }, items.map((f) => {
      const b = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', 'aria-label': `取消关注${followKindName(f.kind)}“${f.label}”`, 'data-follow': f.id }, '取消关注');
      b.addEventListener('click', async () => {
        replace(error);
        busy(b, true, '正在取消…');
        try {
          await send(`/api/gov/follows/${encodeURIComponent(f.id)}`, 'DELETE');
          items = items.filter((x) => x.id !== f.id);
          draw();
          main.querySelector('#follows-list button, h1')?.focus();
        } catch (err) {
          busy(b, false);
          const e = describeError(err);
          if (e.status !== 401) showError(error, e.message, e.hint);
        }
      });
      const target = f.kind === 'tag' ? h('a', { href: href('cases', { tag: f.target }) }, `#${f.label}`)
        : h('span', {}, f.label);
      return h('li', { class: 'follow-row', 'data-follow-kind': f.kind },
        h('span', { class: 'follow-what' }, h('span', { class: 'tag follow-kind' }, followKindName(f.kind)), ' ', target),
        b);
    })));
  };
  (async () => {
    try {
      items = await listFollows();
      draw();
    } catch (err) {
      failure(list, err, 'follows-load-error');
    }
  })();
  return '关注管理';
}

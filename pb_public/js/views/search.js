// 搜索 (#/search?q=&type=&sort=&from=&to=&page=): one search over cases,
// notices, documents and courses (GET /api/gov/search) — the count of each
// type as tabs, relevance or date order, a date range, hits with the
// matched words marked, and, when nothing is found, shorter queries to try.

import { describeError } from '../api.js';
import { h, replace } from '../dom.js';
import { errorBox, showError } from '../form.js';
import { formatCount, formatDate } from '../labels.js';
import { href } from '../modules.js';
import { attachSuggest } from '../suggest.js';
import { loading, pageHead, send, spans } from './cases.js';

const TYPES = [['case', '案例'], ['notice', '通知'], ['doc', '公文'], ['course', '课程']];
const PER_PAGE = 20;

export function renderSearch(main, params) {
  const state = {
    q: (params.get('q') || '').trim(), type: params.get('type') || '', sort: params.get('sort') === 'date' ? 'date' : '',
    from: params.get('from') || '', to: params.get('to') || '', page: Math.max(1, Number(params.get('page')) || 1),
  };
  const go = (change) => {
    const next = { ...state, page: 1, ...change };
    const p = Object.fromEntries(Object.entries(next).filter(([k, v]) => v && !(k === 'page' && v === 1)));
    window.location.hash = href('search', p);
  };
  const q = h('input', { type: 'search', id: 'srch-q', class: 'input', value: state.q, maxlength: 200, autocomplete: 'off',
    enterkeyhint: 'search', 'aria-label': '搜索内容', placeholder: '输入关键词，如“营业执照”“社保”' });
  const sort = h('select', { id: 'srch-sort', class: 'input', 'aria-label': '排序' },
    h('option', { value: '', selected: !state.sort }, '按相关度'), h('option', { value: 'date', selected: state.sort === 'date' }, '按时间'));
  const from = h('input', { type: 'date', id: 'srch-from', class: 'input', value: state.from });
  const to = h('input', { type: 'date', id: 'srch-to', class: 'input', value: state.to });
  const form = h('form', { class: 'card srch-form', id: 'srch-form', role: 'search' },
    h('div', { class: 'srch-row' }, h('div', { class: 'suggest-wrap' }, q), h('button', { type: 'submit', class: 'btn btn-primary', id: 'srch-go' }, '搜索')),
    h('details', { class: 'srch-more', open: !!(state.from || state.to || state.sort) }, h('summary', {}, '排序和时间'),
      h('div', { class: 'ntc-form-row srch-filters' },
        h('label', { class: 'trn-cell' }, h('span', { class: 'trn-cell-label' }, '排序'), sort),
        h('label', { class: 'trn-cell' }, h('span', { class: 'trn-cell-label' }, '起始日期'), from),
        h('label', { class: 'trn-cell' }, h('span', { class: 'trn-cell-label' }, '截止日期'), to))));
  const sug = attachSuggest(q, (text) => go({ q: text }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    sug.close();
    go({ q: q.value.trim(), sort: sort.value, from: from.value, to: to.value });
  });
  sort.addEventListener('change', () => { if (state.q) go({ sort: sort.value }); });
  const root = h('div', { id: 'srch-results' });
  replace(main, pageHead('搜索', '在经验案例、通知公告、公文和培训课程中检索，只列出您有权查看的内容。'), form, root);
  if (!state.q) {
    replace(root, h('p', { class: 'empty', id: 'srch-hint' }, '输入关键词后按“搜索”。两个字以上的词按词组匹配，多个词用空格分开。'));
    return '搜索';
  }
  replace(root, loading('正在搜索…'));
  (async () => {
    let res;
    try {
      res = await send('/api/gov/search', 'GET', null, {
        q: state.q, type: state.type, sort: state.sort, from: state.from, to: state.to, page: state.page, perPage: PER_PAGE,
      });
    } catch (err) {
      if (!root.isConnected) return;
      const e = describeError(err);
      const box = errorBox('srch-error');
      showError(box, Object.values(e.fields)[0] || e.message, e.hint);
      replace(root, box);
      return;
    }
    if (!root.isConnected) return;
    const facets = res.facets || {};
    const all = TYPES.reduce((n, [t]) => n + (facets[t] || 0), 0);
    const tab = (type, label, count) => h('a', {
      class: 'case-tab srch-tab', href: href('search', Object.fromEntries(Object.entries({ ...state, type, page: '' }).filter(([, v]) => v))),
      'aria-current': state.type === type ? 'page' : null, 'data-type': type || 'all',
    }, label, ' ', h('span', { class: 'srch-count' }, `${formatCount(count)}${res.totalCapped && !type ? '+' : ''}`));
    const tabs = h('nav', { class: 'case-tabs srch-tabs', id: 'srch-tabs', 'aria-label': '按类型' },
      tab('', '全部', all), TYPES.map(([t, l]) => tab(t, l, facets[t] || 0)));
    const items = res.items || [];
    if (!items.length) {
      replace(root, tabs, noResults(state.q, go));
      return;
    }
    const list = h('ol', { class: 'case-list srch-list', id: 'srch-list', start: (state.page - 1) * PER_PAGE + 1 }, items.map((it) =>
      h('li', { class: 'case-item srch-item', 'data-type': it.type, 'data-id': it.id },
        h('p', { class: 'srch-item-head' }, h('span', { class: 'tag tag-muted srch-type' }, it.type_label), ' ',
          h('a', { class: 'case-item-title', href: it.link }, it.title_spans?.length ? spans(it.title_spans) : it.title)),
        it.snippet_spans?.length ? h('p', { class: 'case-snippet' }, spans(it.snippet_spans)) : null,
        h('p', { class: 'case-item-meta muted' }, [it.unit_name, formatDate(it.date || it.created)].filter(Boolean).join(' · ')))));
    const pager = res.totalPages > 1 ? h('nav', { class: 'actions srch-pager', 'aria-label': '翻页' },
      state.page > 1 ? h('a', { class: 'btn btn-secondary', id: 'srch-prev', href: href('search', { ...clean(state), page: state.page - 1 }) }, '上一页') : null,
      h('span', { class: 'muted' }, `第 ${state.page} / ${res.totalPages} 页`),
      state.page < res.totalPages ? h('a', { class: 'btn btn-secondary', id: 'srch-next', href: href('search', { ...clean(state), page: state.page + 1 }) }, '下一页') : null)
      : null;
    replace(root, tabs,
      h('p', { class: 'muted', id: 'srch-total' }, `找到 ${formatCount(res.totalItems)}${res.totalCapped ? ' 条以上' : ' 条'}结果`),
      list, pager);
  })();
  return '搜索';
}

const clean = (state) => Object.fromEntries(Object.entries(state).filter(([k, v]) => v && k !== 'page'));

// noResults says so and offers shorter queries: each word alone, or the
// first two characters of a long Chinese word.
function noResults(q, go) {
  const words = q.split(/\s+/).filter(Boolean);
  let tries = words.length > 1 ? words : [];
  if (!tries.length && [...q].length > 2) tries = [[...q].slice(0, 2).join(''), [...q].slice(-2).join('')];
  return h('div', { class: 'card', id: 'srch-none' },
    h('p', {}, `没有找到与“${q}”相关的内容。`),
    tries.length ? h('p', {}, '试试更少的词：', tries.map((w) => [h('a', {
      href: href('search', { q: w }), class: 'srch-try', onclick: (ev) => { ev.preventDefault(); go({ q: w }); },
    }, w), ' '])) : null,
    h('p', { class: 'muted' }, '也可能是您无权查看相关内容，或内容尚未发布。'));
}

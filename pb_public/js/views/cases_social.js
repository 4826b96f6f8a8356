// The social side of a case page (#/cases/{id}): 有用 and 收藏 toggles
// with their counts, the comments (the server's sanitized HTML, 删除 on
// one's own, a form whose errors show under the field), 关注 buttons for
// the case's tags, unit and author, and the 相似案例 / 相关案例 lists.
// Everything the user typed comes back from the server: comment bodies as
// sanitized HTML, names and titles as text.

import { describeError } from '../api.js';
import { h, replace } from '../dom.js';
import { busy, errorBox, showError } from '../form.js';
import { formatCount, formatDate, formatDateTime } from '../labels.js';
import { href } from '../modules.js';
import { casePath, send } from './cases.js';

const FOLLOW_KINDS = {
  tag: ['标签', '关注标签'],
  unit: ['单位', '关注单位'],
  system: ['条线', '关注条线'],
  author: ['作者', '关注作者'],
};
export const followKindName = (k) => FOLLOW_KINDS[k]?.[0] || k;

// listFollows is GET /api/gov/follows → [{id, kind, target, label}].
export async function listFollows() {
  const res = await send('/api/gov/follows');
  return Array.isArray(res?.items) ? res.items : [];
}

// ---------------------------------------------------------------- 有用 / 收藏

// socialBar draws the 有用 and 收藏 toggles of a published case. onVotes
// runs with the new vote count (the page's 点赞 fact follows it).
export function socialBar(c, { onVotes } = {}) {
  const error = errorBox('case-social-error');
  const vote = toggle({
    id: 'case-vote', path: `${casePath(c.id)}/vote`, on: !!c.voted, count: c.votes,
    label: '有用', onLabel: '已标为有用', what: '有用', error, onCount: onVotes,
  });
  const mark = toggle({
    id: 'case-bookmark', path: `${casePath(c.id)}/bookmark`, on: !!c.bookmarked, count: null,
    label: '收藏', onLabel: '已收藏', what: '收藏', error,
  });
  return h('div', { class: 'case-social', id: 'case-social' },
    h('div', { class: 'case-social-buttons', role: 'group', 'aria-label': '评价和收藏' }, vote, mark,
      h('a', { class: 'case-social-link', href: href('cases/bookmarks'), id: 'case-bookmarks-link' }, '我的收藏')),
    error);
}

// toggle is one aria-pressed button that POSTs (on) or DELETEs (off) and
// shows the count the server answers. count null: not known until then.
function toggle({ id, path, on, count, label, onLabel, what, error, onCount }) {
  const text = h('span', { class: 'case-toggle-text' });
  const num = h('span', { class: 'case-toggle-count', id: `${id}-count` });
  const b = h('button', { type: 'button', class: 'btn btn-secondary case-toggle', id }, text, num);
  const show = () => {
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
    text.textContent = on ? onLabel : label;
    if (count === null || count === undefined) {
      num.hidden = true;
      b.setAttribute('aria-label', on ? onLabel : label);
    } else {
      num.hidden = false;
      num.textContent = formatCount(count);
      b.setAttribute('aria-label', `${on ? onLabel : label}（${formatCount(count)} 人${what}）`);
    }
  };
  show();
  b.addEventListener('click', async () => {
    replace(error);
    b.disabled = true;
    b.setAttribute('aria-busy', 'true');
    try {
      const res = await send(path, on ? 'DELETE' : 'POST');
      on = !!res?.on;
      count = typeof res?.count === 'number' ? res.count : count;
      show();
      onCount?.(count);
    } catch (err) {
      const e = describeError(err);
      if (e.status !== 401) showError(error, e.message, e.hint);
    } finally {
      b.disabled = false;
      b.setAttribute('aria-busy', 'false');
    }
  });
  return b;
}

// ---------------------------------------------------------------- 关注

// followCard lists the case's tags, unit and author, each with a 关注
// toggle showing 已关注 when followed.
export function followCard(c) {
  const rows = [
    ...(c.tags || []).map((t) => ({ kind: 'tag', target: t, label: `#${t}` })),
    c.unit ? { kind: 'unit', target: c.unit, label: c.unit_name || '本单位' } : null,
    c.author ? { kind: 'author', target: c.author, label: c.author_name || '作者' } : null,
  ].filter(Boolean);
  const error = errorBox('case-follow-error');
  const list = h('ul', { class: 'case-follow-list', id: 'case-follow-list', 'aria-busy': 'true' });
  const buttons = [];
  for (const r of rows) {
    const b = h('button', {
      type: 'button', class: 'btn btn-secondary btn-sm case-follow-btn', 'aria-pressed': 'false', disabled: true,
      'data-follow-kind': r.kind, 'data-follow-target': r.target,
    }, FOLLOW_KINDS[r.kind][1]);
    buttons.push({ b, r, follow: null });
    list.append(h('li', { class: 'case-follow-row' },
      h('span', { class: 'case-follow-what' },
        h('span', { class: 'muted case-follow-kind' }, followKindName(r.kind)), ' ',
        h('span', { class: 'case-follow-label' }, r.label)),
      b));
  }
  const show = (x) => {
    const on = !!x.follow;
    x.b.setAttribute('aria-pressed', on ? 'true' : 'false');
    x.b.textContent = on ? '已关注' : FOLLOW_KINDS[x.r.kind][1];
    x.b.setAttribute('aria-label', `${on ? '已关注' : FOLLOW_KINDS[x.r.kind][1]}：${x.r.label}${on ? '（点击取消关注）' : ''}`);
    x.b.classList.toggle('case-follow-on', on);
  };
  for (const x of buttons) {
    show(x);
    x.b.addEventListener('click', async () => {
      replace(error);
      x.b.disabled = true;
      x.b.setAttribute('aria-busy', 'true');
      try {
        if (x.follow) {
          await send(`/api/gov/follows/${encodeURIComponent(x.follow.id)}`, 'DELETE');
          x.follow = null;
        } else {
          x.follow = await send('/api/gov/follows', 'POST', { kind: x.r.kind, target: x.r.target });
        }
        show(x);
      } catch (err) {
        const e = describeError(err);
        if (e.status !== 401) showError(error, Object.values(e.fields)[0] || e.message, e.hint);
      } finally {
        x.b.disabled = false;
        x.b.setAttribute('aria-busy', 'false');
      }
    });
  }
  (async () => {
    try {
      const follows = await listFollows();
      for (const x of buttons) {
        x.follow = follows.find((f) => f.kind === x.r.kind && f.target === x.r.target) || null;
        show(x);
        x.b.disabled = false;
      }
    } catch (err) {
      const e = describeError(err);
      if (e.status !== 401) showError(error, e.message, e.hint);
    } finally {
      list.setAttribute('aria-busy', 'false');
    }
  })();
  return h('section', { class: 'card case-follow', id: 'case-follow', 'aria-labelledby': 'case-follow-title' },
    h('h2', { class: 'card-title', id: 'case-follow-title' }, '关注'),
    h('p', { class: 'field-help' }, '关注后，相关的新案例发布时会通知您，并出现在“关注动态”中。'),
    list, error,
    h('p', { class: 'case-follow-manage' }, h('a', { href: href('cases/follows'), id: 'case-follows-link' }, '关注管理')));
}

// ---------------------------------------------------------------- 评论

// commentsCard lists the comments (oldest first) and, when c.can.comment,
// the form. onCount runs with the new number of comments.
export function commentsCard(c, { onCount } = {}) {
  let total = Number(c.comments || 0);
  let page = 0;
  const count = h('span', { class: 'card-count', id: 'case-comments-count' });
  const showCount = () => { count.textContent = `${formatCount(total)} 条`; };
  showCount();
  const list = h('ol', { class: 'case-comment-list', id: 'case-comments-list' });
  const status = h('p', { class: 'empty case-loading', role: 'status' }, '正在加载评论…');
  const more = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id: 'case-comments-more', hidden: true }, '加载更多评论');
  const listError = errorBox('case-comments-error');
  const changed = (delta) => {
    total = Math.max(0, total + delta);
    showCount();
    status.hidden = total > 0;
    if (total === 0) status.textContent = '还没有评论。';
    onCount?.(total);
  };

  const row = (m) => {
    const del = m.mine ? h('button', { type: 'button', class: 'btn btn-quiet btn-sm', id: `case-comment-del-${m.id}`, 'aria-label': '删除我的这条评论' }, '删除') : null;
    const li = h('li', { class: 'case-comment', 'data-comment': m.id, id: `case-comment-${m.id}` },
      h('p', { class: 'case-comment-head' },
        h('span', { class: 'case-comment-author' }, m.author_name || '（未知用户）'),
        m.unit_name ? h('span', { class: 'muted case-comment-unit' }, m.unit_name) : null,
        h('time', { class: 'muted case-comment-time', datetime: m.created }, formatDateTime(m.created)),
        m.mine ? h('span', { class: 'tag tag-muted' }, '我') : null),
      commentBody(m.body_html),
      del ? h('div', { class: 'case-comment-actions' }, del) : null);
    if (del) {
      del.addEventListener('click', () => confirmHere(del, '确定删除这条评论吗？', async (yes) => {
        replace(listError);
        busy(yes, true, '正在删除…');
        try {
          await send(`${casePath(c.id)}/comments/${encodeURIComponent(m.id)}`, 'DELETE');
          li.remove();
          changed(-1);
          form?.querySelector('textarea')?.focus();
        } catch (err) {
          const e = describeError(err);
          if (e.status !== 401) showError(listError, e.message, e.hint);
          busy(yes, false);
        }
      }));
    }
    return li;
  };

  const loadPage = async () => {
    more.disabled = true;
    try {
      const res = await send(`${casePath(c.id)}/comments`, 'GET', null, { page: page + 1, perPage: 50 });
      page = res?.page || page + 1;
      for (const m of res?.items || []) list.append(row(m));
      total = typeof res?.totalItems === 'number' ? res.totalItems : total;
      showCount();
      status.hidden = total > 0;
      if (total === 0) status.textContent = '还没有评论。';
      more.hidden = page >= (res?.totalPages || 1);
    } catch (err) {
      status.hidden = true;
      const e = describeError(err);
      if (e.status !== 401) showError(listError, e.message, e.hint);
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', loadPage);
  loadPage();

  const form = c.can?.comment ? commentForm(c, (m) => {
    list.append(row(m));
    changed(+1);
  }) : null;

  return h('section', { class: 'card case-comments', id: 'case-comments', 'aria-labelledby': 'case-comments-title' },
    h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'case-comments-title' }, '评论'), count),
    status, list, more, listError, form);
}

// commentBody inserts the comment's body_html: rendered from Markdown and
// sanitized on the server (raw HTML removed), like the case body.
function commentBody(html) {
  const el = h('div', { class: 'case-prose case-comment-body' });
  el.innerHTML = html || '';
  return el;
}

function commentForm(c, onAdded) {
  const id = 'case-comment-body';
  const hint = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
  const text = h('textarea', {
    id, name: 'body', class: 'input case-comment-input', rows: 3, maxlength: 5000,
    'aria-describedby': `${id}-help ${id}-error`, placeholder: '写下您的看法或问题…',
  });
  const error = errorBox('case-comment-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'case-comment-submit' }, '发表评论');
  const form = h('form', { class: 'case-comment-form', id: 'case-comment-form', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: id, class: 'label' }, '发表评论'),
      text,
      h('p', { id: `${id}-help`, class: 'field-help' }, '支持 Markdown。输入 @用户名（如 @zhang.san）可提醒对方查看，对方需有权查看此案例。'),
      hint),
    error,
    h('div', { class: 'actions' }, submit));
  const clear = () => {
    hint.hidden = true;
    hint.textContent = '';
    text.removeAttribute('aria-invalid');
    replace(error);
  };
  text.addEventListener('input', () => { if (!hint.hidden) clear(); });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear();
    busy(submit, true, '正在发表…');
    try {
      const m = await send(`${casePath(c.id)}/comments`, 'POST', { body: text.value });
      text.value = '';
      onAdded(m);
      busy(submit, false);
      document.getElementById(`case-comment-${m.id}`)?.scrollIntoView({ block: 'nearest' });
    } catch (err) {
      busy(submit, false);
      const e = describeError(err);
      if (e.status === 401) return;
      if (e.fields.body) {
        hint.textContent = e.fields.body;
        hint.hidden = false;
        text.setAttribute('aria-invalid', 'true');
        text.focus();
      } else {
        showError(error, Object.values(e.fields)[0] || e.message, e.hint);
      }
    }
  });
  return form;
}

// confirmHere swaps a button for a short question with 确定/取消.
function confirmHere(button, question, onYes) {
  const yes = h('button', { type: 'button', class: 'btn btn-danger btn-sm', id: `${button.id}-yes` }, '确定删除');
  const no = h('button', { type: 'button', class: 'btn btn-quiet btn-sm', id: `${button.id}-no` }, '取消');
  const slot = h('div', { class: 'confirm case-confirm', role: 'group', 'aria-label': question },
    h('p', {}, question), h('div', { class: 'actions' }, yes, no));
  button.replaceWith(slot);
  yes.focus();
  no.addEventListener('click', () => { slot.replaceWith(button); button.focus(); });
  yes.addEventListener('click', () => onYes(yes));
}

// ---------------------------------------------------------------- 相似 / 相关

// relatedCard lists GET {path} → {items} as links; hidden while empty
// when quiet (相关案例 exist only when the case names enterprises/people).
export function relatedCard(c, { kind, title, help, empty }) {
  const list = h('div', { id: `case-${kind}-list` }, h('p', { class: 'empty case-loading', role: 'status' }, '正在加载…'));
  const card = h('section', { class: 'card case-related', id: `case-${kind}`, 'aria-labelledby': `case-${kind}-title` },
    h('h2', { class: 'card-title case-card-title', id: `case-${kind}-title` }, title),
    help ? h('p', { class: 'field-help' }, help) : null,
    list);
  (async () => {
    try {
      const res = await send(`${casePath(c.id)}/${kind}`);
      const items = res?.items || [];
      if (!items.length) {
        replace(list, h('p', { class: 'empty' }, empty));
        return;
      }
      replace(list, h('ul', { class: 'case-mini-list' }, items.map((x) => h('li', { class: 'case-mini', 'data-case': x.id },
        h('a', { class: 'case-mini-title', href: href(`cases/${x.id}`) }, x.title),
        h('span', { class: 'muted case-mini-meta' },
          [x.unit_name, x.published_at ? formatDate(x.published_at) : '', `有用 ${formatCount(x.votes)}`].filter(Boolean).join(' · '))))));
    } catch (err) {
      const e = describeError(err);
      if (e.status === 401) return;
      const box = errorBox(`case-${kind}-error`);
      showError(box, e.message, e.hint);
      replace(list, box);
    }
  })();
  return card;
}

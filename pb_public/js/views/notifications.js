// 消息通知: the bell's unread badge in the top bar, kept live through the
// SDK's realtime subscription to the notifications collection (whose rule
// shows each user only their own records), and the page #/notifications
// listing them (click → mark read and open its link; 全部标为已读).

import { describeError, pb } from '../api.js';
import { h, icon, replace } from '../dom.js';
import { busy, errorBox, showError } from '../form.js';
import { formatCount, formatDateTime } from '../labels.js';

const PATH = '/api/gov/notifications';
const PER_PAGE = 20;

let unread = 0;
let unsubscribe = null; // the live subscription's end, while signed in
let generation = 0; // bumps on stop, so a late subscribe is undone

// setUnread shows n on the bell (hidden at 0) and in its label.
export function setUnread(n) {
  unread = Math.max(0, Number(n) || 0);
  const badge = document.getElementById('bell-count');
  const bell = document.getElementById('topbar-bell');
  if (badge) {
    badge.textContent = unread > 99 ? '99+' : String(unread);
    badge.hidden = unread === 0;
  }
  if (bell) {
    const label = unread ? `消息通知（${formatCount(unread)} 条未读）` : '消息通知';
    bell.setAttribute('aria-label', label);
    bell.setAttribute('title', label);
  }
  document.dispatchEvent(new CustomEvent('gov:unread', { detail: { unread } }));
}

// startBell reads the unread count and subscribes to new notifications.
export async function startBell() {
  stopBell();
  const mine = generation;
  try {
    const res = await pb.send(PATH, { method: 'GET', query: { perPage: 1 } });
    if (mine === generation) setUnread(res?.unread);
  } catch {
    // the badge stays hidden; a 401 is handled by the shell
  }
  try {
    const off = await pb.collection('notifications').subscribe('*', (ev) => {
      if (ev?.action === 'create' && !ev.record?.read_at) {
        setUnread(unread + 1);
        document.dispatchEvent(new CustomEvent('gov:notification', { detail: ev.record }));
      }
    });
    if (mine === generation) unsubscribe = off;
    else off().catch(() => {});
  } catch {
    // no live updates (e.g. a proxy without SSE): the count refreshes on each visit
  }
}

// stopBell ends the live subscription (on sign-out, before the token goes).
export function stopBell() {
  generation += 1;
  const off = unsubscribe;
  unsubscribe = null;
  if (off) off().catch(() => {});
}

// renderNotifications draws the page #/notifications.
export function renderNotifications(main) {
  const list = h('ul', { class: 'note-list', id: 'notes-list' });
  const status = h('p', { class: 'empty case-loading', role: 'status' }, '正在加载通知…');
  const count = h('p', { class: 'card-count', id: 'notes-count', 'aria-live': 'polite' });
  const error = errorBox('notes-error');
  const more = h('button', { type: 'button', class: 'btn btn-secondary', id: 'notes-more', hidden: true }, '加载更多');
  const allRead = h('button', { type: 'button', class: 'btn btn-secondary', id: 'notes-read-all', disabled: true }, '全部标为已读');
  const fresh = h('p', { class: 'notice', id: 'notes-fresh', role: 'status', hidden: true });
  replace(main,
    h('div', { class: 'page-head' },
      h('h1', { class: 'page-title', tabindex: '-1' }, '消息通知'),
      h('p', { class: 'page-sub' }, '案例审核结果、评论中提到您、关注的内容有新发布等。'),
      h('div', { class: 'actions case-head-actions' }, allRead)),
    fresh,
    h('section', { class: 'card', 'aria-labelledby': 'notes-title' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'notes-title' }, '全部通知'), count),
      error, status, list, h('div', { class: 'case-more' }, more)));

  const items = new Map();
  let page = 0;
  const showCount = () => {
    replace(count, unread ? `${formatCount(unread)} 条未读` : '没有未读通知');
    allRead.disabled = unread === 0;
  };

  const markRead = async (body) => {
    const res = await pb.send(`${PATH}/read`, { method: 'POST', body });
    return res?.marked || 0;
  };

  const row = (n) => {
    const when = formatDateTime(n.created);
    const a = h('a', {
      class: 'note-link', href: n.link || '#/notifications', 'data-note': n.id,
    },
      h('span', { class: 'note-dot', 'aria-hidden': 'true' }),
      h('span', { class: 'note-text' },
        h('span', { class: 'note-title' }, n.title),
        n.body ? h('span', { class: 'note-body' }, n.body) : null,
        h('time', { class: 'muted note-time', datetime: n.created }, when)),
      h('span', { class: 'sr-only note-state' }));
    const li = h('li', { class: 'note', id: `note-${n.id}` }, a);
    const show = () => {
      li.dataset.read = n.read ? 'true' : 'false';
      a.querySelector('.note-state').textContent = n.read ? '（已读）' : '（未读）';
    };
    show();
    a.addEventListener('click', async (ev) => {
      ev.preventDefault();
      replace(error);
      if (!n.read) {
        try {
          await markRead({ ids: [n.id] });
          n.read = true;
          show();
          setUnread(unread - 1);
          showCount();
        } catch (err) {
          const e = describeError(err);
          if (e.status === 401) return;
          // open the link anyway: reading matters more than the mark
        }
      }
      if (n.link && n.link.startsWith('#/')) window.location.hash = n.link;
    });
    items.set(n.id, { n, show });
    return li;
  };

  const load = async () => {
    busy(more, true, '正在加载…');
    try {
      const res = await pb.send(PATH, { method: 'GET', query: { page: page + 1, perPage: PER_PAGE } });
      page = res?.page || page + 1;
      setUnread(res?.unread);
      status.hidden = true;
      for (const n of res?.items || []) if (!items.has(n.id)) list.append(row(n));
      if (!items.size) {
        status.hidden = false;
        status.id = 'notes-empty';
        status.textContent = '暂无通知。案例审核结果、评论中提到您等消息会显示在这里。';
      }
      more.hidden = page >= (res?.totalPages || 1);
      showCount();
    } catch (err) {
      status.hidden = true;
      const e = describeError(err);
      if (e.status !== 401) showError(error, e.message, e.hint);
    } finally {
      busy(more, false);
    }
  };
  more.addEventListener('click', load);

  allRead.addEventListener('click', async () => {
    replace(error);
    busy(allRead, true, '正在标记…');
    try {
      await markRead({ all: true });
      for (const { n, show } of items.values()) { n.read = true; show(); }
      setUnread(0);
      busy(allRead, false);
      showCount();
    } catch (err) {
      busy(allRead, false);
      showCount();
      const e = describeError(err);
      if (e.status !== 401) showError(error, e.message, e.hint);
    }
  });

  // A notification arriving while the page is open: offer it on top.
  const onNew = () => {
    if (!main.contains(list)) { document.removeEventListener('gov:notification', onNew); return; }
    replace(fresh, icon('bell', 'icon icon-sm'), '有新的通知。',
      h('button', {
        type: 'button', class: 'btn btn-quiet btn-sm', id: 'notes-refresh',
        onclick: () => { window.dispatchEvent(new HashChangeEvent('hashchange')); },
      }, '刷新'));
    fresh.hidden = false;
    showCount();
  };
  document.addEventListener('gov:notification', onNew);

  load();
  return '消息通知';
}


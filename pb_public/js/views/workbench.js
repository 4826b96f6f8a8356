// 工作台 (and the phone's 待办 tab): what waits for me — documents to
// handle, notices to confirm or read, the newest cases of what I follow,
// this year's training hours, and for leaders their units' overdue
// documents and notice read rates — from one request (GET
// /api/gov/workbench), refreshed when a notification arrives; then who I
// am here, my grants and the modules.

import { describeError } from '../api.js';
import { h, icon, replace } from '../dom.js';
import { formatCount, formatDate, grantKindName, levelName, roleName, today, weekday } from '../labels.js';
import { href, visibleMenu } from '../modules.js';
import { docUrgencyTag } from './docs.js';
import { confirmTag, shortTime, urgencyTag } from './notices.js';
import { bar } from './notices_receipts.js';
import { send } from './cases.js';

let live = null; // the listener of the page on screen

export function renderWorkbench(main, me, { todo = false } = {}) {
  const name = me.name || me.username;
  const parts = h('div', { class: 'grid wb-parts', id: 'wb-parts', 'aria-live': 'polite' },
    h('p', { class: 'empty case-loading', role: 'status' }, '正在加载待办…'));
  replace(main,
    h('div', { class: 'page-head' },
      h('h1', { class: 'page-title', tabindex: '-1' }, todo ? '待办' : '工作台'),
      h('p', { class: 'page-sub' }, todo ? '需要您处理的公文和通知。' : `${name}，您好。今天是 ${today()} ${weekday(new Date())}。`)),
    parts,
    todo ? null : h('div', { class: 'grid' },
      profileCard(me),
      grantsCard(me.grants || []),
      shortcutsCard(me)));
  const load = async () => {
    let w;
    try {
      w = await send('/api/gov/workbench');
    } catch (err) {
      if (!parts.isConnected) return;
      const e = describeError(err);
      if (e.status !== 401) replace(parts, h('p', { class: 'form-error', id: 'wb-error', role: 'alert' }, e.message));
      return;
    }
    if (!parts.isConnected) return;
    const cards = [w.docs ? docsCard(w.docs) : null, w.notices ? noticesCard(w.notices) : null];
    if (!todo) cards.push(w.oversee ? overseeCard(w.oversee) : null, w.training ? trainingCard(w.training) : null, w.cases ? casesCard(w.cases) : null);
    const shown = cards.filter(Boolean);
    replace(parts, shown.length ? shown : h('p', { class: 'empty', id: 'wb-nothing' }, '您的角色不涉及业务事项。'));
  };
  if (live) document.removeEventListener('gov:notification', live);
  live = () => { if (parts.isConnected) load(); else { document.removeEventListener('gov:notification', live); live = null; } };
  document.addEventListener('gov:notification', live);
  load();
  return todo ? '待办' : '工作台';
}

const more = (route, text) => h('a', { class: 'card-more', href: href(route) }, text);

function docsCard(d) {
  const items = d.items || [];
  return card('待办公文', 'docs',
    items.length ? h('ul', { class: 'wb-list', id: 'wb-docs' }, items.map((it) => h('li', { class: 'wb-item', 'data-id': it.id },
      h('a', { href: href(`docs/${it.id}`), class: 'wb-title' }, it.title),
      h('span', { class: 'wb-meta muted' }, docUrgencyTag(it.urgency), ' ', it.step_name || '', ' ',
        it.my_deadline ? h('span', { class: `tag ${it.overdue ? 'tag-bad' : 'tag-muted'}` }, `${it.overdue ? '已超时 · ' : ''}${shortTime(it.my_deadline)}前`) : null))))
      : h('p', { class: 'empty', id: 'wb-docs-none' }, '没有待办公文。'),
    h('p', { class: 'card-count', id: 'wb-docs-count' }, `待办 ${formatCount(d.pending)}`, d.overdue ? h('span', { class: 'tag tag-bad wb-overdue' }, `超时 ${formatCount(d.overdue)}`) : null),
    items.length ? more('docs', '全部待办 ›') : null);
}

function noticesCard(n) {
  const items = n.items || [];
  return card('通知待阅', 'notices',
    items.length ? h('ul', { class: 'wb-list', id: 'wb-notices' }, items.map((it) => h('li', { class: 'wb-item', 'data-id': it.id },
      h('a', { href: href(`notices/${it.id}`), class: 'wb-title' }, it.title),
      h('span', { class: 'wb-meta muted' }, urgencyTag(it.urgency), ' ', confirmTag(it), ' ', it.receipt?.read_at ? '' : h('span', { class: 'tag tag-warn' }, '未读'), ' ', it.unit_name))))
      : h('p', { class: 'empty', id: 'wb-notices-none' }, '没有待阅或待确认的通知。'),
    h('p', { class: 'card-count', id: 'wb-notices-count' }, `未读 ${formatCount(n.unread)} · 待确认 ${formatCount(n.pending)}`,
      n.overdue ? h('span', { class: 'tag tag-bad wb-overdue' }, `逾期 ${formatCount(n.overdue)}`) : null),
    more('notices', '收件箱 ›'));
}

function casesCard(c) {
  const items = c.items || [];
  return card(c.followed ? '关注动态' : '最新案例', 'cases',
    items.length ? h('ul', { class: 'wb-list', id: 'wb-cases' }, items.map((it) => h('li', { class: 'wb-item', 'data-id': it.id },
      h('a', { href: href(`cases/${it.id}`), class: 'wb-title' }, it.title),
      h('span', { class: 'wb-meta muted' }, [it.unit_name, formatDate(it.published_at)].filter(Boolean).join(' · ')))))
      : h('p', { class: 'empty' }, '暂无新的案例。'), null,
    c.followed ? null : h('p', { class: 'muted wb-hint' }, '在案例页“关注”单位、条线、标签或作者，这里只显示您关注的新案例。'),
    more('cases', '经验案例 ›'));
}

function trainingCard(t) {
  const need = t.need?.hours || 0;
  const pct = need > 0 ? Math.min(100, (t.hours / need) * 100) : 100;
  const hrs = (x) => `${Math.round((Number(x) || 0) * 10) / 10}`;
  return card(`${t.year} 年度学时`, 'training', h('div', {},
    h('p', { class: 'wb-hours' }, h('strong', { id: 'wb-hours' }, hrs(t.hours)), ` / ${hrs(need)} 学时 `,
      h('span', { class: `tag ${t.met ? 'tag-ok' : 'tag-warn'}`, id: 'wb-met' }, t.met ? '已达标' : `未达标 · 距年底 ${t.weeks_left} 周`)),
    h('div', { class: 'ntc-bar-bars', role: 'img', 'aria-label': `已完成 ${hrs(t.hours)} / ${hrs(need)} 学时` }, bar(pct, t.met ? 'ntc-bar-read' : 'ntc-bar-confirm'))),
    null, more('training/me', '我的培训 ›'));
}

function overseeCard(o) {
  const overdue = o.overdue || [];
  const rates = o.read_rates || [];
  const pct = (a, b) => (b ? Math.round((a / b) * 1000) / 10 : 0);
  return card('本单位督办', 'oversee', h('div', {},
    h('h3', { class: 'card-subtitle' }, '超时未办的公文'),
    overdue.length ? h('ul', { class: 'wb-list', id: 'wb-overdue' }, overdue.map((u) => h('li', { class: 'wb-item', 'data-unit': u.unit },
      h('span', { class: 'wb-title' }, u.name), h('span', { class: 'tag tag-bad' }, `${formatCount(u.overdue)} 件`))))
      : h('p', { class: 'empty', id: 'wb-overdue-none' }, '没有超时未办的公文。'),
    h('h3', { class: 'card-subtitle' }, '近期通知阅读率'),
    rates.length ? h('ul', { class: 'ntc-bars', id: 'wb-rates' }, rates.map((r) => h('li', { class: 'ntc-bar-row', 'data-id': r.id },
      h('a', { class: 'ntc-bar-name', href: href(`notices/${r.id}/receipts`) }, r.title),
      h('span', { class: 'ntc-bar-bars', role: 'img', 'aria-label': `已读 ${r.read}/${r.recipients}` }, bar(pct(r.read, r.recipients), 'ntc-bar-read')),
      h('span', { class: 'ntc-bar-figs' }, `${pct(r.read, r.recipients)}%`, r.must_confirm ? ` · 确认 ${pct(r.confirmed, r.recipients)}%` : ''))))
      : h('p', { class: 'empty' }, '近 30 天没有发布通知。')));
}

function profileCard(me) {
  const unit = me.unit || {};
  const rows = [
    ['姓名', me.name || me.username],
    ['用户名', me.username],
    me.position ? ['职务', me.position] : null,
    ['所在单位', h('span', {}, unit.name || '—', ' ', levelTag(unit.level))],
    ['角色', roleTags(me.roles || [])],
  ].filter(Boolean);
  return card('我的信息', 'profile',
    h('dl', { class: 'facts', id: 'me-facts' },
      rows.map(([k, v]) => h('div', { class: 'fact' }, h('dt', {}, k), h('dd', {}, v)))));
}

function levelTag(level) {
  return level ? h('span', { class: 'tag tag-level' }, levelName(level)) : null;
}

function roleTags(roles) {
  if (roles.length === 0) return h('span', { class: 'muted' }, '暂无角色，请联系安全管理员');
  return h('span', { class: 'tags' }, roles.map((r) => h('span', { class: 'tag' }, roleName(r))));
}

function grantsCard(grants) {
  const body = grants.length === 0
    ? h('p', { class: 'empty' }, '暂无生效中的兼职、挂职或代理授权。如需在其他单位办理工作，请联系安全管理员。')
    : h('div', { class: 'table-wrap' },
      h('table', { class: 'table table-stack', id: 'grants' },
        h('caption', { class: 'sr-only' }, '生效中的兼职、挂职与代理授权'),
        h('thead', {}, h('tr', {},
          ['类型', '角色', '单位', '起止日期'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, grants.map(grantRow))));
  return card('兼职、挂职与代理', 'grants', body,
    grants.length ? h('p', { class: 'card-count' }, `共 ${grants.length.toLocaleString('zh-CN')} 项`) : null);
}

function grantRow(g) {
  const starts = formatDate(g.starts) || '—';
  const ends = formatDate(g.ends) || '长期';
  return h('tr', {},
    h('td', { class: 'nowrap', 'data-label': '类型' }, grantKindName(g.kind)),
    h('td', { class: 'nowrap', 'data-label': '角色' }, roleName(g.role)),
    h('td', { 'data-label': '单位' }, h('span', {}, g.unit?.name || '—', ' ', levelTag(g.unit?.level))),
    h('td', { class: 'nowrap', 'data-label': '起止日期' }, `${starts} 至 ${ends}`));
}

function shortcutsCard(me) {
  const mods = visibleMenu(me).filter((m) => m.id !== 'workbench');
  return card('常用入口', 'shortcuts',
    h('ul', { class: 'shortcuts' }, mods.map((m) =>
      h('li', {}, h('a', { class: 'shortcut', href: href(m.id) }, icon(m.icon), h('span', {}, m.title))))));
}

function card(title, id, body, extra, ...rest) {
  return h('section', { class: 'card', 'aria-labelledby': `card-${id}`, id: `wb-card-${id}` },
    h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: `card-${id}` }, title), extra),
    body, ...rest);
}

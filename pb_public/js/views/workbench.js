// 工作台: who I am here (unit, level, roles), my running grants
// (兼职/挂职/代理), and where the day's work will appear.

import { h, icon, replace } from '../dom.js';
import { formatDate, grantKindName, levelName, roleName, today, weekday } from '../labels.js';
import { href, visibleMenu } from '../modules.js';

export function renderWorkbench(main, me) {
  const name = me.name || me.username;
  replace(main,
    h('div', { class: 'page-head' },
      h('h1', { class: 'page-title', tabindex: '-1' }, '工作台'),
      h('p', { class: 'page-sub' }, `${name}，您好。今天是 ${today()} ${weekday(new Date())}。`)),
    h('div', { class: 'grid' },
      profileCard(me),
      grantsCard(me.grants || []),
      todoCard(),
      shortcutsCard(me)));
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

function todoCard() {
  return card('待办与动态', 'todo',
    h('div', { class: 'building building-inline' },
      icon('build', 'icon building-icon'),
      h('div', {},
        h('p', { class: 'building-title' }, '建设中'),
        h('p', {}, '待办公文、待确认的通知、待审核的经验案例和最新动态将汇总在这里。'))));
}

function shortcutsCard(me) {
  const mods = visibleMenu(me).filter((m) => m.id !== 'workbench');
  return card('常用入口', 'shortcuts',
    h('ul', { class: 'shortcuts' }, mods.map((m) =>
      h('li', {}, h('a', { class: 'shortcut', href: href(m.id) }, icon(m.icon), h('span', {}, m.title))))));
}

function card(title, id, body, extra) {
  return h('section', { class: 'card', 'aria-labelledby': `card-${id}` },
    h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: `card-${id}` }, title), extra),
    body);
}

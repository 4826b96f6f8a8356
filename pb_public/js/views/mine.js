// 我的 (the phone's last tab): who I am, every module the tab bar has no
// room for, and 退出 within thumb reach.

import { h, icon, replace } from '../dom.js';
import { levelName, roleName } from '../labels.js';
import { TABS, href, visibleMenu } from '../modules.js';

export function renderMine(main, me, { onLogout }) {
  const unit = me.unit || {};
  const inTabs = new Set(TABS.map((t) => t.id));
  const more = visibleMenu(me).filter((m) => !inTabs.has(m.id));
  replace(main,
    h('div', { class: 'page-head' }, h('h1', { class: 'page-title', tabindex: '-1' }, '我的')),
    h('section', { class: 'card mine-card', 'aria-label': '个人信息' },
      h('span', { class: 'avatar', 'aria-hidden': 'true' }, (me.name || me.username || '?').slice(0, 1)),
      h('div', {},
        h('p', { class: 'mine-name' }, me.name || me.username),
        h('p', { class: 'mine-unit' }, unit.name || '', unit.level ? `（${levelName(unit.level)}）` : ''),
        h('p', { class: 'tags' }, (me.roles || []).map((r) => h('span', { class: 'tag' }, roleName(r)))))),
    h('nav', { class: 'card', 'aria-label': '全部功能' },
      h('h2', { class: 'card-title' }, '全部功能'),
      h('ul', { class: 'mine-links' }, more.map((m) =>
        h('li', {}, h('a', { class: 'mine-link', href: href(m.id) }, icon(m.icon), h('span', {}, m.title)))))),
    h('nav', { class: 'card', 'aria-label': '账号' },
      h('h2', { class: 'card-title' }, '账号'),
      h('ul', { class: 'mine-links' },
        h('li', {}, h('a', { class: 'mine-link', href: href('account'), id: 'mine-account' },
          icon('gear'), h('span', {}, '账号安全'), h('span', { class: 'muted link-note' }, '修改密码、登录会话、动态口令'))))),
    h('button', { type: 'button', class: 'btn btn-secondary btn-block', id: 'mine-logout', onclick: onLogout },
      icon('logout', 'icon icon-sm'), '退出登录'));
}

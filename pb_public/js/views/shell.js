// The signed-in frame: demo banner, top bar (system name, search, the
// bell of 消息通知 with its unread badge (views/notifications.js), user, 退出), the left menu (desktop) or bottom tab bar (phone), the main
// area the pages render into, and the watermark.

import { h, icon, replace } from '../dom.js';
import { today } from '../labels.js';
import { TABS, href, visibleMenu } from '../modules.js';
import { attachSuggest } from '../suggest.js';
import { mountWatermark } from '../watermark.js';

// renderShell draws the frame for me into root and returns
// {main, setActive(id), setQuery(q)}. onLogout runs when 退出 is pressed.
export function renderShell(root, me, { onLogout }) {
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
  const menu = visibleMenu(me);
  const menuLinks = menu.map((m) => navLink(m, 'menu-link'));
  const tabLinks = TABS.map((t) => navLink(t, 'tab-link'));
  const search = searchForm();

  replace(root,
    h('a', { class: 'skip-link', href: '#main', onclick: skipToMain }, '跳到主要内容'),
    me.demo ? h('div', { class: 'demo-banner', role: 'note', id: 'demo-banner' },
      h('strong', {}, '演示环境'), '：账号和数据均为虚构示例，仅供体验，请勿录入真实工作信息。') : null,
    h('header', { class: 'topbar' },
      h('a', { class: 'brand', href: href('workbench') },
        h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '政'),
        h('span', { class: 'brand-name' }, '政务协同')),
      search.form,
      h('div', { class: 'topbar-actions' },
        h('a', { class: 'bell', id: 'topbar-bell', href: href('notifications'), 'aria-label': '消息通知', title: '消息通知' },
          icon('bell'), h('span', { class: 'bell-count', hidden: true, id: 'bell-count' })),
        h('a', { class: 'user', id: 'topbar-user', href: href('account'), title: '账号安全' },
          h('span', { class: 'user-name' }, me.name || me.username),
          h('span', { class: 'user-unit' }, me.unit?.name || '')),
        h('button', { type: 'button', class: 'btn btn-quiet logout', id: 'logout', onclick: onLogout },
          icon('logout', 'icon icon-sm'), '退出'))),
    h('div', { class: 'layout' },
      h('nav', { class: 'sidemenu', 'aria-label': '主菜单', id: 'sidemenu' },
        h('ul', { class: 'menu-list' }, menuLinks.map((a) => h('li', {}, a)))),
      main),
    h('nav', { class: 'tabbar', 'aria-label': '快捷导航', id: 'tabbar' },
      h('ul', { class: 'tab-list' }, tabLinks.map((a) => h('li', {}, a)))));

  mountWatermark(root, {
    name: me.name || me.username,
    unit: me.unit?.name || '',
    date: today(),
  });

  return {
    main,
    setActive(id) {
      for (const a of [...menuLinks, ...tabLinks]) {
        if (a.dataset.route === id) a.setAttribute('aria-current', 'page');
        else a.removeAttribute('aria-current');
      }
    },
    setQuery(q) {
      search.input.value = q || '';
    },
  };
}

function navLink(mod, cls) {
  return h('a', { class: cls, href: href(mod.id), 'data-route': mod.id },
    icon(mod.icon), h('span', { class: `${cls}-text` }, mod.title));
}

function searchForm() {
  const input = h('input', {
    id: 'topbar-q', type: 'search', name: 'q', class: 'input search-input',
    placeholder: '搜索案例、通知、公文、课程', autocomplete: 'off', enterkeyhint: 'search',
  });
  const form = h('form', { class: 'topbar-search', role: 'search', 'aria-label': '全站搜索' },
    h('label', { for: 'topbar-q', class: 'sr-only' }, '搜索关键词'),
    input,
    h('button', { type: 'submit', class: 'search-btn', 'aria-label': '搜索' }, icon('search')));
  const go = (q) => { window.location.hash = href('search', q ? { q } : null); };
  const sug = attachSuggest(input, (text) => { input.value = text; go(text); });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    sug.close();
    go(input.value.trim());
  });
  return { form, input };
}

// The skip link must not change the hash (the router owns it).
function skipToMain(ev) {
  ev.preventDefault();
  document.getElementById('main')?.focus();
}

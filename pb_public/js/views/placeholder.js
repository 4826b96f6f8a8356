// 建设中: the page of a module not built yet, saying what will be there;
// and the page shown when the user's roles do not allow a module.

import { h, icon, replace } from '../dom.js';
import { href } from '../modules.js';

export function renderPlaceholder(main, mod) {
  replace(main,
    h('div', { class: 'page-head' },
      h('h1', { class: 'page-title', tabindex: '-1' }, mod.title),
      mod.intro ? h('p', { class: 'page-sub' }, mod.intro) : null),
    h('section', { class: 'card building', id: 'building', 'aria-labelledby': 'building-title' },
      icon('build', 'icon building-icon'),
      h('div', {},
        h('h2', { class: 'building-title', id: 'building-title' }, '建设中'),
        h('p', {}, `“${mod.title}”模块正在建设。上线后，您可以在这里：`),
        h('ul', { class: 'building-list' }, (mod.planned || []).map((t) => h('li', {}, t))),
        h('p', { class: 'muted' }, h('a', { href: href('workbench') }, '返回工作台')))));
}

export function renderForbidden(main, mod) {
  replace(main,
    h('div', { class: 'page-head' },
      h('h1', { class: 'page-title', tabindex: '-1' }, mod.title)),
    h('section', { class: 'card building', id: 'forbidden' },
      icon('alert', 'icon building-icon'),
      h('div', {},
        h('h2', { class: 'building-title' }, '无权访问'),
        h('p', {}, `“${mod.title}”仅对系统管理员、安全管理员和安全审计员开放。`),
        h('p', {}, h('a', { href: href('workbench') }, '返回工作台')))));
}

export function renderNotFound(main) {
  replace(main,
    h('div', { class: 'page-head' }, h('h1', { class: 'page-title', tabindex: '-1' }, '页面不存在')),
    h('section', { class: 'card building' },
      icon('alert', 'icon building-icon'),
      h('div', {},
        h('p', {}, '您访问的页面不存在，可能是链接有误。'),
        h('p', {}, h('a', { href: href('workbench') }, '返回工作台')))));
}

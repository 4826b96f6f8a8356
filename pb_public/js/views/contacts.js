// 通讯录 (#/contacts?unit=&q=): browse units level by level (breadcrumb,
// child units, the people of the unit) or find people by name, account or
// position; each person with position, unit, phone (masked unless the
// policy lets the viewer see it: then a tel: link), e-mail (mailto:) and
// their published cases.

import { h, replace } from '../dom.js';
import { errorBox } from '../form.js';
import { formatCount, levelName } from '../labels.js';
import { href } from '../modules.js';
import { failure, loading, pageHead, send } from './cases.js';

export function renderContacts(main, me, params) {
  const unit = params.get('unit') || '';
  const q = (params.get('q') || '').trim();
  const go = (p) => { window.location.hash = href('contacts', Object.fromEntries(Object.entries(p).filter(([, v]) => v))); };
  const input = h('input', { type: 'search', id: 'ct-q', class: 'input', value: q, maxlength: 50, autocomplete: 'off',
    enterkeyhint: 'search', placeholder: '姓名、账号或职务', 'aria-label': '查找人员' });
  const form = h('form', { class: 'card srch-form', id: 'ct-form', role: 'search' },
    h('div', { class: 'srch-row' }, input, h('button', { type: 'submit', class: 'btn btn-primary', id: 'ct-go' }, '查找')),
    h('p', { class: 'actions ct-jump' },
      h('a', { href: href('contacts'), id: 'ct-top', class: 'btn btn-quiet btn-sm' }, '全部单位'),
      me.unit?.id ? h('a', { href: href('contacts', { unit: me.unit.id }), id: 'ct-mine', class: 'btn btn-quiet btn-sm' }, '本单位') : null));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); go({ q: input.value.trim() }); });
  const root = h('div', { id: 'ct-body' }, loading('正在加载通讯录…'));
  replace(main, pageHead('通讯录', '各级单位和工作人员的联系方式。电话按权限显示，其余以星号遮盖。'), form, root);
  (async () => {
    try {
      if (q) {
        const people = await send('/api/gov/users', 'GET', null, { q, perPage: 50 });
        if (!root.isConnected) return;
        replace(root, peopleCard(`“${q}”的查找结果`, people));
        return;
      }
      const [units, people, cur] = await Promise.all([
        send('/api/gov/units', 'GET', null, unit ? { parent: unit, sort: 'sort', perPage: 200 } : { level: 'province', sort: 'sort' }),
        unit ? send('/api/gov/users', 'GET', null, { unit, perPage: 100, sort: 'name' }) : null,
        unit ? send('/api/gov/units', 'GET', null, { id: unit }) : null,
      ]);
      const current = cur?.items?.[0];
      // the breadcrumb: the units above, by the prefixes of its path
      const segs = (current?.path || '').split('/').filter(Boolean);
      const paths = segs.slice(0, -1).map((_, i) => `/${segs.slice(0, i + 1).join('/')}/`);
      const above = paths.length ? (await send('/api/gov/units', 'GET', null, { path: paths.join(','), sort: 'path' }))?.items || [] : [];
      if (!root.isConnected) return;
      const crumbs = h('nav', { class: 'ct-crumbs', id: 'ct-crumbs', 'aria-label': '单位层级' },
        h('a', { href: href('contacts') }, '全部单位'),
        above.map((u) => [' › ', h('a', { href: href('contacts', { unit: u.id }) }, u.name)]),
        current ? [' › ', h('strong', { 'aria-current': 'page' }, current.name)] : null);
      const kids = units?.items || [];
      const unitsCard = kids.length ? h('section', { class: 'card', id: 'ct-units', 'aria-labelledby': 'ct-units-title' },
        h('h2', { class: 'card-title', id: 'ct-units-title' }, current ? '下级单位' : '单位'),
        h('ul', { class: 'wb-list' }, kids.map((u) => h('li', { class: 'wb-item', 'data-unit': u.id },
          h('a', { href: href('contacts', { unit: u.id }), class: 'wb-title' }, u.name),
          h('span', { class: 'muted wb-meta' }, levelName(u.level)))))) : null;
      replace(root, crumbs, unitsCard, people ? peopleCard(current ? `${current.name} 人员` : '人员', people) : null);
    } catch (err) {
      if (root.isConnected) failure(root, err, 'ct-error');
    }
  })();
  return '通讯录';
}

// peopleCard lists people with the ways to reach them.
function peopleCard(title, res) {
  const items = res?.items || [];
  const masked = (p) => !p || p.includes('*');
  return h('section', { class: 'card', id: 'ct-people', 'aria-labelledby': 'ct-people-title' },
    h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'ct-people-title' }, title),
      h('span', { class: 'card-count' }, `${formatCount(res?.totalItems ?? items.length)} 人`)),
    items.length ? h('ul', { class: 'wb-list ct-people', id: 'ct-list' }, items.map((p) => h('li', { class: 'wb-item ct-person', 'data-user': p.id },
      h('span', { class: 'wb-title' }, h('strong', {}, p.name), p.position ? h('span', { class: 'muted' }, ` · ${p.position}`) : null,
        h('span', { class: 'muted ct-unit' }, ` · ${p.unit_name}`)),
      h('span', { class: 'actions ct-ways' },
        p.phone ? (masked(p.phone) ? h('span', { class: 'muted ct-phone', title: '无权查看完整号码' }, p.phone)
          : h('a', { class: 'btn btn-secondary btn-sm ct-call', href: `tel:${p.phone}` }, `致电 ${p.phone}`)) : null,
        p.email ? h('a', { class: 'btn btn-secondary btn-sm ct-mail', href: `mailto:${p.email}` }, '发邮件') : null,
        h('a', { class: 'btn btn-quiet btn-sm ct-cases', href: href('cases', { author: p.id, author_name: p.name }) }, 'TA的案例')))))
      : h('p', { class: 'empty', id: 'ct-none' }, '没有找到人员。'),
    errorBox('ct-people-error'));
}

// The audience builder of 通知公告 (compose and 转发): units picked from
// the directory (/api/gov/units?q=) each with 含下级单位, narrowed by
// 层级, 条线 and 角色, plus named people (/api/gov/users?q=), minus
// excluded units and people; and 预览对象, which asks the
// server (POST /api/gov/notices/preview) how many people it reaches, per unit.

import { describeError, pb } from '../api.js';
import { h, replace } from '../dom.js';
import { busy, errorBox, showError } from '../form.js';
import { LEVELS, ROLES, formatCount, levelName } from '../labels.js';

export const SYSTEMS = { office: '办公厅（室）', tax: '税务', hr: '人力资源和社会保障', market: '市场监管' };
const AUDIENCE_ROLES = ['staff', 'leader', 'clerk', 'reviewer', 'trainer', 'hr'];

// audienceBuilder returns {wrap, value(), hint, input, showErrors(e)}; prefix
// keeps the ids of two builders on one page apart.
export function audienceBuilder(prefix, { legend = '通知对象', preview = true } = {}) {
  const include = unitPicker(`${prefix}-units`, '发送单位', '输入单位名称查找，如“东城市”，点“添加”。勾选“含下级”则下级单位一并接收。', true);
  const exclude = unitPicker(`${prefix}-exclude`, '排除单位', '这些单位（及勾选“含下级”时其下级）的人员不接收。', false);
  const levels = checks(`${prefix}-levels`, '层级', LEVELS);
  const systems = checks(`${prefix}-systems`, '条线', SYSTEMS);
  const roles = checks(`${prefix}-roles`, '角色', Object.fromEntries(AUDIENCE_ROLES.map((r) => [r, ROLES[r]])));
  const people = peoplePicker(`${prefix}-users`, '指定人员', '按姓名、账号或职务查找，点“添加”。指定的人员一定接收（除非被排除）。');
  const excludePeople = peoplePicker(`${prefix}-exclude-users`, '排除人员', '这些人员不接收。');
  const hint = h('p', { id: `${prefix}-error`, class: 'field-error', hidden: true });

  const value = () => ({
    units: include.values(), levels: levels.values(), systems: systems.values(), roles: roles.values(),
    users: people.values(), exclude_units: exclude.values(), exclude_users: excludePeople.values(),
  });

  const result = h('div', { class: 'ntc-preview', id: `${prefix}-preview`, 'aria-live': 'polite' });
  const error = errorBox(`${prefix}-preview-error`);
  const previewBtn = h('button', { type: 'button', class: 'btn btn-secondary', id: `${prefix}-preview-btn` }, '预览对象');
  previewBtn.addEventListener('click', async () => {
    replace(error);
    replace(result);
    busy(previewBtn, true, '正在统计…');
    try {
      const res = await pb.send('/api/gov/notices/preview', { method: 'POST', body: { audience: value() } });
      replace(result, previewTable(prefix, res));
    } catch (err) {
      const e = describeError(err);
      if (e.status !== 401) showError(error, Object.values(e.fields)[0] || e.message, e.hint);
    } finally {
      busy(previewBtn, false);
    }
  });

  const set = h('fieldset', { class: 'case-fieldset ntc-audience', id: prefix, 'aria-describedby': `${prefix}-error` },
    h('legend', { class: 'label' }, legend, h('span', { class: 'required', 'aria-hidden': 'true' }, ' *')),
    h('p', { class: 'field-help' }, '先选单位；再按层级、条线、角色缩小范围（不选即不限）。只选层级、条线或角色时，在您有权发布的全部单位中筛选。'),
    include.wrap,
    h('div', { class: 'ntc-check-groups' }, levels.wrap, systems.wrap, roles.wrap),
    h('details', { class: 'ntc-more', id: `${prefix}-people` }, h('summary', {}, '指定人员'), people.wrap),
    h('details', { class: 'ntc-more', id: `${prefix}-more` }, h('summary', {}, '排除单位或人员'), exclude.wrap, excludePeople.wrap),
    hint,
    preview ? h('div', { class: 'actions ntc-preview-actions' }, previewBtn) : null,
    error, result);
  return {
    wrap: h('div', { class: 'field' }, set), input: set, hint, focusEl: include.input, value,
    // showErrors puts audience.* field errors under the builder; true when any.
    showErrors(e) {
      const msgs = Object.entries(e.fields).filter(([k]) => k === 'audience' || k.startsWith('audience.')).map(([, v]) => v);
      if (!msgs.length) return false;
      hint.textContent = msgs.join('；');
      hint.hidden = false;
      set.setAttribute('aria-invalid', 'true');
      return true;
    },
    clear() {
      hint.textContent = '';
      hint.hidden = true;
      set.removeAttribute('aria-invalid');
    },
  };
}

function previewTable(prefix, res) {
  const units = res?.units || [];
  return h('div', { class: 'ntc-preview-box' },
    h('p', { class: 'ntc-preview-total', id: `${prefix}-preview-total` },
      '将发送给 ', h('strong', {}, formatCount(res?.total)), ' 人',
      units.length ? `，分布在 ${formatCount(units.length)}${res?.truncated ? ' 个以上' : ' 个'}单位` : ''),
    units.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table ntc-preview-table', id: `${prefix}-preview-table` },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '单位'), h('th', { scope: 'col' }, '层级'), h('th', { scope: 'col', class: 'num' }, '人数'))),
      h('tbody', {}, units.map((u) => h('tr', { 'data-unit': u.unit },
        h('td', {}, u.name), h('td', { class: 'nowrap' }, levelName(u.level)), h('td', { class: 'num' }, formatCount(u.count))))))) : null,
    res?.truncated ? h('p', { class: 'field-help' }, '单位较多，只列出一部分。') : null,
    !res?.total ? h('p', { class: 'notice notice-warn' }, '按当前条件没有人会收到此通知，请调整通知对象。') : null);
}

// checks is a row of checkboxes over options {code: label}.
function checks(id, legend, options) {
  const boxes = Object.entries(options).map(([code, label]) => h('label', { class: 'check ntc-check', for: `${id}-${code}` },
    h('input', { type: 'checkbox', id: `${id}-${code}`, value: code, name: id }), label));
  const wrap = h('fieldset', { class: 'case-fieldset ntc-checks', id },
    h('legend', { class: 'ntc-legend' }, legend), h('div', { class: 'ntc-check-row' }, boxes));
  return { wrap, values: () => boxes.map((l) => l.querySelector('input')).filter((i) => i.checked).map((i) => i.value) };
}

// unitPicker finds units by name and keeps the picked ones, each with 含下级.
function unitPicker(id, label, help, subtreeDefault) {
  const p = picker({
    id, label, help, placeholder: '单位名称或简称', endpoint: '/api/gov/units', dataKey: 'unit',
    describe: (u) => ` ${levelName(u.level)}`,
    extra: (u) => {
      const sub = h('input', { type: 'checkbox', id: `${id}-sub-${u.id}`, checked: subtreeDefault });
      return { el: h('label', { class: 'check ntc-sub', for: `${id}-sub-${u.id}` }, sub, '含下级'), value: () => sub.checked };
    },
  });
  return { wrap: p.wrap, input: p.input, values: () => p.picked().map(({ item, extra }) => ({ id: item.id, subtree: extra() })) };
}

// peoplePicker finds colleagues in the directory and keeps the picked ones
// (also 公文 转办/加签).
export function peoplePicker(id, label, help) {
  const p = picker({
    id, label, help, placeholder: '姓名、账号或职务', endpoint: '/api/gov/users', dataKey: 'user',
    describe: (u) => ` ${u.unit_name}${u.position ? ' · ' + u.position : ''}`,
  });
  return { wrap: p.wrap, input: p.input, values: () => p.picked().map(({ item }) => item.id) };
}

// picker is a search box over a directory endpoint (?q=) and the list of
// picked items, each with an optional extra control and 移除.
function picker({ id, label, help, placeholder, endpoint, dataKey, describe, extra }) {
  const picked = new Map(); // item id → {item, extra value()}
  const input = h('input', {
    id: `${id}-q`, type: 'search', class: 'input', autocomplete: 'off', placeholder, maxlength: 50,
    'aria-describedby': `${id}-help`, enterkeyhint: 'search',
  });
  const find = h('button', { type: 'button', class: 'btn btn-secondary', id: `${id}-find` }, '查找');
  const found = h('ul', { class: 'ntc-unit-found', id: `${id}-found`, 'aria-live': 'polite' });
  const list = h('ul', { class: 'ntc-unit-picked', id: `${id}-picked`, 'aria-label': `已选${label}` });
  const name = (item) => h('span', { class: 'ntc-unit-name' }, item.name, h('span', { class: 'muted ntc-unit-level' }, describe(item)));

  const add = (item) => {
    if (picked.has(item.id)) return;
    const more = extra ? extra(item) : null;
    const remove = h('button', { type: 'button', class: 'btn btn-quiet btn-sm', 'aria-label': `移除 ${item.name}` }, '移除');
    const li = h('li', { class: 'ntc-unit', [`data-${dataKey}`]: item.id, 'data-name': item.name }, name(item), more?.el, remove);
    remove.addEventListener('click', () => { picked.delete(item.id); li.remove(); input.focus(); });
    picked.set(item.id, { item, extra: more?.value });
    list.append(li);
  };

  const search = async () => {
    const q = input.value.trim();
    replace(found, h('li', { class: 'muted', role: 'status' }, '正在查找…'));
    try {
      const res = await pb.send(endpoint, { method: 'GET', query: { q, perPage: 20 } });
      const items = res?.items || [];
      if (!items.length) { replace(found, h('li', { class: 'muted' }, `没有找到“${q}”。`)); return; }
      replace(found, items.map((item) => h('li', { class: 'ntc-unit-hit', [`data-${dataKey}`]: item.id, 'data-name': item.name },
        name(item),
        h('button', {
          type: 'button', class: 'btn btn-secondary btn-sm', 'aria-label': `添加 ${item.name}`,
          onclick: (ev) => { add(item); ev.currentTarget.disabled = true; ev.currentTarget.textContent = '已添加'; },
        }, picked.has(item.id) ? '已添加' : '添加'))));
    } catch (err) {
      const e = describeError(err);
      replace(found, e.status === 401 ? null : h('li', { class: 'field-error' }, e.message));
    }
  };
  find.addEventListener('click', search);
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') { ev.preventDefault(); search(); }
  });

  const wrap = h('div', { class: 'ntc-picker', id },
    h('label', { for: `${id}-q`, class: 'ntc-legend' }, label),
    h('p', { id: `${id}-help`, class: 'field-help' }, help),
    h('div', { class: 'ntc-picker-row' }, input, find),
    found, list);
  return { wrap, input, picked: () => [...picked.values()] };
}

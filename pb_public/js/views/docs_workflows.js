// 流程模板 (#/workflows): the templates the user may read, by unit and
// type; 新建模板 and 编辑 for those who manage them: name, type, the keeping
// unit, and the definition as JSON with 校验 (POST /workflows/validate) —
// the server's message and the place it names (definition.steps[1]…) show
// beside the editor — and 保存.

import { describeError } from '../api.js';
import { h, replace } from '../dom.js';
import { busy, errorBox, showError } from '../form.js';
import { formatCount, formatDate } from '../labels.js';
import { failure, loading, pageHead, send } from './cases.js';
import { ALL_TYPES, docsNav, isClerk } from './docs.js';
import { ctl } from './notices_edit.js';

const EXAMPLE = {
  steps: [
    { name: '部门会签', order: 'parallel', complete: 'all', deadline_days: 2, assignees: [{ role: 'leader', unit: '$drafter' }] },
    { name: '领导签发', sign: true, deadline_days: 1, assignees: [{ role: 'leader', unit: '$served' }] },
  ],
};

export function renderWorkflows(main, me) {
  const head = pageHead('流程模板', '公文按模板流转：每一步的办理人（角色 + 单位，或指定人员）、并行或依次、完成条件、适用条件、办理时限和是否签发。');
  const editor = h('div', { id: 'wf-editor-slot' });
  const list = h('div', { id: 'wf-results' }, loading('正在加载流程模板…'));
  const count = h('p', { class: 'card-count', id: 'wf-count' });
  // clerks keep the templates of the government their office serves
  const create = isClerk(me) ? h('button', { type: 'button', class: 'btn btn-primary', id: 'wf-new', onclick: () => openEditor(null) }, '新建模板') : null;
  replace(main, head, docsNav(me, 'workflows'), editor,
    h('section', { class: 'card', 'aria-labelledby': 'wf-list-title' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'wf-list-title' }, '模板列表'), count, create),
      list));
  reload();
  return '流程模板';

  async function reload() {
    try {
      const res = await send('/api/gov/workflows', 'GET', null, { perPage: 100 });
      const items = res?.items || [];
      replace(count, `共 ${formatCount(res?.totalItems ?? items.length)} 个`);
      if (!items.length) { replace(list, h('p', { class: 'empty', id: 'wf-empty' }, '暂无流程模板。')); return; }
      replace(list, h('div', { class: 'table-wrap' }, h('table', { class: 'table wf-table', id: 'wf-table' },
        h('thead', {}, h('tr', {}, ['名称', '类型', '所属单位', '步骤', '状态', '更新', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, items.map((w) => h('tr', { 'data-workflow': w.id, 'data-name': w.name },
          h('td', {}, w.name), h('td', {}, w.doc_type), h('td', {}, w.unit_name),
          h('td', {}, stepNames(w.definition)),
          h('td', {}, h('span', { class: `tag ${w.active ? 'tag-ok' : 'tag-muted'}` }, w.active ? `启用 · 第 ${w.version} 版` : '停用')),
          h('td', { class: 'nowrap' }, formatDate(w.updated)),
          h('td', {}, w.can_manage
            ? h('button', { type: 'button', class: 'btn btn-secondary btn-sm wf-edit', onclick: () => openEditor(w) }, '编辑')
            : h('button', { type: 'button', class: 'btn btn-quiet btn-sm wf-view', onclick: () => openEditor(w, true) }, '查看'))))))));
    } catch (err) {
      failure(list, err, 'wf-error');
    }
  }

  function openEditor(w, readOnly = false) {
    const name = ctl('wf-name', '模板名称', h('input', { type: 'text', class: 'input', maxlength: 100, value: w?.name || '' }), { required: true });
    const type = ctl('wf-type', '公文类型', h('select', { class: 'input' }, ALL_TYPES.map((t) => h('option', { value: t, selected: t === (w?.doc_type || '发文') }, t))), { required: true });
    const unit = ctl('wf-unit', '所属单位 ID', h('input', { type: 'text', class: 'input', value: w?.unit || '', spellcheck: 'false', autocomplete: 'off' }),
      { help: w ? `当前：${w.unit_name}` : '不填则为您所在办公室服务的政府（或您的单位）。' });
    const def = ctl('wf-def', '流程定义（JSON）', h('textarea', { class: 'input wf-def', rows: 18, spellcheck: 'false', autocomplete: 'off' },
      JSON.stringify(w?.definition || EXAMPLE, null, 2)), {
      required: true,
      help: '办理人：{"role": 角色, "unit": "$drafter" 起草单位 | "$served" 服务的政府 | 单位 ID} 或 {"users": [账号 ID]}；order：sequential | parallel；complete：all | any | n；when：{"field": "urgency", "values": ["特急"]}。',
    });
    const active = h('input', { type: 'checkbox', id: 'wf-active', checked: w ? w.active : true });
    const check = h('div', { class: 'wf-check', id: 'wf-check', role: 'status', 'aria-live': 'polite' });
    const error = errorBox('wf-error-box');
    const validate = h('button', { type: 'button', class: 'btn btn-secondary', id: 'wf-validate' }, '校验');
    const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'wf-save' }, '保存');
    const close = h('button', { type: 'button', class: 'btn btn-quiet', id: 'wf-close', onclick: () => replace(editor) }, '关闭');
    for (const f of [name, type, unit, def]) f.input.disabled = readOnly;
    if (w) type.input.disabled = true;
    const form = h('form', { class: 'card wf-form', id: 'wf-form', novalidate: true, 'aria-labelledby': 'wf-form-title' },
      h('h2', { class: 'card-title', id: 'wf-form-title' }, w ? `${readOnly ? '查看' : '编辑'}：${w.name}` : '新建流程模板'),
      h('div', { class: 'doc-form-row' }, name.wrap, type.wrap),
      w ? null : unit.wrap,
      h('div', { class: 'wf-editor' }, h('div', { class: 'wf-editor-main' }, def.wrap),
        h('aside', { class: 'wf-editor-side', 'aria-label': '校验结果' }, h('h3', { class: 'doc-sub' }, '校验结果'), check)),
      w && !readOnly ? h('label', { class: 'check', for: 'wf-active' }, active, '启用') : null,
      error,
      readOnly ? h('div', { class: 'actions' }, close) : h('div', { class: 'actions' }, validate, save, close));
    replace(editor, form);
    replace(check, h('p', { class: 'muted' }, '点“校验”检查流程定义；有问题时这里写明哪一步、哪一项。'));
    name.input.focus();

    const body = () => {
      let definition;
      try {
        definition = JSON.parse(def.input.value);
      } catch (e) {
        showCheck(false, `流程定义不是有效的 JSON：${e.message}`, 'definition');
        return null;
      }
      const b = { name: name.input.value.trim(), doc_type: type.input.value, definition };
      if (!w && unit.input.value.trim()) b.unit = unit.input.value.trim();
      if (w) b.active = active.checked;
      return b;
    };

    function showCheck(ok, message, path) {
      def.input.setAttribute('aria-invalid', ok ? 'false' : 'true');
      replace(check, ok
        ? h('p', { class: 'notice notice-ok', id: 'wf-check-ok' }, message)
        : h('div', { class: 'notice notice-bad', id: 'wf-check-bad' },
          h('p', { id: 'wf-check-message' }, message),
          path ? h('p', {}, '位置：', h('code', { class: 'wf-path', id: 'wf-check-path' }, path)) : null));
    }

    function showProblems(err) {
      const e = describeError(err);
      if (e.status === 401) return;
      const entries = Object.entries(e.fields);
      const defEntry = entries.find(([k]) => k.startsWith('definition'));
      if (defEntry) showCheck(false, defEntry[1], defEntry[0]);
      const other = entries.filter(([k]) => !k.startsWith('definition'));
      if (other.length || !defEntry) showError(error, other.map(([, m]) => m).join('；') || e.message, e.hint);
    }

    validate.addEventListener('click', async () => {
      replace(error);
      const b = body();
      if (!b) return;
      busy(validate, true, '正在校验…');
      try {
        const res = await send('/api/gov/workflows/validate', 'POST', b);
        const n = res?.definition?.steps?.length ?? 0;
        showCheck(true, `校验通过：共 ${n} 步。`);
      } catch (err) {
        showProblems(err);
      } finally {
        busy(validate, false);
      }
    });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (readOnly) return;
      replace(error);
      const b = body();
      if (!b) return;
      busy(save, true, '正在保存…');
      try {
        if (w) await send(`/api/gov/workflows/${encodeURIComponent(w.id)}`, 'PUT', b);
        else await send('/api/gov/workflows', 'POST', b);
        replace(editor, h('p', { class: 'notice notice-ok', id: 'wf-saved', role: 'status' }, `已保存：${b.name}`));
        reload();
      } catch (err) {
        busy(save, false);
        showProblems(err);
      }
    });
  }
}

function stepNames(def) {
  const steps = def?.steps || [];
  return steps.map((s) => s.name).join(' → ');
}

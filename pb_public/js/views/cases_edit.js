// The case editor (#/cases/new, #/cases/{id}/edit): 标题, 摘要, 正文
// (Markdown, with a server-rendered 预览), 标签, 业务类别, 可见范围, 附件
// (each uploaded at once, the server's refusal shown beside the file) and
// 关联主体 rows. The server's per-field words go under the named field.

import { describeError } from '../api.js';
import { h, replace } from '../dom.js';
import { applyFieldErrors, busy, errorBox, fieldError, showError } from '../form.js';
import { href } from '../modules.js';
import {
  BUSINESSES, ENTITY_KINDS, SCOPES, casePath, failure, loading, pageHead, send,
} from './cases.js';
import { setFlash, wrapTables } from './cases_view.js';
import { filesField } from './notices_edit.js';

export function renderCaseEdit(main, me, id) {
  const title = id ? '编辑案例' : '写案例';
  const root = h('div', { class: 'case-page case-editor', id: 'case-editor-page' });
  replace(main, root);
  const back = h('p', { class: 'case-back' }, h('a', { href: href(id ? `cases/${id}` : 'cases') }, id ? '‹ 返回案例' : '‹ 返回经验案例'));
  if (!id) {
    build(null);
    return title;
  }
  replace(root, back, pageHead(title), loading('正在加载案例…'));
  (async () => {
    let c;
    try {
      c = await send(casePath(id));
    } catch (err) {
      if (!root.isConnected) return;
      const box = h('div', {});
      replace(root, back, pageHead(title), box);
      failure(box, err);
      return;
    }
    if (!root.isConnected) return;
    if (!c.can?.update) {
      replace(root, back, pageHead(title), h('section', { class: 'card', id: 'case-edit-refused' },
        h('p', { class: 'notice notice-warn' }, c.status === 'submitted'
          ? '此案例正在审核中，不能修改。如需修改，请先在案例页面撤回审核。'
          : '您不能修改此案例：只有作者可以修改草稿、退回或已发布的案例。'),
        h('p', {}, h('a', { href: href(`cases/${id}`) }, '返回案例'))));
      return;
    }
    const refocus = document.activeElement === root.querySelector('h1');
    build(c);
    if (refocus) root.querySelector('h1')?.focus({ preventScroll: true });
  })();
  return title;

  function build(c) {
    const v = c ? { ...c, ...(c.draft || {}) } : { scope: 'unit', business: '', tags: [], files: [], entities: [] };
    const fTitle = ctl('case-f-title', '标题', h('input', { type: 'text', class: 'input', maxlength: 200, value: v.title || '', autocomplete: 'off' }),
      { required: true, help: '不超过 200 字。涉密内容不得录入本系统。' });
    const fSummary = ctl('case-f-summary', '摘要', h('textarea', { class: 'input case-summary-input', rows: 3, maxlength: 1000 }, v.summary || ''),
      { help: '一两句话说明做法和成效，显示在列表中，不超过 1000 字。' });
    const body = bodyField(v.body || '');
    const fTags = ctl('case-f-tags', '标签', h('input', { type: 'text', class: 'input', value: (v.tags || []).join('，'), autocomplete: 'off' }),
      { help: '用逗号或空格分隔，最多 10 个，每个不超过 20 字。' });
    const fBusiness = ctl('case-f-business', '业务类别', h('select', { class: 'input' },
      h('option', { value: '' }, '请选择'), BUSINESSES.map((b) => h('option', { value: b, selected: b === v.business }, b))));
    const scope = scopeField(v.scope || 'unit');
    const files = filesField('case-f-files', '附件', { existing: v.files || [], listId: 'case-upload-list' });
    const ents = entitiesField(v.entities || []);

    const error = errorBox('case-edit-error');
    const save = h('button', { type: 'submit', class: 'btn btn-secondary', id: 'case-save' }, '保存草稿');
    const saveSubmit = h('button', { type: 'button', class: 'btn btn-primary', id: 'case-save-submit' }, '保存并提交审核');
    const form = h('form', { class: 'card case-form', id: 'case-form', novalidate: true, 'aria-labelledby': 'case-edit-title' },
      c && c.live === 'published' ? h('p', { class: 'notice', id: 'case-edit-note' },
        '此案例已发布：保存后生成新版本，审核通过前读者仍看到已发布的版本。') : null,
      c?.draft?.status === 'returned' && c.draft.review_comment ? h('div', { class: 'notice notice-warn', id: 'case-edit-review' },
        h('p', {}, h('strong', {}, '审核意见'), c.draft.reviewer_name ? `（${c.draft.reviewer_name}）` : '', '：'),
        h('p', { class: 'case-returned-text' }, c.draft.review_comment)) : null,
      fTitle.wrap, fSummary.wrap, body.wrap,
      h('div', { class: 'case-form-row' }, fTags.wrap, fBusiness.wrap),
      scope.wrap, files.wrap, ents.wrap,
      error,
      h('div', { class: 'actions case-form-actions' }, saveSubmit, save,
        h('a', { class: 'btn btn-quiet', href: href(id ? `cases/${id}` : 'cases'), id: 'case-cancel' }, '取消')));

    const head = pageHead(title, '保存后为草稿，只有您能看到；提交审核并通过后，按可见范围发布。');
    head.querySelector('h1').id = 'case-edit-title';
    replace(root, back, head, form);

    form.addEventListener('submit', (ev) => { ev.preventDefault(); doSave(false); });
    saveSubmit.addEventListener('click', () => doSave(true));

    async function doSave(submit) {
      const all = [fTitle, fSummary, body, fTags, fBusiness, scope, files, ...ents.fields()];
      for (const f of all) { f.hint.textContent = ''; f.hint.hidden = true; f.input.removeAttribute('aria-invalid'); }
      replace(error);
      if (files.uploading()) {
        showError(error, '附件仍在上传，请等上传完成后再保存。');
        return;
      }
      const payload = {
        title: fTitle.input.value.trim(),
        summary: fSummary.input.value.trim(),
        body: body.input.value,
        tags: [...new Set(fTags.input.value.split(/[,，、;；\s]+/).map((t) => t.trim()).filter(Boolean))],
        business: fBusiness.input.value,
        scope: scope.value(),
        files: files.ids(),
        entities: ents.values(),
      };
      const button = submit ? saveSubmit : save;
      busy(button, true, submit ? '正在保存并提交…' : '正在保存…');
      let saved;
      try {
        saved = await send(id ? casePath(id) : '/api/gov/cases', id ? 'PATCH' : 'POST', payload);
      } catch (err) {
        busy(button, false);
        const e = describeError(err);
        if (e.status === 401) return;
        const map = {
          title: fTitle, summary: fSummary, body, tags: fTags, business: fBusiness, scope, files, entities: ents.box, ...ents.map(),
        };
        for (const k of Object.keys(e.fields)) {
          if (!map[k] && /^(tags|files)\.\d+$/.test(k)) map[k] = k.startsWith('tags') ? fTags : files;
        }
        const first = applyFieldErrors(e, map);
        const unplaced = Object.keys(e.fields).filter((k) => !map[k]);
        showError(error, first ? '保存未成功，请按提示修改后再保存。' : e.message,
          unplaced.map((k) => e.fields[k]).join('；') || e.hint);
        (first?.focusEl || first?.input)?.focus();
        return;
      }
      if (!id) {
        id = saved.id; // a retried submit must not create the case twice
        history.replaceState(null, '', href(`cases/${id}/edit`));
      }
      if (submit) {
        try {
          await send(`${casePath(id)}/submit`, 'POST', {});
        } catch (err) {
          busy(button, false);
          const e = describeError(err);
          if (e.status === 401) return;
          if (e.fields.body) fieldError(body, e.fields.body);
          showError(error, `已保存为草稿，但提交审核未成功：${Object.values(e.fields)[0] || e.message}`, e.hint);
          return;
        }
      }
      setFlash(submit ? '已保存并提交审核，审核通过后按范围发布。' : '已保存草稿。');
      window.location.hash = href(`cases/${id}`);
    }
  }
}

// ctl is a labelled control with its help and error lines: {input, hint, wrap}.
function ctl(id, label, control, { required = false, help = '' } = {}) {
  control.id = id;
  control.name = id.replace('case-f-', '');
  const hint = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
  const helpEl = help ? h('p', { id: `${id}-help`, class: 'field-help' }, help) : null;
  control.setAttribute('aria-describedby', [help ? `${id}-help` : '', `${id}-error`].filter(Boolean).join(' '));
  if (required) control.setAttribute('aria-required', 'true');
  const wrap = h('div', { class: 'field' },
    h('label', { for: id, class: 'label' }, label, required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null),
    control, helpEl, hint);
  return { input: control, hint, wrap };
}

// bodyField: the Markdown textarea with 编辑/预览 tabs; 预览 asks the server.
function bodyField(value) {
  const f = ctl('case-f-body', '正文', h('textarea', { class: 'input case-body-input', rows: 16, spellcheck: 'false' }, value),
    { help: '支持 Markdown：“## 小标题”、“**加粗**”、“- 列表”、“| 表头 | 表头 |”表格、“1. 编号”。提交审核时正文不能为空。' });
  const preview = h('div', { class: 'case-prose case-preview', id: 'case-preview', 'aria-live': 'polite' });
  const tabWrite = h('button', { type: 'button', role: 'tab', id: 'case-tab-write', class: 'case-edit-tab', 'aria-selected': 'true', 'aria-controls': 'case-pane-write' }, '编辑');
  const tabPreview = h('button', { type: 'button', role: 'tab', id: 'case-tab-preview', class: 'case-edit-tab', 'aria-selected': 'false', 'aria-controls': 'case-pane-preview', tabindex: '-1' }, '预览');
  const paneWrite = h('div', { role: 'tabpanel', id: 'case-pane-write', 'aria-labelledby': 'case-tab-write' }, f.input);
  const panePreview = h('div', { role: 'tabpanel', id: 'case-pane-preview', 'aria-labelledby': 'case-tab-preview', hidden: true, tabindex: '0' }, preview);
  const show = async (which) => {
    const p = which === 'preview';
    tabWrite.setAttribute('aria-selected', String(!p));
    tabPreview.setAttribute('aria-selected', String(p));
    tabWrite.tabIndex = p ? -1 : 0;
    tabPreview.tabIndex = p ? 0 : -1;
    paneWrite.hidden = p;
    panePreview.hidden = !p;
    if (!p) return;
    replace(preview, h('p', { class: 'muted', role: 'status' }, '正在生成预览…'));
    try {
      const res = await send('/api/gov/cases/preview', 'POST', { body: f.input.value });
      if (res?.body_html) {
        preview.innerHTML = res.body_html; // sanitized by the server, as a saved body
        wrapTables(preview);
      } else {
        replace(preview, h('p', { class: 'muted' }, '正文为空，没有可预览的内容。'));
      }
    } catch (err) {
      const e = describeError(err);
      if (e.status !== 401) {
        const box = errorBox('case-preview-error');
        showError(box, e.fields.body || e.message, e.hint);
        replace(preview, box);
      }
    }
  };
  tabWrite.addEventListener('click', () => show('write'));
  tabPreview.addEventListener('click', () => show('preview'));
  const tablist = h('div', { class: 'case-edit-tabs', role: 'tablist', 'aria-label': '正文编辑方式' }, tabWrite, tabPreview);
  tablist.addEventListener('keydown', (ev) => {
    if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
    const next = ev.target === tabWrite ? tabPreview : tabWrite;
    next.focus();
    next.click();
  });
  // The label and textarea stay together; the tabs sit between them.
  const label = f.wrap.querySelector('label');
  f.wrap.replaceChildren(label, tablist, paneWrite, panePreview, ...[...f.wrap.childNodes].filter((n) => n !== label && n !== f.input));
  return { ...f, show };
}

// scopeField: 可见范围 as radios with a line each; {input (the fieldset), hint, wrap, value()}.
function scopeField(value) {
  const hint = h('p', { id: 'case-scope-error', class: 'field-error', hidden: true });
  const radios = Object.entries(SCOPES).map(([code, [name, help]]) => h('label', { class: 'case-radio', for: `case-scope-${code}` },
    h('input', { type: 'radio', name: 'scope', id: `case-scope-${code}`, value: code, checked: code === value, class: 'case-radio-input' }),
    h('span', { class: 'case-radio-text' }, h('span', { class: 'case-radio-name' }, name), h('span', { class: 'field-help' }, help))));
  const set = h('fieldset', { class: 'case-fieldset', id: 'case-scope-set', 'aria-describedby': 'case-scope-error' },
    h('legend', { class: 'label' }, '可见范围', h('span', { class: 'required', 'aria-hidden': 'true' }, ' *')),
    h('div', { class: 'case-radios' }, radios), hint);
  return {
    input: set, hint, wrap: h('div', { class: 'field' }, set),
    focusEl: set.querySelector('input'),
    value: () => set.querySelector('input:checked')?.value || '',
  };
}

// entitiesField: rows of 类型 / 号码 / 名称 with 删除 and 添加.
function entitiesField(existing) {
  const rows = [];
  let seq = 0;
  const box = h('div', { class: 'case-ent-rows', id: 'case-ent-rows' });
  const boxHint = h('p', { id: 'case-ent-error', class: 'field-error', hidden: true });
  const addBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id: 'case-ent-add' }, '添加关联主体');
  const renumber = () => rows.forEach((r, i) => { r.legend.textContent = `关联主体 ${i + 1}`; });
  const add = (x = { kind: 'enterprise', number: '', name: '' }) => {
    const n = ++seq;
    const p = `case-ent-${n}`;
    const kind = ctl(`${p}-kind`, '类型', h('select', { class: 'input' },
      Object.entries(ENTITY_KINDS).map(([k, t]) => h('option', { value: k, selected: k === x.kind }, t))));
    const number = ctl(`${p}-number`, '号码', h('input', { type: 'text', class: 'input case-number', value: x.number || '', autocomplete: 'off', maxlength: 18 }),
      { required: true, help: '企业填 18 位统一社会信用代码，个人填 18 位身份证号。' });
    const name = ctl(`${p}-name`, '名称', h('input', { type: 'text', class: 'input', value: x.name || '', autocomplete: 'off', maxlength: 100 }));
    const legend = h('legend', { class: 'case-ent-legend' });
    const remove = h('button', { type: 'button', class: 'btn btn-quiet btn-sm case-ent-remove', id: `${p}-remove` }, '删除');
    const row = { kind, number, name, legend, el: null };
    row.el = h('fieldset', { class: 'case-ent-row', 'data-row': n }, legend,
      h('div', { class: 'case-ent-grid' }, kind.wrap, number.wrap, name.wrap, h('div', { class: 'case-ent-act' }, remove)));
    remove.setAttribute('aria-label', '删除此关联主体');
    remove.addEventListener('click', () => {
      rows.splice(rows.indexOf(row), 1);
      row.el.remove();
      renumber();
      addBtn.focus();
    });
    rows.push(row);
    box.append(row.el);
    renumber();
    return row;
  };
  for (const x of existing) add(x);
  addBtn.addEventListener('click', () => add().number.input.focus());
  const wrap = h('fieldset', { class: 'case-fieldset case-entities-set', id: 'case-entities-set', 'aria-describedby': 'case-ent-help case-ent-error' },
    h('legend', { class: 'label' }, '关联主体'),
    h('p', { class: 'field-help', id: 'case-ent-help' }, '案例涉及的企业或个人（选填，最多 50 个）。号码只对作者和审核人完整显示，其他读者看到的是脱敏号码。'),
    box, boxHint, h('p', { class: 'actions' }, addBtn));
  return {
    wrap,
    box: { input: wrap, hint: boxHint },
    fields: () => [{ input: wrap, hint: boxHint }, ...rows.flatMap((r) => [r.kind, r.number, r.name])],
    values: () => rows.map((r) => ({ kind: r.kind.input.value, number: r.number.input.value.trim(), name: r.name.input.value.trim() }))
      .filter((x) => x.number || x.name),
    map: () => {
      const m = {};
      // Errors name rows by their place among the rows sent (empty ones are left out).
      rows.filter((r) => r.number.input.value.trim() || r.name.input.value.trim()).forEach((r, i) => {
        m[`entities.${i}`] = r.number;
        m[`entities.${i}.number`] = r.number;
        m[`entities.${i}.kind`] = r.kind;
        m[`entities.${i}.name`] = r.name;
      });
      return m;
    },
  };
}

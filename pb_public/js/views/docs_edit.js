// 起草公文 (#/docs/new) and 修改草稿 (#/docs/{id}/edit): 类型, 标题, 紧急程度,
// 密级, 流程模板 (those usable for the type), 主送 and 抄送 (unit pickers),
// 份数, 正文 (Markdown) or an uploaded 正文文件 (docx/ofd/pdf), 附件 and 附件
// 说明. 保存草稿 keeps it; 保存并送审 asks once more, then submits it into
// its workflow. The server's per-field words go under the named field.

import { describeError, uploadFile } from '../api.js';
import { h, icon, replace } from '../dom.js';
import { applyFieldErrors, busy, errorBox, showError } from '../form.js';
import { href } from '../modules.js';
import { failure, formatSize, loading, pageHead, send } from './cases.js';
import { confirmInline, fileKind } from './cases_view.js';
import { CLASSIFICATIONS, DRAFT_TYPES, URGENCIES, docPath, mayDraft } from './docs.js';
import { setDocFlash } from './docs_view.js';
import { bodyField, ctl, filesField } from './notices_edit.js';

export function renderDocEdit(main, me, id) {
  const back = h('p', { class: 'case-back' }, h('a', { href: id ? href(`docs/${id}`) : href('docs') }, id ? '‹ 返回公文' : '‹ 返回公文办理'));
  const title = id ? '修改公文' : '起草公文';
  const head = pageHead(title, '保存后为草稿；送审后按所选流程模板流转，签发时自动编号。涉密内容不得录入本系统。');
  head.querySelector('h1').id = 'doc-edit-title';
  if (!mayDraft(me)) {
    replace(main, back, head, h('section', { class: 'card' }, h('p', { class: 'notice notice-warn' }, '您的角色不能起草公文。')));
    return title;
  }
  if (!id) {
    drawForm(main, me, null, back, head);
    return title;
  }
  replace(main, back, head, loading('正在加载公文…'));
  (async () => {
    try {
      const d = await send(docPath(id));
      if (!main.isConnected) return;
      if (!d.can?.edit) {
        replace(main, back, head, h('section', { class: 'card', id: 'doc-edit-refused' },
          h('p', { class: 'notice notice-warn' }, '此公文已进入流程或您不是起草人，不能修改。如需修改，请起草人先撤回。')));
        return;
      }
      drawForm(main, me, d, back, head);
    } catch (err) {
      const box = h('div', {});
      replace(main, back, head, box);
      failure(box, err, 'doc-edit-load-error');
    }
  })();
  return title;
}

function drawForm(main, me, d, back, head) {
  const select = (values, current) => h('select', { class: 'input' }, values.map((v) => h('option', { value: v, selected: v === current }, v)));
  const fType = ctl('doc-f-type', '公文类型', select(DRAFT_TYPES, d?.type || '发文'), { required: true, help: d ? '起草后不能更改类型。' : '' });
  if (d) fType.input.disabled = true;
  const fTitle = ctl('doc-f-title', '标题', h('input', { type: 'text', class: 'input', maxlength: 300, autocomplete: 'off', value: d?.title || '' }),
    { required: true, help: '如“关于做好2026年冬季安全生产工作的通知”。不超过 300 字。' });
  const fUrgency = ctl('doc-f-urgency', '紧急程度', select(URGENCIES, d?.urgency || '平件'));
  const fClass = ctl('doc-f-class', '密级', select(CLASSIFICATIONS, d?.classification || '内部'),
    { help: '只能办理非涉密公文；秘密、机密、绝密公文不得在本系统办理。' });
  const fWorkflow = ctl('doc-f-workflow', '流程模板', h('select', { class: 'input' }, h('option', { value: '' }, '正在加载…')),
    { required: true, help: '按所选模板送审、会签和签发。' });
  const fCopies = ctl('doc-f-copies', '印制份数', h('input', { type: 'number', class: 'input', min: 0, max: 100000, value: d?.copies ?? 1 }),
    { help: '用于份号；填 0 则不印份号。' });
  const mainTo = unitPicker('doc-f-main', '主送单位', d?.main_to || [], '发文须有主送单位；印发时送达各单位的收文。');
  const copyTo = unitPicker('doc-f-copy', '抄送单位', d?.copy_to || [], '');
  const body = bodyField('doc-f-body', d?.body || '');
  body.wrap.querySelector('.required')?.remove();
  const bodyFile = bodyFileField(d?.body_file || null);
  const kept = existingFiles(d?.files || []);
  const files = filesField('doc-f-files', d ? '新增附件' : '附件');
  const fNote = ctl('doc-f-attach-note', '附件说明', h('textarea', { class: 'input', rows: 2, maxlength: 1000 }, d?.attachment_note || ''),
    { help: '每行一个附件名称，打印时列在正文之后；不填则按附件文件名。' });

  const error = errorBox('doc-edit-error');
  const save = h('button', { type: 'button', class: 'btn btn-secondary', id: 'doc-save' }, '保存草稿');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'doc-save-submit' }, '保存并送审');
  const form = h('form', { class: 'card case-form doc-form', id: 'doc-form', novalidate: true, 'aria-labelledby': 'doc-edit-title' },
    h('div', { class: 'doc-form-row' }, fType.wrap, fWorkflow.wrap),
    fTitle.wrap,
    h('div', { class: 'doc-form-row doc-form-row-3' }, fUrgency.wrap, fClass.wrap, fCopies.wrap),
    mainTo.wrap, copyTo.wrap,
    body.wrap, bodyFile.wrap, kept.wrap, files.wrap, fNote.wrap,
    error,
    h('div', { class: 'actions case-form-actions', id: 'doc-form-actions' }, submit, save,
      h('a', { class: 'btn btn-quiet', href: d ? href(`docs/${d.id}`) : href('docs'), id: 'doc-cancel' }, '取消')));
  replace(main, back, head, form);

  // the templates usable for the chosen type
  async function loadTemplates() {
    const type = fType.input.value;
    const sel = fWorkflow.input;
    try {
      const res = await send('/api/gov/workflows', 'GET', null, { usable: 1, doc_type: type, perPage: 100 });
      const items = (res?.items || []).filter((w) => !w.doc_type || w.doc_type === type);
      const want = sel.value || d?.workflow || '';
      replace(sel, h('option', { value: '' }, items.length ? '请选择流程模板' : `没有适用于${type}的流程模板`),
        items.map((w) => h('option', { value: w.id, selected: w.id === want }, `${w.name}（${w.unit_name}）`)));
      if (!sel.value && items.length === 1) sel.value = items[0].id;
    } catch (err) {
      if (describeError(err).status !== 401) replace(sel, h('option', { value: '' }, '流程模板暂时无法加载'));
    }
  }
  fType.input.addEventListener('change', () => { fWorkflow.input.value = ''; loadTemplates(); });
  loadTemplates();

  const fields = [fType, fTitle, fUrgency, fClass, fWorkflow, fCopies, mainTo, copyTo, body, bodyFile, files, fNote];
  const payload = () => {
    const p = {
      title: fTitle.input.value.trim(), body: body.input.value, urgency: fUrgency.input.value,
      classification: fClass.input.value, workflow: fWorkflow.input.value, copies: Number(fCopies.input.value || 0),
      main_to: mainTo.ids(), copy_to: copyTo.ids(), attachment_note: fNote.input.value.trim(), body_file: bodyFile.id(),
    };
    if (!d) p.type = fType.input.value;
    if (!d || kept.changed() || files.ids().length) p.files = [...kept.ids(), ...files.ids()];
    return p;
  };

  save.addEventListener('click', () => store(save, false));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!submit.isConnected) return; // the confirmation is open
    confirmInline(submit, '送审后公文将按流程模板送有关人员办理，办理中不能修改（可撤回）。确定送审吗？', '确定送审', (b) => store(b, true));
  });

  async function store(button, andSubmit) {
    for (const f of fields) { f.hint.textContent = ''; f.hint.hidden = true; f.input?.removeAttribute('aria-invalid'); }
    replace(error);
    if (files.uploading() || bodyFile.uploading()) {
      showError(error, '文件仍在上传，请等上传完成后再保存。');
      return;
    }
    busy(button, true, andSubmit ? '正在送审…' : '正在保存…');
    let saved;
    try {
      saved = d ? await send(docPath(d.id), 'PATCH', payload()) : await send('/api/gov/docs', 'POST', payload());
    } catch (err) {
      busy(button, false);
      fail(err);
      return;
    }
    if (andSubmit) {
      try {
        await send(`${docPath(saved.id)}/actions`, 'POST', { action: 'submit', rev: saved.rev });
      } catch (err) {
        busy(button, false);
        const e = describeError(err);
        if (e.status === 401) return;
        setDocFlash(`草稿已保存，但送审未成功：${Object.values(e.fields)[0] || e.message}`, 'bad');
        window.location.hash = href(`docs/${saved.id}`);
        return;
      }
      setDocFlash('已送审。');
    } else {
      setDocFlash('草稿已保存。');
    }
    window.location.hash = href(`docs/${saved.id}`);
  }

  function fail(err) {
    const e = describeError(err);
    if (e.status === 401) return;
    const map = {
      type: fType, title: fTitle, urgency: fUrgency, classification: fClass, workflow: fWorkflow, copies: fCopies,
      main_to: mainTo, copy_to: copyTo, body, body_file: bodyFile, files, attachment_note: fNote,
    };
    const first = applyFieldErrors(e, map);
    const unplaced = Object.keys(e.fields).filter((k) => !map[k]);
    showError(error, first ? '保存未成功，请按提示修改。' : e.message, unplaced.map((k) => e.fields[k]).join('；') || e.hint);
    first?.input?.focus();
  }
}

// unitPicker: search units by name, pick several; {wrap, input, hint, ids()}.
export function unitPicker(prefix, label, initial, help) {
  const picked = new Map((initial || []).map((u) => [u.id, u.name]));
  const q = h('input', { type: 'search', id: `${prefix}-q`, class: 'input', placeholder: '输入单位名称查找', autocomplete: 'off', enterkeyhint: 'search', 'aria-describedby': `${prefix}-help ${prefix}-error` });
  const find = h('button', { type: 'button', class: 'btn btn-secondary', id: `${prefix}-find` }, '查找');
  const found = h('ul', { class: 'ntc-unit-found', id: `${prefix}-found`, 'aria-live': 'polite' });
  const list = h('ul', { class: 'ntc-unit-picked', id: `${prefix}-picked` });
  const hint = h('p', { id: `${prefix}-error`, class: 'field-error', hidden: true });
  const drawPicked = () => replace(list, [...picked].map(([uid, name]) => h('li', { class: 'ntc-unit', 'data-name': name, 'data-unit': uid },
    h('span', { class: 'ntc-unit-name' }, name),
    h('button', { type: 'button', class: 'btn btn-quiet btn-sm', 'aria-label': `移除 ${name}`, onclick: () => { picked.delete(uid); drawPicked(); q.focus(); } }, '移除'))));
  const search = async () => {
    const text = q.value.trim();
    replace(found, h('li', { class: 'muted' }, '正在查找…'));
    try {
      const res = await send('/api/gov/units', 'GET', null, { q: text, perPage: 20 });
      const items = res?.items || [];
      if (!items.length) { replace(found, h('li', { class: 'muted' }, '没有找到单位。')); return; }
      replace(found, items.map((u) => h('li', { class: 'ntc-unit-hit', 'data-name': u.name },
        h('span', { class: 'ntc-unit-name' }, u.name),
        h('button', {
          type: 'button', class: 'btn btn-secondary btn-sm', 'aria-label': `添加 ${u.name}`,
          onclick: () => { picked.set(u.id, u.name); drawPicked(); replace(found); q.value = ''; q.focus(); },
        }, picked.has(u.id) ? '已添加' : '添加'))));
    } catch (err) {
      const e = describeError(err);
      if (e.status !== 401) replace(found, h('li', { class: 'muted' }, e.message));
    }
  };
  find.addEventListener('click', search);
  q.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); search(); } });
  drawPicked();
  const wrap = h('div', { class: 'field doc-units', id: prefix, role: 'group', 'aria-labelledby': `${prefix}-label` },
    h('label', { class: 'label', id: `${prefix}-label`, for: `${prefix}-q` }, label),
    h('div', { class: 'ntc-picker-row' }, q, find),
    help ? h('p', { class: 'field-help', id: `${prefix}-help` }, help) : null,
    found, list, hint);
  return { wrap, input: q, hint, ids: () => [...picked.keys()] };
}

// bodyFileField: one uploaded 正文 (docx, ofd or pdf) instead of or beside
// the Markdown text.
function bodyFileField(current) {
  const id = 'doc-f-bodyfile';
  const hint = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
  const input = h('input', { type: 'file', id, name: 'body_file', accept: '.docx,.ofd,.pdf', class: 'case-file-input', 'aria-describedby': `${id}-help ${id}-error` });
  const status = h('p', { class: 'doc-bodyfile-status', id: `${id}-status`, 'aria-live': 'polite' });
  const st = { id: current?.id || '', uploading: false };
  const show = (name, size, text, cls = 'tag-ok') => replace(status, name ? h('span', { class: 'case-upload' },
    icon('doc', 'icon case-file-icon'), h('span', { class: 'case-file-name' }, name),
    size ? h('span', { class: 'muted' }, ` ${formatSize(size)} `) : null,
    h('span', { class: `tag ${cls}` }, text),
    st.id ? h('button', { type: 'button', class: 'btn btn-quiet btn-sm', onclick: () => { st.id = ''; show(); } }, '移除') : null) : null);
  if (current) show(current.name, current.size, '已上传');
  input.addEventListener('change', () => {
    const file = input.files[0];
    input.value = '';
    if (!file) return;
    st.uploading = true;
    show(file.name, file.size, '上传中…', 'tag-muted');
    uploadFile(file).then((res) => { st.id = res.id; st.uploading = false; show(res.name, res.size, `${fileKind(res)} · 已上传`); },
      (err) => { st.uploading = false; const e = describeError(err); show(file.name, file.size, `未上传：${e.fields.file || e.message}`, 'tag-bad'); });
  });
  const wrap = h('div', { class: 'field' }, h('label', { for: id, class: 'label' }, '正文文件（可选）'), input,
    h('p', { id: `${id}-help`, class: 'field-help' }, '已有排版好的正文时上传 docx、ofd 或 pdf 文件。'), status, hint);
  return { wrap, input, hint, id: () => st.id, uploading: () => st.uploading };
}

// existingFiles lists a draft's attachments with 移除.
function existingFiles(list) {
  const keep = new Map(list.map((f) => [f.id, f]));
  const ul = h('ul', { class: 'case-upload-list', id: 'doc-f-kept' });
  const draw = () => replace(ul, [...keep.values()].map((f) => h('li', { class: 'case-upload', 'data-file': f.id },
    icon('doc', 'icon case-file-icon'),
    h('span', { class: 'case-file-info' }, h('span', { class: 'case-file-name' }, f.name), h('span', { class: 'muted case-file-size' }, formatSize(f.size))),
    h('button', { type: 'button', class: 'btn btn-quiet btn-sm', 'aria-label': `移除 ${f.name}`, onclick: () => { keep.delete(f.id); draw(); } }, '移除'))));
  draw();
  const wrap = list.length ? h('div', { class: 'field' }, h('p', { class: 'label' }, '已有附件'), ul) : h('div', { hidden: true });
  return { wrap, ids: () => [...keep.keys()], changed: () => keep.size !== list.length };
}

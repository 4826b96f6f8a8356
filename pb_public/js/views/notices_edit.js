// 发布通知 (#/notices/new): 标题, 类别, 紧急程度, 需要确认 + 截止时间,
// 主动公开, 置顶, 定时发布, 有效期, 正文 (Markdown), 附件, and the audience
// builder with 预览对象; 发布 asks once more before sending. The server's
// per-field words go under the named field.

import { describeError, uploadFile } from '../api.js';
import { h, icon, replace } from '../dom.js';
import { applyFieldErrors, busy, errorBox, showError } from '../form.js';
import { href } from '../modules.js';
import { formatSize, pageHead, send } from './cases.js';
import { confirmInline, fileKind, wrapTables } from './cases_view.js';
import { CATEGORIES, URGENCIES, mayPublish } from './notices.js';
import { audienceBuilder } from './notices_audience.js';
import { setNoticeFlash } from './notices_view.js';

export function renderNoticeEdit(main, me) {
  const back = h('p', { class: 'case-back' }, h('a', { href: href('notices') }, '‹ 返回通知公告'));
  const head = pageHead('发布通知', '发布后，通知对象立即在“通知公告”中收到；需要确认的通知可在回执中跟踪。');
  head.querySelector('h1').id = 'ntc-edit-title';
  if (!mayPublish(me)) {
    replace(main, back, head, h('section', { class: 'card', id: 'ntc-edit-refused' },
      h('p', { class: 'notice notice-warn' }, '只有单位负责人和办公室收发员可以发布通知。')));
    return '发布通知';
  }

  const fTitle = ctl('ntc-f-title', '标题', h('input', { type: 'text', class: 'input', maxlength: 200, autocomplete: 'off' }),
    { required: true, help: '不超过 200 字。涉密内容不得录入本系统。' });
  const fCategory = ctl('ntc-f-category', '类别', h('select', { class: 'input' }, CATEGORIES.map((c) => h('option', { value: c }, c))));
  const fUrgency = ctl('ntc-f-urgency', '紧急程度', h('select', { class: 'input' }, URGENCIES.map((u) => h('option', { value: u }, u))));
  const mustConfirm = h('input', { type: 'checkbox', id: 'ntc-f-must-confirm', name: 'must_confirm' });
  const fDeadline = ctl('ntc-f-deadline', '确认截止时间', h('input', { type: 'datetime-local', class: 'input' }),
    { required: true, help: '截止前未确认的人员会收到提醒；逾期确认将标为“逾期”。' });
  fDeadline.wrap.hidden = true;
  mustConfirm.addEventListener('change', () => { fDeadline.wrap.hidden = !mustConfirm.checked; });
  const pub = h('input', { type: 'checkbox', id: 'ntc-f-public', name: 'public' });
  const pinned = h('input', { type: 'checkbox', id: 'ntc-f-pinned', name: 'pinned' });
  const fPublishAt = ctl('ntc-f-publish-at', '定时发布', h('input', { type: 'datetime-local', class: 'input' }),
    { help: '不填则立即发布。' });
  const fExpires = ctl('ntc-f-expires', '有效期至', h('input', { type: 'datetime-local', class: 'input' }),
    { help: '过期后不再显示在收件箱顶部。不填则长期有效。' });
  const body = bodyField();
  const files = filesField();
  const audience = audienceBuilder('ntc-aud');

  const error = errorBox('ntc-edit-error');
  const publish = h('button', { type: 'submit', class: 'btn btn-primary', id: 'ntc-publish' }, '发布');
  const form = h('form', { class: 'card case-form ntc-form', id: 'ntc-form', novalidate: true, 'aria-labelledby': 'ntc-edit-title' },
    fTitle.wrap,
    h('div', { class: 'ntc-form-row' }, fCategory.wrap, fUrgency.wrap),
    h('div', { class: 'ntc-options' },
      h('label', { class: 'check', for: 'ntc-f-must-confirm' }, mustConfirm, '需要确认收到'),
      h('label', { class: 'check', for: 'ntc-f-public' }, pub, '主动公开（经审核后在门户公开）'),
      h('label', { class: 'check', for: 'ntc-f-pinned' }, pinned, '置顶')),
    fDeadline.wrap,
    h('div', { class: 'ntc-form-row' }, fPublishAt.wrap, fExpires.wrap),
    body.wrap, files.wrap, audience.wrap,
    error,
    h('div', { class: 'actions case-form-actions', id: 'ntc-form-actions' }, publish,
      h('a', { class: 'btn btn-quiet', href: href('notices'), id: 'ntc-cancel' }, '取消')));
  replace(main, back, head, form);

  const fields = [fTitle, fCategory, fUrgency, fDeadline, fPublishAt, fExpires, body, files];
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!publish.isConnected) return; // the confirmation is open
    const when = fPublishAt.input.value;
    confirmInline(publish, when
      ? `通知将于 ${when.replace('T', ' ')} 发布给所选对象。确定吗？`
      : '发布后，所选对象立即收到此通知，发布后只能更正或撤回。确定发布吗？', '确定发布', doPublish);
  });

  async function doPublish(button) {
    for (const f of fields) { f.hint.textContent = ''; f.hint.hidden = true; f.input.removeAttribute('aria-invalid'); }
    audience.clear();
    replace(error);
    if (files.uploading()) {
      showError(error, '附件仍在上传，请等上传完成后再发布。');
      return;
    }
    const payload = {
      title: fTitle.input.value.trim(),
      body: body.input.value,
      category: fCategory.input.value,
      urgency: fUrgency.input.value,
      must_confirm: mustConfirm.checked,
      deadline: mustConfirm.checked ? fDeadline.input.value : '',
      public: pub.checked,
      pinned: pinned.checked,
      publish_at: fPublishAt.input.value,
      expires_at: fExpires.input.value,
      files: files.ids(),
      audience: audience.value(),
    };
    busy(button, true, '正在发布…');
    let saved;
    try {
      saved = await send('/api/gov/notices', 'POST', payload);
    } catch (err) {
      busy(button, false);
      const e = describeError(err);
      if (e.status === 401) return;
      const map = {
        title: fTitle, body, category: fCategory, urgency: fUrgency, deadline: fDeadline,
        publish_at: fPublishAt, expires_at: fExpires, files,
      };
      const first = applyFieldErrors(e, map);
      const aud = audience.showErrors(e);
      const unplaced = Object.keys(e.fields).filter((k) => !map[k] && !k.startsWith('audience'));
      showError(error, first || aud ? '发布未成功，请按提示修改后再发布。' : e.message,
        unplaced.map((k) => e.fields[k]).join('；') || e.hint);
      (first?.input || (aud ? audience.focusEl : null))?.focus();
      return;
    }
    setNoticeFlash(saved.status === 'scheduled' ? '已安排定时发布。' : `已发布，共 ${saved.recipients ?? 0} 人接收。`);
    window.location.hash = href(`notices/${saved.id}`);
  }
  return '发布通知';
}

// ctl is a labelled control with its help and error lines: {input, hint, wrap}.
export function ctl(id, label, control, { required = false, help = '' } = {}) {
  control.id = id;
  control.name = id;
  const hint = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
  const helpEl = help ? h('p', { id: `${id}-help`, class: 'field-help' }, help) : null;
  control.setAttribute('aria-describedby', [help ? `${id}-help` : '', `${id}-error`].filter(Boolean).join(' '));
  if (required) control.setAttribute('aria-required', 'true');
  const wrap = h('div', { class: 'field' },
    h('label', { for: id, class: 'label' }, label, required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null),
    control, helpEl, hint);
  return { input: control, hint, wrap };
}

// bodyField: the Markdown textarea with a 预览 rendered by the server
// (the Markdown preview of 经验案例; when it refuses, the preview says so).
export function bodyField(id = 'ntc-f-body', value = '', { label = '正文', required = true, rows = 12 } = {}) {
  const f = ctl(id, label, h('textarea', { class: 'input case-body-input ntc-body-input', rows, spellcheck: 'false' }, value),
    { required, help: '支持 Markdown：“## 小标题”、“**加粗**”、“- 列表”、“1. 编号”、表格。' });
  const preview = h('div', { class: 'case-prose case-preview ntc-preview-body', id: `${id}-preview`, 'aria-live': 'polite', hidden: true });
  const toggle = h('button', { type: 'button', class: 'btn btn-quiet btn-sm', id: `${id}-toggle`, 'aria-pressed': 'false', 'aria-controls': `${id}-preview` }, '预览正文');
  toggle.addEventListener('click', async () => {
    const on = toggle.getAttribute('aria-pressed') !== 'true';
    toggle.setAttribute('aria-pressed', String(on));
    toggle.textContent = on ? '返回编辑' : '预览正文';
    preview.hidden = !on;
    f.input.hidden = on;
    if (!on) { f.input.focus(); return; }
    replace(preview, h('p', { class: 'muted', role: 'status' }, '正在生成预览…'));
    try {
      const res = await send('/api/gov/cases/preview', 'POST', { body: f.input.value });
      if (res?.body_html) {
        preview.innerHTML = res.body_html; // sanitized by the server
        wrapTables(preview);
      } else {
        replace(preview, h('p', { class: 'muted' }, '正文为空，没有可预览的内容。'));
      }
    } catch (err) {
      if (describeError(err).status !== 401) replace(preview, h('p', { class: 'muted' }, '暂时无法预览，发布后按排版显示。'));
    }
  });
  const labelEl = f.wrap.querySelector('label');
  const help = f.wrap.querySelector('.field-help');
  f.wrap.replaceChildren(h('div', { class: 'ntc-body-head' }, labelEl, toggle), f.input, preview, help, f.hint);
  return f;
}

// filesField: a file input (several at once); each file uploads at once
// and its line shows 上传中 / 已上传 / the server's refusal, with 移除.
// existing are files already attached (an edit keeps them unless removed).
export function filesField(id = 'ntc-f-files', label = '附件', {
  existing = [], listId = `${id}-list`,
  help = '可选多个文件：PDF、OFD、Word、Excel、PPT、WPS、图片、文本或压缩包。系统按内容识别类型；标有密级的文件不得上传。',
} = {}) {
  const hint = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
  const input = h('input', {
    type: 'file', id, name: 'files', multiple: true, class: 'case-file-input', 'aria-describedby': `${id}-help ${id}-error`,
  });
  const list = h('ul', { class: 'case-upload-list', id: listId, 'aria-live': 'polite' });
  const entries = [];
  const add = (entry) => {
    entries.push(entry);
    const status = h('span', { class: 'case-upload-status', role: 'status' });
    const remove = h('button', { type: 'button', class: 'btn btn-quiet btn-sm case-upload-remove', 'aria-label': `移除 ${entry.name}` }, '移除');
    const li = h('li', { class: 'case-upload', 'data-name': entry.name },
      icon('doc', 'icon case-file-icon'),
      h('span', { class: 'case-file-info' }, h('span', { class: 'case-file-name' }, entry.name),
        h('span', { class: 'muted case-file-size' }, entry.size != null ? formatSize(entry.size) : ''), status), remove);
    entry.set = (state, text) => {
      entry.state = state;
      li.dataset.state = state;
      replace(status, h('span', { class: `tag ${state === 'error' ? 'tag-bad' : state === 'done' ? 'tag-ok' : 'tag-muted'}` }, text));
    };
    remove.addEventListener('click', () => { entry.removed = true; entries.splice(entries.indexOf(entry), 1); li.remove(); input.focus(); });
    list.append(li);
    return entry;
  };
  for (const f of existing) add({ id: f.id, name: f.name, size: f.size }).set('done', `${fileKind(f)} · 已上传`);
  input.addEventListener('change', () => {
    const chosen = [...input.files];
    input.value = '';
    for (const file of chosen) {
      const entry = add({ name: file.name, size: file.size });
      entry.set('uploading', '上传中…');
      uploadFile(file).then((res) => {
        if (entry.removed) return;
        entry.id = res.id;
        entry.set('done', `${fileKind(res)} · 已上传`);
      }, (err) => {
        if (entry.removed) return;
        const e = describeError(err);
        entry.set('error', e.status === 401 ? '未上传' : `未上传：${e.fields.file || e.message}`);
      });
    }
  });
  const wrap = h('div', { class: 'field' },
    h('label', { for: id, class: 'label' }, label), input,
    h('p', { id: `${id}-help`, class: 'field-help' }, help),
    list, hint);
  return {
    input, hint, wrap,
    uploading: () => entries.some((e) => e.state === 'uploading'),
    ids: () => entries.filter((e) => e.state === 'done' && e.id).map((e) => e.id),
  };
}

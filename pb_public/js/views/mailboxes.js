// 收文邮箱 (#/mailboxes for an office's clerks, #/admin/mailboxes for the
// system administrator): the IMAP mailboxes whose mail becomes 收文 —
// server, account, folders, on/off — with a connection test and the
// worker's state. The password is write-only: the page only says whether
// one is stored.

import { describeError } from '../api.js';
import { h, replace } from '../dom.js';
import { busy, errorBox, showError } from '../form.js';
import { allRoles } from '../modules.js';
import { failure, loading, pageHead, send } from './cases.js';
import { docsNav, isClerk, shortDate } from './docs.js';
import { ctl } from './notices_edit.js';

const STATE = {
  idle: ['在线（实时推送）', 'tag-ok'],
  polling: ['在线（定时查收）', 'tag-ok'],
  connecting: ['正在连接', 'tag-level'],
  error: ['连接异常', 'tag-warn'],
  stopped: ['未运行', 'tag-muted'],
  '': ['未运行', 'tag-muted'],
};

const SECURITY = { tls: 'SSL/TLS（993）', starttls: 'STARTTLS（143）', none: '不加密（仅限内网测试）' };

export function renderMailboxes(main, me) {
  const admin = allRoles(me).has('sysadmin');
  const head = pageHead('收文邮箱', '设置接收外单位来文的电子邮箱：系统自动收取邮件，登记到本单位收文队列；可疑或涉密邮件自动隔离。');
  if (!admin && !isClerk(me)) {
    replace(main, head, h('section', { class: 'card' }, h('p', { class: 'notice notice-warn' }, '收文邮箱由各单位办公室的收发员设置。')));
    return '收文邮箱';
  }
  const list = h('div', { id: 'mbx-results' }, loading('正在加载收文邮箱…'));
  const editor = h('div', { id: 'mbx-editor' });
  const add = h('button', { type: 'button', class: 'btn btn-primary', id: 'mbx-add', onclick: () => form(null) }, '新增收文邮箱');
  replace(main, head, admin ? null : docsNav(me, 'mailboxes'),
    h('section', { class: 'card', 'aria-labelledby': 'mbx-title' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'mbx-title' }, '收文邮箱'), add),
      editor, list));
  load();
  return '收文邮箱';

  async function load() {
    try {
      const res = await send('/api/gov/mailboxes', 'GET', null, { perPage: 100 });
      const items = res?.items || [];
      if (!items.length) {
        replace(list, h('div', { class: 'empty', id: 'mbx-empty' }, h('p', {}, '还没有收文邮箱。新增后，发到该邮箱的公文会自动进入收文登记。')));
        return;
      }
      replace(list, h('ul', { class: 'doc-list', id: 'mbx-list' }, items.map(row)));
    } catch (err) {
      failure(list, err, 'mbx-error');
    }
  }

  function row(b) {
    const [label, cls] = STATE[b.state] || STATE[''];
    const result = h('div', { class: 'mbx-test-result', id: `mbx-test-${b.id}`, 'aria-live': 'polite' });
    const error = errorBox(`mbx-row-error-${b.id}`);
    const test = h('button', { type: 'button', class: 'btn btn-secondary btn-sm mbx-test' }, '测试连接');
    test.addEventListener('click', async () => {
      replace(result);
      busy(test, true, '正在连接…');
      try {
        const r = await send(`/api/gov/mailboxes/${encodeURIComponent(b.id)}/test`, 'POST', {});
        replace(result, testResult(r));
      } catch (err) {
        const e = describeError(err);
        const body = err?.response || err?.data;
        if (e.status === 503 && body && body.message) replace(result, testResult(body));
        else if (e.status !== 401) showError(error, e.message, e.hint);
      } finally {
        busy(test, false);
      }
    });
    const del = h('button', { type: 'button', class: 'btn btn-quiet btn-sm mbx-delete' }, '删除');
    del.addEventListener('click', async () => {
      if (!window.confirm(`删除收文邮箱“${b.name}”？已收取的收文不受影响。`)) return;
      busy(del, true, '正在删除…');
      try {
        await send(`/api/gov/mailboxes/${encodeURIComponent(b.id)}`, 'DELETE');
        load();
      } catch (err) {
        busy(del, false);
        const e = describeError(err);
        if (e.status !== 401) showError(error, e.message, e.hint);
      }
    });
    return h('li', { class: 'doc-item mbx-item', 'data-mailbox': b.id },
      h('div', { class: 'doc-item-head' }, h('span', { class: 'doc-item-title' }, b.name),
        h('span', { class: `tag ${cls} mbx-state` }, b.active ? label : '已停用')),
      h('p', { class: 'case-meta doc-meta' }, [b.unit_name, `${b.username} @ ${b.host}:${b.port}`, SECURITY[b.security] || b.security].join(' · ')),
      h('p', { class: 'muted' }, `收件文件夹 ${b.folder}` + (b.processed_folder ? `，处理后移至 ${b.processed_folder}` : '') +
        (b.quarantine_folder ? `，隔离邮件移至 ${b.quarantine_folder}` : '') + (b.last_ok ? `；最近收取 ${shortDate(b.last_ok)}` : '')),
      b.last_error ? h('p', { class: 'notice notice-warn mbx-last-error' }, `最近错误：${b.last_error}`) : null,
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn btn-secondary btn-sm mbx-edit', onclick: () => form(b) }, '编辑'), test, del),
      result, error);
  }

  function testResult(r) {
    if (r.ok) {
      return h('p', { class: 'notice notice-ok mbx-test-ok' },
        `连接成功：文件夹内 ${r.messages} 封邮件，${r.idle ? '支持实时推送（IDLE）' : '不支持实时推送，将定时查收'}（${r.millis} 毫秒）。`);
    }
    return h('p', { class: 'notice notice-warn mbx-test-fail' }, `连接失败：${r.message}`);
  }

  async function form(b) {
    const f = {
      name: ctl('mbx-f-name', '名称', h('input', { class: 'input', maxlength: 100, value: b?.name || '本单位收文邮箱' }), { required: true }),
      host: ctl('mbx-f-host', '服务器地址', h('input', { class: 'input', maxlength: 255, value: b?.host || '', placeholder: '如 mail.xxx.gov.cn' }), { required: true }),
      port: ctl('mbx-f-port', '端口', h('input', { class: 'input', type: 'number', min: 1, max: 65535, value: String(b?.port || 993) }), { required: true }),
      security: ctl('mbx-f-security', '加密方式', h('select', { class: 'input' },
        Object.entries(SECURITY).map(([v, t]) => h('option', { value: v, selected: (b?.security || 'tls') === v }, t)))),
      username: ctl('mbx-f-username', '登录用户名', h('input', { class: 'input', maxlength: 255, autocomplete: 'off', value: b?.username || '' }), { required: true }),
      password: ctl('mbx-f-password', '密码或授权码', h('input', { class: 'input', type: 'password', autocomplete: 'new-password', maxlength: 500 }),
        { required: !b, help: b?.has_secret ? '已保存密码；不修改请留空。' : '加密保存，任何人（包括管理员）都无法查看。' }),
      folder: ctl('mbx-f-folder', '收件文件夹', h('input', { class: 'input', maxlength: 200, value: b?.folder || 'INBOX' }), { required: true }),
      processed: ctl('mbx-f-processed', '处理后移至（可不填）', h('input', { class: 'input', maxlength: 200, value: b?.processed_folder || '' }),
        { help: '留空则只标记为已读。' }),
      quarantine: ctl('mbx-f-quarantine', '隔离邮件移至（可不填）', h('input', { class: 'input', maxlength: 200, value: b?.quarantine_folder || '' })),
    };
    let unit = null;
    if (!b && admin) {
      const res = await send('/api/gov/units', 'GET', null, { perPage: 500 });
      unit = ctl('mbx-f-unit', '所属单位', h('select', { class: 'input' }, h('option', { value: '' }, '请选择'),
        (res?.items || []).map((u) => h('option', { value: u.id }, u.name))), { required: true });
    }
    const active = h('input', { type: 'checkbox', id: 'mbx-f-active', checked: b ? b.active : true });
    const error = errorBox('mbx-form-error');
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'mbx-save' }, b ? '保存' : '新增');
    const el = h('form', { class: 'ntc-panel-form', id: 'mbx-form', novalidate: true, 'aria-label': b ? '编辑收文邮箱' : '新增收文邮箱' },
      h('h3', { class: 'ntc-panel-title' }, b ? `编辑“${b.name}”` : '新增收文邮箱'),
      unit?.wrap, Object.values(f).map((c) => c.wrap),
      h('div', { class: 'field' }, h('label', { class: 'check' }, active, ' 启用（自动收取）')),
      error, h('div', { class: 'actions' }, submit, h('button', { type: 'button', class: 'btn btn-quiet', onclick: () => replace(editor) }, '取消')));
    el.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      replace(error);
      for (const c of Object.values(f)) { c.hint.hidden = true; }
      const body = {
        name: f.name.input.value, host: f.host.input.value, port: Number(f.port.input.value), security: f.security.input.value,
        username: f.username.input.value, folder: f.folder.input.value, processed_folder: f.processed.input.value,
        quarantine_folder: f.quarantine.input.value, active: active.checked,
      };
      if (f.password.input.value) body.password = f.password.input.value;
      if (!b) body.unit = unit ? unit.input.value : me.unit.id;
      busy(submit, true, '正在保存…');
      try {
        if (b) await send(`/api/gov/mailboxes/${encodeURIComponent(b.id)}`, 'PATCH', body);
        else await send('/api/gov/mailboxes', 'POST', body);
        replace(editor);
        load();
      } catch (err) {
        busy(submit, false);
        const e = describeError(err);
        const map = { password: f.password, processed_folder: f.processed, quarantine_folder: f.quarantine };
        let shown = false;
        for (const [k, msg] of Object.entries(e.fields || {})) {
          const c = f[k] || map[k] || (k === 'unit' ? unit : null);
          if (c) { c.hint.textContent = msg; c.hint.hidden = false; shown = true; }
        }
        if (!shown && e.status !== 401) showError(error, e.message, e.hint);
        else if (shown) showError(error, Object.values(e.fields)[0]);
      }
    });
    replace(editor, el);
    f.name.input.focus();
  }
}

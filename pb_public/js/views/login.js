// The login page: username or email and password; the server's words
// under the form (and under a field when it names one).

import { describeError, fetchInfo, login } from '../api.js';
import { h, icon, replace } from '../dom.js';

// renderLogin shows the login page in root. notice = {kind: 'info'|'warn',
// text, hint} is shown above the form (e.g. after logout or a lost session).
// onSignedIn runs after a successful login.
export function renderLogin(root, { notice, onSignedIn } = {}) {
  document.title = '登录 - 政务协同';
  const identity = field('identity', '用户名或邮箱', {
    type: 'text', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false',
  });
  const password = field('password', '密码', { type: 'password', autocomplete: 'current-password' });
  const error = h('div', { id: 'login-error', class: 'form-error', role: 'alert', 'aria-live': 'assertive' });
  const submit = h('button', { id: 'login-submit', type: 'submit', class: 'btn btn-primary btn-block' }, '登录');
  const form = h('form', { id: 'login-form', class: 'login-form', novalidate: true, 'aria-labelledby': 'login-title' },
    identity.wrap, password.wrap, submit, error);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors([identity, password], error);
    const id = identity.input.value.trim();
    const pw = password.input.value;
    let bad = false;
    if (!id) bad = fieldError(identity, '请输入用户名或邮箱');
    if (!pw) bad = fieldError(password, '请输入密码') || bad;
    if (bad) {
      (id ? password : identity).input.focus();
      return;
    }
    busy(submit, true);
    try {
      // Steps the server still requires (meta.require) are kept by login()
      // and shown by the app before the shell.
      await login(id, pw);
      password.input.value = '';
      await onSignedIn?.();
    } catch (err) {
      const e = describeError(err);
      if (e.aborted) return;
      showError(error, e.message, e.hint);
      if (e.fields.identity) fieldError(identity, e.fields.identity);
      if (e.fields.password) fieldError(password, e.fields.password);
      password.input.select();
      password.input.focus();
    } finally {
      busy(submit, false);
    }
  });

  const banner = h('div', { id: 'demo-banner-slot' });
  fetchInfo().then((info) => {
    if (info?.demo) {
      replace(banner, h('div', { class: 'demo-banner', role: 'note' },
        h('strong', {}, '演示环境'), '：可使用演示账号（如 leader.east、staff.east.tax）登录体验，数据均为虚构示例。'));
    }
  }).catch(() => {}); // the banner is a courtesy; login works without it

  replace(root,
    banner,
    h('div', { class: 'login-page' },
      h('header', { class: 'login-header' },
        h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '政'),
        h('div', {},
          h('p', { class: 'login-system' }, '政务协同'),
          h('p', { class: 'login-tagline' }, '政务协同与知识共享内网'))),
      h('main', { class: 'login-main', id: 'main' },
        h('section', { class: 'login-card', 'aria-labelledby': 'login-title' },
          h('h1', { id: 'login-title', class: 'login-title' }, '用户登录'),
          notice ? noticeBox(notice) : null,
          form)),
      h('footer', { class: 'login-footer' },
        h('p', {}, '本系统仅限内部工作使用，严禁处理涉密信息。'),
        h('p', {}, '忘记密码或账号被锁定，请联系本单位系统管理员。'))));
  identity.input.focus();
}

function field(name, label, attrs) {
  const id = `login-${name}`;
  const hint = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
  const input = h('input', { id, name, class: 'input', required: true, 'aria-describedby': `${id}-error`, ...attrs });
  const wrap = h('div', { class: 'field' },
    h('label', { for: id, class: 'label' }, label, h('span', { class: 'required', 'aria-hidden': 'true' }, ' *')),
    input, hint);
  return { input, hint, wrap };
}

function fieldError(f, message) {
  f.hint.textContent = message;
  f.hint.hidden = false;
  f.input.setAttribute('aria-invalid', 'true');
  return true;
}

function clearErrors(fields, error) {
  for (const f of fields) {
    f.hint.textContent = '';
    f.hint.hidden = true;
    f.input.removeAttribute('aria-invalid');
  }
  replace(error);
}

function showError(el, message, hint) {
  replace(el,
    h('p', { class: 'form-error-message' }, icon('alert', 'icon icon-sm'), message),
    hint ? h('p', { class: 'form-error-hint' }, hint) : null);
}

function noticeBox({ kind = 'info', text, hint }) {
  return h('div', { class: `notice notice-${kind}`, role: 'status', id: 'login-notice' },
    h('p', {}, text),
    hint ? h('p', { class: 'notice-hint' }, hint) : null);
}

function busy(button, on) {
  button.disabled = on;
  button.textContent = on ? '正在登录…' : '登录';
  button.setAttribute('aria-busy', on ? 'true' : 'false');
}

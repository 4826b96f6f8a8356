// The account-security forms: change the password (with the policy the
// server states), bind a TOTP authenticator (QR code, secret, first code,
// recovery codes shown once) and enter a TOTP or recovery code. Used by
// the step pages after login and by 账号安全.

import {
  changePassword, describeError, passwordPolicy, totpConfirm, totpEnrol, totpVerify,
} from '../api.js';
import { h, replace } from '../dom.js';
import {
  applyFieldErrors, busy, clearErrors, errorBox, field, fieldError, showError,
} from '../form.js';

const CLASS_NAMES = { upper: '大写字母', lower: '小写字母', digit: '数字', digits: '数字', symbol: '符号', special: '符号' };

// policyText says the password rules in words, from GET password-policy.
export function policyText(p) {
  if (!p || typeof p !== 'object') return '';
  const parts = [];
  if (p.min_length) parts.push(`至少 ${p.min_length} 位`);
  if (p.max_bytes) parts.push(`不超过 ${p.max_bytes} 字节`);
  if (typeof p.classes === 'number' && p.classes > 0) {
    parts.push(`包含大写字母、小写字母、数字、符号中的至少 ${p.classes} 类`);
  } else if (Array.isArray(p.classes) && p.classes.length) {
    parts.push(`须包含${p.classes.map((c) => CLASS_NAMES[c] || c).join('、')}`);
  }
  let text = parts.length ? `新密码${parts.join('，')}。` : '';
  if (p.max_age_days) text += `密码每 ${p.max_age_days} 天须更换一次。`;
  return text;
}

const byteLength = (s) => new TextEncoder().encode(s).length;

// passwordForm builds the 修改密码 form (ids start with prefix). onDone
// runs after the server accepted the new password.
export function passwordForm({ prefix, onDone, submitLabel = '修改密码', requireOld = true }) {
  const policyLine = h('p', { id: `${prefix}-policy`, class: 'policy', 'aria-live': 'polite' }, '正在读取密码规则…');
  const oldF = field(`${prefix}-old`, requireOld ? '当前密码（初始密码）' : '当前密码', { type: 'password', autocomplete: 'current-password' });
  const newF = field(`${prefix}-new`, '新密码', { type: 'password', autocomplete: 'new-password', 'aria-describedby': `${prefix}-policy ${prefix}-new-error` });
  const confirmF = field(`${prefix}-confirm`, '再次输入新密码', { type: 'password', autocomplete: 'new-password' });
  const error = errorBox(`${prefix}-error`);
  const submit = h('button', { id: `${prefix}-submit`, type: 'submit', class: 'btn btn-primary' }, submitLabel);
  const form = h('form', { id: `${prefix}-form`, class: 'stack-form', novalidate: true },
    policyLine, oldF.wrap, newF.wrap, confirmF.wrap, h('div', { class: 'actions' }, submit), error);
  let policy = null;

  passwordPolicy().then((p) => {
    policy = p;
    replace(policyLine, policyText(p) || '请设置一个不易猜测的新密码。');
  }).catch(() => replace(policyLine, '请设置一个不易猜测的新密码，提交后由服务器检查是否符合密码规则。'));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const fields = [oldF, newF, confirmF];
    clearErrors(fields, error);
    const oldPw = oldF.input.value;
    const newPw = newF.input.value;
    let bad = null;
    if (!oldPw) bad = bad || (fieldError(oldF, '请输入当前密码') && oldF);
    if (!newPw) {
      bad = bad || (fieldError(newF, '请输入新密码') && newF);
    } else if (policy?.min_length && [...newPw].length < policy.min_length) {
      bad = bad || (fieldError(newF, `新密码至少 ${policy.min_length} 位，当前 ${[...newPw].length} 位`) && newF);
    } else if (policy?.max_bytes && byteLength(newPw) > policy.max_bytes) {
      bad = bad || (fieldError(newF, `新密码不能超过 ${policy.max_bytes} 字节`) && newF);
    } else if (newPw === oldPw) {
      bad = bad || (fieldError(newF, '新密码不能与当前密码相同') && newF);
    }
    if (newPw && confirmF.input.value !== newPw) bad = bad || (fieldError(confirmF, '两次输入的新密码不一致') && confirmF);
    if (bad) {
      bad.input.focus();
      return;
    }
    busy(submit, true, '正在提交…');
    try {
      await changePassword(oldPw, newPw);
      for (const f of fields) f.input.value = '';
      await onDone?.();
    } catch (err) {
      const e = describeError(err);
      if (e.aborted || e.status === 401) return;
      const first = applyFieldErrors(e, { old: oldF, new: newF });
      if (first) {
        first.input.focus();
      } else {
        showError(error, e.message, e.hint);
        error.focus?.();
      }
    } finally {
      busy(submit, false);
    }
  });
  return { form, focus: () => oldF.input.focus() };
}

// codeField is a 6-digit code input that can switch to a recovery code.
function codeField(id, label) {
  return field(id, label, {
    type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6',
    pattern: '[0-9]*', autocapitalize: 'none', spellcheck: 'false', class: 'input input-code',
  });
}

// enrolPanel binds an authenticator: it asks the server for a new secret,
// shows the QR code and the secret, checks the first code and then shows
// the recovery codes once. onDone runs after 我已妥善保存 → 继续.
// proveFirst: the user already has a factor and must enter a current code
// (or a recovery code) before a new secret is issued.
export function enrolPanel({ prefix, onDone, doneLabel = '继续', proveFirst = false }) {
  const el = h('div', { id: `${prefix}-panel`, class: 'enrol' }, h('p', { role: 'status' }, '正在生成绑定信息…'));
  const load = async () => {
    replace(el, h('p', { role: 'status' }, '正在生成绑定信息…'));
    try {
      showEnrol(await totpEnrol());
    } catch (err) {
      const e = describeError(err);
      if (e.status === 401) return;
      const box = errorBox(`${prefix}-error`);
      showError(box, e.message, e.hint);
      replace(el, box, h('p', { class: 'actions' },
        h('button', { type: 'button', class: 'btn btn-secondary', onclick: load }, '重试')));
    }
  };

  function prove() {
    const code = field(`${prefix}-current`, '当前动态口令或恢复码', {
      type: 'text', inputmode: 'text', autocomplete: 'one-time-code', autocapitalize: 'none', spellcheck: 'false',
    }, '为确认是您本人操作，请先输入手机上当前显示的 6 位动态口令；手机不在身边时可输入一个恢复码。');
    const error = errorBox(`${prefix}-current-form-error`);
    const submit = h('button', { id: `${prefix}-current-submit`, type: 'submit', class: 'btn btn-primary' }, '下一步');
    const form = h('form', { id: `${prefix}-current-form`, class: 'stack-form', novalidate: true },
      code.wrap, h('div', { class: 'actions' }, submit), error);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors([code], error);
      const v = code.input.value.trim();
      if (!v) {
        fieldError(code, '请输入当前动态口令或恢复码');
        code.input.focus();
        return;
      }
      busy(submit, true, '正在验证…');
      try {
        showEnrol(await totpEnrol(/^\d[\d\s]*$/.test(v) ? v.replace(/\s+/g, '') : v));
      } catch (err) {
        if (codeRefused(err, code, error)) busy(submit, false);
      }
    });
    replace(el, form);
    code.input.focus();
  }

  function showEnrol(data) {
    const secret = String(data?.secret || '');
    const code = codeField(`${prefix}-code`, '动态口令（6 位数字）');
    const error = errorBox(`${prefix}-error`);
    const submit = h('button', { id: `${prefix}-submit`, type: 'submit', class: 'btn btn-primary' }, '验证并绑定');
    const form = h('form', { id: `${prefix}-form`, class: 'stack-form', novalidate: true },
      code.wrap, h('div', { class: 'actions' }, submit), error);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors([code], error);
      const v = code.input.value.replace(/\s+/g, '');
      if (!/^\d{6}$/.test(v)) {
        fieldError(code, '请输入身份验证器显示的 6 位数字');
        code.input.focus();
        return;
      }
      busy(submit, true, '正在验证…');
      try {
        const res = await totpConfirm(v);
        showRecovery(Array.isArray(res?.recovery_codes) ? res.recovery_codes : []);
      } catch (err) {
        if (codeRefused(err, code, error)) busy(submit, false);
      }
    });
    replace(el,
      h('ol', { class: 'enrol-steps' },
        h('li', {}, '在手机上打开身份验证器应用（如“动态口令”“Authenticator”类应用），选择添加账号。'),
        h('li', {}, '扫描下方二维码；无法扫描时，选择手动输入密钥。'),
        h('li', {}, '输入应用显示的 6 位动态口令完成绑定。')),
      h('div', { class: 'enrol-qr' },
        data?.qr_png ? h('img', {
          id: `${prefix}-qr`, class: 'qr', src: data.qr_png, width: '200', height: '200',
          alt: '动态口令绑定二维码：请用手机上的身份验证器应用扫描。无法扫描时请手动输入下方密钥。',
        }) : null,
        h('div', { class: 'enrol-secret' },
          h('p', { class: 'label', id: `${prefix}-secret-label` }, '手动输入密钥'),
          h('code', { id: `${prefix}-secret`, class: 'secret', 'data-secret': secret, 'aria-labelledby': `${prefix}-secret-label` },
            secret.replace(/(.{4})(?=.)/g, '$1 ')),
          h('p', { class: 'field-help' }, '密钥类型：基于时间（TOTP），6 位数字，30 秒更新。'))),
      form);
    code.input.focus();
  }

  function showRecovery(codes) {
    const saved = h('input', { type: 'checkbox', id: `${prefix}-saved`, class: 'checkbox' });
    const next = h('button', { type: 'button', id: `${prefix}-continue`, class: 'btn btn-primary', disabled: true }, doneLabel);
    saved.addEventListener('change', () => { next.disabled = !saved.checked; });
    next.addEventListener('click', async () => {
      busy(next, true);
      try {
        await onDone?.();
      } finally {
        if (next.isConnected) busy(next, false);
      }
    });
    const title = h('h2', { class: 'section-title', id: `${prefix}-recovery-title`, tabindex: '-1' }, '动态口令已绑定，请保存恢复码');
    replace(el,
      title,
      h('p', {}, '手机丢失或无法使用身份验证器时，可以用下面的恢复码登录，每个恢复码只能使用一次。恢复码只显示这一次，请抄写或打印后妥善保管，不要保存在本电脑上。'),
      h('ol', { id: `${prefix}-recovery`, class: 'recovery-codes', 'aria-labelledby': `${prefix}-recovery-title` },
        codes.map((c) => h('li', {}, h('code', {}, String(c))))),
      h('div', { class: 'check' }, saved, h('label', { for: `${prefix}-saved` }, '我已妥善保存')),
      h('div', { class: 'actions' }, next));
    title.focus();
  }

  if (proveFirst) prove();
  else load();
  return { el };
}

// verifyPanel asks for the current TOTP code, or a recovery code.
export function verifyPanel({ prefix, onDone }) {
  const code = codeField(`${prefix}-code`, '动态口令（6 位数字）');
  const label = code.wrap.querySelector('label');
  const error = errorBox(`${prefix}-error`);
  const submit = h('button', { id: `${prefix}-submit`, type: 'submit', class: 'btn btn-primary' }, '验证');
  let recovery = false;
  const toggle = h('button', { type: 'button', id: `${prefix}-use-recovery`, class: 'btn-link' }, '手机不在身边？使用恢复码');
  toggle.addEventListener('click', () => {
    recovery = !recovery;
    clearErrors([code], error);
    code.input.value = '';
    replace(label, recovery ? '恢复码' : '动态口令（6 位数字）', h('span', { class: 'required', 'aria-hidden': 'true' }, ' *'));
    if (recovery) {
      code.input.removeAttribute('maxlength');
      code.input.removeAttribute('pattern');
      code.input.setAttribute('inputmode', 'text');
      code.input.setAttribute('autocomplete', 'off');
    } else {
      code.input.setAttribute('maxlength', '6');
      code.input.setAttribute('pattern', '[0-9]*');
      code.input.setAttribute('inputmode', 'numeric');
      code.input.setAttribute('autocomplete', 'one-time-code');
    }
    toggle.textContent = recovery ? '改用动态口令' : '手机不在身边？使用恢复码';
    code.input.focus();
  });
  const form = h('form', { id: `${prefix}-form`, class: 'stack-form', novalidate: true },
    h('p', {}, '请打开手机上的身份验证器应用，输入当前显示的 6 位动态口令。'),
    code.wrap, h('div', { class: 'actions' }, submit), toggle, error);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors([code], error);
    const v = code.input.value.trim();
    if (!recovery && !/^\d{6}$/.test(v.replace(/\s+/g, ''))) {
      fieldError(code, '请输入 6 位数字动态口令');
      code.input.focus();
      return;
    }
    if (recovery && !v) {
      fieldError(code, '请输入恢复码');
      code.input.focus();
      return;
    }
    busy(submit, true, '正在验证…');
    try {
      await totpVerify(recovery ? v : v.replace(/\s+/g, ''));
      await onDone?.();
    } catch (err) {
      codeRefused(err, code, error);
    } finally {
      if (submit.isConnected) busy(submit, false);
    }
  });
  return { el: form, focus: () => code.input.focus() };
}

// codeRefused shows why the server refused a code, under the field or in the
// form's error box, and puts the cursor back into the field. It answers
// false when the session is gone (401: the app returns to the login page).
function codeRefused(err, code, error) {
  const e = describeError(err);
  if (e.status === 401) return false;
  if (!applyFieldErrors(e, { code })) showError(error, e.message, e.hint);
  code.input.select();
  code.input.focus();
  return code.input.isConnected;
}

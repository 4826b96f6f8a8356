// The step pages between login and the shell, while the server still
// owes the session a step (meta.require / 403 step_required):
// 修改初始密码 → 绑定动态口令 → 输入动态口令.

import { owedSteps, setPendingSteps } from '../api.js';
import { h, replace } from '../dom.js';
import { enrolPanel, passwordForm, verifyPanel } from './security.js';

const TITLES = {
  password_change: '修改初始密码',
  totp_enrol: '绑定动态口令',
  totp: '输入动态口令',
};

const INTROS = {
  password_change: '为保障账号安全，首次登录或密码过期时须先修改密码，修改后才能使用系统。',
  totp_enrol: '您的岗位须使用动态口令（双因素认证）登录。请用手机上的身份验证器应用完成绑定。',
  totp: '您的账号已启用动态口令，请完成验证后进入系统。',
};

// renderSteps shows the first owed step in root. onDone runs when the
// server owes nothing more; onLogout leaves.
export function renderSteps(root, steps, { me, onDone, onLogout }) {
  let total = Math.max(steps.length, 1);
  let index = 0;

  async function next() {
    const left = await owedSteps(); // the server says what is still owed
    if (left.length === 0) {
      setPendingSteps([]);
      await onDone?.();
      return;
    }
    index += 1;
    total = Math.max(total, index + left.length);
    show(left[0]);
  }

  function show(step) {
    const title = TITLES[step] || step;
    document.title = `${title} - 政务协同`;
    let body;
    if (step === 'password_change') {
      const f = passwordForm({ prefix: 'step-pw', onDone: next, submitLabel: '修改密码并继续' });
      body = f.form;
    } else if (step === 'totp_enrol') {
      body = enrolPanel({ prefix: 'step-enrol', onDone: next }).el;
    } else if (step === 'totp') {
      body = verifyPanel({ prefix: 'step-totp', onDone: next }).el;
    } else {
      body = h('p', { class: 'form-error-message' }, `服务器要求完成“${title}”，本页面暂不支持，请联系系统管理员。`);
    }
    const heading = h('h1', { id: 'step-title', class: 'login-title', tabindex: '-1' }, title);
    replace(root,
      h('div', { class: 'login-page step-page', id: 'step-page', 'data-step': step },
        h('header', { class: 'login-header' },
          h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '政'),
          h('div', {},
            h('p', { class: 'login-system' }, '政务协同'),
            h('p', { class: 'login-tagline' }, me?.name ? `${me.name}${me.unit?.name ? ` · ${me.unit.name}` : ''}` : '账号安全设置'))),
        h('main', { class: 'login-main', id: 'main' },
          h('section', { class: 'login-card step-card', 'aria-labelledby': 'step-title' },
            h('p', { class: 'step-progress', id: 'step-progress' }, `第 ${Math.min(index + 1, total)} 步，共 ${total} 步`),
            heading,
            h('p', { class: 'step-intro' }, INTROS[step] || ''),
            body,
            h('p', { class: 'step-leave' },
              h('button', { type: 'button', class: 'btn-link', id: 'step-logout', onclick: onLogout }, '暂不设置，退出登录')))),
        h('footer', { class: 'login-footer' },
          h('p', {}, '如无法完成设置，请联系本单位系统管理员。'))));
    // Focus the first input if there is one, else the heading.
    const first = root.querySelector('#main form input');
    (first || heading).focus();
  }

  show(steps[0]);
}

// 账号安全 (#/account, reached from 我的 and the user's name): change the
// password, see and end my sessions, bind the TOTP authenticator again.

import { describeError, endSession, listSessions, totpStatus } from '../api.js';
import { h, replace } from '../dom.js';
import { busy, errorBox, showError } from '../form.js';
import { formatCount, formatDateTime } from '../labels.js';
import { enrolPanel, passwordForm } from './security.js';

const END_REASONS = {
  logout: '已退出',
  idle: '超时',
  expired: '已过期',
  absolute: '已过期',
  revoked: '已被结束',
  ended: '已结束',
  password_change: '修改密码后结束',
  limit: '超出会话数',
  admin: '管理员结束',
};

export function renderAccount(main, me) {
  const pwNotice = h('div', { id: 'acct-pw-notice', role: 'status' });
  const pw = passwordForm({
    prefix: 'acct-pw',
    requireOld: false,
    onDone: async () => {
      replace(pwNotice, h('p', { class: 'notice notice-info' }, '密码已修改。下次登录请使用新密码。'));
      sessions.reload();
    },
  });
  const sessions = sessionsCard();
  replace(main,
    h('div', { class: 'page-head' },
      h('h1', { class: 'page-title', tabindex: '-1' }, '账号安全'),
      h('p', { class: 'page-sub' }, `${me.name || me.username}（${me.username}）的密码、登录会话和动态口令。`)),
    h('div', { class: 'grid' },
      section('修改密码', 'password', [pwNotice, pw.form]),
      totpCard()),
    sessions.el);
  sessions.reload();
}

function section(title, id, body, extra) {
  return h('section', { class: 'card', id: `acct-${id}`, 'aria-labelledby': `acct-${id}-title` },
    h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: `acct-${id}-title` }, title), extra || null),
    body);
}

// totpCard shows GET /api/gov/auth/totp (bound or not, required by the
// user's roles, recovery codes left) and binds the authenticator again.
function totpCard() {
  const status = h('span', { id: 'acct-totp-status' });
  const body = h('div', { id: 'acct-totp-body' }, h('p', { role: 'status' }, '正在读取…'));
  let enrolled = false;

  async function load() {
    let st;
    try {
      st = await totpStatus();
    } catch (err) {
      const e = describeError(err);
      if (e.status === 401) return;
      const box = errorBox('acct-totp-error');
      showError(box, e.message, e.hint);
      replace(body, box);
      return;
    }
    enrolled = !!st?.enrolled;
    replace(status, h('span', { class: enrolled ? 'tag tag-ok' : 'tag tag-warn' }, enrolled ? '已绑定' : '未绑定'));
    const facts = [
      enrolled && st.confirmed_at ? ['绑定时间', formatDateTime(st.confirmed_at)] : null,
      enrolled ? ['剩余恢复码', `${formatCount(st.recovery_codes_left)} 个`] : null,
      ['是否必需', st?.required ? '您的岗位要求使用动态口令' : '可选（建议启用）'],
    ].filter(Boolean);
    const start = h('button', { type: 'button', class: 'btn btn-secondary', id: 'acct-totp-enrol' },
      enrolled ? '重新绑定动态口令' : '绑定动态口令');
    start.addEventListener('click', () => {
      const panel = enrolPanel({
        prefix: 'acct-enrol',
        doneLabel: '完成',
        proveFirst: enrolled,
        onDone: async () => {
          await load();
          body.prepend(h('p', { class: 'notice notice-info', role: 'status', id: 'acct-totp-done' },
            '动态口令已绑定。下次登录请使用新的动态口令。'));
        },
      });
      const cancel = h('button', { type: 'button', class: 'btn btn-quiet', id: 'acct-enrol-cancel', onclick: () => load() }, '取消');
      replace(body, panel.el, h('p', { class: 'actions' }, cancel));
    });
    replace(body,
      h('dl', { class: 'facts', id: 'acct-totp-facts' },
        facts.map(([k, v]) => h('div', { class: 'fact' }, h('dt', {}, k), h('dd', {}, v)))),
      h('p', { class: 'muted' }, '动态口令是登录时除密码外的第二道验证，由手机上的身份验证器应用每 30 秒生成一次。更换手机时请重新绑定，原有的动态口令和恢复码随之失效。'),
      h('p', { class: 'actions' }, start));
  }
  load();
  return section('动态口令', 'totp', body, status);
}

// uaSummary names the browser and system of a User-Agent, e.g. Chrome · Windows.
function uaSummary(ua) {
  if (!ua) return '未知设备';
  const browser = [[/Edg\//, 'Edge'], [/Firefox\//, 'Firefox'], [/HeadlessChrome|Chrome\//, 'Chrome'], [/Safari\//, 'Safari'], [/curl\//, 'curl']]
    .find(([re]) => re.test(ua))?.[1] || '其他浏览器';
  const os = [[/Windows/, 'Windows'], [/Android/, 'Android'], [/iPhone|iPad/, 'iOS'], [/Mac OS X/, 'macOS'], [/Linux/, 'Linux']]
    .find(([re]) => re.test(ua))?.[1] || '';
  return os ? `${browser} · ${os}` : browser;
}

function sessionsCard() {
  const count = h('p', { class: 'card-count', id: 'sessions-count' });
  const body = h('div', { id: 'sessions-body' }, h('p', { role: 'status' }, '正在加载…'));
  const el = section('登录会话', 'sessions', [
    h('p', { class: 'muted' }, '以下是您账号的登录记录。如发现不是您本人的登录，请立即结束该会话并修改密码。'),
    body,
  ], count);

  async function reload() {
    try {
      const res = await listSessions();
      const items = Array.isArray(res?.items) ? res.items : [];
      replace(count, `共 ${formatCount(res?.totalItems ?? items.length)} 条`);
      if (items.length === 0) {
        replace(body, h('p', { class: 'empty' }, '暂无登录会话记录。'));
        return;
      }
      replace(body, h('div', { class: 'table-wrap' },
        h('table', { class: 'table table-stack', id: 'sessions' },
          h('caption', { class: 'sr-only' }, '我的登录会话'),
          h('thead', {}, h('tr', {},
            ['登录时间', '最近活动', 'IP 地址', '设备', '状态', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, items.map(row)))));
    } catch (err) {
      const e = describeError(err);
      if (e.status === 401) return;
      const box = errorBox('sessions-error');
      showError(box, e.message, e.hint);
      replace(body, box, h('p', { class: 'actions' },
        h('button', { type: 'button', class: 'btn btn-secondary', onclick: reload }, '重试')));
    }
  }

  function row(s) {
    const state = s.current
      ? h('span', { class: 'tag tag-ok' }, '当前')
      : s.ended
        ? h('span', { class: 'tag tag-muted' }, END_REASONS[s.end_reason] || (s.end_reason ? `已结束（${s.end_reason}）` : '已结束'))
        : h('span', { class: 'tag' }, '有效');
    const action = h('td', { class: 'nowrap', 'data-label': '操作' });
    if (!s.current && !s.ended) endButton(action, s);
    else replace(action, h('span', { class: 'muted' }, '—'));
    return h('tr', { 'data-session': s.id, class: s.current ? 'row-current' : null },
      h('td', { class: 'nowrap', 'data-label': '登录时间' }, formatDateTime(s.created) || '—'),
      h('td', { class: 'nowrap', 'data-label': '最近活动' }, formatDateTime(s.last_seen) || '—'),
      h('td', { class: 'nowrap', 'data-label': 'IP 地址' }, s.ip || '—'),
      h('td', { 'data-label': '设备', title: s.user_agent || '' }, uaSummary(s.user_agent)),
      h('td', { class: 'nowrap', 'data-label': '状态' }, state),
      action);
  }

  // endButton: 结束 → an inline confirmation → DELETE.
  function endButton(cell, s) {
    const ask = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', 'data-end': s.id }, '结束');
    ask.addEventListener('click', () => {
      const yes = h('button', { type: 'button', class: 'btn btn-danger btn-sm', 'data-confirm-end': s.id }, '确定结束');
      const no = h('button', { type: 'button', class: 'btn btn-quiet btn-sm' }, '取消');
      const msg = h('p', { class: 'form-error', role: 'alert' });
      no.addEventListener('click', () => { endButton(cell, s); cell.querySelector('button')?.focus(); });
      yes.addEventListener('click', async () => {
        busy(yes, true, '正在结束…');
        try {
          await endSession(s.id);
          await reload();
          document.getElementById('sessions-count')?.focus?.();
        } catch (err) {
          const e = describeError(err);
          if (e.status === 401) return;
          busy(yes, false);
          showError(msg, e.message, e.hint);
        }
      });
      replace(cell, h('div', { class: 'confirm', role: 'group', 'aria-label': '确认结束会话' },
        h('span', {}, '结束后该设备须重新登录。'), h('span', { class: 'actions' }, yes, no), msg));
      yes.focus();
    });
    replace(cell, ask);
  }

  return { el, reload };
}

// Entry point: decides between the login page and the signed-in shell,
// and routes #/workbench, #/cases, … to their pages.

import {
  SIGNED_OUT, STEP_REQUIRED, describeError, fetchMe, isSignedIn, logout, owedSteps, pb,
} from './api.js';
import { h, icon, replace } from './dom.js';
import {
  ADMIN_PAGES, DEFAULT_ROUTE, adminPagesFor, findModule, href, mayOpen, parseHash,
} from './modules.js';
import { renderAccount } from './views/account.js';
import { renderAudit } from './views/audit.js';
import { renderCases } from './views/cases.js';
import { renderDocs } from './views/docs.js';
import { renderInbound } from './views/docs_inbound.js';
import { renderWorkflows } from './views/docs_workflows.js';
import { renderImport, renderUnits, renderUsers } from './views/admin_org.js';
import {
  renderAdminGrants, renderAdminPolicy, renderAdminRoles, renderAdminSecurity,
} from './views/admin_sec.js';
import { renderLogin } from './views/login.js';
import { renderMailboxes } from './views/mailboxes.js';
import { renderMine } from './views/mine.js';
import { renderNotifications, startBell, stopBell } from './views/notifications.js';
import { refreshNoticeBadge, renderNotices } from './views/notices.js';
import { renderTraining } from './views/training.js';
import { renderQRCheckin } from './views/training_courses.js';
import { renderForbidden, renderNotFound, renderPlaceholder } from './views/placeholder.js';
import { renderSearch } from './views/search.js';
import { renderContacts } from './views/contacts.js';
import { renderShell } from './views/shell.js';
import { renderSteps } from './views/steps.js';
import { renderWorkbench } from './views/workbench.js';

const root = document.getElementById('app');

// session is {me, shell} while signed in, null on the login page.
let session = null;

// start loads the current user and shows the shell, or the login page.
async function start(notice) {
  if (!isSignedIn()) {
    pb.authStore.clear();
    showLogin(notice);
    return;
  }
  let me;
  let steps;
  try {
    // /api/gov/me answers while steps are owed; the probe says which.
    [me, steps] = await Promise.all([fetchMe(), owedSteps()]);
  } catch (err) {
    const e = describeError(err);
    if (e.status === 401) return; // the SIGNED_OUT listener shows the login page
    showFailure(e);
    return;
  }
  if (steps.length > 0) {
    showSteps(me, steps);
    return;
  }
  showShell(me);
}

// showSteps shows the step pages (修改初始密码, 绑定/输入动态口令) the
// server still requires before the shell.
function showSteps(me, steps) {
  session = null;
  stopBell();
  document.body.classList.remove('signed-in');
  renderSteps(root, steps, { me, onDone: () => start(), onLogout: signOut });
}

function showLogin(notice) {
  session = null;
  stopBell();
  document.body.classList.remove('signed-in');
  renderLogin(root, { notice, onSignedIn: () => start() });
}

function showShell(me) {
  document.body.classList.add('signed-in');
  session = { me, shell: renderShell(root, me, { onLogout: signOut }) };
  startBell();
  refreshNoticeBadge();
  if (!window.location.hash || window.location.hash === '#/') {
    history.replaceState(null, '', href(DEFAULT_ROUTE));
  }
  route(false);
}

// route renders the page the hash names. moved says the user navigated
// (focus then goes to the page heading, for screen readers and keyboards).
function route(moved) {
  if (!session) return;
  const { me, shell } = session;
  const { id, sub, params } = parseHash();
  let mod = findModule(id);
  let title = mod ? mod.title : '页面不存在';
  const page = mod?.id === 'admin' && sub ? ADMIN_PAGES.find((p) => p.sub === sub) : null;
  if (!mod || (sub && !page && !mod.subroutes)) {
    mod = mod && sub ? null : mod;
    title = '页面不存在';
    renderNotFound(shell.main);
  } else if (!mayOpen(mod, me)) {
    renderForbidden(shell.main, mod);
  } else if (page) {
    title = page.title;
    if (!mayOpen(page, me)) renderForbidden(shell.main, page);
    else if (page.sub === 'audit') renderAudit(shell.main, me, params);
    else if (page.sub === 'units') renderUnits(shell.main, me, params);
    else if (page.sub === 'users') renderUsers(shell.main, me, params);
    else if (page.sub === 'users/import') renderImport(shell.main, me, params);
    else if (page.sub === 'mailboxes') renderMailboxes(shell.main, me);
    else if (page.sub === 'roles') renderAdminRoles(shell.main, me);
    else if (page.sub === 'grants') renderAdminGrants(shell.main, me);
    else if (page.sub === 'policy') renderAdminPolicy(shell.main, me);
    else if (page.sub === 'security') renderAdminSecurity(shell.main, me);
  } else if (mod.id === 'cases') {
    title = renderCases(shell.main, me, sub, params) || title;
  } else if (mod.id === 'docs') {
    title = renderDocs(shell.main, me, sub, params) || title;
  } else if (mod.id === 'inbound') {
    title = renderInbound(shell.main, me, params) || title;
  } else if (mod.id === 'mailboxes') {
    title = renderMailboxes(shell.main, me) || title;
  } else if (mod.id === 'workflows') {
    title = renderWorkflows(shell.main, me) || title;
  } else if (mod.id === 'notices') {
    title = renderNotices(shell.main, me, sub, params) || title;
  } else if (mod.id === 'training') {
    title = renderTraining(shell.main, me, sub, params) || title;
  } else if (mod.id === 'checkin') {
    title = renderQRCheckin(shell.main, params) || title;
  } else if (mod.id === 'contacts') {
    title = renderContacts(shell.main, me, params) || title;
  } else if (mod.id === 'search') {
    title = renderSearch(shell.main, params) || title;
  } else if (mod.id === 'workbench') {
    renderWorkbench(shell.main, me);
  } else if (mod.id === 'todo') {
    title = renderWorkbench(shell.main, me, { todo: true }) || title;
  } else if (mod.id === 'me') {
    renderMine(shell.main, me, { onLogout: signOut });
  } else if (mod.id === 'account') {
    renderAccount(shell.main, me);
  } else if (mod.id === 'notifications') {
    renderNotifications(shell.main);
  } else {
    renderPlaceholder(shell.main, mod);
    if (mod.id === 'admin') addAdminLinks(shell.main, me);
  }
  shell.setActive(mod ? mod.menu || mod.id : '');
  shell.setQuery(id === 'search' ? params.get('q') : '');
  document.title = `${title} - 政务协同`;
  if (moved) {
    window.scrollTo(0, 0);
    shell.main.querySelector('h1')?.focus({ preventScroll: true });
  }
}

// addAdminLinks puts the 管理 pages already built above the placeholder.
function addAdminLinks(main, me) {
  const pages = adminPagesFor(me);
  if (pages.length === 0) return;
  main.querySelector('.page-head')?.after(
    h('nav', { class: 'card admin-links', 'aria-label': '管理功能', id: 'admin-links' },
      h('ul', { class: 'mine-links' }, pages.map((p) =>
        h('li', {}, h('a', { class: 'mine-link', href: `#/${p.id}` }, icon(p.icon),
          h('span', {}, p.title), p.intro ? h('span', { class: 'muted link-note' }, p.intro) : null))))));
}

async function signOut(ev) {
  ev?.currentTarget?.setAttribute('disabled', '');
  session = null;
  stopBell(); // end the live subscription while the token is still good
  const confirmed = await logout();
  history.replaceState(null, '', href(DEFAULT_ROUTE));
  showLogin(confirmed
    ? { kind: 'info', text: '您已安全退出。' }
    : { kind: 'warn', text: '已在本机退出，但未能通知服务器结束会话。', hint: '如在公用电脑上使用，请关闭浏览器。' });
}

function showFailure(e) {
  session = null;
  replace(root,
    h('main', { class: 'failure', id: 'main' },
      h('section', { class: 'card building', role: 'alert' },
        icon('alert', 'icon building-icon'),
        h('div', {},
          h('h1', { class: 'building-title' }, '暂时无法打开'),
          h('p', {}, e.message),
          h('p', { class: 'actions' },
            h('button', { type: 'button', class: 'btn btn-primary', onclick: () => start() }, '重试'),
            h('button', {
              type: 'button', class: 'btn btn-secondary',
              onclick: async () => { await logout(); showLogin(); },
            }, '重新登录'))))));
}

// Any 401 on a signed-in call: back to the login page, saying why.
window.addEventListener(SIGNED_OUT, (ev) => {
  const e = ev.detail || {};
  const ended = e.code === 'session_ended';
  showLogin({
    kind: 'warn',
    text: ended ? e.message : '登录已失效，请重新登录。',
    hint: ended ? e.hint : '',
  });
});

// Signing out in another window clears the shared token: follow it here.
pb.authStore.onChange((token) => {
  if (token) return;
  setTimeout(() => {
    if (session && !pb.authStore.token) showLogin({ kind: 'info', text: '您已在其他窗口退出登录。' });
  }, 0);
});

// A call answered 403 step_required: the session still owes a step
// (e.g. its password expired); leave the shell for the step page.
window.addEventListener(STEP_REQUIRED, async (ev) => {
  if (!session) return; // the step pages handle their own answers
  const { me } = session;
  session = null; // further answers of the old page are ignored
  let steps = ev.detail?.steps || [];
  if (steps.length === 0) {
    try {
      steps = await owedSteps();
    } catch {
      return; // 401: the SIGNED_OUT listener shows the login page
    }
  }
  if (steps.length > 0) showSteps(me, steps);
  else start();
});

window.addEventListener('hashchange', () => route(true));

start();

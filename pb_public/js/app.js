// Entry point: decides between the login page and the signed-in shell,
// and routes #/workbench, #/cases, … to their pages.

import { SIGNED_OUT, describeError, fetchMe, isSignedIn, logout, pb } from './api.js';
import { h, icon, replace } from './dom.js';
import { DEFAULT_ROUTE, findModule, href, mayOpen, parseHash } from './modules.js';
import { renderLogin } from './views/login.js';
import { renderMine } from './views/mine.js';
import { renderForbidden, renderNotFound, renderPlaceholder } from './views/placeholder.js';
import { renderShell } from './views/shell.js';
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
  try {
    me = await fetchMe();
  } catch (err) {
    const e = describeError(err);
    if (e.status === 401) return; // the SIGNED_OUT listener shows the login page
    showFailure(e);
    return;
  }
  showShell(me);
}

function showLogin(notice) {
  session = null;
  document.body.classList.remove('signed-in');
  renderLogin(root, { notice, onSignedIn: () => start() });
}

function showShell(me) {
  document.body.classList.add('signed-in');
  session = { me, shell: renderShell(root, me, { onLogout: signOut }) };
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
  const { id, params } = parseHash();
  const mod = findModule(id);
  if (!mod) {
    renderNotFound(shell.main);
  } else if (!mayOpen(mod, me)) {
    renderForbidden(shell.main, mod);
  } else if (mod.id === 'workbench') {
    renderWorkbench(shell.main, me);
  } else if (mod.id === 'me') {
    renderMine(shell.main, me, { onLogout: signOut });
  } else {
    renderPlaceholder(shell.main, mod, params);
  }
  shell.setActive(mod ? mod.id : '');
  shell.setQuery(id === 'search' ? params.get('q') : '');
  document.title = `${mod ? mod.title : '页面不存在'} - 政务协同`;
  if (moved) {
    window.scrollTo(0, 0);
    shell.main.querySelector('h1')?.focus({ preventScroll: true });
  }
}

async function signOut(ev) {
  ev?.currentTarget?.setAttribute('disabled', '');
  session = null;
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

window.addEventListener('hashchange', () => route(true));

start();

// 打印版式 (#/docs/{id}/print[?copy=N]): the GB/T 9704 page the server lays
// out at GET /api/gov/docs/{id}/print, shown inside this page and printed
// with the browser's 打印.
//
// Why not a new tab or an iframe: the route needs the Authorization header
// (a plain link cannot carry it); a blob: URL in an iframe is refused by the
// UI's CSP (frame-src falls back to default-src 'self', which does not match
// blob:), and a blob: tab cannot resolve /css/print.css. So the page fetches
// the HTML with the token, parses it with DOMParser (its scripts never run —
// and it has none), and adopts its <article class="gb-sheet"> here; the body
// is the server's sanitized HTML, as on the document page. /css/print.css is
// loaded by a <link> (style-src 'self'); its @page and @media print rules
// print the sheet alone (body.gb-printing hides the shell). Leaving the
// route removes both.

import { describeError, pb } from '../api.js';
import { h, replace } from '../dom.js';
import { errorBox, showError } from '../form.js';
import { href } from '../modules.js';
import { loading, pageHead, send } from './cases.js';
import { docPath } from './docs.js';

const CSS_ID = 'gb-print-css';

function usePrintStyles() {
  if (!document.getElementById(CSS_ID)) {
    document.head.append(h('link', { rel: 'stylesheet', href: '/css/print.css', id: CSS_ID }));
  }
  document.body.classList.add('gb-printing');
  const leave = () => {
    if (/^#\/docs\/[^/]+\/print/.test(window.location.hash)) return;
    document.getElementById(CSS_ID)?.remove();
    document.body.classList.remove('gb-printing');
    window.removeEventListener('hashchange', leave);
  };
  window.addEventListener('hashchange', leave);
}

export function renderDocPrint(main, me, id, params) {
  const copy = Math.max(1, Number(params.get('copy')) || 1);
  const back = h('p', { class: 'case-back gb-ui-only' }, h('a', { href: href(`docs/${id}`), id: 'doc-print-back' }, '‹ 返回公文'));
  const head = pageHead('打印版式', '按《党政机关公文格式》（GB/T 9704-2012）排版，A4 纸打印。打印内容带有您的姓名、单位和日期水印。');
  head.classList.add('gb-ui-only');
  const error = errorBox('doc-print-error');
  const frame = h('div', { class: 'gb-frame', id: 'doc-print-frame', 'aria-live': 'polite' }, loading('正在排版…'));
  const toolbar = h('div', { class: 'card doc-print-tools gb-ui-only', id: 'doc-print-tools' });
  replace(main, back, head, toolbar, error, frame);
  usePrintStyles();

  (async () => {
    let d;
    try {
      d = await send(docPath(id));
    } catch (err) {
      fail(err);
      return;
    }
    drawTools(d);
    try {
      const res = await fetch(`${docPath(id)}/print?copy=${copy}`, {
        headers: { Authorization: pb.authStore.token }, credentials: 'same-origin', cache: 'no-store',
      });
      const text = await res.text();
      if (!res.ok) {
        let body = {};
        try { body = JSON.parse(text); } catch { /* not JSON */ }
        pb.afterSend(res, body);
        throw { status: res.status, response: body };
      }
      const parsed = new DOMParser().parseFromString(text, 'text/html');
      const sheet = parsed.querySelector('.gb-sheet');
      if (!sheet) throw { status: 500, response: {} };
      if (!main.isConnected) return;
      replace(frame, document.adoptNode(sheet));
    } catch (err) {
      fail(err);
    }
  })();

  function drawTools(d) {
    const printBtn = h('button', { type: 'button', class: 'btn btn-primary', id: 'doc-print-go', onclick: () => window.print() }, '打印');
    const copies = Number(d.copies || 0);
    let copyCtl = null;
    if (copies > 0) {
      const input = h('input', { type: 'number', class: 'input doc-copy-input', id: 'doc-print-copy', min: 1, max: copies, value: copy });
      const apply = h('button', { type: 'button', class: 'btn btn-secondary', id: 'doc-print-copy-go' }, '更换份号');
      apply.addEventListener('click', () => {
        const n = Math.min(copies, Math.max(1, Number(input.value) || 1));
        window.location.hash = href(`docs/${id}/print`, n > 1 ? { copy: n } : null);
      });
      copyCtl = h('div', { class: 'doc-copy' }, h('label', { for: 'doc-print-copy', class: 'label' }, `份号（共 ${copies} 份）`),
        h('div', { class: 'ntc-picker-row' }, input, apply));
    }
    replace(toolbar,
      h('p', { class: 'doc-print-what' }, h('strong', {}, d.number || '未编号'), ` · ${d.title}`),
      copyCtl,
      h('div', { class: 'actions' }, printBtn));
  }

  function fail(err) {
    const e = describeError(err);
    if (e.status === 401 || !main.isConnected) return;
    replace(frame);
    showError(error, e.message, e.hint);
  }
  return '打印版式';
}

// 收文登记 (#/inbound, clerks of an office): the 收文 queue fed by internal
// exchange and by mail — 待处理 (new, received), 隔离 (mail held back, with
// the reason) and 全部 — with 签收, 退文 (a reason for the sender) and 登记
// (choose the 收文 workflow: the item becomes a 收文 of this office with its
// own number, e.g. 西政办收〔2026〕1号, and enters it). Mail shows its
// sender, the start of its text and its attachments.

import { describeError } from '../api.js';
import { h, replace } from '../dom.js';
import { busy, errorBox, showError } from '../form.js';
import { formatCount } from '../labels.js';
import { href } from '../modules.js';
import { failure, loading, pageHead, send } from './cases.js';
import { filesList } from './cases_view.js';
import { docUrgencyTag, docsNav, isClerk, shortDate } from './docs.js';
import { setDocFlash } from './docs_view.js';
import { ctl } from './notices_edit.js';

const STATUS = {
  new: ['待签收', 'tag-warn'],
  received: ['已签收', 'tag-level'],
  registered: ['已登记', 'tag-ok'],
  refused: ['已退文', 'tag-muted'],
  quarantined: ['已隔离', 'tag-warn'],
};

const BOXES = {
  open: ['待处理', 'new,received'],
  quarantined: ['隔离', 'quarantined'],
  all: ['全部', ''],
};

export function renderInbound(main, me, params) {
  const box = BOXES[params.get('box')] ? params.get('box') : 'open';
  const all = box === 'all';
  const head = pageHead('收文登记', '上级和其他单位印发给本单位的公文：签收、登记后按收文办理流程流转；不属于本单位办理的可退文。');
  if (!isClerk(me)) {
    replace(main, head, docsNav(me, 'inbound'), h('section', { class: 'card', id: 'inb-refused' },
      h('p', { class: 'notice notice-warn' }, '收文登记由各单位办公室的收发员办理。')));
    return '收文登记';
  }
  const tabs = h('nav', { class: 'case-tabs', 'aria-label': '收文', id: 'inb-tabs' },
    Object.entries(BOXES).map(([k, [label]]) => h('a', {
      class: 'case-tab', href: k === 'open' ? href('inbound') : href('inbound', { box: k }), id: `inb-tab-${k}`, 'aria-current': k === box ? 'page' : null,
    }, label)));
  const count = h('p', { class: 'card-count', id: 'inb-count', 'aria-live': 'polite' });
  const list = h('div', { id: 'inb-results' }, loading('正在加载收文…'));
  replace(main, head, docsNav(me, 'inbound'), tabs,
    h('section', { class: 'card', 'aria-labelledby': 'inb-title' },
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title', id: 'inb-title' },
        { open: '待处理收文', quarantined: '隔离的邮件', all: '全部收文' }[box]), count),
      list));

  let templates = null;
  const loadTemplates = async () => {
    if (!templates) {
      const res = await send('/api/gov/workflows', 'GET', null, { usable: 1, doc_type: '收文', perPage: 100 });
      templates = (res?.items || []).filter((w) => w.doc_type === '收文');
    }
    return templates;
  };

  (async () => {
    try {
      const res = await send('/api/gov/inbound', 'GET', null, { perPage: 50, status: BOXES[box][1] });
      const items = res?.items || [];
      replace(count, `共 ${formatCount(res?.totalItems ?? items.length)} 件`);
      if (!items.length) {
        replace(list, h('div', { class: 'empty case-empty', id: 'inb-empty' },
          h('p', {}, { all: '还没有收文。', quarantined: '没有被隔离的邮件。',
            open: '没有待处理的收文。其他单位印发或发送到收文邮箱的公文会显示在这里。' }[box])));
        return;
      }
      replace(list, h('ul', { class: 'doc-list inb-list', id: 'inb-list' }, items.map(row)));
    } catch (err) {
      failure(list, err, 'inb-error');
    }
  })();
  return '收文登记';

  function row(it) {
    const [label, cls] = STATUS[it.status] || [it.status, 'tag-muted'];
    const panel = h('div', { class: 'ntc-panel inb-panel' });
    const error = errorBox(`inb-error-${it.id}`);
    const open = it.status === 'new' || it.status === 'received';
    const buttons = open ? h('div', { class: 'actions inb-actions' },
      it.status === 'new' ? h('button', { type: 'button', class: 'btn btn-secondary btn-sm inb-receive', onclick: (ev) => receive(ev.currentTarget) }, '签收') : null,
      h('button', { type: 'button', class: 'btn btn-primary btn-sm inb-register', onclick: () => registerForm() }, '登记'),
      h('button', { type: 'button', class: 'btn btn-quiet btn-sm inb-refuse', onclick: () => refuseForm() }, '退文')) : null;
    const li = h('li', { class: 'doc-item inb-item', 'data-inbound': it.id, 'data-status': it.status },
      h('div', { class: 'doc-item-head' },
        it.source === 'mail' ? h('span', { class: 'tag tag-level inb-source' }, '邮件')
          : it.copy ? h('span', { class: 'tag tag-muted' }, '抄送') : h('span', { class: 'tag tag-level' }, '主送'),
        docUrgencyTag(it.urgency),
        it.doc ? h('a', { class: 'doc-item-title', href: href(`docs/${it.doc}`) }, it.title) : h('span', { class: 'doc-item-title' }, it.title)),
      h('p', { class: 'case-meta doc-meta' }, [it.sender_org, it.number, it.received_at ? `${shortDate(it.received_at)} 收到` : ''].filter(Boolean).join(' · ')),
      h('div', { class: 'tags doc-tags' }, h('span', { class: `tag ${cls} inb-status` }, label),
        it.handled_by_name ? h('span', { class: 'muted' }, `${it.handled_by_name} ${shortDate(it.handled_at)}`) : null),
      it.sender_addr ? h('p', { class: 'muted inb-sender' }, `发件人：${it.sender_addr}`) : null,
      it.excerpt ? h('p', { class: 'inb-excerpt' }, it.excerpt) : null,
      it.reason ? h('p', { class: it.status === 'quarantined' ? 'notice notice-warn inb-reason' : 'muted' },
        it.status === 'quarantined' ? `隔离原因：${it.reason}` : `退文理由：${it.reason}`) : null,
      filesList(it.files || [], `inb-files-${it.id}`),
      it.raw_file ? filesList([it.raw_file], `inb-raw-${it.id}`) : null,
      buttons, error, panel);
    return li;

    async function receive(b) {
      replace(error);
      busy(b, true, '正在签收…');
      try {
        const res = await send(`/api/gov/inbound/${encodeURIComponent(it.id)}/receive`, 'POST', {});
        li.replaceWith(row(res));
      } catch (err) {
        busy(b, false);
        report(err);
      }
    }

    function report(err) {
      const e = describeError(err);
      if (e.status !== 401) showError(error, Object.values(e.fields)[0] || e.message, e.hint);
    }

    function panelForm(title, controls, submitText, onSubmit) {
      const perr = errorBox(`inb-panel-error-${it.id}`);
      const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: `inb-submit-${it.id}` }, submitText);
      const form = h('form', { class: 'ntc-panel-form', novalidate: true, 'aria-label': title },
        h('h3', { class: 'ntc-panel-title' }, title), controls, perr,
        h('div', { class: 'actions' }, submit, h('button', { type: 'button', class: 'btn btn-quiet', onclick: () => replace(panel) }, '取消')));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        replace(perr);
        busy(submit, true, '正在提交…');
        try {
          await onSubmit();
        } catch (err) {
          busy(submit, false);
          const e = describeError(err);
          if (e.status !== 401) showError(perr, Object.values(e.fields)[0] || e.message, e.hint);
        }
      });
      replace(panel, form);
      form.querySelector('select, textarea')?.focus();
    }

    async function registerForm() {
      let tpls;
      try {
        tpls = await loadTemplates();
      } catch (err) {
        report(err);
        return;
      }
      const wf = ctl(`inb-wf-${it.id}`, '收文办理流程', h('select', { class: 'input inb-workflow' },
        h('option', { value: '' }, tpls.length ? '请选择' : '没有可用的收文流程模板'),
        tpls.map((w) => h('option', { value: w.id }, `${w.name}（${w.unit_name}）`))), { required: true });
      if (tpls.length === 1) wf.input.value = tpls[0].id;
      const note = ctl(`inb-note-${it.id}`, '登记说明（可不填）', h('textarea', { class: 'input', rows: 2, maxlength: 2000 }));
      panelForm('收文登记', [wf.wrap, note.wrap], '确认登记', async () => {
        const res = await send(`/api/gov/inbound/${encodeURIComponent(it.id)}/register`, 'POST',
          { workflow: wf.input.value, comment: note.input.value.trim() });
        setDocFlash('已登记，收文已进入办理流程。');
        window.location.hash = href(`docs/${res.doc}`);
      });
    }

    function refuseForm() {
      const reason = ctl(`inb-reason-${it.id}`, '退文理由', h('textarea', { class: 'input', rows: 3, maxlength: 2000 }),
        { required: true, help: '发文单位将看到此理由。' });
      panelForm('退文', reason.wrap, '确认退文', async () => {
        const res = await send(`/api/gov/inbound/${encodeURIComponent(it.id)}/refuse`, 'POST', { reason: reason.input.value.trim() });
        li.replaceWith(row(res));
      });
    }
  }
}

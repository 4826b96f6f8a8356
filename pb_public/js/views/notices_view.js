// The notice page (#/notices/{id}): title, meta, 转发 notes, the body (the
// server's sanitized HTML), attachments, the 更正 history and the 撤回
// banner; the reader's 确认 (with a reply for 征求意见 and attachments);
// the publisher's 撤回, 更正, 主动公开 and the link to the receipts; 转发
// for leaders and clerks who received it. Opening the page records the read.

import { describeError } from '../api.js';
import { h, replace } from '../dom.js';
import { busy, errorBox, showError } from '../form.js';
import { formatCount, formatDateTime } from '../labels.js';
import { href } from '../modules.js';
import { failure, loading, pageHead, send } from './cases.js';
import { bodyEl, confirmInline, fact, filesList } from './cases_view.js';
import {
  confirmTag, noticePath, refreshNoticeBadge, shortTime, statusTag, urgencyTag,
} from './notices.js';
import { audienceBuilder } from './notices_audience.js';
import { bodyField, ctl, filesField } from './notices_edit.js';

let nextFlash = '';

// setNoticeFlash keeps a message for the next notice page drawn.
export function setNoticeFlash(text) { nextFlash = text; }

export function renderNoticeView(main, me, id) {
  const root = h('div', { class: 'case-page ntc-page', id: 'ntc-page' });
  replace(main, root);
  replace(root, backLink(), pageHead('通知公告'), loading('正在加载通知…'));
  const flash = nextFlash;
  nextFlash = '';
  load(flash);
  return '通知公告';

  async function load(flashText) {
    let n;
    try {
      n = await send(noticePath(id));
    } catch (err) {
      if (!root.isConnected) return;
      const box = h('div', {});
      replace(root, backLink(), pageHead('无法打开通知'), box);
      failure(box, err, 'ntc-load-error');
      return;
    }
    if (!root.isConnected) return;
    draw(n, flashText);
    refreshNoticeBadge(); // the read was recorded
  }

  function draw(n, flashText) {
    const head = pageHead(n.title, null,
      h('p', { class: 'ntc-head-tags tags', id: 'ntc-tags' }, urgencyTag(n.urgency),
        h('span', { class: 'tag tag-level' }, n.category), confirmTag(n), statusTag(n.status),
        n.public_state === 'pending' ? h('span', { class: 'tag tag-warn' }, '主动公开待审核') : null,
        n.public_state === 'approved' ? h('span', { class: 'tag tag-ok' }, '已主动公开') : null),
      h('p', { class: 'case-meta case-page-meta', id: 'ntc-meta' },
        [n.unit_name, n.publisher_name, n.published_at ? formatDateTime(n.published_at) : (n.publish_at ? `${formatDateTime(n.publish_at)} 定时发布` : ''),
          n.deadline ? `确认截止 ${formatDateTime(n.deadline)}` : ''].filter(Boolean).join(' · ')));
    head.querySelector('h1').id = 'ntc-title';
    document.title = `${n.title} - 政务协同`;

    const notes = h('div', { class: 'case-notes' },
      flashText ? h('p', { class: 'notice notice-ok', id: 'ntc-flash', role: 'status' }, flashText) : null,
      n.withdrawn_at ? h('div', { class: 'notice notice-bad', id: 'ntc-withdrawn', role: 'note' },
        h('p', {}, h('strong', {}, '此通知已撤回'), `（${formatDateTime(n.withdrawn_at)}）`),
        n.withdraw_reason ? h('p', {}, `撤回原因：${n.withdraw_reason}`) : null) : null,
      n.corrected_at ? h('p', { class: 'notice notice-warn', id: 'ntc-corrected' },
        `此通知已于 ${formatDateTime(n.corrected_at)} 更正，现为第 ${n.version} 版。更正记录见页面下方。`) : null,
      n.original ? h('div', { class: 'notice ntc-forwarded', id: 'ntc-original' },
        h('p', {}, '转发自 ', n.original.unit_name || '', '：',
          h('a', { href: href(`notices/${n.original.id}`) }, `《${n.original.title}》`))) : null,
      (n.forwards || []).length ? h('div', { class: 'notice ntc-forwarded', id: 'ntc-forwards' },
        n.forwards.map((f) => h('p', {}, h('strong', {}, `${f.unit_name} ${f.publisher_name || ''}`.trim()), ' 转发',
          f.note ? `：${f.note}` : '', h('span', { class: 'muted' }, `（${formatDateTime(f.created)}）`)))) : null);

    const article = h('article', { class: 'card case-article', 'aria-labelledby': 'ntc-title' }, bodyEl(n.body_html, 'ntc-body'));
    replace(root, backLink(), head, notes,
      h('div', { class: 'case-layout' },
        h('div', { class: 'case-main' }, article, filesCard(n.files || []), historyCard(n.history || [])),
        h('div', { class: 'case-side' }, confirmCard(n), actionsCard(n))));
  }

  function confirmCard(n) {
    const r = n.receipt;
    if (!n.must_confirm || !r) return null;
    const title = h('h2', { class: 'card-title', id: 'ntc-confirm-title' }, n.category === '征求意见' ? '反馈意见' : '确认收到');
    if (r.confirmed_at) {
      return h('section', { class: 'card ntc-confirm-card', id: 'ntc-confirm', 'aria-labelledby': 'ntc-confirm-title' }, title,
        h('p', { class: 'notice notice-ok', id: 'ntc-confirmed' }, `您已于 ${formatDateTime(r.confirmed_at)} 确认`, r.late ? '（逾期）' : '', '。'),
        r.reply ? h('p', { class: 'ntc-reply' }, h('strong', {}, '回复：'), r.reply) : null,
        filesList(r.files || [], 'ntc-reply-files'));
    }
    if (!n.can?.confirm) return null;
    const ask = n.category === '征求意见';
    const reply = ctl('ntc-reply', ask ? '反馈意见' : '回复（可不填）', h('textarea', { class: 'input case-review-text', rows: 4, maxlength: 2000 }),
      { help: ask ? '请填写本单位意见；无意见可填“无意见”。不超过 2000 字。' : '不超过 2000 字。' });
    const files = filesField('ntc-reply-upload', '附件（可选）');
    const error = errorBox('ntc-confirm-error');
    const button = h('button', { type: 'button', class: 'btn btn-primary btn-block', id: 'ntc-confirm-btn' }, ask ? '提交意见并确认' : '确认收到');
    button.addEventListener('click', async () => {
      replace(error);
      reply.hint.hidden = true;
      if (files.uploading()) { showError(error, '附件仍在上传，请稍候。'); return; }
      busy(button, true, '正在确认…');
      try {
        await send(`${noticePath(n.id)}/confirm`, 'POST', { reply: reply.input.value.trim(), files: files.ids() });
        await load('已确认收到。');
      } catch (err) {
        busy(button, false);
        const e = describeError(err);
        if (e.status === 401) return;
        if (e.fields.reply) { reply.hint.textContent = e.fields.reply; reply.hint.hidden = false; reply.input.focus(); }
        showError(error, Object.values(e.fields)[0] || e.message, e.hint);
      }
    });
    return h('section', { class: 'card ntc-confirm-card', id: 'ntc-confirm', 'aria-labelledby': 'ntc-confirm-title' }, title,
      h('p', { class: n.overdue ? 'notice notice-bad' : 'field-help', id: 'ntc-deadline' },
        n.deadline ? `请在 ${shortTime(n.deadline)} 前确认${n.overdue ? '：已逾期，仍可确认，将标为逾期。' : '。'}` : '请确认已收到此通知。'),
      reply.wrap, files.wrap, error, button);
  }

  function actionsCard(n) {
    const can = n.can || {};
    const panel = h('div', { class: 'ntc-panel', id: 'ntc-panel' });
    const error = errorBox('ntc-action-error');
    const buttons = [];
    if (can.receipts) buttons.push(h('a', { class: 'btn btn-primary', href: href(`notices/${n.id}/receipts`), id: 'ntc-receipts-link' }, '查看回执'));
    if (can.forward) buttons.push(h('button', { type: 'button', class: 'btn btn-secondary', id: 'ntc-forward', onclick: () => forwardForm(n, panel) }, '转发'));
    if (can.correct) buttons.push(h('button', { type: 'button', class: 'btn btn-secondary', id: 'ntc-correct', onclick: () => correctForm(n, panel) }, '更正'));
    if (can.withdraw) buttons.push(h('button', { type: 'button', class: 'btn btn-secondary', id: 'ntc-withdraw', onclick: () => withdrawForm(n, panel) }, '撤回'));
    if (can.approve_public) {
      const yes = h('button', { type: 'button', class: 'btn btn-secondary', id: 'ntc-public-yes' }, '同意主动公开');
      const no = h('button', { type: 'button', class: 'btn btn-quiet', id: 'ntc-public-no' }, '不予公开');
      const decide = (b, approve) => confirmInline(b, approve ? '同意后此通知将在门户网站公开。确定吗？' : '确定不予公开吗？', '确定',
        async (ok) => {
          replace(error);
          busy(ok, true, '正在提交…');
          try {
            await send(`${noticePath(n.id)}/approve-public`, 'POST', { approve });
            await load(approve ? '已同意主动公开。' : '已决定不予公开。');
          } catch (err) {
            busy(ok, false);
            const e = describeError(err);
            if (e.status !== 401) showError(error, e.message, e.hint);
          }
        });
      yes.addEventListener('click', () => decide(yes, true));
      no.addEventListener('click', () => decide(no, false));
      buttons.push(yes, no);
    }
    const facts = h('dl', { class: 'facts', id: 'ntc-facts' },
      fact('类别', n.category), fact('紧急程度', n.urgency),
      n.recipients ? fact('接收人数', `${formatCount(n.recipients)} 人`) : null,
      n.expires_at ? fact('有效期至', formatDateTime(n.expires_at)) : null,
      fact('版本', `第 ${n.version || 1} 版`));
    return h('section', { class: 'card case-actions-card', 'aria-labelledby': 'ntc-actions-title' },
      h('h2', { class: 'card-title', id: 'ntc-actions-title' }, buttons.length ? '操作' : '通知信息'),
      buttons.length ? h('div', { class: 'actions case-actions', id: 'ntc-actions' }, buttons) : null,
      error, panel, facts);
  }

  // openPanel shows a small form under the buttons; onSubmit(button) sends.
  function openPanel(panel, title, controls, submitText, onSubmit) {
    const error = errorBox('ntc-panel-error');
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'ntc-panel-submit' }, submitText);
    const cancel = h('button', { type: 'button', class: 'btn btn-quiet', id: 'ntc-panel-cancel', onclick: () => replace(panel) }, '取消');
    const form = h('form', { class: 'ntc-panel-form', novalidate: true, 'aria-label': title },
      h('h3', { class: 'ntc-panel-title' }, title), controls, error, h('div', { class: 'actions' }, submit, cancel));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      replace(error);
      busy(submit, true, '正在提交…');
      try {
        await onSubmit();
      } catch (err) {
        busy(submit, false);
        const e = describeError(err);
        if (e.status === 401) return;
        showError(error, Object.values(e.fields)[0] || e.message, e.hint);
      }
    });
    replace(panel, form);
    form.querySelector('input, textarea')?.focus();
  }

  function withdrawForm(n, panel) {
    const reason = ctl('ntc-withdraw-reason', '撤回原因', h('textarea', { class: 'input case-review-text', rows: 3, maxlength: 500 }),
      { required: true, help: '接收人将看到撤回原因。' });
    openPanel(panel, '撤回通知', reason.wrap, '确定撤回', async () => {
      await send(`${noticePath(n.id)}/withdraw`, 'POST', { reason: reason.input.value.trim() });
      await load('已撤回。');
    });
  }

  function correctForm(n, panel) {
    const title = ctl('ntc-correct-title', '标题', h('input', { type: 'text', class: 'input', maxlength: 200, value: n.title }), { required: true });
    const body = bodyField('ntc-correct-body', n.body || '');
    const reason = ctl('ntc-correct-reason', '更正说明', h('input', { type: 'text', class: 'input', maxlength: 500 }),
      { required: true, help: '如“会议地点由 3 楼改为 5 楼”。接收人将看到更正说明和原文。' });
    openPanel(panel, '更正通知', [title.wrap, body.wrap, reason.wrap], '发布更正', async () => {
      await send(`${noticePath(n.id)}/correct`, 'POST', { title: title.input.value.trim(), body: body.input.value, reason: reason.input.value.trim() });
      await load('已发布更正。');
    });
  }

  function forwardForm(n, panel) {
    const note = ctl('ntc-forward-note', '转发说明', h('textarea', { class: 'input case-review-text', rows: 3, maxlength: 1000 }),
      { help: '如“请各县区于 11 月 28 日前报送”。' });
    const deadline = ctl('ntc-forward-deadline', '确认截止时间', h('input', { type: 'datetime-local', class: 'input' }),
      { help: '不填则沿用原通知的截止时间；须早于原截止时间。' });
    const audience = audienceBuilder('ntc-fwd-aud');
    openPanel(panel, '转发通知', [note.wrap, n.must_confirm ? deadline.wrap : null, audience.wrap], '转发', async () => {
      const res = await send(`${noticePath(n.id)}/forward`, 'POST', {
        note: note.input.value.trim(), deadline: n.must_confirm ? deadline.input.value : '', audience: audience.value(),
      });
      setNoticeFlash(`已转发，共 ${formatCount(res?.recipients ?? 0)} 人接收。`);
      window.location.hash = href(`notices/${res.id}`);
    });
  }
}

function backLink() {
  return h('p', { class: 'case-back' }, h('a', { href: href('notices') }, '‹ 返回通知公告'));
}

function filesCard(files) {
  if (!files.length) return null;
  return h('section', { class: 'card', id: 'ntc-files', 'aria-labelledby': 'ntc-files-title' },
    h('div', { class: 'card-head' },
      h('h2', { class: 'card-title', id: 'ntc-files-title' }, '附件'),
      h('span', { class: 'card-count' }, `${formatCount(files.length)} 个`)),
    filesList(files, 'ntc-file-list'));
}

// historyCard lists the versions before each 更正, the newest first.
function historyCard(history) {
  if (!history.length) return null;
  return h('section', { class: 'card', id: 'ntc-history', 'aria-labelledby': 'ntc-history-title' },
    h('h2', { class: 'card-title case-card-title', id: 'ntc-history-title' }, '更正记录'),
    h('ol', { class: 'ntc-history' }, [...history].reverse().map((v) => h('li', { class: 'ntc-version' },
      h('details', {},
        h('summary', {}, `第 ${v.version} 版`, v.reason ? `：${v.reason}` : '',
          h('span', { class: 'muted' }, ` （${[v.editor_name, formatDateTime(v.created)].filter(Boolean).join(' · ')}）`)),
        h('p', { class: 'ntc-version-title' }, h('strong', {}, v.title)),
        bodyEl(v.body_html, `ntc-version-${v.version}`))))));
}

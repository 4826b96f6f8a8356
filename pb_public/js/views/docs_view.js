// The document page (#/docs/{id}): type, number and status; meta (unit ·
// drafter · 主送 · 抄送); the body (the server's sanitized HTML) or its
// uploaded body file; attachments; the action panel for whatever the
// server's `can` allows (送审, 同意/签发 with an opinion, 退回 to an earlier
// step or the drafter, 转办, 加签, 撤回, 催办, 意见, 印发, 作废); and the
// progress: each step with its people (status, opinion, time spent, overdue
// in red), then every event in order.

import { describeError } from '../api.js';
import { h, replace } from '../dom.js';
import { busy, errorBox, showError } from '../form.js';
import { formatDateTime } from '../labels.js';
import { href } from '../modules.js';
import { failure, loading, pageHead, send } from './cases.js';
import { bodyEl, confirmInline, fact, filesList } from './cases_view.js';
import { docPath, docStatusTag, docUrgencyTag, hoursText, shortDate } from './docs.js';
import { peoplePicker } from './notices_audience.js';
import { ctl } from './notices_edit.js';

let nextFlash = null;

// setDocFlash keeps a message for the next document page drawn.
export function setDocFlash(text, kind = 'ok') { nextFlash = { text, kind }; }

const TASK_STATUS = {
  waiting: ['未到', 'tag-muted'],
  pending: ['待办', 'tag-warn'],
  done: ['已办', 'tag-ok'],
  returned: ['退回', 'tag-bad'],
  cancelled: ['已取消', 'tag-muted'],
  transferred: ['已转办', 'tag-muted'],
  recalled: ['已撤回', 'tag-muted'],
  skipped: ['已跳过', 'tag-muted'],
};

const EVENT_NAMES = {
  create: '起草', edit: '修改', submit: '送审', approve: '同意', sign: '签发', number: '编号', return: '退回',
  transfer: '转办', add_signer: '加签', recall: '撤回', chase: '催办', comment: '意见', dispatch: '印发', void: '作废',
  register: '收文登记', received: '对方签收', refused: '对方退文', registered: '对方登记', archive: '归档', close: '办结',
  signed: '签发定稿', dispatched: '印发完成', archived: '归档', closed: '办结', voided: '作废',
};

// DONE is what the page says after each action succeeded.
const DONE = {
  submit: '已送审。', approve: '已提交办理意见。', sign: '已签发。', dispatch: '已印发。', chase: '已催办。',
  comment: '意见已记录。', recall: '已撤回。',
};

export function renderDocView(main, me, id) {
  const root = h('div', { class: 'case-page doc-page', id: 'doc-page' });
  replace(main, root);
  replace(root, backLink(), pageHead('公文办理'), loading('正在加载公文…'));
  const flash = nextFlash;
  nextFlash = null;
  load(flash);
  return '公文办理';

  async function load(flashNote) {
    let d;
    let tl = null;
    try {
      [d, tl] = await Promise.all([send(docPath(id)), send(`${docPath(id)}/timeline`).catch(() => null)]);
    } catch (err) {
      if (!root.isConnected) return;
      const box = h('div', {});
      replace(root, backLink(), pageHead('无法打开公文'), box);
      failure(box, err, 'doc-load-error');
      return;
    }
    if (!root.isConnected) return;
    draw(d, tl, flashNote);
  }

  function draw(d, tl, flashNote) {
    const head = pageHead(d.title, null,
      h('p', { class: 'tags doc-head-tags', id: 'doc-tags' },
        h('span', { class: 'tag tag-level' }, d.type), docUrgencyTag(d.urgency), docStatusTag(d.status, 'doc-status'),
        d.classification === '内部' ? h('span', { class: 'tag tag-muted' }, '内部') : null,
        d.overdue ? h('span', { class: 'tag tag-bad', id: 'doc-overdue' }, '我的办理已超时') : null),
      h('p', { class: 'doc-number', id: 'doc-number' }, d.number || (d.status === 'draft' || d.status === 'returned' || d.status === 'review' ? '签发后编号' : '')),
      h('p', { class: 'case-meta case-page-meta', id: 'doc-meta' },
        [d.unit_name, d.drafter_name ? `起草：${d.drafter_name}` : '', d.signer_name ? `签发：${d.signer_name} ${formatDateTime(d.signed_at)}` : '',
          d.dispatched_at ? `印发：${formatDateTime(d.dispatched_at)}` : '', `更新：${formatDateTime(d.updated)}`].filter(Boolean).join(' · ')));
    head.querySelector('h1').id = 'doc-title';
    document.title = `${d.title} - 政务协同`;

    const routing = h('dl', { class: 'facts doc-routing', id: 'doc-routing' },
      (d.main_to || []).length ? fact('主送', d.main_to.map((u) => u.name).join('、')) : null,
      (d.copy_to || []).length ? fact('抄送', d.copy_to.map((u) => u.name).join('、')) : null,
      d.status === 'review' && d.step_name ? fact('当前环节', d.step_name) : null,
      d.my_deadline ? fact('我的办理时限', shortDate(d.my_deadline)) : null);

    const article = h('article', { class: 'card case-article doc-article', 'aria-labelledby': 'doc-title' },
      routing.children.length ? routing : null,
      bodyEl(d.body_html, 'doc-body'),
      d.body_file ? h('div', { class: 'doc-bodyfile' }, h('h3', { class: 'doc-sub' }, '正文文件'), filesList([d.body_file], 'doc-bodyfile-list')) : null,
      d.attachment_note ? h('p', { class: 'doc-attach-note' }, h('strong', {}, '附件说明：'), d.attachment_note) : null);

    replace(root, backLink(), head,
      flashNote ? h('p', { class: `notice notice-${flashNote.kind}`, id: 'doc-flash', role: 'status' }, flashNote.text) : null,
      h('div', { class: 'case-layout doc-layout' },
        h('div', { class: 'case-main' }, article, filesCard(d.files || []), progressCard(d, tl)),
        h('div', { class: 'case-side' }, actionsCard(d))));
  }

  // ---------------------------------------------------------------- actions

  function actionsCard(d) {
    const can = d.can || {};
    const panel = h('div', { class: 'ntc-panel doc-panel', id: 'doc-panel' });
    const error = errorBox('doc-action-error');
    const b = (act, label, cls, onclick) => h('button', { type: 'button', class: `btn ${cls}`, id: `doc-act-${act}`, onclick }, label);
    const buttons = [];
    if (can.edit) buttons.push(h('a', { class: 'btn btn-secondary', href: href(`docs/${d.id}/edit`), id: 'doc-edit' }, '修改'));
    if (can.submit) buttons.push(b('submit', '送审', 'btn-primary', () => opinionForm(d, panel, 'submit', '送审', '确定送审', false)));
    if (can.approve) buttons.push(b('approve', '同意', 'btn-primary', () => opinionForm(d, panel, 'approve', '办理意见', '提交意见', false)));
    if (can.sign) buttons.push(b('sign', '签发', 'btn-primary', () => opinionForm(d, panel, 'sign', '签发', '确认签发', false,
      '签发后公文即编号定稿，不能再修改。')));
    if (can.return) buttons.push(b('return', '退回', 'btn-secondary', () => returnForm(d, panel)));
    if (can.transfer) buttons.push(b('transfer', '转办', 'btn-secondary', () => usersForm(d, panel, 'transfer')));
    if (can.add_signer) buttons.push(b('add_signer', '加签', 'btn-secondary', () => usersForm(d, panel, 'add_signer')));
    if (can.dispatch) buttons.push(b('dispatch', '印发', 'btn-primary', () => opinionForm(d, panel, 'dispatch', '印发', '确认印发', false,
      `印发后送达主送、抄送单位的收文：${[...(d.main_to || []), ...(d.copy_to || [])].map((u) => u.name).join('、') || '（无）'}。`)));
    if (can.chase) buttons.push(b('chase', '催办', 'btn-secondary', () => opinionForm(d, panel, 'chase', '催办', '发送催办', false, '将提醒当前环节的办理人。')));
    if (can.comment) buttons.push(b('comment', '填写意见', 'btn-quiet', () => opinionForm(d, panel, 'comment', '意见', '提交', true)));
    if (can.recall) buttons.push(b('recall', '撤回', 'btn-quiet', () => opinionForm(d, panel, 'recall', '撤回', '确认撤回', false, '撤回后公文回到草稿，可修改后重新送审。')));
    if (can.void) buttons.push(b('void', '作废', 'btn-danger', () => voidForm(d, panel)));
    if (d.can?.edit && d.status === 'draft') {
      const del = h('button', { type: 'button', class: 'btn btn-quiet', id: 'doc-delete' }, '删除草稿');
      del.addEventListener('click', () => confirmInline(del, '删除后不能恢复。确定删除此草稿吗？', '删除', async (yes) => {
        busy(yes, true, '正在删除…');
        try {
          await send(docPath(d.id), 'DELETE');
          window.location.hash = href('docs/sent');
        } catch (err) {
          busy(yes, false);
          const e = describeError(err);
          if (e.status !== 401) showError(error, e.message, e.hint);
        }
      }));
      buttons.push(del);
    }
    const print = h('a', { class: 'btn btn-secondary', href: href(`docs/${d.id}/print`), id: 'doc-print' }, '打印版式');
    return h('section', { class: 'card case-actions-card doc-actions-card', 'aria-labelledby': 'doc-actions-title' },
      h('h2', { class: 'card-title', id: 'doc-actions-title' }, '办理'),
      buttons.length ? h('div', { class: 'actions case-actions doc-actions', id: 'doc-actions' }, buttons)
        : h('p', { class: 'muted', id: 'doc-no-actions' }, '您当前没有需要办理的操作。'),
      error, panel,
      h('div', { class: 'actions doc-side-links' }, print));
  }

  // openPanel shows a small form under the buttons; onSubmit() sends.
  function openPanel(panel, title, controls, submitText, onSubmit, note) {
    const error = errorBox('doc-panel-error');
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'doc-panel-submit' }, submitText);
    const cancel = h('button', { type: 'button', class: 'btn btn-quiet', id: 'doc-panel-cancel', onclick: () => replace(panel) }, '取消');
    const form = h('form', { class: 'ntc-panel-form', id: 'doc-panel-form', novalidate: true, 'aria-label': title },
      h('h3', { class: 'ntc-panel-title' }, title), note ? h('p', { class: 'field-help doc-panel-note' }, note) : null,
      controls, error, h('div', { class: 'actions' }, submit, cancel));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      replace(error);
      busy(submit, true, '正在提交…');
      try {
        await onSubmit();
      } catch (err) {
        busy(submit, false);
        if (typeof err?.status !== 'number') console.error(err); // a defect of this page, not an answer
        const e = describeError(err);
        if (e.status === 401) return;
        const hint = e.status === 409 ? '可能已有他人办理，请刷新页面查看最新状态。' : e.hint;
        showError(error, Object.values(e.fields)[0] || e.message, hint);
      }
    });
    replace(panel, form);
    form.querySelector('textarea, input, select')?.focus();
  }

  async function act(d, body, done) {
    await send(`${docPath(d.id)}/actions`, 'POST', { rev: d.rev, ...body });
    await load({ text: done, kind: 'ok' });
  }

  function opinionForm(d, panel, action, title, submitText, required, note) {
    const label = action === 'chase' ? '催办说明（可不填）' : action === 'comment' ? '意见' : '意见（可不填）';
    const opinion = ctl('doc-opinion', label, h('textarea', { class: 'input case-review-text', rows: 3, maxlength: 2000 }),
      { required, help: action === 'approve' || action === 'sign' ? '如“同意”“拟同意，请某某阅示”。' : '' });
    if (action === 'approve' || action === 'sign') opinion.input.value = '同意';
    openPanel(panel, title, opinion.wrap, submitText, () => act(d, { action, comment: opinion.input.value.trim() }, DONE[action]), note);
  }

  function returnForm(d, panel) {
    const current = d.step;
    const earlier = (d.steps || []).filter((s) => s.index < current && s.applies);
    const to = ctl('doc-return-to', '退回到', h('select', { class: 'input' },
      earlier.map((s) => h('option', { value: String(s.index) }, `第 ${s.index + 1} 步：${s.name}`)),
      h('option', { value: '-1', selected: true }, `起草人（${d.drafter_name || '起草人'}）`)), { required: true });
    const reason = ctl('doc-return-reason', '退回理由', h('textarea', { class: 'input case-review-text', rows: 3, maxlength: 2000 }),
      { required: true, help: '退回的人将看到此理由。' });
    openPanel(panel, '退回', [to.wrap, reason.wrap], '确认退回',
      () => act(d, { action: 'return', to_step: Number(to.input.value), comment: reason.input.value.trim() }, '已退回。'));
  }

  function usersForm(d, panel, action) {
    const users = peoplePicker('doc-users', action === 'transfer' ? '转办给' : '加签人',
      action === 'transfer' ? '按姓名、账号或职务查找，选择一名接手人（本公文所属政府或本单位的人员）。'
        : '按姓名、账号或职务查找，可选择多人（本公文所属政府或本单位的人员）。');
    const position = ctl('doc-position', '加签位置', h('select', { class: 'input' },
      h('option', { value: 'before' }, '在我之前办理'), h('option', { value: 'after' }, '在我之后办理')));
    const opinion = ctl('doc-users-comment', '说明（可不填）', h('textarea', { class: 'input case-review-text', rows: 2, maxlength: 2000 }));
    openPanel(panel, action === 'transfer' ? '转办' : '加签', [users.wrap, action === 'add_signer' ? position.wrap : null, opinion.wrap],
      action === 'transfer' ? '确认转办' : '确认加签', () => {
        const ids = users.values();
        const body = { action, users: action === 'transfer' ? ids.slice(0, 1) : ids, comment: opinion.input.value.trim() };
        if (action === 'add_signer') body.position = position.input.value;
        return act(d, body, action === 'transfer' ? '已转办。' : '已加签。');
      });
  }

  function voidForm(d, panel) {
    const reason = ctl('doc-void-reason', '作废理由', h('textarea', { class: 'input case-review-text', rows: 3, maxlength: 2000 }),
      { required: true, help: '作废后文号保留不再使用，理由记入流转记录。' });
    openPanel(panel, '作废公文', reason.wrap, '确认作废',
      () => act(d, { action: 'void', reason: reason.input.value.trim(), comment: reason.input.value.trim() }, '已作废。'));
  }

  // ---------------------------------------------------------------- progress

  function progressCard(d, tl) {
    const steps = tl?.steps || d.steps || [];
    const events = tl?.events || [];
    return h('section', { class: 'card doc-progress', id: 'doc-progress', 'aria-labelledby': 'doc-progress-title' },
      h('h2', { class: 'card-title case-card-title', id: 'doc-progress-title' }, '办理进度'),
      steps.length ? h('ol', { class: 'doc-steps', id: 'doc-steps' }, steps.map((s) => stepItem(s))) : h('p', { class: 'muted' }, '尚未选择流程模板。'),
      events.length ? h('details', { class: 'doc-events-wrap', open: events.length <= 12 },
        h('summary', {}, `流转记录（${events.length} 条）`),
        h('ol', { class: 'doc-events', id: 'doc-events' }, events.map((ev) => eventItem(ev)))) : null);
  }

  function stepItem(s) {
    const state = s.current ? 'current' : !s.applies ? 'skipped' : s.tasks.some((t) => t.status === 'pending' || t.status === 'waiting') ? 'open'
      : s.tasks.length ? 'done' : 'todo';
    return h('li', { class: 'doc-step', 'data-state': state, 'data-step': String(s.index) },
      h('div', { class: 'doc-step-head' },
        h('span', { class: 'doc-step-no', 'aria-hidden': 'true' }, String(s.index + 1)),
        h('span', { class: 'doc-step-name' }, s.name),
        s.sign ? h('span', { class: 'tag tag-level' }, '签发') : null,
        s.order === 'parallel' ? h('span', { class: 'tag tag-muted' }, '并行') : null,
        s.current ? h('span', { class: 'tag tag-warn' }, '当前') : null,
        !s.applies ? h('span', { class: 'tag tag-muted' }, '不适用') : null),
      s.tasks.length ? h('ul', { class: 'doc-tasks' }, s.tasks.map((t) => taskItem(t))) : null);
  }

  function taskItem(t) {
    const [label, cls] = TASK_STATUS[t.status] || [t.status, 'tag-muted'];
    return h('li', { class: 'doc-task', 'data-status': t.status, 'data-overdue': t.overdue ? 'true' : 'false' },
      h('div', { class: 'doc-task-head' },
        h('span', { class: 'doc-task-who' }, t.user_name || t.user, t.unit_name ? h('span', { class: 'muted' }, `（${t.unit_name}）`) : null),
        h('span', { class: `tag ${cls}` }, label),
        t.overdue ? h('span', { class: 'tag tag-bad doc-task-overdue' }, t.status === 'pending' ? '已超时' : '超时办理') : null,
        t.added_by_name ? h('span', { class: 'tag tag-muted' }, `${t.added_by_name} 加签`) : null),
      t.opinion ? h('p', { class: 'doc-opinion' }, t.opinion) : null,
      h('p', { class: 'muted doc-task-time' }, [
        t.acted_at ? `${shortDate(t.acted_at)} 办理` : '',
        t.started_at && t.status !== 'waiting' ? `用时 ${hoursText(t.hours)}` : '',
        t.deadline && (t.status === 'pending' || t.status === 'waiting') ? `时限 ${shortDate(t.deadline)}` : '',
      ].filter(Boolean).join(' · ')));
  }

  function eventItem(ev) {
    const detail = ev.detail && typeof ev.detail === 'object' ? ev.detail : {};
    const extra = [detail.number, detail.unit, Array.isArray(detail.to) ? `送达 ${detail.to.length} 个单位` : ''].filter((x) => typeof x === 'string' && x);
    return h('li', { class: 'doc-event', 'data-action': ev.action },
      h('span', { class: 'doc-event-time muted' }, formatDateTime(ev.created)),
      h('span', { class: 'doc-event-what' },
        h('strong', {}, ev.actor_name || '系统'), ' ', EVENT_NAMES[ev.action] || ev.action,
        ev.step >= 0 && ev.step_name ? `（${ev.step_name}）` : '',
        extra.length ? `：${extra.join('，')}` : ''),
      ev.opinion ? h('span', { class: 'doc-event-opinion' }, `“${ev.opinion}”`) : null);
  }
}

function backLink() {
  return h('p', { class: 'case-back' }, h('a', { href: href('docs') }, '‹ 返回公文办理'));
}

function filesCard(files) {
  if (!files.length) return null;
  return h('section', { class: 'card', id: 'doc-files', 'aria-labelledby': 'doc-files-title' },
    h('div', { class: 'card-head' },
      h('h2', { class: 'card-title', id: 'doc-files-title' }, '附件'),
      h('span', { class: 'card-count' }, `${files.length} 个`)),
    filesList(files, 'doc-file-list'));
}


// 培训学习 · 课程: the catalog (#/training/courses: courses offered to the
// user and those they keep) and a course's page (#/training/{id}: details,
// sessions with the user's attendance, enrol / cancel, check-in by the
// code the trainer reads out, and the quiz: start, answer, submit, score).

import { describeError, pb } from '../api.js';
import { h, replace } from '../dom.js';
import { busy, errorBox, showError } from '../form.js';
import { formatCount, formatDateTime } from '../labels.js';
import { allRoles, href } from '../modules.js';
import { failure, loading, pageHead, send } from './cases.js';
import { bodyEl, confirmInline, filesList } from './cases_view.js';
import { peoplePicker } from './notices_audience.js';
import { mayOffer, takeFlash } from './training_edit.js';

const coursePath = (id) => `/api/gov/courses/${encodeURIComponent(id)}`;
const MINE = { enrolled: ['已报名', 'tag-ok'], waitlisted: ['候补中', 'tag-warn'], cancelled: ['已取消', 'tag-muted'] };
const STATUS = { draft: '草稿', published: '报名中', closed: '已结束', cancelled: '已取消' };
const hours = (n) => `${Math.round((Number(n) || 0) * 10) / 10}`;

// mayAssign: leaders and hr enrol the people of their units.
const mayAssign = (me) => allRoles(me).has('leader') || allRoles(me).has('hr');

// renderCatalog lists the courses the user may see.
export function renderCatalog(main, me, tabs) {
  const root = h('div', { id: 'trn-catalog' }, loading('正在加载课程…'));
  const create = mayOffer(me) ? h('a', { class: 'btn btn-primary', href: href('training/new'), id: 'trn-new' }, '新建课程') : null;
  replace(main, pageHead('培训学习', '面向您的培训课程，以及您开设的课程。', create), tabs, root);
  (async () => {
    let res;
    try {
      res = await send('/api/gov/courses', 'GET', null, { perPage: 100, sort: '-created' });
    } catch (err) {
      if (root.isConnected) failure(root, err, 'trn-catalog-error');
      return;
    }
    if (!root.isConnected) return;
    const items = res?.items || [];
    replace(root, items.length ? h('ul', { class: 'case-list', id: 'trn-course-list' }, items.map((c) =>
      h('li', { class: 'case-item trn-course', 'data-course': c.id },
        h('a', { class: 'case-item-title', href: href(`training/${c.id}`) }, c.title),
        h('p', { class: 'case-item-meta muted' },
          `${c.category} · ${c.mode} · ${hours(c.hours)} 学时 · ${c.unit_name}`,
          c.capacity ? ` · 名额 ${formatCount(c.enrolled)}/${formatCount(c.capacity)}` : '',
          ' ', h('span', { class: 'tag tag-muted' }, STATUS[c.status] || c.status),
          MINE[c.my_enrollment] ? [' ', h('span', { class: `tag ${MINE[c.my_enrollment][1]}` }, MINE[c.my_enrollment][0])] : null))))
      : h('p', { class: 'empty', id: 'trn-catalog-empty' }, '暂无面向您的课程。'));
  })();
  return '培训课程';
}

// renderCourse is one course's page.
export function renderCourse(main, me, id) {
  const root = h('div', { id: 'trn-course' }, loading('正在加载课程…'));
  replace(main, h('p', { class: 'case-back' }, h('a', { href: href('training/courses') }, '‹ 返回课程')), root);
  let note = takeFlash();
  const load = async () => {
    let c;
    let quiz = null;
    try {
      c = await send(coursePath(id));
      quiz = await send(`${coursePath(id)}/quiz`).catch(() => null);
    } catch (err) {
      if (root.isConnected) failure(root, err, 'trn-course-error');
      return;
    }
    if (!root.isConnected) return;
    const error = errorBox('trn-course-action-error');
    const act = async (ev, f) => {
      const btn = ev.currentTarget;
      btn.disabled = true;
      replace(error);
      try {
        await f();
        await load();
      } catch (err) {
        const e = describeError(err);
        showError(error, e.message, e.hint);
        btn.disabled = false;
      }
    };
    const mine = c.my_enrollment;
    const enrolBtn = c.status === 'published' && (!mine || mine === 'cancelled')
      ? h('button', { type: 'button', class: 'btn btn-primary', id: 'trn-enroll', onclick: (ev) => act(ev, () => send(`${coursePath(id)}/enroll`, 'POST')) }, '报名')
      : null;
    const cancelBtn = mine === 'enrolled' || mine === 'waitlisted'
      ? h('button', { type: 'button', class: 'btn btn-secondary', id: 'trn-cancel', onclick: (ev) => act(ev, () => send(`${coursePath(id)}/cancel`, 'POST', { reason: '本人取消' })) }, '取消报名')
      : null;
    const links = c.links || [];
    const head = h('section', { class: 'card', id: 'trn-course-head' },
      note ? h('p', { class: 'notice notice-ok', id: 'trn-flash', role: 'status' }, note) : null,
      h('h1', { class: 'page-title', tabindex: '-1', id: 'trn-course-title' }, c.title),
      h('p', { class: 'muted' }, `${c.category} · ${c.mode} · ${hours(c.hours)} 学时 · ${c.unit_name} · 讲师 ${c.trainer_name}`,
        c.capacity ? ` · 名额 ${formatCount(c.enrolled)}/${formatCount(c.capacity)}` : ` · 已报名 ${formatCount(c.enrolled)}`,
        c.waitlisted ? `，候补 ${formatCount(c.waitlisted)}` : ''),
      h('p', {}, h('span', { class: 'tag tag-muted', id: 'trn-status' }, STATUS[c.status] || c.status), ' ',
        MINE[mine] ? h('span', { class: `tag ${MINE[mine][1]}`, id: 'trn-mine' }, MINE[mine][0]) : null, ' ',
        c.credited ? h('span', { class: 'tag tag-ok', id: 'trn-credited' }, '学时已计入台账') : null),
      h('p', { class: 'muted', id: 'trn-rule' }, `结业条件：${ruleText(c, quiz)}。`,
        c.enroll_until ? ` 报名截止 ${formatDateTime(c.enroll_until)}。` : '', c.cancel_until ? ` ${formatDateTime(c.cancel_until)} 后不能自行取消。` : ''),
      c.description_html ? bodyEl(c.description_html, 'trn-desc') : null,
      links.length ? h('ul', { class: 'trn-links', id: 'trn-links' }, links.map((l) =>
        h('li', {}, h('a', { href: l.url, target: '_blank', rel: 'noopener noreferrer' }, l.title || l.url)))) : null,
      (c.files || []).length ? h('h2', { class: 'card-subtitle' }, '课程资料') : null,
      filesList(c.files || [], 'trn-files'),
      h('div', { class: 'form-actions' }, enrolBtn, cancelBtn), error);
    note = '';
    const sessions = h('section', { class: 'card', id: 'trn-sessions', 'aria-labelledby': 'trn-sessions-title' },
      h('h2', { class: 'card-title', id: 'trn-sessions-title' }, '课程安排'),
      h('ul', { class: 'trn-session-list' }, (c.sessions || []).map((s) => h('li', { 'data-session': s.id },
        h('strong', {}, sessionName(s)), ` ${formatDateTime(s.starts_at)} – ${formatDateTime(s.ends_at)} · ${s.place || ''} `,
        s.attended ? h('span', { class: 'tag tag-ok trn-attended' }, '已签到') : h('span', { class: 'tag tag-muted' }, '未签到')))),
      mine === 'enrolled' && (c.sessions || []).some((s) => !s.attended) ? checkinForm(id, load) : null);
    replace(root, head, c.can_manage ? manageCard(c, quiz, load) : null, sessions,
      quiz?.exists && mine === 'enrolled' ? quizCard(id, quiz, load) : null,
      c.can_manage ? trainerCard(id, c, load, mayAssign(me)) : null,
      c.can_manage && quiz?.exists ? gradingCard(id, quiz, load) : null,
      mayAssign(me) && c.status === 'published' ? assignCard(id, load) : null);
  };
  load();
  return '课程';
}

const sessionName = (s) => s.title || `第 ${s.seq} 次`;

// ruleText says what completes the course.
function ruleText(c, quiz) {
  const parts = [];
  if (c.requires_attendance) parts.push(c.min_sessions ? `至少签到 ${c.min_sessions} 次课` : '签到全部课次');
  if (quiz?.exists && quiz.requires_pass) parts.push('测验及格');
  return parts.length ? parts.join('并') : '报名即计学时';
}

// manageCard is the course keeper's bar: edit the course and the quiz,
// publish, close or cancel (with a reason, told to everyone enrolled).
function manageCard(c, quiz, reload) {
  const error = errorBox('trn-manage-error');
  const status = async (btn, to, reason = '') => {
    replace(error);
    busy(btn, true, '正在提交…');
    try {
      await send(`${coursePath(c.id)}/status`, 'POST', { status: to, reason });
      await reload();
    } catch (err) {
      busy(btn, false);
      const e = describeError(err);
      showError(error, e.fields.reason || e.message, e.hint);
    }
  };
  const editable = c.status === 'draft' || c.status === 'published';
  const publish = c.status === 'draft' ? h('button', { type: 'button', class: 'btn btn-primary', id: 'trn-publish' }, '发布课程') : null;
  publish?.addEventListener('click', () => confirmInline(publish, '发布后培训对象即可看到并报名。确定发布吗？', '确定发布', (b) => status(b, 'published')));
  const close = c.status === 'published' ? h('button', { type: 'button', class: 'btn btn-secondary', id: 'trn-close' }, '结束课程') : null;
  close?.addEventListener('click', () => confirmInline(close, '结束后不再接受报名；签到更正和测验仍可进行。确定结束吗？', '确定结束', (b) => status(b, 'closed')));
  const cancelForm = h('form', { class: 'trn-inline-form', id: 'trn-cancel-course-form', hidden: true, novalidate: true },
    h('label', { class: 'label', for: 'trn-cancel-reason' }, '取消原因'),
    h('input', { type: 'text', class: 'input', id: 'trn-cancel-reason', maxlength: 200 }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-danger btn-sm', id: 'trn-cancel-course-yes' }, '确定取消课程'),
      h('button', { type: 'button', class: 'btn btn-quiet btn-sm', onclick: () => { cancelForm.hidden = true; } }, '不取消')));
  cancelForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    status(cancelForm.querySelector('#trn-cancel-course-yes'), 'cancelled', cancelForm.querySelector('#trn-cancel-reason').value.trim());
  });
  const cancel = editable ? h('button', { type: 'button', class: 'btn btn-quiet', id: 'trn-cancel-course',
    onclick: () => { cancelForm.hidden = false; cancelForm.querySelector('input').focus(); } }, '取消课程') : null;
  return h('section', { class: 'card', id: 'trn-manage', 'aria-label': '课程管理' },
    h('div', { class: 'form-actions' },
      editable ? h('a', { class: 'btn btn-secondary', href: href(`training/${c.id}/edit`), id: 'trn-edit' }, '编辑课程') : null,
      h('a', { class: 'btn btn-secondary', href: href(`training/${c.id}/quiz`), id: 'trn-edit-quiz' }, quiz?.exists ? '编辑测验' : '添加测验'),
      publish, close, cancel),
    cancelForm, error);
}
// checkinForm takes the 6-digit code the trainer reads out.
function checkinForm(id, reload) {
  const error = errorBox('trn-checkin-error');
  const code = h('input', { id: 'trn-checkin-code', class: 'input', inputmode: 'numeric', maxlength: 6, autocomplete: 'off' });
  const form = h('form', { id: 'trn-checkin-form', class: 'trn-checkin', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'trn-checkin-code', class: 'label' }, '签到码'), code),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'trn-checkin-submit' }, '签到')), error);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    replace(error);
    try {
      await send(`${coursePath(id)}/checkin`, 'POST', { code: code.value.trim() });
      await reload();
    } catch (err) {
      const e = describeError(err);
      showError(error, e.message, e.hint);
    }
  });
  return form;
}

// quizCard shows the learner's attempts and lets them take one.
function quizCard(id, quiz, reload) {
  const error = errorBox('trn-quiz-error');
  const attempts = quiz.attempts || [];
  const passed = attempts.some((a) => a.passed);
  const body = h('div', { id: 'trn-quiz-body' });
  const list = attempts.length ? h('ul', { id: 'trn-attempts' }, attempts.map((a) => h('li', { 'data-attempt': a.id },
    `第 ${a.n} 次：`, a.status === 'graded' ? `${hours(a.score)} 分 ` : '待评分 ',
    a.status === 'graded' ? h('span', { class: `tag ${a.passed ? 'tag-ok' : 'tag-bad'} trn-result` }, a.passed ? '通过' : '未通过') : null))) : null;
  const start = async (ev) => {
    ev.currentTarget.disabled = true;
    replace(error);
    try {
      const at = await send(`${coursePath(id)}/quiz/attempts`, 'POST');
      replace(body, attemptForm(id, at, error, reload));
    } catch (err) {
      const e = describeError(err);
      showError(error, e.message, e.hint);
    }
  };
  return h('section', { class: 'card', id: 'trn-quiz', 'aria-labelledby': 'trn-quiz-title' },
    h('h2', { class: 'card-title', id: 'trn-quiz-title' }, '课程测验'),
    h('p', { class: 'muted' }, `共 ${quiz.questions.length} 题，满分 ${hours(quiz.total_points)}，${hours(quiz.pass_mark)} 分及格`,
      quiz.attempts_limit ? `，最多 ${quiz.attempts_limit} 次` : '', quiz.time_limit_min ? `，限时 ${quiz.time_limit_min} 分钟` : '', '。'),
    list, passed ? null : h('button', { type: 'button', class: 'btn btn-primary', id: 'trn-quiz-start', onclick: start }, '开始测验'),
    body, error);
}

function attemptForm(id, at, error, reload) {
  const qs = at.questions || [];
  const form = h('form', { id: 'trn-attempt', novalidate: true }, qs.map((q, i) => {
    const name = `trn-q-${q.id}`;
    let input;
    if (q.kind === 'short') {
      input = h('textarea', { class: 'input', name, id: name, rows: 3, maxlength: 2000 });
    } else {
      const type = q.kind === 'multiple' ? 'checkbox' : 'radio';
      input = h('div', { class: 'trn-options' }, (q.options || []).map((o, k) =>
        h('label', { class: 'check' }, h('input', { type, name, value: String(k), 'data-q': q.id }), o)));
    }
    return h('fieldset', { class: 'trn-question', 'data-q': q.id },
      h('legend', {}, `${i + 1}. ${q.text}（${hours(q.points)} 分）`), input);
  }), h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'trn-quiz-submit' }, '交卷')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const answers = {};
    for (const q of qs) {
      const name = `trn-q-${q.id}`;
      if (q.kind === 'short') answers[q.id] = { text: form.querySelector(`#${name}`).value };
      else answers[q.id] = { choices: [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((x) => Number(x.value)) };
    }
    try {
      await send(`${coursePath(id)}/quiz/attempts/${encodeURIComponent(at.id)}/submit`, 'POST', { answers });
      await reload();
    } catch (err) {
      const e = describeError(err);
      showError(error, e.message, e.hint);
    }
  });
  return form;
}

// trainerCard is for those who manage the course: open a session's
// check-in (the code to read out and the QR code to show), the roster,
// a correction of someone's attendance with its reason, and (leaders and
// hr) cancelling someone's enrolment.
function trainerCard(id, c, reload, canCancel) {
  const error = errorBox('trn-trainer-error');
  const shown = h('div', { id: 'trn-checkin-open', 'aria-live': 'polite' });
  const sessions = c.sessions || [];
  const open = async (ev, s) => {
    const btn = ev.currentTarget; // gone from the event once it has been dispatched
    btn.disabled = true;
    replace(error);
    try {
      const r = await send(`${coursePath(id)}/sessions/${encodeURIComponent(s.id)}/checkin-code`, 'POST', { minutes: 15 });
      const res = await fetch(`${coursePath(id)}/sessions/${encodeURIComponent(s.id)}/checkin-qr`, { headers: { Authorization: pb.authStore.token } });
      const img = res.ok ? h('img', { class: 'trn-qr', id: 'trn-qr', alt: '签到二维码', src: URL.createObjectURL(await res.blob()) }) : null;
      replace(shown, h('p', {}, `${sessionName(s)} 签到码：`, h('strong', { class: 'trn-code', id: 'trn-code' }, r.code),
        `（${formatDateTime(r.until)} 前有效）`), img);
    } catch (err) {
      const e = describeError(err);
      showError(error, e.message, e.hint);
    } finally {
      btn.disabled = false;
    }
  };
  const fix = h('div', { id: 'trn-fix-slot' });
  const roster = h('div', { id: 'trn-roster' }, loading('正在加载花名册…'));
  (async () => {
    try {
      const r = await send(`${coursePath(id)}/roster`);
      const items = r?.items || [];
      replace(roster, items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'trn-roster-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '姓名'), h('th', { scope: 'col' }, '单位'), h('th', { scope: 'col' }, '状态'),
          sessions.map((s) => h('th', { scope: 'col' }, sessionName(s))), h('th', { scope: 'col' }, '测验'), h('th', { scope: 'col' }, '学时'),
          h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, '操作')))),
        h('tbody', {}, items.map((p) => h('tr', { 'data-user': p.user },
          h('td', { 'data-label': '姓名' }, p.name), h('td', { 'data-label': '单位' }, p.unit_name),
          h('td', { 'data-label': '状态' }, MINE[p.status]?.[0] || p.status, p.waitlist_pos ? ` ${p.waitlist_pos}` : ''),
          sessions.map((s) => h('td', { 'data-label': sessionName(s), 'data-session': s.id }, p.attended[s.id] ? '已签到' : '—')),
          h('td', { 'data-label': '测验' }, p.best_score === null || p.best_score === undefined ? '—' : `${hours(p.best_score)}${p.passed ? ' 通过' : ''}`),
          h('td', { 'data-label': '学时', class: 'trn-roster-credit' }, p.credited ? '已计入' : '—'),
          h('td', {}, p.status === 'enrolled' && sessions.length
            ? h('button', { type: 'button', class: 'btn btn-quiet btn-sm trn-fix', onclick: () => replace(fix, fixForm(id, p, sessions, reload)) }, '更正签到')
            : null,
          canCancel && (p.status === 'enrolled' || p.status === 'waitlisted')
            ? h('button', { type: 'button', class: 'btn btn-quiet btn-sm trn-unenroll', onclick: () => replace(fix, unenrollForm(id, p, reload)) }, '取消报名')
            : null))))))
        : h('p', { class: 'empty' }, '暂无报名人员。'));
    } catch (err) {
      failure(roster, err, 'trn-roster-error');
    }
  })();
  return h('section', { class: 'card', id: 'trn-trainer', 'aria-labelledby': 'trn-trainer-title' },
    h('h2', { class: 'card-title', id: 'trn-trainer-title' }, '授课管理'),
    h('div', { class: 'form-actions' }, sessions.map((s) =>
      h('button', { type: 'button', class: 'btn btn-secondary trn-open-checkin', 'data-session': s.id, onclick: (ev) => open(ev, s) },
        `${sessionName(s)} 开始签到`))),
    shown, error, h('h3', { class: 'card-subtitle' }, '花名册'), roster, fix);
}

// fixForm corrects one person's attendance at a session; the reason is
// kept in the audit log and the hours follow.
function fixForm(id, p, sessions, reload) {
  const error = errorBox('trn-fix-error');
  const session = h('select', { class: 'input', id: 'trn-fix-session' }, sessions.map((s) => h('option', { value: s.id }, sessionName(s))));
  const present = h('select', { class: 'input', id: 'trn-fix-present' }, h('option', { value: 'true' }, '出勤'), h('option', { value: 'false' }, '缺勤'));
  const sync = () => { present.value = p.attended[session.value] ? 'false' : 'true'; };
  session.addEventListener('change', sync);
  sync();
  const reason = h('input', { type: 'text', class: 'input', id: 'trn-fix-reason', maxlength: 200, placeholder: '如：当日请假，误签到' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-sm', id: 'trn-fix-submit' }, '确定更正');
  const form = h('form', { class: 'trn-inline-form', id: 'trn-fix-form', novalidate: true, 'aria-label': `更正 ${p.name} 的签到` },
    h('p', {}, h('strong', {}, `更正 ${p.name} 的签到`)),
    h('div', { class: 'ntc-form-row' },
      h('label', { class: 'trn-cell' }, h('span', { class: 'trn-cell-label' }, '课次'), session),
      h('label', { class: 'trn-cell' }, h('span', { class: 'trn-cell-label' }, '改为'), present)),
    h('label', { class: 'trn-cell' }, h('span', { class: 'trn-cell-label' }, '原因（必填，记入审计日志）'), reason),
    h('div', { class: 'actions' }, submit, h('button', { type: 'button', class: 'btn btn-quiet btn-sm', onclick: () => form.remove() }, '取消')), error);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    replace(error);
    busy(submit, true, '正在提交…');
    try {
      await send(`${coursePath(id)}/attendance`, 'POST', { session: session.value, user: p.user, present: present.value === 'true', reason: reason.value.trim() });
      await reload();
    } catch (err) {
      busy(submit, false);
      const e = describeError(err);
      showError(error, e.fields.reason || e.message, e.hint);
    }
  });
  setTimeout(() => reason.focus());
  return form;
}

// unenrollForm cancels someone's enrolment with a reason (they are told;
// the first of the waitlist moves up).
function unenrollForm(id, p, reload) {
  const error = errorBox('trn-unenroll-error');
  const reason = h('input', { type: 'text', class: 'input', id: 'trn-unenroll-reason', maxlength: 200, placeholder: '如：工作冲突，改派他人' });
  const submit = h('button', { type: 'submit', class: 'btn btn-danger btn-sm', id: 'trn-unenroll-submit' }, '确定取消');
  const form = h('form', { class: 'trn-inline-form', id: 'trn-unenroll-form', novalidate: true, 'aria-label': `取消 ${p.name} 的报名` },
    h('p', {}, h('strong', {}, `取消 ${p.name} 的报名`)),
    h('label', { class: 'trn-cell' }, h('span', { class: 'trn-cell-label' }, '原因（通知本人）'), reason),
    h('div', { class: 'actions' }, submit, h('button', { type: 'button', class: 'btn btn-quiet btn-sm', onclick: () => form.remove() }, '不取消')), error);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    replace(error);
    busy(submit, true, '正在提交…');
    try {
      await send(`${coursePath(id)}/cancel`, 'POST', { users: [p.user], reason: reason.value.trim() });
      await reload();
    } catch (err) {
      busy(submit, false);
      const e = describeError(err);
      showError(error, e.fields.reason || e.fields.users || e.message, e.hint);
    }
  });
  setTimeout(() => reason.focus());
  return form;
}

// gradingCard lists the quiz's answer sheets with short answers: those
// waiting for a mark first, the graded ones (to regrade) after.
function gradingCard(id, quiz, reload) {
  const shorts = (quiz.questions || []).filter((q) => q.kind === 'short');
  if (!shorts.length) return null;
  const sheets = (quiz.attempts || []).filter((a) => a.status === 'submitted' || (a.status === 'graded' && !a.late));
  const waiting = sheets.filter((a) => a.status === 'submitted');
  const done = sheets.filter((a) => a.status === 'graded');
  return h('section', { class: 'card', id: 'trn-grading', 'aria-labelledby': 'trn-grading-title' },
    h('h2', { class: 'card-title', id: 'trn-grading-title' }, '简答题评分'),
    waiting.length ? h('ul', { class: 'trn-sheets', id: 'trn-grade-waiting' }, waiting.map((a) => sheet(id, a, shorts, reload)))
      : h('p', { class: 'empty', id: 'trn-grade-none' }, '暂无待评分的答卷。'),
    done.length ? h('details', { class: 'ntc-more', id: 'trn-grade-done' }, h('summary', {}, `已评分 ${done.length} 份（可重新评分）`),
      h('ul', { class: 'trn-sheets' }, done.map((a) => sheet(id, a, shorts, reload)))) : null);
}

function sheet(id, a, shorts, reload) {
  const error = errorBox(`trn-grade-error-${a.id}`);
  const inputs = shorts.map((q) => {
    const mark = a.marks?.[q.id] || {};
    const pts = h('input', { type: 'number', class: 'input trn-grade-points', min: 0, max: q.points, step: 0.5, inputmode: 'decimal', value: mark.points ?? '', 'data-q': q.id, 'aria-label': `${q.id} 得分` });
    const comment = h('input', { type: 'text', class: 'input trn-grade-comment', maxlength: 500, value: mark.comment || '', 'aria-label': `${q.id} 评语` });
    const hint = h('p', { class: 'field-error', hidden: true });
    const el = h('div', { class: 'trn-grade-q', 'data-q': q.id },
      h('p', {}, h('strong', {}, q.text), ` （${hours(q.points)} 分）`),
      q.reference ? h('p', { class: 'muted' }, `参考答案：${q.reference}`) : null,
      h('blockquote', { class: 'trn-grade-answer' }, a.answers?.[q.id]?.text || '（未作答）'),
      h('div', { class: 'ntc-form-row' },
        h('label', { class: 'trn-cell' }, h('span', { class: 'trn-cell-label' }, `得分（0–${hours(q.points)}）`), pts),
        h('label', { class: 'trn-cell' }, h('span', { class: 'trn-cell-label' }, '评语'), comment)), hint);
    return { q, pts, comment, hint, el };
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-sm trn-grade-submit' }, a.status === 'graded' ? '重新评分' : '提交评分');
  const form = h('form', { class: 'trn-sheet-form', novalidate: true }, inputs.map((x) => x.el), h('div', { class: 'actions' }, submit), error);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    replace(error);
    inputs.forEach((x) => { x.hint.hidden = true; });
    const marks = Object.fromEntries(inputs.map((x) => [x.q.id, { points: x.pts.value === '' ? -1 : Number(x.pts.value), comment: x.comment.value.trim() }]));
    busy(submit, true, '正在提交…');
    try {
      await send(`${coursePath(id)}/quiz/attempts/${encodeURIComponent(a.id)}/grade`, 'POST', { marks });
      await reload();
    } catch (err) {
      busy(submit, false);
      const e = describeError(err);
      let placed = false;
      for (const x of inputs) {
        const msg = e.fields[`marks.${x.q.id}.points`] || e.fields[`marks.${x.q.id}`];
        if (msg) { x.hint.textContent = msg; x.hint.hidden = false; placed = true; }
      }
      showError(error, placed ? '未提交，请按提示修改。' : e.message, e.hint);
    }
  });
  return h('li', { class: 'trn-sheet', 'data-attempt': a.id },
    h('p', {}, h('strong', {}, a.user_name), ` 第 ${a.n} 次 · 交卷 ${formatDateTime(a.submitted_at)} · 选择题得分 ${hours(a.auto_score)}`,
      a.status === 'graded' ? ` · 总分 ${hours(a.score)} ${a.passed ? '通过' : '未通过'}` : ''),
    form);
}

// assignCard lets a leader or hr enrol people of their units (they are
// notified; beyond the capacity they wait in order).
function assignCard(id, reload) {
  const people = peoplePicker('trn-assign', '为本单位人员报名', '按姓名、账号或职务查找，点“添加”，再点“报名”。只能为本单位及下级单位的人员报名。');
  const error = errorBox('trn-assign-error');
  const out = h('p', { id: 'trn-assign-done', role: 'status' });
  const go = h('button', { type: 'button', class: 'btn btn-primary', id: 'trn-assign-submit' }, '报名');
  go.addEventListener('click', async () => {
    replace(error);
    replace(out);
    const users = people.values();
    if (!users.length) { showError(error, '请先添加要报名的人员。'); return; }
    busy(go, true, '正在报名…');
    try {
      await send(`${coursePath(id)}/enroll`, 'POST', { users });
      busy(go, false);
      await reload();
      const again = document.getElementById('trn-assign-done'); // the card is drawn anew
      if (again) replace(again, `已为 ${users.length} 人报名并通知本人；名额已满时进入候补。`);
    } catch (err) {
      busy(go, false);
      const e = describeError(err);
      showError(error, e.fields.users || e.message, e.hint);
    }
  });
  return h('section', { class: 'card', id: 'trn-assign-card', 'aria-label': '为他人报名' }, people.wrap, h('div', { class: 'actions' }, go), out, error);
}

// renderQRCheckin is the page the session's QR code opens
// (#/checkin?c=course&s=session&t=token): the check-in is sent at once and
// its outcome shown, with the way to the course.
export function renderQRCheckin(main, params) {
  const course = params.get('c') || '';
  const token = params.get('t') || '';
  const out = h('div', { id: 'trn-qr-checkin', 'aria-live': 'polite' }, loading('正在签到…'));
  replace(main, pageHead('扫码签到'), h('section', { class: 'card' }, out,
    course ? h('p', {}, h('a', { href: href(`training/${course}`), id: 'trn-qr-course' }, '查看课程')) : null));
  (async () => {
    try {
      if (!course || !token) throw { status: 400, response: { message: '二维码不完整，请重新扫码或输入签到码' } };
      await send(`${coursePath(course)}/checkin`, 'POST', { token });
      replace(out, h('p', { class: 'trn-qr-ok', id: 'trn-qr-ok' }, '签到成功。'));
    } catch (err) {
      if (!out.isConnected) return;
      const box = errorBox('trn-qr-error');
      const e = describeError(err);
      showError(box, e.message, e.hint);
      replace(out, box);
    }
  })();
  return '扫码签到';
}

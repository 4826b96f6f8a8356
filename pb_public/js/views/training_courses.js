// 培训学习 · 课程: the catalog (#/training/courses: courses offered to the
// user and those they keep) and a course's page (#/training/{id}: details,
// sessions with the user's attendance, enrol / cancel, check-in by the
// code the trainer reads out, and the quiz: start, answer, submit, score).

import { describeError, pb } from '../api.js';
import { h, replace } from '../dom.js';
import { errorBox, showError } from '../form.js';
import { formatCount, formatDateTime } from '../labels.js';
import { href } from '../modules.js';
import { failure, loading, pageHead, send } from './cases.js';

const coursePath = (id) => `/api/gov/courses/${encodeURIComponent(id)}`;
const MINE = { enrolled: ['已报名', 'tag-ok'], waitlisted: ['候补中', 'tag-warn'], cancelled: ['已取消', 'tag-muted'] };
const STATUS = { draft: '草稿', published: '报名中', closed: '已结束', cancelled: '已取消' };
const hours = (n) => `${Math.round((Number(n) || 0) * 10) / 10}`;

// renderCatalog lists the courses the user may see.
export function renderCatalog(main, tabs) {
  const root = h('div', { id: 'trn-catalog' }, loading('正在加载课程…'));
  replace(main, pageHead('培训学习', '面向您的培训课程。'), tabs, root);
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
export function renderCourse(main, id) {
  const root = h('div', { id: 'trn-course' }, loading('正在加载课程…'));
  replace(main, h('p', { class: 'case-back' }, h('a', { href: href('training/courses') }, '‹ 返回课程')), root);
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
    const head = h('section', { class: 'card', id: 'trn-course-head' },
      h('h1', { class: 'page-title', tabindex: '-1', id: 'trn-course-title' }, c.title),
      h('p', { class: 'muted' }, `${c.category} · ${c.mode} · ${hours(c.hours)} 学时 · ${c.unit_name} · 讲师 ${c.trainer_name}`),
      h('p', {}, h('span', { class: 'tag tag-muted' }, STATUS[c.status] || c.status), ' ',
        MINE[mine] ? h('span', { class: `tag ${MINE[mine][1]}`, id: 'trn-mine' }, MINE[mine][0]) : null, ' ',
        c.credited ? h('span', { class: 'tag tag-ok', id: 'trn-credited' }, '学时已计入台账') : null),
      c.description ? h('p', { class: 'trn-desc' }, c.description) : null,
      h('div', { class: 'form-actions' }, enrolBtn, cancelBtn), error);
    const sessions = h('section', { class: 'card', id: 'trn-sessions', 'aria-labelledby': 'trn-sessions-title' },
      h('h2', { class: 'card-title', id: 'trn-sessions-title' }, '课程安排'),
      h('ul', { class: 'trn-session-list' }, (c.sessions || []).map((s) => h('li', { 'data-session': s.id },
        h('strong', {}, s.title || `第 ${s.seq} 次`), ` ${formatDateTime(s.starts_at)} – ${formatDateTime(s.ends_at)} · ${s.place || ''} `,
        s.attended ? h('span', { class: 'tag tag-ok trn-attended' }, '已签到') : h('span', { class: 'tag tag-muted' }, '未签到')))),
      mine === 'enrolled' && (c.sessions || []).some((s) => !s.attended) ? checkinForm(id, load) : null);
    replace(root, head, sessions, quiz?.exists && mine === 'enrolled' ? quizCard(id, quiz, load) : null,
      c.can_manage ? trainerCard(id, c) : null);
  };
  load();
  return '课程';
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
// check-in (the code to read out and the QR code to show) and the roster.
function trainerCard(id, c) {
  const error = errorBox('trn-trainer-error');
  const shown = h('div', { id: 'trn-checkin-open', 'aria-live': 'polite' });
  const open = async (ev, s) => {
    const btn = ev.currentTarget; // gone from the event once it has been dispatched
    btn.disabled = true;
    replace(error);
    try {
      const r = await send(`${coursePath(id)}/sessions/${encodeURIComponent(s.id)}/checkin-code`, 'POST', { minutes: 15 });
      const res = await fetch(`${coursePath(id)}/sessions/${encodeURIComponent(s.id)}/checkin-qr`, { headers: { Authorization: pb.authStore.token } });
      const img = res.ok ? h('img', { class: 'trn-qr', id: 'trn-qr', alt: '签到二维码', src: URL.createObjectURL(await res.blob()) }) : null;
      replace(shown, h('p', {}, `${s.title || `第 ${s.seq} 次`} 签到码：`, h('strong', { class: 'trn-code', id: 'trn-code' }, r.code),
        `（${formatDateTime(r.until)} 前有效）`), img);
    } catch (err) {
      const e = describeError(err);
      showError(error, e.message, e.hint);
    } finally {
      btn.disabled = false;
    }
  };
  const roster = h('div', { id: 'trn-roster' }, loading('正在加载花名册…'));
  (async () => {
    try {
      const r = await send(`${coursePath(id)}/roster`);
      const items = r?.items || [];
      const sessions = c.sessions || [];
      replace(roster, items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table table-stack', id: 'trn-roster-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '姓名'), h('th', { scope: 'col' }, '单位'), h('th', { scope: 'col' }, '状态'),
          sessions.map((s) => h('th', { scope: 'col' }, s.title || `第 ${s.seq} 次`)), h('th', { scope: 'col' }, '测验'), h('th', { scope: 'col' }, '学时'))),
        h('tbody', {}, items.map((p) => h('tr', { 'data-user': p.user },
          h('td', { 'data-label': '姓名' }, p.name), h('td', { 'data-label': '单位' }, p.unit_name),
          h('td', { 'data-label': '状态' }, MINE[p.status]?.[0] || p.status, p.waitlist_pos ? ` ${p.waitlist_pos}` : ''),
          sessions.map((s) => h('td', { 'data-label': s.title || `第 ${s.seq} 次` }, p.attended[s.id] ? '已签到' : '—')),
          h('td', { 'data-label': '测验' }, p.best_score === null || p.best_score === undefined ? '—' : `${hours(p.best_score)}${p.passed ? ' 通过' : ''}`),
          h('td', { 'data-label': '学时' }, p.credited ? '已计入' : '—'))))))
        : h('p', { class: 'empty' }, '暂无报名人员。'));
    } catch (err) {
      failure(roster, err, 'trn-roster-error');
    }
  })();
  return h('section', { class: 'card', id: 'trn-trainer', 'aria-labelledby': 'trn-trainer-title' },
    h('h2', { class: 'card-title', id: 'trn-trainer-title' }, '授课管理'),
    h('div', { class: 'form-actions' }, (c.sessions || []).map((s) =>
      h('button', { type: 'button', class: 'btn btn-secondary trn-open-checkin', 'data-session': s.id, onclick: (ev) => open(ev, s) },
        `${s.title || `第 ${s.seq} 次`} 开始签到`))),
    shown, error, h('h3', { class: 'card-subtitle' }, '花名册'), roster);
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

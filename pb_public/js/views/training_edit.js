// 培训学习 · 课程编辑: the course editor (#/training/new, #/training/{id}/edit:
// 标题, 类别, 方式, 学时, 名额, 报名与取消期限, 结业条件, 课程介绍, 课次,
// 学习链接, 课程资料, 培训对象) and the quiz editor (#/training/{id}/quiz:
// questions of each kind with their answers and points, 及格分, 次数, 时限).
// The server's per-field words go under the named field or row.

import { describeError } from '../api.js';
import { h, replace } from '../dom.js';
import { applyFieldErrors, busy, errorBox, fieldError, showError } from '../form.js';
import { allRoles, href } from '../modules.js';
import { failure, loading, pageHead, send } from './cases.js';
import { bodyField, ctl, filesField } from './notices_edit.js';
import { audienceBuilder } from './notices_audience.js';
import { CATEGORIES } from './training.js';

export const MODES = ['面授', '线上', '混合'];
const coursePath = (id) => `/api/gov/courses/${encodeURIComponent(id)}`;

// mayOffer: trainers, hr and leaders offer courses (staff do not).
export const mayOffer = (me) => ['trainer', 'hr', 'leader'].some((r) => allRoles(me).has(r));

// toInput turns a stored moment into the value of a datetime-local input
// (Beijing time, as the server reads it back).
export function toInput(s) {
  if (!s) return '';
  const d = new Date(String(s).replace(' ', 'T'));
  return Number.isNaN(d.getTime()) ? '' : new Date(d.getTime() + 8 * 3600e3).toISOString().slice(0, 16);
}

// flash is the line the course page shows once after a save.
let flash = '';
export const takeFlash = () => { const f = flash; flash = ''; return f; };

// rowsField is a list of rows of inputs (课次, 链接, 学时要求) with 添加 and
// 删除; cells(values) builds one row's inputs {name: cell}.
export function rowsField(id, label, addText, cells, initial, help) {
  const hint = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
  const list = h('ol', { class: 'trn-rows', id: `${id}-rows` });
  const rows = [];
  const add = (v = {}) => {
    const inputs = cells(v);
    const del = h('button', { type: 'button', class: 'btn btn-quiet btn-sm trn-row-del' }, '删除');
    const err = h('p', { class: 'field-error trn-row-error', hidden: true });
    const li = h('li', { class: 'trn-row' }, h('div', { class: 'trn-row-cells' }, Object.values(inputs).map((x) => x.wrap)), del, err);
    const row = { inputs, li, err };
    del.addEventListener('click', () => { rows.splice(rows.indexOf(row), 1); li.remove(); });
    rows.push(row);
    list.append(li);
    return row;
  };
  for (const v of initial) add(v);
  const addBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id: `${id}-add`, onclick: () => add() }, addText);
  const input = h('fieldset', { class: 'case-fieldset', id, 'aria-describedby': `${id}-error` },
    h('legend', { class: 'label' }, label), help ? h('p', { class: 'field-help' }, help) : null, list, addBtn, hint);
  return {
    input, hint, wrap: h('div', { class: 'field' }, input),
    values: () => rows.map((r) => Object.fromEntries(Object.entries(r.inputs).map(([k, x]) => [k, x.input.type === 'checkbox' ? x.input.checked : x.input.value.trim()]))),
    // rowError puts "name[i].field" errors under row i; true when placed.
    rowError(fields, name) {
      let placed = false;
      for (const r of rows) { r.err.hidden = true; }
      for (const [k, v] of Object.entries(fields)) {
        const m = k.match(new RegExp(`^${name}\\[(\\d+)\\]`));
        if (m && rows[Number(m[1])]) {
          rows[Number(m[1])].err.textContent = v;
          rows[Number(m[1])].err.hidden = false;
          placed = true;
        }
      }
      return placed;
    },
  };
}

// cell is a small labelled input inside a row; cellOf labels any control.
export const cellOf = (label, input) => ({ input, wrap: h('label', { class: 'trn-cell' }, h('span', { class: 'trn-cell-label' }, label), input) });
export const cell = (label, attrs, value = '') => cellOf(label, h('input', { class: 'input', ...attrs, value }));

// renderCourseEdit is the course editor: a new course (id empty) or an
// existing one's edit.
export function renderCourseEdit(main, me, id) {
  const title = id ? '编辑课程' : '新建课程';
  const back = h('p', { class: 'case-back' }, h('a', { href: href(id ? `training/${id}` : 'training/courses') }, id ? '‹ 返回课程' : '‹ 返回培训课程'));
  const root = h('div', { id: 'trn-editor-page' }, loading('正在加载课程…'));
  const head = pageHead(title, '课程发布后，培训对象即可在“培训课程”中看到并报名。');
  head.querySelector('h1').id = 'trn-edit-title';
  replace(main, back, head, root);
  if (!mayOffer(me)) {
    replace(root, h('section', { class: 'card', id: 'trn-edit-refused' },
      h('p', { class: 'notice notice-warn' }, '只有培训管理员、组织人事部门和单位负责人可以开设课程。')));
    return title;
  }
  (async () => {
    let c = null;
    if (id) {
      try {
        c = await send(coursePath(id));
      } catch (err) {
        if (root.isConnected) failure(root, err, 'trn-edit-error-load');
        return;
      }
      if (!root.isConnected) return;
      if (!c.can_manage || (c.status !== 'draft' && c.status !== 'published')) {
        replace(root, h('section', { class: 'card', id: 'trn-edit-refused' },
          h('p', { class: 'notice notice-warn' }, c.can_manage ? '课程已结束或已取消，不能修改。' : '您不管理这门课程，不能修改。')));
        return;
      }
    }
    courseForm(root, c);
  })();
  return title;
}

function courseForm(root, c) {
  const v = c || { category: CATEGORIES[0], mode: MODES[0], hours: '', capacity: 0, requires_attendance: true, requires_pass: true, min_sessions: 0, links: [], files: [], sessions: [{}] };
  const fTitle = ctl('trn-f-title', '课程名称', h('input', { type: 'text', class: 'input', maxlength: 200, autocomplete: 'off', value: v.title || '' }), { required: true });
  const fCategory = ctl('trn-f-category', '类别', h('select', { class: 'input' }, CATEGORIES.map((x) => h('option', { value: x, selected: x === v.category }, x))));
  const fMode = ctl('trn-f-mode', '方式', h('select', { class: 'input' }, MODES.map((x) => h('option', { value: x, selected: x === v.mode }, x))));
  const fHours = ctl('trn-f-hours', '学时', h('input', { type: 'number', class: 'input', min: 0.5, max: 200, step: 0.5, inputmode: 'decimal', value: v.hours }),
    { required: true, help: '结业后计入每位学员的年度学时。' });
  const fCapacity = ctl('trn-f-capacity', '人数上限', h('input', { type: 'number', class: 'input', min: 0, step: 1, inputmode: 'numeric', value: v.capacity }),
    { help: '0 为不限；满员后报名者进入候补，有人取消时依次递补。' });
  const fFrom = ctl('trn-f-enroll-from', '报名开始', h('input', { type: 'datetime-local', class: 'input', value: toInput(v.enroll_from) }), { help: '不填则发布即可报名。' });
  const fUntil = ctl('trn-f-enroll-until', '报名截止', h('input', { type: 'datetime-local', class: 'input', value: toInput(v.enroll_until) }), { help: '不填则不限。' });
  const fCancel = ctl('trn-f-cancel-until', '取消截止', h('input', { type: 'datetime-local', class: 'input', value: toInput(v.cancel_until) }),
    { help: '此后学员不能自行取消报名（负责人仍可为其取消）。' });
  const attend = h('input', { type: 'checkbox', id: 'trn-f-requires-attendance', checked: v.requires_attendance });
  const pass = h('input', { type: 'checkbox', id: 'trn-f-requires-pass', checked: v.requires_pass });
  const fMin = ctl('trn-f-min-sessions', '至少出席课次', h('input', { type: 'number', class: 'input', min: 0, step: 1, inputmode: 'numeric', value: v.min_sessions }),
    { help: '0 为须出席全部课次。' });
  attend.addEventListener('change', () => { fMin.wrap.hidden = !attend.checked; });
  fMin.wrap.hidden = !attend.checked;
  const desc = bodyField('trn-f-desc', v.description || '', { label: '课程介绍', required: false, rows: 6 });
  const sessions = rowsField('trn-f-sessions', '课次安排', '添加课次', (s) => ({
    title: cell('名称', { type: 'text', maxlength: 100, class: 'input trn-s-title' }, s.title || ''),
    starts_at: cell('开始', { type: 'datetime-local', class: 'input trn-s-start' }, toInput(s.starts_at)),
    ends_at: cell('结束', { type: 'datetime-local', class: 'input trn-s-end' }, toInput(s.ends_at)),
    place: cell('地点', { type: 'text', maxlength: 200, class: 'input trn-s-place' }, s.place || ''),
  }), v.sessions || [], '每次课的时间和地点；学员按课次签到。已有学员签到后不能再改课次。');
  const links = rowsField('trn-f-links', '学习链接', '添加链接', (l) => ({
    title: cell('名称', { type: 'text', maxlength: 100, class: 'input trn-l-title' }, l.title || ''),
    url: cell('网址', { type: 'url', maxlength: 500, class: 'input trn-l-url', placeholder: 'https://' }, l.url || ''),
  }), v.links || [], '线上课程、直播或参考资料的网址（http 或 https）。');
  const files = filesField('trn-f-files', '课程资料', { existing: v.files || [] });
  const audience = audienceBuilder('trn-aud', { legend: '培训对象', preview: false });
  const audWrap = c ? h('details', { class: 'ntc-more', id: 'trn-aud-change' },
    h('summary', {}, '修改培训对象（不修改则保持原对象）'), audience.wrap) : audience.wrap;

  const error = errorBox('trn-edit-error');
  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'trn-save' }, c ? '保存' : '发布课程');
  const draft = c ? null : h('button', { type: 'button', class: 'btn btn-secondary', id: 'trn-save-draft' }, '存为草稿');
  const form = h('form', { class: 'card case-form trn-form', id: 'trn-form', novalidate: true, 'aria-labelledby': 'trn-edit-title' },
    fTitle.wrap,
    h('div', { class: 'ntc-form-row' }, fCategory.wrap, fMode.wrap),
    h('div', { class: 'ntc-form-row' }, fHours.wrap, fCapacity.wrap),
    h('div', { class: 'ntc-form-row' }, fFrom.wrap, fUntil.wrap),
    fCancel.wrap,
    h('fieldset', { class: 'case-fieldset', id: 'trn-f-rule' }, h('legend', { class: 'label' }, '结业条件'),
      h('label', { class: 'check', for: 'trn-f-requires-attendance' }, attend, '须签到'),
      fMin.wrap,
      h('label', { class: 'check', for: 'trn-f-requires-pass' }, pass, '设有测验时须测验及格')),
    desc.wrap, sessions.wrap, links.wrap, files.wrap, audWrap, error,
    h('div', { class: 'actions case-form-actions' }, save, draft,
      h('a', { class: 'btn btn-quiet', href: href(c ? `training/${c.id}` : 'training/courses'), id: 'trn-edit-cancel' }, '取消')));
  replace(root, form);

  const fields = [fTitle, fCategory, fMode, fHours, fCapacity, fFrom, fUntil, fCancel, fMin, desc, sessions, links, files];
  const submit = async (button, publish) => {
    for (const f of fields) { f.hint.textContent = ''; f.hint.hidden = true; f.input.removeAttribute('aria-invalid'); }
    audience.clear();
    replace(error);
    if (files.uploading()) {
      showError(error, '课程资料仍在上传，请等上传完成后再保存。');
      return;
    }
    const num = (x) => (x.input.value === '' ? 0 : Number(x.input.value));
    const payload = {
      title: fTitle.input.value.trim(), category: fCategory.input.value, mode: fMode.input.value,
      hours: num(fHours), capacity: num(fCapacity),
      enroll_from: fFrom.input.value, enroll_until: fUntil.input.value, cancel_until: fCancel.input.value,
      requires_attendance: attend.checked, requires_pass: pass.checked, min_sessions: attend.checked ? num(fMin) : 0,
      description: desc.input.value, sessions: sessions.values(), links: links.values(), files: files.ids(),
    };
    const aud = audience.value();
    if (!c || Object.values(aud).some((x) => x.length)) payload.audience = aud;
    if (!c) payload.publish = publish;
    busy(button, true, '正在保存…');
    let saved;
    try {
      saved = await send(c ? coursePath(c.id) : '/api/gov/courses', c ? 'PATCH' : 'POST', payload);
    } catch (err) {
      busy(button, false);
      const e = describeError(err);
      if (e.status === 401) return;
      const map = {
        title: fTitle, category: fCategory, mode: fMode, hours: fHours, capacity: fCapacity, enroll_from: fFrom,
        enroll_until: fUntil, cancel_until: fCancel, min_sessions: fMin, description: desc, sessions, links, files,
      };
      const first = applyFieldErrors(e, map);
      const rowS = sessions.rowError(e.fields, 'sessions');
      const rowL = links.rowError(e.fields, 'links');
      if (rowS) fieldError(sessions, '请按各课次下的提示修改。');
      if (rowL) fieldError(links, '请按各链接下的提示修改。');
      const audErr = audience.showErrors(e);
      if (audErr && c) audWrap.open = true;
      const placed = first || rowS || rowL || audErr;
      showError(error, placed ? '未保存，请按提示修改。' : e.message, placed ? '' : e.hint);
      (first || (rowS ? sessions : rowL ? links : null))?.input.focus?.();
      return;
    }
    flash = c ? '课程已保存。' : publish ? '课程已发布。' : '已存为草稿，发布后培训对象才能看到。';
    window.location.hash = href(`training/${saved.id}`);
  };
  form.addEventListener('submit', (ev) => { ev.preventDefault(); submit(save, true); });
  draft?.addEventListener('click', () => submit(draft, false));
}

// ---------------------------------------------------------------- quiz

const KINDS = { single: '单选', multiple: '多选', truefalse: '判断', short: '简答' };

// renderQuizEdit is the quiz editor of a course its manager opens.
export function renderQuizEdit(main, id) {
  const root = h('div', { id: 'trn-quiz-editor-page' }, loading('正在加载测验…'));
  const head = pageHead('编辑测验', '选择题和判断题交卷即评分；简答题由讲师评分。保存后替换原测验，已交的答卷保留原分数。');
  head.querySelector('h1').id = 'trn-quiz-edit-title';
  replace(main, h('p', { class: 'case-back' }, h('a', { href: href(`training/${id}`) }, '‹ 返回课程')), head, root);
  (async () => {
    let c;
    let quiz;
    try {
      [c, quiz] = await Promise.all([send(coursePath(id)), send(`${coursePath(id)}/quiz`)]);
    } catch (err) {
      if (root.isConnected) failure(root, err, 'trn-quiz-edit-load-error');
      return;
    }
    if (!root.isConnected) return;
    if (!quiz.can_manage) {
      replace(root, h('section', { class: 'card', id: 'trn-edit-refused' }, h('p', { class: 'notice notice-warn' }, '您不管理这门课程，不能编辑测验。')));
      return;
    }
    quizForm(root, c, quiz);
  })();
  return '编辑测验';
}

function quizForm(root, c, quiz) {
  const list = h('ol', { class: 'trn-qedit-list', id: 'trn-qedit-list' });
  const qs = [];
  const renumber = () => qs.forEach((q, i) => { q.no.textContent = `第 ${i + 1} 题`; });
  const addQuestion = (v = { kind: 'single', text: '', options: ['', ''], answer: [], points: 2 }) => {
    const q = questionEditor(v, qs.length);
    q.del.addEventListener('click', () => { qs.splice(qs.indexOf(q), 1); q.li.remove(); renumber(); });
    qs.push(q);
    list.append(q.li);
    renumber();
    return q;
  };
  for (const v of quiz.exists ? quiz.questions : [undefined]) addQuestion(v);
  const fPass = ctl('trn-qf-pass', '及格分', h('input', { type: 'number', class: 'input', min: 0.5, step: 0.5, inputmode: 'decimal', value: quiz.exists ? quiz.pass_mark : '' }),
    { required: true, help: '得分不低于及格分即为通过；不能超过总分。' });
  const fAttempts = ctl('trn-qf-attempts', '答题次数上限', h('input', { type: 'number', class: 'input', min: 0, step: 1, inputmode: 'numeric', value: quiz.exists ? quiz.attempts_limit : 0 }),
    { help: '0 为不限。' });
  const fTime = ctl('trn-qf-time', '答题时限（分钟）', h('input', { type: 'number', class: 'input', min: 0, step: 1, inputmode: 'numeric', value: quiz.exists ? quiz.time_limit_min : 0 }),
    { help: '0 为不限时。' });
  const requires = h('input', { type: 'checkbox', id: 'trn-qf-requires', checked: quiz.exists ? quiz.requires_pass : c.requires_pass });
  const total = h('span', { id: 'trn-qf-total' });
  const showTotal = () => { total.textContent = String(qs.reduce((n, q) => n + (Number(q.points.value) || 0), 0)); };
  list.addEventListener('input', showTotal);
  const error = errorBox('trn-qf-error');
  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'trn-qf-save' }, '保存测验');
  const form = h('form', { class: 'card case-form trn-form', id: 'trn-quiz-form', novalidate: true, 'aria-labelledby': 'trn-quiz-edit-title' },
    h('p', { class: 'muted' }, `课程：${c.title}`),
    list,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn btn-secondary', id: 'trn-qf-add', onclick: () => { addQuestion().text.focus(); showTotal(); } }, '添加题目')),
    h('p', {}, '总分 ', total, ' 分'),
    h('div', { class: 'ntc-form-row' }, fPass.wrap, fAttempts.wrap, fTime.wrap),
    h('label', { class: 'check', for: 'trn-qf-requires' }, requires, '须测验及格才计学时'),
    error,
    h('div', { class: 'actions case-form-actions' }, save, h('a', { class: 'btn btn-quiet', href: href(`training/${c.id}`) }, '取消')));
  replace(root, form);
  showTotal();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    for (const f of [fPass, fAttempts, fTime]) { f.hint.hidden = true; f.input.removeAttribute('aria-invalid'); }
    for (const q of qs) q.err.hidden = true;
    replace(error);
    const num = (x) => (x.input.value === '' ? 0 : Number(x.input.value));
    const body = {
      questions: qs.map((q) => q.value()), pass_mark: num(fPass), attempts_limit: num(fAttempts), time_limit_min: num(fTime),
      requires_pass: requires.checked,
    };
    busy(save, true, '正在保存…');
    try {
      await send(`${coursePath(c.id)}/quiz`, 'POST', body);
    } catch (err) {
      busy(save, false);
      const e = describeError(err);
      if (e.status === 401) return;
      const first = applyFieldErrors(e, { pass_mark: fPass, attempts_limit: fAttempts, time_limit_min: fTime });
      let placed = !!first;
      for (const [k, msg] of Object.entries(e.fields)) {
        const m = k.match(/^questions\[(\d+)\]/);
        if (m && qs[Number(m[1])]) {
          qs[Number(m[1])].err.textContent = msg;
          qs[Number(m[1])].err.hidden = false;
          placed = true;
        }
      }
      showError(error, placed ? '未保存，请按提示修改。' : e.message, placed ? '' : e.hint);
      return;
    }
    flash = '测验已保存。';
    window.location.hash = href(`training/${c.id}`);
  });
}

// questionEditor is one question: kind, text, options with the right
// ones marked (single and truefalse: one; multiple: any), a model answer
// for a short one, and points.
function questionEditor(v, n) {
  const uid = `trn-qe-${n}-${Math.random().toString(36).slice(2, 7)}`;
  const kind = h('select', { class: 'input trn-qe-kind', 'aria-label': '题型' }, Object.entries(KINDS).map(([k, label]) => h('option', { value: k, selected: k === v.kind }, label)));
  const text = h('textarea', { class: 'input trn-qe-text', rows: 2, maxlength: 2000, 'aria-label': '题目' }, v.text || '');
  const points = h('input', { type: 'number', class: 'input trn-qe-points', min: 0.5, max: 100, step: 0.5, value: v.points ?? 2, 'aria-label': '分值' });
  const reference = h('textarea', { class: 'input trn-qe-reference', rows: 2, maxlength: 2000, 'aria-label': '参考答案' }, v.reference || '');
  const options = h('ul', { class: 'trn-qe-options' });
  const opts = [];
  const addOption = (label = '', right = false) => {
    const mark = h('input', { type: kind.value === 'multiple' ? 'checkbox' : 'radio', name: `${uid}-right`, class: 'trn-qe-right', checked: right, 'aria-label': '正确答案' });
    const input = h('input', { type: 'text', class: 'input trn-qe-option', maxlength: 500, value: label, 'aria-label': '选项' });
    const del = h('button', { type: 'button', class: 'btn btn-quiet btn-sm' }, '删除');
    const li = h('li', { class: 'trn-qe-option-row' }, h('label', { class: 'check' }, mark, '正确'), input, del);
    const o = { mark, input, li };
    del.addEventListener('click', () => { opts.splice(opts.indexOf(o), 1); li.remove(); });
    opts.push(o);
    options.append(li);
  };
  const addOptBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-sm trn-qe-add-option', onclick: () => addOption() }, '添加选项');
  const choiceBox = h('div', { class: 'trn-qe-choices' }, options, addOptBtn);
  const refBox = h('label', { class: 'trn-cell trn-qe-ref' }, h('span', { class: 'trn-cell-label' }, '参考答案（仅评分人可见）'), reference);
  const fill = (list, answer) => {
    options.replaceChildren();
    opts.length = 0;
    list.forEach((o, i) => addOption(o, (answer || []).includes(i)));
  };
  const shape = () => {
    const k = kind.value;
    choiceBox.hidden = k === 'short';
    refBox.hidden = k !== 'short';
    addOptBtn.hidden = k === 'truefalse';
    if (k === 'truefalse') {
      const was = opts.findIndex((o) => o.mark.checked);
      fill(['正确', '错误'], [was === 1 ? 1 : 0].filter(() => was >= 0));
      opts.forEach((o) => { o.input.readOnly = true; o.li.querySelector('button').hidden = true; });
    } else {
      const cur = opts.map((o) => (o.input.readOnly ? '' : o.input.value));
      const right = opts.map((o, i) => (o.mark.checked && !o.input.readOnly ? i : -1)).filter((i) => i >= 0);
      fill(cur.length >= 2 && cur.some(Boolean) ? cur : ['', ''], k === 'single' ? right.slice(0, 1) : right);
    }
  };
  fill(v.kind === 'short' ? ['', ''] : v.options || ['', ''], v.answer);
  shape();
  kind.addEventListener('change', shape);
  const no = h('strong', { class: 'trn-qe-no' });
  const del = h('button', { type: 'button', class: 'btn btn-quiet btn-sm trn-qe-del' }, '删除此题');
  const err = h('p', { class: 'field-error trn-qe-error', hidden: true });
  const li = h('li', { class: 'trn-qe' },
    h('div', { class: 'trn-qe-head' }, no, kind, h('label', { class: 'trn-cell trn-qe-pts' }, h('span', { class: 'trn-cell-label' }, '分值'), points), del),
    text, choiceBox, refBox, err);
  return {
    li, del, no, err, text, points,
    value: () => {
      const k = kind.value;
      const out = { kind: k, text: text.value.trim(), points: Number(points.value) || 0 };
      if (k === 'short') return { ...out, reference: reference.value.trim() };
      return { ...out, options: opts.map((o) => o.input.value.trim()), answer: opts.map((o, i) => (o.mark.checked ? i : -1)).filter((i) => i >= 0) };
    },
  };
}

// The case page (#/cases/{id}): title, meta line, the body as the server's
// sanitized HTML, attachments, linked entities, counters; the author's
// actions (编辑, 提交审核, 撤回, 删除) and the reviewer's 审核 panel, as the
// server's `can` allows; the working copy beside the published face.

import { describeError, openFile } from '../api.js';
import { h, icon, replace } from '../dom.js';
import { busy, errorBox, showError } from '../form.js';
import { formatCount, formatDate, formatDateTime } from '../labels.js';
import { href } from '../modules.js';
import {
  ENTITY_KINDS, casePath, failure, formatSize, loading, pageHead, scopeName, send, statusName, statusTag,
} from './cases.js';
import { commentsCard, followCard, relatedCard, socialBar } from './cases_social.js';

// A message for the next case page drawn (e.g. 已保存草稿 after the editor).
let nextFlash = '';
export function setFlash(text) { nextFlash = text; }

export function renderCaseView(main, me, id) {
  const root = h('div', { class: 'case-page', id: 'case-page' });
  replace(main, root);
  replace(root, backLink(), pageHead('经验案例'), loading('正在加载案例…'));
  const flash = nextFlash;
  nextFlash = '';
  load(flash);
  return '经验案例';

  // load fetches the case and draws it; flash is a message to show on top.
  async function load(flash, wantDraft) {
    let c;
    try {
      c = await send(casePath(id));
    } catch (err) {
      if (!root.isConnected) return;
      const box = h('div', {});
      replace(root, backLink(), pageHead('无法打开案例'), box);
      failure(box, err);
      return;
    }
    if (!root.isConnected) return;
    const refocus = document.activeElement === root.querySelector('h1');
    const d = c.draft || null;
    const differs = !!d && c.published_version > 0 && d.version !== c.published_version;
    // A reviewer reviews the working copy: show it first; the author the face.
    const showDraft = differs && (wantDraft ?? (c.can?.review && d.status === 'submitted'));
    draw(c, showDraft, flash);
    if (refocus) root.querySelector('h1')?.focus({ preventScroll: true });
  }

  function draw(c, showDraft, flash) {
    const d = c.draft || null;
    // differs: a published version and a newer working copy; before the
    // first publication the working copy is all there is.
    const differs = !!d && c.published_version > 0 && d.version !== c.published_version;
    const v = showDraft || (d && !c.published_version) ? { ...c, ...d } : c;
    const date = showDraft ? '' : (c.published_at ? formatDate(c.published_at) : formatDate(c.updated));
    const meta = [c.unit_name, c.author_name, date, scopeName(v.scope), v.business].filter(Boolean);

    const head = pageHead(v.title,
      null,
      h('p', { class: 'case-meta case-page-meta', id: 'case-meta' },
        meta.map((m, i) => [i ? h('span', { class: 'case-dot', 'aria-hidden': 'true' }, ' · ') : null, h('span', {}, m)]),
        c.status !== 'published' || showDraft ? [' ', statusTag(showDraft ? d.status : c.status, 'case-status')] : null),
      (v.tags || []).length ? h('p', { class: 'tags case-tags', id: 'case-tags' },
        v.tags.map((t) => h('a', { class: 'tag case-chip', href: href('cases', { tag: t }) }, `#${t}`))) : null);
    head.querySelector('h1').id = 'case-title';
    document.title = `${v.title} - 政务协同`;

    const notes = h('div', { class: 'case-notes' },
      flash ? h('p', { class: 'notice notice-ok', id: 'case-flash', role: 'status' }, flash) : null,
      d && d.status === 'returned' && d.review_comment ? h('div', { class: 'notice notice-warn case-returned', id: 'case-review-note', role: 'note' },
        h('p', {}, h('strong', {}, '审核意见'), d.reviewer_name ? `（${d.reviewer_name}）` : '', '：'),
        h('p', { class: 'case-returned-text' }, d.review_comment),
        c.can?.update ? h('p', { class: 'notice-hint' }, '请按意见修改后重新提交审核。') : null) : null,
      differs ? h('div', { class: 'notice case-draft-note', id: 'case-draft-note' },
        h('p', {}, c.can?.update
          ? `您有未发布的修改（版本 ${d.version}，状态 ${statusName(d.status)}）。${c.live === 'published' ? `读者目前看到的是已发布的版本 ${c.published_version}。` : ''}`
          : `此案例有未发布的修改（版本 ${d.version}，状态 ${statusName(d.status)}）。`),
        h('p', { class: 'actions' }, h('button', {
          type: 'button', class: 'btn btn-secondary btn-sm', id: 'case-draft-toggle', 'aria-pressed': showDraft ? 'true' : 'false',
          onclick: () => { draw(c, !showDraft); root.querySelector('#case-draft-toggle')?.focus(); },
        }, showDraft ? '查看已发布版本' : '查看修改稿'))) : null,
      !differs && c.live !== 'published' && c.can?.update ? h('p', { class: 'notice', id: 'case-unpublished-note' },
        c.status === 'withdrawn' && c.published_version
          ? '此案例已撤回下线，读者看不到。修改后可重新提交审核。'
          : `此案例尚未发布（${statusName(c.status)}），只有您和审核人可以看到。`) : null);

    const article = h('article', { class: 'card case-article', 'aria-labelledby': 'case-title' },
      v.summary ? h('p', { class: 'case-summary', id: 'case-summary' }, v.summary) : null,
      bodyEl(v.body_html));

    // The social side reads the published face: 有用/收藏 need a live case.
    const live = c.live === 'published';
    if (live) article.append(socialBar(c, { onVotes: (n) => setFact('点赞', n) }));
    replace(root, backLink(), head, notes,
      h('div', { class: 'case-layout' },
        h('div', { class: 'case-main' }, article, filesCard(v.files || []), entitiesCard(v.entities || []),
          live || c.comments ? commentsCard(c, { onCount: (n) => setFact('评论', n) }) : null,
          live ? relatedCard(c, {
            kind: 'similar', title: '相似案例', empty: '暂无相似案例。',
          }) : null,
          live ? relatedCard(c, {
            kind: 'related', title: '相关案例（同一企业或个人）',
            help: '其他部门涉及同一企业或个人的已发布案例。', empty: '暂无涉及同一企业或个人的其他案例。',
          }) : null),
        h('div', { class: 'case-side' }, actionsCard(c), c.can?.review ? reviewCard(c) : null,
          live ? followCard(c) : null)));
  }

  // setFact updates a number in the 案例信息 facts (点赞, 评论).
  function setFact(name, n) {
    for (const dt of root.querySelectorAll('#case-counts dt')) {
      if (dt.textContent === name && dt.nextElementSibling) dt.nextElementSibling.textContent = formatCount(n);
    }
  }

  function actionsCard(c) {
    const can = c.can || {};
    const error = errorBox('case-action-error');
    const buttons = [];
    if (can.update) buttons.push(h('a', { class: 'btn btn-secondary', href: href(`cases/${c.id}/edit`), id: 'case-edit' }, '编辑'));
    if (can.submit) {
      buttons.push(h('button', {
        type: 'button', class: 'btn btn-primary', id: 'case-submit',
        onclick: (ev) => act(ev.currentTarget, 'submit', '正在提交…', '已提交审核，审核通过后按范围发布。', error),
      }, '提交审核'));
    }
    if (can.withdraw) {
      const offline = c.status === 'published';
      const b = h('button', { type: 'button', class: 'btn btn-secondary', id: 'case-withdraw' }, '撤回');
      b.addEventListener('click', () => confirmInline(b,
        offline ? '撤回后案例将下线，读者不再能看到。确定撤回吗？' : '撤回后审核人不再处理此稿，您可以继续修改。确定撤回吗？',
        '确定撤回', (yes) => act(yes, 'withdraw', '正在撤回…', offline ? '已撤回，案例已下线。' : '已撤回审核，您可以继续修改。', error)));
      buttons.push(b);
    }
    if (can.archive) {
      const b = h('button', { type: 'button', class: 'btn btn-secondary', id: 'case-archive' }, '归档');
      b.addEventListener('click', () => confirmInline(b,
        '归档后案例仍可打开查看，但不再出现在搜索和关注动态中，也不能再评论或修改。确定归档吗？',
        '确定归档', (yes) => act(yes, 'archive', '正在归档…', '已归档。', error)));
      buttons.push(b);
    }
    if (can.delete) {
      const b = h('button', { type: 'button', class: 'btn btn-danger', id: 'case-delete' }, '删除');
      b.addEventListener('click', () => confirmInline(b, '删除后无法恢复。确定删除此案例吗？', '确定删除', async (yes) => {
        replace(error);
        busy(yes, true, '正在删除…');
        try {
          await send(casePath(c.id), 'DELETE');
          window.location.hash = href('cases/mine');
        } catch (err) {
          const e = describeError(err);
          if (e.status !== 401) showError(error, e.message, e.hint);
          busy(yes, false);
        }
      }));
      buttons.push(b);
    }
    const counts = h('dl', { class: 'facts case-counts-facts', id: 'case-counts' },
      fact('浏览', formatCount(c.views)), fact('点赞', formatCount(c.votes)), fact('评论', formatCount(c.comments)),
      fact('版本', c.published_version ? `第 ${c.published_version} 版` : `第 ${c.version} 版（未发布）`),
      c.published_at ? fact('发布时间', formatDateTime(c.published_at)) : null);
    return h('section', { class: 'card case-actions-card', 'aria-labelledby': 'case-actions-title' },
      h('h2', { class: 'card-title', id: 'case-actions-title' }, buttons.length ? '操作' : '案例信息'),
      buttons.length ? h('div', { class: 'actions case-actions', id: 'case-actions' }, buttons) : null,
      error, counts);
  }

  async function act(button, action, busyText, done, error) {
    replace(error);
    busy(button, true, busyText);
    try {
      await send(`${casePath(id)}/${action}`, 'POST', {});
      await load(done);
    } catch (err) {
      const e = describeError(err);
      if (e.status !== 401) showError(error, Object.values(e.fields)[0] || e.message, e.hint);
      if (button.isConnected) busy(button, false);
    }
  }

  function reviewCard(c) {
    const d = c.draft || c;
    const hint = h('p', { id: 'case-review-comment-error', class: 'field-error', hidden: true });
    const comment = h('textarea', {
      id: 'case-review-comment', name: 'comment', class: 'input case-review-text', rows: 4, maxlength: 1000,
      'aria-describedby': 'case-review-help case-review-comment-error',
    });
    const error = errorBox('case-review-error');
    const approve = h('button', { type: 'button', class: 'btn btn-primary', id: 'case-approve' }, '通过并发布');
    const reject = h('button', { type: 'button', class: 'btn btn-secondary', id: 'case-reject' }, '退回修改');
    const decide = async (button, action, busyText, done) => {
      hint.hidden = true;
      comment.removeAttribute('aria-invalid');
      replace(error);
      busy(button, true, busyText);
      try {
        await send(`${casePath(c.id)}/${action}`, 'POST', { comment: comment.value.trim() });
        await load(done, false);
      } catch (err) {
        const e = describeError(err);
        if (e.status === 401) return;
        if (e.fields.comment) {
          hint.textContent = e.fields.comment;
          hint.hidden = false;
          comment.setAttribute('aria-invalid', 'true');
          comment.focus();
        } else {
          showError(error, Object.values(e.fields)[0] || e.message, e.hint);
        }
        if (button.isConnected) busy(button, false);
      }
    };
    approve.addEventListener('click', () => decide(approve, 'approve', '正在发布…', '已审核通过并发布。'));
    reject.addEventListener('click', () => decide(reject, 'reject', '正在退回…', '已退回作者修改。'));
    return h('section', { class: 'card case-review', id: 'case-review', 'aria-labelledby': 'case-review-title' },
      h('h2', { class: 'card-title', id: 'case-review-title' }, '审核'),
      h('p', { class: 'field-help', id: 'case-review-help' },
        `审核的是版本 ${d.version}，范围“${scopeName(d.scope)}”。通过后按范围发布；退回时请写明修改意见。`),
      h('div', { class: 'field' },
        h('label', { for: 'case-review-comment', class: 'label' }, '审核意见'), comment, hint),
      error,
      h('div', { class: 'actions' }, approve, reject));
  }
}

function backLink() {
  return h('p', { class: 'case-back' }, h('a', { href: href('cases') }, '‹ 返回经验案例'));
}

export function fact(k, v) {
  return h('div', { class: 'fact' }, h('dt', {}, k), h('dd', {}, v));
}

// bodyEl shows the body: the server's sanitized HTML (rendered from
// Markdown, raw HTML removed) — the one place server HTML is inserted.
export function bodyEl(html, id = 'case-body') {
  const el = h('div', { class: 'case-prose', id });
  if (html) {
    el.innerHTML = html;
    wrapTables(el);
  } else {
    el.append(h('p', { class: 'muted' }, '正文为空。'));
  }
  return el;
}

// wrapTables puts each table in a box that scrolls sideways on a phone.
export function wrapTables(el) {
  for (const t of el.querySelectorAll('table')) {
    const wrap = h('div', { class: 'case-table-wrap', tabindex: '0', role: 'region', 'aria-label': '表格（可左右滑动）' });
    t.replaceWith(wrap);
    wrap.append(t);
  }
}

const PREVIEWABLE = /^(application\/pdf|image\/(png|jpeg))/;

export function fileKind(f) {
  const m = f.mime || '';
  if (m.includes('pdf')) return 'PDF';
  if (m.startsWith('image/')) return '图片';
  if (m.includes('wordprocessing') || /\.(docx|wps)$/i.test(f.name)) return '文档';
  if (m.includes('spreadsheet')) return '表格';
  if (m.includes('presentation')) return '演示文稿';
  if (/\.ofd$/i.test(f.name)) return 'OFD';
  if (m.includes('zip')) return '压缩包';
  if (m.startsWith('text/')) return '文本';
  return '文件';
}

function filesCard(files) {
  const error = errorBox('case-files-error');
  const open = async (ev, f, inline) => {
    const b = ev.currentTarget;
    replace(error);
    busy(b, true, inline ? '正在打开…' : '正在下载…');
    try {
      await openFile(f.id, { inline });
    } catch (err) {
      const e = describeError(err);
      if (e.status !== 401) showError(error, `“${f.name}”：${e.message}`, e.hint);
    } finally {
      busy(b, false);
    }
  };
  return h('section', { class: 'card', id: 'case-files', 'aria-labelledby': 'case-files-title' },
    h('div', { class: 'card-head' },
      h('h2', { class: 'card-title', id: 'case-files-title' }, '附件'),
      h('span', { class: 'card-count' }, `${formatCount(files.length)} 个`)),
    files.length ? h('ul', { class: 'case-files' }, files.map((f) => h('li', { class: 'case-file', 'data-file': f.id },
      icon('doc', 'icon case-file-icon'),
      h('span', { class: 'case-file-info' },
        h('span', { class: 'case-file-name' }, f.name),
        h('span', { class: 'muted case-file-size' }, `${fileKind(f)} · ${formatSize(f.size)}`)),
      h('span', { class: 'actions case-file-actions' },
        h('button', { type: 'button', class: 'btn btn-secondary btn-sm', 'aria-label': `下载 ${f.name}`, onclick: (ev) => open(ev, f, false) }, '下载'),
        PREVIEWABLE.test(f.mime || '') ? h('button', {
          type: 'button', class: 'btn btn-quiet btn-sm', 'aria-label': `预览 ${f.name}`, onclick: (ev) => open(ev, f, true),
        }, '预览') : null))))
      : h('p', { class: 'empty' }, '没有附件。'),
    error);
}

function entitiesCard(list) {
  if (!list.length) return null;
  return h('section', { class: 'card', id: 'case-entities', 'aria-labelledby': 'case-entities-title' },
    h('h2', { class: 'card-title case-card-title', id: 'case-entities-title' }, '关联主体'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '类型'), h('th', { scope: 'col' }, '号码'), h('th', { scope: 'col' }, '名称'))),
      h('tbody', {}, list.map((x) => h('tr', {},
        h('td', { class: 'nowrap' }, ENTITY_KINDS[x.kind] || x.kind),
        h('td', { class: 'case-number' }, x.number, x.masked ? h('span', { class: 'sr-only' }, '（已脱敏）') : null),
        h('td', {}, x.name || '—')))))));
}

// confirmInline swaps a button for the question with 确定/取消.
export function confirmInline(button, question, yesText, onYes) {
  const yes = h('button', { type: 'button', class: 'btn btn-danger btn-sm', id: `${button.id}-yes` }, yesText);
  const no = h('button', { type: 'button', class: 'btn btn-quiet btn-sm', id: `${button.id}-no` }, '取消');
  const slot = h('div', { class: 'confirm case-confirm', role: 'group', 'aria-label': question },
    h('p', {}, question), h('div', { class: 'actions' }, yes, no));
  button.replaceWith(slot);
  yes.focus();
  no.addEventListener('click', () => { slot.replaceWith(button); button.focus(); });
  yes.addEventListener('click', async () => {
    no.disabled = true;
    await onYes(yes);
    if (slot.isConnected && !yes.disabled) { slot.replaceWith(button); }
    else if (slot.isConnected) { no.disabled = false; }
  });
}

// filesList is a module page's attachment list with download buttons
// (notices, documents); errors show under it.
export function filesList(files, id) {
  if (!files.length) return null;
  const error = errorBox(`${id}-error`);
  const open = async (ev, f) => {
    const b = ev.currentTarget;
    replace(error);
    busy(b, true, '正在下载…');
    try {
      await openFile(f.id);
    } catch (err) {
      const e = describeError(err);
      if (e.status !== 401) showError(error, `“${f.name}”：${e.message}`, e.hint);
    } finally {
      busy(b, false);
    }
  };
  return h('div', {}, h('ul', { class: 'case-files', id }, files.map((f) => h('li', { class: 'case-file', 'data-file': f.id },
    icon('doc', 'icon case-file-icon'),
    h('span', { class: 'case-file-info' },
      h('span', { class: 'case-file-name' }, f.name),
      h('span', { class: 'muted case-file-size' }, `${fileKind(f)} · ${formatSize(f.size)}`)),
    h('span', { class: 'actions case-file-actions' },
      h('button', { type: 'button', class: 'btn btn-secondary btn-sm', 'aria-label': `下载 ${f.name}`, onclick: (ev) => open(ev, f) }, '下载'))))),
  error);
}

// Suggestions under a search box (an ARIA combobox): while typing, the
// titles and case tags the user may see (GET /api/gov/search/suggest); in
// an empty box, their recent searches (GET /api/gov/search/recent, with
// 清除). Arrow keys move, Enter picks, Escape closes. A title opens its
// page; a tag or a recent search is searched (search(text)).

import { pb } from './api.js';
import { h, replace } from './dom.js';

let seq = 0;

export function attachSuggest(input, search) {
  const id = `${input.id}-suggest`;
  const list = h('ul', { class: 'suggest-list', id, role: 'listbox', hidden: true, 'aria-label': '搜索建议' });
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', id);
  input.after(list);
  let options = [];
  let active = -1;
  let timer = 0;
  let mine = 0;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const mark = (i) => {
    options.forEach((o, k) => o.el.setAttribute('aria-selected', String(k === i)));
    active = i;
    if (i >= 0) input.setAttribute('aria-activedescendant', options[i].el.id);
    else input.removeAttribute('aria-activedescendant');
  };
  const pick = (o) => {
    close();
    if (o.clear) {
      pb.send('/api/gov/search/recent', { method: 'DELETE' }).catch(() => {});
      return;
    }
    if (o.link) window.location.hash = o.link;
    else search(o.text);
  };
  const show = (items) => {
    options = items.map((it, i) => {
      const el = h('li', { id: `${id}-${i}`, role: 'option', class: `suggest-item suggest-${it.kind}`, 'aria-selected': 'false' },
        it.kind === 'tag' ? h('span', { class: 'tag tag-muted' }, '标签') : null,
        it.kind === 'recent' ? h('span', { class: 'muted suggest-kind' }, '最近') : null,
        it.spans ? it.spans.map((s) => (s.hit ? h('mark', { class: 'case-hit' }, s.text) : s.text)) : it.text);
      const o = { ...it, el };
      el.addEventListener('mousedown', (ev) => ev.preventDefault()); // keep the focus in the box
      el.addEventListener('click', () => pick(o));
      return o;
    });
    replace(list, options.map((o) => o.el));
    list.hidden = options.length === 0;
    input.setAttribute('aria-expanded', String(options.length > 0));
    active = -1;
  };
  const fetchNow = async () => {
    const q = input.value.trim();
    const n = ++seq;
    mine = n;
    try {
      if (!q) {
        const res = await pb.send('/api/gov/search/recent', { method: 'GET' });
        if (mine !== n || document.activeElement !== input) return;
        const items = (res?.items || []).map((text) => ({ kind: 'recent', text }));
        show(items.length ? [...items, { kind: 'clear', text: '清除搜索记录', clear: true }] : []);
        return;
      }
      const res = await pb.send('/api/gov/search/suggest', { method: 'GET', query: { q } });
      if (mine !== n || document.activeElement !== input) return;
      show(res?.items || []);
    } catch {
      if (mine === n) close(); // suggestions are a convenience: no error shown
    }
  };
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(fetchNow, 150); });
  input.addEventListener('focus', () => { if (!input.value.trim()) fetchNow(); });
  input.addEventListener('blur', () => setTimeout(close, 100));
  input.addEventListener('keydown', (ev) => {
    if (list.hidden) return;
    if (ev.key === 'ArrowDown') { ev.preventDefault(); mark((active + 1) % options.length); }
    else if (ev.key === 'ArrowUp') { ev.preventDefault(); mark(active <= 0 ? options.length - 1 : active - 1); }
    else if (ev.key === 'Escape') { close(); }
    else if (ev.key === 'Enter' && active >= 0) { ev.preventDefault(); pick(options[active]); }
  });
  return { close };
}

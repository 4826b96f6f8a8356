// Small DOM helpers. Everything the UI shows is built as elements and text
// nodes: user content never goes through innerHTML, and no style attributes
// are written (the CSP forbids inline styles; classes carry the look).

const SVG_NS = 'http://www.w3.org/2000/svg';

// h builds an element: h('a', {href: '#/x', class: 'link'}, 'text', child).
// Attribute values of false/null/undefined are left out; on* keys bind
// listeners; children may be strings, nodes, arrays or null.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'style') {
      throw new Error('dom: inline style attributes are forbidden by the CSP');
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// replace empties a container and appends new children.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// Icons: simple 24×24 line drawings, decorative (aria-hidden).
const ICONS = {
  home: 'M3 11l9-7 9 7M5 10v10h5v-6h4v6h5V10',
  book: 'M4 5a2 2 0 012-2h13v16H6a2 2 0 00-2 2zM4 21V5M8 7h7',
  megaphone: 'M3 10v4h3l6 4V6L6 10zM16 9a4 4 0 010 6M19 6a8 8 0 010 12',
  doc: 'M6 3h9l4 4v14H6zM14 3v5h5M9 13h7M9 17h7',
  cap: 'M2 9l10-5 10 5-10 5zM6 11v5c3 3 9 3 12 0v-5M22 9v6',
  search: 'M11 4a7 7 0 100 14 7 7 0 000-14zM16 16l5 5',
  contacts: 'M5 3h13a1 1 0 011 1v16a1 1 0 01-1 1H5zM9 3v18M12 9a2 2 0 104 0 2 2 0 00-4 0M11 16c1-2 5-2 6 0',
  gear: 'M12 9a3 3 0 100 6 3 3 0 000-6zM12 2v3M12 19v3M2 12h3M19 12h3M5 5l2 2M17 17l2 2M5 19l2-2M17 7l2-2',
  bell: 'M6 16V11a6 6 0 0112 0v5l2 2H4zM10 20a2 2 0 004 0',
  todo: 'M9 5h11M9 12h11M9 19h11M4 5l1 1 2-2M4 12l1 1 2-2M4 19l1 1 2-2',
  user: 'M12 4a4 4 0 100 8 4 4 0 000-8zM4 21c1-4 5-6 8-6s7 2 8 6',
  build: 'M3 21h18M5 21V10l7-5 7 5v11M9 21v-6h6v6',
  alert: 'M12 3a9 9 0 100 18 9 9 0 000-18zM12 8v5M12 16v.5',
  logout: 'M14 4h5v16h-5M10 8l-4 4 4 4M6 12h10',
};

// icon returns a decorative SVG icon by name.
export function icon(name, cls = 'icon') {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', ICONS[name] || ICONS.doc);
  svg.append(path);
  return svg;
}

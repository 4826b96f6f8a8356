// Form helpers shared by the step pages and 账号安全: a labelled input
// with its error line under it, and the form-level error box.

import { h, icon, replace } from './dom.js';

// field builds {input, hint, wrap}: the label above, the error under the
// input (aria-describedby), an optional help line.
export function field(id, label, attrs = {}, help = '') {
  const hint = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
  const helpEl = help ? h('p', { id: `${id}-help`, class: 'field-help' }, help) : null;
  const describedBy = [help ? `${id}-help` : '', `${id}-error`].filter(Boolean).join(' ');
  const input = h('input', { id, name: id, class: 'input', required: true, 'aria-describedby': describedBy, ...attrs });
  const wrap = h('div', { class: 'field' },
    h('label', { for: id, class: 'label' }, label, h('span', { class: 'required', 'aria-hidden': 'true' }, ' *')),
    input, helpEl, hint);
  return { input, hint, wrap, help: helpEl };
}

// fieldError shows message under the field; returns true for chaining.
export function fieldError(f, message) {
  f.hint.textContent = message;
  f.hint.hidden = false;
  f.input.setAttribute('aria-invalid', 'true');
  return true;
}

export function clearErrors(fields, error) {
  for (const f of fields) {
    f.hint.textContent = '';
    f.hint.hidden = true;
    f.input.removeAttribute('aria-invalid');
  }
  if (error) replace(error);
}

export function errorBox(id) {
  return h('div', { id, class: 'form-error', role: 'alert', 'aria-live': 'assertive' });
}

export function showError(el, message, hint) {
  replace(el,
    h('p', { class: 'form-error-message' }, icon('alert', 'icon icon-sm'), message),
    hint ? h('p', { class: 'form-error-hint' }, hint) : null);
}

// busy disables a button while a request runs, with a word saying so.
export function busy(button, on, busyText) {
  if (on) {
    button.dataset.label = button.dataset.label || button.textContent;
    button.textContent = busyText || '请稍候…';
  } else if (button.dataset.label) {
    button.textContent = button.dataset.label;
  }
  button.disabled = on;
  button.setAttribute('aria-busy', on ? 'true' : 'false');
}

// applyFieldErrors puts the server's per-field words under the named
// fields (map: server field name → field); returns the first field hit.
export function applyFieldErrors(e, map) {
  let first = null;
  for (const [name, f] of Object.entries(map)) {
    if (f && e.fields[name]) {
      fieldError(f, e.fields[name]);
      first = first || f;
    }
  }
  return first;
}

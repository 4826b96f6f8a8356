// The API client: the official PocketBase SDK (vendored, see
// vendor/VERSIONS) pointed at this origin, plus the mapping of the API's
// error shape {status, code, message, data:{field:{code,message}}} to the
// words the UI shows.

import PocketBase, { LocalAuthStore } from '../vendor/pocketbase.es.mjs';

// The token and user record live in localStorage under this key, shared by
// the tabs of this origin (signing out in one signs out all).
export const AUTH_KEY = 'govcollab_auth';

export const pb = new PocketBase('/', new LocalAuthStore(AUTH_KEY));

// Views may load several things at once; the SDK would otherwise cancel
// a request when the same one starts again.
pb.autoCancellation(false);

// SIGNED_OUT is dispatched on window when the server answers 401 to a
// signed-in call (the session ended, idled out or was closed elsewhere).
export const SIGNED_OUT = 'gov:signed-out';

// STEP_REQUIRED is dispatched on window when the server answers 403
// step_required: the session still owes a step (detail.steps lists them).
export const STEP_REQUIRED = 'gov:step-required';

// The steps a restricted session still owes, kept beside the token so a
// reload returns to the step page.
const STEPS_KEY = 'govcollab_steps';
export const STEP_ORDER = ['password_change', 'totp_enrol', 'totp'];

export function pendingSteps() {
  try {
    const v = JSON.parse(localStorage.getItem(STEPS_KEY) || '[]');
    return Array.isArray(v) ? sortSteps(v) : [];
  } catch {
    return [];
  }
}

export function setPendingSteps(steps) {
  const list = sortSteps(steps || []);
  if (list.length) localStorage.setItem(STEPS_KEY, JSON.stringify(list));
  else localStorage.removeItem(STEPS_KEY);
  return list;
}

// sortSteps keeps the known steps in the order they are done, unknown ones last.
function sortSteps(steps) {
  const rank = (s) => (STEP_ORDER.includes(s) ? STEP_ORDER.indexOf(s) : STEP_ORDER.length);
  return [...new Set(steps.filter((s) => typeof s === 'string' && s))].sort((a, b) => rank(a) - rank(b));
}

let signingOut = false;

pb.afterSend = (response, data) => {
  if (response.status === 401 && pb.authStore.token && !signingOut) {
    pb.authStore.clear();
    setPendingSteps([]);
    window.dispatchEvent(new CustomEvent(SIGNED_OUT, { detail: describeError({ status: 401, response: data }) }));
  } else if (response.status === 403 && data?.code === 'step_required') {
    const owed = data.data && typeof data.data === 'object' ? Object.keys(data.data) : [];
    const steps = setPendingSteps(owed.length ? owed : pendingSteps());
    window.dispatchEvent(new CustomEvent(STEP_REQUIRED, { detail: { steps } }));
  }
  return data;
};

// login signs in with a username (any case) or email and a password.
// require lists the steps the server still asks for (password_change,
// totp, totp_enrol); the token is restricted until they are done.
export async function login(identity, password) {
  const res = await pb.collection('users').authWithPassword(identity, password);
  const require = setPendingSteps(Array.isArray(res.meta?.require) ? res.meta.require : []);
  return { record: res.record, require };
}

// fetchMe returns GET /api/gov/me: the user, unit, roles, grants, demo.
// fetchInfo reads the public facts of the server (e.g. demo mode).
export function fetchInfo() {
  return pb.send('/api/gov/info', { method: 'GET', requestKey: null });
}

export function fetchMe() {
  return pb.send('/api/gov/me', { method: 'GET' });
}

// logout ends the session on the server, then forgets the token here even
// if the server could not be reached. It resolves to true when the server
// confirmed the end of the session (or it had already ended).
export async function logout() {
  const token = pb.authStore.token;
  if (!token) return true;
  signingOut = true;
  try {
    await pb.send('/api/gov/logout', { method: 'POST', headers: { Authorization: token } });
    return true;
  } catch (err) {
    return err?.status === 401; // already ended on the server
  } finally {
    signingOut = false;
    pb.authStore.clear();
    setPendingSteps([]);
  }
}

// keepToken stores a token the server re-issued (e.g. after a password
// change) in place of the current one.
function keepToken(body) {
  if (body && typeof body.token === 'string' && body.token) {
    pb.authStore.save(body.token, body.record || pb.authStore.record);
  }
  return body;
}

// ---- account security (/api/gov/auth/*, /api/gov/sessions) ----

// owedSteps asks the server which steps this session still owes: an
// ordinary call answers 403 step_required naming them while any is owed.
export async function owedSteps() {
  try {
    await pb.send('/api/gov/units', { method: 'GET', query: { perPage: 1 }, requestKey: null });
    return setPendingSteps([]);
  } catch (err) {
    const body = err?.response || {};
    if (err?.status === 403 && body.code === 'step_required') {
      const owed = body.data && typeof body.data === 'object' ? Object.keys(body.data) : [];
      return setPendingSteps(owed.length ? owed : pendingSteps());
    }
    if (err?.status === 401) throw err;
    return setPendingSteps([]); // any other answer: nothing is owed
  }
}

export const passwordPolicy = () => pb.send('/api/gov/auth/password-policy', { method: 'GET' });

export async function changePassword(oldPassword, newPassword) {
  return keepToken(await pb.send('/api/gov/auth/password', { method: 'POST', body: { old: oldPassword, new: newPassword } }));
}

// totpEnrol asks for a new secret; a user who already has a factor proves
// it first with a current code (or a recovery code).
export const totpEnrol = (code) => pb.send('/api/gov/auth/totp/enrol', { method: 'POST', body: code ? { code } : {} });

// totpStatus is GET /api/gov/auth/totp: {enrolled, confirmed_at, required, recovery_codes_left}.
export const totpStatus = () => pb.send('/api/gov/auth/totp', { method: 'GET' });

export async function totpConfirm(code) {
  return keepToken(await pb.send('/api/gov/auth/totp/enrol/confirm', { method: 'POST', body: { code } }));
}

export async function totpVerify(code) {
  return keepToken(await pb.send('/api/gov/auth/totp', { method: 'POST', body: { code } }));
}

export const listSessions = (page = 1, perPage = 50) =>
  pb.send('/api/gov/sessions', { method: 'GET', query: { page, perPage } });

export const endSession = (id) => pb.send(`/api/gov/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });

// ---- audit (auditor only) ----

// cleanQuery drops empty filter values.
function cleanQuery(q) {
  const out = {};
  for (const [k, v] of Object.entries(q || {})) if (v !== '' && v !== null && v !== undefined) out[k] = v;
  return out;
}

export const listAudit = (query) => pb.send('/api/gov/audit', { method: 'GET', query: cleanQuery(query) });

export const verifyAudit = () => pb.send('/api/gov/audit/verify', { method: 'GET' });

// downloadAudit fetches the audit export and saves it.
export function downloadAudit(format, query) {
  const params = new URLSearchParams({ ...cleanQuery(query), format });
  return downloadFile(`/api/gov/audit/export?${params}`, `audit-${new Date().toISOString().slice(0, 10)}.${format}`);
}

// downloadFile fetches a protected file with the token (a plain link cannot
// carry it) and saves it through a Blob URL under the server's file name.
export async function downloadFile(path, fallbackName) {
  const res = await fetch(path, { headers: { Authorization: pb.authStore.token }, credentials: 'same-origin' });
  if (!res.ok) {
    let body = {};
    try { body = await res.json(); } catch { /* not JSON */ }
    pb.afterSend(res, body);
    throw { status: res.status, response: body };
  }
  const blob = await res.blob();
  const disposition = res.headers.get('Content-Disposition') || '';
  const m = /filename\*=UTF-8''([^;]+)|filename="?([^";]+)"?/i.exec(disposition);
  let name = fallbackName;
  if (m) {
    try { name = decodeURIComponent(m[1] || m[2]); } catch { name = m[2] || name; }
  }
  saveBlob(blob, name);
  return { name, size: blob.size };
}

// uploadFile sends one file to the file service → {id, name, size, sha256,
// mime}; the server checks its type by content, its size and 密级 marks.
export function uploadFile(file) {
  const body = new FormData();
  body.append('file', file, file.name);
  return pb.send('/api/gov/files', { method: 'POST', body });
}

// openFile asks for a short signed URL of an attachment (the download is
// audited) and lets the browser fetch it: a download, or in a new tab for
// a PDF or image when inline.
export async function openFile(id, { inline = false } = {}) {
  const { url } = await pb.send(`/api/gov/files/${encodeURIComponent(id)}?as=json${inline ? '&inline=1' : ''}`, {});
  if (inline) {
    window.open(url, '_blank', 'noopener');
  } else {
    const a = document.createElement('a');
    a.href = url;
    a.rel = 'noopener';
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
  }
  return url;
}

// saveBlob hands a Blob to the browser as a download.
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export const isSignedIn = () => pb.authStore.isValid;

// Messages for answers without a usable body (network down, proxies).
const FALLBACK = {
  0: '无法连接服务器，请检查网络连接后重试。',
  400: '输入有误，请检查后重试。',
  401: '请先登录。',
  403: '您的角色无权进行此类操作。',
  404: '对象不存在或无权查看。',
  409: '操作冲突，请刷新后重试。',
  413: '请求内容过大。',
  429: '请求过于频繁，请稍后再试。',
  500: '服务器内部错误，请稍后重试。',
  503: '依赖的服务暂不可用，请稍后重试。',
};

// Extra words for codes the UI explains beyond the server's sentence.
const HINTS = {
  demo_disabled: '演示账号只在演示环境中开放。请使用您的正式账号登录，或联系系统管理员。',
  session_ended: '为保障安全，会话在退出、超时或在别处结束后失效。请重新登录。',
};

// describeError turns an SDK ClientResponseError (or anything thrown) into
// {status, code, message, hint, fields}: message is the server's words when
// it sent any; fields maps an input name to its problem.
export function describeError(err) {
  const status = typeof err?.status === 'number' ? err.status : 0;
  const body = err?.response && typeof err.response === 'object' ? err.response : {};
  const code = typeof body.code === 'string' ? body.code : '';
  const fields = {};
  if (body.data && typeof body.data === 'object') {
    for (const [name, v] of Object.entries(body.data)) {
      if (v && typeof v.message === 'string') fields[name] = v.message;
    }
  }
  const message = (typeof body.message === 'string' && body.message)
    || FALLBACK[status] || FALLBACK[status >= 500 ? 500 : 400];
  return { status, code, message, hint: HINTS[code] || '', fields, aborted: !!err?.isAbort };
}

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

let signingOut = false;

pb.afterSend = (response, data) => {
  if (response.status === 401 && pb.authStore.token && !signingOut) {
    pb.authStore.clear();
    window.dispatchEvent(new CustomEvent(SIGNED_OUT, { detail: describeError({ status: 401, response: data }) }));
  }
  return data;
};

// login signs in with a username (any case) or email and a password.
// require lists the steps the server still asks for (password_change,
// totp, totp_enrol); the token is restricted until they are done.
export async function login(identity, password) {
  const res = await pb.collection('users').authWithPassword(identity, password);
  return { record: res.record, require: Array.isArray(res.meta?.require) ? res.meta.require : [] };
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
  }
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

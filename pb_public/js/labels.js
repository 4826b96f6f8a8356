// The words staff see for the codes the API uses, and date formatting
// (business dates are in Asia/Shanghai, shown as 2026-11-23).

export const LEVELS = {
  province: '省级',
  city: '市级',
  county: '县级',
  township: '乡镇级',
};

export const ROLES = {
  staff: '工作人员',
  leader: '负责人',
  reviewer: '知识审核员',
  clerk: '收发员',
  trainer: '培训管理员',
  hr: '组织人事',
  sysadmin: '系统管理员',
  secadmin: '安全管理员',
  auditor: '安全审计员',
};

// GRANT_KINDS: 兼职 (concurrent post), 挂职 (secondment), 代理 (acting).
export const GRANT_KINDS = {
  concurrent: '兼职',
  secondment: '挂职',
  acting: '代理',
};

// ADMIN_ROLES are the three separated administrators (三员) who see 管理.
export const ADMIN_ROLES = ['sysadmin', 'secadmin', 'auditor'];

export const levelName = (code) => LEVELS[code] || code || '';
export const roleName = (code) => ROLES[code] || code || '';
export const grantKindName = (code) => GRANT_KINDS[code] || code || '';

const TZ = 'Asia/Shanghai';
const WEEKDAYS = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'];

// toDate reads PocketBase timestamps ("2026-11-23 08:00:00.000Z") and RFC 3339.
export function toDate(value) {
  if (!value) return null;
  if (value instanceof Date) return value;
  const d = new Date(String(value).replace(' ', 'T'));
  return Number.isNaN(d.getTime()) ? null : d;
}

function parts(d) {
  const out = {};
  const fmt = new Intl.DateTimeFormat('en-CA', {
    timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short',
  });
  for (const p of fmt.formatToParts(d)) out[p.type] = p.value;
  return out;
}

// formatDate shows a date as 2026-11-23 (Asia/Shanghai); '' when empty.
export function formatDate(value) {
  const d = toDate(value);
  if (!d) return '';
  const p = parts(d);
  return `${p.year}-${p.month}-${p.day}`;
}

// weekday gives 星期一 … for a date in Asia/Shanghai.
export function weekday(value) {
  const d = toDate(value);
  if (!d) return '';
  const idx = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts(d).weekday);
  return WEEKDAYS[idx] || '';
}

// today is the current business date, e.g. 2026-11-23.
export const today = () => formatDate(new Date());

// formatDateTime shows a time as 2026-11-23 14:05 (Asia/Shanghai); '' when empty.
export function formatDateTime(value) {
  const d = toDate(value);
  if (!d) return '';
  const fmt = new Intl.DateTimeFormat('en-CA', {
    timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  const p = {};
  for (const x of fmt.formatToParts(d)) p[x.type] = x.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

// formatCount shows a number with thousands separators (1,234).
export const formatCount = (n) => Number(n || 0).toLocaleString('zh-CN');

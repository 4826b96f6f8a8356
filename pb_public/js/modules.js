// The modules of the left menu and the phone tab bar, with what each page
// will hold once built (shown on its 建设中 placeholder), and the hash
// routes (#/workbench, #/cases?q=…).

import { ADMIN_ROLES } from './labels.js';

// MENU is the left menu, in the order staff know it.
export const MENU = [
  {
    id: 'workbench', title: '工作台', icon: 'home',
  },
  {
    id: 'cases', title: '经验案例', icon: 'book', subroutes: true, // views/cases.js: #/cases/new, /{id}, /{id}/edit, /mine, /queue, /feed, /bookmarks, /follows
    intro: '各级单位共享的办事经验和典型案例。',
    planned: [
      '浏览本单位、本系统和全省共享的经验案例，按标签、单位、条线筛选',
      '撰写案例、上传附件并提交审核，审核通过后按范围发布',
      '评论、点赞和收藏，关注新发布的案例',
    ],
  },
  {
    id: 'notices', title: '通知公告', icon: 'megaphone', subroutes: true, // views/notices.js: #/notices/pending, /sent, /all, /new, /{id}, /{id}/receipts
    intro: '上级和本单位发布的通知、通报、公告和会议通知。',
    planned: [
      '查看发给您和本单位的通知，特急、加急排在前面',
      '对需要确认的通知一键确认收到',
      '发布者查看各单位的阅读和确认回执',
    ],
  },
  {
    id: 'docs', title: '公文办理', icon: 'doc', subroutes: true, // views/docs.js: #/docs/done, /sent, /all, /new, /{id}, /{id}/edit, /{id}/print
    intro: '发文、收文、签报、请示、函和纪要的电子审批。',
    planned: [
      '起草公文，按流程送审、会签、签发',
      '查看每份公文的流转记录和办理意见',
      '签发后自动编号（如 东政办发〔2026〕3号），按国家标准版式打印',
    ],
  },
  {
    id: 'training', title: '培训学习', icon: 'cap', subroutes: true, // views/training.js: #/training/me, /compliance
    intro: '培训课程、签到测验和个人培训台账。',
    planned: [
      '报名课程、现场签到和在线测验',
      '查看个人培训台账和本年度学时完成情况',
      '培训管理员和组织人事查看达标统计并导出',
    ],
  },
  {
    id: 'search', title: '搜索', icon: 'search', // views/search.js
    intro: '在经验案例、通知公告、公文和课程中统一检索。',
    planned: [
      '按关键词全文检索，只列出您有权查看的内容',
      '按类型、单位和时间筛选结果',
    ],
  },
  {
    id: 'contacts', title: '通讯录', icon: 'contacts', // views/contacts.js
    intro: '各级单位和工作人员的联系方式。',
    planned: [
      '按省、市、县、乡镇逐级浏览单位和人员',
      '按姓名或单位查找联系人；手机号按权限脱敏显示',
    ],
  },
  {
    id: 'admin', title: '管理', icon: 'gear', roles: ADMIN_ROLES,
    intro: '系统管理员、安全管理员和安全审计员（三员）的工作台。',
    planned: [
      '系统管理员：管理账号、单位和系统配置',
      '安全管理员：管理角色、授权、权限策略和账号解锁',
      '安全审计员：查看、核验和导出审计日志',
    ],
  },
];

// Pages reached from the phone tab bar only.
export const EXTRA = [
  {
    id: 'todo', title: '待办', icon: 'todo',
    intro: '需要您处理的事项汇总。',
    planned: [
      '待办公文：待审核、待会签、待签发',
      '待确认的通知和待审核的经验案例',
    ],
  },
  { id: 'me', title: '我的', icon: 'user' },
  { id: 'notifications', title: '消息通知', icon: 'bell' }, // views/notifications.js, the top bar's bell
  { id: 'account', title: '账号安全', icon: 'user' },
  { id: 'inbound', title: '收文登记', icon: 'doc', menu: 'docs' }, // views/docs_inbound.js (clerks)
  { id: 'workflows', title: '流程模板', icon: 'doc', menu: 'docs' }, // views/docs_workflows.js
  { id: 'mailboxes', title: '收文邮箱', icon: 'doc', menu: 'docs' }, // views/mailboxes.js (clerks)
  { id: 'checkin', title: '扫码签到', icon: 'cap', menu: 'training' }, // views/training_courses.js: the QR code's page
];

// Pages under 管理, each for the roles named.
export const ADMIN_PAGES = [
  { id: 'admin/audit', sub: 'audit', title: '安全审计', icon: 'doc', roles: ['auditor'],
    intro: '查看、核验和导出审计日志。' },
  // 系统管理员 (admin_org.js)
  { id: 'admin/units', sub: 'units', title: '单位管理', icon: 'build', roles: ['sysadmin'],
    intro: '单位树：新增、编辑、移动、停用单位。' },
  { id: 'admin/users', sub: 'users', title: '账号管理', icon: 'user', roles: ['sysadmin'],
    intro: '新建、停用、调动账号，重置密码。' },
  { id: 'admin/mailboxes', sub: 'mailboxes', title: '收文邮箱', icon: 'doc', roles: ['sysadmin'],
    intro: '各单位接收来文的电子邮箱：服务器、账号和连接状态。' },
  { id: 'admin/users/import', sub: 'users/import', title: '批量导入', icon: 'doc', roles: ['sysadmin'],
    intro: '从 Excel 模板批量创建账号。' },
  // 安全管理员 (admin_sec.js)
  { id: 'admin/roles', sub: 'roles', title: '角色授权', icon: 'user', roles: ['secadmin'],
    intro: '分配角色，解除登录锁定，重置动态口令。' },
  { id: 'admin/grants', sub: 'grants', title: '兼职授权', icon: 'contacts', roles: ['secadmin'],
    intro: '兼职、挂职和代理授权。' },
  { id: 'admin/policy', sub: 'policy', title: '访问策略', icon: 'doc', roles: ['secadmin'],
    intro: '编辑、校验和保存权限策略，查看版本历史。' },
  { id: 'admin/security', sub: 'security', title: '安全设置', icon: 'gear', roles: ['secadmin'],
    intro: '登录锁定、密码、会话、动态口令和保存期限。' },
];

// adminPagesFor lists the 管理 pages this user may open.
export const adminPagesFor = (me) => ADMIN_PAGES.filter((p) => mayOpen(p, me));

// TABS is the phone tab bar (≤ 600 px).
export const TABS = [
  { id: 'workbench', title: '工作台', icon: 'home' },
  { id: 'notices', title: '通知', icon: 'megaphone' },
  { id: 'todo', title: '待办', icon: 'todo' },
  { id: 'search', title: '搜索', icon: 'search' },
  { id: 'me', title: '我的', icon: 'user' },
];

export const DEFAULT_ROUTE = 'workbench';

// allRoles is the user's roles plus the roles of running grants.
export function allRoles(me) {
  const roles = new Set(me?.roles || []);
  for (const g of me?.grants || []) if (g.role) roles.add(g.role);
  return roles;
}

// mayOpen says whether the user's roles allow a module at all.
export function mayOpen(mod, me) {
  if (!mod.roles) return true;
  const roles = allRoles(me);
  return mod.roles.some((r) => roles.has(r));
}

// visibleMenu is the menu for this user (管理 only for the 三员).
export const visibleMenu = (me) => MENU.filter((m) => mayOpen(m, me));

export function findModule(id) {
  return MENU.find((m) => m.id === id) || EXTRA.find((m) => m.id === id) || null;
}

// parseHash reads "#/cases?q=税务" into {id: 'cases', sub: '', params};
// "#/admin/audit" gives {id: 'admin', sub: 'audit'}.
export function parseHash(hash = window.location.hash) {
  const raw = hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  const [first, ...rest] = path.split('/');
  return { id: first || DEFAULT_ROUTE, sub: rest.filter(Boolean).join('/'), params: new URLSearchParams(query) };
}

export const href = (id, params) => {
  const q = params ? new URLSearchParams(params).toString() : '';
  return `#/${id}${q ? `?${q}` : ''}`;
};

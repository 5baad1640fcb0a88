// Scenario 3: every entry of the menu, submenus included, opens a sound Chinese page without
// errors, for the administrator (who sees every entry, and every list of the admin behind
// 系统管理) and for a department liaison.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertSoundPage, launch, openPage, screenshot, signIn, url } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function menu(page) {
  return page.locator('#sidenav a').evaluateAll((links) => links.map((a) => ({
    title: a.textContent.trim(),
    href: a.getAttribute('href'),
    group: a.closest('.nav-group')?.querySelector('.nav-group-title')?.textContent.trim() ?? '',
  })));
}

function slug(href) {
  return href.replace(/^\/|\/$/g, '').replace(/[^a-z0-9]+/gi, '-') || 'home';
}

async function clickThrough(username, { shots }) {
  const page = await openPage(browser);
  await signIn(page, username);
  await page.goto(url('/'));
  const entries = await menu(page);
  assert.ok(entries.length >= 5, `${username}: 菜单项太少 (too few menu entries): ${entries.length}`);
  for (const entry of entries) {
    const what = `${username} › ${entry.group ? `${entry.group} › ` : ''}${entry.title}`;
    assert.match(entry.title, /[\u4e00-\u9fff]/, `${what}: 菜单文字不是中文 (menu text not Chinese)`);
    const link = page.locator(`#sidenav a[href="${entry.href}"]`);
    if (!(await link.count())) {
      // The Django admin has no side menu: go back to a page that has it.
      await page.goto(url('/'));
    }
    page.navigations.length = 0;
    await Promise.all([page.waitForURL(url(entry.href)), link.first().click()]);
    await page.waitForLoadState('load');
    assert.ok(page.navigations.length > 0, `${what}: 没有打开页面 (no navigation)`);
    for (const { url: address, status } of page.navigations) {
      assert.ok(status < 400, `${what}: HTTP ${status} ${address}`);
    }
    await assertSoundPage(page, what);
    if (shots) {
      await screenshot(page, `${username}-${slug(entry.href)}`);
    }
  }
  assert.deepEqual(page.problems, [], `${username}: 浏览器报错 (browser errors)`);
  return { entries, page };
}

test('管理员点遍全部菜单和系统管理的各类数据 (the administrator clicks through every menu entry and admin list)', async () => {
  const { entries, page } = await clickThrough('admin', { shots: true });
  const titles = entries.map((e) => e.title);
  for (const expected of ['首页', '执法行为', '执法主体', '执法人员', '权责清单', '数据导入',
    '监督预警', '系统管理']) {
    assert.ok(titles.includes(expected), `菜单缺少 (menu lacks) ${expected}: ${titles}`);
  }

  // Behind 系统管理, every list of the Django admin opens too.
  await page.goto(url('/admin/'));
  const lists = await page.locator('#content-main th[scope=row] a').evaluateAll(
    (links) => links.map((a) => ({ title: a.textContent.trim(), href: a.getAttribute('href') })));
  assert.ok(lists.length >= 8, `系统管理的数据类别太少 (too few admin lists): ${lists.length}`);
  for (const { title, href } of lists) {
    const response = await page.goto(url(href));
    assert.ok(response.status() < 400, `系统管理 › ${title}: HTTP ${response.status()}`);
    await assertSoundPage(page, `系统管理 › ${title}`);
    assert.match(title, /[\u4e00-\u9fff]/, `${href}: 名称不是中文 (name not Chinese)`);
  }
  assert.deepEqual(page.problems, [], '系统管理页面报错 (admin pages report errors)');
});

test('部门联络员点遍自己的菜单 (a liaison clicks through their menu)', async () => {
  const { entries } = await clickThrough('liaison', { shots: false });
  assert.ok(!entries.some((e) => e.title === '系统管理'), '联络员不应看到系统管理');
});

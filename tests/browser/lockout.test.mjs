// Scenario 6: five wrong passwords lock an account; then even the right one is refused, and the
// administrator sees the failures and the lock in the audit log.
//
// Runs last of all the browser tests: the five failures also lock the address they come from
// (127.0.0.1) for 15 minutes, so no one can sign in from it afterwards. The administrator signs
// in first; a lock stops new sign-ins, not sessions already open.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  assertSoundPage, launch, openPage, PASSWORD, screenshot, signIn, url,
} from './helpers.mjs';

const USERNAME = process.env.LOCK_USERNAME;
const LOCKED = '登录失败次数过多，已暂停登录，请 15 分钟后再试。';
const WRONG = '用户名或密码错误。';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function attempt(page, password) {
  await page.goto(url('/accounts/login/'));
  await page.fill('#id_username', USERNAME);
  await page.fill('#id_password', password);
  await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'),
    page.click('main button[type=submit]')]);
  await page.waitForLoadState('load');
  return page.locator('main').innerText();
}

test('五次密码错误锁定账户，审计日志可见 (five wrong passwords lock; the audit log shows it)',
  async () => {
    assert.ok(USERNAME, 'LOCK_USERNAME is not set');
    const admin = await openPage(browser);
    await signIn(admin, 'admin');

    const page = await openPage(browser);
    for (let n = 1; n <= 5; n += 1) {
      const text = await attempt(page, `${PASSWORD}-wrong-${n}`);
      assert.ok(text.includes(n < 5 ? WRONG : LOCKED), `第 ${n} 次 (attempt ${n}): ${text}`);
      assert.equal(new URL(page.url()).pathname, '/accounts/login/');
    }
    const sixth = await attempt(page, PASSWORD);
    assert.ok(sixth.includes(LOCKED), `正确密码也应被拒绝 (the right password is refused too): ${sixth}`);
    assert.equal(new URL(page.url()).pathname, '/accounts/login/');
    await page.goto(url('/'));
    assert.equal(new URL(page.url()).pathname, '/accounts/login/', '未登录 (not signed in)');
    await screenshot(page, 'login-locked');
    // Each refused sign-in answers 200 with the form again; nothing else may fail.
    assert.deepEqual(page.problems, []);

    // The administrator finds the audit log from the admin's index, and searches the account.
    await admin.goto(url('/admin/'));
    await Promise.all([admin.waitForURL((u) => u.pathname === '/admin/accounts/auditevent/'),
      admin.getByRole('link', { name: '审计日志' }).first().click()]);
    await assertSoundPage(admin, '审计日志');
    await admin.fill('#searchbar', USERNAME);
    await Promise.all([admin.waitForURL((u) => u.searchParams.get('q') === USERNAME),
      admin.press('#searchbar', 'Enter')]);
    const rows = await admin.locator('#result_list tbody tr').allInnerTexts();
    const failures = rows.filter((r) => r.includes('登录失败') && r.includes('用户名或密码错误'));
    const refused = rows.filter((r) => r.includes('登录失败') && r.includes('已锁定'));
    const locks = rows.filter((r) => r.includes('账户锁定'));
    assert.equal(failures.length, 5, rows.join('\n'));
    assert.equal(refused.length, 1, rows.join('\n'));
    assert.ok(locks.some((r) => r.includes(`账户 ${USERNAME} 在 15 分钟内登录失败 5 次`)), rows.join('\n'));
    assert.ok(rows.every((r) => r.includes(USERNAME)));
    await screenshot(admin, 'audit-log-lockout');
    assert.deepEqual(admin.problems, []);
  });

// Scenario 2: a supervisor signs in with the password, then the two-factor code, and lands on
// the dashboard.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  assertSoundPage, launch, openPage, passTwoFactor, PASSWORD, screenshot, url,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('监督员：密码 + 动态口令登录，进入首页 (supervisor: password, 2FA, dashboard)', async () => {
  const page = await openPage(browser);
  await page.goto(url('/'));
  await page.fill('#id_username', 'supervisor');
  await page.fill('#id_password', PASSWORD);
  await page.click('main button[type=submit]');
  await page.waitForURL((u) => u.pathname === '/accounts/two-factor/');
  await assertSoundPage(page, '动态口令页');
  assert.equal(await page.locator('h1').innerText(), '动态口令验证');
  await screenshot(page, 'two-factor');

  // Before the code, the rest of the site stays closed.
  await page.goto(url('/records/'));
  assert.equal(new URL(page.url()).pathname, '/accounts/two-factor/');

  // Wrong codes are left to the unit tests: every failure from this address counts towards
  // the address's lockout, which the lockout scenario needs to reach with its own five.
  await passTwoFactor(page, 'supervisor');
  assert.equal(new URL(page.url()).pathname, '/records/', 'back to the page first asked for');
  await page.goto(url('/'));
  await assertSoundPage(page, '首页');
  const header = await page.locator('header .who').innerText();
  assert.match(header, /区司法局监督员/);
  assert.match(header, /监督机构人员/);
  // The dashboard's charts are drawn (ECharts renders into a canvas).
  await page.locator('main canvas').first().waitFor({ timeout: 10_000 });
  await screenshot(page, 'home');
  await screenshot(page, 'home-screen', { fullPage: false });
  assert.deepEqual(page.problems, []);
});

// Scenario 7: on a phone (390×844) the dashboard and the records list fit the screen's width.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertSoundPage, launch, openPage, PHONE, screenshot, signIn, url } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

test('手机上首页和列表不横向溢出 (no horizontal overflow on a phone)', async () => {
  const page = await openPage(browser, { viewport: PHONE });
  await signIn(page, 'leader');
  for (const [path, name] of [['/', 'home-mobile'], ['/records/', 'records-mobile']]) {
    await page.goto(url(path));
    await page.waitForLoadState('networkidle');
    await assertSoundPage(page, path);
    assert.ok(await overflow(page) <= 1, `${path}: 横向溢出 (overflows by ${await overflow(page)} px)`);
    await screenshot(page, name);
    await screenshot(page, `${name}-screen`, { fullPage: false });
  }
  // The menu opens from its button on a narrow screen and still fits.
  await page.locator('.nav-toggle').click();
  await page.locator('#sidenav a').first().waitFor({ state: 'visible' });
  assert.ok(await overflow(page) <= 1, '打开菜单后横向溢出 (overflow with the menu open)');
  await screenshot(page, 'menu-mobile');
  assert.deepEqual(page.problems, []);
});

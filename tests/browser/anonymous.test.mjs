// Scenario 1: without signing in, every staff page sends the browser to the Chinese login page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertSoundPage, launch, openPage, screenshot, STAFF_URLS, url } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('匿名访问任何工作人员页面都转到登录页 (anonymous staff URLs redirect to login)', async () => {
  const page = await openPage(browser);
  assert.ok(STAFF_URLS.length >= 10, `too few staff URLs sampled: ${STAFF_URLS.length}`);
  for (const path of STAFF_URLS) {
    await page.goto(url(path));
    const landed = new URL(page.url());
    assert.equal(landed.pathname, '/accounts/login/', `${path} 未转到登录页 (not redirected): ${page.url()}`);
    assert.equal(landed.searchParams.get('next'), path, `${path}: next 参数不对 (wrong next)`);
    await assertSoundPage(page, path);
    assert.equal(await page.locator('h1').innerText(), '登录');
    assert.equal(await page.locator('label[for=id_username]').innerText(), '用户名');
  }
  await screenshot(page, 'login');
  assert.deepEqual(page.problems, []);
});

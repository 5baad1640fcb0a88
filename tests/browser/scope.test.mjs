// Scenarios 4 and 5: a department liaison sees only their agency's records, cannot open another
// agency's record by editing the address, and exports their list to Excel.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import {
  ARTIFACTS, assertSoundPage, launch, openPage, SCOPE, screenshot, signIn, url,
} from './helpers.mjs';

let browser;
let page;
before(async () => {
  browser = await launch();
  page = await openPage(browser, { acceptDownloads: true });
  await signIn(page, SCOPE.liaison);
});
after(async () => { await browser?.close(); });

test('联络员的执法行为列表只有本部门的记录 (the liaison list is scoped)', async () => {
  await page.goto(url('/records/'));
  await assertSoundPage(page, '执法行为列表');
  const agencies = await page.locator('main tbody td[data-label="执法主体"]').allInnerTexts();
  assert.ok(agencies.length > 0, '列表为空 (empty list)');
  for (const agency of new Set(agencies)) {
    assert.ok(SCOPE.agency_names.includes(agency), `${agency} 不在联络员的数据范围内 (out of scope)`);
  }
  const ids = await page.locator('main tbody td[data-label="记录编号"] a').allInnerTexts();
  for (const id of ids) {
    assert.ok(SCOPE.own_ids.includes(id), `${id} 不是本部门的记录 (not the liaison's agency)`);
  }
  assert.ok(!ids.includes(SCOPE.foreign_id));
  await screenshot(page, 'records-liaison');
  assert.deepEqual(page.problems, []);
});

test('改地址打开其他部门的记录得到 404 (another agency\'s record by URL is 404)', async () => {
  const own = await page.goto(url(`/records/item/${encodeURIComponent(SCOPE.own_ids[0])}`));
  assert.equal(own.status(), 200);
  await assertSoundPage(page, '本部门记录');
  const main = await page.locator('main').innerText();
  assert.ok(SCOPE.agency_names.some((name) => main.includes(name)), '记录页应显示本部门');

  const foreign = await page.goto(url(`/records/item/${encodeURIComponent(SCOPE.foreign_id)}`));
  assert.equal(foreign.status(), 404);
  const body = await page.locator('body').innerText();
  assert.ok(!body.includes(SCOPE.foreign_id), '404 页面不应透露记录内容 (404 must not show the record)');
  assert.ok(!body.includes(SCOPE.foreign_agency_name), '404 页面不应透露其他部门');
  page.problems.length = 0;  // the 404s above were asked for
});

test('从列表导出 Excel (export the list to Excel)', async () => {
  await page.goto(url('/records/'));
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('main a.btn-export').click(),
  ]);
  assert.match(download.suggestedFilename(), /^执法行为-\d{8}-\d{4}\.xlsx$/);
  const path = join(ARTIFACTS, 'records-liaison.xlsx');
  await download.saveAs(path);
  const bytes = readFileSync(path);
  // An .xlsx is a zip: local file header magic, and the workbook part inside it.
  assert.deepEqual([...bytes.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04]);
  assert.ok(bytes.includes(Buffer.from('xl/workbook.xml')), 'not a workbook');
  assert.deepEqual(page.problems, []);
});

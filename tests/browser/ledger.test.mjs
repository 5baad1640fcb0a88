// The ledger page: a leader finds a record's receipt, downloads it and brings it back to the
// 核验收据 form, as a file (it verifies) and as pasted text with one byte changed (it fails).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import {
  ARTIFACTS, SCOPE, assertSoundPage, launch, openPage, screenshot, signIn, url,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('下载存证收据并在存证页核验 (download a receipt and check it on the ledger page)', async () => {
  const page = await openPage(browser, { acceptDownloads: true });
  await signIn(page, 'leader');
  const record = SCOPE.own_ids[0];
  await page.goto(url(`/ledger/?q=${encodeURIComponent(record)}`));
  await assertSoundPage(page, '全过程记录存证');
  assert.ok(await page.locator('#found svg').count(), '没有收据二维码 (no QR code)');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('#found a.btn-export').last().click(),
  ]);
  assert.match(download.suggestedFilename(), /^receipt-record-\d{4}-\d+\.json$/);
  const path = join(ARTIFACTS, 'receipt.json');
  await download.saveAs(path);
  const receipt = readFileSync(path, 'utf8');
  assert.equal(JSON.parse(receipt).key, record);

  await page.setInputFiles('#receipt-check input[type=file]', path);
  await Promise.all([page.waitForURL((u) => u.pathname === '/ledger/receipt/verify/'),
    page.locator('#receipt-check button[type=submit]').click()]);
  await assertSoundPage(page, '核验收据');
  assert.match(await page.locator('#receipt-result').innerText(), /收据核验通过/);
  assert.match(await page.locator('#receipt-check').innerText(), new RegExp(record));
  await screenshot(page, 'ledger-receipt-checked');

  // The same receipt with one digit of its index changed, pasted as a QR scan would give it.
  const tampered = receipt.replace(/"index":(\d)/, (_, d) => `"index":${(Number(d) + 1) % 10}`);
  assert.notEqual(tampered, receipt);
  await page.fill('#receipt-check textarea', tampered.trim());
  await Promise.all([page.waitForLoadState('load'),
    page.locator('#receipt-check button[type=submit]').click()]);
  assert.match(await page.locator('#receipt-result').innerText(), /收据核验未通过/);
  assert.deepEqual(page.problems, []);
});

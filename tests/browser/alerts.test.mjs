// Scenario 8: a supervisor filters the alerts by rule, opens one and dismisses it with a reason;
// the next run of the rules (`jiandu check`) leaves it dismissed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import {
  assertSoundPage, jiandu, launch, openPage, screenshot, signIn, url,
} from './helpers.mjs';

const REASON = '经核实，该部门已于次日补正，属系统录入延迟（浏览器测试）';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('监督员按规则筛选、排除预警，再次运行规则后仍为已排除 (dismissed stays dismissed)',
  async () => {
    const page = await openPage(browser, { acceptDownloads: true });
    await signIn(page, 'supervisor');
    await page.goto(url('/monitoring/alerts/'));
    await assertSoundPage(page, '监督预警');

    const first = page.locator('#counts-by-rule a[data-rule]').first();
    const rule = await first.getAttribute('data-rule');
    const ruleName = (await first.innerText()).trim();
    // The filter form answers a change by itself (htmx) and puts the filter in the address.
    await Promise.all([page.waitForURL((u) => u.searchParams.get('rule') === rule),
      page.selectOption('#id_rule', rule)]);
    const rows = page.locator('#alerts-table tbody tr');
    await rows.first().waitFor();
    const rules = await page.locator('#alerts-table tbody td[data-label="规则"] .sub').allInnerTexts();
    assert.ok(rules.length > 0);
    assert.deepEqual([...new Set(rules)], [rule], '筛选后只剩该规则的预警 (only that rule is listed)');
    await screenshot(page, 'alerts-filtered');

    const link = page.locator('#alerts-table tbody tr td[data-label="编号"] a').first();
    const id = (await link.innerText()).trim();
    await Promise.all([page.waitForURL(url(`/monitoring/alerts/${id}/`)), link.click()]);
    // The alert page leads back to the filtered list it was opened from.
    const back = new URL(await page.locator('#back-to-list').getAttribute('href'), page.url());
    assert.equal(back.searchParams.get('rule'), rule);
    await assertSoundPage(page, `预警 ${id}`);
    assert.match(await page.locator('h1').innerText(), new RegExp(ruleName));
    assert.equal((await page.locator('#alert-status').innerText()).trim(), '待处理');

    await page.fill('#dismiss-form textarea', REASON);
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'),
      page.locator('#dismiss-form button[type=submit]').click()]);
    await page.waitForLoadState('load');
    assert.equal(new URL(page.url()).pathname, `/monitoring/alerts/${id}/`);
    assert.equal((await page.locator('#alert-status').innerText()).trim(), '已排除');
    assert.match(await page.locator('#dismiss-reason').innerText(), new RegExp(REASON.slice(0, 10)));

    // The rules run again over the same data: the alert is found again and kept as dismissed.
    const report = jiandu('check', '--as-of', '2026-07-15', '--year', '2025');
    assert.match(report, /规则运行 #\d+/);
    await page.reload();
    await assertSoundPage(page, `预警 ${id}`);
    assert.equal((await page.locator('#alert-status').innerText()).trim(), '已排除');
    assert.match(await page.locator('#dismiss-reason').innerText(), new RegExp(REASON.slice(0, 10)));
    await screenshot(page, 'alert-dismissed');

    // The dismissal is in the tamper-evident log: its receipt downloads from the history and
    // holds the reason as logged.
    const receiptLink = page.locator('#alert-history tbody tr').last().locator('a[href^="/ledger/receipt/"]');
    const [download] = await Promise.all([page.waitForEvent('download'), receiptLink.click()]);
    assert.match(download.suggestedFilename(), /^receipt-alert_event-\d{4}-\d+\.json$/);
    const receipt = JSON.parse(readFileSync(await download.path(), 'utf8'));
    const entry = JSON.parse(receipt.entry);
    assert.equal(entry.alert, Number(id));
    assert.equal(entry.action, 'dismiss');
    assert.equal(entry.note, REASON);
    assert.deepEqual(page.problems, []);
  });

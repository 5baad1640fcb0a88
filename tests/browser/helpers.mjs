// Shared by the browser tests: the browser, a page that records every error, sign-in with 2FA.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`环境变量 ${name} 未设置：请通过 pytest tests/test_browser.py 运行 (${name} is not set: run through pytest)`);
  }
  return value;
}

export const BASE_URL = required('BASE_URL');
export const PASSWORD = required('DEMO_PASSWORD');
export const ARTIFACTS = required('ARTIFACTS');
// What pytest read from the scratch database: the liaison's records and another agency's.
export const SCOPE = JSON.parse(required('JIANDU_SCOPE'));
export const STAFF_URLS = JSON.parse(required('STAFF_URLS'));
const JIANDU_CMD = JSON.parse(required('JIANDU_CMD'));
mkdirSync(ARTIFACTS, { recursive: true });

export const CHINESE = /[\u4e00-\u9fff]/;
export const DESKTOP = { width: 1366, height: 900 };
export const PHONE = { width: 390, height: 844 };

/** Run the `jiandu` command against the server's database; returns its standard output. */
export function jiandu(...args) {
  return execFileSync(JIANDU_CMD[0], [...JIANDU_CMD.slice(1), ...args],
    { env: process.env, encoding: 'utf8', timeout: 120_000 });
}

export function launch() {
  // Debian's chromium, never a downloaded one; no sandbox because CI runs as root in a container.
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/** A new page (own context, so own cookies) whose `problems` lists console errors, uncaught
 * exceptions (CSP violations among them) and failed responses, and `navigations` the status of
 * every main-frame navigation response. */
export async function openPage(browser, { viewport = DESKTOP, acceptDownloads = false } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads, locale: 'zh-CN' });
  const page = await context.newPage();
  page.problems = [];
  page.navigations = [];
  page.on('console', (message) => {
    if (message.type() === 'error') {
      page.problems.push(`console: ${message.text()} @ ${message.location().url}`);
    }
  });
  page.on('pageerror', (error) => page.problems.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) {
      page.navigations.push({ url: response.url(), status: response.status() });
    }
    if (response.status() >= 400) {
      page.problems.push(`HTTP ${response.status()}: ${response.url()}`);
    }
  });
  return page;
}

export function url(path) {
  return new URL(path, BASE_URL).href;
}

/** The whole page; with `{ fullPage: false }` the first screen only, as in docs/screenshots/. */
export async function screenshot(page, name, { fullPage = true } = {}) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
}

/** The page is a real page of the site: Chinese title and heading, no error page. */
export async function assertSoundPage(page, what) {
  const lang = await page.evaluate(() => document.documentElement.lang);
  assert.match(lang, /^zh/i, `${what}: 页面语言不是中文 (lang is ${lang})`);
  const title = await page.title();
  assert.match(title, CHINESE, `${what}: 标题不是中文 (title not Chinese): ${title}`);
  const h1 = page.locator('h1').first();
  if (await h1.count()) {
    assert.match(await h1.innerText(), CHINESE, `${what}: h1 不是中文 (h1 not Chinese)`);
  }
  const body = await page.locator('body').innerText();
  for (const sign of ['Server Error', 'Traceback', 'Page not found', 'Forbidden']) {
    assert.ok(!body.includes(sign), `${what}: 页面出错 (error page): ${sign}`);
  }
}

// django-otp refuses a code of a time step it has already accepted, and a refused code counts
// towards the lockout: so each account waits for a step it has not used yet. The steps used are
// kept in a file because each test file runs in a process of its own.
const OTP_STEPS = join(ARTIFACTS, '.otp-steps.json');
const STEP_MS = 30_000;

function usedSteps() {
  try {
    return JSON.parse(readFileSync(OTP_STEPS, 'utf8'));
  } catch {
    return {};
  }
}

async function freshCode(username) {
  const last = usedSteps()[username] ?? -1;
  const now = Date.now();
  if (Math.floor(now / STEP_MS) <= last) {
    await new Promise((resolve) => setTimeout(resolve, (last + 1) * STEP_MS - now + 1000));
  }
  const code = jiandu('otp_code', username).trim();
  // The code is of the step at some moment of the call: the one at its end is the latest.
  return { code, step: Math.floor(Date.now() / STEP_MS) };
}

function markUsed(username, step) {
  writeFileSync(OTP_STEPS, JSON.stringify({ ...usedSteps(), [username]: step }));
}

/** On the two-factor page: type the code `jiandu otp_code` prints, wait for the next page. */
export async function passTwoFactor(page, username) {
  const { code, step } = await freshCode(username);
  await page.fill('input[name=token]', code);
  await Promise.all([page.waitForURL((u) => u.pathname !== '/accounts/two-factor/'),
    page.click('main form button.btn-primary')]);
  markUsed(username, step);
}

/** Sign in with the demo password, and the second factor where the account has one. Resolves
 * once the page after sign-in has loaded. */
export async function signIn(page, username, { password = PASSWORD } = {}) {
  await page.goto(url('/accounts/login/'));
  await page.fill('#id_username', username);
  await page.fill('#id_password', password);
  await Promise.all([page.waitForURL((u) => u.pathname !== '/accounts/login/'),
    page.click('main button[type=submit]')]);
  if (new URL(page.url()).pathname === '/accounts/two-factor/') {
    await passTwoFactor(page, username);
  }
  assert.ok(!new URL(page.url()).pathname.startsWith('/accounts/'),
    `${username} 未能登录 (sign-in failed), 仍在 ${page.url()}`);
}

/**
 * End to end in a real browser: Debian's Chromium (headless, driven by playwright-core) on the web app
 * serving a Swahili student distilled here, an index of English documents encoded by the teacher and a
 * results folder. Screenshots go to test-output/web/ (gitignored). Skipped, with the reason in its name,
 * when /usr/bin/chromium is absent (`apt-get install chromium`; .ci/run installs it).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { buildWebFixture, type WebFixture } from './testing.ts';
import { WebApp } from './app.ts';
import { createWebServer, listen } from './server.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-output', 'web');

let fx: WebFixture;
let app: WebApp;
let server: Server;
let url: string;
let browser: Browser;
let page: Page;
const problems: string[] = [];

describe.skipIf(!HAVE_CHROMIUM)(HAVE_CHROMIUM ? 'web app in Chromium' : `web app in Chromium — SKIPPED: ${CHROMIUM} not found (apt-get install chromium)`, () => {
  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    fx = await buildWebFixture(mkdtempSync(join(tmpdir(), 'optical-e2e-')));
    app = await WebApp.open({ index: fx.index, model: fx.student, results: fx.results });
    server = createWebServer(app, { host: '127.0.0.1', log: (m) => problems.push(`server: ${m}`) });
    url = await listen(server, 0, '127.0.0.1');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    // console errors include Content-Security-Policy violations: the pages must not cause any
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
    mkdirSync(SHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
    await app?.close();
    if (fx) rmSync(fx.root, { recursive: true, force: true });
  });

  it('a Swahili query returns English documents, encoded by the student', async () => {
    await page.goto(url);
    await expect.poll(() => page.locator('#model option').count()).toBe(2);
    expect(await page.locator('#model').inputValue()).toBe('student');
    await page.fill('#query', 'Baba yangu anasoma kitabu');
    await page.click('#search-button');
    await page.locator('.result').first().waitFor();
    const first = page.locator('.result').first();
    expect(await first.locator('.text').textContent()).toBe('My father reads a book.');
    expect(await first.locator('.lang').textContent()).toBe('en');
    expect(Number(await first.locator('.score').textContent())).toBeGreaterThan(0);
    expect(await page.locator('.result').count()).toBe(10);
    expect(await page.locator('#status').textContent()).toMatch(/encoded by student optical-swh-ot/);
    await page.screenshot({ path: join(SHOTS, 'search.png'), fullPage: true });

    // the teacher alone does not understand the query: contrast, through the same page
    await page.selectOption('#model', 'teacher');
    await page.click('#search-button');
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/encoded by teacher use-lite/);
    expect(await page.locator('.result .text').first().textContent()).not.toBe('My father reads a book.');
  });

  it('the alignment explorer draws both plans as heatmaps with token labels; ε changes the plan', async () => {
    await page.goto(url + 'align.html');
    const cells = page.locator('#plan-student rect.cell');
    await cells.first().waitFor();
    const labels = await page.locator('#plan-student .col-label').allTextContents();
    expect(labels).toEqual(['▁My', '▁father', '▁read', 's', '▁a', '▁book', '.']);
    const rows = await page.locator('#plan-student .row-label').count();
    expect(rows).toBeGreaterThan(3);
    expect(await cells.count()).toBe(rows * labels.length);
    expect(await page.locator('#plan-teacher rect.cell').count()).toBeGreaterThan(0);
    expect(await page.locator('#plan-student table.pairs tbody tr').count()).toBe(10);
    // each row's shares sum to 1 (uniform mass per source token)
    const shares = await cells.evaluateAll((es) => es.map((e) => Number(e.getAttribute('data-share'))));
    for (let i = 0; i < rows; i++) expect(shares.slice(i * labels.length, (i + 1) * labels.length).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    const before = await page.locator('#plan-student .plan-cost').textContent();
    await page.screenshot({ path: join(SHOTS, 'align.png'), fullPage: true });

    await page.locator('#epsilon').evaluate((e: { value: string; dispatchEvent(ev: Event): boolean }) => {
      e.value = '-0.3';
      e.dispatchEvent(new Event('input'));
    });
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/ε = 0\.5/);
    const after = await page.locator('#plan-student .plan-cost').textContent();
    // a larger ε spreads the plan: its transport cost ⟨P, C⟩ grows
    expect(Number(after)).toBeGreaterThan(Number(before));
    await page.screenshot({ path: join(SHOTS, 'align-eps0.5.png'), fullPage: true });
  });

  it('the reports page renders the results folder: the table and the chart', async () => {
    await page.goto(url + 'reports.html');
    const table = page.locator('.markdown table');
    await table.waitFor();
    expect(await table.locator('tbody tr').nth(1).locator('td').allTextContents()).toEqual(['ot', '41.3%', '42.6%']);
    const chart = page.locator('.markdown img');
    await expect.poll(() => chart.evaluate((i: { complete: boolean; naturalWidth: number }) => i.complete && i.naturalWidth)).toBe(120);
    await page.screenshot({ path: join(SHOTS, 'reports.png'), fullPage: true });
    await page.click('text=dev/notes.txt');
    await expect.poll(() => page.locator('#report pre').textContent()).toBe('development notes\n');
  });

  it('no console errors, CSP violations or server errors on any page', () => {
    expect(problems).toEqual([]);
  });
});

/*
 * The JavaScript a browser downloads to show the catalog page and an entity page, ours against
 * the stock create-app frontend of the same Backstage release, in one run.
 *
 * Each app's built frontend is served the way it is in production: by its own built backend
 * (app-backend, image layout, local mode), on one origin with the API. Debian's Chromium
 * (playwright-core) opens the page in a fresh context (empty cache), signs in (ours: local mode's
 * user picker as the platform engineer; stock: the guest provider's "Enter"), waits until the page
 * shows its content (catalog: a table row linking to a component; entity page: the About
 * card) and the network is idle, and records every response. For each JavaScript
 * response the body is gzipped here (zlib, level 6, what web servers and CDNs commonly use),
 * so the figures do not depend on how the backend compresses.
 *
 * Usage: bench/frontend-size.sh [--ours DIR] [--stock DIR]   (image layouts)
 */
import zlib from 'node:zlib';
import path from 'node:path';
import { chromium, Page, Response } from 'playwright-core';
import { LAYOUTS, assertLayout, startBuiltBackend } from './lib/builtBackend';
import { log, machine, markdownTable, stringOption } from './lib/report';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Target {
  label: string;
  dir: string;
  /** Where the catalog page is (the stock app mounts it at `/`). */
  catalogPath: string;
  /** A website component of each app's sample catalog. */
  entity: string;
  signIn(page: Page): Promise<void>;
}

const TARGETS: Target[] = [
  {
    label: 'ours',
    dir: stringOption('ours', LAYOUTS.ours),
    catalogPath: '/catalog',
    entity: 'storefront-web',
    signIn: page =>
      page
        .getByRole('button', { name: 'Sign in as Priya Sharma', exact: true })
        .click(),
  },
  {
    label: 'stock',
    dir: stringOption('stock', LAYOUTS.stock),
    catalogPath: '/',
    entity: 'example-website',
    signIn: page => page.getByRole('button', { name: 'Enter' }).click(),
  },
];

interface PageLoad {
  js: { url: string; raw: number; gzip: number; initial: boolean }[];
  css: number;
  other: number;
  api: number;
}

const gzip = (b: Buffer) => zlib.gzipSync(b, { level: 6 }).length;

async function load(
  browser: import('playwright-core').Browser,
  baseUrl: string,
  target: Target,
  route: string,
  rendered: (page: Page) => Promise<void>,
): Promise<PageLoad> {
  const context = await browser.newContext({ baseURL: baseUrl });
  const page = await context.newPage();
  const responses: Response[] = [];
  page.on('response', r => responses.push(r));
  try {
    await page.goto(route);
    // The sign-in page first (each context starts signed out), then the page itself.
    await target.signIn(page);
    await rendered(page);
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(1000);
    await page.waitForLoadState('networkidle');

    const documentResponse = responses.find(
      r => r.request().resourceType() === 'document',
    );
    const html = documentResponse ? await documentResponse.text() : '';
    const initial = new Set(
      [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map(
        m => new URL(m[1], baseUrl).pathname,
      ),
    );
    const out: PageLoad = { js: [], css: 0, other: 0, api: 0 };
    for (const r of responses) {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/api/')) {
        out.api++;
        continue;
      }
      const type = r.request().resourceType();
      const body = await r.body().catch(() => undefined);
      if (!body) continue;
      if (type === 'script' || /\.m?js$/.test(url.pathname)) {
        out.js.push({
          url: url.pathname,
          raw: body.length,
          gzip: gzip(body),
          initial: initial.has(url.pathname),
        });
      } else if (type === 'stylesheet') out.css += gzip(body);
      else out.other += gzip(body);
    }
    if (out.js.length === 0)
      throw new Error(`no JavaScript loaded for ${route}`);
    return out;
  } catch (error) {
    const shot = path.join('/tmp', `bench-frontend-${target.label}.png`);
    await page.screenshot({ path: shot }).catch(() => {});
    throw new Error(`${target.label} ${route}: ${error} (screenshot: ${shot})`);
  } finally {
    await context.close();
  }
}

async function main() {
  for (const t of TARGETS)
    assertLayout(
      t.dir,
      t.label === 'ours'
        ? 'run `CI=true scripts/test.sh build image` first'
        : 'run bench/stock-app.sh first',
    );
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
  const results: Record<string, Record<string, PageLoad>> = {};
  try {
    for (const target of TARGETS) {
      const backend = await startBuiltBackend(target.dir);
      try {
        // Let the catalog ingest the sample entities before the pages ask for them.
        for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
          const res = await fetch(
            `${backend.baseUrl}/api/catalog/entities/by-name/component/default/${target.entity}`,
            {
              headers: {
                authorization: `Bearer ${await guestToken(backend.baseUrl)}`,
              },
            },
          ).catch(() => undefined);
          if (res?.status === 200) break;
          await new Promise(r => setTimeout(r, 500));
        }
        results[target.label] = {
          catalog: await load(
            browser,
            backend.baseUrl,
            target,
            target.catalogPath,
            page =>
              page
                .locator('table a[href*="/catalog/default/component/"]')
                .first()
                .waitFor({ timeout: 60_000 }),
          ),
          entity: await load(
            browser,
            backend.baseUrl,
            target,
            `/catalog/default/component/${target.entity}`,
            // The entity's About card, which shows once the entity has loaded.
            page =>
              page
                .getByRole('heading', { name: 'About', exact: true })
                .first()
                .waitFor({ timeout: 60_000 }),
          ),
        };
        log(`${target.label}: measured`);
      } finally {
        await backend.stop();
      }
    }
  } finally {
    await browser.close();
  }

  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const rows: string[][] = [];
  for (const page of ['catalog', 'entity']) {
    const pageLabel =
      page === 'catalog'
        ? 'catalog page'
        : 'entity page (website component, overview)';
    const figures = TARGETS.map(t => {
      const l = results[t.label][page];
      return {
        gzip: sum(l.js.map(j => j.gzip)),
        raw: sum(l.js.map(j => j.raw)),
        initialGzip: sum(l.js.filter(j => j.initial).map(j => j.gzip)),
        files: l.js.length,
        css: l.css,
        api: l.api,
      };
    });
    TARGETS.forEach((t, i) => {
      const f = figures[i];
      rows.push([
        `${pageLabel}: ${t.label}`,
        kib(f.gzip),
        kib(f.initialGzip),
        kib(f.gzip - f.initialGzip),
        String(f.files),
        kib(f.raw),
        String(f.api),
      ]);
    });
    const [o, s] = figures;
    rows.push([
      `${pageLabel}: ratio ours/stock`,
      `${(o.gzip / s.gzip).toFixed(2)}×`,
      `${(o.initialGzip / s.initialGzip).toFixed(2)}×`,
      `${((o.gzip - o.initialGzip) / (s.gzip - s.initialGzip)).toFixed(2)}×`,
      `${(o.files / s.files).toFixed(2)}×`,
      `${(o.raw / s.raw).toFixed(2)}×`,
      '',
    ]);
  }
  const out = [
    'Frontend JavaScript to show a page, fresh browser context (sign-in included), gzip level 6 computed per file',
    `Machine: ${machine()}; Chromium at ${CHROMIUM}`,
    ...TARGETS.map(
      t => `  ${t.label}: ${path.join(t.dir, 'packages/app/dist')}`,
    ),
    '',
    markdownTable(
      [
        'page: app',
        'JS gzip',
        'of which index.html scripts',
        'lazy chunks',
        'JS files',
        'JS uncompressed',
        'API requests',
      ],
      rows,
    ),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

/** A guest identity token, to ask the catalog whether the sample entities are in yet. */
async function guestToken(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/guest/refresh`, {
    headers: { 'x-requested-with': 'XMLHttpRequest' },
  });
  const body: any = await res.json().catch(() => ({}));
  return body?.backstageIdentity?.token ?? '';
}

main().then(
  () => process.exit(0),
  error => {
    process.stderr.write(`bench failed: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);

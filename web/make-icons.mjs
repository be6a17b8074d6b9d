// make-icons.mjs - renders web/icon.svg into the PNG icons the web app manifest names (web/icons/).
// Usage: node web/make-icons.mjs   (needs chromium: CHROMIUM=/path, default /usr/bin/chromium)
// The PNGs are committed, so building the client needs no browser; run this again after changing
// icon.svg. "maskable" icons put the logo inside the safe zone on a full-bleed background.
import { chromium } from 'playwright-core';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'icons');
const svg = await readFile(join(here, 'icon.svg'), 'utf8');
const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
const ICONS = [
  { file: 'icon-192.png', size: 192, maskable: false },
  { file: 'icon-512.png', size: 512, maskable: false },
  { file: 'icon-maskable-512.png', size: 512, maskable: true },
  { file: 'apple-touch-icon.png', size: 180, maskable: true },
];

await mkdir(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  for (const { file, size, maskable } of ICONS) {
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    // The logo's own violet fills a maskable icon; the logo shrinks to 70 % (the safe zone is 80 %).
    const body = maskable
      ? `<body style="margin:0;background:#7c5cff;display:grid;place-items:center;height:${size}px">
           <img src="${src}" width="${Math.round(size * 0.7)}" height="${Math.round(size * 0.7)}"></body>`
      : `<body style="margin:0;background:transparent"><img src="${src}" width="${size}" height="${size}"></body>`;
    await page.setContent(body);
    await page.locator('img').evaluate((img) => img.decode());
    await page.screenshot({ path: join(out, file), omitBackground: !maskable, clip: { x: 0, y: 0, width: size, height: size } });
    await page.close();
    console.log(`web/icons/${file} (${size}×${size}${maskable ? ', maskable' : ''})`);
  }
} finally {
  await browser.close();
}

// Uploading an image through the admin in headless Chromium, run by
// TestBrowserFileUpload (admin/file_test.go): add a poster with an image, see the
// file linked in the changelist and in the change form ("Currently:"), open it
// as the storage serves it, and clear it. BASE_URL, CHROMIUM, SHOTS and IMAGE (a
// PNG file to upload) come from the Go test.
const { chromium } = require('playwright-core');

const base = process.env.BASE_URL;
const shots = process.env.SHOTS;

function expect(cond, what) {
  if (!cond) throw new Error('expected: ' + what);
}

(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
    const errors = [];
    page.on('pageerror', e => errors.push(e.message));

    await page.goto(base + '/admin/login/');
    await page.fill('#id_username', 'boss');
    await page.fill('#id_password', 'correct horse battery');
    await page.click('button[type=submit]');
    await page.waitForSelector('#content-main');

    // Add a poster with an image.
    await page.goto(base + '/admin/gallery/poster/add/');
    expect(await page.getAttribute('form#poster_form', 'enctype') === 'multipart/form-data', 'the change form is multipart');
    await page.fill('#id_title', 'Harvest moon');
    await page.setInputFiles('#id_image', process.env.IMAGE);
    await page.screenshot({ path: `${shots}/file-add.png`, fullPage: true });
    await page.click('button[name=_save], input[name=_save]');
    await page.waitForURL(/\/admin\/gallery\/poster\/(\?.*)?$/);

    // The changelist links the stored file.
    const link = page.locator('td.field-image a');
    expect(await link.count() === 1, 'the image column has a link');
    const href = await link.getAttribute('href');
    expect(/^\/media\/posters\/harvest_moon.*\.png$/.test(href), 'the link is the storage URL: ' + href);
    await page.screenshot({ path: `${shots}/file-changelist.png`, fullPage: true });

    // The change form shows it, with the clear box.
    await page.click('th.field-title a');
    await page.waitForSelector('#id_image-clear');
    const current = await page.locator('.file-current a').getAttribute('href');
    expect(current === href, 'Currently: links the same file');
    await page.screenshot({ path: `${shots}/file-change.png`, fullPage: true });
    const changeURL = page.url();

    // The file as the storage serves it: an image the browser decodes.
    const resp = await page.goto(base + href);
    expect(resp.status() === 200, 'the image is served');
    expect(resp.headers()['content-type'] === 'image/png', 'as image/png');
    expect(resp.headers()['x-content-type-options'] === 'nosniff', 'with nosniff');
    const size = await page.evaluate(() => { const i = document.querySelector('img'); return i && [i.naturalWidth, i.naturalHeight]; });
    expect(size && size[0] === 64 && size[1] === 48, 'the browser shows a 64×48 image: ' + size);
    await page.screenshot({ path: `${shots}/file-served.png` });

    // Clear it.
    await page.goto(changeURL);
    await page.check('#id_image-clear');
    await page.click('button[name=_continue], input[name=_continue]');
    await page.waitForSelector('#id_image');
    expect(await page.locator('.file-current').count() === 0, 'no current file after clearing');
    const gone = await page.goto(base + href);
    expect(gone.status() === 404, 'the cleared file is deleted (delete_files)');
    expect(errors.length === 0, 'no page errors: ' + errors.join('; '));
    console.log('file upload scenario passed');
  } finally {
    await browser.close();
  }
})().catch(e => { console.error(e); process.exit(1); });

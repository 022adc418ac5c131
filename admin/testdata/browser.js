// Browser scenarios of the admin, run by TestBrowser (admin/browser_test.go) in
// headless Chromium through playwright-core. The Go test starts the server with
// seeded data and passes BASE_URL, CHROMIUM and SHOTS (a directory for screenshots).
// Every step asserts; the first failure ends the script with a non-zero status.
const { chromium } = require('playwright-core');
const { default: AxeBuilder } = require('@axe-core/playwright');

const base = process.env.BASE_URL;
const shots = process.env.SHOTS;
const log = (...a) => console.log(...a);

function expect(cond, what) {
  if (!cond) throw new Error('expected: ' + what);
}

async function login(page, user, password) {
  await page.goto(base + '/admin/');
  expect(page.url().includes('/admin/login/'), 'anonymous visitors are sent to the login page');
  await page.fill('#id_username', user);
  await page.fill('#id_password', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#content-main');
}

async function shot(page, name) {
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

async function axe(page, name) {
  const res = await new AxeBuilder({ page }).analyze();
  const bad = res.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
  for (const v of bad) {
    log(`axe ${name}: ${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
  }
  expect(bad.length === 0, `no serious or critical accessibility violations on ${name}`);
  return res.violations.length;
}

async function setTheme(page, theme) {
  // The toggle cycles auto → light → dark; click until the theme is the one wanted.
  for (let i = 0; i < 3; i++) {
    if (await page.getAttribute('html', 'data-theme') === theme) return;
    await page.click('#theme-toggle');
  }
  expect(await page.getAttribute('html', 'data-theme') === theme, 'theme toggle reaches ' + theme);
}

(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--no-sandbox'] });
  try {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', e => errors.push(e.message));
    page.on('console', m => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
    page.on('response', r => { if (r.status() === 404) errors.push('404 ' + r.url()); });

    // Log in as staff.
    await page.goto(base + '/admin/login/');
    await shot(page, 'login');
    await login(page, 'boss', 'correct horse battery');
    expect(await page.textContent('h1') === 'Site administration', 'the index after login');
    await shot(page, 'index-light');

    // Theme toggle: remembered across pages.
    await setTheme(page, 'dark');
    await page.reload();
    expect(await page.getAttribute('html', 'data-theme') === 'dark', 'the dark theme is remembered');
    await shot(page, 'index-dark');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg !== 'rgb(246, 247, 249)', 'the dark theme changes the page colours: ' + bg);
    await setTheme(page, 'light');

    // Add with a validation error, then fix it.
    await page.click('a[href="/admin/shop/book/add/"]');
    await page.fill('#id_title', 'Dune');
    await page.selectOption('#id_author', { label: 'Ada' });
    await page.click('button[name=_save]');
    await page.waitForSelector('.errornote');
    expect(await page.isVisible('.field-slug .errorlist'), 'the slug error is shown next to the field');
    await shot(page, 'add-error');
    await page.fill('#id_slug', 'dune');
    await page.click('button[name=_save]');
    await page.waitForSelector('.messagelist');
    expect((await page.textContent('.messagelist')).includes('Dune'), 'a message names the new book');
    expect(page.url().endsWith('/admin/shop/book/'), 'save goes back to the list');

    // Search.
    await page.fill('#searchbar', 'book 03');
    await page.press('#searchbar', 'Enter');
    await page.waitForSelector('#result_list');
    let rows = await page.$$eval('#result_list tbody tr', trs => trs.length);
    expect(rows === 1, 'search finds one book, got ' + rows);
    await page.goto(base + '/admin/shop/book/');

    // Filter, then sort, then paginate.
    await page.click('#changelist-filter a:has-text("Live")');
    await page.waitForSelector('#changelist-filter li.selected');
    rows = await page.$$eval('#result_list tbody tr', trs => trs.length);
    expect(rows === 4, 'the Live filter leaves 4 books, got ' + rows);
    await shot(page, 'changelist-filtered');
    await page.goto(base + '/admin/shop/book/');
    await page.click('#result_list thead th.column-title a');
    await page.waitForSelector('th.sorted');
    let first = await page.textContent('#result_list tbody tr:first-child th');
    expect(first.trim() === 'Book 00', 'sorted by title, first row ' + first);
    await page.click('.paginator a[aria-label="Page 2"]');
    await page.waitForSelector('.paginator .this-page');
    expect((await page.textContent('.paginator .this-page')).trim() === '2', 'page 2');
    first = await page.textContent('#result_list tbody tr:first-child th');
    expect(first.trim() === 'Book 05', 'page 2 starts at Book 05, got ' + first);
    await shot(page, 'changelist-light');

    // A bulk action on two rows, with "select all" enhanced by the script.
    await page.goto(base + '/admin/shop/book/?o=1');
    await page.check('#action-toggle');
    const counter = await page.textContent('.action-counter');
    expect(counter.startsWith('5 of 5'), 'the selection counter: ' + counter);
    await page.uncheck('#action-toggle');
    const boxes = await page.$$('input.action-select');
    await boxes[0].check();
    await boxes[1].check();
    await page.selectOption('#id_action', 'make_live');
    await page.click('button[name=index]');
    await page.waitForSelector('.messagelist');
    expect((await page.textContent('.messagelist')).includes('2 made live'), 'the action ran on two rows');

    // Delete with the cascade preview (Book 00 has reviews).
    await page.goto(base + '/admin/shop/book/1/change/');
    await shot(page, 'change-form-light');
    await page.click('a.deletelink');
    await page.waitForSelector('.deleted-objects');
    const preview = await page.textContent('.deleted-objects');
    expect(preview.includes('2 reviews') && preview.includes('Loved it'), 'the preview lists the cascaded reviews: ' + preview);
    await shot(page, 'delete-confirmation');
    await page.click('button:has-text("Yes, delete")');
    await page.waitForSelector('.messagelist');
    expect((await page.textContent('.messagelist')).includes('Deleted'), 'deleted');

    // Edit with an inline row added (Book 01 has no reviews: the blank rows are 0 and 1).
    await page.goto(base + '/admin/shop/book/2/change/');
    await page.fill('#id_reviews-0-text', 'A fine read');
    await page.fill('#id_reviews-0-stars', '5');
    await page.click('button[name=_continue]');
    await page.waitForSelector('.messagelist');
    expect(await page.inputValue('input[name="reviews-0-id"]') !== '', 'the inline row is saved and shown as an existing row');
    expect(await page.inputValue('#id_reviews-0-text') === 'A fine read', 'the inline row keeps its text');
    await shot(page, 'change-form-inline');

    // An autocomplete field: search, pick, save.
    await page.goto(base + '/admin/shop/review/add/');
    await page.fill('.autocomplete-search', 'Book 07');
    await page.click('.autocomplete-results button:has-text("Book 07")');
    expect(await page.inputValue('#id_book') === '8', 'picking a result sets the key: ' + await page.inputValue('#id_book'));
    await page.fill('#id_text', 'Found by search');
    await page.click('button[name=_save]');
    await page.waitForSelector('.messagelist');
    expect((await page.textContent('.messagelist')).includes('Found by search'), 'the review is added');

    // The many-to-many chooser: filter, pick two tags (the Enter key on a filter
    // leaving one, then a selection and the Add button), save, and see them kept.
    await page.goto(base + '/admin/shop/book/3/change/');
    expect(await page.isHidden('#id_tags'), 'the chooser hides the plain select');
    expect(await page.$$eval('#id_tags_available option', os => os.length) === 4, 'four tags available');
    await page.fill('#id_tags_filter', 'FICT');
    expect((await page.$$eval('#id_tags_available option', os => os.map(o => o.textContent))).join() === 'science fiction', 'the filter leaves science fiction');
    await page.press('#id_tags_filter', 'Enter');
    await page.fill('#id_tags_filter', '');
    await page.selectOption('#id_tags_available', { label: 'classic' });
    await page.click('.chooser-add');
    let chosen = await page.$$eval('#id_tags_chosen option', os => os.map(o => o.textContent));
    expect(chosen.join() === 'classic,science fiction', 'two tags chosen: ' + chosen.join());
    expect((await page.textContent('#id_tags_chosen_title')).includes('2'), 'the chosen count');
    await shot(page, 'change-form-chooser-light');
    await setTheme(page, 'dark');
    await shot(page, 'change-form-chooser-dark');
    await setTheme(page, 'light');
    await page.click('button[name=_continue]');
    await page.waitForSelector('.messagelist');
    chosen = await page.$$eval('#id_tags_chosen option', os => os.map(o => o.textContent));
    expect(chosen.join() === 'classic,science fiction', 'the saved tags are shown chosen: ' + chosen.join());
    await page.dblclick('#id_tags_chosen option:has-text("classic")');
    chosen = await page.$$eval('#id_tags_chosen option', os => os.map(o => o.textContent));
    expect(chosen.join() === 'science fiction', 'a double click removes a tag: ' + chosen.join());
    await page.goto(base + '/admin/shop/book/3/history/');
    expect((await page.textContent('#change-history')).includes('Changed tags'), 'the history names the tags');

    // "Add another" popups: the + beside the author select adds an author in a
    // small window, which closes and leaves the new author chosen; the same for a tag.
    await page.goto(base + '/admin/shop/book/add/');
    let [popup] = await Promise.all([page.waitForEvent('popup'), page.click('a.related-add[data-popup-for="id_author"]')]);
    await popup.waitForLoadState();
    expect(!(await popup.isVisible('#header')) && await popup.isVisible('#id_name'), 'the popup is the add form, without the site header');
    await shot(popup, 'popup-add-author');
    await popup.fill('#id_name', 'Dora');
    await Promise.all([popup.waitForEvent('close'), popup.click('button[name=_save]')]);
    const author = await page.$eval('#id_author', s => s.options[s.selectedIndex].textContent);
    expect(author === 'Dora', 'the new author is chosen: ' + author);
    [popup] = await Promise.all([page.waitForEvent('popup'), page.click('a.related-add[data-popup-for="id_tags"]')]);
    await popup.waitForLoadState();
    await popup.fill('#id_name', 'memoir');
    await Promise.all([popup.waitForEvent('close'), popup.click('button[name=_save]')]);
    chosen = await page.$$eval('#id_tags_chosen option', os => os.map(o => o.textContent));
    expect(chosen.join() === 'memoir', 'the new tag is chosen: ' + chosen.join());
    await shot(page, 'add-form-after-popups');

    // History of an edited object.
    await page.goto(base + '/admin/shop/book/2/change/');
    await page.fill('#id_pages', '999');
    await page.click('button[name=_continue]');
    await page.waitForSelector('.messagelist');
    await page.click('a.historylink');
    await page.waitForSelector('#change-history');
    expect((await page.textContent('#change-history')).includes('Changed pages') && (await page.textContent('#change-history')).includes('review “A fine read”'), 'history shows the changes');
    await shot(page, 'history');

    // Keyboard: the skip link is the first stop and moves focus to the content.
    await page.goto(base + '/admin/');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement.className) === 'skip-link', 'the skip link comes first');

    // Accessibility scans in both themes.
    let total = 0;
    for (const theme of ['light', 'dark']) {
      await page.goto(base + '/admin/');
      await setTheme(page, theme);
      for (const [name, path] of [['index', '/admin/'], ['changelist', '/admin/shop/book/?status__exact=live'], ['change form', '/admin/shop/book/2/change/']]) {
        await page.goto(base + path);
        total += await axe(page, `${name} (${theme})`);
      }
      await page.goto(base + '/admin/shop/book/');
      await shot(page, 'changelist-' + theme);
      await page.goto(base + '/admin/shop/book/2/change/');
      await shot(page, 'change-form-' + theme);
    }
    log('axe: minor/moderate findings: ' + total);

    // Narrow screens: the layout stacks.
    await page.setViewportSize({ width: 420, height: 860 });
    await page.goto(base + '/admin/shop/book/');
    await shot(page, 'changelist-narrow');
    await page.setViewportSize({ width: 1280, height: 860 });

    // Log out.
    await page.click('#logout-form button');
    await page.waitForSelector('#id_username');

    // A staff user with partial permissions sees only what they may use.
    await login(page, 'clerk', 'correct horse battery');
    const links = await page.$$eval('#content-main a', as => as.map(a => a.getAttribute('href')));
    expect(links.includes('/admin/shop/book/') && !links.includes('/admin/shop/book/add/') && !links.includes('/admin/shop/author/'),
      'the clerk sees books to view only: ' + links.join(' '));
    await page.goto(base + '/admin/shop/book/2/change/');
    expect(!(await page.isVisible('button[name=_save]')) && await page.isVisible('.readonly'), 'a view-only change page');
    const resp = await page.goto(base + '/admin/shop/book/add/');
    expect(resp.status() === 403, 'the add page is refused: ' + resp.status());
    await shot(page, 'clerk-forbidden');

    expect(errors.length === 0, 'no script errors: ' + errors.join('; '));
    log('ok');
  } finally {
    await browser.close();
  }
})().catch(e => { console.error(e.stack || e.message); process.exit(1); });

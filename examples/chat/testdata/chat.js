// Run by TestChatAcrossTwoServersInChromium (main_test.go): two browsers, each on
// its own app server, both servers on one Redis. A message posted in one browser
// must appear in the other. Exits non-zero on the first failed expectation.
const { chromium } = require('playwright-core');

async function open(browser, base, name) {
  const page = await browser.newPage();
  await page.goto(base + '/?name=' + name);
  await page.waitForSelector('#status:text("connected")', { timeout: 10000 });
  return page;
}

async function post(page, text) {
  await page.fill('#text', text);
  await page.click('button[type=submit]');
}

async function expectLine(page, line) {
  await page.waitForFunction(
    (want) => [...document.querySelectorAll('#log li')].some((li) => li.textContent === want),
    line, { timeout: 10000 });
}

(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--no-sandbox'] });
  try {
    const alice = await open(browser, process.env.BASE_A, 'alice');
    const bob = await open(browser, process.env.BASE_B, 'bob');
    await post(alice, 'hello from server A');
    await expectLine(bob, 'alice:hello from server A');
    await expectLine(alice, 'alice:hello from server A');
    await post(bob, '<img src=x onerror=alert(1)>');
    await expectLine(alice, 'bob:<img src=x onerror=alert(1)>');
    const injected = await alice.$$eval('#log img', (imgs) => imgs.length);
    if (injected !== 0) throw new Error('a post was rendered as HTML');
    console.log('ok: messages crossed servers both ways, posts shown as text');
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });

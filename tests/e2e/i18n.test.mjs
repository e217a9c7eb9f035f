// English and French: the browser's language chooses, the EN | FR switch overrides and is remembered, and the
// French pages show no English. Then the cancel button during key generation: the late key is dropped and
// nothing is sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, seed, launchBrowser, http } from './harness.mjs';

let worker;
let browser;

before(async () => {
  worker = await startWorker();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

const NBSP = '\u00a0';

/** English phrases none of which may show on a French page (visible text and `<option>` labels). */
const ENGLISH = [
  'Create your key', 'Create my key', 'Key type', 'Organization', 'Validity', 'Link valid until', ' days',
  'Your browser creates', 'recommended', 'slow to generate', 'small and fast', 'Secure Email', 'sponsor-validated',
  'Keyward: your private key', 'Revoke a certificate', 'Lost the key', 'Certificate file', 'Its password', 'Reason',
  'I understand', 'Revoke the certificate', 'The private key was lost', 'No particular reason', 'I no longer need',
  'Change the format', 'Some systems', 'Its current password', 'New format', 'Modern (', 'older Windows',
  'Choose Compatible', 'Password', 'Create the new file', 'Loading', 'Email', 'mail clients cannot',
];

async function visibleTexts(page) {
  return page.evaluate(() => [document.body.innerText,
    ...[...document.querySelectorAll('option')].map((option) => option.textContent)].join('\n'));
}

async function assertNoEnglish(page, where) {
  const text = await visibleTexts(page);
  const found = ENGLISH.filter((phrase) => text.includes(phrase));
  assert.deepEqual(found, [], `${where} shows English: ${found.join(' | ')}\n${text}`);
}

test('a French browser sees French; the switch to EN is remembered; an English browser sees English', async () => {
  const link = await seed(worker, 'Ada Lovelace', 'ada.fr@example.com');
  const french = await browser.newContext({ locale: 'fr-FR' });
  const page = await french.newPage();
  await page.goto(link);
  await page.locator('[data-testid=generate]').waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
  assert.equal(await page.locator('h1').textContent(), 'Créez votre clé et votre certificat');
  assert.equal(await page.locator('[data-testid=generate]').textContent(), 'Créer ma clé et demander le certificat');
  assert.equal(await page.locator('[data-testid=profile-name]').textContent(),
    'Messagerie sécurisée (S/MIME), validation par l’organisation');
  assert.equal(await page.locator('[data-testid=key-type] option').first().textContent(),
    `RSA 2048 (recommandé${NBSP}: fonctionne partout)`);
  assert.equal(await page.locator('footer').textContent(),
    `Keyward${NBSP}: votre clé privée est créée sur cet appareil et ne le quitte jamais.`);
  assert.match(await page.locator('dl.facts').innerText(), /Lien valable jusqu’au\s+\d{1,2} \S+ 20\d\d à \d\d:\d\d/);
  assert.equal(await page.locator('[data-testid=lang-fr]').getAttribute('aria-pressed'), 'true');
  await assertNoEnglish(page, 'the French enrollment page');

  for (const path of ['/revoke', '/repackage']) {
    await page.goto(`${worker.url}${path}`);
    await page.locator('h1').waitFor();
    // The new-password fields show their meter and advice once typed into.
    if (path === '/repackage') await page.fill('[data-testid=password]', 'password1');
    await assertNoEnglish(page, `the French ${path} page`);
  }
  assert.equal(await page.locator('[data-testid=password-verdict]').textContent(), `Très faible${NBSP}: deviné immédiatement`);
  assert.match(await page.locator('[data-testid=password-strength]').textContent(), /Évitez les mots de passe courants/);
  // A page-raised error is French too.
  await page.click('[data-testid=repackage-submit]');
  assert.equal(await page.locator('[data-testid=error]').textContent(), 'Choisissez le fichier .p12 ou .pfx à convertir.');

  // The switch: English at once, on <html lang> too, and still after a reload.
  await page.goto(link);
  await page.locator('[data-testid=generate]').waitFor();
  await page.click('[data-testid=lang-en]');
  assert.equal(await page.locator('h1').textContent(), 'Create your key and certificate');
  assert.equal(await page.locator('[data-testid=generate]').textContent(), 'Create my key and request the certificate');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.reload();
  await page.locator('[data-testid=generate]').waitFor();
  assert.equal(await page.locator('h1').textContent(), 'Create your key and certificate');
  assert.equal(await page.evaluate(() => localStorage.getItem('keyward.lang')), 'en');
  await french.close();

  const english = await browser.newContext({ locale: 'en-US' });
  const englishPage = await english.newPage();
  await englishPage.goto(link);
  await englishPage.locator('[data-testid=generate]').waitFor();
  assert.equal(await englishPage.evaluate(() => document.documentElement.lang), 'en');
  assert.equal(await englishPage.locator('h1').textContent(), 'Create your key and certificate');
  assert.equal(await englishPage.locator('[data-testid=profile-name]').textContent(), 'Secure Email (S/MIME), sponsor-validated');
  // And the French switch from there.
  await englishPage.click('[data-testid=lang-fr]');
  assert.equal(await englishPage.locator('h1').textContent(), 'Créez votre clé et votre certificat');
  await english.close();
});

test('cancel during key generation returns to the key choice and sends nothing', async () => {
  const link = await seed(worker, 'Grace Hopper', 'grace.cancel@example.com');
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const posts = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().includes('/api/v1/enrollments/')) posts.push(request.url());
  });
  await page.goto(link);
  await page.selectOption('[data-testid=key-type]', 'rsa4096');
  // Cancel as soon as the button exists, in the page itself: a click through the driver can come after a fast
  // machine's RSA-4096 generation has already finished.
  await page.evaluate(() => new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      const cancel = document.querySelector('[data-testid=cancel]');
      if (cancel) {
        observer.disconnect();
        cancel.click();
        resolve();
      }
    });
    observer.observe(document.body, { childList: true, subtree: true });
    document.querySelector('[data-testid=generate]').click();
  }));
  // Back at the key choice at once, with the choice kept.
  await page.locator('[data-testid=generate]').waitFor({ timeout: 1000 });
  assert.equal(await page.locator('[data-testid=key-type]').inputValue(), 'rsa4096');
  assert.equal(await page.locator('[data-testid=progress]').count(), 0);
  // The late key pair arrives and is dropped.
  await page.waitForTimeout(10_000);
  assert.deepEqual(posts, [], 'no request was sent after the cancel');
  assert.equal(await page.locator('[data-testid=generate]').count(), 1, 'still at the key choice');
  const view = (await http(link.replace('/enroll/', '/api/v1/enrollments/'))).json();
  assert.equal(view.status.state, 'open');

  // A new start after the cancel goes through to issuance, once.
  await page.selectOption('[data-testid=key-type]', 'ecdsa_p256');
  await page.click('[data-testid=generate]');
  await page.locator('[data-testid=password]').waitFor({ timeout: 30_000 });
  assert.equal(posts.length, 1);
  await context.close();
});

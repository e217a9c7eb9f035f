// Nothing lost: after issuance, the key and certificate are kept in the browser's IndexedDB (the key encrypted
// under a non-extractable WebCrypto key) until the recipient confirms the .p12 was saved. Closing the tab before
// the download and reopening the link resumes at the password step; confirming erases the kept copy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, rmSync } from 'node:fs';
import { startWorker, seed, launchBrowser, openssl, scratch, writeTemp } from './harness.mjs';

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

const PASSWORD = 'resume me, said the key';

/** Every value stored in the page origin's IndexedDB "pending" store, with byte arrays as hex. */
async function pendingRecords(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const opening = indexedDB.open('keyward');
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const reading = opening.result.transaction('pending').objectStore('pending').getAll();
      reading.onerror = () => reject(reading.error);
      reading.onsuccess = () => {
        const hex = (bytes) => Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, '0')).join('');
        resolve(reading.result.map((record) => ({ serial: record.serial, sealedKey: hex(record.sealedKey), certificate: hex(record.certificate) })));
      };
    };
  }));
}

test('closing the tab after issuance loses nothing: the link resumes at the password step, then forgets', async () => {
  const email = 'resume@example.com';
  const link = await seed(worker, 'Katherine Johnson', email);
  const directory = scratch('resume');
  const context = await browser.newContext({ acceptDownloads: true });

  // Issue, then close the tab before making the bundle.
  let page = await context.newPage();
  await page.goto(link);
  await page.locator('[data-testid=key-type]').selectOption('ecdsa_p256');
  await page.locator('[data-testid=generate]').click();
  await page.locator('[data-testid=password]').waitFor({ timeout: 60_000 });
  const serial = (await page.locator('[data-testid=serial]').textContent()).trim();
  const [record] = await pendingRecords(page);
  assert.equal(record.serial, serial);
  await page.close({ runBeforeUnload: false });

  // Another browser (a fresh profile) sees only a used link: the key is in the first one alone.
  const stranger = await browser.newContext();
  const strangerPage = await stranger.newPage();
  await strangerPage.goto(link);
  await strangerPage.locator('[data-testid=link-closed]').waitFor();
  await stranger.close();

  // The same browser resumes at the password step.
  page = await context.newPage();
  await page.goto(link);
  await page.locator('[data-testid=resumed]').waitFor();
  assert.equal((await page.locator('[data-testid=serial]').textContent()).trim(), serial);
  await page.locator('[data-testid=password]').fill(PASSWORD);
  await page.locator('[data-testid=password-confirm]').fill(PASSWORD);
  await page.locator('[data-testid=build-bundle]').click();
  const downloadLink = page.locator('[data-testid=download]');
  await downloadLink.waitFor({ timeout: 60_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), downloadLink.click()]);
  const bundlePath = join(directory, 'resumed.p12');
  await download.saveAs(bundlePath);

  // The resumed bundle holds the issued certificate and its key.
  const pass = `pass:${PASSWORD}`;
  const leaf = writeTemp(directory, 'leaf.pem', openssl(['pkcs12', '-in', bundlePath, '-passin', pass, '-nokeys', '-clcerts']));
  const key = writeTemp(directory, 'key.pem', openssl(['pkcs12', '-in', bundlePath, '-passin', pass, '-nocerts', '-nodes']));
  assert.equal(openssl(['x509', '-in', leaf, '-noout', '-serial']).trim().toLowerCase(), `serial=${serial}`);
  assert.equal(openssl(['pkey', '-in', key, '-pubout']), openssl(['x509', '-in', leaf, '-noout', '-pubkey']));

  // What IndexedDB held was the certificate in clear and the key sealed: the PKCS#8 bytes are not in it.
  const der = Buffer.from(openssl(['pkey', '-in', key]).replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('hex');
  assert.ok(der.length > 100);
  assert.ok(!record.sealedKey.includes(der), 'the stored key is not the PKCS#8 in clear');
  const privateScalar = openssl(['pkey', '-in', key, '-noout', '-text']).match(/priv:\s+([0-9a-f:\s]+)pub:/)[1].replace(/[:\s]/g, '');
  assert.equal(privateScalar.length, 64);
  assert.ok(!record.sealedKey.includes(privateScalar), 'nor is the private scalar');
  openssl(['x509', '-in', leaf, '-outform', 'DER', '-out', join(directory, 'leaf.der')]);
  assert.equal(record.certificate, readFileSync(join(directory, 'leaf.der')).toString('hex'), 'the certificate is kept as issued');

  // Confirming erases the kept copy; the link is then an ordinary used link.
  await page.locator('[data-testid=confirm-saved]').click();
  await page.locator('[data-testid=forgotten]').waitFor();
  assert.deepEqual(await pendingRecords(page), []);
  await page.goto(link);
  await page.locator('[data-testid=link-closed]').waitFor();
  await context.close();
  rmSync(directory, { recursive: true, force: true });
});

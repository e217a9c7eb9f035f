// The benchmark's baseline Worker: `POST /seed` makes an order with one enrollment link (as Keyward's
// development seed does, without the email); `POST /issue/{token}` with {"csr": PEM} does the I/O Keyward's
// issuance pipeline does, and nothing else: the same SELECT by token hash; the pipeline's read batch (the key's
// holder, the organization's validation, the account's validated subjects); the CAA lookups of the mailbox
// domain and its parent through the same DNS-over-HTTPS resolver (KEYWARD_DOH_URL); the same issuance batch
// (the link spent, the certificate, the key's holder, the audit records, the "certificate issued" email, the
// order's transition); and, after the answer, the email's delivery by the development adapter (its read, claim
// and recorded outcome). No CSR parsing, no key checks, no template, no linting, no signing: the difference with
// Keyward is the CPU of issuance itself.
// Logins, for the password scheme's cost (shared/src/account.rs): `POST /login-user` stores a user (not timed);
// `POST /login` with {email, password_key} does Keyward's login work in JavaScript (the user read, one SHA-256 of
// salt and key, the session insert, the throttle delete); `POST /login-pbkdf2` with {email, password} does the
// same with the server-side alternative Keyward rejected, PBKDF2-HMAC-SHA256 at 100,000 iterations (workerd's
// WebCrypto maximum) on the Worker.
const hex = (bytes) => [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
const randomHex = (length) => hex(crypto.getRandomValues(new Uint8Array(length)));
const sha256 = async (text) => hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
const seconds = () => Math.floor(Date.now() / 1000);
const fromHex = (text) => new Uint8Array(text.match(/../g).map((pair) => parseInt(pair, 16)));
const fromBase64url = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
const concat = (a, b) => { const out = new Uint8Array(a.length + b.length); out.set(a); out.set(b, a.length); return out; };
async function pbkdf2(password, salt) {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
  return crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: 100_000 }, key, 256);
}

/** A DNS query for the CAA records (type 257) of `name`, id 0 and recursion desired, as Keyward sends it. */
function caaQuery(name) {
  const bytes = [0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
  for (const label of name.split('.').filter(Boolean)) bytes.push(label.length, ...new TextEncoder().encode(label));
  bytes.push(0, 1, 1, 0, 1);
  return new Uint8Array(bytes);
}

async function caaLookup(env, name) {
  const response = await fetch(env.KEYWARD_DOH_URL, {
    method: 'POST', body: caaQuery(name), headers: { 'content-type': 'application/dns-message', accept: 'application/dns-message' },
  });
  await response.arrayBuffer();
}

/** The development adapter's delivery of one email: read it, claim it, record it sent with its audit record. */
async function deliver(env, id) {
  const now = seconds();
  const row = await env.DB.prepare("SELECT * FROM mail_outbox WHERE id = ?1 AND status = 'pending' AND attempts = 0").bind(id).first();
  if (!row) return;
  await env.DB.prepare("UPDATE mail_outbox SET attempts = ?1, next_attempt_at = ?2 WHERE id = ?3 AND attempts = ?4 AND status = 'pending'")
    .bind(1, now + 60, id, 0).run();
  await env.DB.batch([
    env.DB.prepare("UPDATE mail_outbox SET status = 'sent', next_attempt_at = NULL, sent_at = ?1, last_error = NULL, adapter = 'development', provider_id = NULL WHERE id = ?2 AND attempts = 1 AND status = 'pending'")
      .bind(now, id),
    env.DB.prepare("INSERT INTO audit_log (at, actor, action, subject_type, subject_id, detail) SELECT ?1, 'outbox', 'mail.sent', 'mail', ?2, ?3 WHERE EXISTS (SELECT 1 FROM mail_outbox WHERE id = ?2 AND attempts = 1 AND status = 'sent')")
      .bind(now, id, JSON.stringify({ attempts: 1 })),
  ]);
}

export default {
  async fetch(request, env, context) {
    const url = new URL(request.url);
    if (request.method === 'POST' && url.pathname === '/seed') {
      const now = seconds();
      const [organization, order, recipient, link] = [randomHex(16), randomHex(16), randomHex(16), randomHex(16)];
      const token = randomHex(32);
      await env.DB.batch([
        env.DB.prepare('INSERT OR IGNORE INTO organizations (id, name, identifier, country, validated_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)')
          .bind(organization, 'Example Org', 'NTRGB-12345678', 'GB', now, now),
        env.DB.prepare('INSERT INTO orders (id, organization_id, profile, validity_days, created_at) VALUES (?1, ?2, ?3, ?4, ?5)')
          .bind(order, organization, 'smime_sponsor_multipurpose', 365, now),
        env.DB.prepare('INSERT INTO recipients (id, order_id, given_name, surname, email) VALUES (?1, ?2, ?3, ?4, ?5)')
          .bind(recipient, order, 'Ada', 'Lovelace', 'ada@example.com'),
        env.DB.prepare('INSERT INTO enrollment_links (id, recipient_id, token_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)')
          .bind(link, recipient, await sha256(token), now, now + 86400),
      ]);
      return Response.json({ token }, { status: 201 });
    }
    if (request.method === 'POST' && url.pathname.startsWith('/issue/')) {
      const token = url.pathname.slice('/issue/'.length);
      const { csr } = await request.json();
      const row = await env.DB.prepare(
        'SELECT l.id AS link_id, l.created_at, l.expires_at, l.spent_at, l.version, r.id AS recipient_id, '
        + 'r.given_name AS recipient_given_name, r.surname AS recipient_surname, r.email AS recipient_email, '
        + 'o.id AS order_id, o.profile, o.validity_days, g.id AS organization_id, g.name AS organization_name, '
        + 'g.identifier AS organization_identifier, g.country AS organization_country, c.serial AS certificate_serial '
        + 'FROM enrollment_links l JOIN recipients r ON r.id = l.recipient_id JOIN orders o ON o.id = r.order_id '
        + 'JOIN organizations g ON g.id = o.organization_id LEFT JOIN certificates c ON c.enrollment_link_id = l.id '
        + 'WHERE l.token_hash = ?1',
      ).bind(await sha256(token)).first();
      if (!row) return Response.json({ error: 'unknown' }, { status: 404 });
      if (row.spent_at !== null) return Response.json({ error: 'link_spent' }, { status: 409 });
      const now = seconds();
      const serial = randomHex(16);
      const spki = await sha256(csr);
      // The pipeline's reads: the key's holder, the organization's validation, the account's validated subjects.
      await env.DB.batch([
        env.DB.prepare('SELECT holder, compromised_at FROM key_holders WHERE spki_sha256 = ?1').bind(spki),
        env.DB.prepare('SELECT validated_at FROM organizations WHERE id = ?1').bind(row.organization_id),
        env.DB.prepare("SELECT kind, subject, MAX(validated_at) AS validated_at FROM validations WHERE account_id = (SELECT account_id FROM organizations WHERE id = ?1) AND kind IN ('domain', 'mailbox') AND validated_at IS NOT NULL GROUP BY kind, subject")
          .bind(row.organization_id),
      ]);
      // CAA: the mailbox's domain, then its parent (the search climbs while no record set is found).
      const domain = row.recipient_email.split('@')[1];
      for (const name of [domain, domain.split('.').slice(1).join('.')].filter(Boolean)) await caaLookup(env, name);
      const mailId = randomHex(16);
      await env.DB.batch([
        env.DB.prepare('UPDATE enrollment_links SET spent_at = ?1, version = ?2 WHERE id = ?3').bind(now, row.version + 1, row.link_id),
        env.DB.prepare('INSERT INTO certificates (serial, recipient_id, enrollment_link_id, der, spki_sha256, not_before, not_after, issued_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)')
          .bind(serial, row.recipient_id, row.link_id, btoa(csr), spki, now, now + 86400 * row.validity_days, now),
        env.DB.prepare('INSERT OR IGNORE INTO key_holders (spki_sha256, holder, first_certified_at) VALUES (?1, ?2, ?3)')
          .bind(spki, `${row.organization_id}\u001f${row.recipient_email}\u001f[]`, now),
        env.DB.prepare("INSERT INTO audit_log (at, actor, action, subject_type, subject_id, detail) VALUES (?1, 'recipient', 'certificate.issued', 'certificate', ?2, ?3)")
          .bind(now, serial, JSON.stringify({ serial, order: row.order_id })),
        env.DB.prepare('INSERT INTO mail_outbox (id, to_address, subject, body, lang, created_at, next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)')
          .bind(mailId, row.recipient_email, 'Your certificate is issued', `Hello Ada,\n\nYour certificate ${serial} is issued.\n`, 'en', now),
        env.DB.prepare("UPDATE orders SET state = 'completed', closed_at = ?1, version = version + 1 WHERE id = ?2").bind(now, row.order_id),
        env.DB.prepare("INSERT INTO audit_log (at, actor, action, subject_type, subject_id, detail) VALUES (?1, 'recipient', 'order.completed', 'order', ?2, '{}')")
          .bind(now, row.order_id),
      ]);
      context.waitUntil(deliver(env, mailId));
      return Response.json({ serial, certificate: csr }, { status: 201 });
    }
    if (request.method === 'POST' && url.pathname === '/login-user') {
      const { email, password_key: key, password } = await request.json();
      const salt = crypto.getRandomValues(new Uint8Array(16));
      const verifier = password === undefined
        ? hex(await crypto.subtle.digest('SHA-256', concat(salt, fromBase64url(key))))
        : hex(await pbkdf2(password, salt));
      const now = seconds();
      await env.DB.batch([
        env.DB.prepare('INSERT OR IGNORE INTO accounts (id, name, created_at) VALUES (?1, ?2, ?3)').bind('bench', 'Bench', now),
        env.DB.prepare("INSERT INTO users (id, account_id, email, name, role, password_salt, password_hash, created_at) VALUES (?1, 'bench', ?2, 'Bench', 'org_admin', ?3, ?4, ?5)")
          .bind(randomHex(16), email, hex(salt), verifier, now),
      ]);
      return Response.json({}, { status: 201 });
    }
    if (request.method === 'POST' && (url.pathname === '/login' || url.pathname === '/login-pbkdf2')) {
      const { email, password_key: key, password } = await request.json();
      const user = await env.DB.prepare('SELECT id, password_salt, password_hash FROM users WHERE email = ?1').bind(email).first();
      if (!user) return Response.json({ error: 'credentials_invalid' }, { status: 401 });
      const salt = fromHex(user.password_salt);
      const computed = url.pathname === '/login'
        ? hex(await crypto.subtle.digest('SHA-256', concat(salt, fromBase64url(key))))
        : hex(await pbkdf2(password, salt));
      if (computed !== user.password_hash) return Response.json({ error: 'credentials_invalid' }, { status: 401 });
      const now = seconds();
      const token = randomHex(32);
      await env.DB.batch([
        env.DB.prepare('INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?4, ?5)')
          .bind(randomHex(16), user.id, await sha256(token), now, now + 43200),
        env.DB.prepare('DELETE FROM login_throttle WHERE key = ?1').bind(`email:${await sha256(email)}`),
      ]);
      return Response.json({ user: user.id }, { headers: { 'set-cookie': `s=${token}; Secure; HttpOnly` } });
    }
    return new Response('not found', { status: 404 });
  },
};

// The benchmark's baseline Worker: `POST /seed` makes an order with one enrollment link (as Keyward's
// development seed does, without the email); `POST /issue/{token}` with {"csr": PEM} does what Keyward's
// issuance does with D1 (the same SELECT by token hash, the same three-statement batch spending the link and
// storing a "certificate" and an audit record) and nothing else: no CSR parsing, no key checks, no signing.
const hex = (bytes) => [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
const randomHex = (length) => hex(crypto.getRandomValues(new Uint8Array(length)));
const sha256 = async (text) => hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
const seconds = () => Math.floor(Date.now() / 1000);

export default {
  async fetch(request, env) {
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
        + 'o.id AS order_id, o.profile, o.validity_days, g.name AS organization_name, '
        + 'g.identifier AS organization_identifier, g.country AS organization_country, c.serial AS certificate_serial '
        + 'FROM enrollment_links l JOIN recipients r ON r.id = l.recipient_id JOIN orders o ON o.id = r.order_id '
        + 'JOIN organizations g ON g.id = o.organization_id LEFT JOIN certificates c ON c.enrollment_link_id = l.id '
        + 'WHERE l.token_hash = ?1',
      ).bind(await sha256(token)).first();
      if (!row) return Response.json({ error: 'unknown' }, { status: 404 });
      if (row.spent_at !== null) return Response.json({ error: 'link_spent' }, { status: 409 });
      const now = seconds();
      const serial = randomHex(16);
      await env.DB.batch([
        env.DB.prepare('UPDATE enrollment_links SET spent_at = ?1, version = ?2 WHERE id = ?3').bind(now, row.version + 1, row.link_id),
        env.DB.prepare('INSERT INTO certificates (serial, recipient_id, enrollment_link_id, der, spki_sha256, not_before, not_after, issued_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)')
          .bind(serial, row.recipient_id, row.link_id, btoa(csr), await sha256(csr), now, now + 86400 * row.validity_days, now),
        env.DB.prepare("INSERT INTO audit_log (at, actor, action, subject_type, subject_id, detail) VALUES (?1, 'recipient', 'certificate.issued', 'enrollment_link', ?2, ?3)")
          .bind(now, row.link_id, JSON.stringify({ serial, order: row.order_id })),
      ]);
      return Response.json({ serial, certificate: csr }, { status: 201 });
    }
    return new Response('not found', { status: 404 });
  },
};

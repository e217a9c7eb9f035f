#!/bin/sh
# keyward-sync: install a recipient's current Keyward certificate for nginx when it changed, then reload nginx.
# Run it from cron, e.g. every 15 minutes:  */15 * * * * /usr/local/bin/keyward-sync
#
# It asks GET /api/v1/orders/{order}/recipients/{position}/certificate/current with the ETag it kept from the last
# install: 304 means nothing changed and nothing is touched. On 200 it writes the certificate and its chain (PEM,
# the certificate first, as nginx's ssl_certificate wants) to a temporary file next to the target, moves it into
# place (atomic on one file system), reloads nginx and keeps the new ETag. The private key never moves: it stays in
# the file nginx's ssl_certificate_key names, where you made it with the CSR.
#
# Settings, from the environment:
#   KEYWARD_URL       the Keyward deployment, e.g. https://keyward.example.com
#   KEYWARD_API_KEY   an API key of the ordering account (kw_...)
#   KEYWARD_ORDER     the order number
#   KEYWARD_POSITION  the recipient's place in the order, from 0 (default 0)
#   CERTIFICATE_FILE  the file nginx's ssl_certificate names
#   STATE_DIRECTORY   where the ETag is kept (default /var/lib/keyward-sync)
#   RELOAD            the reload command (default: nginx -t -q && nginx -s reload)
set -eu
: "${KEYWARD_URL:?}" "${KEYWARD_API_KEY:?}" "${KEYWARD_ORDER:?}" "${CERTIFICATE_FILE:?}"
position="${KEYWARD_POSITION:-0}"
state="${STATE_DIRECTORY:-/var/lib/keyward-sync}"
reload="${RELOAD:-nginx -t -q && nginx -s reload}"
mkdir -p "$state"
etag_file="$state/etag"

new="$(mktemp "$CERTIFICATE_FILE.XXXXXX")"
headers="$(mktemp)"
trap 'rm -f "$new" "$headers"' EXIT

set -- --silent --show-error --max-time 60 --retry 3 \
  --header "Authorization: Bearer $KEYWARD_API_KEY" --header "Accept: application/pem-certificate-chain" \
  --dump-header "$headers" --output "$new" --write-out '%{http_code}'
# Without the installed file, fetch it whatever the kept ETag says.
if [ -s "$etag_file" ] && [ -s "$CERTIFICATE_FILE" ]; then
  set -- "$@" --header "If-None-Match: $(cat "$etag_file")"
fi
status="$(curl "$@" "$KEYWARD_URL/api/v1/orders/$KEYWARD_ORDER/recipients/$position/certificate/current")"

case "$status" in
  304) exit 0 ;;
  200) ;;
  *) echo "keyward-sync: Keyward answered HTTP $status: $(cat "$new")" >&2; exit 1 ;;
esac
grep -q -- '-----BEGIN CERTIFICATE-----' "$new" || { echo "keyward-sync: the answer holds no certificate" >&2; exit 1; }
etag="$(sed -n 's/^[Ee][Tt][Aa][Gg]: *//p' "$headers" | tr -d '\r' | tail -n 1)"

chmod 644 "$new"
mv -f "$new" "$CERTIFICATE_FILE"
sh -c "$reload"
# Kept only once nginx reloaded: after a failed reload the next run fetches and reloads again.
printf '%s\n' "$etag" > "$etag_file.new"
mv -f "$etag_file.new" "$etag_file"

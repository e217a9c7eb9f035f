// The OpenAPI description: the Worker serves exactly the committed edge/openapi.json, and it is a valid OpenAPI
// 3.1 document by the OpenAPI Initiative's JSON Schema (checked by @seriousme/openapi-schema-validator). That
// every answer matches it is checked in every suite, by `http()` in harness.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startWorker, http, ROOT, checkAgainstOpenApi } from './harness.mjs';

let worker;
before(async () => { worker = await startWorker(); });
after(async () => { await worker?.stop(); });

test('the Worker serves the committed description, and it is valid OpenAPI 3.1', async () => {
  const response = await http(`${worker.url}/api/v1/openapi.json`);
  assert.equal(response.status, 200);
  assert.match(response.headers['content-type'], /^application\/json/);
  const served = response.json();
  assert.deepEqual(served, JSON.parse(readFileSync(join(ROOT, 'edge', 'openapi.json'), 'utf8')));
  assert.equal(served.openapi, '3.1.0');
  const result = await new Validator().validate(served);
  assert.ok(result.valid, JSON.stringify(result.errors, null, 2));
});

test('the check refuses what the description does not say', () => {
  const answer = (status, body, type = 'application/json') => ({
    status, headers: { 'content-type': type }, body: Buffer.from(body), text: () => body, json: () => JSON.parse(body),
  });
  const url = `${worker.url}/api/v1/policy`;
  assert.throws(() => checkAgainstOpenApi('GET', url, answer(200, '{"profiles": 3}')), /does not match its schema/);
  assert.throws(() => checkAgainstOpenApi('GET', url, answer(201, '{}')), /not documented/);
  assert.throws(() => checkAgainstOpenApi('GET', url, answer(200, 'x', 'text/plain')), /answered text\/plain/);
  assert.throws(() => checkAgainstOpenApi('PUT', url, answer(200, '{}')), /not documented/);
  assert.throws(() => checkAgainstOpenApi('GET', url, answer(400, '{"error": {"code": 1}}')), /does not match/);
  checkAgainstOpenApi('GET', url, answer(400, '{"error": {"code": "x", "field": null, "message": "m"}}'));
  // Integer formats are checked: a page number is a uint32.
  const orders = `${worker.url}/api/v1/orders`;
  checkAgainstOpenApi('GET', orders, answer(200, '{"orders": [], "page": 1, "has_more": false}'));
  assert.throws(() => checkAgainstOpenApi('GET', orders, answer(200, '{"orders": [], "page": -1, "has_more": false}')), /format/);
  assert.throws(() => checkAgainstOpenApi('GET', orders, answer(200, '{"orders": [], "page": 1.5, "has_more": false}')), /does not match/);
});

// Where a page's time goes, from one Lighthouse result's own diagnostics: the LCP element and its phases, each
// request's transfer size and timing, the main thread's work by kind and by script, the long tasks, the
// render-blocking resources and the critical request chain. `digest(lhr)` gives the facts as an object and a
// one-line summary for the report's notes; `node bench/diagnostics.mjs target/bench/lighthouse/*.json` prints them.
import { readFileSync } from 'node:fs';

const items = (lhr, id) => lhr.audits[id]?.details?.items ?? [];
const ms = (value) => Math.round(value ?? 0);
const path = (url) => { try { return new URL(url).pathname; } catch { return url; } };

/** The diagnostics of one Lighthouse result (`lhr`): { facts, summary }. */
export function diagnostics(lhr) {
  const audits = lhr.audits;
  const lcpElement = items(lhr, 'largest-contentful-paint-element');
  // Lighthouse 12: the first table names the element, the second gives the LCP's phases.
  const element = lcpElement[0]?.items?.[0]?.node;
  const phases = Object.fromEntries((lcpElement[1]?.items ?? []).map((phase) => [phase.phase, ms(phase.timing)]));
  const requests = items(lhr, 'network-requests').map((request) => ({
    path: path(request.url), type: request.resourceType, transfer: request.transferSize, resource: request.resourceSize,
    start: ms(request.networkRequestTime), end: ms(request.networkEndTime),
  }));
  const chain = audits['critical-request-chains']?.details?.longestChain ?? {};
  const facts = {
    metrics: Object.fromEntries(['first-contentful-paint', 'largest-contentful-paint', 'speed-index', 'total-blocking-time',
      'cumulative-layout-shift', 'interactive'].map((id) => [id, { value: ms(audits[id]?.numericValue * (id === 'cumulative-layout-shift' ? 1000 : 1)), score: audits[id]?.score }])),
    // Lighthouse 12.2.3 on Debian's Chromium fails this audit ("RootCauses ... frame_sequence"): say so.
    lcpElement: element ? { selector: element.selector, snippet: element.snippet } : { error: audits['largest-contentful-paint-element']?.errorMessage?.slice(0, 80) ?? 'none' },
    lcpPhases: phases,
    transfer: audits['total-byte-weight']?.numericValue,
    requests,
    mainThread: items(lhr, 'mainthread-work-breakdown').map((group) => ({ group: group.groupLabel ?? group.group, ms: ms(group.duration) })),
    bootup: items(lhr, 'bootup-time').map((script) => ({ path: path(script.url), total: ms(script.total), scripting: ms(script.scripting), compile: ms(script.scriptParseCompile) })),
    longTasks: items(lhr, 'long-tasks').map((task) => ({ path: path(task.url), start: ms(task.startTime), duration: ms(task.duration) })),
    renderBlocking: items(lhr, 'render-blocking-resources').map((resource) => ({ path: path(resource.url), wastedMs: ms(resource.wastedMs) })),
    criticalChain: { length: chain.length, duration: ms(chain.duration), transfer: chain.transferSize },
  };
  const heaviest = [...requests].sort((a, b) => b.transfer - a.transfer).slice(0, 3)
    .map((request) => `${request.path} ${(request.transfer / 1000).toFixed(1)} KB`).join(', ');
  const phaseText = Object.entries(phases).map(([name, value]) => `${name} ${value}`).join(' / ');
  const thread = facts.mainThread.slice(0, 3).map((group) => `${group.group} ${group.ms}`).join(', ');
  const longest = facts.longTasks.slice(0, 2).map((task) => `${task.duration} ms at ${task.start} (${task.path})`).join(', ');
  const metric = (id) => facts.metrics[id].value;
  const summary = `FCP ${metric('first-contentful-paint')} ms, LCP ${metric('largest-contentful-paint')} ms, TBT ${metric('total-blocking-time')} ms; ` +
    `LCP element ${element?.selector ?? 'unavailable'}${Object.keys(phases).length ? `; LCP phases (ms) ${phaseText}` : ''}; heaviest ${heaviest}; ` +
    `main thread (ms) ${thread}; long tasks ${longest || 'none'}; critical chain ${facts.criticalChain.length ?? '?'} requests ` +
    `${facts.criticalChain.duration} ms; render-blocking ${facts.renderBlocking.map((resource) => `${resource.path} (${resource.wastedMs} ms)`).join(', ') || 'none'}`;
  return { facts, summary };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of process.argv.slice(2)) {
    const { lhr } = JSON.parse(readFileSync(file, 'utf8'));
    const { facts, summary } = diagnostics(lhr);
    console.log(`== ${file}\n${summary}\n${JSON.stringify(facts, null, 1)}`);
  }
}

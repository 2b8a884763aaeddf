import assert from 'node:assert/strict';
import test from 'node:test';
import { load } from './helpers.mjs';

const { AnswerSession, ChunkRouter, errorMessage, isCancellation } = load('answers');

test('the first chunk binds the pending question; the final answer replaces the stream', () => {
  const router = new ChunkRouter();
  const s = new AnswerSession('q');
  router.add(s);
  assert.equal(router.route({ answerId: 'a1', delta: 'Hel' }), s);
  assert.equal(router.route({ answerId: 'a1', delta: 'lo' }), s);
  assert.equal(s.view.markdown, 'Hello');
  assert.equal(s.view.phase, 'streaming');
  assert.equal(router.route({ answerId: 'zz', delta: 'stray' }), undefined);
  assert.equal(s.view.markdown, 'Hello');
  const cite = { uri: 'file:///w/a.rs', range: { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } } };
  s.complete({ answerId: 'a1', backend: 'local', agent: 'codebase_qna_agent', markdown: 'Hello, world', citations: [cite, { bogus: 1 }] });
  assert.equal(s.view.markdown, 'Hello, world');
  assert.deepEqual(s.view.citations, [cite]);
  assert.equal(s.view.phase, 'done');
  assert.equal(s.view.backend, 'local');
  assert.equal(router.route({ answerId: 'a1', delta: 'late' }), undefined, 'no chunks after the end');
});

test('a new question does not take chunks of a finished one', () => {
  const router = new ChunkRouter();
  const s1 = new AnswerSession('one');
  router.add(s1);
  router.route({ answerId: 'x', delta: 'a' });
  s1.cancel();
  const s2 = new AnswerSession('two');
  router.add(s2);
  assert.equal(router.route({ answerId: 'x', delta: 'b' }), undefined);
  assert.equal(router.route({ answerId: 'y', delta: 'c' }), s2);
  assert.equal(s1.view.phase, 'cancelled');
  assert.equal(s2.view.markdown, 'c');
});

test('errors and cancellations', () => {
  const s = new AnswerSession('q');
  s.fail('boom');
  assert.equal(s.view.phase, 'error');
  assert.equal(s.view.error, 'boom');
  assert.equal(errorMessage({ code: -32603, message: 'Potpie rejected the API key (401)' }), 'Potpie rejected the API key (401)');
  assert.equal(errorMessage(new Error('x')), 'x');
  assert.equal(isCancellation({ code: -32800, message: 'cancelled' }), true);
  assert.equal(isCancellation(new Error('other')), false);
});

import assert from 'node:assert/strict';
import test from 'node:test';
import { load } from './helpers.mjs';

const { askParams, explainParams, questionTitle } = load('args');
const range = (a, b, c, d) => ({ start: { line: a, character: b }, end: { line: c, character: d } });

test('ask: the question alone, trimmed', () => {
  assert.deepEqual(askParams('  How does parsing work? '), {
    command: 'potpie.ask',
    arguments: [{ question: 'How does parsing work?' }],
  });
});

test('ask about a selection carries uri and range', () => {
  const p = askParams('why?', 'debugging_agent', { uri: 'file:///w/a.rs', range: range(2, 0, 4, 1) });
  assert.deepEqual(p.arguments[0], { question: 'why?', agent: 'debugging_agent', uri: 'file:///w/a.rs', range: range(2, 0, 4, 1) });
});

test('an empty selection is not sent as context', () => {
  const p = askParams('q', undefined, { uri: 'file:///w/a.rs', range: range(2, 3, 2, 3) });
  assert.deepEqual(p.arguments[0], { question: 'q' });
});

test('empty questions and empty explain ranges are refused', () => {
  assert.throws(() => askParams('   '), /empty/);
  assert.throws(() => explainParams({ uri: 'file:///w/a.rs', range: range(1, 1, 1, 1) }), /Select/);
});

test('explain params and titles', () => {
  const p = explainParams({ uri: 'file:///w/src/my%20file.rs', range: range(9, 0, 12, 0) });
  assert.deepEqual(p, { command: 'potpie.explain', arguments: [{ uri: 'file:///w/src/my%20file.rs', range: range(9, 0, 12, 0) }] });
  assert.equal(questionTitle(p), 'Explain my file.rs:10-12');
  assert.equal(questionTitle(askParams('What is X?')), 'What is X?');
});

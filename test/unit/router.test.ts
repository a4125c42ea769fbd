// The API router: path matching with parameters and greedy names, versioned prefixes, the
// errors Docker gives for unknown routes and methods, and the query helpers.
import test from 'ava';
import { API_VERSION } from '../../src/core/api/types.js';
import { BoxifyError } from '../../src/core/errors.js';
import { compareVersions, queryBool, queryInt, reply, Reply, Router } from '../../src/daemon/router.js';

const h = (name: string) => () => name;

function router(): Router {
  return new Router()
    .get('/_ping', h('ping'))
    .head('/_ping', h('ping-head'))
    .get('/containers/json', h('list'))
    .post('/containers/create', h('create'))
    .get('/containers/:id/json', h('inspect'))
    .post('/containers/:id/start', h('start'))
    .delete('/containers/:id', h('remove'))
    .get('/images/:name*/json', h('image-inspect'))
    .delete('/images/:name*', h('image-remove'))
    .put('/containers/:id/archive', h('put-archive'));
}

const call = (r: Router, method: string, path: string) => {
  const m = r.match(method, path);
  return { name: (m.handler as () => string)(), params: m.params, apiVersion: m.apiVersion };
};

test('fixed routes and :params', (t) => {
  const r = router();
  t.deepEqual(call(r, 'GET', '/_ping'), { name: 'ping', params: {}, apiVersion: API_VERSION });
  t.deepEqual(call(r, 'GET', '/containers/abc/json').params, { id: 'abc' });
  t.is(call(r, 'GET', '/containers/json').name, 'list', 'a fixed route registered first wins over :id/json');
  t.is(call(r, 'POST', '/containers/abc/start').name, 'start');
  t.deepEqual(call(r, 'DELETE', '/containers/abc'), { name: 'remove', params: { id: 'abc' }, apiVersion: API_VERSION });
  t.is(call(r, 'PUT', '/containers/x/archive').name, 'put-archive');
  // Trailing and doubled slashes do not matter.
  t.is(call(r, 'GET', '/containers/abc/json/').name, 'inspect');
  t.is(call(r, 'GET', '//_ping').name, 'ping');
});

test('greedy :name* takes the segments up to the fixed suffix', (t) => {
  const r = router();
  t.deepEqual(call(r, 'GET', '/images/library/alpine:3/json').params, { name: 'library/alpine:3' });
  t.deepEqual(call(r, 'GET', '/images/alpine/json').params, { name: 'alpine' });
  t.deepEqual(call(r, 'DELETE', '/images/registry.example:5000/a/b:tag').params, { name: 'registry.example:5000/a/b:tag' });
  t.throws(() => r.match('GET', '/images/json'), { instanceOf: BoxifyError }, 'the greedy part needs one segment at least');
});

test('path segments are percent-decoded; bad encoding is a 400 naming the path', (t) => {
  const r = router();
  t.deepEqual(call(r, 'GET', '/containers/a%20b/json').params, { id: 'a b' });
  t.deepEqual(call(r, 'GET', '/images/my%2Fimage/json').params, { name: 'my/image' });
  const err = t.throws(() => r.match('GET', '/containers/%zz/json'), { instanceOf: BoxifyError });
  t.is(err?.status, 400);
  t.is(err?.field, 'path');
});

test('a /vX.Y prefix is served and recorded; one above ours is "too new"', (t) => {
  const r = router();
  t.deepEqual(call(r, 'GET', '/v1.41/containers/abc/json'), { name: 'inspect', params: { id: 'abc' }, apiVersion: '1.41' });
  t.is(call(r, 'GET', `/v${API_VERSION}/_ping`).apiVersion, API_VERSION);
  t.is(call(r, 'GET', '/v1.04/_ping').apiVersion, '1.4');
  const err = t.throws(() => r.match('GET', '/v1.99/_ping'), { instanceOf: BoxifyError });
  t.is(err?.status, 400);
  t.is(err?.message, `client version 1.99 is too new. Maximum supported API version is ${API_VERSION}`);
  t.throws(() => r.match('GET', '/v2.0/_ping'), { message: /too new/ });
  // Not a version prefix: an ordinary (unknown) path.
  t.throws(() => r.match('GET', '/v1/_ping'), { message: /page not found/ });
});

test('unknown paths are 404; a known path with another method is a 400; HEAD falls back to GET', (t) => {
  const r = router();
  const nf = t.throws(() => r.match('GET', '/nope'), { instanceOf: BoxifyError });
  t.is(nf?.status, 404);
  t.is(nf?.message, 'page not found: GET /nope');
  const v = t.throws(() => r.match('GET', '/v1.40/nope'), { instanceOf: BoxifyError });
  t.is(v?.message, 'page not found: GET /nope', 'the message shows the path without the prefix');
  const mm = t.throws(() => r.match('POST', '/_ping'), { instanceOf: BoxifyError });
  t.is(mm?.status, 400);
  t.regex(mm!.message, /method POST not allowed on \/_ping/);
  t.is(call(r, 'HEAD', '/_ping').name, 'ping', 'the first route with the path wins');
  const onlyGet = new Router().get('/x', h('x'));
  t.is(call(onlyGet, 'HEAD', '/x').name, 'x');
  t.throws(() => onlyGet.match('DELETE', '/x'), { message: /not allowed/ });
});

test('compareVersions orders major then minor numerically', (t) => {
  t.true(compareVersions('1.44', '1.9') > 0);
  t.true(compareVersions('1.9', '1.44') < 0);
  t.is(compareVersions('1.44', '1.44'), 0);
  t.true(compareVersions('2.0', '1.99') > 0);
  t.is(compareVersions('1', '1.0'), 0);
});

test('queryBool: 1/true/True are true, absent is the default, anything else false', (t) => {
  const q = new URLSearchParams('a=1&b=true&c=True&d=0&e=false&f=&g=yes');
  t.true(queryBool(q, 'a'));
  t.true(queryBool(q, 'b'));
  t.true(queryBool(q, 'c'));
  t.false(queryBool(q, 'd'));
  t.false(queryBool(q, 'e', true));
  t.false(queryBool(q, 'f', true));
  t.false(queryBool(q, 'g'));
  t.false(queryBool(q, 'missing'));
  t.true(queryBool(q, 'missing', true));
});

test('queryInt: integers, absent or empty is undefined, else a 400 naming the key', (t) => {
  const q = new URLSearchParams('t=10&n=-3&e=&x=1.5&y=abc');
  t.is(queryInt(q, 't'), 10);
  t.is(queryInt(q, 'n'), -3);
  t.is(queryInt(q, 'e'), undefined);
  t.is(queryInt(q, 'missing'), undefined);
  for (const k of ['x', 'y']) {
    const err = t.throws(() => queryInt(q, k), { instanceOf: BoxifyError });
    t.is(err?.status, 400);
    t.is(err?.field, k);
  }
});

test('reply carries a status and a body', (t) => {
  const r = reply(201, { Id: 'x' });
  t.true(r instanceof Reply);
  t.is(r.status, 201);
  t.deepEqual(r.body, { Id: 'x' });
  t.is(reply(204).body, undefined);
});

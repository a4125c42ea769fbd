import test from 'ava';
import { parseReference, looksLikeId } from '../../src/core/images/reference.js';
import { BoxifyError } from '../../src/core/errors.js';

const cases: [string, Partial<ReturnType<typeof parseReference>>][] = [
  ['alpine', { registry: 'docker.io', repository: 'library/alpine', tag: 'latest', familiar: 'alpine:latest', canonical: 'docker.io/library/alpine:latest' }],
  ['alpine:3.19', { tag: '3.19', familiar: 'alpine:3.19', canonical: 'docker.io/library/alpine:3.19' }],
  ['library/alpine', { familiar: 'alpine:latest', canonical: 'docker.io/library/alpine:latest' }],
  ['docker.io/library/alpine:latest', { familiar: 'alpine:latest' }],
  ['index.docker.io/library/alpine', { registry: 'docker.io', familiar: 'alpine:latest' }],
  ['user/app:v1', { repository: 'user/app', familiar: 'user/app:v1', canonical: 'docker.io/user/app:v1' }],
  ['localhost:5000/test/img:tag', { registry: 'localhost:5000', repository: 'test/img', familiar: 'localhost:5000/test/img:tag' }],
  ['127.0.0.1:5000/x', { registry: '127.0.0.1:5000', repository: 'x', tag: 'latest', canonical: '127.0.0.1:5000/x:latest' }],
  ['localhost/x', { registry: 'localhost', repository: 'x' }],
  ['ghcr.io/a/b/c', { registry: 'ghcr.io', repository: 'a/b/c' }],
  ['a__b.c-d', { repository: 'library/a__b.c-d' }],
  [
    `alpine@sha256:${'a'.repeat(64)}`,
    { tag: '', digest: `sha256:${'a'.repeat(64)}`, familiar: `alpine@sha256:${'a'.repeat(64)}` },
  ],
  [`alpine:3@sha256:${'b'.repeat(64)}`, { tag: '3', digest: `sha256:${'b'.repeat(64)}` }],
];

for (const [input, want] of cases) {
  test(`parses ${input}`, (t) => {
    t.like(parseReference(input), want);
  });
}

const bad: [string, RegExp][] = [
  ['', /empty/],
  ['Alpine', /must be lowercase/],
  ['user/App', /must be lowercase/],
  ['alpine:', /not a valid tag/],
  ['alpine:a b', /not a valid tag/],
  ['-alpine', /may contain only/],
  ['alp!ne', /may contain only/],
  ['a//b', /empty path component/],
  ['alpine@sha256:xyz', /not a sha256 digest/],
  ['alpine@', /not a digest/],
  [' alpine', /white space/],
  [`a/${'b'.repeat(300)}`, /longer than 255/],
];

for (const [input, re] of bad) {
  test(`refuses ${JSON.stringify(input)} with a 400 naming it`, (t) => {
    const err = t.throws(() => parseReference(input), { instanceOf: BoxifyError });
    t.is(err!.status, 400);
    t.regex(err!.message, re);
    t.true(err!.message.includes(JSON.stringify(input)), err!.message);
  });
}

test('looksLikeId', (t) => {
  t.true(looksLikeId('abc123'));
  t.true(looksLikeId(`sha256:${'0'.repeat(64)}`));
  t.false(looksLikeId('alpine'));
  t.false(looksLikeId('a'.repeat(65)));
});

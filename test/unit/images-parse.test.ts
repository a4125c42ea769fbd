import test from 'ava';
import { parseChallenge } from '../../src/core/images/registry.js';
import { selectPlatform } from '../../src/core/images/archive.js';
import { cleanEntryName, detectCompression } from '../../src/core/images/extract.js';
import { parseChanges, parseRegistryAuth } from '../../src/daemon/routes/images.js';

test('parseChallenge reads Bearer parameters, quoted or not', (t) => {
  t.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"'), {
    scheme: 'bearer',
    params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull' },
  });
  t.deepEqual(parseChallenge('Basic realm=x'), { scheme: 'basic', params: { realm: 'x' } });
});

test('selectPlatform picks linux/amd64 and names what exists otherwise', (t) => {
  const m = (architecture: string, os = 'linux') => ({ digest: `sha256:${architecture}`, platform: { architecture, os } });
  t.is(selectPlatform([m('arm64'), m('amd64'), m('amd64', 'windows')], 'x').digest, 'sha256:amd64');
  t.throws(() => selectPlatform([m('arm64'), m('s390x')], 'alpine'), { message: 'alpine has no linux/amd64 image (it has: linux/arm64, linux/s390x)' });
});

test('cleanEntryName makes names relative and refuses climbing out', (t) => {
  t.is(cleanEntryName('./a/b/'), 'a/b');
  t.is(cleanEntryName('/etc/passwd'), 'etc/passwd');
  t.is(cleanEntryName('a/../b'), 'b');
  t.is(cleanEntryName('./'), '');
  t.throws(() => cleanEntryName('a/../../b'), { message: /climbs out of the layer/ });
  t.throws(() => cleanEntryName('../x'), { message: /climbs out/ });
});

test('detectCompression by magic bytes', (t) => {
  t.is(detectCompression(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0])), 'gzip');
  t.is(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])), 'xz');
  t.is(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0])), 'zstd');
  t.is(detectCompression(Buffer.from('BZh91AY')), 'bzip2');
  t.is(detectCompression(Buffer.from('etc/passwd')), 'none');
});

test('parseChanges: Dockerfile instructions of an import', (t) => {
  t.deepEqual(parseChanges(['CMD ["/bin/sh", "-l"]', 'ENTRYPOINT echo hi', 'ENV A=1', 'ENV B 2', 'WORKDIR /srv', 'USER 1000', 'LABEL k=v', 'EXPOSE 80']), {
    Cmd: ['/bin/sh', '-l'],
    Entrypoint: ['/bin/sh', '-c', 'echo hi'],
    Env: ['A=1', 'B=2'],
    WorkingDir: '/srv',
    User: '1000',
    Labels: { k: 'v' },
    ExposedPorts: { '80/tcp': {} },
  });
  t.throws(() => parseChanges(['RUN make']), { message: /RUN is not supported/ });
  t.throws(() => parseChanges(['CMD [1]']), { message: /JSON list of strings/ });
});

test('parseRegistryAuth decodes X-Registry-Auth; {} is no auth', (t) => {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  t.deepEqual(parseRegistryAuth(enc({ username: 'u', password: 'p', serveraddress: 'x' })), { username: 'u', password: 'p' });
  t.is(parseRegistryAuth('e30='), undefined);
  t.is(parseRegistryAuth(undefined), undefined);
  t.throws(() => parseRegistryAuth('!!!'), { message: /X-Registry-Auth/ });
});

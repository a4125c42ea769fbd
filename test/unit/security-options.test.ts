import test from 'ava';
import { BoxifyError } from '../../src/core/errors.js';
import { ALL_CAPABILITIES, DEFAULT_CAPS, DOCKER_DEFAULT_CAPS } from '../../src/core/security/capabilities.js';
import { resolveSecurityOptions, seccompFilterFor } from '../../src/core/security/index.js';

test('defaults: Docker capabilities, built-in seccomp, no_new_privs on', (t) => {
  t.deepEqual(resolveSecurityOptions({}), { capabilities: [...DEFAULT_CAPS], noNewPrivs: true, seccomp: 'default' });
  t.deepEqual(resolveSecurityOptions({ CapAdd: null, CapDrop: null, Privileged: false, SecurityOpt: null }).noNewPrivs, true);
});

test('no-new-privileges in its spellings', (t) => {
  t.true(resolveSecurityOptions({ SecurityOpt: ['no-new-privileges'] }).noNewPrivs);
  t.true(resolveSecurityOptions({ SecurityOpt: ['no-new-privileges=true'] }).noNewPrivs);
  t.true(resolveSecurityOptions({ SecurityOpt: ['no-new-privileges:true'] }).noNewPrivs);
  t.false(resolveSecurityOptions({ SecurityOpt: ['no-new-privileges=false'] }).noNewPrivs);
  const err = t.throws(() => resolveSecurityOptions({ SecurityOpt: ['no-new-privileges=maybe'] }), { instanceOf: BoxifyError });
  t.is(err.field, 'SecurityOpt');
  t.regex(err.message, /no-new-privileges=true or no-new-privileges=false/);
});

test('seccomp=unconfined, =default and =<profile JSON>', (t) => {
  t.is(resolveSecurityOptions({ SecurityOpt: ['seccomp=unconfined'] }).seccomp, 'unconfined');
  t.is(resolveSecurityOptions({ SecurityOpt: ['seccomp:unconfined'] }).seccomp, 'unconfined');
  t.is(resolveSecurityOptions({ SecurityOpt: ['seccomp=default'] }).seccomp, 'default');
  const json = JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ERRNO', errnoRet: 95 }] }, null, 2);
  const opts = resolveSecurityOptions({ SecurityOpt: [`seccomp=${json}`] });
  t.deepEqual(opts.seccomp, { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ERRNO', errnoRet: 95 }] });
  t.true(seccompFilterFor(opts)!.length > 0);
  t.is(seccompFilterFor(resolveSecurityOptions({ SecurityOpt: ['seccomp=unconfined'] })), null);
});

test('bad SecurityOpt entries are 400s that say what is accepted', (t) => {
  const cases: [unknown, RegExp][] = [
    [['seccomp=/etc/profile.json'], /seccomp=unconfined or seccomp=<profile JSON>.*reads the file/],
    [['seccomp={"defaultAction":"NOPE"}'], /seccomp profile: defaultAction: unknown action/],
    [['systempaths=unconfined'], /unsupported option "systempaths=unconfined"/],
    ['no-new-privileges', /must be a list/],
    [[7], /entries must be strings/],
  ];
  for (const [opt, re] of cases) {
    const err = t.throws(() => resolveSecurityOptions({ SecurityOpt: opt as string[] }), { instanceOf: BoxifyError });
    t.is(err.code, 'invalid_argument');
    t.is(err.field, 'SecurityOpt');
    t.regex(err.message, re);
  }
  t.notThrows(() => resolveSecurityOptions({ SecurityOpt: ['apparmor=unconfined', 'label=disable'] }));
});

test('CapAdd/CapDrop errors come through with their field', (t) => {
  const err = t.throws(() => resolveSecurityOptions({ CapDrop: ['NOPE'] }), { instanceOf: BoxifyError });
  t.is(err.field, 'CapDrop');
  t.deepEqual(resolveSecurityOptions({ CapAdd: ['NET_ADMIN'] }).capabilities.length, 14);
});

test('privileged: every capability, seccomp unconfined, no_new_privs only when asked', (t) => {
  t.deepEqual(resolveSecurityOptions({ Privileged: true, SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_ERRNO"}'] }), {
    capabilities: [...ALL_CAPABILITIES],
    noNewPrivs: false,
    seccomp: 'unconfined',
    privileged: true,
  });
  t.true(resolveSecurityOptions({ Privileged: true, SecurityOpt: ['no-new-privileges'] }).noNewPrivs);
});

// The container record's state machine guards and Docker's human status texts.
import test from 'ava';
import { BoxifyError } from '../../src/core/errors.js';
import { apiStatus, guard, humanDuration, humanStatus, initialState, isRunning, ZERO_TIME, type ContainerRecord } from '../../src/core/containers/record.js';
import type { ContainerStatus } from '../../src/core/api/types.js';

const ID = 'a'.repeat(64);

function rec(status: ContainerStatus, extra: Partial<ContainerRecord['state']> = {}): ContainerRecord {
  return {
    id: ID,
    name: 'web',
    created: '2024-01-01T00:00:00Z',
    imageRef: 'busybox',
    imageId: 'sha256:' + 'b'.repeat(64),
    path: 'sh',
    args: [],
    config: {} as ContainerRecord['config'],
    hostConfig: {},
    limits: {},
    network: { mode: 'none', ip: '', prefixLength: 0, gateway: '', mac: '', hostVeth: '' },
    state: { ...initialState(), status, ...extra },
    restartCount: 0,
    mounts: [],
    volumes: [],
    anonymousVolumes: [],
    ports: [],
  };
}

function conflict(t: import('ava').ExecutionContext, f: () => unknown, text: RegExp) {
  const err = t.throws(f, { instanceOf: BoxifyError });
  t.is(err?.code, 'conflict');
  t.is(err?.status, 409);
  t.regex(err!.message, text);
}

test('a new record is created, not running, with zero times', (t) => {
  const s = initialState();
  t.is(s.status, 'created');
  t.is(s.pid, 0);
  t.is(s.exitCode, 0);
  t.false(s.oomKilled);
  t.is(s.startedAt, ZERO_TIME);
  t.is(s.finishedAt, ZERO_TIME);
  t.false(isRunning(rec('created')));
  t.true(isRunning(rec('running')));
  t.false(isRunning(rec('exited')));
});

test('start: created and exited start, running is already running, removing and dead refuse', (t) => {
  t.is(guard.canStart(rec('created')), 'start');
  t.is(guard.canStart(rec('exited')), 'start');
  t.is(guard.canStart(rec('running')), 'already-running');
  conflict(t, () => guard.canStart(rec('removing')), /being removed or dead/);
  conflict(t, () => guard.canStart(rec('dead')), /web/);
});

test('signals and exec need a running container', (t) => {
  t.notThrows(() => guard.canSignal(rec('running')));
  t.notThrows(() => guard.canExec(rec('running')));
  for (const s of ['created', 'exited', 'paused', 'dead'] as ContainerStatus[]) {
    conflict(t, () => guard.canSignal(rec(s)), new RegExp(`Container ${ID} is not running`));
    conflict(t, () => guard.canExec(rec(s)), /is not running/);
  }
});

test('remove: anything but running, or running with force', (t) => {
  for (const s of ['created', 'exited', 'dead'] as ContainerStatus[]) t.notThrows(() => guard.canRemove(rec(s), false));
  t.notThrows(() => guard.canRemove(rec('running'), true));
  conflict(t, () => guard.canRemove(rec('running'), false), /You cannot remove a running container .* force remove/);
});

test('humanStatus reads like docker ps', (t) => {
  const now = Date.parse('2024-01-01T12:00:00Z');
  t.is(humanStatus(rec('created'), now), 'Created');
  t.is(humanStatus(rec('running', { startedAt: '2024-01-01T11:55:00Z' }), now), 'Up 5 minutes');
  t.is(humanStatus(rec('running', { startedAt: '2024-01-01T11:59:59.800Z' }), now), 'Up Less than a second');
  t.is(humanStatus(rec('exited', { exitCode: 137, finishedAt: '2024-01-01T10:00:00Z' }), now), 'Exited (137) 2 hours ago');
  t.is(humanStatus(rec('dead'), now), 'Dead');
  t.is(humanStatus(rec('removing'), now), 'Removing');
});

test('humanDuration steps: seconds, minutes, hours, days, weeks', (t) => {
  const s = 1000;
  t.is(humanDuration(0), 'Less than a second');
  t.is(humanDuration(-5000), 'Less than a second');
  t.is(humanDuration(1 * s), '1 second');
  t.is(humanDuration(59 * s), '59 seconds');
  t.is(humanDuration(60 * s), 'About a minute');
  t.is(humanDuration(30 * 60 * s), '30 minutes');
  t.is(humanDuration(60 * 60 * s), 'About an hour');
  t.is(humanDuration(47 * 3600 * s), '47 hours');
  t.is(humanDuration(3 * 86400 * s), '3 days');
  t.is(humanDuration(21 * 86400 * s), '3 weeks');
});

test('STATUS and CREATED round alike (go-units): 119 s is "About a minute", 59.9 minutes "59 minutes"', (t) => {
  const s = 1000;
  t.is(humanDuration(119 * s), 'About a minute');
  t.is(humanDuration(119.9 * s), 'About a minute');
  t.is(humanDuration(120 * s), '2 minutes');
  t.is(humanDuration(59.9 * 60 * s), '59 minutes');
  t.is(humanDuration(90 * 60 * s), '2 hours', 'hours are rounded');
  t.is(humanDuration(100 * 86400 * s), '3 months');
  t.is(humanDuration(800 * 86400 * s), '2 years');
  const created = Date.parse('2026-01-01T00:00:00Z');
  const rec = { state: { ...initialState(), status: 'exited', exitCode: 0, finishedAt: new Date(created).toISOString() } } as unknown as ContainerRecord;
  t.is(humanStatus(rec, created + 119 * s), 'Exited (0) About a minute ago');
});

test('pause: only a running container that is not paused; unpause only a paused one; exec and attach refuse a paused one', (t) => {
  t.notThrows(() => guard.canPause(rec('running')));
  conflict(t, () => guard.canPause(rec('exited')), /is not running/);
  conflict(t, () => guard.canPause(rec('running', { paused: true })), /is already paused/);
  conflict(t, () => guard.canPause(rec('restarting')), /is restarting, wait until the container is running/);
  conflict(t, () => guard.canUnpause(rec('running')), /is not paused/);
  t.notThrows(() => guard.canUnpause(rec('running', { paused: true })));
  conflict(t, () => guard.canExec(rec('running', { paused: true })), /is paused, unpause the container before exec/);
  conflict(t, () => guard.canAttach(rec('running', { paused: true })), /^You cannot attach to a paused container, unpause it first$/);
  conflict(t, () => guard.canRemove(rec('running', { paused: true }), false), /You cannot remove a paused container/);
  conflict(t, () => guard.canRemove(rec('restarting'), false), /You cannot remove a restarting container/);
  t.notThrows(() => guard.canRemove(rec('restarting'), true));
  t.is(guard.canStart(rec('restarting')), 'start', 'a start by a user ends the wait of a restart policy');
});

test('API status and ps Status of paused and restarting containers', (t) => {
  const now = Date.parse('2024-01-01T00:10:00Z');
  const paused = rec('running', { paused: true, startedAt: '2024-01-01T00:05:00Z' });
  t.is(apiStatus(paused), 'paused');
  t.is(apiStatus(rec('running')), 'running');
  t.is(humanStatus(paused, now), 'Up 5 minutes (Paused)');
  t.is(humanStatus(rec('restarting', { exitCode: 1, finishedAt: '2024-01-01T00:09:58Z' }), now), 'Restarting (1) 2 seconds ago');
});

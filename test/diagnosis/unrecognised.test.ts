import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { realMachineTest, resetMachineAfter } from '../helpers/realmachine.ts';
import { assertShows, fixture, lab, waitForDiagnosis, writeRepoFile } from './helpers.ts';

/**
 * A mistake no catalogue entry knows: etcd's --listen-client-urls with a mistyped port (2397). etcd
 * starts and keeps running, on the wrong port, so no container entry fits (nothing exits), the
 * manifest is a valid Pod on the host network with its data volume, and no one else holds 2379.
 * Only the probe of 127.0.0.1:2379 fails, and the fallback must still give a why and a fix.
 */
describe('the fallback diagnosis for a mistake the catalogue does not know', { timeout: 420_000 }, () => {
  resetMachineAfter();

  realMachineTest("etcd listening on a mistyped client port gets the closest clues and the probe's hint", async (t) => {
    const applied = await lab('apply', '2');
    assert.equal(applied.code, 0, applied.stderr);
    writeRepoFile(
      'pods/etcd.yaml',
      fixture('etcd.yaml').replace('--listen-client-urls=http://127.0.0.1:2379', '--listen-client-urls=http://127.0.0.1:2397'),
    );
    // kubelet may first start the new etcd while the old one still holds 2380 (container-crashes, rightly); then it runs.
    // Once etcd has started, its own last line names the port it really serves on. Each early crash
    // doubles kubelet's back-off (10, 20, 40, 80 s), so a few of them push that start past 120 s: CI saw
    // it once (diagnosed unrecognised, but no etcd line yet at 121 s) where a lone run takes about 60 s.
    const seen = await waitForDiagnosis(2, 'unrecognised', {
      timeoutMs: 240_000,
      showing: /container etcd \(running\) last said: .*127\.0\.0\.1:2397/,
    });
    t.diagnostic(`diagnosed after ${(seen.waitedMs / 1000).toFixed(1)}s: ${seen.result.diagnosis!.explanation}`);

    assert.equal(seen.result.id, 'etcd-version');
    assert.match(seen.result.seen, /nothing listens on 127\.0\.0\.1:2379/);
    const { explanation, fix, lessonRef } = seen.result.diagnosis!;
    // The why: the probe's own cause, then the closest clues (the running etcd's line, waited for above);
    // kubelet's routine lines about the pod (volumes mounted) are no clue and stay out.
    assert.ok(explanation.startsWith(`${seen.result.cause}. The closest clues: `), explanation);
    assert.doesNotMatch(explanation, /VerifyControllerAttachedVolume/);
    // The fix: the probe's hint, which names the flag at fault here. No lesson section: nothing is known.
    assert.equal(fix, seen.result.hint);
    assert.match(fix, /--listen-client-urls/);
    assert.equal(lessonRef, undefined);

    assertShows(seen.text, 'unrecognised', [
      /\(diagnosis unrecognised\)/,
      /why: +etcd is not listening on the host's loopback port 2379\. The closest clues: /,
      /fix: +check --listen-client-urls and hostNetwork in pods\/etcd\.yaml/,
    ]);
  });
});

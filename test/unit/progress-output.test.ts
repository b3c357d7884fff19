import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { parseLoadOutput } from '../../src/engine/images/bundle.ts';
import { layerProgressPrinter, toLayerProgress } from '../../src/engine/images/layerProgress.ts';
import { downloadProgressBar } from '../../src/engine/setup/progressBar.ts';

function capture(isTTY = false) {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk;
      done();
    },
  }) as Writable & { isTTY?: boolean };
  stream.isTTY = isTTY;
  return { stream, text: () => text };
}

describe('progress output', () => {
  it('pull progress off a terminal: one line per layer status change, image-wide messages once', () => {
    const out = capture();
    const print = layerProgressPrinter(out.stream);
    const image = 'registry.k8s.io/pause:3.2';
    print(toLayerProgress(image, { status: 'Pulling from pause', id: '3.2' }));
    for (const current of [100, 200, 300])
      print(toLayerProgress(image, { id: 'abcdef012345', status: 'Downloading', progressDetail: { current, total: 300 } }));
    print(toLayerProgress(image, { id: 'abcdef012345', status: 'Pull complete' }));
    const lines = out.text().replace(/\n$/, '').split('\n');
    assert.deepEqual(lines, [`  ${image}: Pulling from pause`, '  abcdef012345: Downloading 0.0/0.0 MB', '  abcdef012345: Pull complete']);
  });

  it('pull progress on a terminal redraws the layer lines in place', () => {
    const out = capture(true);
    const print = layerProgressPrinter(out.stream);
    print(toLayerProgress('x:1', { id: 'aaaaaaaaaaaa', status: 'Downloading', progressDetail: { current: 1e6, total: 2e6 } }));
    print(toLayerProgress('x:1', { id: 'aaaaaaaaaaaa', status: 'Downloading', progressDetail: { current: 2e6, total: 2e6 } }));
    assert.match(out.text(), /\x1b\[1A/);
    assert.match(out.text(), /aaaaaaaaaaaa: Downloading 2\.0\/2\.0 MB/);
  });

  it('download progress off a terminal: a line per 10%, with where a resume started', () => {
    const out = capture();
    const bar = downloadProgressBar(out.stream, '  kubernetes');
    for (let received = 0; received <= 100e6; received += 1e6) bar.update({ received, total: 100e6, resumedFrom: 0 });
    bar.done();
    const lines = out.text().trim().split('\n');
    assert.equal(lines.length, 11);
    assert.match(lines.at(-1)!, /kubernetes 100% 100\.0\/100\.0 MB/);
    const resumed = capture();
    downloadProgressBar(resumed.stream, 'k').update({ received: 60e6, total: 100e6, resumedFrom: 50e6 });
    assert.match(resumed.text(), /60% .*resumed at 50\.0 MB/);
  });

  it('reads the names Docker loaded, and its error for a broken archive', () => {
    const ok = parseLoadOutput('{"stream":"Loaded image: registry.k8s.io/pause:3.2\\n"}\n{"stream":"Loaded image: busybox:1.35\\n"}\n');
    assert.deepEqual(ok, { loaded: ['registry.k8s.io/pause:3.2', 'busybox:1.35'], error: undefined });
    const bad = parseLoadOutput(
      '{"errorDetail":{"message":"open /var/lib/docker/tmp/x/repositories: no such file or directory"},"error":"open …"}\nError ' +
        'processing tar file(exit status 1): unexpected EOF',
    );
    assert.match(bad.error!, /repositories: no such file/);
    assert.equal(
      parseLoadOutput('Error processing tar file(exit status 1): unexpected EOF').error,
      'Error processing tar file(exit status 1): unexpected EOF',
    );
  });
});

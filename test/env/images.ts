/**
 * Builds the lab's container images locally, with no registry: each image is a root filesystem put
 * together from Debian's packages (or the Kubernetes binaries we built) and imported with
 * `docker import`, tagged with exactly the name the lab's manifests use (labs/versions.yaml).
 * Real students pull the official images; these stand-ins carry the same programs at the same versions.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import type { ImageRole, Versions } from '../../src/core/versions.ts';

export interface ImageRecipe {
  /** Files to place in the image: host path -> path inside the image (libraries are added by ldd). */
  files: Record<string, string>;
  /** Text files to write into the image. */
  texts?: Record<string, string>;
  /** Empty directories the program expects. */
  dirs?: string[];
  /** Applet links for busybox: every applet name -> /bin/busybox. */
  busyboxApplets?: boolean;
  entrypoint?: string[];
  cmd?: string[];
  /** Debian packages unpacked (not installed) to get the files above. */
  debs?: string[];
  /** Why the image is built this way, recorded as an image label. */
  source: string;
}

const etcPasswd = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n';
const etcGroup = 'root:x:0:\nnogroup:x:65534:\n';
const nginxConf = `# Minimal stand-in for the official nginx image's setup: foreground, logs to the container's output.
user root;
worker_processes 1;
daemon off;
error_log /dev/stderr notice;
pid /run/nginx.pid;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  access_log /dev/stdout;
  server {
    listen 80;
    root /usr/share/nginx/html;
    index index.html;
  }
}
`;

export function recipes(versions: Versions, binDir: string, debDir: string, pauseBinary: string): Record<ImageRole, ImageRecipe> {
  const deb = (p: string) => path.join(debDir, 'root', p);
  return {
    pause: {
      files: { [pauseBinary]: '/pause' },
      entrypoint: ['/pause'],
      source: `pause.c from k8s.io/kubernetes@${versions.kubernetes} build/pause, compiled static`,
    },
    busybox: {
      files: { '/bin/busybox': '/bin/busybox' },
      busyboxApplets: true,
      cmd: ['sh'],
      source: "Debian's busybox-static",
    },
    etcd: {
      // The official image carries etcdctl beside etcd; step 9 runs it from this image.
      debs: ['etcd-server', 'etcd-client'],
      files: { [deb('usr/bin/etcd')]: '/usr/local/bin/etcd', [deb('usr/bin/etcdctl')]: '/usr/local/bin/etcdctl' },
      cmd: ['/usr/local/bin/etcd'],
      source: "Debian's etcd-server and etcd-client (unpacked, not installed)",
    },
    apiserver: {
      files: { [path.join(binDir, 'kube-apiserver')]: '/usr/local/bin/kube-apiserver' },
      dirs: ['/var/run/kubernetes'],
      cmd: ['kube-apiserver', '--help'],
      source: `kube-apiserver ${versions.kubernetes} built by the test bed`,
    },
    scheduler: {
      files: { [path.join(binDir, 'kube-scheduler')]: '/usr/local/bin/kube-scheduler' },
      cmd: ['kube-scheduler', '--help'],
      source: `kube-scheduler ${versions.kubernetes} built by the test bed`,
    },
    controllerManager: {
      files: { [path.join(binDir, 'kube-controller-manager')]: '/usr/local/bin/kube-controller-manager' },
      cmd: ['kube-controller-manager', '--help'],
      source: `kube-controller-manager ${versions.kubernetes} built by the test bed`,
    },
    nginx: {
      debs: ['nginx', 'nginx-common'],
      files: {
        [deb('usr/sbin/nginx')]: '/usr/sbin/nginx',
        [deb('etc/nginx/mime.types')]: '/etc/nginx/mime.types',
        [deb('usr/share/nginx/html/index.html')]: '/usr/share/nginx/html/index.html',
      },
      texts: { '/etc/nginx/nginx.conf': nginxConf },
      dirs: ['/var/lib/nginx/body', '/var/log/nginx', '/run'],
      cmd: ['/usr/sbin/nginx'],
      source: "Debian's nginx and nginx-common (unpacked, not installed)",
    },
    curl: {
      files: { '/usr/bin/curl': '/usr/bin/curl' },
      cmd: ['curl', '--help'],
      source: "Debian's curl",
    },
  };
}

/** Host packages the recipes read from the host's own filesystem. */
export const hostPackages = ['busybox-static', 'curl', 'gcc', 'libc6-dev'];

/** The shared libraries (and the dynamic loader) a binary needs, as ldd resolves them on this host. */
async function sharedLibraries(binary: string): Promise<string[]> {
  const result = await $({ nothrow: true, quiet: true })`ldd ${binary}`;
  if (/not a dynamic executable|statically linked/.test(result.stdout + result.stderr)) return [];
  const missing = result.stdout.split('\n').filter((line) => line.includes('not found'));
  if (missing.length) throw new Error(`${binary} needs libraries this host lacks: ${missing.join('; ')}`);
  return [...result.stdout.matchAll(/(\/[^\s]+) \(0x/g)].map((m) => m[1]!);
}

/** A digest of what goes into an image, so a rebuild happens only when the recipe or its inputs change. */
export function recipeDigest(recipe: ImageRecipe): string {
  const hash = createHash('sha256').update(JSON.stringify(recipe));
  for (const source of Object.keys(recipe.files)) {
    if (existsSync(source)) hash.update(readFileSync(source));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Assembles the root filesystem and imports it as `name`. */
export async function buildImage(name: string, recipe: ImageRecipe, digest: string): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'mvk-image-'));
  try {
    const place = (source: string, target: string) => {
      const dest = path.join(root, target);
      mkdirSync(path.dirname(dest), { recursive: true });
      cpSync(source, dest, { dereference: true });
    };
    for (const [source, target] of Object.entries(recipe.files)) {
      place(source, target);
      for (const lib of await sharedLibraries(source)) place(lib, lib);
    }
    for (const [target, text] of Object.entries(recipe.texts ?? {})) {
      mkdirSync(path.dirname(path.join(root, target)), { recursive: true });
      writeFileSync(path.join(root, target), text);
    }
    for (const dir of [...(recipe.dirs ?? []), '/tmp', '/etc', '/root']) mkdirSync(path.join(root, dir), { recursive: true });
    writeFileSync(path.join(root, 'etc/passwd'), etcPasswd);
    writeFileSync(path.join(root, 'etc/group'), etcGroup);
    if (recipe.busyboxApplets) {
      const applets = (await $({ quiet: true })`/bin/busybox --list-full`).stdout.trim().split('\n');
      for (const applet of applets) {
        const link = path.join(root, applet);
        if (existsSync(link)) continue;
        mkdirSync(path.dirname(link), { recursive: true });
        symlinkSync('/bin/busybox', link);
      }
    }
    const changes = [
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      `LABEL mvk-lab.recipe=${digest}`,
      `LABEL mvk-lab.source=${JSON.stringify(recipe.source)}`,
    ];
    if (recipe.entrypoint) changes.push(`ENTRYPOINT ${JSON.stringify(recipe.entrypoint)}`);
    if (recipe.cmd) changes.push(`CMD ${JSON.stringify(recipe.cmd)}`);
    const tar = $({ quiet: true })`tar -C ${root} -c .`;
    await tar.pipe($({ quiet: true })`docker import ${changes.flatMap((c) => ['--change', c])} - ${name}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

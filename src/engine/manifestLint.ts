import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Node } from 'yaml';
import { yaml } from '../core/yaml.ts';
import { formatAt, readYaml } from '../core/yamlFile.ts';

/**
 * Checks the files in pods/ the way kubelet will read them, but says what it finds with file, line and
 * column. kubelet only writes such problems to its log, and drops unknown fields without a word.
 * The one pod validator: `lab lint`, the file probe (`parseAs: pod`), the diagnoses and `lab dev check`
 * all use it, so a mistake reads the same, in the same order, wherever a student meets it.
 */

export type LintSeverity = 'error' | 'warning';

export interface LintProblem {
  file: string;
  line: number;
  column: number;
  severity: LintSeverity;
  /** Stable code for matching: yaml-syntax, tab, multi-doc, empty, not-a-pod, no-name, no-containers, no-image, no-container-name, unknown-field. */
  code: string;
  message: string;
  /** For unknown-field: the known field it most likely meant. */
  suggestion?: string;
}

export interface LintedManifest {
  file: string;
  problems: LintProblem[];
  /** The document as plain data when it parsed. */
  value?: Record<string, any>;
  podName?: string;
  namespace?: string;
}

const objectMeta = [
  'name',
  'namespace',
  'labels',
  'annotations',
  'uid',
  'generateName',
  'resourceVersion',
  'creationTimestamp',
  'ownerReferences',
  'finalizers',
  'generation',
  'selfLink',
  'managedFields',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'clusterName',
];
const any = '*';

/** The Pod fields kubelet 1.19 knows, deep enough to catch the usual misspellings. `*` = not checked below. */
const podSchema: Record<string, string[]> = {
  pod: ['apiVersion', 'kind', 'metadata', 'spec', 'status'],
  metadata: objectMeta,
  spec: [
    'containers',
    'initContainers',
    'ephemeralContainers',
    'volumes',
    'hostNetwork',
    'hostPID',
    'hostIPC',
    'nodeName',
    'nodeSelector',
    'restartPolicy',
    'dnsPolicy',
    'dnsConfig',
    'serviceAccountName',
    'serviceAccount',
    'automountServiceAccountToken',
    'securityContext',
    'terminationGracePeriodSeconds',
    'activeDeadlineSeconds',
    'imagePullSecrets',
    'hostname',
    'subdomain',
    'affinity',
    'tolerations',
    'schedulerName',
    'priorityClassName',
    'priority',
    'hostAliases',
    'readinessGates',
    'runtimeClassName',
    'enableServiceLinks',
    'preemptionPolicy',
    'overhead',
    'topologySpreadConstraints',
    'shareProcessNamespace',
    'setHostnameAsFQDN',
  ],
  container: [
    'name',
    'image',
    'command',
    'args',
    'workingDir',
    'ports',
    'envFrom',
    'env',
    'resources',
    'volumeMounts',
    'volumeDevices',
    'livenessProbe',
    'readinessProbe',
    'startupProbe',
    'lifecycle',
    'terminationMessagePath',
    'terminationMessagePolicy',
    'imagePullPolicy',
    'securityContext',
    'stdin',
    'stdinOnce',
    'tty',
  ],
  volume: [
    'name',
    'hostPath',
    'emptyDir',
    'configMap',
    'secret',
    'persistentVolumeClaim',
    'projected',
    'downwardAPI',
    'nfs',
    'csi',
    'ephemeral',
    'iscsi',
    'glusterfs',
    'rbd',
    'flexVolume',
    'cinder',
    'cephfs',
    'flocker',
    'fc',
    'azureFile',
    'azureDisk',
    'vsphereVolume',
    'quobyte',
    'photonPersistentDisk',
    'portworxVolume',
    'scaleIO',
    'storageos',
    'gcePersistentDisk',
    'awsElasticBlockStore',
    'gitRepo',
  ],
  hostPath: ['path', 'type'],
  volumeMount: ['name', 'mountPath', 'readOnly', 'subPath', 'subPathExpr', 'mountPropagation'],
  port: ['containerPort', 'hostPort', 'hostIP', 'name', 'protocol'],
  env: ['name', 'value', 'valueFrom'],
};

function childSchema(parent: string, key: string): string | undefined {
  if (parent === 'pod') return key === 'metadata' ? 'metadata' : key === 'spec' ? 'spec' : undefined;
  if (parent === 'spec' && (key === 'containers' || key === 'initContainers')) return 'container[]';
  if (parent === 'spec' && key === 'volumes') return 'volume[]';
  if (parent === 'volume' && key === 'hostPath') return 'hostPath';
  if (parent === 'container' && key === 'volumeMounts') return 'volumeMount[]';
  if (parent === 'container' && key === 'ports') return 'port[]';
  if (parent === 'container' && key === 'env') return 'env[]';
  return undefined;
}

/** The known field a misspelling most likely meant: same letters ignoring case, or one edit away. */
export function closestField(name: string, known: string[]): string | undefined {
  const lower = name.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase) return sameCase;
  return known.find((k) => editDistance(k.toLowerCase(), lower) <= (k.length > 6 ? 2 : 1));
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

export function lintManifestText(text: string, file: string): LintedManifest {
  const { isMap } = yaml();
  const read = readYaml(text, { oneDocument: 'kubelet reads one Pod per file', everyTab: true });
  const problems: LintProblem[] = read.problems.map(({ line, column, code, message }) => ({
    file,
    line,
    column,
    severity: 'error',
    code,
    message,
  }));
  const add = (severity: LintSeverity, code: string, message: string, offset?: number, suggestion?: string) =>
    problems.push({ file, ...read.at(offset), severity, code, message, ...(suggestion ? { suggestion } : {}) });
  const doc = read.document;
  if (!doc) return { file, problems };
  const root = doc.contents as Node | null;
  const value = doc.toJS() as Record<string, any>;
  const offsetOf = (pathKeys: (string | number)[]): number | undefined => {
    const node = doc.getIn(pathKeys, true) as Node | undefined;
    return node?.range?.[0];
  };
  if (!isMap(root)) {
    add('error', 'not-a-pod', 'the document is not a mapping, so it cannot be a Pod', root?.range?.[0]);
    return { file, problems };
  }
  if (value.kind !== 'Pod')
    add('error', 'not-a-pod', `kind is ${JSON.stringify(value.kind ?? null)}; a file in pods/ must be kind: Pod`, offsetOf(['kind']) ?? 0);
  else if (value.apiVersion !== 'v1')
    add(
      'error',
      'not-a-pod',
      `apiVersion is ${JSON.stringify(value.apiVersion ?? null)}; a Pod is apiVersion: v1`,
      offsetOf(['apiVersion']) ?? 0,
    );
  if (!value.metadata?.name)
    add('error', 'no-name', 'metadata.name is missing; kubelet needs a name for every pod', offsetOf(['metadata']) ?? 0);
  const containers = value.spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0)
    add('error', 'no-containers', 'spec.containers is missing or empty; a pod needs at least one container', offsetOf(['spec']) ?? 0);
  else
    containers.forEach((container: any, index: number) => {
      if (!container?.name)
        add('error', 'no-container-name', `spec.containers[${index}] has no name`, offsetOf(['spec', 'containers', index]));
      if (!container?.image) add('error', 'no-image', `spec.containers[${index}] has no image`, offsetOf(['spec', 'containers', index]));
      for (const field of ['command', 'args'] as const) lintArgv(container?.[field], ['spec', 'containers', index, field], add, offsetOf);
    });
  walkUnknown(root, 'pod', '', add);
  return { file, problems, value, podName: value.metadata?.name, namespace: value.metadata?.namespace ?? 'default' };
}

type Add = (severity: LintSeverity, code: string, message: string, offset?: number, suggestion?: string) => void;

/**
 * command and args are lists of strings. kubelet rejects the whole file over one item that is not
 * ("cannot unmarshal object into Go struct field Container.spec.containers.command of type string"),
 * and the usual cause hides in plain sight: `- --data-dir: /x` is a mapping, `- 8080` a number.
 */
function lintArgv(list: unknown, at: (string | number)[], add: Add, offsetOf: (keys: (string | number)[]) => number | undefined): void {
  if (list === undefined || list === null) return;
  const where = `spec.containers[${at[2]}].${at[3]}`;
  if (!Array.isArray(list)) {
    add('error', 'argv-not-list', `${where} is not a list; write one \`- item\` per word`, offsetOf(at));
    return;
  }
  list.forEach((item: unknown, index: number) => {
    if (typeof item === 'string') return;
    const offset = offsetOf([...at, index]);
    if (item && typeof item === 'object' && !Array.isArray(item)) {
      const [key, value] = Object.entries(item)[0] ?? ['', ''];
      const flag = `${key}=${value ?? ''}`;
      add(
        'error',
        'argv-item-not-string',
        `${where}[${index}] reads as a mapping (${key}: ${JSON.stringify(value)}), not a string, because of the ": " in it; ` +
          `kubelet rejects the whole file. Write ${flag}, or quote the item`,
        offset,
      );
    } else
      add(
        'error',
        'argv-item-not-string',
        `${where}[${index}] is ${item === null ? 'empty (null)' : `the ${Array.isArray(item) ? 'list' : typeof item} ${JSON.stringify(item)}`}, not a string; ` +
          `kubelet rejects the whole file. Quote it${item === null || Array.isArray(item) ? '' : `: "${String(item)}"`}`,
        offset,
      );
  });
}

function walkUnknown(node: Node, schema: string, where: string, add: Add): void {
  const { isMap, isScalar, isSeq } = yaml();
  if (schema.endsWith('[]')) {
    if (isSeq(node)) node.items.forEach((item, index) => item && walkUnknown(item as Node, schema.slice(0, -2), `${where}[${index}]`, add));
    return;
  }
  const known = podSchema[schema];
  if (!known || !isMap(node) || known.includes(any)) return;
  for (const pair of node.items) {
    const keyNode = pair.key as Node;
    const key = isScalar(keyNode) ? String(keyNode.value) : '';
    const fieldPath = where ? `${where}.${key}` : key;
    if (!known.includes(key)) {
      const suggestion = closestField(key, known);
      add(
        'warning',
        'unknown-field',
        `${fieldPath} is not a Pod field${suggestion ? ` (did you mean ${suggestion}?)` : ''}; kubelet ignores it without a word`,
        keyNode.range?.[0],
        suggestion,
      );
      continue;
    }
    const child = childSchema(schema, key);
    if (child && pair.value) walkUnknown(pair.value as Node, child, fieldPath, add);
  }
}

export function lintManifestFile(file: string, displayName = file): LintedManifest {
  return lintManifestText(readFileSync(file, 'utf8'), displayName);
}

/** Files kubelet reads from its --pod-manifest-path: every file whose name does not start with a dot. */
export function manifestFiles(podsDir: string): string[] {
  try {
    return readdirSync(podsDir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

export interface DuplicatePod {
  namespace: string;
  name: string;
  /** In name order; kubelet keeps one of them, usually the last it reads. */
  files: string[];
}

export interface PodsDirLint {
  manifests: LintedManifest[];
  duplicates: DuplicatePod[];
}

/** Lints every file in pods/ and finds pods defined twice (same namespace and name). */
export function lintPodsDir(podsDir: string, relativeTo = path.dirname(podsDir)): PodsDirLint {
  const manifests = manifestFiles(podsDir).map((name) =>
    lintManifestFile(path.join(podsDir, name), path.relative(relativeTo, path.join(podsDir, name))),
  );
  return { manifests, duplicates: findDuplicates(manifests) };
}

export function findDuplicates(manifests: LintedManifest[]): DuplicatePod[] {
  const byName = new Map<string, LintedManifest[]>();
  for (const manifest of manifests) {
    if (!manifest.podName) continue;
    const key = `${manifest.namespace}/${manifest.podName}`;
    byName.set(key, [...(byName.get(key) ?? []), manifest]);
  }
  return [...byName.values()]
    .filter((group) => group.length > 1)
    .map((group) => ({ namespace: group[0]!.namespace!, name: group[0]!.podName!, files: group.map((m) => m.file) }));
}

export const formatProblem = (problem: LintProblem): string => formatAt(problem.file, problem, problem.message);

/** What to do about each error, by code: the hint of a failing file probe and the fix of a diagnosis. */
const fixes: Record<string, string> = {
  tab: 'Replace the tab with spaces; YAML indents with spaces only.',
  'yaml-syntax': 'Fix the YAML at that spot: sibling keys must line up exactly, and every `key: value` needs a space after the colon.',
  'multi-doc': 'Put one Pod in each file; split the others into files of their own.',
  empty: 'Write the Pod into the file (the lesson has the command), or remove the empty file.',
  'not-a-pod': 'Start the file with `apiVersion: v1` and `kind: Pod`; pods/ holds Pod manifests only.',
  'no-name': 'Add `metadata:` with a `name:`; kubelet names the pod <name>-<node> from it.',
  'no-containers': 'Add `spec.containers` with at least one container that has a name and an image.',
  'no-container-name': 'Give every container a `name:`.',
  'no-image': 'Give every container an `image:` with a pinned tag that `docker images` lists.',
};

export const fixFor = (code: string): string => fixes[code] ?? 'Fix the file at that line and column.';

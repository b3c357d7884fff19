import type { CodeProbe } from '../types.ts';
import {
  apiReader,
  controllerManagerActive,
  controllerManagerLoopback,
  defaultServiceAccounts,
  deploymentPods,
  serviceAccountTokens,
  tokenCa,
  tokenPodRuns,
  tokensAccepted,
} from './controllerManager.ts';
import { apiserverCacheRestored, etcdRestoredDataDir, etcdSnapshotSaved } from './etcdBackup.ts';
import { dryRunPod, unpinnedPending } from './podAdmission.ts';
import { curlLogs, curlRan, nginxServes } from './podNetwork.ts';
import { nodeSchedulable, podScheduled, schedulerActive } from './scheduling.ts';
import { apiserverKubeletRoute, etcdDataOnHost, nodeReady } from './staticPods.ts';

/** Probes that need code; step metadata names them with `kind: code, module: <name>`. */
export const codeProbes: Record<string, CodeProbe> = {
  'dry-run-pod': dryRunPod,
  'unpinned-pending': unpinnedPending,
  'nginx-serves': nginxServes,
  'curl-logs': curlLogs,
  'curl-ran': curlRan,
  'etcd-data-on-host': etcdDataOnHost,
  'apiserver-kubelet-route': apiserverKubeletRoute,
  'node-ready': nodeReady,
  'scheduler-active': schedulerActive,
  'node-schedulable': nodeSchedulable,
  'pod-scheduled': podScheduled,
  'controller-manager-active': controllerManagerActive,
  'controller-manager-loopback': controllerManagerLoopback,
  'default-serviceaccounts': defaultServiceAccounts,
  'serviceaccount-tokens': serviceAccountTokens,
  'token-ca': tokenCa,
  'tokens-accepted': tokensAccepted,
  'deployment-pods': deploymentPods,
  'token-pod-runs': tokenPodRuns,
  'api-reader': apiReader,
  'etcd-snapshot-saved': etcdSnapshotSaved,
  'etcd-restored-data-dir': etcdRestoredDataDir,
  'apiserver-cache-restored': apiserverCacheRestored,
};

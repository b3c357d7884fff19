/**
 * The names of the code actions (`code:` in a step's apply). Content is checked against these on every
 * start, so they live apart from the actions themselves: a `lab verify` loads no action's module.
 */
export const CODE_ACTIONS = [
  'pending-nginx',
  'bind-nginx',
  'run-curl',
  'untaint-node',
  'serviceaccount-keys',
  'await-apiserver-cert',
  'run-api-reader',
  'etcd-backup-restore',
] as const;

export type CodeActionName = (typeof CODE_ACTIONS)[number];

#!/bin/sh
# OCI runtime wrapper for the test bed's dockerd, used only on machines whose kernel refuses to lower a
# process's oom_score_adj below 0 (no CAP_SYS_RESOURCE in the capability bounding set, as in some
# sandboxed VMs). kubelet gives every pod sandbox oom_score_adj -998; runc would fail to start it with
# "can't get final child's PID from pipe: EOF". This raises negative values to 0 in the bundle's
# config.json and then runs the real runc with the same arguments. Nothing else changes.
set -eu
bundle=
prev=
for arg in "$@"; do
  case "$prev" in --bundle|-b) bundle=$arg ;; esac
  case "$arg" in --bundle=*) bundle=${arg#--bundle=} ;; esac
  prev=$arg
done
if [ -n "$bundle" ] && [ -f "$bundle/config.json" ]; then
  sed -i -E 's/"oomScoreAdj":[[:space:]]*-[0-9]+/"oomScoreAdj":0/' "$bundle/config.json"
fi
exec runc "$@"

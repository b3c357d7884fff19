#!/bin/sh
# Prepares a Debian 13 (trixie) machine for mvk-lab's classic track (Kubernetes v1.19.16 on Docker), as
# root: the Docker engine, Node.js and the tools the lab runs. The Lima template and the cloud-init file
# beside it carry this same script, and the lab's VM test builds its Debian 13 machine with it, so what
# a student gets is what the test proves. Ubuntu 24.04 works too, with Node.js from snap.
set -eu

export DEBIAN_FRONTEND=noninteractive
apt-get update -q

# The lab needs Node.js 20.5 or newer: Debian 13 has 20.19; Ubuntu 24.04 has 18, so there it comes from
# snap (an apt nodejs would stay first on PATH, so it is not installed at all then).
node_candidate=$(apt-cache policy nodejs | sed -n 's/^ *Candidate: *\([0-9]*\).*/\1/p')
node_pkgs=""
if [ "${node_candidate:-0}" -ge 20 ]; then node_pkgs="nodejs npm"; fi
# Debian splits the `docker` command into docker-cli; Ubuntu's docker.io still carries it.
cli_pkg=""
if apt-cache show docker-cli >/dev/null 2>&1; then cli_pkg="docker-cli"; fi

# docker.io: the distribution's Docker engine (26.x in Debian 13). iptables, conntrack: Docker's and
# kubelet's networking. git, tmux: fetching the lab, and the extra terminals on one screen.
# shellcheck disable=SC2086 # the package lists are meant to split
apt-get install -y -q --no-install-recommends \
  docker.io $cli_pkg $node_pkgs iptables conntrack git tmux ca-certificates curl procps kmod

if [ -z "$node_pkgs" ]; then
  if command -v snap >/dev/null 2>&1; then
    snap install node --classic --channel=22/stable
  else
    echo "provision: this system's Node.js ($node_candidate) is too old for the lab (it needs 20.5 or newer): use Debian 13" >&2
    exit 1
  fi
fi

# kubelet 1.19's dockershim speaks Docker API 1.40. Docker 29 refuses clients older than 1.44 unless told
# otherwise (moby/moby#51186, #51371); older engines reject the unknown key, so it is written only where
# it is needed.
docker_major=$(dockerd --version | sed -E 's/^Docker version ([0-9]+).*/\1/')
if [ "$docker_major" -ge 29 ]; then
  mkdir -p /etc/docker
  if [ -s /etc/docker/daemon.json ]; then
    echo "provision: Docker $docker_major needs \"min-api-version\": \"1.40\" in /etc/docker/daemon.json; add it to yours" >&2
  else
    printf '{\n  "min-api-version": "1.40"\n}\n' >/etc/docker/daemon.json
  fi
fi

# Docker now and at every boot (in a chroot or an image build there is no running systemd to ask).
if [ -d /run/systemd/system ]; then
  systemctl enable --now docker.service
else
  systemctl enable docker.service >/dev/null 2>&1 || true
fi
echo "provision: ready: $(dockerd --version), Node.js $(PATH="$PATH:/snap/bin" node --version)"

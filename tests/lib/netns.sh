#!/usr/bin/env bash
# tests/lib/netns.sh CMD [ARGS...]
#
# Runs CMD inside a private, anonymous network namespace (`unshare -n`, root
# only). Inside: `lo` is up, plus a veth pair whose first end carries
# 127.0.0.2/32 (libnice never gathers candidates on a loopback interface, so
# Janus is told `interface = "127.0.0.2"` and `ice_enforce_list = <veth>`).
# The namespace has no route out: nothing the tests do can reach any address
# outside loopback / this namespace. It vanishes with its last process, so
# parallel runs never collide (ports and interface names are private).
#
# Exported inside: MS_NETNS=1, MS_ICE_IFACE (veth carrying 127.0.0.2),
# MS_ICE_IP=127.0.0.2.
set -euo pipefail

if [ $# -eq 0 ]; then
	echo "usage: $0 CMD [ARGS...]" >&2
	exit 2
fi

if [ "${MS_NETNS_INNER:-}" != "1" ]; then
	if [ "$(id -u)" != "0" ]; then
		echo "netns.sh: must run as root (unshare -n)" >&2
		exit 2
	fi
	# Re-exec ourselves in a fresh network namespace.
	export MS_NETNS_INNER=1
	exec unshare --net -- bash "$0" "$@"
fi

IFACE=msveth0
PEER=msveth1
ip link set lo up
ip link add "$IFACE" type veth peer name "$PEER"
ip addr add 127.0.0.2/32 dev "$IFACE"
ip link set "$IFACE" up
ip link set "$PEER" up
# No IPv6 link-local noise on the veths (per-namespace sysctls).
for i in "$IFACE" "$PEER"; do echo 1 > "/proc/sys/net/ipv6/conf/$i/disable_ipv6" 2>/dev/null || true; done
# Sanity: we must be alone with no default route.
if ip route show default | grep -q .; then
	echo "netns.sh: unexpected default route inside the namespace" >&2
	exit 2
fi
export MS_NETNS=1 MS_ICE_IFACE="$IFACE" MS_ICE_IP=127.0.0.2
unset MS_NETNS_INNER
echo "netns.sh: private netns up (lo, $IFACE=127.0.0.2/32 <-> $PEER)" >&2
exec "$@"

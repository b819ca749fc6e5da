// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Attach to (or create) a TUN device and bring it up.  No packet-info header
 * (IFF_NO_PI): reads and writes are bare IP packets, and the kernel takes the
 * protocol from the version nibble.  No IFF_VNET_HDR either, so the kernel
 * segments any GSO packet before handing it over and the emulator's queue
 * counts packets as they would be on a wire.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_tun.h>
#include "linkem.h"

static int tun_fail(const char *name, const char *what, int fd, int sock)
{
	int err = errno;

	fprintf(stderr, "linkem: error: %s %s: %s%s\n", what, name, strerror(err),
		err == EINVAL && !strcmp(what, "cannot attach to") ?
		" (a persistent device made with packet info or multiqueue? use 'ip tuntap add mode tun')" :
		err == EPERM || err == EACCES ? " (needs CAP_NET_ADMIN)" : "");
	if (fd >= 0)
		close(fd);
	if (sock >= 0)
		close(sock);
	return -err;
}

int tun_attach(const char *name, uint32_t mtu, uint32_t txqueuelen)
{
	struct ifreq ifr;
	int fd, sock = -1;

	if (strlen(name) >= IFNAMSIZ) {
		fprintf(stderr, "linkem: error: interface name '%s' is longer than %d characters\n",
			name, IFNAMSIZ - 1);
		return -EINVAL;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return tun_fail("/dev/net/tun", "cannot open", -1, -1);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return tun_fail(name, "cannot attach to", fd, sock);

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return tun_fail(name, "cannot open a control socket for", fd, sock);
	ifr.ifr_mtu = (int)mtu;
	if (ioctl(sock, SIOCSIFMTU, &ifr) < 0)
		return tun_fail(name, "cannot set the MTU of", fd, sock);
	/*
	 * The TUN's transmit ring is where packets wait for our read(); when
	 * it is full the kernel drops silently, outside the emulated queue.
	 * The default (500) is short for a burst at Gbit/s rates.
	 */
	ifr.ifr_qlen = (int)txqueuelen;
	if (ioctl(sock, SIOCSIFTXQLEN, &ifr) < 0)
		return tun_fail(name, "cannot set txqueuelen of", fd, sock);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return tun_fail(name, "cannot read the flags of", fd, sock);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
		return tun_fail(name, "cannot bring up", fd, sock);
	close(sock);
	return fd;
}

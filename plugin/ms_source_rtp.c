/* ms_source_rtp.c: the rtp:// driver. RTP is pushed to us: bind HOST:PORT
 * (UDP) from startup and hand every packet to the source. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>
#include <netdb.h>
#include <arpa/inet.h>
#include "ms_plugin.h"
#include "ms_source.h"
#include "ms_rtp.h"

typedef struct rtp_listener {
	ms_source *src;
	int fd;
	struct sockaddr_storage only;	/* #from: the one sender accepted */
	gboolean filtered;
	guint dropped;
	volatile gint stop;
	GThread *thread;
} rtp_listener;

static int bind_udp(const char *host, int port)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	char portstr[8];
	g_snprintf(portstr, sizeof(portstr), "%d", port);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	if(getaddrinfo(host, portstr, &hints, &res) != 0 || res == NULL)
		return -1;
	int fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if(fd >= 0) {
		int one = 1, rcvbuf = MS_SOURCE_SOCKET_BUFFER;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		if(bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

static gpointer rtp_thread(gpointer data)
{
	rtp_listener *l = data;
	struct pollfd pfd = { .fd = l->fd, .events = POLLIN };
	while(!g_atomic_int_get(&l->stop)) {
		/* RTCP sent to this port by a sender using adjacent ports is
		 * dropped there: it is not video */
		if(poll(&pfd, 1, 200) > 0 && !ms_source_receive(l->src, l->fd, l->filtered ? &l->only : NULL) &&
				l->dropped++ % 1000 == 0)
			JANUS_LOG(LOG_WARN, MS_TAG "Stream %s: %u datagram(s) from other senders than #from dropped\n",
				ms_source_name(l->src), l->dropped);
	}
	return NULL;
}

static gboolean rtp_start(ms_source *src)
{
	const ms_source_url *url = ms_source_get_url(src);
	int fd = bind_udp(url->host, url->port);
	if(fd < 0) {
		JANUS_LOG(LOG_ERR, MS_TAG "Stream %s: can't bind %s:%d: %s\n", ms_source_name(src),
			url->host, url->port, g_strerror(errno));
		return FALSE;
	}
	rtp_listener *l = g_new0(rtp_listener, 1);
	l->src = src;
	l->fd = fd;
	if(url->from_host != NULL) {
		struct sockaddr_in *v4 = (struct sockaddr_in *)&l->only;
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&l->only;
		if(inet_pton(AF_INET, url->from_host, &v4->sin_addr) == 1) {
			v4->sin_family = AF_INET;
			v4->sin_port = htons((guint16)url->from_port);
		} else if(inet_pton(AF_INET6, url->from_host, &v6->sin6_addr) == 1) {
			v6->sin6_family = AF_INET6;
			v6->sin6_port = htons((guint16)url->from_port);
		}
		l->filtered = TRUE;
	}
	l->thread = ms_source_thread(src, "ms-rtp", url->port, rtp_thread, l);
	if(l->thread == NULL) {
		close(fd);
		g_free(l);
		return FALSE;
	}
	ms_source_set_driver_data(src, l);
	return TRUE;
}

static void rtp_stop(ms_source *src)
{
	rtp_listener *l = ms_source_driver_data(src);
	if(l == NULL)
		return;
	g_atomic_int_set(&l->stop, 1);
	g_thread_join(l->thread);
	close(l->fd);
	g_free(l);
	ms_source_set_driver_data(src, NULL);
}

const ms_source_driver ms_source_rtp_driver = {
	.kind = "rtp",
	.always_on = TRUE,
	.start = rtp_start,
	.stop = rtp_stop,
	.keyframe = NULL,
};

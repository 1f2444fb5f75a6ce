/* ms_source_ffmpeg.c: the two ffmpeg-backed drivers (docs/sources.md).
 *
 * rtsp://  ffmpeg pulls the camera and stream-copies its H264 as RTP to a
 *          UDP socket we bound on 127.0.0.1 (port 0); a thread hands every
 *          packet to the source, as the rtp:// driver does.
 * ffmpeg:  a variant is a consumer of its parent source: the parent's
 *          packets are forwarded (sendto, no allocation) to a local port
 *          where an ffmpeg transcoder reads them through a small SDP file
 *          (H264 or H265, as the parent sends: the transcoder is spawned
 *          once that is known) and sends libx264 or libx265 RTP back to the
 *          variant's own socket. The camera is pulled once however many
 *          variants exist. A parent that changes codec restarts it.
 *
 * Locks: the consumer callbacks run on the parent's thread with the
 * PARENT's mutex held and never take the variant's mutex. start runs with
 * the variant's mutex held and takes the parent's (ms_source_add_consumer):
 * child before parent, as ms_plugin.h allows. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include "ms_plugin.h"
#include "ms_source.h"
#include "ms_proc.h"
#include "ms_rtp.h"

#define FF_PKT_SIZE 1200		/* RTP packets ffmpeg sends us (fit SRTP in an MTU) */
#define FF_PT 96			/* payload type between ffmpeg and us, both ways */
#define FF_AUDIO_PT 111			/* ... of the Opus audio of an rtsp camera */
#define FF_PORT_CHECK_US (20 * 1000)	/* how often to look whether ffmpeg listens yet */

/* One local port pair ffmpeg sends RTP to (port) and RTCP (port + 1), and
 * the source its packets are for. Receive thread only, after start. */
typedef struct ff_input {
	ms_source *target;
	int fd, rtcp_fd;
	int port;
	gboolean sender_known;		/* socket connected to ffmpeg's port */
	gint64 last_probe;
	guint dropped;			/* datagrams from anyone else */
} ff_input;

/* rtsp: the video, the camera's audio as it is, its audio in Opus */
enum { FF_VIDEO = 0, FF_AUDIO_COPY, FF_AUDIO_OPUS, FF_INPUTS };

typedef struct ff_source {
	ms_source *src;
	ff_input in[FF_INPUTS];		/* in[FF_VIDEO] only, for a variant */
	guint n_in;
	volatile gint stop;
	GThread *thread;
	ms_proc *proc;
	/* Variant only */
	ms_source *parent;
	ms_consumer consumer;
	int fwd_fd;			/* forwards the parent's RTP to ffmpeg */
	struct sockaddr_in fwd_to;
	int in_port;
	const ms_codec *in_codec;	/* what the transcoder was told it reads */
	char *sdp_path;
	volatile gint primed;		/* forwarding live packets */
	volatile gint upstream_s;	/* parent flowing since (monotonic s + 1), 0: down */
	/* Continuity of the forwarded stream (parent's thread only) */
	gboolean have_in;
	guint32 in_ssrc, out_ssrc, ts_off, last_ts;
	guint16 seq_off, last_seq;
	gboolean spawn_failed;		/* reported (listen thread only) */
} ff_source;

/* Bind 127.0.0.1 on an even port and the next one (RTP and RTCP). */
static int bind_pair(int *rtp_fd, int *rtcp_fd)
{
	for(int attempt = 0; attempt < 32; attempt++) {
		int a = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int b = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in sin = { .sin_family = AF_INET };
		socklen_t slen = sizeof(sin);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		int port = -1;
		if(a >= 0 && b >= 0 && bind(a, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
				getsockname(a, (struct sockaddr *)&sin, &slen) == 0) {
			port = ntohs(sin.sin_port);
			sin.sin_port = htons((guint16)(port + 1));
			if(port % 2 != 0 || port >= 65535 || bind(b, (struct sockaddr *)&sin, sizeof(sin)) != 0)
				port = -1;
		}
		if(port > 0) {
			int rcvbuf = MS_SOURCE_SOCKET_BUFFER;
			setsockopt(a, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
			*rtp_fd = a;
			*rtcp_fd = b;
			return port;
		}
		if(a >= 0)
			close(a);
		if(b >= 0)
			close(b);
	}
	return -1;
}

/* Who holds a local UDP port in our namespace: whether any socket is bound
 * to it, and whether one of those belongs to process pid (its
 * /proc/PID/fd links to the socket's inode). */
typedef enum port_owner {
	PORT_FREE = 0,
	PORT_OURS,		/* bound by pid */
	PORT_OTHER,		/* bound by someone else only */
} port_owner;

static gboolean pid_has_socket(int pid, const char *inode)
{
	char dir[64], link[64], want[48];
	g_snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	g_snprintf(want, sizeof(want), "socket:[%s]", inode);
	GDir *d = g_dir_open(dir, 0, NULL);
	gboolean found = FALSE;
	const char *e;
	while(d != NULL && !found && (e = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(dir, e, NULL);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		g_free(path);
		if(n > 0) {
			link[n] = '\0';
			found = strcmp(link, want) == 0;
		}
	}
	if(d != NULL)
		g_dir_close(d);
	return found;
}

static port_owner udp_port_owner(int port, int pid)
{
	FILE *f = fopen("/proc/self/net/udp", "r");
	if(f == NULL)
		return PORT_OURS;	/* no /proc: nothing to check against */
	char line[512], want[16];
	g_snprintf(want, sizeof(want), ":%04X", port);
	port_owner owner = PORT_FREE;
	while(owner != PORT_OURS && fgets(line, sizeof(line), f) != NULL) {
		/* sl local_address rem_address st queues tr retrnsmt uid timeout inode */
		char **fields = g_strsplit_set(g_strstrip(line), " ", -1);
		char *cols[10];
		guint n = 0;
		for(char **p = fields; *p != NULL && n < G_N_ELEMENTS(cols); p++)
			if(**p != '\0')
				cols[n++] = *p;
		if(n == G_N_ELEMENTS(cols) && g_str_has_suffix(cols[1], want))
			owner = (pid > 0 && pid_has_socket(pid, cols[9])) ? PORT_OURS : PORT_OTHER;
		g_strfreev(fields);
	}
	fclose(f);
	return owner;
}

/* Our sockets on 127.0.0.1 take RTP from ffmpeg only: the first datagram
 * from a port that belongs to our child connects the socket to it, after
 * which the kernel drops every other sender; datagrams from anyone else
 * before that are dropped here. At most one /proc look-up per 10 ms. */
static void receive_from_child(ff_source *f, ff_input *in)
{
	if(!in->sender_known) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		guint8 probe[1];
		if(recvfrom(in->fd, probe, sizeof(probe), MSG_PEEK, (struct sockaddr *)&from, &flen) < 0)
			return;
		gint64 now = g_get_monotonic_time();
		gboolean ours = from.sin_family == AF_INET && now - in->last_probe >= 10000 &&
			udp_port_owner(ntohs(from.sin_port), ms_proc_pid(f->proc)) == PORT_OURS;
		in->last_probe = now;
		if(!ours || connect(in->fd, (struct sockaddr *)&from, flen) != 0) {
			(void)recv(in->fd, probe, sizeof(probe), 0);	/* not from our ffmpeg: dropped */
			if(in->dropped++ == 0)
				JANUS_LOG(LOG_WARN, MS_TAG "Stream %s: datagram from 127.0.0.1:%u dropped (not our ffmpeg)\n",
					ms_source_name(in->target), ntohs(from.sin_port));
			return;
		}
		in->sender_known = TRUE;
	}
	ms_source_receive(in->target, in->fd, NULL);
}

/* The forwarded stream continues across a parent restart: a sequence jump
 * beyond this (or a new SSRC) is a new upstream run, which is renumbered to
 * follow what was sent, its first frame FF_RESTART_TS_STEP (one frame at
 * 30 fps, in 90 kHz ticks) after the last. */
#define FF_RESTART_SEQ_JUMP 500
#define FF_RESTART_TS_STEP 3000

/* Forward one parent packet to the transcoder, keeping one SSRC and
 * continuous numbering across parent restarts (ffmpeg's RTP demuxer would
 * stall on a new SSRC or a sequence jump). Parent's thread, its mutex held. */
static void forward(ff_source *f, const guint8 *pkt, gsize len)
{
	guint8 buf[MS_RTP_MAX_PACKET];
	if(len < MS_RTP_HEADER_LEN || len > sizeof(buf))
		return;
	memcpy(buf, pkt, len);
	guint32 ssrc = ms_rtp_ssrc(buf), ts = ms_rtp_ts(buf);
	guint16 seq = ms_rtp_seq(buf);
	gint16 jump = (gint16)(guint16)(seq + f->seq_off - f->last_seq);
	if(!f->have_in) {
		f->have_in = TRUE;
		f->in_ssrc = ssrc;
	} else if(ssrc != f->in_ssrc || jump > FF_RESTART_SEQ_JUMP || jump < -FF_RESTART_SEQ_JUMP) {
		/* A new upstream run: continue right after what we sent */
		f->in_ssrc = ssrc;
		f->seq_off = (guint16)(f->last_seq + 1 - seq);
		f->ts_off = f->last_ts + FF_RESTART_TS_STEP - ts;
	}
	f->last_seq = (guint16)(seq + f->seq_off);
	f->last_ts = ts + f->ts_off;
	ms_rtp_set_seq(buf, f->last_seq);
	ms_rtp_set_ts(buf, f->last_ts);
	ms_rtp_set_ssrc(buf, f->out_ssrc);
	ms_rtp_set_pt(buf, FF_PT);
	sendto(f->fwd_fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&f->fwd_to, sizeof(f->fwd_to));
}

static void parent_rtp(ms_consumer *c, ms_source *parent, const ms_packet *pkt, gint64 now)
{
	ff_source *f = c->ctx;
	if(g_atomic_int_get(&f->upstream_s) == 0)
		g_atomic_int_set(&f->upstream_s, (gint)(now / G_USEC_PER_SEC) + 1);
	if(!g_atomic_int_get(&f->primed))
		return;
	if(ms_source_codec(parent) != f->in_codec) {
		/* The transcoder reads another codec: start it again for this one */
		if(g_atomic_int_compare_and_exchange(&f->primed, 1, 0))
			ms_source_driver_failed(f->src);
		return;
	}
	forward(f, pkt->data, pkt->len);
}

static void parent_state(ms_consumer *c, ms_source *parent, ms_source_state st)
{
	ff_source *f = c->ctx;
	if(st == MS_SRC_OFFLINE)
		g_atomic_int_set(&f->upstream_s, 0);
}

static const ms_consumer_ops parent_ops = {
	.rtp = parent_rtp,
	.state = parent_state,
};

/* Replay the parent's GOP cache, then let live packets through; parent's
 * mutex held, so nothing is lost or reordered in between. */
/* The cached frames are stamped one tick apart, ending on the timestamp of
 * the newest: the transcoder decodes them all (the newest picture needs
 * them) but they last no time, so what it sends starts with the camera's
 * current picture instead of replaying the GOP at its own pace (a browser
 * would play that burst up to a GOP late, or drop it), as a slot's replay
 * does (ms_rewrite.h). */
static void prime_locked(ms_source *parent, ms_gop *gop, void *data)
{
	ff_source *f = data;
	if(ms_gop_ready(gop, g_get_monotonic_time(), ms_config.gop_cache_age)) {
		guint n = ms_gop_count(gop), frames = 0;
		guint32 prev = 0, last = 0;
		for(guint i = 0; i < n; i++) {
			gsize len = 0;
			const guint8 *pkt = ms_gop_packet(gop, i, &len);
			if(pkt != NULL && (frames == 0 || ms_rtp_ts(pkt) != prev)) {
				frames++;
				prev = last = ms_rtp_ts(pkt);
			}
		}
		guint k = 0;
		prev = 0;
		for(guint i = 0; i < n; i++) {
			gsize len = 0;
			const guint8 *pkt = ms_gop_packet(gop, i, &len);
			guint8 buf[MS_RTP_MAX_PACKET];
			if(pkt == NULL || len < MS_RTP_HEADER_LEN || len > sizeof(buf))
				continue;
			if(k == 0 || ms_rtp_ts(pkt) != prev)
				k++;
			prev = ms_rtp_ts(pkt);
			memcpy(buf, pkt, len);
			ms_rtp_set_ts(buf, last - (frames - k));
			forward(f, buf, len);
		}
	}
	g_atomic_int_set(&f->primed, 1);
}

static void variant_spawn(ff_source *f);

/* Receives ffmpeg's RTP; for a variant, first spawns the transcoder once
 * the parent's codec is known, then primes it once it listens. Takes the
 * parent's mutex (priming) with no mutex held. */
static gpointer listen_thread(gpointer data)
{
	ff_source *f = data;
	guint8 buf[MS_RTP_MAX_PACKET + 100];
	struct pollfd pfd[2 * FF_INPUTS];
	for(guint i = 0; i < f->n_in; i++) {
		pfd[2 * i] = (struct pollfd){ .fd = f->in[i].fd, .events = POLLIN };
		pfd[2 * i + 1] = (struct pollfd){ .fd = f->in[i].rtcp_fd, .events = POLLIN };
	}
	gint64 next_check = 0;
	gboolean taken_logged = FALSE;
	while(!g_atomic_int_get(&f->stop)) {
		if(f->parent != NULL && f->proc == NULL && !f->spawn_failed)
			variant_spawn(f);
		if(f->proc != NULL && f->parent != NULL && !g_atomic_int_get(&f->primed) &&
				g_get_monotonic_time() > next_check) {
			/* Forward only to a port our ffmpeg holds: the port was free when
			 * we chose it, but another process may have taken it since */
			port_owner owner = udp_port_owner(f->in_port, ms_proc_pid(f->proc));
			next_check = g_get_monotonic_time() + FF_PORT_CHECK_US;
			if(owner == PORT_OURS) {
				/* ffmpeg has read the SDP: no file left behind even if Janus is killed */
				unlink(f->sdp_path);
				ms_source_with_gop(f->parent, prime_locked, f);
			} else if(owner == PORT_OTHER && !taken_logged) {
				taken_logged = TRUE;
				JANUS_LOG(LOG_ERR, MS_TAG "Stream %s: port %d taken by another process: not forwarding\n",
					ms_source_name(f->src), f->in_port);
				ms_source_driver_failed(f->src);
			}
		}
		int r = poll(pfd, 2 * f->n_in, g_atomic_int_get(&f->primed) || f->parent == NULL ? 200 : 20);
		if(r <= 0)
			continue;
		for(guint i = 0; i < f->n_in; i++) {
			if(pfd[2 * i + 1].revents & POLLIN)
				(void)recv(f->in[i].rtcp_fd, buf, sizeof(buf), 0);	/* ffmpeg's RTCP: not used */
			if(pfd[2 * i].revents & POLLIN)
				receive_from_child(f, &f->in[i]);
		}
	}
	return NULL;
}

static void on_proc_exit(void *ctx, int status)
{
	ms_source_driver_failed(ctx);
}

/* The password of a URL, raw and percent-decoded, to keep out of logs. */
static char **url_secrets(const char *url)
{
	GPtrArray *out = g_ptr_array_new();
	const char *auth = url ? strstr(url, "://") : NULL;
	if(auth != NULL) {
		auth += 3;
		const char *end = auth + strcspn(auth, "/?#");
		const char *at = NULL;
		for(const char *p = auth; p < end; p++)
			if(*p == '@')
				at = p;
		const char *colon = at ? memchr(auth, ':', at - auth) : NULL;
		if(colon != NULL && at > colon + 1) {
			char *raw = g_strndup(colon + 1, at - colon - 1);
			char *plain = g_uri_unescape_string(raw, NULL);
			g_ptr_array_add(out, raw);
			if(plain != NULL && strcmp(plain, raw) != 0)
				g_ptr_array_add(out, plain);
			else
				g_free(plain);
		}
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static ms_proc *spawn(ff_source *f, GPtrArray *args, const char *url)
{
	g_ptr_array_add(args, NULL);
	char **argv = (char **)args->pdata;
	char **secrets = url_secrets(url);
	char *shown = ms_proc_argv_string(argv, secrets);
	JANUS_LOG(LOG_INFO, MS_TAG "Stream %s: %s\n", ms_source_name(f->src), shown);
	g_free(shown);
	ms_proc_opts opts = {
		.label = ms_source_name(f->src),
		.argv = argv,
		.secrets = secrets,
		.on_exit = on_proc_exit,
		.ctx = f->src,
	};
	ms_proc *p = ms_proc_start(&opts);
	g_strfreev(secrets);
	return p;
}

static void add(GPtrArray *args, const char *arg)
{
	g_ptr_array_add(args, g_strdup(arg));
}

static void add_output(GPtrArray *args, int port)
{
	add(args, "-f");
	add(args, "rtp");
	add(args, "-payload_type");
	g_ptr_array_add(args, g_strdup_printf("%d", FF_PT));
	g_ptr_array_add(args, g_strdup_printf("rtp://127.0.0.1:%d?pkt_size=%d", port, FF_PKT_SIZE));
}

static GPtrArray *base_args(void)
{
	GPtrArray *args = g_ptr_array_new_with_free_func(g_free);
	add(args, ms_config.ffmpeg);
	add(args, "-hide_banner");
	add(args, "-nostdin");
	add(args, "-nostats");
	add(args, "-loglevel");
	add(args, "warning");
	return args;
}

static void ff_free(ff_source *f)
{
	for(guint i = 0; i < FF_INPUTS; i++) {
		if(f->in[i].fd >= 0)
			close(f->in[i].fd);
		if(f->in[i].rtcp_fd >= 0)
			close(f->in[i].rtcp_fd);
	}
	if(f->fwd_fd >= 0)
		close(f->fwd_fd);
	if(f->sdp_path != NULL) {
		unlink(f->sdp_path);
		g_free(f->sdp_path);
	}
	g_free(f);
}

/* targets: the source of each input (NULL ends the list early). */
static ff_source *ff_new(ms_source *src, ms_source *targets[FF_INPUTS])
{
	ff_source *f = g_new0(ff_source, 1);
	f->src = src;
	f->fwd_fd = -1;
	for(guint i = 0; i < FF_INPUTS; i++)
		f->in[i].fd = f->in[i].rtcp_fd = -1;
	for(guint i = 0; i < FF_INPUTS && targets[i] != NULL; i++) {
		ff_input *in = &f->in[i];
		in->target = targets[i];
		in->port = bind_pair(&in->fd, &in->rtcp_fd);
		if(in->port < 0) {
			JANUS_LOG(LOG_ERR, MS_TAG "Stream %s: no local UDP port: %s\n", ms_source_name(src), g_strerror(errno));
			in->fd = -1;
			ff_free(f);
			return NULL;
		}
		f->n_in++;
	}
	return f;
}

static gboolean start_thread(ff_source *f)
{
	f->thread = ms_source_thread(f->src, "ms-ff", f->in[FF_VIDEO].port, listen_thread, f);
	return f->thread != NULL;
}

/* Stop what started; the source mutex is released (ms_source.c). */
static void ff_stop(ms_source *src)
{
	ff_source *f = ms_source_driver_data(src);
	if(f == NULL)
		return;
	/* The thread first (a variant's spawns the process), then the process
	 * while its input still flows: ffmpeg only notices SIGTERM between
	 * packets */
	if(f->thread != NULL) {
		g_atomic_int_set(&f->stop, 1);
		g_thread_join(f->thread);
	}
	ms_proc_stop(f->proc);
	if(f->parent != NULL)
		ms_source_remove_consumer_idle(f->parent, &f->consumer, ms_source_stop_idle_since(src));
	ff_free(f);
	ms_source_set_driver_data(src, NULL);
}

/* --- rtsp:// ------------------------------------------------------------ */

/* The tee muxer's outputs: the video, and (where the camera has audio) its
 * first audio track as it is and in Opus; an audio output without a track
 * fails alone (onfail=ignore) and the video goes on. */
static char *tee_outputs(ff_source *f)
{
	GString *t = g_string_new(NULL);
	g_string_append_printf(t, "[select=v:f=rtp:payload_type=%d]rtp://127.0.0.1:%d?pkt_size=%d",
		FF_PT, f->in[FF_VIDEO].port, FF_PKT_SIZE);
	if(f->n_in == FF_INPUTS) {
		g_string_append_printf(t, "|[select=\\'a:0\\':f=rtp:onfail=ignore]rtp://127.0.0.1:%d?pkt_size=%d",
			f->in[FF_AUDIO_COPY].port, FF_PKT_SIZE);
		g_string_append_printf(t, "|[select=\\'a:1\\':f=rtp:payload_type=%d:onfail=ignore]rtp://127.0.0.1:%d?pkt_size=%d",
			FF_AUDIO_PT, f->in[FF_AUDIO_OPUS].port, FF_PKT_SIZE);
	}
	return g_string_free(t, FALSE);
}

static gboolean rtsp_start(ms_source *src)
{
	const ms_source_url *url = ms_source_get_url(src);
	ms_source *targets[FF_INPUTS] = { src, ms_source_audio_copy(src), ms_source_audio_opus(src) };
	if(targets[FF_AUDIO_COPY] == NULL || targets[FF_AUDIO_OPUS] == NULL)
		targets[FF_AUDIO_COPY] = targets[FF_AUDIO_OPUS] = NULL;
	ff_source *f = ff_new(src, targets);
	if(f == NULL)
		return FALSE;
	GPtrArray *args = base_args();
	add(args, "-rtsp_transport");
	add(args, url->rtsp_udp ? "udp" : "tcp");
	add(args, "-timeout");			/* socket I/O timeout (us): a dead camera ends ffmpeg */
	add(args, "5000000");
	/* Start fast: the camera's SDP has what stream copy needs, and the frame
	 * rate estimate would read ~2 s of video first. No -fflags nobuffer: it
	 * drops the packets read while probing, the first keyframe with them */
	add(args, "-analyzeduration");
	add(args, "500000");
	add(args, "-fpsprobesize");
	add(args, "0");
	add(args, "-i");
	add(args, url->text);
	add(args, "-map");
	add(args, "0:v:0");
	if(f->n_in == FF_INPUTS) {
		/* The first audio track twice (if there is one): as it is, and in
		 * Opus (20 ms frames, for any camera codec a browser cannot play) */
		const char *audio[] = { "-map", "0:a:0?", "-map", "0:a:0?", "-c:a:0", "copy",
			"-c:a:1", "libopus", "-ar:a:1", "48000", "-ac:a:1", "2", "-b:a:1", "48k",
			"-application:a:1", "lowdelay", "-frame_duration:a:1", "20" };
		for(guint i = 0; i < G_N_ELEMENTS(audio); i++)
			add(args, audio[i]);
	} else {
		add(args, "-an");
	}
	add(args, "-sn");
	add(args, "-dn");
	add(args, "-c:v");
	add(args, "copy");
	add(args, "-bsf:v");			/* SPS/PPS (from the camera's SDP) before every keyframe */
	add(args, "dump_extra");
	add(args, "-f");
	add(args, "tee");
	g_ptr_array_add(args, tee_outputs(f));
	f->proc = spawn(f, args, url->text);
	g_ptr_array_free(args, TRUE);
	if(f->proc == NULL || !start_thread(f)) {
		ms_proc_stop(f->proc);
		ff_free(f);
		return FALSE;
	}
	ms_source_set_driver_data(src, f);
	return TRUE;
}

const ms_source_driver ms_source_rtsp_driver = {
	.kind = "rtsp",
	.always_on = FALSE,
	.supervised = TRUE,
	.start = rtsp_start,
	.stop = ff_stop,
	.keyframe = NULL,		/* no reliable way to ask a camera through ffmpeg */
	.upstream_since = NULL,
};

/* --- ffmpeg: variants ----------------------------------------------------- */

/* A free even UDP port (and the next) on 127.0.0.1 for ffmpeg to bind. */
static int reserve_port(void)
{
	int a = -1, b = -1;
	int port = bind_pair(&a, &b);
	if(port > 0) {
		close(a);
		close(b);
	}
	return port;
}

static char *write_sdp(const char *name, int port, const ms_codec *codec)
{
	char *path = NULL;
	GError *err = NULL;
	int fd = g_file_open_tmp("ms-variant-XXXXXX.sdp", &path, &err);
	if(fd < 0) {
		JANUS_LOG(LOG_ERR, MS_TAG "Stream %s: no SDP file: %s\n", name, err ? err->message : "?");
		g_clear_error(&err);
		return NULL;
	}
	gboolean h264 = codec == &ms_codec_h264;
	char *sdp = g_strdup_printf("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=%s\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		"m=video %d RTP/AVP %d\r\na=rtpmap:%d %s\r\n%s",
		name, port, FF_PT, FF_PT, codec->rtpmap, h264 ? "a=fmtp:96 packetization-mode=1\r\n" : "");
	gboolean ok = write(fd, sdp, strlen(sdp)) == (ssize_t)strlen(sdp);
	close(fd);
	g_free(sdp);
	if(!ok) {
		unlink(path);
		g_clear_pointer(&path, g_free);
	}
	return path;
}

/* The transcode: scale/fps/bitrate as configured, no B-frames, parameter
 * sets before every keyframe, a keyframe every gop seconds. H264:
 * constrained baseline (libx264); H265: Main (libx265). */
static void add_encoder(GPtrArray *args, const ms_source_url *url)
{
	GString *vf = g_string_new(NULL);
	if(url->width > 0 || url->height > 0)
		g_string_append_printf(vf, "scale=%d:%d", url->width > 0 ? url->width : -2,
			url->height > 0 ? url->height : -2);
	if(url->fps > 0)
		g_string_append_printf(vf, "%sfps=%d", vf->len ? "," : "", url->fps);
	if(vf->len > 0) {
		add(args, "-vf");
		add(args, vf->str);
	}
	g_string_free(vf, TRUE);
	double gop = url->gop_s > 0 ? url->gop_s : 1.0;
	int keyint = url->fps > 0 ? MAX(1, (int)(url->fps * gop + 0.5)) : MAX(1, (int)(30 * gop + 0.5));
	if(ms_codec_by_name(url->codec) == &ms_codec_h265) {
		const char *enc[] = { "-c:v", "libx265", "-preset", "ultrafast", "-tune", "zerolatency",
			"-pix_fmt", "yuv420p", "-x265-params" };
		for(guint i = 0; i < G_N_ELEMENTS(enc); i++)
			add(args, enc[i]);
		g_ptr_array_add(args, g_strdup_printf("keyint=%d:min-keyint=%d:bframes=0:scenecut=0:"
			"repeat-headers=1:log-level=warning", keyint, keyint));
	} else {
		const char *enc[] = { "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
			"-profile:v", "baseline", "-pix_fmt", "yuv420p", "-bf", "0", "-sc_threshold", "0",
			"-x264-params", "repeat-headers=1" };
		for(guint i = 0; i < G_N_ELEMENTS(enc); i++)
			add(args, enc[i]);
	}
	add(args, "-g");
	g_ptr_array_add(args, g_strdup_printf("%d", keyint));
	add(args, "-keyint_min");
	g_ptr_array_add(args, g_strdup_printf("%d", keyint));
	if(url->fps <= 0) {
		/* Input rate unknown: keyframes by time */
		char num[G_ASCII_DTOSTR_BUF_SIZE];
		add(args, "-force_key_frames");
		g_ptr_array_add(args, g_strdup_printf("expr:gte(t,n_forced*%s)", g_ascii_dtostr(num, sizeof(num), gop)));
	}
	if(url->bitrate_kbps > 0) {
		add(args, "-b:v");
		g_ptr_array_add(args, g_strdup_printf("%dk", url->bitrate_kbps));
		add(args, "-maxrate");
		g_ptr_array_add(args, g_strdup_printf("%dk", url->bitrate_kbps));
		add(args, "-bufsize");
		g_ptr_array_add(args, g_strdup_printf("%dk", url->bitrate_kbps));
	}
}

/* Spawn the transcoder once the parent's codec is known (listen thread);
 * a failure is reported once and the source restarted with backoff. */
static void variant_spawn(ff_source *f)
{
	const ms_source_url *url = ms_source_get_url(f->src);
	const ms_codec *codec = ms_source_codec(f->parent);
	if(codec == NULL)
		return;		/* the parent has not sent a parameter set yet */
	f->in_codec = codec;
	f->in_port = reserve_port();
	f->fwd_to.sin_family = AF_INET;
	f->fwd_to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->fwd_to.sin_port = htons((guint16)f->in_port);
	f->sdp_path = f->in_port > 0 ? write_sdp(ms_source_name(f->src), f->in_port, codec) : NULL;
	if(f->sdp_path == NULL) {
		f->spawn_failed = TRUE;
		ms_source_driver_failed(f->src);
		return;
	}
	GPtrArray *args = base_args();
	const char *in[] = { "-protocol_whitelist", "file,udp,rtp", "-reorder_queue_size", "0",
		"-analyzeduration", "1000000", "-fpsprobesize", "0", "-i" };
	for(guint i = 0; i < G_N_ELEMENTS(in); i++)
		add(args, in[i]);
	add(args, f->sdp_path);
	const char *sel[] = { "-map", "0:v:0", "-an", "-sn", "-dn" };
	for(guint i = 0; i < G_N_ELEMENTS(sel); i++)
		add(args, sel[i]);
	add_encoder(args, url);
	add_output(args, f->in[FF_VIDEO].port);
	f->proc = spawn(f, args, NULL);
	g_ptr_array_free(args, TRUE);
	if(f->proc == NULL) {
		f->spawn_failed = TRUE;
		ms_source_driver_failed(f->src);
	}
}

/* Variant mutex held; takes the parent's (child before parent). */
static gboolean variant_start(ms_source *src)
{
	const ms_source_url *url = ms_source_get_url(src);
	ms_source *parent = ms_sources_lookup(url->parent);
	if(parent == NULL || parent == src)
		return FALSE;
	ms_source *targets[FF_INPUTS] = { src };
	ff_source *f = ff_new(src, targets);
	if(f == NULL)
		return FALSE;
	f->out_ssrc = g_random_int();
	f->fwd_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if(f->fwd_fd < 0) {
		ff_free(f);
		return FALSE;
	}
	int sndbuf = MS_SOURCE_SOCKET_BUFFER;
	setsockopt(f->fwd_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	f->consumer.ops = &parent_ops;
	f->consumer.ctx = f;
	f->parent = parent;
	ms_source_add_consumer(parent, &f->consumer);
	if(!start_thread(f)) {
		ms_source_remove_consumer(parent, &f->consumer);
		ff_free(f);
		return FALSE;
	}
	ms_source_set_driver_data(src, f);
	return TRUE;
}

static gint64 variant_upstream_since(ms_source *src)
{
	ff_source *f = ms_source_driver_data(src);
	gint s = f ? g_atomic_int_get(&f->upstream_s) : 0;
	return s > 0 ? (gint64)(s - 1) * G_USEC_PER_SEC : 0;
}

const ms_source_driver ms_source_ffmpeg_driver = {
	.kind = "ffmpeg",
	.always_on = FALSE,
	.supervised = TRUE,
	.start = variant_start,
	.stop = ff_stop,
	.keyframe = NULL,		/* short GOP instead (default 1 s) */
	.upstream_since = variant_upstream_since,
};

/* ms_source.h: the stream registry and on-demand sources.
 *
 * Every configured stream is an ms_source for the plugin's lifetime. Its
 * running part (a socket thread, a child process) is started when the first
 * consumer binds and stopped source_linger seconds after the last one leaves
 * (rtp:// sources listen from startup). Packets go to consumers on the
 * source's own thread, with the source mutex held: the hot path takes no
 * global lock and allocates nothing. Each source keeps a GOP cache. */
#ifndef MS_SOURCE_H
#define MS_SOURCE_H

#include <glib.h>
#include <jansson.h>
#include <sys/socket.h>
#include "ms_source_url.h"
#include "ms_gop.h"
#include "ms_packet.h"

typedef struct ms_source ms_source;
typedef struct ms_consumer ms_consumer;

typedef enum ms_source_state {
	MS_SRC_IDLE = 0,	/* not running, nobody watches */
	MS_SRC_STARTING,	/* running, no packet yet */
	MS_SRC_ACTIVE,		/* packets flowing */
	MS_SRC_OFFLINE,		/* running but silent, or restarting */
} ms_source_state;

/* What a consumer is told. Both run on a source thread (or the
 * housekeeping thread for state changes) with the source mutex held. */
typedef struct ms_consumer_ops {
	/* One RTP packet, parsed once (ms_packet.h), already in the GOP cache. */
	void (*rtp)(ms_consumer *c, ms_source *src, const ms_packet *pkt, gint64 now);
	/* The source changed state (MS_SRC_ACTIVE / MS_SRC_OFFLINE). */
	void (*state)(ms_consumer *c, ms_source *src, ms_source_state state);
} ms_consumer_ops;

struct ms_consumer {
	const ms_consumer_ops *ops;
	void *ctx;
};

/* A source kind's running part. start runs with the source mutex held;
 * stop runs with it released (never concurrently with start). */
typedef struct ms_source_driver {
	const char *kind;
	gboolean always_on;			/* start at load, never stop (rtp://) */
	gboolean supervised;			/* restart (with backoff) when silent too long */
	gboolean fed;				/* its packets come from another source's
						 * process, running or not: starting and
						 * stopping it leave the state they gave */
	gboolean (*start)(ms_source *src);	/* FALSE: could not start (retry later) */
	void (*stop)(ms_source *src);		/* joins threads, reaps processes */
	void (*keyframe)(ms_source *src);	/* ask upstream for a keyframe (may be NULL) */
	/* Supervised sources fed by another source: since when (monotonic us)
	 * that input has been flowing, 0 while it is down (silence is then not
	 * the driver's fault). NULL: the input is always there. Called with
	 * the source mutex held. */
	gint64 (*upstream_since)(ms_source *src);
} ms_source_driver;

/* Kernel buffer of the UDP sockets that carry a source's RTP (ours and the
 * one feeding a transcoder): a keyframe burst of a few MB must not drop. */
#define MS_SOURCE_SOCKET_BUFFER (4 * 1024 * 1024)

/* Restart backoff after failures, in seconds (the last one repeats). */
#define MS_SOURCE_BACKOFF { 1, 2, 5, 10 }
/* A supervised source may take this long (s) to deliver its first packet
 * before it is reported offline (when source_timeout is shorter). */
#define MS_SOURCE_START_GRACE 5
/* A supervised source silent this long (seconds, at least) is restarted. */
#define MS_SOURCE_STALL_MIN 10

/* Registry (plugin lifetime). */
void ms_sources_init(void);
void ms_sources_destroy(void);
/* Add a configured stream; FALSE (with err) when its source URL is unusable. */
gboolean ms_sources_add(const char *name, ms_source_url *url, gboolean preload, char *err, gsize errlen);
/* After all streams are added: resolve variants' parents, start always-on
 * and preloaded sources. */
void ms_sources_start(void);
ms_source *ms_sources_lookup(const char *name);
/* The `streams` list (one entry per configured stream). */
json_t *ms_sources_list(void);
/* Admin status: {"name","kind","state","consumers"} per source. */
json_t *ms_sources_status(void);
/* Housekeeping tick: offline detection, lingering stops, restarts. */
void ms_sources_tick(gint64 now);

const char *ms_source_name(const ms_source *src);
/* The stream this one is derived from (a variant's camera), or NULL; set
 * once by ms_sources_start(). */
const char *ms_source_parent(const ms_source *src);
const char *ms_source_state_name(ms_source_state s);
ms_source_state ms_source_get_state(ms_source *src);
guint ms_source_consumers(ms_source *src);

/* Bind/unbind a consumer (never with a slot mutex held). */
void ms_source_add_consumer(ms_source *src, ms_consumer *c);
void ms_source_remove_consumer(ms_source *src, ms_consumer *c);
/* Unbind a consumer that is itself a source stopping because nobody watched
 * it since idle_since (ms_source_stop_idle_since): the linger of src then
 * counts from there too, so a camera outlives its last viewer by one
 * source_linger, not one per variant in between. idle_since 0: now. */
void ms_source_remove_consumer_idle(ms_source *src, ms_consumer *c, gint64 idle_since);
/* For drivers, inside stop: when the source's last consumer left, or 0
 * when it is being stopped with consumers (a restart). */
gint64 ms_source_stop_idle_since(ms_source *src);
/* Remove a consumer from every source but keep1 and keep2 (either may be
 * NULL). A slot that flipped between sources, or is about to be freed,
 * leaves no registration behind however many flips happened meanwhile. */
void ms_sources_unbind_consumer(ms_consumer *c, ms_source *keep1, ms_source *keep2);
/* Ask upstream for a keyframe where the kind supports it. */
void ms_source_request_keyframe(ms_source *src);

/* Replays of the GOP cache hold the source mutex, so they are bounded per
 * source: at most MS_SOURCE_REPLAY_BUDGET_US of replay time in any second,
 * then slots start on the live keyframe instead. Source mutex held. */
#define MS_SOURCE_REPLAY_BUDGET_US (100 * 1000)
gboolean ms_source_replay_allowed(ms_source *src, gint64 now);
void ms_source_replay_spent(ms_source *src, gint64 us);

/* Run fn with the source mutex held, for reading the GOP cache. */
void ms_source_with_gop(ms_source *src, void (*fn)(ms_source *src, ms_gop *gop, void *data), void *data);

/* The source's GOP cache; only while its mutex is held (inside a consumer
 * callback or ms_source_with_gop). */
ms_gop *ms_source_gop_locked(ms_source *src);

/* For drivers: hand one received RTP packet to the source. */
void ms_source_deliver(ms_source *src, const guint8 *pkt, gsize len);
/* For drivers' receive threads: read one datagram from a UDP socket that
 * has data and deliver it when it is RTP (oversized datagrams and RTCP,
 * packet types 192-223 of RFC 5761, are dropped). With only, a datagram
 * from another sender (address, and port unless only's is 0) is dropped
 * and FALSE returned. */
gboolean ms_source_receive(ms_source *src, int fd, const struct sockaddr_storage *only);
/* For drivers, from any thread and without the source mutex: the running
 * part failed (its process exited); the housekeeping tick stops it, reports
 * the source offline and restarts it with backoff. */
void ms_source_driver_failed(ms_source *src);
/* For drivers: a receive thread named prefix-port (NULL, logged, when it
 * cannot be started). */
GThread *ms_source_thread(ms_source *src, const char *prefix, int port, GThreadFunc fn, gpointer data);
/* For drivers: private data and the source URL. */
void *ms_source_driver_data(ms_source *src);
void ms_source_set_driver_data(ms_source *src, void *data);
const ms_source_url *ms_source_get_url(const ms_source *src);
/* The codec the source sends (ms_codec.h), from its URL and then from its
 * stream (a parameter set of another codec switches it); NULL while not
 * known (an rtsp camera never started). Any thread, no lock. */
const ms_codec *ms_source_codec(const ms_source *src);
/* Its name ("h264", "h265"), or NULL. */
const char *ms_source_codec_name(const ms_source *src);
/* The H264 transcode of a source that sends or may send H265 (a hidden
 * ffmpeg: variant, started on demand like any), or NULL (none configured:
 * an H264 ffmpeg: variant, or h265_transcode = false). */
ms_source *ms_source_transcode(const ms_source *src);

/* Quality "auto" (docs/protocol.md §15). A stream's family: the stream
 * and its variants (configured streams whose parent is it, with a quality:
 * "camera1-360p", ffmpeg: or not); out[0] is the stream. Registry order. */
guint ms_sources_family(ms_source *stream, ms_source **out, guint max);
/* A variant's quality ("360p"), NULL for a stream that is none. */
const char *ms_source_quality(const ms_source *src);
/* Its height: an ffmpeg: variant's #height, else the number of a quality
 * named like "720p"; 0 when not known (the native stream: the tallest). */
int ms_source_height(const ms_source *src);
/* Its bitrate, kbit/s: as measured while it runs (smoothed over windows of
 * MS_SOURCE_RATE_WINDOW_US), else as configured (ffmpeg: #bitrate); 0 when
 * not known. */
guint ms_source_kbps(const ms_source *src);
#define MS_SOURCE_RATE_WINDOW_US G_USEC_PER_SEC

/* Audio (docs/protocol.md §14): a stream's audio is a hidden source fed by
 * its rtsp ingest (the first audio track as it is, ms_source_audio_copy,
 * and in Opus, ms_source_audio_opus) or by its rtp feed's #audio port
 * (ms_source_audio_copy, of the declared codec). Consumers of an audio
 * source get its RTP (no GOP cache, facts 0). */
ms_source *ms_source_audio_copy(const ms_source *src);
ms_source *ms_source_audio_opus(const ms_source *src);
/* The camera a stream shows: itself, or the root of its parent chain (a
 * variant's camera, a transcode's camera). */
ms_source *ms_source_camera(ms_source *src);
/* The audio source a viewer of camera cam hears: its audio as it is when
 * that is Opus, or G.711 the viewer's audio m-line took (pcmu, pcma); else
 * its Opus output; NULL when it has none. */
ms_source *ms_source_audio(ms_source *cam, gboolean pcmu, gboolean pcma);
/* A stream without audio packets this long after its first video packet
 * is listed without audio ("audio": false). */
#define MS_SOURCE_AUDIO_KNOWN_US (2 * G_USEC_PER_SEC)

/* Drivers. */
extern const ms_source_driver ms_source_rtp_driver;
extern const ms_source_driver ms_source_rtsp_driver;	/* ms_source_ffmpeg.c */
extern const ms_source_driver ms_source_ffmpeg_driver;	/* ms_source_ffmpeg.c */

#endif

/* ms_source_url.h: source strings of the streams config (pure).
 *
 * Source syntax (go2rtc's; docs/sources.md):
 *   rtp://HOST:PORT[#from=ADDR[:PORT]][#video=h264|h265][#audio=CODEC:PORT2]
 *                                            RTP pushed to us (we listen; with
 *                                            #from, only from that sender; its
 *                                            audio, opus/pcmu/pcma, on PORT2)
 *   rtsp://[user[:pass]@]host[:port]/path    a camera we pull
 *   ffmpeg:PARENT#video=h264|h265#height=H[#width=W][#fps=F][#bitrate=K][#gop=S]
 *                                            a transcode of another stream
 * Variant names: "camera1-360p" is parent "camera1", quality "360p". */
#ifndef MS_SOURCE_URL_H
#define MS_SOURCE_URL_H

#include <glib.h>

typedef enum ms_source_kind {
	MS_SOURCE_RTP = 0,
	MS_SOURCE_RTSP,
	MS_SOURCE_FFMPEG,
} ms_source_kind;

typedef struct ms_source_url {
	ms_source_kind kind;
	char *text;		/* rtsp: the URL as configured (may hold credentials) */
	char *host;		/* rtp: address to bind; rtsp: camera host */
	int port;		/* rtp: port to bind */
	char *from_host;	/* rtp: the only sender accepted (numeric), or NULL */
	int from_port;		/* rtp: ... from that port only (0: any port) */
	char *parent;		/* ffmpeg: the stream transcoded */
	char *codec;		/* rtp: what the feed sends, ffmpeg: the output codec
				 * ("h264" or "h265"; default "h264"); rtsp: NULL */
	int width, height;	/* ffmpeg: 0 = keep */
	int fps;		/* ffmpeg: 0 = keep */
	int bitrate_kbps;	/* ffmpeg: 0 = encoder default */
	double gop_s;		/* ffmpeg: keyframe interval in seconds (default 1) */
	gboolean rtsp_udp;	/* rtsp: #transport=udp (default TCP interleaved) */
	char *audio_codec;	/* rtp: the feed's audio ("opus", "pcmu", "pcma"), or NULL */
	int audio_port;		/* rtp: ... on this port of host */
} ms_source_url;

/* Parse a source string; NULL with err filled on failure. */
ms_source_url *ms_source_url_parse(const char *source, char *err, gsize errlen);
void ms_source_url_free(ms_source_url *url);
const char *ms_source_kind_name(ms_source_kind kind);
/* A copy of a URL with any password replaced by "***" (for logs/events). */
char *ms_source_url_redact(const char *url);
/* Split "camera1-360p" at its last '-' into parent and quality; FALSE when
 * there is no '-' (or it is first/last). Callers check the parent exists. */
gboolean ms_stream_split_variant(const char *name, char **parent, char **quality);

#endif

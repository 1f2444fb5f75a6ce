/* ms_source_url.c: parse the source strings of the streams config (pure). */
#include <string.h>
#include <stdlib.h>
#include <errno.h>
#include <arpa/inet.h>
#include "ms_source_url.h"
#include "ms_codec.h"

static const char *kind_names[] = { "rtp", "rtsp", "ffmpeg" };

const char *ms_source_kind_name(ms_source_kind kind)
{
	if((guint)kind >= G_N_ELEMENTS(kind_names))
		return "unknown";
	return kind_names[kind];
}

void ms_source_url_free(ms_source_url *url)
{
	if(url == NULL)
		return;
	g_free(url->text);
	g_free(url->host);
	g_free(url->from_host);
	g_free(url->parent);
	g_free(url->codec);
	g_free(url->audio_codec);
	g_free(url);
}

/* Parse a decimal integer in [min, max]; FALSE on garbage or overflow. */
static gboolean parse_int(const char *s, int min, int max, int *out)
{
	char *end = NULL;
	if(s == NULL || *s == '\0')
		return FALSE;
	errno = 0;
	long v = strtol(s, &end, 10);
	if(errno != 0 || *end != '\0' || v < min || v > max)
		return FALSE;
	*out = (int)v;
	return TRUE;
}

static ms_source_url *parse_rtp_address(const char *rest, char *err, gsize errlen);

/* HOST:PORT or [IPv6]:PORT into host and port; with port_optional, a bare
 * address (IPv6 with or without brackets) gives port 0. */
static gboolean split_hostport(const char *s, gboolean port_optional, char **host, int *port)
{
	const char *colon = strrchr(s, ':');
	const char *bracket = strchr(s, ']');
	*port = 0;
	if(s[0] == '[' && bracket != NULL && bracket[1] == '\0') {
		*host = port_optional ? g_strndup(s + 1, bracket - s - 1) : NULL;
		return *host != NULL;
	}
	if(s[0] != '[' && port_optional && (colon == NULL || strchr(s, ':') != colon)) {
		*host = g_strdup(s);	/* an IPv4 address, or a bare IPv6 one */
		return TRUE;
	}
	if(colon == NULL || colon == s || !parse_int(colon + 1, 1, 65535, port))
		return FALSE;
	gsize hlen = (gsize)(colon - s);
	if(s[0] == '[') {
		if(hlen < 3 || s[hlen - 1] != ']')
			return FALSE;
		*host = g_strndup(s + 1, hlen - 2);
	} else {
		*host = g_strndup(s, hlen);
	}
	return TRUE;
}

/* A "video=" value: a codec of the table (ms_codec.h). */
static gboolean set_codec(ms_source_url *url, const char *val, char *err, gsize errlen)
{
	if(ms_codec_by_name(val) == NULL) {
		g_snprintf(err, errlen, "unsupported video codec '%.16s' (h264 or h265)", val);
		return FALSE;
	}
	g_free(url->codec);
	url->codec = g_ascii_strdown(val, -1);
	return TRUE;
}

/* An rtp:// "audio=" value: CODEC:PORT, the feed's audio on another port of
 * the same host. */
static gboolean set_audio(ms_source_url *url, const char *val, char *err, gsize errlen)
{
	const char *colon = strchr(val, ':');
	char *name = colon ? g_strndup(val, colon - val) : NULL;
	const ms_codec *c = ms_codec_audio_by_name(name);
	g_free(name);
	if(c == NULL || !parse_int(colon + 1, 1, 65535, &url->audio_port) || url->audio_port == url->port) {
		g_snprintf(err, errlen, "bad #audio (CODEC:PORT, CODEC opus, pcmu or pcma, PORT not the video's)");
		return FALSE;
	}
	url->audio_codec = g_strdup(c->name);
	return TRUE;
}

/* rtp:// options after '#': from=ADDR or from=ADDR:PORT (only that sender
 * is accepted; ADDR numeric), video=h264|h265 (what the feed sends). */
static gboolean parse_rtp_options(ms_source_url *url, char *opts, char *err, gsize errlen)
{
	char **parts = g_strsplit(opts, "#", -1);
	gboolean ok = TRUE;
	for(char **p = parts; ok && *p != NULL; p++) {
		guint8 addr[16];
		if(g_str_has_prefix(*p, "from=") && url->from_host == NULL &&
				split_hostport(*p + 5, TRUE, &url->from_host, &url->from_port) &&
				(inet_pton(AF_INET, url->from_host, addr) == 1 || inet_pton(AF_INET6, url->from_host, addr) == 1))
			continue;
		if(g_str_has_prefix(*p, "video=") && url->codec == NULL) {
			ok = set_codec(url, *p + 6, err, errlen);
			continue;
		}
		if(g_str_has_prefix(*p, "audio=") && url->audio_codec == NULL) {
			ok = set_audio(url, *p + 6, err, errlen);
			continue;
		}
		g_snprintf(err, errlen, "bad rtp option '#%.40s' (#from=ADDR[:PORT], numeric; #video=h264|h265; "
			"#audio=opus|pcmu|pcma:PORT)", *p);
		ok = FALSE;
	}
	g_strfreev(parts);
	return ok;
}

static ms_source_url *parse_rtp(const char *source, char *err, gsize errlen)
{
	/* source: HOST:PORT[#from=ADDR[:PORT]] (IPv6 as [addr]:PORT) */
	char *rest = g_strdup(source);
	char *opts = strchr(rest, '#');
	if(opts != NULL)
		*opts++ = '\0';
	ms_source_url *url = parse_rtp_address(rest, err, errlen);
	if(url != NULL && opts != NULL && !parse_rtp_options(url, opts, err, errlen))
		g_clear_pointer(&url, ms_source_url_free);
	if(url != NULL && url->codec == NULL)
		url->codec = g_strdup("h264");
	g_free(rest);
	return url;
}

static ms_source_url *parse_rtp_address(const char *rest, char *err, gsize errlen)
{
	/* rest: HOST:PORT (IPv6 as [addr]:PORT) */
	char *host = NULL;
	int port = 0;
	if(!split_hostport(rest, FALSE, &host, &port) || *host == '\0' || strchr(host, '/') != NULL) {
		g_snprintf(err, errlen, "rtp source needs HOST:PORT (port 1..65535; IPv6 as [addr]:PORT)");
		g_free(host);
		return NULL;
	}
	ms_source_url *url = g_new0(ms_source_url, 1);
	url->kind = MS_SOURCE_RTP;
	url->host = host;
	url->port = port;
	return url;
}

static ms_source_url *parse_rtsp(const char *source, char *err, gsize errlen)
{
	/* rtsp://[user[:pass]@]host[:port]/path[#transport=udp] */
	char *copy = g_strdup(source);
	gboolean udp = FALSE;
	char *frag = strchr(copy, '#');
	if(frag != NULL) {
		*frag++ = '\0';
		if(strcmp(frag, "transport=udp") == 0) {
			udp = TRUE;
		} else if(strcmp(frag, "transport=tcp") != 0) {
			/* Not echoed: after a '#' may be the rest of a password */
			g_snprintf(err, errlen, "unknown rtsp option after '#' (#transport=udp or tcp; "
				"write a '#' in a password as %%23)");
			g_free(copy);
			return NULL;
		}
	}
	const char *auth = copy + strlen("rtsp://");
	const char *slash = strchr(auth, '/');
	gsize authlen = slash ? (gsize)(slash - auth) : strlen(auth);
	char *authority = g_strndup(auth, authlen);
	const char *at = strrchr(authority, '@');
	const char *hostport = at ? at + 1 : authority;
	char *host = NULL;
	const char *pcolon = strrchr(hostport, ':');
	if(pcolon != NULL && strchr(hostport, ']') < pcolon) {
		int port = 0;
		if(!parse_int(pcolon + 1, 1, 65535, &port)) {
			g_snprintf(err, errlen, "rtsp port must be 1..65535");
			g_free(authority);
			g_free(copy);
			return NULL;
		}
		host = g_strndup(hostport, pcolon - hostport);
	} else {
		host = g_strdup(hostport);
	}
	g_free(authority);
	if(*host == '\0') {
		g_snprintf(err, errlen, "rtsp URL has no host");
		g_free(host);
		g_free(copy);
		return NULL;
	}
	ms_source_url *url = g_new0(ms_source_url, 1);
	url->kind = MS_SOURCE_RTSP;
	url->text = copy;
	url->host = host;
	url->rtsp_udp = udp;
	return url;
}

/* One "#key=value" option of an ffmpeg: source. */
static gboolean ffmpeg_option(ms_source_url *url, const char *opt, char *err, gsize errlen)
{
	const char *eq = strchr(opt, '=');
	if(eq == NULL) {
		g_snprintf(err, errlen, "ffmpeg option '%s' needs a value", opt);
		return FALSE;
	}
	char *key = g_strndup(opt, eq - opt);
	const char *val = eq + 1;
	gboolean ok = TRUE;
	if(strcmp(key, "video") == 0) {
		ok = set_codec(url, val, err, errlen);
	} else if(strcmp(key, "height") == 0) {
		ok = parse_int(val, 16, 4320, &url->height);
	} else if(strcmp(key, "width") == 0) {
		ok = parse_int(val, 16, 7680, &url->width);
	} else if(strcmp(key, "fps") == 0) {
		ok = parse_int(val, 1, 120, &url->fps);
	} else if(strcmp(key, "bitrate") == 0) {
		ok = parse_int(val, 16, 100000, &url->bitrate_kbps);
	} else if(strcmp(key, "gop") == 0) {
		char *end = NULL;
		double g = g_ascii_strtod(val, &end);
		ok = (end != val && *end == '\0' && g >= 0.1 && g <= 60.0);
		if(ok)
			url->gop_s = g;
	} else {
		g_snprintf(err, errlen, "unknown ffmpeg option '%s'", key);
		ok = FALSE;
	}
	if(!ok && err[0] == '\0')
		g_snprintf(err, errlen, "bad value for ffmpeg option '%s'", key);
	g_free(key);
	return ok;
}

static ms_source_url *parse_ffmpeg(const char *rest, char *err, gsize errlen)
{
	gchar **parts = g_strsplit(rest, "#", -1);
	ms_source_url *url = NULL;
	if(parts[0] == NULL || parts[0][0] == '\0') {
		g_snprintf(err, errlen, "ffmpeg source needs a parent stream");
		goto out;
	}
	url = g_new0(ms_source_url, 1);
	url->kind = MS_SOURCE_FFMPEG;
	url->parent = g_strdup(parts[0]);
	url->gop_s = 1.0;
	for(int i = 1; parts[i] != NULL; i++) {
		if(!ffmpeg_option(url, parts[i], err, errlen)) {
			ms_source_url_free(url);
			url = NULL;
			goto out;
		}
	}
	if(url->codec == NULL)
		url->codec = g_strdup("h264");
out:
	g_strfreev(parts);
	return url;
}

ms_source_url *ms_source_url_parse(const char *source, char *err, gsize errlen)
{
	if(err != NULL && errlen > 0)
		err[0] = '\0';
	if(source == NULL || *source == '\0') {
		g_snprintf(err, errlen, "empty source");
		return NULL;
	}
	if(g_str_has_prefix(source, "rtp://"))
		return parse_rtp(source + strlen("rtp://"), err, errlen);
	if(g_str_has_prefix(source, "rtsp://"))
		return parse_rtsp(source, err, errlen);
	if(g_str_has_prefix(source, "ffmpeg:"))
		return parse_ffmpeg(source + strlen("ffmpeg:"), err, errlen);
	g_snprintf(err, errlen, "unknown source kind (rtp://, rtsp:// or ffmpeg:)");
	return NULL;
}

char *ms_source_url_redact(const char *url)
{
	if(url == NULL)
		return NULL;
	const char *scheme = strstr(url, "://");
	if(scheme == NULL)
		return g_strdup(url);
	const char *auth = scheme + 3;
	const char *slash = strchr(auth, '/');
	const char *end = slash ? slash : auth + strlen(auth);
	const char *at = NULL;
	for(const char *p = auth; p < end; p++)
		if(*p == '@')
			at = p;
	if(at == NULL)
		return g_strdup(url);
	const char *colon = memchr(auth, ':', at - auth);
	if(colon == NULL)
		return g_strdup(url);
	return g_strdup_printf("%.*s:***%s", (int)(colon - url), url, at);
}

gboolean ms_stream_split_variant(const char *name, char **parent, char **quality)
{
	const char *dash = name ? strrchr(name, '-') : NULL;
	if(dash == NULL || dash == name || dash[1] == '\0')
		return FALSE;
	if(parent)
		*parent = g_strndup(name, dash - name);
	if(quality)
		*quality = g_strdup(dash + 1);
	return TRUE;
}

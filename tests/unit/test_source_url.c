/* test_source_url.c: source string parsing, redaction, variant names. */
#include <string.h>
#include <glib.h>
#include "ms_source_url.h"

static void test_rtp(void)
{
	char err[128];
	ms_source_url *s = ms_source_url_parse("rtp://127.0.0.1:5004", err, sizeof(err));
	g_assert_nonnull(s);
	g_assert_cmpint(s->kind, ==, MS_SOURCE_RTP);
	g_assert_cmpstr(s->host, ==, "127.0.0.1");
	g_assert_cmpint(s->port, ==, 5004);
	ms_source_url_free(s);
	s = ms_source_url_parse("rtp://[::1]:6000", err, sizeof(err));
	g_assert_nonnull(s);
	g_assert_cmpstr(s->host, ==, "::1");
	ms_source_url_free(s);
	g_assert_null(ms_source_url_parse("rtp://127.0.0.1", err, sizeof(err)));
	g_assert_null(ms_source_url_parse("rtp://127.0.0.1:0", err, sizeof(err)));
	g_assert_null(ms_source_url_parse("rtp://127.0.0.1:70000", err, sizeof(err)));
	g_assert_null(ms_source_url_parse("rtp://127.0.0.1:50x", err, sizeof(err)));
	g_assert_cmpstr(err, !=, "");
}

/* rtp://...#from=: the one sender accepted */
static void test_rtp_from(void)
{
	char err[160];
	ms_source_url *s = ms_source_url_parse("rtp://0.0.0.0:5004#from=192.0.2.7", err, sizeof(err));
	g_assert_nonnull(s);
	g_assert_cmpstr(s->host, ==, "0.0.0.0");
	g_assert_cmpint(s->port, ==, 5004);
	g_assert_cmpstr(s->from_host, ==, "192.0.2.7");
	g_assert_cmpint(s->from_port, ==, 0);
	ms_source_url_free(s);
	s = ms_source_url_parse("rtp://127.0.0.1:5004#from=127.0.0.1:6000", err, sizeof(err));
	g_assert_nonnull(s);
	g_assert_cmpstr(s->from_host, ==, "127.0.0.1");
	g_assert_cmpint(s->from_port, ==, 6000);
	ms_source_url_free(s);
	s = ms_source_url_parse("rtp://[::]:5004#from=[2001:db8::1]:7000", err, sizeof(err));
	g_assert_nonnull(s);
	g_assert_cmpstr(s->from_host, ==, "2001:db8::1");
	g_assert_cmpint(s->from_port, ==, 7000);
	ms_source_url_free(s);
	s = ms_source_url_parse("rtp://[::]:5004#from=2001:db8::2", err, sizeof(err));
	g_assert_nonnull(s);
	g_assert_cmpstr(s->from_host, ==, "2001:db8::2");
	g_assert_cmpint(s->from_port, ==, 0);
	ms_source_url_free(s);
	s = ms_source_url_parse("rtp://127.0.0.1:5004", err, sizeof(err));
	g_assert_null(s->from_host);
	ms_source_url_free(s);
	const char *bad[] = { "rtp://127.0.0.1:5004#from=camera.local", "rtp://127.0.0.1:5004#from=",
		"rtp://127.0.0.1:5004#from=1.2.3.4:0", "rtp://127.0.0.1:5004#from=1.2.3.4:99999",
		"rtp://127.0.0.1:5004#to=1.2.3.4", "rtp://127.0.0.1:5004#from=1.2.3.4#from=1.2.3.5",
		"rtp://127.0.0.1#from=1.2.3.4" };
	for(guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_test_message("%s", bad[i]);
		g_assert_null(ms_source_url_parse(bad[i], err, sizeof(err)));
		g_assert_cmpstr(err, !=, "");
	}
}

/* An error never echoes what follows '#' in an rtsp URL: it may be the
 * rest of a password holding a '#'. */
static void test_rtsp_error_redacted(void)
{
	char err[160];
	g_assert_null(ms_source_url_parse("rtsp://admin:pa#ssw0rdX@127.0.0.1/x", err, sizeof(err)));
	g_assert_null(strstr(err, "ssw0rdX"));
	g_assert_null(strstr(err, "127.0.0.1"));
	g_assert_nonnull(strstr(err, "%23"));
}

static void test_rtsp(void)
{
	char err[128];
	ms_source_url *s = ms_source_url_parse("rtsp://admin:password@192.168.1.10/stream", err, sizeof(err));
	g_assert_nonnull(s);
	g_assert_cmpint(s->kind, ==, MS_SOURCE_RTSP);
	g_assert_cmpstr(s->host, ==, "192.168.1.10");
	g_assert_false(s->rtsp_udp);
	g_assert_cmpstr(s->text, ==, "rtsp://admin:password@192.168.1.10/stream");
	ms_source_url_free(s);
	s = ms_source_url_parse("rtsp://cam:8554/live#transport=udp", err, sizeof(err));
	g_assert_nonnull(s);
	g_assert_true(s->rtsp_udp);
	g_assert_cmpstr(s->host, ==, "cam");
	g_assert_cmpstr(s->text, ==, "rtsp://cam:8554/live");
	ms_source_url_free(s);
	g_assert_null(ms_source_url_parse("rtsp:///nohost", err, sizeof(err)));
	g_assert_null(ms_source_url_parse("rtsp://cam:99999/x", err, sizeof(err)));
	g_assert_null(ms_source_url_parse("rtsp://cam/x#transport=carrier-pigeon", err, sizeof(err)));
}

static void test_ffmpeg(void)
{
	char err[128];
	ms_source_url *s = ms_source_url_parse("ffmpeg:camera1#video=h264#height=360", err, sizeof(err));
	g_assert_nonnull(s);
	g_assert_cmpint(s->kind, ==, MS_SOURCE_FFMPEG);
	g_assert_cmpstr(s->parent, ==, "camera1");
	g_assert_cmpstr(s->codec, ==, "h264");
	g_assert_cmpint(s->height, ==, 360);
	g_assert_cmpfloat(s->gop_s, ==, 1.0);
	ms_source_url_free(s);
	s = ms_source_url_parse("ffmpeg:cam#video=h264#width=640#height=360#fps=10#bitrate=500#gop=0.5", err, sizeof(err));
	g_assert_nonnull(s);
	g_assert_cmpint(s->width, ==, 640);
	g_assert_cmpint(s->fps, ==, 10);
	g_assert_cmpint(s->bitrate_kbps, ==, 500);
	g_assert_cmpfloat(s->gop_s, ==, 0.5);
	ms_source_url_free(s);
	g_assert_null(ms_source_url_parse("ffmpeg:#video=h264", err, sizeof(err)));
	g_assert_null(ms_source_url_parse("ffmpeg:cam#video=vp8", err, sizeof(err)));
	g_assert_null(ms_source_url_parse("ffmpeg:cam#height=abc", err, sizeof(err)));
	g_assert_null(ms_source_url_parse("ffmpeg:cam#height=-5", err, sizeof(err)));
	g_assert_null(ms_source_url_parse("ffmpeg:cam#colour=red", err, sizeof(err)));
	g_assert_null(ms_source_url_parse("ffmpeg:cam#height", err, sizeof(err)));
	g_assert_null(ms_source_url_parse("ffmpeg:cam#gop=0", err, sizeof(err)));
}

static void test_unknown(void)
{
	char err[128];
	g_assert_null(ms_source_url_parse("http://x/y", err, sizeof(err)));
	g_assert_cmpstr(err, ==, "unknown source kind (rtp://, rtsp:// or ffmpeg:)");
	g_assert_null(ms_source_url_parse("", err, sizeof(err)));
	g_assert_null(ms_source_url_parse(NULL, err, sizeof(err)));
	g_assert_cmpstr(ms_source_kind_name(MS_SOURCE_RTSP), ==, "rtsp");
	g_assert_cmpstr(ms_source_kind_name((ms_source_kind)42), ==, "unknown");
}

static void test_redact(void)
{
	char *r = ms_source_url_redact("rtsp://admin:s3cret@10.0.0.1/stream");
	g_assert_cmpstr(r, ==, "rtsp://admin:***@10.0.0.1/stream");
	g_free(r);
	r = ms_source_url_redact("rtsp://admin@10.0.0.1/stream");
	g_assert_cmpstr(r, ==, "rtsp://admin@10.0.0.1/stream");
	g_free(r);
	r = ms_source_url_redact("rtsp://u:p@ss@host/a@b");
	g_assert_cmpstr(r, ==, "rtsp://u:***@host/a@b");
	g_free(r);
	r = ms_source_url_redact("rtsp://host/path");
	g_assert_cmpstr(r, ==, "rtsp://host/path");
	g_free(r);
}

static void test_variant(void)
{
	char *p = NULL, *q = NULL;
	g_assert_true(ms_stream_split_variant("camera1-360p", &p, &q));
	g_assert_cmpstr(p, ==, "camera1");
	g_assert_cmpstr(q, ==, "360p");
	g_free(p);
	g_free(q);
	g_assert_true(ms_stream_split_variant("front-door-720p", &p, &q));
	g_assert_cmpstr(p, ==, "front-door");
	g_assert_cmpstr(q, ==, "720p");
	g_free(p);
	g_free(q);
	g_assert_false(ms_stream_split_variant("camera1", &p, &q));
	g_assert_false(ms_stream_split_variant("-x", &p, &q));
	g_assert_false(ms_stream_split_variant("x-", &p, &q));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ms/url/rtp", test_rtp);
	g_test_add_func("/ms/url/rtp-from", test_rtp_from);
	g_test_add_func("/ms/url/rtsp", test_rtsp);
	g_test_add_func("/ms/url/rtsp-error-redacted", test_rtsp_error_redacted);
	g_test_add_func("/ms/url/ffmpeg", test_ffmpeg);
	g_test_add_func("/ms/url/unknown", test_unknown);
	g_test_add_func("/ms/url/redact", test_redact);
	g_test_add_func("/ms/url/variant", test_variant);
	return g_test_run();
}

/* test_sdp.c: offer parsing, H264 choice, and golden answers.
 *
 * Golden files live in tests/unit/sdp/ (NAME.offer.sdp, NAME.answer.sdp,
 * stored with LF; answers are compared after checking every line ends in
 * CRLF). They are found through G_TEST_SRCDIR, then $MS_SDP_DIR, then next
 * to this source file (__FILE__ is "../tests/unit/test_sdp.c" in a VPATH
 * build run from the build dir by `make check`). MS_SDP_REGEN=1 rewrites
 * the answers (review the diff before committing). */
#include <string.h>
#include <glib.h>
#include "ms_sdp.h"

#define SESSION_ID G_GUINT64_CONSTANT(1234567890123)

static char *sdp_path(const char *name)
{
	char *p = g_test_build_filename(G_TEST_DIST, "sdp", name, NULL);
	if(g_file_test(p, G_FILE_TEST_EXISTS))
		return p;
	g_free(p);
	const char *env = g_getenv("MS_SDP_DIR");
	if(env != NULL) {
		p = g_build_filename(env, name, NULL);
		if(g_file_test(p, G_FILE_TEST_EXISTS))
			return p;
		g_free(p);
	}
	char *dir = g_path_get_dirname(__FILE__);
	p = g_build_filename(dir, "sdp", name, NULL);
	g_free(dir);
	return p;
}

static char *load(const char *name)
{
	char *path = sdp_path(name), *text = NULL;
	GError *err = NULL;
	if(!g_file_get_contents(path, &text, NULL, &err))
		g_error("%s: %s (set MS_SDP_DIR to tests/unit/sdp)", path, err->message);
	g_free(path);
	return text;
}

static char *to_crlf(const char *lf)
{
	char **lines = g_strsplit(lf, "\n", -1);
	char *out = g_strjoinv("\r\n", lines);
	g_strfreev(lines);
	return out;
}

/* Every line of an answer ends in CRLF; returns it with LF only. */
static char *check_crlf(const char *sdp)
{
	gsize n = strlen(sdp);
	g_assert_cmpuint(n, >, 2);
	g_assert_true(sdp[n - 2] == '\r' && sdp[n - 1] == '\n');
	for(gsize i = 0; i < n; i++) {
		if(sdp[i] == '\n')
			g_assert_true(i > 0 && sdp[i - 1] == '\r');
		if(sdp[i] == '\r')
			g_assert_true(sdp[i + 1] == '\n');
	}
	char **lines = g_strsplit(sdp, "\r\n", -1);
	char *out = g_strjoinv("\n", lines);
	g_strfreev(lines);
	return out;
}

static char *answer_for(const char *offer_text, guint n_slots, int *mindex, int *pt)
{
	ms_sdp_offer *offer = g_new0(ms_sdp_offer, 1);
	char detail[160];
	ms_error err = ms_sdp_parse_offer(offer_text, offer, detail, sizeof(detail));
	if(err != MS_OK)
		g_error("parse: %s", detail);
	char *answer = ms_sdp_build_answer(offer, n_slots, SESSION_ID, mindex, pt, NULL, NULL, &err,
		detail, sizeof(detail));
	if(answer == NULL)
		g_error("answer: %d %s", err, detail);
	g_assert_cmpint(err, ==, MS_OK);
	g_free(offer);
	return answer;
}

/* The answer must read back as an SDP with the same m-lines and mids. */
static void check_reparse(const char *offer_text, const char *answer)
{
	ms_sdp_offer *o = g_new0(ms_sdp_offer, 1), *a = g_new0(ms_sdp_offer, 1);
	g_assert_cmpint(ms_sdp_parse_offer(offer_text, o, NULL, 0), ==, MS_OK);
	g_assert_cmpint(ms_sdp_parse_offer(answer, a, NULL, 0), ==, MS_OK);
	g_assert_cmpuint(a->n, ==, o->n);
	for(guint i = 0; i < o->n; i++) {
		g_assert_cmpstr(a->m[i].mid, ==, o->m[i].mid);
		g_assert_cmpstr(a->m[i].media, ==, o->m[i].media);
		g_assert_cmpstr(a->m[i].proto, ==, o->m[i].proto);
		g_assert_false(a->m[i].recv);	/* sendonly or rejected */
	}
	g_free(o);
	g_free(a);
}

static void golden(const char *offer_base, const char *answer_base, guint n_slots,
		const int *want_mindex, const int *want_pt)
{
	char *offer_name = g_strdup_printf("%s.offer.sdp", offer_base);
	char *answer_name = g_strdup_printf("%s.answer.sdp", answer_base);
	char *offer = load(offer_name), *offer_crlf = to_crlf(offer);
	int mindex[MS_SDP_MAX_MLINES], pt[MS_SDP_MAX_MLINES];
	char *answer = answer_for(offer, n_slots, mindex, pt);
	char *answer2 = answer_for(offer_crlf, n_slots, NULL, NULL);
	g_assert_cmpstr(answer, ==, answer2);	/* LF and CRLF offers read alike */
	char *got = check_crlf(answer);
	if(g_getenv("MS_SDP_REGEN") != NULL) {
		char *path = sdp_path(answer_name);
		g_assert_true(g_file_set_contents(path, got, -1, NULL));
		g_free(path);
	}
	char *want = load(answer_name);
	g_assert_cmpstr(got, ==, want);
	for(guint k = 0; k < n_slots; k++) {
		g_assert_cmpint(mindex[k], ==, want_mindex[k]);
		g_assert_cmpint(pt[k], ==, want_pt[k]);
	}
	check_reparse(offer, answer);
	g_free(offer_name);
	g_free(answer_name);
	g_free(offer);
	g_free(offer_crlf);
	g_free(answer);
	g_free(answer2);
	g_free(got);
	g_free(want);
}

/* ---------- goldens ---------- */

static void test_golden_chrome(void)
{
	static const int mindex[] = { 0, 1, 2 }, pt[] = { 106, 106, 106 };
	golden("chrome-3video", "chrome-3video", 3, mindex, pt);
}

static void test_golden_audio_video(void)
{
	static const int mindex[] = { 1, 2 }, pt[] = { 106, 106 };
	golden("audio-video", "audio-video", 2, mindex, pt);
}

static void test_golden_h264_choice(void)
{
	static const int mindex[] = { 0, 1, 2, 3 }, pt[] = { 102, 127, 108, 127 };
	golden("h264-choice", "h264-choice", 4, mindex, pt);
}

static void test_golden_extra_video(void)
{
	/* 3 video m-lines, 1 slot: the other two are rejected */
	static const int mindex[] = { 0 }, pt[] = { 106 };
	golden("chrome-3video", "chrome-3video-1slot", 1, mindex, pt);
}

/* ---------- parsing ---------- */

static void test_parse_chrome(void)
{
	char *text = load("chrome-3video.offer.sdp");
	ms_sdp_offer *o = g_new0(ms_sdp_offer, 1);
	g_assert_cmpint(ms_sdp_parse_offer(text, o, NULL, 0), ==, MS_OK);
	g_assert_cmpuint(o->n, ==, 3);
	g_assert_cmpuint(o->n_video, ==, 3);
	for(guint i = 0; i < 3; i++) {
		const ms_sdp_mline *m = &o->m[i];
		char mid[4];
		g_snprintf(mid, sizeof(mid), "%u", i);
		g_assert_cmpstr(m->media, ==, "video");
		g_assert_cmpstr(m->proto, ==, "UDP/TLS/RTP/SAVPF");
		g_assert_cmpstr(m->first_fmt, ==, "96");
		g_assert_cmpstr(m->mid, ==, mid);
		g_assert_true(m->recv);
		g_assert_cmpint(m->h264.pt, ==, 106);
		g_assert_cmpstr(m->h264.fmtp, ==, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
		g_assert_true(m->h264.nack && m->h264.pli && m->h264.fir);
	}
	g_free(o);
	g_free(text);
}

static void test_parse_audio_video(void)
{
	char *text = load("audio-video.offer.sdp");
	ms_sdp_offer *o = g_new0(ms_sdp_offer, 1);
	g_assert_cmpint(ms_sdp_parse_offer(text, o, NULL, 0), ==, MS_OK);
	g_assert_cmpuint(o->n, ==, 4);
	g_assert_cmpuint(o->n_video, ==, 2);
	g_assert_cmpstr(o->m[0].media, ==, "audio");
	g_assert_cmpint(o->m[0].h264.pt, ==, -1);
	g_assert_cmpstr(o->m[0].first_fmt, ==, "111");
	g_assert_cmpstr(o->m[3].media, ==, "application");
	g_assert_cmpstr(o->m[3].proto, ==, "UDP/DTLS/SCTP");
	g_assert_cmpstr(o->m[3].first_fmt, ==, "webrtc-datachannel");
	g_free(o);
	g_free(text);
}

static void test_fewer_video(void)
{
	char *text = load("fewer-video.offer.sdp");
	ms_sdp_offer *o = g_new0(ms_sdp_offer, 1);
	char detail[160];
	ms_error err = MS_OK;
	int mindex[3] = { -1, -1, -1 };
	g_assert_cmpint(ms_sdp_parse_offer(text, o, NULL, 0), ==, MS_OK);
	g_assert_null(ms_sdp_build_answer(o, 3, SESSION_ID, mindex, NULL, NULL, NULL, &err, detail, sizeof(detail)));
	g_assert_cmpint(err, ==, MS_ERR_INVALID_REQUEST);
	g_assert_nonnull(strstr(detail, "2 video m-lines for 3 slots"));
	g_assert_cmpint(mindex[0], ==, -1);
	char *a = ms_sdp_build_answer(o, 2, SESSION_ID, mindex, NULL, NULL, NULL, &err, NULL, 0);
	g_assert_nonnull(a);
	g_assert_cmpint(err, ==, MS_OK);
	g_assert_cmpint(mindex[1], ==, 1);
	g_free(a);
	g_free(o);
	g_free(text);
}

static void test_mid17(void)
{
	char *text = load("mid17.offer.sdp");
	ms_sdp_offer *o = g_new0(ms_sdp_offer, 1);
	char detail[160];
	g_assert_cmpint(ms_sdp_parse_offer(text, o, detail, sizeof(detail)), ==, MS_ERR_INVALID_REQUEST);
	g_assert_nonnull(strstr(detail, "mid longer than 16"));
	g_assert_cmpuint(o->n, ==, 0);		/* cleared on failure */
	/* 16 characters is fine */
	char *text16 = g_strdup(text);
	char *p = strstr(text16, "a=mid:abcdefghijklmnopq\n");
	g_assert_nonnull(p);
	memmove(p + 22, p + 23, strlen(p + 23) + 1);
	g_assert_cmpint(ms_sdp_parse_offer(text16, o, detail, sizeof(detail)), ==, MS_OK);
	g_assert_cmpstr(o->m[1].mid, ==, "abcdefghijklmnop");
	g_free(text16);
	g_free(o);
	g_free(text);
}

#define HEAD "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
#define VIDEO(mid, extra) "m=video 9 UDP/TLS/RTP/SAVPF 102\r\na=mid:" mid "\r\n" extra \
	"a=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n"

typedef struct offer_case {
	const char *sdp;
	ms_error parse;		/* expected parse result */
	ms_error build;		/* expected answer result for 1 slot */
	const char *detail;
} offer_case;

static void test_offer_cases(void)
{
	static const offer_case cases[] = {
		{ "", MS_ERR_INVALID_REQUEST, 0, "not an SDP" },
		{ "\r\n\n", MS_ERR_INVALID_REQUEST, 0, "not an SDP" },
		{ "hello\r\n", MS_ERR_INVALID_REQUEST, 0, "not an SDP" },
		{ HEAD, MS_ERR_INVALID_REQUEST, 0, "no m-line" },
		{ HEAD "m=video 9\r\n", MS_ERR_INVALID_REQUEST, 0, "malformed" },
		{ HEAD "m=video x UDP/TLS/RTP/SAVPF 96\r\n", MS_ERR_INVALID_REQUEST, 0, "malformed" },
		{ HEAD "m=video 9 UDP/TLS/RTP/SAVPF\r\n", MS_ERR_INVALID_REQUEST, 0, "malformed" },
		{ HEAD "m=averyveryverylongmedia 9 RTP/AVP 0\r\n", MS_ERR_INVALID_REQUEST, 0, "malformed" },
		{ HEAD VIDEO("a", "") VIDEO("a", ""), MS_ERR_INVALID_REQUEST, 0, "duplicate mid" },
		{ HEAD VIDEO("a\x01", ""), MS_ERR_INVALID_REQUEST, 0, "invalid mid" },
		{ HEAD "m=video 9 UDP/TLS/RTP/SAVPF 102\r\na=mid:\r\n", MS_ERR_INVALID_REQUEST, 0, "invalid mid" },
		{ HEAD VIDEO("0", ""), MS_OK, MS_OK, NULL },
		{ HEAD VIDEO("0", "a=recvonly\r\n"), MS_OK, MS_OK, NULL },
		{ HEAD VIDEO("0", "a=sendonly\r\n"), MS_OK, MS_ERR_INVALID_REQUEST, "does not let us send" },
		{ HEAD VIDEO("0", "a=inactive\r\n"), MS_OK, MS_ERR_INVALID_REQUEST, "does not let us send" },
		{ HEAD "a=inactive\r\n" VIDEO("0", ""), MS_OK, MS_ERR_INVALID_REQUEST, "does not let us send" },
		{ HEAD "a=inactive\r\n" VIDEO("0", "a=recvonly\r\n"), MS_OK, MS_OK, NULL },
		/* port 0: disabled, unless bundle-only */
		{ HEAD "m=video 0 UDP/TLS/RTP/SAVPF 102\r\na=mid:0\r\na=rtpmap:102 H264/90000\r\n",
			MS_OK, MS_ERR_INVALID_REQUEST, "does not let us send" },
		{ HEAD "m=video 0 UDP/TLS/RTP/SAVPF 102\r\na=mid:0\r\na=bundle-only\r\na=rtpmap:102 H264/90000\r\n",
			MS_OK, MS_OK, NULL },
		{ HEAD "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=rtpmap:96 VP8/90000\r\n",
			MS_OK, MS_ERR_INVALID_REQUEST, "no H264" },
		/* an H264 rtpmap for a pt not on the m= line does not count */
		{ HEAD "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=rtpmap:102 H264/90000\r\n",
			MS_OK, MS_ERR_INVALID_REQUEST, "no H264" },
		{ HEAD "m=video 9 UDP/TLS/RTP/SAVPF 102\r\na=mid:0\r\na=rtpmap:102 H264/48000\r\n",
			MS_OK, MS_ERR_INVALID_REQUEST, "no H264" },
		{ HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n", MS_OK, MS_ERR_INVALID_REQUEST,
			"0 video m-lines" },
	};
	for(gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		ms_sdp_offer *o = g_new0(ms_sdp_offer, 1);
		char detail[160] = "";
		ms_error err = ms_sdp_parse_offer(cases[i].sdp, o, detail, sizeof(detail));
		if(err != cases[i].parse)
			g_error("case %zu: parse %d (%s)", i, err, detail);
		if(err == MS_OK) {
			char *a = ms_sdp_build_answer(o, 1, 1, NULL, NULL, NULL, NULL, &err, detail, sizeof(detail));
			if(err != cases[i].build || (a == NULL) != (err != MS_OK))
				g_error("case %zu: build %d (%s)", i, err, detail);
			g_free(a);
		}
		if(cases[i].detail != NULL && strstr(detail, cases[i].detail) == NULL)
			g_error("case %zu: detail \"%s\" lacks \"%s\"", i, detail, cases[i].detail);
		g_free(o);
	}
	ms_sdp_offer *o = g_new0(ms_sdp_offer, 1);
	g_assert_cmpint(ms_sdp_parse_offer(NULL, o, NULL, 0), ==, MS_ERR_INVALID_REQUEST);
	g_assert_cmpint(ms_sdp_parse_offer(HEAD, NULL, NULL, 0), ==, MS_ERR_INVALID_REQUEST);
	g_free(o);
}

static void test_too_many_mlines(void)
{
	GString *s = g_string_new(HEAD);
	for(int i = 0; i < MS_SDP_MAX_MLINES; i++)
		g_string_append_printf(s, "m=video 9 UDP/TLS/RTP/SAVPF 102\r\na=mid:%d\r\n"
			"a=rtpmap:102 H264/90000\r\n", i);
	ms_sdp_offer *o = g_new0(ms_sdp_offer, 1);
	char detail[160];
	g_assert_cmpint(ms_sdp_parse_offer(s->str, o, detail, sizeof(detail)), ==, MS_OK);
	g_assert_cmpuint(o->n_video, ==, MS_SDP_MAX_MLINES);
	g_string_append(s, "m=video 9 UDP/TLS/RTP/SAVPF 102\r\na=mid:x\r\n");
	g_assert_cmpint(ms_sdp_parse_offer(s->str, o, detail, sizeof(detail)), ==, MS_ERR_INVALID_REQUEST);
	g_assert_nonnull(strstr(detail, "more than 64"));
	g_free(o);
	g_string_free(s, TRUE);
}

static void test_nine_slots(void)
{
	GString *s = g_string_new(HEAD);
	for(int i = 0; i < 9; i++)
		g_string_append_printf(s, "m=video 9 UDP/TLS/RTP/SAVPF 102\r\na=mid:%d\r\na=recvonly\r\n"
			"a=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n", i);
	int mindex[9], pt[9];
	char *a = answer_for(s->str, 9, mindex, pt);
	g_assert_nonnull(strstr(a, "a=group:BUNDLE 0 1 2 3 4 5 6 7 8\r\n"));
	g_assert_true(g_str_has_prefix(a, "v=0\r\no=- 1234567890123 1 IN IP4 127.0.0.1\r\n"
		"s=janus-multistream\r\nt=0 0\r\n"));
	for(int k = 0; k < 9; k++) {
		g_assert_cmpint(mindex[k], ==, k);
		g_assert_cmpint(pt[k], ==, 102);
	}
	/* no ICE, DTLS or SSRC: Janus adds those */
	g_assert_null(strstr(a, "a=ice-"));
	g_assert_null(strstr(a, "a=fingerprint"));
	g_assert_null(strstr(a, "a=ssrc"));
	/* fmtp lines without rtcp-fb in the offer get no rtcp-fb */
	g_assert_null(strstr(a, "a=rtcp-fb"));
	check_reparse(s->str, a);
	g_free(a);
	g_string_free(s, TRUE);
}

static void test_no_mid(void)
{
	const char *sdp = HEAD "m=video 9 UDP/TLS/RTP/SAVPF 102\r\na=rtpmap:102 H264/90000\r\n"
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
	char *a = answer_for(sdp, 1, NULL, NULL);
	g_assert_cmpstr(a, ==, "v=0\r\no=- 1234567890123 1 IN IP4 127.0.0.1\r\ns=janus-multistream\r\n"
		"t=0 0\r\na=msid-semantic: WMS *\r\n"
		"m=video 9 UDP/TLS/RTP/SAVPF 102\r\nc=IN IP4 127.0.0.1\r\na=sendonly\r\na=rtcp-mux\r\n"
		"a=rtpmap:102 H264/90000\r\n"
		"m=audio 0 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 127.0.0.1\r\na=inactive\r\n");
	g_free(a);
}

static void test_bad_fmtp(void)
{
	/* a pt whose fmtp we could not echo faithfully is never chosen */
	char longv[300];
	memset(longv, 'x', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	char *sdp = g_strdup_printf(HEAD "m=video 9 UDP/TLS/RTP/SAVPF 102 104 106\r\na=mid:0\r\n"
		"a=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=1;profile-level-id=42e01f;x=%s\r\n"
		"a=rtpmap:104 H264/90000\r\na=fmtp:104 packetization-mode=1;profile-level-id=42e01f;\x7f\r\n"
		"a=rtpmap:106 H264/90000\r\na=fmtp:106 packetization-mode=0\r\n"
		"a=fmtp:106 packetization-mode=1;profile-level-id=42e01f\r\n", longv);
	int pt[1];
	char *a = answer_for(sdp, 1, NULL, pt);
	g_assert_cmpint(pt[0], ==, 106);
	/* first fmtp line of a pt wins */
	g_assert_nonnull(strstr(a, "a=fmtp:106 packetization-mode=0\r\n"));
	g_free(a);
	g_free(sdp);
}

static void test_build_args(void)
{
	ms_sdp_offer *o = g_new0(ms_sdp_offer, 1);
	ms_error err = MS_OK;
	char detail[64];
	g_assert_cmpint(ms_sdp_parse_offer(HEAD VIDEO("0", ""), o, NULL, 0), ==, MS_OK);
	g_assert_null(ms_sdp_build_answer(o, 0, 1, NULL, NULL, NULL, NULL, &err, detail, sizeof(detail)));
	g_assert_cmpint(err, ==, MS_ERR_INVALID_REQUEST);
	g_assert_null(ms_sdp_build_answer(NULL, 1, 1, NULL, NULL, NULL, NULL, &err, NULL, 0));
	g_assert_cmpint(err, ==, MS_ERR_INVALID_REQUEST);
	/* err may be NULL */
	char *a = ms_sdp_build_answer(o, 1, G_MAXUINT64, NULL, NULL, NULL, NULL, NULL, NULL, 0);
	g_assert_nonnull(strstr(a, "o=- 18446744073709551615 1 IN IP4"));
	g_free(a);
	g_free(o);
}

/* H265 where offered, beside H264, in the offer's order; Main before Main10 */
static void test_h265(void)
{
	const char *offer_text =
		"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
		"m=video 9 UDP/TLS/RTP/SAVPF 49 51 102\r\na=mid:0\r\na=recvonly\r\n"
		"a=rtpmap:49 H265/90000\r\na=fmtp:49 level-id=180;profile-id=2;tier-flag=0;tx-mode=SRST\r\n"
		"a=rtpmap:51 H265/90000\r\na=fmtp:51 level-id=180;profile-id=1;tier-flag=0;tx-mode=SRST\r\n"
		"a=rtcp-fb:51 nack pli\r\n"
		"a=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n"
		"m=video 9 UDP/TLS/RTP/SAVPF 102 49\r\na=mid:1\r\na=recvonly\r\n"
		"a=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n"
		"a=rtpmap:49 H265/90000\r\n"
		"m=video 9 UDP/TLS/RTP/SAVPF 102 96\r\na=mid:2\r\na=recvonly\r\n"
		"a=rtpmap:102 H264/90000\r\na=rtpmap:96 H265/90000/2\r\na=rtpmap:96 VP8/90000\r\n"
		"m=video 9 UDP/TLS/RTP/SAVPF 49\r\na=mid:3\r\na=recvonly\r\na=rtpmap:49 H265/90000\r\n";
	ms_sdp_offer *o = g_new0(ms_sdp_offer, 1);
	g_assert_cmpint(ms_sdp_parse_offer(offer_text, o, NULL, 0), ==, MS_OK);
	g_assert_cmpint(o->m[0].h265.pt, ==, 51);
	g_assert_true(o->m[0].h265.pli && !o->m[0].h265.fir);
	g_assert_true(o->m[0].h265_first);
	g_assert_cmpint(o->m[1].h265.pt, ==, 49);
	g_assert_false(o->m[1].h265_first);
	/* a pt's first rtpmap counts; "H265/90000/2" is still H265 */
	g_assert_cmpint(o->m[2].h265.pt, ==, 96);
	g_assert_cmpint(o->m[2].h264.pt, ==, 102);
	int mindex[4], pt[4], pt265[4];
	ms_error err = MS_OK;
	char detail[160];
	char *a = ms_sdp_build_answer(o, 3, SESSION_ID, mindex, pt, pt265, NULL, &err, detail, sizeof(detail));
	g_assert_nonnull(a);
	g_assert_cmpint(pt[0], ==, 102);
	g_assert_cmpint(pt265[0], ==, 51);
	g_assert_cmpint(pt265[1], ==, 49);
	g_assert_nonnull(strstr(a, "m=video 9 UDP/TLS/RTP/SAVPF 51 102\r\n"));
	g_assert_nonnull(strstr(a, "a=rtpmap:51 H265/90000\r\na=fmtp:51 level-id=180;profile-id=1;tier-flag=0;tx-mode=SRST\r\n"
		"a=rtcp-fb:51 nack pli\r\na=rtpmap:102 H264/90000\r\n"));
	g_assert_nonnull(strstr(a, "m=video 9 UDP/TLS/RTP/SAVPF 102 49\r\n"));
	g_assert_null(strstr(a, "profile-id=2"));
	check_reparse(offer_text, a);
	g_free(a);
	/* an m-line with H265 alone is still refused: H264 is the common ground */
	g_assert_null(ms_sdp_build_answer(o, 4, SESSION_ID, mindex, pt, pt265, NULL, &err, detail, sizeof(detail)));
	g_assert_cmpint(err, ==, MS_ERR_INVALID_REQUEST);
	g_assert_nonnull(strstr(detail, "no H264"));
	g_free(o);
}

/* The audio m-line (docs/protocol.md §14): only when asked for; Opus, and
 * G.711 where offered, in the offer's order; the first that lets us send */
static void test_audio(void)
{
	const char *offer_text =
		"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
		"m=video 9 UDP/TLS/RTP/SAVPF 102\r\na=mid:0\r\na=recvonly\r\n"
		"a=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n"
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:1\r\na=sendonly\r\na=rtpmap:111 opus/48000/2\r\n"
		"m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 13\r\na=mid:2\r\na=recvonly\r\n"
		"a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\na=rtcp-fb:111 transport-cc\r\n"
		"a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:13 CN/8000\r\n"
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:3\r\na=recvonly\r\na=rtpmap:111 opus/48000/2\r\n";
	ms_sdp_offer *o = g_new0(ms_sdp_offer, 1);
	g_assert_cmpint(ms_sdp_parse_offer(offer_text, o, NULL, 0), ==, MS_OK);
	int mindex[1], pt[1];
	ms_error err = MS_OK;
	char detail[160];
	ms_sdp_audio audio = { .mindex = -1 };
	char *a = ms_sdp_build_answer(o, 1, SESSION_ID, mindex, pt, NULL, &audio, &err, detail, sizeof(detail));
	g_assert_nonnull(a);
	g_assert_cmpint(audio.mindex, ==, 2);
	g_assert_cmpint(audio.pt_opus, ==, 111);
	g_assert_cmpint(audio.pt_pcmu, ==, 0);
	g_assert_cmpint(audio.pt_pcma, ==, 8);
	g_assert_nonnull(strstr(a, "m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8\r\nc=IN IP4 127.0.0.1\r\na=sendonly\r\na=mid:2\r\n"
		"a=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"
		"a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"));
	g_assert_nonnull(strstr(a, "a=group:BUNDLE 0 2\r\n"));
	g_assert_nonnull(strstr(a, "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 127.0.0.1\r\na=inactive\r\na=mid:1\r\n"));
	g_assert_nonnull(strstr(a, "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 127.0.0.1\r\na=inactive\r\na=mid:3\r\n"));
	check_reparse(offer_text, a);
	g_free(a);
	/* Not asked for: every audio m-line refused, as before */
	a = ms_sdp_build_answer(o, 1, SESSION_ID, mindex, pt, NULL, NULL, &err, detail, sizeof(detail));
	g_assert_null(strstr(a, "m=audio 9"));
	g_free(a);
	g_free(o);
	/* Asked for, but no audio m-line we may send Opus on: 480 */
	o = g_new0(ms_sdp_offer, 1);
	g_assert_cmpint(ms_sdp_parse_offer("v=0\r\nm=video 9 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
		"m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", o, NULL, 0), ==, MS_OK);
	g_assert_null(ms_sdp_build_answer(o, 1, SESSION_ID, mindex, pt, NULL, &audio, &err, detail, sizeof(detail)));
	g_assert_cmpint(err, ==, MS_ERR_INVALID_REQUEST);
	g_assert_nonnull(strstr(detail, "Opus"));
	g_free(o);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ms/sdp/golden/chrome-3video", test_golden_chrome);
	g_test_add_func("/ms/sdp/golden/audio-video", test_golden_audio_video);
	g_test_add_func("/ms/sdp/golden/h264-choice", test_golden_h264_choice);
	g_test_add_func("/ms/sdp/golden/extra-video", test_golden_extra_video);
	g_test_add_func("/ms/sdp/parse/chrome", test_parse_chrome);
	g_test_add_func("/ms/sdp/parse/audio-video", test_parse_audio_video);
	g_test_add_func("/ms/sdp/parse/cases", test_offer_cases);
	g_test_add_func("/ms/sdp/parse/too-many-mlines", test_too_many_mlines);
	g_test_add_func("/ms/sdp/parse/mid17", test_mid17);
	g_test_add_func("/ms/sdp/answer/fewer-video", test_fewer_video);
	g_test_add_func("/ms/sdp/answer/nine-slots", test_nine_slots);
	g_test_add_func("/ms/sdp/answer/no-mid", test_no_mid);
	g_test_add_func("/ms/sdp/answer/bad-fmtp", test_bad_fmtp);
	g_test_add_func("/ms/sdp/answer/args", test_build_args);
	g_test_add_func("/ms/sdp/answer/h265", test_h265);
	g_test_add_func("/ms/sdp/answer/audio", test_audio);
	return g_test_run();
}

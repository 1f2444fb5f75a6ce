/* test_gop.c: the per-source GOP cache (ms_gop): GOP boundaries on
 * keyframe timestamps, SPS+PPS+IDR grouping, invalidation on loss and
 * overflow, readiness and age, and no allocation in ms_gop_push(). */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "ms_gop.h"
#include "ms_rtp.h"

/* Payload kinds */
enum { P_SPS, P_PPS, P_IDR, P_SLICE, P_FU_IDR_START, P_FU_IDR_MID, P_STAP_SPS_PPS, P_SEI };

static gsize make_pkt(guint8 *buf, guint16 seq, guint32 ts, int kind, gboolean marker)
{
	static const guint8 sps[] = { 0x67, 0x42, 0xc0, 0x1e };
	static const guint8 pps[] = { 0x68, 0xce, 0x3c, 0x80 };
	static const guint8 idr[] = { 0x65, 0x88, 0x84, 0x00, 0x21 };
	static const guint8 slice[] = { 0x41, 0x9a, 0x02, 0x03 };
	static const guint8 fu_s[] = { 0x7c, 0x85, 0x88, 0x84 };
	static const guint8 fu_m[] = { 0x7c, 0x05, 0x11, 0x22 };
	static const guint8 stap[] = { 0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce };
	static const guint8 sei[] = { 0x06, 0x05, 0x01 };
	static const struct { const guint8 *p; gsize n; } tab[] = {
		{ sps, sizeof(sps) }, { pps, sizeof(pps) }, { idr, sizeof(idr) },
		{ slice, sizeof(slice) }, { fu_s, sizeof(fu_s) }, { fu_m, sizeof(fu_m) },
		{ stap, sizeof(stap) }, { sei, sizeof(sei) },
	};
	memset(buf, 0, 12);
	buf[0] = 0x80;
	buf[1] = (guint8)((marker ? 0x80 : 0) | 96);
	ms_rtp_set_seq(buf, seq);
	ms_rtp_set_ts(buf, ts);
	ms_rtp_set_ssrc(buf, 0x11223344);
	memcpy(buf + 12, tab[kind].p, tab[kind].n);
	return 12 + tab[kind].n;
}

/* Parse as the source does (once, H264), then feed the cache; a packet
 * that is not RTP never reaches it. */
static guint push_raw(ms_gop *g, const guint8 *buf, gsize len, gint64 now)
{
	ms_packet p;
	if(!ms_packet_parse(&p, buf, len, &ms_codec_h264))
		return 0;
	return ms_gop_push(g, &p, now);
}

static guint push(ms_gop *g, guint16 seq, guint32 ts, int kind, gint64 now)
{
	guint8 buf[64];
	gsize len = make_pkt(buf, seq, ts, kind, kind == P_IDR || kind == P_SLICE);
	return push_raw(g, buf, len, now);
}

/* Assert the i-th cached packet has this sequence number. */
static void assert_seq_at(ms_gop *g, guint i, guint16 seq)
{
	gsize len = 0;
	const guint8 *p = ms_gop_packet(g, i, &len);
	g_assert_nonnull(p);
	g_assert_cmpuint(len, >=, 12);
	g_assert_cmpuint(ms_rtp_seq(p), ==, seq);
}

static void test_ignore_before_keyframe(void)
{
	ms_gop *g = ms_gop_new(4096, 64);
	g_assert_cmpuint(push(g, 1, 100, P_SLICE, 0), ==, 0);
	g_assert_cmpuint(push(g, 2, 200, P_FU_IDR_MID, 0), ==, 0);
	g_assert_cmpuint(push(g, 3, 300, P_SEI, 0), ==, 0);
	g_assert_cmpuint(ms_gop_count(g), ==, 0);
	g_assert_false(ms_gop_ready(g, 0, 0));
	g_assert_null(ms_gop_packet(g, 0, NULL));
	/* Not RTP at all */
	const guint8 junk[] = { 0x00, 0x01, 0x02 };
	g_assert_cmpuint(push_raw(g, junk, sizeof(junk), 0), ==, 0);
	g_assert_cmpuint(push(g, 4, 400, P_IDR, 0), ==, MS_GOP_STORED | MS_GOP_NEW_KEYFRAME);
	g_assert_cmpuint(ms_gop_count(g), ==, 1);
	g_assert_true(ms_gop_ready(g, 0, 0));
	ms_gop_free(g);
}

static void test_sps_pps_idr_same_ts(void)
{
	ms_gop *g = ms_gop_new(4096, 64);
	g_assert_cmpuint(push(g, 10, 9000, P_SPS, 5), ==, MS_GOP_STORED | MS_GOP_NEW_KEYFRAME);
	g_assert_false(ms_gop_ready(g, 5, 0));	/* parameter sets only */
	g_assert_cmpuint(push(g, 11, 9000, P_PPS, 5), ==, MS_GOP_STORED);
	g_assert_false(ms_gop_ready(g, 5, 0));
	g_assert_cmpuint(push(g, 12, 9000, P_FU_IDR_START, 5), ==, MS_GOP_STORED);
	g_assert_true(ms_gop_ready(g, 5, 0));
	g_assert_cmpuint(push(g, 13, 9000, P_FU_IDR_MID, 5), ==, MS_GOP_STORED);
	g_assert_cmpuint(push(g, 14, 12000, P_SLICE, 6), ==, MS_GOP_STORED);
	g_assert_cmpuint(ms_gop_count(g), ==, 5);
	for(guint i = 0; i < 5; i++)
		assert_seq_at(g, i, 10 + i);
	g_assert_null(ms_gop_packet(g, 5, NULL));
	/* A STAP-A repeating SPS+PPS with the same timestamp: no new GOP */
	g_assert_cmpuint(push(g, 15, 9000, P_STAP_SPS_PPS, 7), ==, MS_GOP_STORED);
	g_assert_cmpuint(ms_gop_count(g), ==, 6);
	ms_gop_free(g);
}

static void test_reset_on_new_keyframe_ts(void)
{
	ms_gop *g = ms_gop_new(4096, 64);
	guint16 seq = 65530;	/* crosses the sequence wrap on the way */
	push(g, seq++, 1000, P_STAP_SPS_PPS, 0);
	push(g, seq++, 1000, P_IDR, 0);
	for(guint i = 1; i <= 5; i++)
		push(g, seq++, 1000 + i * 6000, P_SLICE, 0);
	g_assert_cmpuint(ms_gop_count(g), ==, 7);
	gsize bytes = ms_gop_bytes(g);
	g_assert_cmpuint(bytes, >, 0);
	guint16 key_seq = seq;
	guint r = push(g, seq++, 40000, P_SPS, 1000);
	g_assert_cmpuint(r, ==, MS_GOP_STORED | MS_GOP_NEW_KEYFRAME);
	g_assert_cmpuint(ms_gop_count(g), ==, 1);
	g_assert_cmpuint(ms_gop_bytes(g), <, bytes);
	push(g, seq++, 40000, P_PPS, 1000);
	push(g, seq++, 40000, P_IDR, 1000);
	g_assert_cmpuint(ms_gop_count(g), ==, 3);
	assert_seq_at(g, 0, key_seq);
	assert_seq_at(g, 2, (guint16)(key_seq + 2));
	g_assert_true(ms_gop_ready(g, 1000, 0));
	/* A keyframe whose timestamp wrapped past 2^32 is just as new */
	r = push(g, seq++, 0xfffffff0u, P_IDR, 2000);
	g_assert_true(r & MS_GOP_NEW_KEYFRAME);
	r = push(g, seq++, 5, P_IDR, 3000);
	g_assert_true(r & MS_GOP_NEW_KEYFRAME);
	g_assert_cmpuint(ms_gop_count(g), ==, 1);
	ms_gop_free(g);
}

/* Parameter sets stamped apart from the IDR they precede stay with it. */
static void test_params_own_ts(void)
{
	ms_gop *g = ms_gop_new(4096, 64);
	push(g, 1, 100, P_SPS, 0);
	push(g, 2, 100, P_PPS, 0);
	guint r = push(g, 3, 3100, P_IDR, 0);
	g_assert_cmpuint(r, ==, MS_GOP_STORED);
	g_assert_cmpuint(ms_gop_count(g), ==, 3);
	g_assert_true(ms_gop_ready(g, 0, 0));
	/* Once an IDR is in, a keyframe with another timestamp starts over */
	r = push(g, 4, 6100, P_IDR, 0);
	g_assert_cmpuint(r, ==, MS_GOP_STORED | MS_GOP_NEW_KEYFRAME);
	g_assert_cmpuint(ms_gop_count(g), ==, 1);
	ms_gop_free(g);
}

static void test_gap_invalidates(void)
{
	ms_gop *g = ms_gop_new(4096, 64);
	push(g, 100, 1000, P_SPS, 0);
	push(g, 101, 1000, P_PPS, 0);
	push(g, 102, 1000, P_IDR, 0);
	push(g, 103, 4000, P_SLICE, 0);
	g_assert_true(ms_gop_ready(g, 0, 0));
	/* A duplicate or late packet is ignored, not a gap */
	g_assert_cmpuint(push(g, 103, 4000, P_SLICE, 0), ==, 0);
	g_assert_cmpuint(push(g, 101, 1000, P_PPS, 0), ==, 0);
	g_assert_cmpuint(ms_gop_count(g), ==, 4);
	g_assert_true(ms_gop_ready(g, 0, 0));
	/* 104 lost */
	g_assert_cmpuint(push(g, 105, 10000, P_SLICE, 0), ==, MS_GOP_INVALIDATED);
	g_assert_false(ms_gop_ready(g, 0, 0));
	g_assert_cmpuint(ms_gop_count(g), ==, 0);
	g_assert_cmpuint(ms_gop_bytes(g), ==, 0);
	g_assert_cmpuint(push(g, 106, 13000, P_SLICE, 0), ==, 0);
	/* Keyframe material of the broken GOP's own timestamp does not revive it */
	g_assert_cmpuint(push(g, 107, 1000, P_IDR, 0), ==, 0);
	g_assert_false(ms_gop_ready(g, 0, 0));
	/* The next keyframe does */
	g_assert_cmpuint(push(g, 108, 16000, P_SPS, 0), ==, MS_GOP_STORED | MS_GOP_NEW_KEYFRAME);
	push(g, 109, 16000, P_IDR, 0);
	g_assert_true(ms_gop_ready(g, 0, 0));
	/* A gap landing on a new keyframe: dropped and restarted at once */
	guint r = push(g, 120, 19000, P_IDR, 0);
	g_assert_cmpuint(r, ==, MS_GOP_INVALIDATED | MS_GOP_NEW_KEYFRAME | MS_GOP_STORED);
	g_assert_cmpuint(ms_gop_count(g), ==, 1);
	/* A restarted source (sequence far behind) is a gap too */
	r = push(g, 60000, 19000 + 3000, P_SLICE, 0);
	g_assert_cmpuint(r, ==, MS_GOP_INVALIDATED);
	ms_gop_free(g);
}

static void test_overflow_bytes(void)
{
	guint8 buf[64];
	gsize idr_len = make_pkt(buf, 0, 0, P_IDR, TRUE);
	gsize slice_len = make_pkt(buf, 0, 0, P_SLICE, TRUE);
	/* Room for the IDR and exactly two slices */
	ms_gop *g = ms_gop_new(idr_len + 2 * slice_len, 64);
	push(g, 1, 0, P_IDR, 0);
	g_assert_cmpuint(push(g, 2, 3000, P_SLICE, 0), ==, MS_GOP_STORED);
	g_assert_cmpuint(push(g, 3, 6000, P_SLICE, 0), ==, MS_GOP_STORED);
	g_assert_cmpuint(ms_gop_bytes(g), ==, idr_len + 2 * slice_len);
	g_assert_true(ms_gop_ready(g, 0, 0));
	g_assert_cmpuint(push(g, 4, 9000, P_SLICE, 0), ==, MS_GOP_INVALIDATED);
	g_assert_false(ms_gop_ready(g, 0, 0));
	g_assert_cmpuint(ms_gop_count(g), ==, 0);
	g_assert_cmpuint(push(g, 5, 12000, P_SLICE, 0), ==, 0);
	g_assert_cmpuint(push(g, 6, 15000, P_IDR, 0), ==, MS_GOP_STORED | MS_GOP_NEW_KEYFRAME);
	/* A keyframe bigger than the whole arena never becomes ready */
	ms_gop *tiny = ms_gop_new(idr_len - 1, 64);
	g_assert_cmpuint(push(tiny, 1, 0, P_IDR, 0), ==, MS_GOP_NEW_KEYFRAME | MS_GOP_INVALIDATED);
	g_assert_false(ms_gop_ready(tiny, 0, 0));
	ms_gop_free(tiny);
	ms_gop_free(g);
}

static void test_overflow_packets(void)
{
	ms_gop *g = ms_gop_new(1 << 16, 3);
	push(g, 1, 0, P_SPS, 0);
	push(g, 2, 0, P_PPS, 0);
	g_assert_cmpuint(push(g, 3, 0, P_IDR, 0), ==, MS_GOP_STORED);
	g_assert_cmpuint(ms_gop_count(g), ==, 3);
	g_assert_cmpuint(push(g, 4, 3000, P_SLICE, 0), ==, MS_GOP_INVALIDATED);
	g_assert_cmpuint(ms_gop_count(g), ==, 0);
	g_assert_false(ms_gop_ready(g, 0, 0));
	ms_gop_free(g);
}

static void test_ready_age(void)
{
	ms_gop *g = ms_gop_new(4096, 64);
	push(g, 1, 0, P_IDR, 1000000);
	push(g, 2, 3000, P_SLICE, 1900000);
	g_assert_true(ms_gop_ready(g, 1500000, 500000));
	g_assert_true(ms_gop_ready(g, 2000000, 1000000));
	g_assert_false(ms_gop_ready(g, 2000001, 1000000));
	/* The age counts from the keyframe, not from the last packet */
	g_assert_false(ms_gop_ready(g, 1900000, 800000));
	g_assert_true(ms_gop_ready(g, 99000000, 0));
	g_assert_true(ms_gop_ready(g, 99000000, -1));
	/* A new keyframe restarts the clock */
	push(g, 3, 6000, P_IDR, 5000000);
	g_assert_true(ms_gop_ready(g, 5400000, 500000));
	ms_gop_reset(g);
	g_assert_false(ms_gop_ready(g, 5400000, 0));
	g_assert_cmpuint(ms_gop_count(g), ==, 0);
	/* After a reset the sequence is not checked against the old one, and
	 * the old keyframe timestamp may start a GOP again */
	g_assert_cmpuint(push(g, 900, 6000, P_IDR, 6000000), ==, MS_GOP_STORED | MS_GOP_NEW_KEYFRAME);
	ms_gop_free(g);
	g_assert_false(ms_gop_ready(NULL, 0, 0));
	g_assert_cmpuint(ms_gop_count(NULL), ==, 0);
}

static void test_keyframe_due(void)
{
	ms_gop *g = ms_gop_new(4096, 64);
	/* One GOP only: no interval known, never "due" */
	push(g, 1, 0, P_IDR, 1000000);
	g_assert_false(ms_gop_keyframe_due(g, 2990000, 100000));
	/* Keyframes 2 s apart */
	push(g, 2, 3000, P_SLICE, 1100000);
	push(g, 3, 180000, P_IDR, 3000000);
	g_assert_false(ms_gop_keyframe_due(g, 3500000, 100000));	/* just started */
	g_assert_false(ms_gop_keyframe_due(g, 4899999, 100000));	/* 100 ms + 1 us early */
	g_assert_true(ms_gop_keyframe_due(g, 4900000, 100000));	/* within the margin */
	g_assert_true(ms_gop_keyframe_due(g, 5200000, 100000));	/* a little late */
	g_assert_false(ms_gop_keyframe_due(g, 5300001, 100000));	/* too late: irregular */
	/* An implausible interval (a restarted camera 60 s later) is forgotten */
	push(g, 4, 900000, P_IDR, 63000000);
	g_assert_false(ms_gop_keyframe_due(g, 64990000, 100000));
	ms_gop_reset(g);
	g_assert_false(ms_gop_keyframe_due(g, 65000000, 100000));
	g_assert_false(ms_gop_keyframe_due(NULL, 0, 0));
	ms_gop_free(g);
}

/* Counting allocator: interposes malloc and friends (glibc only, and not
 * under AddressSanitizer, which owns them). */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MS_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define MS_TEST_ASAN 1
#endif
#if defined(__GLIBC__) && !defined(MS_TEST_ASAN)
#define MS_TEST_COUNT_ALLOC 1
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t s);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t a, size_t n);
static volatile gint allocs;
void *malloc(size_t n) { allocs++; return __libc_malloc(n); }
void *calloc(size_t n, size_t s) { allocs++; return __libc_calloc(n, s); }
void *realloc(void *p, size_t n) { allocs++; return __libc_realloc(p, n); }
int posix_memalign(void **p, size_t a, size_t n)
{
	allocs++;
	*p = __libc_memalign(a, n);
	return *p ? 0 : 12;
}
#endif

static void test_push_no_alloc(void)
{
	ms_gop *g = ms_gop_new(1 << 16, 512);
	push(g, 0, 0, P_IDR, 0);
	const guint8 *first = ms_gop_packet(g, 0, NULL);
	guint8 buf[64];
	gsize lens[4];
	lens[0] = make_pkt(buf, 0, 0, P_SPS, FALSE);
	lens[1] = make_pkt(buf, 0, 0, P_IDR, TRUE);
	lens[2] = make_pkt(buf, 0, 0, P_SLICE, TRUE);
#ifdef MS_TEST_COUNT_ALLOC
	gint before = allocs;
#endif
	guint16 seq = 1;
	for(guint gop = 0; gop < 20; gop++) {
		guint32 ts = 90000 * (gop + 1);
		for(guint i = 0; i < 30; i++) {
			int kind = i == 0 ? P_SPS : (i == 1 ? P_IDR : P_SLICE);
			gsize len = make_pkt(buf, seq++, i < 2 ? ts : ts + i * 3000, kind, kind != P_SPS);
			push_raw(g, buf, len, gop);
		}
		/* Every GOP is laid out from the start of the same arena */
		g_assert_true(ms_gop_packet(g, 0, NULL) == first);
		g_assert_true(ms_gop_packet(g, 1, NULL) == first + lens[0]);
		g_assert_true(ms_gop_packet(g, 2, NULL) == first + lens[0] + lens[1]);
		g_assert_cmpuint(ms_gop_count(g), ==, 30);
		g_assert_cmpuint(ms_gop_bytes(g), ==, lens[0] + lens[1] + 28 * lens[2]);
	}
	/* Overflow and gaps do not allocate either */
	for(guint i = 0; i < 600; i++) {
		gsize len = make_pkt(buf, seq, 5000000 + i * 3000, P_SLICE, TRUE);
		seq += (i % 97 == 0) ? 3 : 1;
		push_raw(g, buf, len, 0);
	}
#ifdef MS_TEST_COUNT_ALLOC
	g_assert_cmpint(allocs, ==, before);
	/* The counter itself works */
	gpointer p = g_malloc(10);
	g_assert_cmpint(allocs, >, before);
	g_free(p);
#endif
	ms_gop_free(g);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ms/gop/ignore-before-keyframe", test_ignore_before_keyframe);
	g_test_add_func("/ms/gop/sps-pps-idr-same-ts", test_sps_pps_idr_same_ts);
	g_test_add_func("/ms/gop/reset-on-new-keyframe-ts", test_reset_on_new_keyframe_ts);
	g_test_add_func("/ms/gop/params-own-ts", test_params_own_ts);
	g_test_add_func("/ms/gop/gap-invalidates", test_gap_invalidates);
	g_test_add_func("/ms/gop/overflow-bytes", test_overflow_bytes);
	g_test_add_func("/ms/gop/overflow-packets", test_overflow_packets);
	g_test_add_func("/ms/gop/ready-age", test_ready_age);
	g_test_add_func("/ms/gop/keyframe-due", test_keyframe_due);
	g_test_add_func("/ms/gop/push-no-alloc", test_push_no_alloc);
	return g_test_run();
}

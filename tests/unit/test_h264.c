/* test_h264.c: RTP header parsing (ms_rtp) and H264 payload inspection
 * (ms_h264): single NAL, STAP-A, FU-A, malformed and truncated input. */
#include <string.h>

#include <glib.h>

#include "ms_h264.h"
#include "ms_rtp.h"

#define KEY (MS_H264_SPS | MS_H264_PPS | MS_H264_IDR)

/* Inspect a copy of buf in an allocation of exactly len bytes, so that a
 * read past len is caught by ASan/valgrind when the tests run under them. */
static guint inspect_exact(const guint8 *buf, gsize len)
{
	guint8 *copy = g_memdup2(buf, len);
	guint flags = ms_h264_inspect(copy, len);
	g_assert_cmpint(ms_h264_is_keyframe_material(copy, len), ==, (flags & KEY) != 0);
	g_free(copy);
	return flags;
}

static gboolean parse_exact(const guint8 *buf, gsize len, gsize *off, gsize *plen)
{
	guint8 *copy = g_memdup2(buf, len);
	gboolean ok = ms_rtp_parse(copy, len, off, plen);
	g_free(copy);
	return ok;
}

static void test_rtp_parse_basic(void)
{
	const guint8 pkt[] = { 0x80, 0xe0, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef,
		0x01, 0x02, 0x03, 0x04, 0x65, 0x88, 0x84 };
	gsize off = 99, plen = 99;
	g_assert_true(parse_exact(pkt, sizeof(pkt), &off, &plen));
	g_assert_cmpuint(off, ==, 12);
	g_assert_cmpuint(plen, ==, 3);
	g_assert_cmpuint(ms_rtp_seq(pkt), ==, 0x1234);
	g_assert_cmpuint(ms_rtp_ts(pkt), ==, 0xdeadbeef);
	g_assert_cmpuint(ms_rtp_ssrc(pkt), ==, 0x01020304);
	g_assert_true(ms_rtp_marker(pkt));
	g_assert_cmpuint(ms_rtp_pt(pkt), ==, 96);
	/* Header only: valid, empty payload */
	g_assert_true(parse_exact(pkt, 12, &off, &plen));
	g_assert_cmpuint(plen, ==, 0);
	/* NULL outputs are allowed */
	g_assert_true(ms_rtp_parse(pkt, sizeof(pkt), NULL, NULL));
}

static void test_rtp_parse_csrc_ext_padding(void)
{
	/* 2 CSRCs, a 1-word extension, 3 bytes of padding */
	guint8 pkt[12 + 8 + 8 + 2 + 3] = { 0xb2, 0x60 };
	pkt[20] = 0xbe; pkt[21] = 0xde; pkt[22] = 0x00; pkt[23] = 0x01;
	pkt[28] = 0x41; pkt[29] = 0x9a;
	pkt[sizeof(pkt) - 1] = 3;
	gsize off = 0, plen = 0;
	g_assert_true(parse_exact(pkt, sizeof(pkt), &off, &plen));
	g_assert_cmpuint(off, ==, 28);
	g_assert_cmpuint(plen, ==, 2);
	/* Every truncation is rejected (extension or padding run past the end) */
	for(gsize l = 0; l < 28; l++)
		g_assert_false(parse_exact(pkt, l, NULL, NULL));
	/* Padding count larger than what follows the header */
	pkt[sizeof(pkt) - 1] = 6;
	g_assert_false(parse_exact(pkt, sizeof(pkt), NULL, NULL));
	/* Padding count 0 is invalid */
	pkt[sizeof(pkt) - 1] = 0;
	g_assert_false(parse_exact(pkt, sizeof(pkt), NULL, NULL));
	/* Padding that exactly fills the payload */
	pkt[sizeof(pkt) - 1] = 5;
	g_assert_true(parse_exact(pkt, sizeof(pkt), &off, &plen));
	g_assert_cmpuint(plen, ==, 0);
}

static void test_rtp_parse_invalid(void)
{
	guint8 pkt[16] = { 0x80, 0x60 };
	g_assert_false(ms_rtp_parse(NULL, 16, NULL, NULL));
	g_assert_false(parse_exact(pkt, 11, NULL, NULL));
	for(guint v = 0; v < 4; v++) {
		pkt[0] = (guint8)(v << 6);
		g_assert_cmpint(parse_exact(pkt, sizeof(pkt), NULL, NULL), ==, v == 2);
	}
	/* 15 CSRCs announced, 1 present */
	pkt[0] = 0x8f;
	g_assert_false(parse_exact(pkt, sizeof(pkt), NULL, NULL));
	/* Extension bit with no room for its header */
	pkt[0] = 0x90;
	g_assert_false(parse_exact(pkt, 15, NULL, NULL));
	/* Extension length beyond the packet */
	pkt[12] = 0; pkt[13] = 0; pkt[14] = 0; pkt[15] = 1;
	g_assert_false(parse_exact(pkt, sizeof(pkt), NULL, NULL));
	pkt[15] = 0;
	g_assert_true(parse_exact(pkt, sizeof(pkt), NULL, NULL));
}

static void test_single_nal(void)
{
	const guint8 sps[] = { 0x67, 0x42, 0xc0, 0x1e };
	const guint8 pps[] = { 0x68, 0xce, 0x3c, 0x80 };
	const guint8 idr[] = { 0x65, 0x88, 0x84 };
	const guint8 slice[] = { 0x41, 0x9a, 0x02 };
	const guint8 sei[] = { 0x06, 0x05, 0xff };
	const guint8 aud[] = { 0x09, 0xf0 };
	g_assert_cmpuint(inspect_exact(sps, sizeof(sps)), ==, MS_H264_SPS);
	g_assert_cmpuint(inspect_exact(pps, sizeof(pps)), ==, MS_H264_PPS);
	g_assert_cmpuint(inspect_exact(idr, sizeof(idr)), ==, MS_H264_IDR);
	g_assert_cmpuint(inspect_exact(slice, sizeof(slice)), ==, MS_H264_SLICE);
	g_assert_cmpuint(inspect_exact(sei, sizeof(sei)), ==, 0);
	g_assert_cmpuint(inspect_exact(aud, sizeof(aud)), ==, 0);
	/* A one-byte NAL (header only) still says what it is */
	g_assert_cmpuint(inspect_exact(idr, 1), ==, MS_H264_IDR);
	g_assert_true(ms_h264_is_keyframe_material(sps, sizeof(sps)));
	g_assert_true(ms_h264_is_keyframe_material(idr, sizeof(idr)));
	g_assert_false(ms_h264_is_keyframe_material(slice, sizeof(slice)));
	/* NRI bits do not matter, the forbidden bit does */
	const guint8 idr_nri0[] = { 0x05, 0x88 };
	const guint8 idr_forbidden[] = { 0xe5, 0x88 };
	g_assert_cmpuint(inspect_exact(idr_nri0, sizeof(idr_nri0)), ==, MS_H264_IDR);
	g_assert_cmpuint(inspect_exact(idr_forbidden, sizeof(idr_forbidden)), ==, 0);
}

static void test_stap_a(void)
{
	const guint8 sps_pps[] = { 0x78,
		0x00, 0x04, 0x67, 0x42, 0xc0, 0x1e,
		0x00, 0x04, 0x68, 0xce, 0x3c, 0x80 };
	g_assert_cmpuint(inspect_exact(sps_pps, sizeof(sps_pps)), ==, MS_H264_SPS | MS_H264_PPS);
	g_assert_true(ms_h264_is_keyframe_material(sps_pps, sizeof(sps_pps)));
	const guint8 all[] = { 0x78,
		0x00, 0x02, 0x67, 0x42,
		0x00, 0x02, 0x68, 0xce,
		0x00, 0x01, 0x06,
		0x00, 0x03, 0x65, 0x88, 0x84 };
	g_assert_cmpuint(inspect_exact(all, sizeof(all)), ==, KEY);
	const guint8 slices[] = { 0x78, 0x00, 0x02, 0x41, 0x9a, 0x00, 0x01, 0x09 };
	g_assert_cmpuint(inspect_exact(slices, sizeof(slices)), ==, MS_H264_SLICE);
	g_assert_false(ms_h264_is_keyframe_material(slices, sizeof(slices)));
	/* A truncation is malformed unless it falls on a NAL boundary (then it
	 * is a valid, shorter STAP-A): never does it invent an IDR */
	for(gsize l = 0; l < sizeof(all); l++) {
		guint want = 0;
		if(l == 5)
			want = MS_H264_SPS;
		else if(l == 9 || l == 12)
			want = MS_H264_SPS | MS_H264_PPS;
		g_assert_cmpuint(inspect_exact(all, l), ==, want);
	}
	/* Size past the end, zero size, trailing byte */
	const guint8 too_long[] = { 0x78, 0x00, 0x09, 0x67, 0x42 };
	const guint8 zero[] = { 0x78, 0x00, 0x00, 0x00, 0x02, 0x67, 0x42 };
	const guint8 trailing[] = { 0x78, 0x00, 0x02, 0x67, 0x42, 0x00 };
	g_assert_cmpuint(inspect_exact(too_long, sizeof(too_long)), ==, 0);
	g_assert_cmpuint(inspect_exact(zero, sizeof(zero)), ==, 0);
	g_assert_cmpuint(inspect_exact(trailing, sizeof(trailing)), ==, 0);
	/* Nested aggregates/fragments inside a STAP-A are not looked into */
	const guint8 nested[] = { 0x78, 0x00, 0x03, 0x7c, 0x85, 0x88 };
	g_assert_cmpuint(inspect_exact(nested, sizeof(nested)), ==, 0);
}

static void test_fu_a(void)
{
	const guint8 idr_start[] = { 0x7c, 0x85, 0x88, 0x84 };
	const guint8 idr_mid[] = { 0x7c, 0x05, 0x11, 0x22 };
	const guint8 idr_end[] = { 0x7c, 0x45, 0x33 };
	const guint8 p_start[] = { 0x5c, 0x81, 0x9a };
	const guint8 p_mid[] = { 0x5c, 0x01, 0x9a };
	const guint8 p_end[] = { 0x5c, 0x41, 0x9a };
	g_assert_cmpuint(inspect_exact(idr_start, sizeof(idr_start)), ==, MS_H264_IDR);
	g_assert_true(ms_h264_is_keyframe_material(idr_start, sizeof(idr_start)));
	g_assert_cmpuint(inspect_exact(idr_mid, sizeof(idr_mid)), ==, MS_H264_IDR_CONT);
	g_assert_cmpuint(inspect_exact(idr_end, sizeof(idr_end)), ==, MS_H264_IDR_CONT);
	g_assert_false(ms_h264_is_keyframe_material(idr_mid, sizeof(idr_mid)));
	g_assert_false(ms_h264_is_keyframe_material(idr_end, sizeof(idr_end)));
	g_assert_cmpuint(inspect_exact(p_start, sizeof(p_start)), ==, MS_H264_SLICE);
	g_assert_cmpuint(inspect_exact(p_mid, sizeof(p_mid)), ==, 0);
	g_assert_cmpuint(inspect_exact(p_end, sizeof(p_end)), ==, 0);
	/* A fragmented SPS still counts when it starts */
	const guint8 sps_start[] = { 0x7c, 0x87, 0x42 };
	g_assert_cmpuint(inspect_exact(sps_start, sizeof(sps_start)), ==, MS_H264_SPS);
	/* Truncated: no FU header, no fragment data */
	g_assert_cmpuint(inspect_exact(idr_start, 1), ==, 0);
	g_assert_cmpuint(inspect_exact(idr_start, 2), ==, 0);
	/* A fragment of an aggregate or of type 0 is invalid */
	const guint8 fu_stap[] = { 0x7c, 0x98, 0x00 };
	const guint8 fu_zero[] = { 0x7c, 0x80, 0x00 };
	g_assert_cmpuint(inspect_exact(fu_stap, sizeof(fu_stap)), ==, 0);
	g_assert_cmpuint(inspect_exact(fu_zero, sizeof(fu_zero)), ==, 0);
}

static void test_unsupported_and_empty(void)
{
	g_assert_cmpuint(ms_h264_inspect(NULL, 0), ==, 0);
	g_assert_cmpuint(ms_h264_inspect(NULL, 10), ==, 0);
	const guint8 one[] = { 0x65 };
	g_assert_cmpuint(ms_h264_inspect(one, 0), ==, 0);
	/* STAP-B, MTAP16, MTAP24, FU-B, reserved 0/30/31: ignored even when
	 * they would carry an IDR */
	const guint8 types[] = { 0, 25, 26, 27, 29, 30, 31 };
	for(gsize i = 0; i < G_N_ELEMENTS(types); i++) {
		guint8 pkt[] = { (guint8)(0x60 | types[i]), 0x85, 0x00, 0x02, 0x65, 0x88, 0x84, 0x00 };
		g_assert_cmpuint(inspect_exact(pkt, sizeof(pkt)), ==, 0);
	}
}

/* Every 1 and 2 byte payload, and random payloads of every short length,
 * each in an exact-size allocation: nothing crashes, nothing is reported
 * for an empty payload, a truncated aggregate is never keyframe material. */
static void test_exhaustive_short(void)
{
	for(guint v = 0; v < 65536; v++) {
		guint8 b[2] = { (guint8)(v >> 8), (guint8)v };
		guint f1 = inspect_exact(b, 1), f2 = inspect_exact(b, 2);
		if((b[0] & 0x1f) == 24)
			g_assert_cmpuint(f1 | f2, ==, 0);
	}
	GRand *r = g_rand_new_with_seed(42);
	for(guint i = 0; i < 20000; i++) {
		guint8 b[64];
		gsize len = g_rand_int_range(r, 0, sizeof(b) + 1);
		for(gsize j = 0; j < len; j++)
			b[j] = (guint8)g_rand_int(r);
		if(len > 0 && g_rand_boolean(r))
			b[0] = (b[0] & 0xe0) | (g_rand_boolean(r) ? 24 : 28);
		guint f = inspect_exact(b, len);
		g_assert_cmpuint(f & ~(guint)(KEY | MS_H264_IDR_CONT | MS_H264_SLICE), ==, 0);
		parse_exact(b, len, NULL, NULL);
	}
	g_rand_free(r);
}

/* RTCP feedback of a viewer (ms_rtcp_read_feedback): receiver report blocks
 * of RR and SR, generic NACKs, REMB; malformed input says nothing */
static void test_rtcp_feedback(void)
{
	ms_rtcp_feedback fb;
	/* RR with two report blocks: fraction lost 25 and 64 */
	guint8 rr[8 + 48] = { 0x82, 201, 0, 13, 0, 0, 0, 1 };
	rr[8 + 4] = 25;
	rr[8 + 24 + 4] = 64;
	/* extended highest sequence numbers 0x0001abcd and 0x00000102 */
	rr[8 + 9] = 0x01; rr[8 + 10] = 0xab; rr[8 + 11] = 0xcd;
	rr[8 + 24 + 10] = 0x01; rr[8 + 24 + 11] = 0x02;
	g_assert_true(ms_rtcp_read_feedback(rr, sizeof(rr), &fb));
	g_assert_cmpuint(fb.reports, ==, 2);
	g_assert_cmpuint(fb.n_highest, ==, 2);
	g_assert_cmpuint(fb.highest[0], ==, 0xabcd);
	g_assert_cmpuint(fb.highest[1], ==, 0x0102);
	g_assert_cmpuint(fb.loss_max, ==, 64);
	g_assert_cmpuint(fb.loss_sum, ==, 89);
	/* compound: SR with one block (lost 10), then NACK (PID + 3 bits), then REMB 1.5 Mbit/s */
	guint8 c[52 + 16 + 24] = { 0 };
	c[0] = 0x81; c[1] = 200; c[3] = 12;		/* 52 bytes: 28 + 24 */
	c[28 + 4] = 10;
	guint8 *n = c + 52;
	n[0] = 0x81; n[1] = 205; n[3] = 3;		/* 16 bytes */
	n[12] = 0x01; n[13] = 0x00; n[14] = 0x00; n[15] = 0x0b;	/* BLP 0b1011 */
	guint8 *r = c + 68;
	r[0] = 0x8f; r[1] = 206; r[3] = 5;		/* 24 bytes */
	memcpy(r + 12, "REMB", 4);
	r[16] = 1;
	/* 1,500,000 = 187500 << 3 (the mantissa fits 18 bits) */
	r[17] = (3 << 2) | (187500 >> 16); r[18] = (187500 >> 8) & 0xff; r[19] = 187500 & 0xff;
	g_assert_true(ms_rtcp_read_feedback(c, sizeof(c), &fb));
	g_assert_cmpuint(fb.reports, ==, 1);
	g_assert_cmpuint(fb.loss_max, ==, 10);
	g_assert_cmpuint(fb.nacked, ==, 4);
	g_assert_cmpuint(fb.remb_bps, ==, 1500000);
	/* truncated: a length past the end stops the walk, nothing read past it */
	guint8 t[8] = { 0x81, 201, 0, 7, 0, 0, 0, 1 };
	g_assert_true(ms_rtcp_read_feedback(t, sizeof(t), &fb));
	g_assert_cmpuint(fb.reports, ==, 0);
	/* RTP, not RTCP */
	guint8 rtp[12] = { 0x80, 96 };
	g_assert_false(ms_rtcp_read_feedback(rtp, sizeof(rtp), &fb));
	g_assert_false(ms_rtcp_read_feedback(NULL, 0, &fb));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ms/rtp/parse-basic", test_rtp_parse_basic);
	g_test_add_func("/ms/rtp/parse-csrc-ext-padding", test_rtp_parse_csrc_ext_padding);
	g_test_add_func("/ms/rtp/parse-invalid", test_rtp_parse_invalid);
	g_test_add_func("/ms/h264/single-nal", test_single_nal);
	g_test_add_func("/ms/h264/stap-a", test_stap_a);
	g_test_add_func("/ms/h264/fu-a", test_fu_a);
	g_test_add_func("/ms/h264/unsupported-and-empty", test_unsupported_and_empty);
	g_test_add_func("/ms/h264/exhaustive-short", test_exhaustive_short);
	g_test_add_func("/ms/rtp/rtcp-feedback", test_rtcp_feedback);
	return g_test_run();
}
